//! Replays every saved fuzz corpus file (`fuzz/corpus/<target>/`) through the same code as
//! its fuzz target, so that CI checks them without cargo-fuzz. Any panic, stack overflow or
//! hang here is a regression of a case the fuzzer once found or covered.

#[path = "../../fuzz/src/lib.rs"]
mod targets;

use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("the saved corpus {} is readable: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} holds a saved corpus", dir.display());
    for file in files {
        let data = std::fs::read(&file).expect("a corpus file is readable");
        let outcome = std::panic::catch_unwind(|| run(&data));
        assert!(outcome.is_ok(), "{} panicked", file.display());
    }
}

#[test]
fn definition_corpus() {
    replay("definition", targets::definition);
}

#[test]
fn jsonpath_corpus() {
    replay("jsonpath", targets::jsonpath);
}

#[test]
fn intrinsic_corpus() {
    replay("intrinsic", targets::intrinsic);
}

#[test]
fn choice_corpus() {
    replay("choice", targets::choice);
}

#[test]
fn execution_corpus() {
    replay("execution", targets::execution);
}

#[test]
fn jsonata_corpus() {
    replay("jsonata", targets::jsonata);
}
