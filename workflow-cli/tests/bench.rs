//! `workflow bench`, run as a process on small workloads written by the tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn workflow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_workflow"))
        .args(args)
        .output()
        .expect("the workflow binary runs")
}

/// A workloads folder holding one Map-of-tasks workload whose expected output is `expected`.
fn workloads(name: &str, expected: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("bench-tests")
        .join(name);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    let definition = r#"{"StartAt": "M", "States": {
        "M": {"Type": "Map", "ItemsPath": "$.words", "MaxConcurrency": 2, "Next": "R",
              "ItemProcessor": {"StartAt": "mapFunction", "States": {"mapFunction": {"Type": "Task",
                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:mapFunction",
                "End": true}}}},
        "R": {"Type": "Task",
              "Resource": "arn:aws:lambda:us-east-1:123456789012:function:reduceFunction",
              "End": true}}}"#;
    let files = [
        ("tiny.asl.json", definition),
        ("tiny.input.json", r#"{"words": ["ab", "cde", "é"]}"#),
        ("tiny.expected.json", expected),
        ("transitions.json", r#"{"tiny": 5}"#),
    ];
    for (file, text) in files {
        std::fs::write(dir.join(file), text).expect("scratch file");
    }
    dir
}

#[test]
fn prints_the_peer_line_for_a_matching_workload() {
    let dir = workloads("ok", r#"{"totalLength": 6}"#);
    let out = workflow(&["bench", "--repeats", "3", dir.to_str().unwrap()]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("tokio runtime: current-thread"), "{stderr}");
    let fields: Vec<&str> = stdout.trim_end().split(' ').collect();
    assert_eq!(fields.len(), 5, "{stdout}");
    assert_eq!(fields[0], "tiny");
    assert_eq!(fields[1], "transitions=5");
    for (field, key) in fields[2..]
        .iter()
        .zip(["seconds=", "transitions_per_s=", "peak_rss_mb="])
    {
        let value = field.strip_prefix(key).expect(key);
        assert!(value.parse::<f64>().is_ok_and(|v| v > 0.0), "{field}");
    }
}

#[test]
fn no_history_runs_the_workload_unrecorded_and_says_so() {
    let dir = workloads("no-history", r#"{"totalLength": 6}"#);
    let out = workflow(&[
        "bench",
        "--repeats",
        "1",
        "--no-history",
        dir.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("history not recorded"), "{stderr}");
    assert!(stdout.starts_with("tiny transitions=5 "), "{stdout}");
    let recorded = workflow(&["bench", "--repeats", "1", dir.to_str().unwrap()]);
    let stderr = String::from_utf8(recorded.stderr).unwrap();
    assert!(stderr.contains("history recorded"), "{stderr}");
}

#[test]
fn a_wrong_output_exits_1() {
    let dir = workloads("mismatch", r#"{"totalLength": 7}"#);
    let out = workflow(&[
        "bench",
        "--runtime",
        "current-thread",
        dir.to_str().unwrap(),
        "tiny",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("tiny: output mismatch"), "{stderr}");
    assert!(stderr.contains("failed: tiny"), "{stderr}");
    assert!(
        !stderr.contains("\"totalLength\":6"),
        "the output is a payload, hidden by default: {stderr}"
    );
    assert!(stderr.contains("--include-payloads shows it"), "{stderr}");
}

#[test]
fn include_payloads_shows_the_wrong_output() {
    let dir = workloads("mismatch-shown", r#"{"totalLength": 7}"#);
    let out = workflow(&["bench", "--include-payloads", dir.to_str().unwrap(), "tiny"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains(r#"got:      {"totalLength":6}"#),
        "{stderr}"
    );
}

#[test]
fn an_unknown_workload_exits_1() {
    let dir = workloads("unknown", r#"{"totalLength": 6}"#);
    let out = workflow(&["bench", dir.to_str().unwrap(), "nope"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("no transition count for `nope`"),
        "{stderr}"
    );
}
