//! A `#[task]` whose output is not JSON (a map with non-string keys) fails as
//! `States.TaskFailed` naming the task; a `#[catch]` on that error takes its path, and the
//! results of the steps before it stay in the history.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;
use workflow_codegen::CaughtError;
use workflow_core::run::{EventType, Status};
use workflow_macros::{task, workflow};

/// An order to report on.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Order {
    /// Its id.
    pub id: String,
}

/// An order with its price.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Priced {
    /// The order's id.
    pub id: String,
    /// Its price.
    pub total: u64,
}

/// Counts per pair of shelf coordinates: JSON objects need string keys, so a filled one does
/// not serialize.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Report {
    /// Counts by (row, column).
    pub by_shelf: BTreeMap<(u8, u8), u64>,
    /// What happened, when the report stands in for a failed one.
    pub note: Option<String>,
}

/// Prices an order.
#[task(resource = "price")]
pub fn price(order: Order) -> Priced {
    Priced {
        id: order.id,
        total: 42,
    }
}

/// Builds a report whose map has tuple keys: its output cannot be encoded as JSON.
#[task(resource = "report")]
pub fn report(priced: Priced) -> Report {
    Report {
        by_shelf: BTreeMap::from([((1, 2), priced.total)]),
        note: None,
    }
}

/// Stands in for a report that failed.
#[task(resource = "empty_report")]
pub fn empty_report(error: CaughtError) -> Report {
    Report {
        by_shelf: BTreeMap::new(),
        note: Some(format!("{}: {}", error.error, error.cause)),
    }
}

/// Prices then reports, without a Catch.
#[workflow]
pub fn uncaught(order: Order) -> Report {
    let priced = price(order);
    report(priced)
}

/// Prices then reports, catching a failed report.
#[workflow]
pub fn caught(order: Order) -> Report {
    let priced = price(order);
    #[catch(errors = ["States.TaskFailed"], handler = empty_report)]
    let made = report(priced);
    made
}

const CAUSE: &str = "task `report`: the output does not serialize: key must be a string";

#[tokio::test]
async fn an_output_that_is_not_json_fails_the_task_as_task_failed_keeping_earlier_results() {
    let wf = uncaught::definition().in_process().unwrap();
    let exec = wf.run_json(json!({"id": "o-1"})).await.unwrap();
    assert_eq!(exec.status, Status::Failed);
    assert_eq!(exec.error.as_deref(), Some("States.TaskFailed"));
    assert_eq!(exec.cause.as_deref(), Some(CAUSE));
    // `price` ran before: its result (bound to `priced`) is in its state's exited event.
    let price_output = exec
        .history
        .iter()
        .find(|e| e.event_type == EventType::TaskStateExited)
        .and_then(|e| e.details.output.as_ref().map(|o| o.to_json()))
        .expect("price's state exited");
    assert_eq!(price_output["priced"], json!({"id": "o-1", "total": 42}));
}

#[tokio::test]
async fn a_catch_on_task_failed_takes_the_handler_path() {
    let wf = caught::definition().in_process().unwrap();
    let exec = wf.run_json(json!({"id": "o-2"})).await.unwrap();
    assert_eq!(exec.status, Status::Succeeded, "{:?}", exec.cause);
    assert_eq!(
        exec.output,
        Some(json!({"by_shelf": {}, "note": format!("States.TaskFailed: {CAUSE}")}))
    );
}
