//! Helpers shared by the process tests: run the binary, write scratch files.
#![allow(dead_code)] // each test file uses its own subset

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Runs `workflow ARGS...` to its end.
pub fn workflow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_workflow"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the workflow binary runs")
}

/// Runs `workflow ARGS...` with `input` on stdin.
pub fn workflow_with_stdin(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_workflow"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the workflow binary starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("stdin written");
    child.wait_with_output().expect("the workflow binary runs")
}

/// Stdout as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

/// Stderr as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("UTF-8 output")
}

/// Stdout parsed as JSON.
pub fn stdout_json(output: &Output) -> serde_json::Value {
    serde_json::from_str(&stdout(output))
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", stdout(output)))
}

/// Writes `text` to a file of its own under the test's scratch directory.
pub fn file(name: &str, text: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-process-tests");
    std::fs::create_dir_all(&dir).expect("scratch directory");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("scratch file");
    path
}

/// A path as `&str`.
pub fn s(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

/// The origin's token flow: a Task, a Choice with three outcomes.
pub const TOKEN_FLOW: &str = r#"{
  "StartAt": "InitialTask",
  "States": {
    "InitialTask": {
      "Type": "Task",
      "Resource": "arn:aws:lambda:us-east-1:123456789012:function:InitialFunction",
      "Next": "ChoiceState"
    },
    "ChoiceState": {
      "Type": "Choice",
      "Choices": [
        { "Variable": "$.status", "StringEquals": "success", "Next": "SuccessState" },
        { "Variable": "$.status", "StringEquals": "failure", "Next": "FailState" }
      ],
      "Default": "DefaultTask"
    },
    "SuccessState": { "Type": "Succeed" },
    "FailState": { "Type": "Fail", "Error": "TaskFailed", "Cause": "The task has failed" },
    "DefaultTask": {
      "Type": "Task",
      "Resource": "arn:aws:lambda:us-east-1:123456789012:function:DefaultFunction",
      "End": true
    }
  }
}"#;

/// The origin's corrected MapReduce.
pub const MAPREDUCE: &str = r#"{
  "Comment": "A simple AWS Step Functions example for MapReduce using Map state",
  "StartAt": "MapTask",
  "States": {
    "MapTask": {
      "Type": "Map",
      "MaxConcurrency": 2,
      "Iterator": {
        "StartAt": "CalculateLength",
        "States": {
          "CalculateLength": {
            "Type": "Task",
            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:map-reduce-step-functions-dev-mapFunction",
            "End": true
          }
        }
      },
      "ItemsPath": "$.data",
      "ResultPath": "$.mappedResults",
      "Next": "ReduceTask"
    },
    "ReduceTask": {
      "Type": "Task",
      "Resource": "arn:aws:lambda:us-east-1:123456789012:function:map-reduce-step-functions-dev-reduceFunction",
      "InputPath": "$.mappedResults",
      "End": true
    }
  }
}"#;
