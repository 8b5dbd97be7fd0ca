//! Faults in handlers and in Map/Parallel: each test shows the error the service would name,
//! the Catch path taken (or why none is), and that the results of the steps completed before
//! the fault are kept in the history.

use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use workflow_core::run::{EventType, Execution, HistoryEvent, Machine, Runner, Status};
use workflow_core::task::{handler_fn, sync_handler_fn, TaskRegistry};
use workflow_core::StatesError;

fn machine(def: Value) -> Machine {
    Machine::from_json(&def.to_string()).expect("the test definition compiles")
}

fn lambda(name: &str) -> String {
    format!("arn:aws:lambda:us-east-1:123456789012:function:{name}")
}

/// A `Prepare` Pass state that completes before the faulty step, its output `{"prepared": 1}`.
fn prepare(next: &str) -> Value {
    json!({"Type": "Pass", "Result": {"prepared": 1}, "Next": next})
}

/// The output recorded when state `name` exited.
fn exited_output(exec: &Execution, name: &str) -> Option<Value> {
    exec.history
        .iter()
        .find(|e| {
            e.details.name.as_deref() == Some(name)
                && e.event_type.as_str().ends_with("StateExited")
        })
        .and_then(|e| e.details.output.as_ref().map(|v| v.to_json()))
}

fn events(exec: &Execution, t: EventType) -> Vec<HistoryEvent> {
    exec.history.iter().filter(|e| e.event_type == t).collect()
}

fn entered(exec: &Execution, name: &str) -> bool {
    exec.history.iter().any(|e| {
        e.details.name.as_deref() == Some(name) && e.event_type.as_str().ends_with("StateEntered")
    })
}

/// Counts the live futures of a handler: incremented when created, decremented when dropped
/// (finished or cancelled).
#[derive(Clone, Default)]
struct Live(Arc<AtomicUsize>);

struct LiveGuard(Arc<AtomicUsize>);

impl Live {
    fn enter(&self) -> LiveGuard {
        self.0.fetch_add(1, Ordering::SeqCst);
        LiveGuard(Arc::clone(&self.0))
    }
    fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl Drop for LiveGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn a_panicking_handler_is_task_failed_caught_and_earlier_results_are_kept() {
    let m = machine(json!({"StartAt": "Prepare", "States": {
        "Prepare": prepare("Crash"),
        "Crash": {"Type": "Task", "Resource": lambda("crash"), "ResultPath": "$.result",
                  "Next": "Unreached",
                  "Catch": [{"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.error",
                             "Next": "Recovered"}]},
        "Unreached": {"Type": "Succeed"},
        "Recovered": {"Type": "Pass", "End": true}}}));
    let mut tasks = TaskRegistry::new();
    tasks.register(
        "crash",
        sync_handler_fn(|_| -> Result<Value, StatesError> { panic!("index out of bounds") }),
    );
    let exec = Runner::new(m, tasks).run(json!({})).await;
    assert_eq!(exec.status, Status::Succeeded);
    let out = exec.output.clone().unwrap();
    assert_eq!(out["prepared"], json!(1));
    assert_eq!(out["error"]["Error"], json!("States.TaskFailed"));
    assert_eq!(
        out["error"]["Cause"],
        json!("task handler panicked: index out of bounds")
    );
    assert!(entered(&exec, "Recovered") && !entered(&exec, "Unreached"));
    assert_eq!(
        exited_output(&exec, "Prepare"),
        Some(json!({"prepared": 1}))
    );
    let failed = events(&exec, EventType::LambdaFunctionFailed);
    assert_eq!(failed.len(), 1);
    assert_eq!(
        failed[0].details.error.as_deref(),
        Some("States.TaskFailed")
    );
}

#[tokio::test]
async fn a_panic_in_an_async_handler_after_an_await_is_task_failed_too() {
    let m = machine(json!({"StartAt": "Crash", "States": {
        "Crash": {"Type": "Task", "Resource": lambda("crash"), "End": true}}}));
    let mut tasks = TaskRegistry::new();
    tasks.register(
        "crash",
        handler_fn(|_| async {
            tokio::task::yield_now().await;
            let items: Vec<u8> = Vec::new();
            Ok(json!(items[3]))
        }),
    );
    let exec = Runner::new(m, tasks).run(json!({})).await;
    assert_eq!(exec.status, Status::Failed);
    assert_eq!(exec.error.as_deref(), Some("States.TaskFailed"));
    assert!(exec
        .cause
        .as_deref()
        .unwrap()
        .starts_with("task handler panicked: index out of bounds"));
}

#[tokio::test(start_paused = true)]
async fn a_handler_hanging_past_timeout_seconds_is_cancelled_and_caught_as_states_timeout() {
    let m = machine(json!({"StartAt": "Prepare", "States": {
        "Prepare": prepare("Hang"),
        "Hang": {"Type": "Task", "Resource": lambda("hang"), "TimeoutSeconds": 3,
                 "ResultPath": "$.result", "Next": "Unreached",
                 "Catch": [{"ErrorEquals": ["States.Timeout"], "ResultPath": "$.error",
                            "Next": "Recovered"}]},
        "Unreached": {"Type": "Succeed"},
        "Recovered": {"Type": "Pass", "End": true}}}));
    let live = Live::default();
    let l = live.clone();
    let mut tasks = TaskRegistry::new();
    tasks.register(
        "hang",
        handler_fn(move |_| {
            let guard = l.enter();
            async move {
                let _guard = guard;
                std::future::pending::<()>().await;
                Ok(json!("never"))
            }
        }),
    );
    let started = tokio::time::Instant::now();
    let exec = Runner::new(m, tasks).run(json!({})).await;
    assert_eq!(started.elapsed(), Duration::from_secs(3));
    assert_eq!(exec.status, Status::Succeeded);
    let out = exec.output.clone().unwrap();
    assert_eq!(out["error"]["Error"], json!("States.Timeout"));
    assert_eq!(out["prepared"], json!(1));
    assert!(entered(&exec, "Recovered") && !entered(&exec, "Unreached"));
    assert_eq!(live.count(), 0, "the hanging handler's future was dropped");
    assert_eq!(events(&exec, EventType::LambdaFunctionTimedOut).len(), 1);
    assert_eq!(
        exited_output(&exec, "Prepare"),
        Some(json!({"prepared": 1}))
    );
}

#[tokio::test]
async fn a_result_of_the_wrong_type_for_the_next_state_is_states_runtime_which_catch_cannot_take() {
    // `Count` returns a string; `Sum` needs an object at `$.numbers`.
    let m = machine(json!({"StartAt": "Count", "States": {
        "Count": {"Type": "Task", "Resource": lambda("count"), "Next": "Sum"},
        "Sum": {"Type": "Map", "ItemsPath": "$.numbers", "Next": "Done",
                "ItemProcessor": {"StartAt": "Id", "States": {"Id": {"Type": "Pass", "End": true}}},
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Recovered"}]},
        "Done": {"Type": "Succeed"},
        "Recovered": {"Type": "Pass", "End": true}}}));
    let mut tasks = TaskRegistry::new();
    tasks.register("count", sync_handler_fn(|_| Ok(json!("three"))));
    let exec = Runner::new(m, tasks).run(json!({})).await;
    assert_eq!(exec.status, Status::Failed);
    assert_eq!(exec.error.as_deref(), Some("States.Runtime"));
    let cause = exec.cause.as_deref().unwrap();
    assert!(
        cause.starts_with("An error occurred while executing the state 'Sum'"),
        "{cause}"
    );
    assert!(cause.contains("Invalid path '$.numbers'"), "{cause}");
    assert!(
        !entered(&exec, "Recovered"),
        "States.Runtime is not caught by States.ALL"
    );
    assert_eq!(exited_output(&exec, "Count"), Some(json!("three")));
    assert_eq!(events(&exec, EventType::ExecutionFailed).len(), 1);
}

#[tokio::test]
async fn a_result_that_is_not_an_array_for_a_map_is_states_runtime() {
    let m = machine(json!({"StartAt": "List", "States": {
        "List": {"Type": "Task", "Resource": lambda("list"), "Next": "Each"},
        "Each": {"Type": "Map", "End": true,
                 "ItemProcessor": {"StartAt": "Id", "States": {"Id": {"Type": "Pass", "End": true}}}}}}));
    let mut tasks = TaskRegistry::new();
    tasks.register("list", sync_handler_fn(|_| Ok(json!({"not": "a list"}))));
    let exec = Runner::new(m, tasks).run(json!({})).await;
    assert_eq!(exec.error.as_deref(), Some("States.Runtime"));
    assert!(exec
        .cause
        .as_deref()
        .unwrap()
        .ends_with("Map state input must be an array but was: object"));
    assert_eq!(exited_output(&exec, "List"), Some(json!({"not": "a list"})));
}

#[tokio::test(start_paused = true)]
async fn an_execution_aborted_mid_task_cancels_the_handler_and_keeps_the_history() {
    let m = machine(json!({"StartAt": "Prepare", "States": {
        "Prepare": prepare("Slow"),
        "Slow": {"Type": "Task", "Resource": lambda("slow"), "End": true,
                 "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Recovered"}]},
        "Recovered": {"Type": "Pass", "End": true}}}));
    let live = Live::default();
    let l = live.clone();
    let mut tasks = TaskRegistry::new();
    tasks.register(
        "slow",
        handler_fn(move |_| {
            let guard = l.enter();
            async move {
                let _guard = guard;
                tokio::time::sleep(Duration::from_secs(3600)).await;
                Ok(json!("late"))
            }
        }),
    );
    let handle = Runner::new(m, tasks).start(json!({}));
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(live.count(), 1, "the handler is running");
    handle.abort();
    let exec = handle.wait().await;
    assert_eq!(exec.status, Status::Aborted);
    assert_eq!(exec.error, None);
    assert_eq!(live.count(), 0, "the handler's future was dropped");
    assert!(
        !entered(&exec, "Recovered"),
        "an abort is not an error to catch"
    );
    assert_eq!(
        exited_output(&exec, "Prepare"),
        Some(json!({"prepared": 1}))
    );
    assert!(events(&exec, EventType::LambdaFunctionStarted).len() == 1);
    assert_eq!(
        exec.history.last().map(|e| e.event_type),
        Some(EventType::ExecutionAborted)
    );
}

/// A Map over 1..=10 whose handler fails on the items listed in `failing`.
async fn tolerated_map(tolerance: Value, failing: &'static [i64]) -> Execution {
    let mut map = json!({"Type": "Map", "ItemsPath": "$.items", "ResultPath": "$.results",
        "MaxConcurrency": 3, "Next": "Done",
        "ItemProcessor": {"StartAt": "Work", "States": {
            "Work": {"Type": "Task", "Resource": lambda("work"), "End": true}}},
        "Catch": [{"ErrorEquals": ["States.ExceedToleratedFailureThreshold"],
                   "ResultPath": "$.error", "Next": "TooMany"}]});
    for (k, v) in tolerance.as_object().unwrap() {
        map[k] = v.clone();
    }
    let m = machine(json!({"StartAt": "Prepare", "States": {
        "Prepare": {"Type": "Pass", "Result": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
                    "ResultPath": "$.items", "Next": "Each"},
        "Each": map,
        "Done": {"Type": "Succeed"},
        "TooMany": {"Type": "Pass", "End": true}}}));
    let mut tasks = TaskRegistry::new();
    tasks.register(
        "work",
        sync_handler_fn(move |v| {
            let n = v.as_i64().unwrap_or_default();
            if failing.contains(&n) {
                Err(StatesError::new("Work.Failed", format!("item {n} failed")))
            } else {
                Ok(json!(n * 10))
            }
        }),
    );
    Runner::new(m, tasks).run(json!({})).await
}

#[tokio::test]
async fn map_failures_within_tolerated_failure_count_succeed_with_the_other_results() {
    let exec = tolerated_map(json!({"ToleratedFailureCount": 3}), &[2, 5, 9]).await;
    assert_eq!(exec.status, Status::Succeeded, "{:?}", exec.cause);
    assert!(entered(&exec, "Done") && !entered(&exec, "TooMany"));
    let results = &exec.output.as_ref().unwrap()["results"];
    for (i, r) in results.as_array().unwrap().iter().enumerate() {
        let n = i as i64 + 1;
        if [2, 5, 9].contains(&n) {
            assert_eq!(r["Error"], json!("Work.Failed"), "item {n}");
        } else {
            assert_eq!(*r, json!(n * 10), "item {n}");
        }
    }
    assert_eq!(events(&exec, EventType::MapIterationFailed).len(), 3);
    assert_eq!(events(&exec, EventType::MapIterationSucceeded).len(), 7);
    assert_eq!(events(&exec, EventType::MapStateSucceeded).len(), 1);
}

#[tokio::test]
async fn map_failures_over_tolerated_failure_count_exceed_the_threshold_and_are_caught() {
    let exec = tolerated_map(json!({"ToleratedFailureCount": 2}), &[2, 5, 9]).await;
    assert_eq!(exec.status, Status::Succeeded);
    assert!(entered(&exec, "TooMany") && !entered(&exec, "Done"));
    let out = exec.output.as_ref().unwrap();
    assert_eq!(
        out["error"]["Error"],
        json!("States.ExceedToleratedFailureThreshold")
    );
    assert_eq!(out["items"], json!([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    assert_eq!(events(&exec, EventType::MapStateFailed).len(), 1);
    // Iterations completed before the third failure are in the history with their results.
    let succeeded = events(&exec, EventType::MapIterationSucceeded).len();
    assert!(succeeded >= 6, "{succeeded} iterations succeeded first");
    let outputs = work_outputs(&exec);
    assert!(outputs.contains(&json!(10)) && outputs.contains(&json!(80)));
}

/// The outputs of the `work` calls that succeeded, as the history recorded them.
fn work_outputs(exec: &Execution) -> Vec<Value> {
    exec.history
        .iter()
        .filter(|e| e.event_type == EventType::LambdaFunctionSucceeded)
        .filter_map(|e| e.details.output.as_ref().map(|v| v.to_json()))
        .collect()
}

#[tokio::test]
async fn map_failures_within_tolerated_failure_percentage_succeed() {
    let exec = tolerated_map(json!({"ToleratedFailurePercentage": 30}), &[1, 4, 7]).await;
    assert_eq!(exec.status, Status::Succeeded);
    assert!(entered(&exec, "Done"));
    assert_eq!(events(&exec, EventType::MapIterationFailed).len(), 3);
    // 3 of 10 is within 30%: the seven results and the three errors are the Map's result,
    // and every completed call is in the history with its output.
    let results = exec.output.as_ref().unwrap()["results"]
        .as_array()
        .unwrap()
        .clone();
    for (i, r) in results.iter().enumerate() {
        let n = i as i64 + 1;
        if [1, 4, 7].contains(&n) {
            assert_eq!(r["Error"], json!("Work.Failed"), "item {n}");
        } else {
            assert_eq!(*r, json!(n * 10), "item {n}");
        }
    }
    assert_eq!(work_outputs(&exec).len(), 7);
}

#[tokio::test]
async fn map_failures_over_tolerated_failure_percentage_exceed_the_threshold() {
    let exec = tolerated_map(json!({"ToleratedFailurePercentage": 20}), &[1, 4, 7]).await;
    assert!(entered(&exec, "TooMany") && !entered(&exec, "Done"));
    assert_eq!(
        exec.output.as_ref().unwrap()["error"]["Error"],
        json!("States.ExceedToleratedFailureThreshold")
    );
    // The third failure (item 7) crosses 20%; the calls completed before it, 2, 3, 5 and 6
    // at least, are kept in the history with their results.
    let outputs = work_outputs(&exec);
    for n in [2, 3, 5, 6] {
        assert!(outputs.contains(&json!(n * 10)), "item {n}: {outputs:?}");
    }
}

#[tokio::test]
async fn a_map_without_tolerance_fails_with_the_iteration_error() {
    let exec = tolerated_map(json!({}), &[4]).await;
    assert_eq!(exec.status, Status::Failed);
    assert_eq!(exec.error.as_deref(), Some("Work.Failed"));
    assert_eq!(exec.cause.as_deref(), Some("item 4 failed"));
}

#[tokio::test(start_paused = true)]
async fn a_failing_parallel_branch_cancels_the_running_ones_and_its_error_is_caught() {
    let m = machine(json!({"StartAt": "Prepare", "States": {
        "Prepare": prepare("Both"),
        "Both": {"Type": "Parallel", "Next": "Unreached", "ResultPath": "$.both",
                 "Branches": [
                    {"StartAt": "Quick", "States": {
                        "Quick": {"Type": "Pass", "Result": "quick done", "Next": "Fail"},
                        "Fail": {"Type": "Task", "Resource": lambda("boom"), "End": true}}},
                    {"StartAt": "Slow", "States": {
                        "Slow": {"Type": "Task", "Resource": lambda("slow"), "End": true}}}],
                 "Catch": [{"ErrorEquals": ["Boom"], "ResultPath": "$.error",
                            "Next": "Recovered"}]},
        "Unreached": {"Type": "Succeed"},
        "Recovered": {"Type": "Pass", "End": true}}}));
    let live = Live::default();
    let l = live.clone();
    let mut tasks = TaskRegistry::new();
    tasks.register(
        "boom",
        handler_fn(|_| async {
            tokio::time::sleep(Duration::from_secs(1)).await;
            Err::<Value, _>(StatesError::new("Boom", "branch one broke"))
        }),
    );
    tasks.register(
        "slow",
        handler_fn(move |_| {
            let guard = l.enter();
            async move {
                let _guard = guard;
                tokio::time::sleep(Duration::from_secs(600)).await;
                Ok(json!("slow done"))
            }
        }),
    );
    let started = tokio::time::Instant::now();
    let exec = Runner::new(m, tasks).run(json!({})).await;
    assert_eq!(
        started.elapsed(),
        Duration::from_secs(1),
        "no wait for Slow"
    );
    assert_eq!(exec.status, Status::Succeeded);
    assert!(entered(&exec, "Recovered") && !entered(&exec, "Unreached"));
    let out = exec.output.as_ref().unwrap();
    assert_eq!(out["error"]["Error"], json!("Boom"));
    assert_eq!(out["error"]["Cause"], json!("branch one broke"));
    assert_eq!(out["prepared"], json!(1));
    assert_eq!(live.count(), 0, "the running branch's handler was dropped");
    assert_eq!(exited_output(&exec, "Quick"), Some(json!("quick done")));
    assert_eq!(events(&exec, EventType::ParallelStateFailed).len(), 1);
    assert!(!events(&exec, EventType::LambdaFunctionStarted).is_empty());
}
