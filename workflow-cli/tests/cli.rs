//! `workflow validate`, run as a process.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn workflow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_workflow"))
        .args(args)
        .output()
        .expect("the workflow binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("UTF-8 output")
}

/// Writes `text` to a file of its own under the test's scratch directory.
fn file(name: &str, text: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-tests");
    std::fs::create_dir_all(&dir).expect("scratch directory");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("scratch file");
    path
}

const VALID: &str = r#"{
  "StartAt": "A",
  "States": {
    "A": { "Type": "Pass", "End": true }
  }
}"#;

const TWO_PROBLEMS: &str = r#"{
  "StartAt": "A",
  "States": {
    "A": { "Type": "Pass", "Next": "B" },
    "C": { "Type": "Wait", "Seconds": -1, "End": true }
  }
}"#;

#[test]
fn a_clean_file_prints_ok_and_exits_0() {
    let path = file("valid.asl.json", VALID);
    let out = workflow(&["validate", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), format!("ok {}\n", path.display()));
}

#[test]
fn every_problem_is_a_line_with_file_position_and_pointer_and_exits_1() {
    let path = file("two-problems.asl.json", TWO_PROBLEMS);
    let out = workflow(&["validate", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let p = path.display();
    assert_eq!(
        stdout(&out),
        format!(
            "{p}:4:28: /States/A/Next: `B` is not a state of the state machine\n\
             {p}:5:5: /States/C: state `C` is never reached from `StartAt` `A`\n\
             {p}:5:28: /States/C/Seconds: `Seconds` must be between 0 and 99999999, not -1\n"
        )
    );
}

#[test]
fn several_files_are_all_checked() {
    let good = file("several-good.asl.json", VALID);
    let bad = file("several-bad.asl.json", TWO_PROBLEMS);
    let out = workflow(&["validate", bad.to_str().unwrap(), good.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 4, "{text}");
    assert!(
        text.ends_with(&format!("ok {}\n", good.display())),
        "{text}"
    );
}

#[test]
fn json_format_prints_an_array_of_problems() {
    let path = file("json-format.asl.json", TWO_PROBLEMS);
    let out = workflow(&["validate", "--format", "json", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let items: Value = serde_json::from_str(&stdout(&out)).expect("JSON output");
    let items = items.as_array().expect("an array");
    assert_eq!(items.len(), 3);
    assert_eq!(
        items[0],
        serde_json::json!({
            "file": path.display().to_string(),
            "pointer": "/States/A/Next",
            "line": 4,
            "column": 28,
            "message": "`B` is not a state of the state machine",
        })
    );
}

#[test]
fn json_format_of_clean_files_is_an_empty_array() {
    let path = file("json-clean.asl.json", VALID);
    let out = workflow(&["validate", "--format", "json", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        serde_json::from_str::<Value>(&stdout(&out)).unwrap(),
        serde_json::json!([])
    );
}

#[test]
fn a_file_that_is_not_json_exits_2_with_line_and_column() {
    let path = file(
        "broken.asl.json",
        "{\n  \"StartAt\": \"A\",\n  \"States\": {,\n}",
    );
    let out = workflow(&["validate", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    // The file could not be checked: a diagnostic on stderr, no result on stdout.
    let text = stderr(&out);
    assert!(
        text.starts_with(&format!("{}:3:14: not valid JSON: ", path.display())),
        "{text}"
    );
    assert_eq!(stdout(&out), "");
}

#[test]
fn an_unreadable_file_exits_2_and_the_others_are_still_checked() {
    let good = file("unreadable-neighbour.asl.json", VALID);
    let out = workflow(&[
        "validate",
        "/nonexistent/machine.asl.json",
        good.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let errors = stderr(&out);
    assert!(
        errors.starts_with("/nonexistent/machine.asl.json: cannot read the file"),
        "{errors}"
    );
    assert_eq!(stdout(&out), format!("ok {}\n", good.display()));
    // In JSON, the array holds the results only; the unreadable file is on stderr.
    let out = workflow(&[
        "validate",
        "--format",
        "json",
        "/nonexistent/machine.asl.json",
        good.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        serde_json::from_str::<Value>(&stdout(&out)).unwrap(),
        serde_json::json!([])
    );
    assert!(stderr(&out).contains("cannot read the file"));
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(workflow(&["validate"]).status.code(), Some(2));
    assert_eq!(
        workflow(&["validate", "--format", "xml", "f"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(workflow(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(workflow(&[]).status.code(), Some(2));
}

fn json_files(dir: &Path) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .expect("test data directory")
        .map(|e| e.expect("entry").path().display().to_string())
        .filter(|p| p.ends_with(".json"))
        .collect();
    files.sort();
    files
}

#[test]
fn asl_lint_test_data_and_origin_machines() {
    let (Some(testdata), Some(origin)) = (
        workflow_test_support::shared("tools/asl-lint/testdata"),
        workflow_test_support::shared("origin"),
    ) else {
        return;
    };
    let mut valid = json_files(&testdata.join("valid"));
    valid.extend(
        json_files(&origin)
            .into_iter()
            .filter(|f| f.ends_with(".asl.json")),
    );
    let args: Vec<&str> = std::iter::once("validate")
        .chain(valid.iter().map(String::as_str))
        .collect();
    let out = workflow(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(
        stdout(&out)
            .lines()
            .filter(|l| l.starts_with("ok "))
            .count(),
        valid.len()
    );

    let mut invalid = json_files(&testdata.join("invalid"));
    invalid.extend(json_files(&testdata.join("gaps")));
    assert_eq!(invalid.len(), 21);
    for file in invalid {
        let out = workflow(&["validate", &file]);
        assert_eq!(out.status.code(), Some(1), "{file}: {}", stdout(&out));
    }
}
