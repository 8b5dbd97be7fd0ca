//! Runs every case of the conformance corpus recorded from the real service
//! (`../shared/conformance`, beside the workspace) and compares status, output and error.
//!
//! `cargo test -p workflow-core --test conformance` prints a table per area and a last line
//! `conformance: N passed, M failed, K skipped` and fails on any failure: every area, JSONata and
//! variables included, is held at 100%. Set `CONFORMANCE_VERBOSE=1` to see each failure,
//! `CONFORMANCE_FILTER=text` to run the matching cases only.

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use workflow_core::run::{Clock, Machine, RunOptions, Runner, Status};
use workflow_core::task::{handler_fn, TaskRegistry};
use workflow_core::StatesError;

/// The corpus's capture time, which Wait timestamps are relative to.
const CAPTURE_TIME: &str = "2026-11-25T13:41:53Z";

struct Case {
    id: String,
    area: String,
    dir: PathBuf,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--list") {
        // cargo-nextest protocol: one test per line, none when asked for ignored tests.
        if !args.iter().any(|a| a == "--ignored") {
            println!("conformance: test");
        }
        return;
    }
    let Some(root) = workflow_test_support::shared("conformance/index.tsv") else {
        println!("conformance: 0 passed, 0 failed, 0 skipped");
        return;
    };
    let root = root.parent().expect("the index's folder");
    let cases = load_index(root);
    let filter = std::env::var("CONFORMANCE_FILTER").ok();
    let verbose = std::env::var("CONFORMANCE_VERBOSE").is_ok();
    let mut table: BTreeMap<String, [u32; 2]> = BTreeMap::new();
    let mut failed = Vec::new();
    for case in cases
        .iter()
        .filter(|c| filter.as_deref().is_none_or(|f| c.id.contains(f)))
    {
        let row = table.entry(case.area.clone()).or_default();
        match run_case(case) {
            Ok(()) => row[0] += 1,
            Err(why) => {
                row[1] += 1;
                failed.push(case.id.clone());
                if verbose {
                    println!("FAIL {}: {why}", case.id);
                }
            }
        }
    }
    println!("{:<22} {:>7} {:>7}", "area", "passed", "failed");
    let mut totals = [0u32; 2];
    for (area, row) in &table {
        println!("{area:<22} {:>7} {:>7}", row[0], row[1]);
        totals[0] += row[0];
        totals[1] += row[1];
    }
    if !failed.is_empty() {
        println!("failed: {}", failed.join(", "));
    }
    println!(
        "conformance: {} passed, {} failed, 0 skipped",
        totals[0], totals[1]
    );
    if !failed.is_empty() {
        std::process::exit(1);
    }
}

fn load_index(root: &Path) -> Vec<Case> {
    let index = std::fs::read_to_string(root.join("index.tsv"))
        .unwrap_or_else(|e| panic!("{}/index.tsv: {e}", root.display()));
    index
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut cols = l.split('\t');
            let id = cols.next()?.to_owned();
            let area = cols.next()?.to_owned();
            Some(Case {
                dir: root.join("cases").join(&id),
                id,
                area,
            })
        })
        .collect()
}

fn read_json(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Handlers for the corpus's Lambda vocabulary (`lambdas.json`).
fn lambda_registry(lambdas: &Value) -> TaskRegistry {
    let mut reg = TaskRegistry::new();
    let Some(map) = lambdas.as_object() else {
        return reg;
    };
    for (name, spec) in map {
        let spec = Arc::new(spec.clone());
        let calls = Arc::new(AtomicU32::new(0));
        reg.register(
            name.clone(),
            handler_fn(move |input: Value| {
                let spec = Arc::clone(&spec);
                let n = calls.fetch_add(1, Ordering::Relaxed);
                async move { behave(&spec, input, n) }
            }),
        );
    }
    reg
}

fn behave(spec: &Value, input: Value, call: u32) -> Result<Value, StatesError> {
    let text = |k: &str| spec.get(k).and_then(Value::as_str).unwrap_or_default();
    match text("kind") {
        "echo" => Ok(input),
        "return" => Ok(spec.get("value").cloned().unwrap_or(Value::Null)),
        "raise" => Err(StatesError::new(text("error"), text("cause"))),
        "fail_then" => {
            let times = spec.get("times").and_then(Value::as_u64).unwrap_or(0);
            if u64::from(call) < times {
                Err(StatesError::new(text("error"), text("cause")))
            } else {
                behave(spec.get("then").unwrap_or(&Value::Null), input, call)
            }
        }
        other => Err(StatesError::new(
            "Harness.UnknownLambdaKind",
            format!("lambdas.json kind `{other}`"),
        )),
    }
}

fn run_case(case: &Case) -> Result<(), String> {
    let load = || -> Result<_, String> {
        let text = std::fs::read_to_string(case.dir.join("definition.asl.json"))
            .map_err(|e| e.to_string())?;
        let input = read_json(&case.dir.join("input.json"))?;
        let expected = read_json(&case.dir.join("expected.json"))?;
        let lambdas = read_json(&case.dir.join("lambdas.json")).unwrap_or(Value::Null);
        Ok((text, input, expected, lambdas))
    };
    let (text, input, expected, lambdas) = match load() {
        Ok(x) => x,
        Err(e) => return Err(format!("unreadable case: {e}")),
    };
    let machine = match Machine::from_json(&text) {
        Ok(m) => m,
        Err(errors) => {
            let msg = errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("; ");
            return Err(format!("does not load: {msg}"));
        }
    };
    // Twice: with the history recorded, where every payload the history holds is copied before
    // a state changes it, and without, where states take their input and results over.
    for record_history in [true, false] {
        let options = RunOptions {
            clock: Clock::pinned_at(CAPTURE_TIME).expect("capture time parses"),
            record_history,
            ..RunOptions::default()
        };
        let runner = Runner::new(machine.clone(), lambda_registry(&lambdas)).with_options(options);
        check_outcome(&runner, input.clone(), &expected)
            .map_err(|e| format!("{e} (history recorded: {record_history})"))?;
    }
    Ok(())
}

/// Runs `input` on `runner` and compares status, output and error with the recorded ones.
fn check_outcome(runner: &Runner, input: Value, expected: &Value) -> Result<(), String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("a tokio runtime");
    let execution = rt.block_on(runner.run(input));
    let want_status = expected["status"].as_str().unwrap_or_default();
    if execution.status.as_str() != want_status {
        return Err(format!(
            "status {} (error {:?}, cause {:?}, output {:?}), expected {want_status} ({})",
            execution.status.as_str(),
            execution.error,
            execution.cause,
            execution.output.map(|o| o.to_string()),
            expected
        ));
    }
    match execution.status {
        Status::Succeeded => {
            let got = execution.output.unwrap_or(Value::Null);
            if json_eq(&got, &expected["output"]) {
                Ok(())
            } else {
                Err(format!("output {got}, expected {}", expected["output"]))
            }
        }
        _ => {
            let want = expected.get("error").and_then(Value::as_str);
            let got = execution.error.as_deref().filter(|e| !e.is_empty());
            if want == got {
                Ok(())
            } else {
                Err(format!(
                    "error {got:?} (cause {:?}), expected {want:?}",
                    execution.cause
                ))
            }
        }
    }
}

/// JSON equality with numbers compared by value and object keys unordered.
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => x == y,
            _ => x == y,
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}
