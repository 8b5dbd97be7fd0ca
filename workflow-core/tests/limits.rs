//! Nesting limits: deep JSON and deep definitions are refused with precise errors and never
//! overflow the stack; the execution duration is bounded.

use serde_json::{json, Value};
use std::time::Duration;
use workflow_core::asl::{Branch, ChoiceRule, ParallelState, State, StateMachine};
use workflow_core::limits::{dispose, MAX_JSON_DEPTH, MAX_RULE_NESTING, MAX_SCOPE_NESTING};
use workflow_core::run::{EventType, Machine, RunOptions, Runner, Status};
use workflow_core::task::{sync_handler_fn, TaskRegistry};

/// `levels` nested arrays around `inner`, built without recursion.
fn deep_array(levels: usize, inner: Value) -> Value {
    let mut v = inner;
    for _ in 0..levels {
        v = Value::Array(vec![v]);
    }
    v
}

fn machine(def: Value) -> Machine {
    Machine::from_json(&def.to_string()).expect("the test definition compiles")
}

fn echo_tasks() -> TaskRegistry {
    let mut tasks = TaskRegistry::new();
    tasks.register("echo", sync_handler_fn(Ok));
    tasks
}

#[tokio::test]
async fn an_input_of_100_000_nested_arrays_fails_data_limit_exceeded_without_overflow() {
    let m = machine(json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}));
    let exec = Runner::new(m, TaskRegistry::new())
        .run(deep_array(100_000, json!(1)))
        .await;
    assert_eq!(exec.status, Status::Failed);
    assert_eq!(exec.error.as_deref(), Some("States.DataLimitExceeded"));
    assert_eq!(
        exec.cause.as_deref(),
        Some(
            format!(
                "The execution input nests deeper than the maximum of {MAX_JSON_DEPTH} levels."
            )
            .as_str()
        )
    );
    let started = exec.history.first().expect("the execution started");
    assert_eq!(started.event_type, EventType::ExecutionStarted);
    assert!(
        started.details.input.is_none(),
        "the deep input is not kept"
    );
    assert_eq!(exec.history.len(), 2);
    for e in &exec.history {
        let _ = e.to_json();
    }
}

#[tokio::test]
async fn an_input_at_the_depth_limit_runs_through_paths_templates_tasks_and_history() {
    // One level below the limit; the Task's output (the value under `$.r.d`) reaches it.
    let input = json!({ "deep": deep_array(MAX_JSON_DEPTH - 3, json!({"x": 1})) });
    assert_eq!(workflow_core::limits::depth(&input), MAX_JSON_DEPTH - 1);
    let m = machine(json!({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:echo", "Parameters": {"d.$": "$.deep"},
              "ResultSelector": {"all.$": "$..x", "d.$": "$.d"}, "ResultPath": "$.r", "Next": "C"},
        "C": {"Type": "Choice", "Choices": [{"Variable": "$.r.all[0]", "NumericEquals": 1,
              "Next": "Done"}]},
        "Done": {"Type": "Pass", "OutputPath": "$.r.all", "End": true}}}));
    let exec = Runner::new(m, echo_tasks()).run(input).await;
    assert_eq!(exec.status, Status::Succeeded, "{:?}", exec.cause);
    assert_eq!(exec.output, Some(json!([1])));
    let text: Vec<String> = exec
        .history
        .iter()
        .map(|e| e.to_json().to_string())
        .collect();
    assert!(text.iter().any(|t| t.contains("LambdaFunctionSucceeded")));
}

#[tokio::test]
async fn a_task_result_of_100_000_levels_is_refused_and_catchable() {
    let m = machine(json!({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:deep", "Next": "After",
              "Catch": [{"ErrorEquals": ["States.DataLimitExceeded"], "ResultPath": "$.error",
                         "Next": "Caught"}]},
        "After": {"Type": "Succeed"},
        "Caught": {"Type": "Pass", "End": true}}}));
    let mut tasks = TaskRegistry::new();
    tasks.register(
        "deep",
        sync_handler_fn(|_| Ok(deep_array(100_000, Value::Null))),
    );
    let exec = Runner::new(m, tasks).run(json!({"kept": true})).await;
    assert_eq!(exec.status, Status::Succeeded);
    let out = exec.output.unwrap();
    assert_eq!(out["kept"], json!(true));
    assert_eq!(out["error"]["Error"], json!("States.DataLimitExceeded"));
    assert_eq!(
        out["error"]["Cause"],
        json!(format!("The state/task 'T' returned a result nested deeper than the maximum of {MAX_JSON_DEPTH} levels."))
    );
    assert!(exec
        .history
        .iter()
        .any(|e| e.event_type == EventType::LambdaFunctionFailed));
}

#[tokio::test]
async fn state_outputs_growing_a_level_per_loop_stop_at_the_depth_limit() {
    // Each pass wraps the data one level deeper, at a few bytes per level.
    let m = machine(json!({"StartAt": "Grow", "States": {
        "Grow": {"Type": "Pass", "Parameters": {"n": {"n.$": "$.n"}}, "Next": "Again"},
        "Again": {"Type": "Choice", "Default": "Grow",
                  "Choices": [{"Variable": "$.stop", "IsPresent": true, "Next": "Done"}]},
        "Done": {"Type": "Succeed"}}}));
    let options = RunOptions {
        max_history_events: None,
        ..RunOptions::default()
    };
    let exec = Runner::new(m, TaskRegistry::new())
        .with_options(options)
        .run(json!({"n": 0}))
        .await;
    assert_eq!(exec.status, Status::Failed);
    assert_eq!(exec.error.as_deref(), Some("States.DataLimitExceeded"));
    assert_eq!(
        exec.cause.as_deref(),
        Some(format!("The state/task 'Grow' returned a result nested deeper than the maximum of {MAX_JSON_DEPTH} levels.").as_str())
    );
    let entered = exec
        .history
        .iter()
        .filter(|e| e.event_type == EventType::PassStateEntered)
        .count();
    assert_eq!(entered, MAX_JSON_DEPTH);
}

#[tokio::test]
async fn the_depth_limit_is_configurable() {
    let m = machine(json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}));
    let runner = Runner::new(m, TaskRegistry::new()).with_options(RunOptions {
        max_json_depth: Some(3),
        ..RunOptions::default()
    });
    assert_eq!(runner.run(json!([[[1]]])).await.status, Status::Succeeded);
    let exec = runner.run(json!([[[[1]]]])).await;
    assert_eq!(
        exec.cause.as_deref(),
        Some("The execution input nests deeper than the maximum of 3 levels.")
    );
}

/// A machine whose Parallel states nest `levels` deep, built without recursion.
fn nested_parallel(levels: usize) -> StateMachine {
    let leaf =
        || -> State { serde_json::from_value(json!({"Type": "Pass", "End": true})).unwrap() };
    let mut states = workflow_core::asl::States::new();
    states.insert("Leaf".into(), leaf());
    let mut start = "Leaf".to_owned();
    for level in 0..levels {
        let parallel = ParallelState {
            branches: vec![Branch {
                comment: None,
                query_language: None,
                start_at: start,
                states,
            }],
            end: Some(true),
            ..Default::default()
        };
        start = format!("P{}", levels - level);
        states = workflow_core::asl::States::new();
        states.insert(start.clone(), State::Parallel(parallel));
    }
    StateMachine {
        start_at: states.keys().next().unwrap().clone(),
        states,
        ..serde_json::from_value(json!({"StartAt": "x", "States": {}})).unwrap()
    }
}

#[test]
fn a_definition_with_100_000_nested_parallels_is_refused_without_overflow() {
    let problems = Machine::new(nested_parallel(100_000)).unwrap_err();
    assert_eq!(problems.len(), 1);
    let p = &problems[0];
    assert_eq!(
        p.message,
        format!(
            "Parallel and Map states nest more than {MAX_SCOPE_NESTING} levels deep here; at most {MAX_SCOPE_NESTING} are allowed"
        )
    );
    let expected: String = (2..=MAX_SCOPE_NESTING + 1)
        .map(|i| format!("/Branches/0/States/P{i}"))
        .collect();
    assert_eq!(p.pointer, format!("/States/P1{expected}"));
}

#[tokio::test]
async fn parallels_nested_to_the_limit_validate_and_run() {
    let m = Machine::new(nested_parallel(MAX_SCOPE_NESTING)).expect("at the limit is fine");
    let exec = Runner::new(m, TaskRegistry::new()).run(json!(7)).await;
    assert_eq!(exec.status, Status::Succeeded);
    let mut expected = json!(7);
    for _ in 0..MAX_SCOPE_NESTING {
        expected = json!([expected]);
    }
    assert_eq!(exec.output, Some(expected));
}

#[test]
fn a_choice_rule_with_100_000_nested_nots_is_refused_without_overflow() {
    let mut rule: ChoiceRule =
        serde_json::from_value(json!({"Variable": "$.a", "IsPresent": true})).unwrap();
    for _ in 0..100_000 {
        rule = ChoiceRule {
            not: Some(Box::new(rule)),
            ..Default::default()
        };
    }
    rule.next = Some("Done".into());
    let mut def: StateMachine = serde_json::from_value(json!({"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [], "Default": "Done"},
        "Done": {"Type": "Succeed"}}}))
    .unwrap();
    let State::Choice(c) = &mut def.states["C"] else {
        unreachable!()
    };
    c.choices.push(rule);
    let problems = Machine::new(def).unwrap_err();
    assert_eq!(problems.len(), 1);
    assert!(
        problems[0]
            .message
            .contains(&format!("at most {MAX_RULE_NESTING} are allowed")),
        "{}",
        problems[0].message
    );
    assert_eq!(
        problems[0].pointer,
        format!("/States/C/Choices/0{}", "/Not".repeat(MAX_RULE_NESTING))
    );
}

#[test]
fn a_deep_value_can_be_dropped_with_dispose() {
    let mut v = Value::Null;
    for _ in 0..100_000 {
        let mut m = serde_json::Map::new();
        m.insert("k".into(), v);
        v = Value::Object(m);
    }
    assert_eq!(workflow_core::limits::depth(&v), 100_000);
    dispose(v);
}

#[tokio::test(start_paused = true)]
async fn max_duration_caps_an_execution_without_timeout_seconds() {
    let m = machine(json!({"StartAt": "W", "States": {
        "W": {"Type": "Wait", "Seconds": 100000, "End": true}}}));
    let runner = Runner::new(m, TaskRegistry::new()).with_options(RunOptions {
        max_duration: Some(Duration::from_secs(60)),
        ..RunOptions::default()
    });
    let started = tokio::time::Instant::now();
    let exec = runner.run(json!({})).await;
    assert_eq!(exec.status, Status::TimedOut);
    assert_eq!(exec.error.as_deref(), Some("States.Timeout"));
    assert_eq!(started.elapsed(), Duration::from_secs(60));
}

#[tokio::test(start_paused = true)]
async fn timeout_seconds_wins_when_shorter_than_max_duration() {
    let m = machine(json!({"TimeoutSeconds": 5, "StartAt": "W", "States": {
        "W": {"Type": "Wait", "Seconds": 100000, "End": true}}}));
    let started = tokio::time::Instant::now();
    let exec = Runner::new(m, TaskRegistry::new()).run(json!({})).await;
    assert_eq!(exec.status, Status::TimedOut);
    assert_eq!(started.elapsed(), Duration::from_secs(5));
}

#[tokio::test]
async fn a_jsonata_output_of_1000_nested_objects_fails_data_limit_exceeded() {
    let expr = "{% ( $f := function($n){ $n = 0 ? 1 : {\"a\": $f($n - 1)} }; $f(1000) ) %}";
    let m = machine(
        json!({"QueryLanguage": "JSONata", "StartAt": "S", "States": {
        "S": {"Type": "Pass", "Output": expr, "End": true}}}),
    );
    let exec = Runner::new(m, TaskRegistry::new()).run(json!({})).await;
    assert_eq!(exec.error.as_deref(), Some("States.DataLimitExceeded"));
    assert_eq!(
        exec.cause.as_deref(),
        Some(
            format!(
                "The state/task 'S' returned a result nested deeper than the maximum of {MAX_JSON_DEPTH} levels."
            )
            .as_str()
        )
    );
}

#[tokio::test]
async fn a_huge_input_is_refused_by_size_before_any_state_runs() {
    let m = machine(json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}));
    let wide = Value::Array((0..1_000_000).map(|i| json!(i)).collect());
    let long = Value::String("x".repeat(10 * 1024 * 1024));
    for input in [wide, long] {
        let exec = Runner::new(m.clone(), TaskRegistry::new()).run(input).await;
        assert_eq!(exec.error.as_deref(), Some("States.DataLimitExceeded"));
        assert_eq!(
            exec.cause.as_deref(),
            Some("The execution input exceeds the maximum number of bytes service limit.")
        );
        assert!(!exec
            .history
            .iter()
            .any(|e| e.event_type == EventType::PassStateEntered));
    }
}

#[test]
fn a_deep_scan_of_100_000_levels_walks_without_recursion() {
    use workflow_core::path::{JsonPath, Scope};
    use workflow_core::value::Val;
    // Built level by level (converting a deep `serde_json::Value` would recurse).
    let mut deep = workflow_core::val!({"x": 1});
    for _ in 0..100_000 {
        deep = Val::array(vec![deep]);
    }
    // `..` visits every level with an explicit stack; only the match is cloned.
    let found = JsonPath::parse("$..x")
        .unwrap()
        .select(&Scope::new(&deep))
        .unwrap()
        .into_owned();
    assert_eq!(found, json!([1]));
    let missing = JsonPath::parse("$..nothing")
        .unwrap()
        .select(&Scope::new(&deep))
        .unwrap()
        .into_owned();
    assert_eq!(missing, json!([]));
    dispose(deep);
}

/// Options with the variable size limit set to `bytes` (the other limits at their defaults).
fn variable_limit(bytes: Option<usize>) -> RunOptions {
    RunOptions {
        max_variable_bytes: bytes,
        ..RunOptions::default()
    }
}

#[test]
fn the_default_variable_limit_is_the_services_10_mib() {
    assert_eq!(
        RunOptions::default().max_variable_bytes,
        Some(10 * 1024 * 1024)
    );
}

/// `n` Pass states in a row, state `S{i}` assigning `v{i}` the input's `s`.
fn assign_chain(n: usize) -> Machine {
    let mut states = serde_json::Map::new();
    for i in 1..=n {
        let mut s = json!({"Type": "Pass", "Assign": {format!("v{i}.$"): "$.s"}});
        if i == n {
            s["End"] = json!(true);
        } else {
            s["Next"] = json!(format!("S{}", i + 1));
        }
        states.insert(format!("S{i}"), s);
    }
    machine(json!({"StartAt": "S1", "States": states}))
}

#[tokio::test]
async fn variables_past_10_mib_in_all_fail_the_assigning_state_with_data_limit_exceeded() {
    // Each variable takes its name (`v1`..`v42`: 117 bytes in all) and a quoted 250,000-byte
    // string, under the 256 KiB limit of one Assign; 41 of them fit in 10 MiB (10,485,760
    // bytes), 42 take 10,500,201.
    let input = json!({"s": "x".repeat(250_000)});
    let exec = Runner::new(assign_chain(41), TaskRegistry::new())
        .run(input.clone())
        .await;
    assert_eq!(exec.status, Status::Succeeded, "{:?}", exec.cause);
    let exec = Runner::new(assign_chain(45), TaskRegistry::new())
        .run(input.clone())
        .await;
    assert_eq!(exec.status, Status::Failed);
    assert_eq!(exec.error.as_deref(), Some("States.DataLimitExceeded"));
    assert_eq!(
        exec.cause.as_deref(),
        Some("The state 'S42' assigned variables that bring the execution's variables to 10500201 bytes, more than the maximum of 10485760 bytes.")
    );
    let exec = Runner::new(assign_chain(45), TaskRegistry::new())
        .with_options(variable_limit(None))
        .run(input)
        .await;
    assert_eq!(exec.status, Status::Succeeded, "no limit: {:?}", exec.cause);
}

#[tokio::test]
async fn one_assign_over_256_kib_names_its_state() {
    let def = json!({"StartAt": "Set", "States": {
        "Set": {"Type": "Pass", "Assign": {"a.$": "$.s", "b.$": "$.s"}, "End": true}}});
    let exec = Runner::new(machine(def), TaskRegistry::new())
        .run(json!({"s": "x".repeat(150 * 1024)}))
        .await;
    assert_eq!(exec.error.as_deref(), Some("States.DataLimitExceeded"));
    assert_eq!(
        exec.cause.as_deref(),
        Some("The state 'Set' assigned variables of 307206 bytes, more than the maximum of 262144 bytes for one Assign.")
    );
}

#[tokio::test]
async fn reassigning_a_variable_replaces_its_size_in_the_total() {
    // 50 rounds each assign 100 bytes to the same two variables, under a 1,000-byte limit:
    // only the latest values count.
    let def = json!({"StartAt": "Init", "States": {
        "Init": {"Type": "Pass", "Assign": {"n": 0}, "Next": "Loop"},
        "Loop": {"Type": "Pass", "Assign": {"x.$": "$.s", "n.$": "States.MathAdd($n, 1)"},
                 "Next": "Check"},
        "Check": {"Type": "Choice", "Choices": [
            {"Variable": "$n", "NumericLessThan": 50, "Next": "Loop"}], "Default": "Done"},
        "Done": {"Type": "Pass", "Parameters": {"n.$": "$n"}, "End": true}}});
    let exec = Runner::new(machine(def), TaskRegistry::new())
        .with_options(variable_limit(Some(1000)))
        .run(json!({"s": "y".repeat(96)}))
        .await;
    assert_eq!(exec.status, Status::Succeeded, "{:?}", exec.cause);
    assert_eq!(exec.output, Some(json!({"n": 50})));
}

#[tokio::test]
async fn a_jsonata_assign_past_the_variable_limit_names_its_state() {
    let def = json!({"QueryLanguage": "JSONata", "StartAt": "A", "States": {
        "A": {"Type": "Pass", "Assign": {"a": "{% $states.input.s %}"}, "Next": "B"},
        "B": {"Type": "Pass", "Assign": {"b": "{% $states.input.s %}"}, "End": true}}});
    let exec = Runner::new(machine(def), TaskRegistry::new())
        .with_options(variable_limit(Some(280)))
        .run(json!({"s": "z".repeat(140)}))
        .await;
    // `a` and a quoted 140-byte string: 143 bytes fit; `b` brings the total to 286.
    assert_eq!(exec.error.as_deref(), Some("States.DataLimitExceeded"));
    assert_eq!(
        exec.cause.as_deref(),
        Some("The state 'B' assigned variables that bring the execution's variables to 286 bytes, more than the maximum of 280 bytes.")
    );
}

#[tokio::test]
async fn a_map_iteration_counts_the_variables_of_its_enclosing_scope_but_not_its_siblings() {
    let def = |inner: &str| {
        json!({"StartAt": "Outer", "States": {
            "Outer": {"Type": "Pass", "Assign": {"outer.$": "$.outer"}, "Next": "M"},
            "M": {"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": {
                "StartAt": "Inner", "States": {
                    "Inner": {"Type": "Pass", "Assign": {"inner.$": inner}, "End": true}}},
                "End": true}}})
    };
    // Outer: `outer` + 402 bytes = 407. Each of the 10 iterations: `inner` + 202 = 207.
    let input = json!({"outer": "o".repeat(400), "items": vec!["i".repeat(200); 10]});
    let exec = Runner::new(machine(def("$")), TaskRegistry::new())
        .with_options(variable_limit(Some(700)))
        .run(input.clone())
        .await;
    assert_eq!(exec.status, Status::Succeeded, "{:?}", exec.cause);
    let exec = Runner::new(machine(def("$")), TaskRegistry::new())
        .with_options(variable_limit(Some(600)))
        .run(input)
        .await;
    assert_eq!(exec.error.as_deref(), Some("States.DataLimitExceeded"));
    assert_eq!(
        exec.cause.as_deref(),
        Some("The state 'Inner' assigned variables that bring the execution's variables to 614 bytes, more than the maximum of 600 bytes.")
    );
}

/// A Map of a lone Task whose results nest `levels` deep each (the handler wraps its number
/// in that many arrays), under a depth limit of 3; `result_path` for the Map, if any.
async fn map_of_depth(levels: u64, result_path: Option<&str>) -> workflow_core::run::Execution {
    let mut map = json!({
        "Type": "Map",
        "ItemsPath": "$.items",
        "ItemProcessor": {
            "StartAt": "T",
            "States": {"T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:nest", "End": true}}
        },
        "End": true
    });
    if let Some(p) = result_path {
        map["ResultPath"] = json!(p);
    }
    let m = machine(json!({"StartAt": "M", "States": {"M": map}}));
    let mut tasks = TaskRegistry::new();
    tasks.register(
        "nest",
        sync_handler_fn(|v: Value| Ok(deep_array(v.as_u64().unwrap_or(0) as usize, json!(1)))),
    );
    let runner = Runner::new(m, tasks).with_options(RunOptions {
        max_json_depth: Some(3),
        ..RunOptions::default()
    });
    runner.run(json!({"items": [levels, 0, levels]})).await
}

#[tokio::test]
async fn a_maps_results_array_is_one_level_deeper_than_its_deepest_result() {
    // Results two deep: the Map's array is three, the limit.
    let exec = map_of_depth(2, None).await;
    assert_eq!(exec.status, Status::Succeeded, "{:?}", exec.cause);
    assert_eq!(exec.output, Some(json!([[[1]], 1, [[1]]])));
    // Results three deep pass their own check; the Map's array of them is four.
    for result_path in [None, Some("$.results")] {
        let exec = map_of_depth(3, result_path).await;
        assert_eq!(exec.status, Status::Failed, "ResultPath {result_path:?}");
        assert_eq!(exec.error.as_deref(), Some("States.DataLimitExceeded"));
        assert_eq!(
            exec.cause.as_deref(),
            Some(
                "The state/task 'M' returned a result nested deeper than the maximum of 3 levels."
            )
        );
    }
}
