//! Amazon States Language (ASL): the complete model, a validator that says where, and an
//! in-process interpreter that runs any definition with the service's semantics.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use workflow_core::run::{Machine, Runner, Status};
//! use workflow_core::task::{sync_handler_fn, TaskRegistry};
//! let text = r#"{"StartAt": "Double", "States": {"Double": {
//!     "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:double",
//!     "End": true}}}"#;
//! let machine = Machine::from_json(text).unwrap();          // load, validate, compile
//! let mut tasks = TaskRegistry::new();
//! tasks.register("double", sync_handler_fn(|v| Ok(serde_json::json!(v.as_i64().unwrap_or(0) * 2))));
//! let execution = Runner::new(machine, tasks).run(serde_json::json!(21)).await;
//! assert_eq!(execution.status, Status::Succeeded);
//! assert_eq!(execution.output, Some(serde_json::json!(42)));
//! # });
//! ```
// One `unsafe` block in the crate, allowed where it is: a prefetch hint (run/prefetch.rs).
#![deny(unsafe_code)]

pub mod asl;
pub mod choice;
pub mod error;
mod intern;
pub mod intrinsics;
pub mod jsonata;
pub mod limits;
pub mod load;
pub mod path;
pub mod privacy;
pub mod run;
pub mod source;
pub mod task;
pub mod timestamp;
pub mod validate;
pub mod value;

pub use error::StatesError;
pub use load::load;
pub use validate::{validate, Diagnostic};
