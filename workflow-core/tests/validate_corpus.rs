//! Acceptance: the recorded conformance definitions, asl-lint's test data and the origin
//! machines load and validate as the service would, with the right locations.

use std::path::{Path, PathBuf};
use workflow_core::load;

/// `../shared` relative to the workspace root (or `$WORKFLOW_SHARED`, for a checkout that sits
/// elsewhere), or `None` (skip) when it is absent. Under `CI=true` an absent corpus is a failure.
fn shared() -> Option<PathBuf> {
    let dir = std::env::var_os("WORKFLOW_SHARED").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"),
        PathBuf::from,
    );
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{} is absent, and CI=true requires it",
        dir.display()
    );
    eprintln!("skipped: {} is absent", dir.display());
    None
}

fn files(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    out.sort();
    out
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn assert_clean(paths: &[PathBuf]) {
    let mut failures = Vec::new();
    for path in paths {
        if let Err(problems) = load(&read(path)) {
            for p in problems {
                failures.push(format!("{}: {p}", path.display()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_conformance_definition_is_valid() {
    let Some(shared) = shared() else { return };
    let cases = shared.join("conformance/cases");
    let mut paths = Vec::new();
    for case in std::fs::read_dir(&cases).expect("conformance cases") {
        let def = case.expect("entry").path().join("definition.asl.json");
        if def.is_file() {
            paths.push(def);
        }
    }
    paths.sort();
    assert_eq!(paths.len(), 872);
    assert_clean(&paths);
}

#[test]
fn asl_lint_valid_definitions_are_valid() {
    let Some(shared) = shared() else { return };
    let paths = files(&shared.join("tools/asl-lint/testdata/valid"), ".json");
    assert_eq!(paths.len(), 10);
    assert_clean(&paths);
}

#[test]
fn origin_machines_are_valid() {
    let Some(shared) = shared() else { return };
    let paths = files(&shared.join("origin"), ".asl.json");
    assert_eq!(paths.len(), 3);
    assert_clean(&paths);
}

/// Each invalid file with the pointer (and line) of the problem the validator must report.
const INVALID: &[(&str, &str, usize)] = &[
    ("invalid/bad-arn.json", "/States/A/Resource", 7),
    (
        "invalid/bad-intrinsic.json",
        "/States/Build/Parameters/x.$",
        5,
    ),
    ("invalid/bad-jsonata.json", "/States/Build/Output", 6),
    (
        "invalid/bad-jsonpath-inputpath.json",
        "/States/First/InputPath",
        5,
    ),
    ("invalid/choice-without-choices.json", "/States/Route", 5),
    ("invalid/fail-with-next.json", "/States/Boom/Next", 5),
    (
        "invalid/jsonpath-field-in-jsonata.json",
        "/States/Build/InputPath",
        6,
    ),
    (
        "invalid/map-itemprocessor-exits.json",
        "/States/M/ItemProcessor/States/P/Next",
        12,
    ),
    ("invalid/missing-startat.json", "", 1),
    ("invalid/next-missing-state.json", "/States/First/Next", 5),
    (
        "invalid/parallel-branch-exits.json",
        "/States/FanOut/Branches/0/States/Inner/Next",
        8,
    ),
    ("invalid/startat-missing-state.json", "/StartAt", 3),
    ("invalid/task-without-resource.json", "/States/Work", 5),
    ("invalid/terminal-missing-end.json", "/States/Last", 6),
    ("invalid/unknown-field.json", "/States/First/Retries", 5),
    ("invalid/unreachable-state.json", "/States/Orphan", 6),
    (
        "invalid/wait-negative-seconds.json",
        "/States/Pause/Seconds",
        5,
    ),
    (
        "invalid/wait-seconds-and-timestamp.json",
        "/States/Pause/Timestamp",
        5,
    ),
    ("gaps/duplicate-state-name.json", "/States/B", 7),
    (
        "gaps/resultpath-context.json",
        "/States/Build/ResultPath",
        7,
    ),
    (
        "gaps/states-all-not-alone.json",
        "/States/Work/Retry/0/ErrorEquals",
        10,
    ),
];

/// Files whose rule needs a module that has not landed yet (`crate::jsonata` for JSONata
/// syntax). They are listed, not hidden: each must still be accepted, so that the entry is
/// dropped when the rule is wired in.
const PENDING: &[&str] = &["invalid/bad-jsonata.json"];

#[test]
fn asl_lint_invalid_and_gap_definitions_are_rejected_at_the_right_place() {
    let Some(shared) = shared() else { return };
    let testdata = shared.join("tools/asl-lint/testdata");
    let mut listed: Vec<PathBuf> = files(&testdata.join("invalid"), ".json");
    listed.extend(files(&testdata.join("gaps"), ".json"));
    assert_eq!(listed.len(), INVALID.len(), "every file has an expectation");
    let mut failures = Vec::new();
    for (file, pointer, line) in INVALID {
        let path = testdata.join(file);
        if PENDING.contains(file) {
            assert!(
                load(&read(&path)).is_ok(),
                "{file} is now rejected: drop it from PENDING"
            );
            continue;
        }
        match load(&read(&path)) {
            Ok(_) => failures.push(format!("{file}: accepted")),
            Err(problems) => {
                if !problems
                    .iter()
                    .any(|p| p.pointer == *pointer && p.line == Some(*line))
                {
                    failures.push(format!(
                        "{file}: expected {pointer} at line {line}, got:\n  {}",
                        problems
                            .iter()
                            .map(|p| p.to_string())
                            .collect::<Vec<_>>()
                            .join("\n  ")
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
