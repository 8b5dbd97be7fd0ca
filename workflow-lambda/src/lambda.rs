//! Any task as an AWS Lambda function, on the `lambda_runtime` crate (feature `lambda`).
//!
//! A binary's whole `main` (cargo-lambda builds it into `bootstrap`):
//!
//! ```no_run
//! # use workflow_core::task::sync_handler_fn;
//! # use workflow_lambda::Stateless;
//! fn main() -> Result<(), workflow_lambda::lambda::Error> {
//!     workflow_lambda::lambda::run(Stateless(sync_handler_fn(Ok)))
//! }
//! ```
//!
//! A `#[task]` function is one line too, naming only the function:
//!
//! ```ignore
//! fn main() -> Result<(), workflow_lambda::lambda::Error> {
//!     workflow_lambda::lambda::run_task::<my_crate::refresh_token>()
//! }
//! ```
//!
//! (`#[task] fn NAME` also declares `NAME` as a type, its task: `run_task::<NAME>`,
//! `TaskOf::<NAME>`; `use my_crate::NAME` brings both.) Its typed input, output and error enum
//! (a variant's name is the `errorType`) behave exactly as in-process.
//!
//! The function initialises once, before its first invocation (Lambda's init phase, the cold
//! start), then serves invocations with the same typed input and output as in-process. An
//! error's ASL name is the invocation's `errorType`, its cause the `errorMessage`; a panic is
//! `States.TaskFailed`, as in-process. A serverless-plugin-warmup call
//! (`{"source": "serverless-plugin-warmup"}` as the payload or the client context's `custom`)
//! returns `"warm"` after a short delay, without running the task.

use crate::{is_warmup_event, WarmTask, WARMUP_SOURCE};
use futures::FutureExt;
use lambda_runtime::{service_fn, Diagnostic, LambdaEvent};
use serde_json::Value;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;
use workflow_codegen::__private::{decode_input, encode_output};
use workflow_core::error::names;
use workflow_core::task::TaskContext;
use workflow_core::value::Val;
use workflow_core::StatesError;

/// The runtime's error type (what `main` returns).
pub type Error = lambda_runtime::Error;

/// How long a warmer's call waits before returning, so that the warmer's concurrent calls land
/// on distinct instances (the plugin's documentation suggests 25 ms).
pub const WARMUP_DELAY: Duration = Duration::from_millis(25);

/// A task error on its way to the Runtime API.
#[derive(Debug)]
pub struct InvocationError(pub StatesError);

impl From<InvocationError> for Diagnostic {
    fn from(e: InvocationError) -> Diagnostic {
        Diagnostic {
            error_type: e.0.error,
            error_message: e.0.cause,
        }
    }
}

/// Runs `task` as a Lambda function: builds a tokio runtime, initialises, serves invocations.
pub fn run<T: WarmTask>(task: T) -> Result<(), Error> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(serve(task))
}

/// Runs a `#[task]` function as a Lambda function: `run_task::<NAME>()` for `#[task] fn NAME`
/// (the fn's name is also its task's type); its `#[task(init = f)]` runs once, in the init
/// phase.
pub fn run_task<T: workflow_codegen::TaskFn>() -> Result<(), Error> {
    run(crate::TaskOf::<T>::new())
}

/// Serves `task` on the current tokio runtime (for a `#[tokio::main]` of one's own).
pub async fn serve<T: WarmTask>(task: T) -> Result<(), Error> {
    let state = task
        .init()
        .await
        .map_err(|e| format!("initialisation failed: {}: {}", e.error, e.cause))?;
    let shared = Arc::new((task, state));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let shared = Arc::clone(&shared);
        async move { handle(&shared.0, &shared.1, event).await }
    }))
    .await
}

/// One invocation: a warmer's call returns early; anything else runs the task.
async fn handle<T: WarmTask>(
    task: &T,
    state: &T::State,
    event: LambdaEvent<Value>,
) -> Result<Value, InvocationError> {
    let from_warmer = is_warmup_event(&event.payload)
        || event
            .context
            .client_context
            .as_ref()
            .and_then(|c| c.custom.get("source"))
            .is_some_and(|s| s == WARMUP_SOURCE);
    if from_warmer {
        tokio::time::sleep(WARMUP_DELAY).await;
        return Ok(Value::from("warm"));
    }
    let name = event.context.env_config.function_name.clone();
    let ctx = TaskContext::new(&name, &name);
    let call = async {
        let input = decode_input::<T::Input>(&name, &Val::from(&event.payload))?;
        let output = task.invoke(state, input, ctx).await?;
        encode_output(&name, output).map(|v| v.to_json())
    };
    match AssertUnwindSafe(call).catch_unwind().await {
        Ok(result) => result.map_err(InvocationError),
        Err(panic) => {
            let text = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "the task handler panicked".to_owned());
            Err(InvocationError(StatesError::new(
                names::TASK_FAILED,
                format!("task handler panicked: {text}"),
            )))
        }
    }
}
