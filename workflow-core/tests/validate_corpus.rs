//! Acceptance: the recorded conformance definitions, asl-lint's test data and the origin
//! machines load and validate as the service would, with the right locations.

use std::path::{Path, PathBuf};
use workflow_core::load;

use workflow_test_support::shared;

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
    let Some(cases) = shared("conformance/cases") else {
        return;
    };
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
    let Some(valid) = shared("tools/asl-lint/testdata/valid") else {
        return;
    };
    let paths = files(&valid, ".json");
    assert_eq!(paths.len(), 10);
    assert_clean(&paths);
}

#[test]
fn origin_machines_are_valid() {
    let Some(origin) = shared("origin") else {
        return;
    };
    let paths = files(&origin, ".asl.json");
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

#[test]
fn asl_lint_invalid_and_gap_definitions_are_rejected_at_the_right_place() {
    let Some(testdata) = shared("tools/asl-lint/testdata") else {
        return;
    };
    let mut listed: Vec<PathBuf> = files(&testdata.join("invalid"), ".json");
    listed.extend(files(&testdata.join("gaps"), ".json"));
    assert_eq!(listed.len(), INVALID.len(), "every file has an expectation");
    let mut failures = Vec::new();
    for (file, pointer, line) in INVALID {
        let path = testdata.join(file);
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

/// Every pointer of a JSON value.
fn pointers(value: &serde_json::Value, at: String, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                pointers(v, p, out);
            }
        }
        serde_json::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                pointers(v, p, out);
            }
        }
        _ => {}
    }
}

/// Removing any one member, or replacing it with `null`, a number, a string or an empty
/// object, gives a model or diagnostics with a pointer into the document: never a panic.
#[test]
fn damaged_definitions_never_panic_and_point_into_the_document() {
    let (Some(valid), Some(origin)) = (shared("tools/asl-lint/testdata/valid"), shared("origin"))
    else {
        return;
    };
    let mut sources: Vec<PathBuf> = files(&valid, ".json");
    sources.extend(files(&origin, ".asl.json"));
    let mut checked = 0;
    for path in sources {
        let original: serde_json::Value = serde_json::from_str(&read(&path)).expect("JSON");
        let mut all = Vec::new();
        pointers(&original, String::new(), &mut all);
        for pointer in &all {
            let (parent, last) = pointer.rsplit_once('/').expect("a member pointer");
            let replacements = [
                None,
                Some(serde_json::Value::Null),
                Some(serde_json::json!(-1)),
                Some(serde_json::json!("$$.[")),
                Some(serde_json::json!({})),
            ];
            for replacement in replacements {
                let mut damaged = original.clone();
                match (damaged.pointer_mut(parent), replacement) {
                    (Some(serde_json::Value::Object(map)), None) => {
                        map.shift_remove(&last.replace("~1", "/").replace("~0", "~"));
                    }
                    (Some(serde_json::Value::Array(items)), None) => {
                        items.remove(last.parse::<usize>().expect("an index"));
                    }
                    (_, Some(value)) => *damaged.pointer_mut(pointer).expect("the member") = value,
                    _ => continue,
                }
                let text = serde_json::to_string_pretty(&damaged).expect("serializes");
                if let Err(problems) = load(&text) {
                    for p in problems {
                        assert!(p.line.is_some(), "{}: {p} has no position", path.display());
                    }
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 1000, "only {checked} variants");
}

/// `parse -> serialize -> parse` gives the same model, the serialized document holds every
/// field of the original (order aside), and every state object starts with `Type`.
fn assert_round_trips(paths: &[PathBuf]) {
    use serde_json::Value;
    use workflow_core::asl::StateMachine;
    for path in paths {
        let text = read(path);
        let model: StateMachine =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let written = serde_json::to_string(&model).expect("the model serializes");
        let again: StateMachine = serde_json::from_str(&written).expect("its own output parses");
        assert_eq!(model, again, "{}: not the same model", path.display());
        let original: Value = serde_json::from_str(&text).expect("JSON");
        let written: Value = serde_json::from_str(&written).expect("JSON");
        // serde_json's maps compare without regard to order; numbers compare by value
        // (`"BackoffRate": 2` is written `2.0`).
        assert_eq!(
            numbers_as_f64(original),
            numbers_as_f64(written.clone()),
            "{}: fields lost or changed",
            path.display()
        );
        let mut scopes = vec![&written];
        while let Some(scope) = scopes.pop() {
            for (name, state) in scope["States"].as_object().into_iter().flatten() {
                let first = state.as_object().and_then(|s| s.keys().next());
                assert_eq!(
                    first.map(String::as_str),
                    Some("Type"),
                    "{}: state {name} does not start with Type",
                    path.display()
                );
                scopes.extend(state["Branches"].as_array().into_iter().flatten());
                for key in ["ItemProcessor", "Iterator"] {
                    if state[key].is_object() {
                        scopes.push(&state[key]);
                    }
                }
            }
        }
    }
}

/// `value` with every number as a float, so that `2` and `2.0` compare equal.
fn numbers_as_f64(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Number(n) => n.as_f64().map_or(Value::Number(n), Value::from),
        Value::Array(items) => Value::Array(items.into_iter().map(numbers_as_f64).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, numbers_as_f64(v)))
                .collect(),
        ),
        other => other,
    }
}

#[test]
fn the_projects_own_asl_round_trips_through_the_model() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/asl");
    let paths = files(&examples, ".asl.json");
    assert!(paths.len() >= 10, "{} files", paths.len());
    assert_round_trips(&paths);
}

#[test]
fn every_shared_definition_round_trips_through_the_model() {
    let (Some(cases), Some(valid), Some(origin)) = (
        shared("conformance/cases"),
        shared("tools/asl-lint/testdata/valid"),
        shared("origin"),
    ) else {
        return;
    };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(cases)
        .expect("conformance cases")
        .map(|case| case.expect("entry").path().join("definition.asl.json"))
        .filter(|def| def.is_file())
        .collect();
    paths.extend(files(&valid, ".json"));
    paths.extend(files(&origin, ".asl.json"));
    paths.sort();
    assert_round_trips(&paths);
}
