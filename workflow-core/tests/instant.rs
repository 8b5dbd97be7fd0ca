//! Instant states (JSONPath Pass, Choice, Succeed, Fail) run without futures, and scopes made
//! only of them run in plain loops; these tests pin what that must not change: timeouts still
//! fire in endless loops, Map and Parallel results and history keep their order, and a long
//! iteration hands over to the general path without losing its place.

use serde_json::{json, Value};
use workflow_core::run::{EventType, Machine, RunOptions, Runner, Status};
use workflow_core::task::TaskRegistry;

fn runner(def: Value) -> Runner {
    let machine = Machine::from_json(&def.to_string()).expect("the test definition compiles");
    let options = RunOptions {
        max_history_events: None,
        ..RunOptions::default()
    };
    Runner::new(machine, TaskRegistry::new()).with_options(options)
}

/// A Pass/Choice pair that loops forever (the counter never reaches the bound).
fn endless_loop() -> Value {
    json!({"StartAt": "Inc", "States": {
        "Inc": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, 1)"}, "Next": "Check"},
        "Check": {"Type": "Choice", "Default": "Inc",
                  "Choices": [{"Variable": "$.n", "NumericLessThan": -1, "Next": "Done"}]},
        "Done": {"Type": "Succeed"}}})
}

#[tokio::test]
async fn an_endless_loop_of_instant_states_still_times_out() {
    let mut def = endless_loop();
    def["TimeoutSeconds"] = json!(1);
    let exec = runner(def).run(json!({"n": 0})).await;
    assert_eq!(exec.status, Status::TimedOut);
    assert_eq!(
        exec.history.last().map(|e| e.event_type),
        Some(EventType::ExecutionTimedOut)
    );
}

#[tokio::test]
async fn an_endless_loop_inside_an_instant_map_iteration_still_times_out() {
    let def = json!({"StartAt": "M", "TimeoutSeconds": 1, "States": {"M": {
        "Type": "Map", "End": true, "ItemProcessor": endless_loop()}}});
    let exec = runner(def).run(json!([{"n": 0}])).await;
    assert_eq!(exec.status, Status::TimedOut);
}

#[tokio::test]
async fn a_long_instant_iteration_resumes_where_its_loop_paused() {
    // 3,000 loop rounds is 6,000 states: more than one plain-loop budget, so the iteration
    // finishes on the general path and must keep its input, variables and event chain.
    let def = json!({"StartAt": "M", "States": {"M": {
        "Type": "Map", "End": true, "ItemProcessor": {"StartAt": "Inc", "States": {
            "Inc": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, 1)"},
                    "Next": "Check"},
            "Check": {"Type": "Choice", "Default": "Done",
                      "Choices": [{"Variable": "$.n", "NumericLessThan": 3000, "Next": "Inc"}]},
            "Done": {"Type": "Succeed"}}}}}});
    let exec = runner(def).run(json!([{"n": 0}, {"n": 2990}])).await;
    assert_eq!(exec.status, Status::Succeeded, "{:?}", exec.cause);
    assert_eq!(exec.output, Some(json!([{"n": 3000}, {"n": 3000}])));
    for (i, e) in exec.history.iter().enumerate() {
        assert_eq!(e.id, i as u64 + 1);
        assert!(e.previous_event_id < e.id);
    }
    let entered = exec
        .history
        .iter()
        .filter(|e| e.event_type == EventType::PassStateEntered)
        .count();
    assert_eq!(entered, 3000 + 10);
}

#[tokio::test]
async fn instant_map_iterations_and_parallel_branches_keep_their_order() {
    let def = json!({"StartAt": "M", "States": {"M": {
        "Type": "Map", "MaxConcurrency": 0, "End": true, "ItemProcessor": {"StartAt": "P",
        "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
            {"StartAt": "A", "States": {"A": {"Type": "Pass",
                "Parameters": {"b": "a", "v.$": "$"}, "End": true}}},
            {"StartAt": "B", "States": {"B": {"Type": "Pass",
                "Parameters": {"b": "b", "v.$": "$"}, "End": true}}}]}}}}}});
    let exec = runner(def).run(json!([1, 2, 3])).await;
    assert_eq!(exec.status, Status::Succeeded);
    let pair = |v: i32| json!([{"b": "a", "v": v}, {"b": "b", "v": v}]);
    assert_eq!(exec.output, Some(json!([pair(1), pair(2), pair(3)])));
    let iterations: Vec<u64> = exec
        .history
        .iter()
        .filter(|e| e.event_type == EventType::MapIterationSucceeded)
        .filter_map(|e| e.details.index)
        .collect();
    assert_eq!(iterations, [0, 1, 2]);
}

#[tokio::test]
async fn a_failing_instant_iteration_fails_the_map_and_stops_the_rest() {
    let def = json!({"StartAt": "M", "States": {"M": {
        "Type": "Map", "End": true, "ItemProcessor": {"StartAt": "C", "States": {
            "C": {"Type": "Choice", "Default": "Bad",
                  "Choices": [{"Variable": "$", "NumericLessThan": 2, "Next": "Ok"}]},
            "Ok": {"Type": "Succeed"},
            "Bad": {"Type": "Fail", "Error": "TooBig", "Cause": "two or more"}}}}}});
    let exec = runner(def).run(json!([0, 1, 2, 3])).await;
    assert_eq!(exec.status, Status::Failed);
    assert_eq!(exec.error.as_deref(), Some("TooBig"));
    let started = exec
        .history
        .iter()
        .filter(|e| e.event_type == EventType::MapIterationStarted)
        .count();
    assert_eq!(started, 3, "the item after the failing one never starts");
}
