//! The bundled example workflows, written with `#[task]` and `#[workflow]`.
//!
//! [`all`] lists every workflow, so `emit-asl` writes each to `asl/<name>.asl.json`.

pub mod mapreduce;
pub mod polling;
pub mod states;
pub mod token_flow;

use workflow_codegen::Workflow;

/// Every example workflow, in a stable order.
pub fn all() -> Vec<Workflow> {
    vec![
        token_flow::token_flow::definition(),
        mapreduce::mapreduce::definition(),
        states::pass_state::definition(),
        states::task_state::definition(),
        states::choice_state::definition(),
        states::wait_state::definition(),
        states::succeed_state::definition(),
        states::fail_state::definition(),
        states::parallel_state::definition(),
        states::map_state::definition(),
        polling::wait_for::definition(),
        polling::polling::definition(),
    ]
}

/// One emitted (or checked) file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Emitted {
    /// The path relative to the package (`asl/<name>.asl.json`).
    pub path: String,
    /// Whether the file on disk differed from (or, when writing, was replaced by) the output.
    pub changed: bool,
}

/// Writes every workflow to `<package>/asl/<name>.asl.json`, or with `check` only compares;
/// a workflow that does not lower, or whose ASL fails workflow-core's validator, is an error.
pub fn emit(check: bool) -> Result<Vec<Emitted>, String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("asl");
    if !check {
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let mut out = Vec::new();
    for wf in all() {
        let asl = wf.to_asl().map_err(|e| e.to_string())?;
        let problems = workflow_core::validate(&asl);
        if !problems.is_empty() {
            let list: Vec<String> = problems
                .iter()
                .map(|d| format!("{}: {}", d.pointer, d.message))
                .collect();
            return Err(format!("{}: invalid ASL: {}", wf.name, list.join("; ")));
        }
        let text = format!("{}\n", asl.to_json_pretty());
        let rel = format!("asl/{}.asl.json", wf.name);
        let file = dir.join(format!("{}.asl.json", wf.name));
        let changed = std::fs::read_to_string(&file).ok().as_deref() != Some(text.as_str());
        if !check && changed {
            std::fs::write(&file, &text).map_err(|e| format!("{}: {e}", file.display()))?;
        }
        out.push(Emitted { path: rel, changed });
    }
    Ok(out)
}
