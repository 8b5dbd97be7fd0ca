//! The committed `asl/*.asl.json` files are what the workflows emit: a change in lowering
//! fails here until `cargo run -p examples --bin emit-asl` rewrites them (review the diff).

#[test]
fn committed_asl_matches_the_emitted_asl() {
    let files = examples::emit(true).expect("every example lowers to valid ASL");
    assert_eq!(files.len(), examples::all().len());
    let stale: Vec<&str> = files
        .iter()
        .filter(|f| f.changed)
        .map(|f| f.path.as_str())
        .collect();
    assert!(
        stale.is_empty(),
        "these files differ from the emitted ASL: {stale:?}; run `cargo run -p examples --bin emit-asl` and commit the result"
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
