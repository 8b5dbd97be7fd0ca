//! Tasks as AWS Lambda functions, and the Lambda execution model in-process.
//!
//! - [`WarmTask`] and [`WarmPool`]: tasks with one-time initialisation, pooled in-process as
//!   Lambda keeps execution environments; cold and warm starts counted, pre-warming.
//!   [`TaskOf`] makes a `#[task]` function (with its `#[task(init = f)]`) such a task.
//! - [`ConcurrencyReport`]: per task invocations, starts, duration percentiles, concurrency
//!   over time (text table and SVG chart) and the concurrency Lambda needs (Little's law).
//! - [`warmer`] (workflow-codegen's `deploy::warmup`, re-exported): serverless-plugin-warmup
//!   settings per task, sized from a report with [`TaskReport::warmer_settings`].
//! - With the `lambda` feature, `lambda`: any task as a Lambda function binary in one line
//!   (`workflow_lambda::lambda::run(task)`), on the `lambda_runtime` crate.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "lambda")]
pub mod lambda;
mod pool;
mod report;
mod svg;
mod task_fn;

pub use pool::{PoolStats, Stateless, WarmPool, WarmTask};
pub use report::{ConcurrencyReport, ReportError, TaskReport, BUCKETS};
pub use task_fn::TaskOf;
pub use workflow_codegen::deploy::warmup as warmer;
pub use workflow_codegen::deploy::warmup::WARMUP_SOURCE;

/// Whether a payload is a warmer's call (`{"source": "serverless-plugin-warmup"}`) rather than
/// business input.
pub fn is_warmup_event(payload: &serde_json::Value) -> bool {
    payload.get("source").and_then(serde_json::Value::as_str) == Some(WARMUP_SOURCE)
}
