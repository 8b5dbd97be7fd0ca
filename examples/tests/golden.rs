//! The committed `asl/*.asl.json` files are what the workflows emit: a change in lowering
//! fails here until `cargo run -p examples --bin emit-asl` rewrites them (review the diff).

#[test]
fn committed_asl_matches_the_emitted_asl() {
    let package = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let args = ["--check".to_owned()];
    let status = workflow_codegen::emit::run(&args, package, &examples::all(), &mut out, &mut err);
    let (out, err) = (String::from_utf8_lossy(&out), String::from_utf8_lossy(&err));
    assert_eq!(out.lines().count(), examples::all().len(), "{out}{err}");
    assert_eq!(
        status, 0,
        "{out}{err}these files differ from the emitted ASL; run `cargo run -p examples --bin emit-asl` and commit the result"
    );
}

#[test]
fn every_example_has_a_committed_file() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("asl");
    for wf in examples::all() {
        let file = dir.join(format!("{}.asl.json", wf.name));
        let text =
            std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let parsed =
            workflow_core::load(&text).unwrap_or_else(|d| panic!("{}: {d:?}", file.display()));
        assert_eq!(parsed, wf.to_asl().unwrap(), "{}", file.display());
    }
}

#[test]
fn every_task_and_workflow_has_input_and_output_schemas() {
    let schemas = examples::mapreduce::mapreduce::definition().schemas();
    assert_eq!(schemas["input"]["title"], "Words");
    assert_eq!(schemas["output"]["title"], "Total");
    assert_eq!(
        schemas["output"]["properties"]["totalLength"]["type"],
        "integer"
    );
    let tasks = schemas["tasks"].as_object().unwrap();
    assert_eq!(
        tasks.keys().collect::<Vec<_>>(),
        ["map_function", "reduce_function"]
    );
    assert_eq!(tasks["map_function"]["input"]["title"], "Word");
    assert_eq!(tasks["reduce_function"]["input"]["type"], "array");
}

/// No list is kept by hand: the registry finds every `#[workflow]` of the crate, sorted by
/// name, one for each committed file.
#[test]
fn the_registry_finds_one_workflow_per_committed_file_sorted_by_name() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("asl");
    let mut committed: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".asl.json").map(str::to_owned)
        })
        .collect();
    committed.sort();
    let registered: Vec<String> = examples::all().into_iter().map(|w| w.name).collect();
    assert_eq!(registered, committed);
    let emitted: Vec<String> = workflow_codegen::registry::all()
        .iter()
        .map(|w| w.name().to_owned())
        .collect();
    assert_eq!(emitted, committed);
}

/// docs/dsl.md's Loops section shows `wait_for` next to the ASL it lowers to: that block is
/// what the emitter writes, not hand-written.
#[test]
fn the_loop_asl_in_the_dsl_docs_is_what_wait_for_emits() {
    let docs = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/dsl.md"),
    )
    .unwrap();
    let section = &docs[docs
        .find("### Loops")
        .expect("docs/dsl.md has a Loops section")..];
    let start = section
        .find("```json\n")
        .expect("the Loops section shows ASL")
        + 8;
    let end = start + section[start..].find("```").unwrap();
    let shown: serde_json::Value = serde_json::from_str(&section[start..end]).unwrap();
    let emitted =
        serde_json::to_value(examples::polling::wait_for::definition().to_asl().unwrap()).unwrap();
    assert_eq!(shown, emitted);
}
