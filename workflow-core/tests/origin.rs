//! The state machines the project grew from (`../shared/origin`), run with Rust handlers.

use serde_json::{json, Value};
use std::sync::Arc;
use tokio::sync::Semaphore;
use workflow_core::run::{Machine, Runner, Status};
use workflow_core::task::{handler_fn, sync_handler_fn, TaskRegistry};
use workflow_core::StatesError;

/// The text of `../shared/origin/<file>`, or `None` (skip) when it is absent.
fn origin(file: &str) -> Option<String> {
    let path = workflow_test_support::shared(&format!("origin/{file}"))?;
    Some(std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// `mapFunction`: `{"word": w}` -> `{"length": chars(w)}`; `reduceFunction`: a list of
/// `{"length": n}` -> `{"totalLength": sum}`, failing like the origin's code when not a list.
fn mapreduce_tasks() -> TaskRegistry {
    let mut tasks = TaskRegistry::new();
    tasks.register(
        "map-reduce-step-functions-dev-mapFunction",
        sync_handler_fn(|item: Value| {
            let word = item["word"].as_str().ok_or_else(|| {
                StatesError::new("TypeError", "mapFunction expects {\"word\": string}")
            })?;
            Ok(json!({ "length": word.chars().count() }))
        }),
    );
    tasks.register(
        "map-reduce-step-functions-dev-reduceFunction",
        sync_handler_fn(|items: Value| {
            let list = items.as_array().ok_or_else(|| {
                StatesError::new(
                    "TypeError",
                    "reduceFunction expects a list of {\"length\": n}",
                )
            })?;
            let total: u64 = list.iter().filter_map(|i| i["length"].as_u64()).sum();
            Ok(json!({ "totalLength": total }))
        }),
    );
    tasks
}

#[tokio::test]
async fn corrected_mapreduce_totals_39() {
    let (Some(def), Some(input)) = (origin("mapreduce.asl.json"), origin("mapreduce.input.json"))
    else {
        return;
    };
    let input: Value = serde_json::from_str(&input).unwrap();
    let exec = Runner::new(Machine::from_json(&def).unwrap(), mapreduce_tasks())
        .run(input)
        .await;
    assert_eq!(exec.status, Status::Succeeded);
    assert_eq!(exec.output, Some(json!({"totalLength": 39})));
}

#[tokio::test]
async fn naive_mapreduce_fails_in_its_reduce_step() {
    let (Some(def), Some(input)) = (
        origin("mapreduce-naive.asl.json"),
        origin("mapreduce.input.json"),
    ) else {
        return;
    };
    let input: Value = serde_json::from_str(&input).unwrap();
    let exec = Runner::new(Machine::from_json(&def).unwrap(), mapreduce_tasks())
        .run(input)
        .await;
    assert_eq!(exec.status, Status::Failed);
    assert_eq!(exec.error.as_deref(), Some("TypeError"));
    let failed_in = exec.history.iter().rev().find_map(|e| {
        e.details
            .name
            .clone()
            .filter(|_| e.event_type.as_str() == "TaskStateEntered")
    });
    assert_eq!(failed_in.as_deref(), Some("ReduceTask"));
}

#[tokio::test]
async fn mapreduce_map_runs_at_most_two_words_at_once() {
    let (Some(def), Some(input)) = (origin("mapreduce.asl.json"), origin("mapreduce.input.json"))
    else {
        return;
    };
    let input: Value = serde_json::from_str(&input).unwrap();
    let gate = Arc::new(Semaphore::new(2));
    let mut tasks = mapreduce_tasks();
    tasks.register(
        "map-reduce-step-functions-dev-mapFunction",
        handler_fn(move |item: Value| {
            let gate = Arc::clone(&gate);
            async move {
                // Fails if a third call were in flight.
                let _permit = gate.try_acquire().map_err(|_| {
                    StatesError::new("TooManyAtOnce", "MaxConcurrency 2 was exceeded")
                })?;
                tokio::task::yield_now().await;
                Ok(json!({ "length": item["word"].as_str().unwrap_or("").chars().count() }))
            }
        }),
    );
    let exec = Runner::new(Machine::from_json(&def).unwrap(), tasks)
        .run(input)
        .await;
    assert_eq!(exec.output, Some(json!({"totalLength": 39})));
}

async fn token_flow(status: &str) -> Option<workflow_core::run::Execution> {
    let def = origin("token-flow.asl.json")?;
    let mut tasks = TaskRegistry::new();
    tasks.register(
        "InitialFunction",
        sync_handler_fn(|req: Value| Ok(json!({ "status": req["token"], "token": req["token"] }))),
    );
    tasks.register(
        "DefaultFunction",
        sync_handler_fn(|v: Value| Ok(json!({ "refreshed": true, "previous": v["status"] }))),
    );
    Some(
        Runner::new(Machine::from_json(&def).unwrap(), tasks)
            .run(json!({ "token": status }))
            .await,
    )
}

#[tokio::test]
async fn token_flow_success_path_succeeds_with_the_checked_request() {
    let Some(exec) = token_flow("success").await else {
        return;
    };
    assert_eq!(exec.status, Status::Succeeded);
    assert_eq!(
        exec.output,
        Some(json!({"status": "success", "token": "success"}))
    );
}

#[tokio::test]
async fn token_flow_failure_path_fails_with_task_failed() {
    let Some(exec) = token_flow("failure").await else {
        return;
    };
    assert_eq!(exec.status, Status::Failed);
    assert_eq!(exec.error.as_deref(), Some("TaskFailed"));
    assert_eq!(exec.cause.as_deref(), Some("The task has failed"));
}

#[tokio::test]
async fn token_flow_other_status_takes_the_default_task() {
    let Some(exec) = token_flow("expired").await else {
        return;
    };
    assert_eq!(exec.status, Status::Succeeded);
    assert_eq!(
        exec.output,
        Some(json!({"refreshed": true, "previous": "expired"}))
    );
}
