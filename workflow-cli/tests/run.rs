//! `workflow run`, as a process: output on stdout, diagnostics on stderr, exit codes 0/1/2.

mod common;

use common::*;
use serde_json::{json, Value};

const PASS: &str = r#"{"StartAt": "Greet", "States": {
  "Greet": {"Type": "Pass", "Parameters": {"hello.$": "$.name", "machine.$": "$$.StateMachine.Name"}, "End": true}}}"#;

const FAIL: &str = r#"{"StartAt": "Check", "States": {
  "Check": {"Type": "Choice", "Default": "Refuse",
    "Choices": [{"Variable": "$.ok", "BooleanEquals": true, "Next": "Accept"}]},
  "Accept": {"Type": "Succeed"},
  "Refuse": {"Type": "Fail", "Error": "NotOk", "Cause": "the input was not ok"}}}"#;

#[test]
fn a_successful_run_prints_the_output_and_exits_0() {
    let def = file("greet.asl.json", PASS);
    let out = workflow(&["run", s(&def), "--input", r#"{"name": "world"}"#]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // The state machine is named after the file.
    assert_eq!(
        stdout_json(&out),
        json!({"hello": "world", "machine": "greet"})
    );
    assert_eq!(stderr(&out), "");
}

#[test]
fn the_input_defaults_to_an_empty_object() {
    let def = file(
        "echo-input.asl.json",
        r#"{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}"#,
    );
    let out = workflow(&["run", s(&def)]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout_json(&out), json!({}));
}

#[test]
fn the_input_can_come_from_a_file_or_stdin() {
    let def = file("greet-file.asl.json", PASS);
    let input = file("greet.input.json", r#"{"name": "file"}"#);
    let out = workflow(&["run", s(&def), "--input", &format!("@{}", s(&input))]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout_json(&out)["hello"], "file");
    let out = workflow_with_stdin(&["run", s(&def), "--input", "@-"], r#"{"name": "stdin"}"#);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout_json(&out)["hello"], "stdin");
}

#[test]
fn a_failed_execution_prints_error_and_cause_on_stdout_and_exits_1() {
    let def = file("refuse.asl.json", FAIL);
    let out = workflow(&["run", s(&def), "--input", r#"{"ok": false}"#]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stdout_json(&out),
        json!({"Error": "NotOk", "Cause": "the input was not ok"})
    );
    assert_eq!(stderr(&out), "execution FAILED\n");
    let out = workflow(&["run", s(&def), "--input", r#"{"ok": true}"#]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout_json(&out), json!({"ok": true}));
}

#[test]
fn a_runtime_error_is_a_failed_execution() {
    let def = file(
        "bad-path.asl.json",
        r#"{"StartAt": "P", "States": {
      "P": {"Type": "Pass", "InputPath": "$.missing", "End": true}}}"#,
    );
    let out = workflow(&["run", s(&def)]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout_json(&out)["Error"], "States.Runtime");
}

#[test]
fn timeout_ends_the_execution_timed_out_with_exit_1() {
    let def = file(
        "slow.asl.json",
        r#"{"StartAt": "W", "States": {
      "W": {"Type": "Wait", "Seconds": 30, "End": true}}}"#,
    );
    let started = std::time::Instant::now();
    let out = workflow(&["run", s(&def), "--timeout", "1"]);
    assert!(started.elapsed().as_secs() < 10);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout_json(&out)["Error"], "States.Timeout");
    assert_eq!(stderr(&out), "execution TIMED_OUT\n");
}

#[test]
fn history_prints_one_event_per_line_on_stderr() {
    let def = file("history.asl.json", PASS);
    let out = workflow(&["run", s(&def), "--history", "--input", r#"{"name": "h"}"#]);
    assert_eq!(out.status.code(), Some(0));
    let events: Vec<Value> = stderr(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON event per line"))
        .collect();
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        [
            "ExecutionStarted",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded"
        ]
    );
    // Stdout still has only the output.
    assert_eq!(stdout_json(&out)["hello"], "h");
}

#[test]
fn input_that_is_not_json_exits_2_with_line_and_column() {
    let def = file("greet-bad-input.asl.json", PASS);
    let out = workflow(&["run", s(&def), "--input", "{\"name\": }"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out), "");
    assert!(
        stderr(&out).starts_with("--input:1:10: not valid JSON: "),
        "{}",
        stderr(&out)
    );
    let input = file("bad.input.json", "{\n  \"a\": [1,\n}");
    let out = workflow(&["run", s(&def), "--input", &format!("@{}", s(&input))]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with(&format!("{}:3:1: not valid JSON: ", s(&input))),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_definition_that_does_not_validate_exits_2_with_its_problems() {
    let def = file(
        "invalid-run.asl.json",
        r#"{
  "StartAt": "A",
  "States": {
    "A": { "Type": "Pass", "Next": "B" }
  }
}"#,
    );
    let out = workflow(&["run", s(&def)]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out), "");
    let p = s(&def);
    assert_eq!(
        stderr(&out),
        format!(
            "{p}:4:28: /States/A/Next: `B` is not a state of the state machine\n\
             {p}: the definition does not validate (1 problem)\n"
        )
    );
}

#[test]
fn a_definition_that_is_not_json_or_cannot_be_read_exits_2() {
    let def = file("not-json-run.asl.json", "{\"StartAt\": ");
    let out = workflow(&["run", s(&def)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with(&format!("{}:1:", s(&def))),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("not valid JSON"), "{}", stderr(&out));
    let out = workflow(&["run", "/nonexistent/machine.asl.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).starts_with("/nonexistent/machine.asl.json: cannot read the file"));
}

#[test]
fn a_task_without_a_mock_is_named_before_anything_runs() {
    let def = file("token-flow.asl.json", TOKEN_FLOW);
    let out = workflow(&["run", s(&def), "--input", r#"{"status": "success"}"#]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out), "");
    let err = stderr(&out);
    assert!(
        err.contains("Task state `InitialTask` calls `arn:aws:lambda:us-east-1:123456789012:function:InitialFunction`, which nothing answers here"),
        "{err}"
    );
    assert!(err.contains("Task state `DefaultTask` calls"), "{err}");
    assert!(err.contains("--echo-tasks"), "{err}");
}

#[test]
fn echo_tasks_makes_every_task_return_its_input() {
    let def = file("token-flow-echo.asl.json", TOKEN_FLOW);
    let run = |status: &str| {
        workflow(&[
            "run",
            s(&def),
            "--echo-tasks",
            "--input",
            &json!({"status": status}).to_string(),
        ])
    };
    let out = run("success");
    assert_eq!(
        (out.status.code(), stdout_json(&out)),
        (Some(0), json!({"status": "success"}))
    );
    let out = run("failure");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stdout_json(&out),
        json!({"Error": "TaskFailed", "Cause": "The task has failed"})
    );
    let out = run("refresh");
    assert_eq!(
        (out.status.code(), stdout_json(&out)),
        (Some(0), json!({"status": "refresh"}))
    );
}

const MAPREDUCE_MOCKS: &str = r#"{
  "StateMachines": {
    "mapReduceStateMachine": {
      "TestCases": {
        "HappyPath": {"CalculateLength": "OneEach", "ReduceTask": "Total"},
        "ReduceFails": {"CalculateLength": "OneEach", "ReduceTask": "Boom"},
        "MapOnly": {"CalculateLength": "OneEach"}
      }
    }
  },
  "MockedResponses": {
    "OneEach": {"0": {"Return": {"length": 1}}},
    "Total": {"0": {"Return": {"totalLength": 3}}},
    "Boom": {"0": {"Throw": {"Error": "Lambda.Unknown", "Cause": "reduce crashed"}}}
  }
}"#;

#[test]
fn mocks_answer_the_tasks_of_a_test_case() {
    let def = file("mapreduce.asl.json", MAPREDUCE);
    let mocks = file("mapreduce.mocks.json", MAPREDUCE_MOCKS);
    let input = r#"{"data": [{"word": "a"}, {"word": "bb"}, {"word": "ccc"}]}"#;
    let out = workflow(&[
        "run",
        s(&def),
        "--input",
        input,
        "--mock-config",
        s(&mocks),
        "--test-case",
        "HappyPath",
        "--history",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout_json(&out), json!({"totalLength": 3}));
    // The reduce function was handed the list the Map made, one mocked length per word.
    let reduce_input = stderr(&out)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .rfind(|e| e["type"] == "LambdaFunctionScheduled")
        .expect("the reduce call was scheduled")["lambdaFunctionScheduledEventDetails"]["input"]
        .as_str()
        .map(|s| serde_json::from_str::<Value>(s).unwrap());
    assert_eq!(
        reduce_input,
        Some(json!([{"length": 1}, {"length": 1}, {"length": 1}]))
    );

    let out = workflow(&[
        "run",
        s(&def),
        "--input",
        input,
        "--mock-config",
        s(&mocks),
        "--test-case",
        "ReduceFails",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stdout_json(&out),
        json!({"Error": "Lambda.Unknown", "Cause": "reduce crashed"})
    );
}

#[test]
fn a_task_the_test_case_does_not_mock_is_named() {
    let def = file("mapreduce-partial.asl.json", MAPREDUCE);
    let mocks = file("mapreduce-partial.mocks.json", MAPREDUCE_MOCKS);
    let out = workflow(&[
        "run",
        s(&def),
        "--mock-config",
        s(&mocks),
        "--test-case",
        "MapOnly",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("Task state `ReduceTask` calls"), "{err}");
    assert!(!err.contains("CalculateLength"), "{err}");
    // --echo-tasks answers what the mocks leave out.
    let out = workflow(&[
        "run",
        s(&def),
        "--mock-config",
        s(&mocks),
        "--test-case",
        "MapOnly",
        "--echo-tasks",
        "--input",
        r#"{"data": [1, 2]}"#,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout_json(&out), json!([{"length": 1}, {"length": 1}]));
}

#[test]
fn mock_problems_exit_2_with_the_file_named() {
    let def = file("mapreduce-mock-problems.asl.json", MAPREDUCE);
    let mocks = file("mapreduce-mock-problems.mocks.json", MAPREDUCE_MOCKS);
    let out = workflow(&[
        "run",
        s(&def),
        "--mock-config",
        s(&mocks),
        "--test-case",
        "Nope",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        format!(
            "{}: test case `Nope` is not defined for state machine `mapReduceStateMachine`\n",
            s(&mocks)
        )
    );
    let out = workflow(&[
        "run",
        s(&def),
        "--mock-config",
        s(&mocks),
        "--test-case",
        "HappyPath",
        "--state-machine",
        "other",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("state machine `other` is not in the mock configuration"));
    let broken = file("broken.mocks.json", "{\"StateMachines\": [");
    let out = workflow(&[
        "run",
        s(&def),
        "--mock-config",
        s(&broken),
        "--test-case",
        "HappyPath",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with(&format!("{}:1:", s(&broken))),
        "{}",
        stderr(&out)
    );
}

#[test]
fn several_machines_in_a_mock_file_need_state_machine() {
    let def = file("token-flow-mocked.asl.json", TOKEN_FLOW);
    let mocks = file(
        "two-machines.mocks.json",
        r#"{
      "StateMachines": {
        "TokenFlow": {"TestCases": {"Valid": {"InitialTask": "Success"}}},
        "Other": {"TestCases": {}}
      },
      "MockedResponses": {"Success": {"0": {"Return": {"status": "success"}}}}
    }"#,
    );
    let out = workflow(&[
        "run",
        s(&def),
        "--mock-config",
        s(&mocks),
        "--test-case",
        "Valid",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("has 2 state machines; name one (Other, TokenFlow)"),
        "{}",
        stderr(&out)
    );
    // DefaultTask is not mocked, but the Choice never goes there: it still has to be answered.
    let out = workflow(&[
        "run",
        s(&def),
        "--mock-config",
        s(&mocks),
        "--test-case",
        "Valid",
        "--state-machine",
        "TokenFlow",
        "--echo-tasks",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout_json(&out), json!({"status": "success"}));
}

#[test]
fn usage_errors_exit_2() {
    let def = file("usage.asl.json", PASS);
    for args in [
        vec!["run"],
        vec!["run", s(&def), "--test-case", "X"],
        vec!["run", s(&def), "--mock-config", "m.json"],
        vec!["run", s(&def), "--timeout", "0"],
        vec!["run", s(&def), "--timeout", "soon"],
        vec!["run", s(&def), "--frobnicate"],
    ] {
        let out = workflow(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(stdout(&out), "", "{args:?}");
    }
}

#[test]
fn a_timeout_past_the_services_largest_is_refused_as_the_flags_value() {
    let def = file("long-timeout.asl.json", PASS);
    let out = workflow(&["run", s(&def), "--timeout", "100000000"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    // The flag is named, and the definition (which has no TimeoutSeconds) is not blamed.
    assert!(err.contains("--timeout"), "{err}");
    assert!(err.contains("1..=99999999"), "{err}");
    assert!(!err.contains("/TimeoutSeconds"), "{err}");
    let input = r#"{"name": "world"}"#;
    let out = workflow(&["run", s(&def), "--timeout", "99999999", "--input", input]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn error_causes_hide_the_input_unless_include_payloads_is_given() {
    let def = file(
        "leak.asl.json",
        r#"{"StartAt": "P", "States": {
      "P": {"Type": "Pass", "Parameters": {"x.$": "$.missing"}, "End": true}}}"#,
    );
    let input = r#"{"token": "secret-bearer-token"}"#;
    let out = workflow(&["run", s(&def), "--input", input]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        !stdout(&out).contains("secret-bearer-token"),
        "{}",
        stdout(&out)
    );
    let out = workflow(&["run", s(&def), "--input", input, "--include-payloads"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("secret-bearer-token"),
        "{}",
        stdout(&out)
    );
}
