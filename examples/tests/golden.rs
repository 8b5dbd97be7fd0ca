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
