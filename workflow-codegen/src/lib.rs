//! Workflow IR and its lowering to Amazon States Language, and the outputs made from any
//! state machine: deployment files ([`deploy`]), diagrams ([`diagram`]) and the `emit-asl`
//! command ([`emit`]), which finds a program's workflows in the [`registry`].
//!
//! A workflow is written once, as Rust (with `#[workflow]`) or with this crate's builder, and
//! lowered to an [`asl::StateMachine`](workflow_core::asl::StateMachine):
//!
//! ```
//! use workflow_codegen::{var, Block, Call, MapStep, Callee, TaskDef, Workflow};
//!
//! let map_fn = TaskDef::new("map_function", "map-reduce-step-functions-dev-mapFunction");
//! let reduce_fn = TaskDef::new("reduce_function", "map-reduce-step-functions-dev-reduceFunction");
//! let wf = Workflow::new("mapreduce", "words")
//!     .comment("A simple AWS Step Functions example for MapReduce using Map state")
//!     .body(
//!         Block::new()
//!             .bind(
//!                 "mapped_results",
//!                 MapStep::new("MapTask", var("words").field("data"), "CalculateLength", Callee::Task(Box::new(map_fn)))
//!                     .max_concurrency(2),
//!             )
//!             .value(Call::task("ReduceTask", reduce_fn, var("mapped_results"))),
//!     );
//! let asl = wf.to_asl().unwrap();
//! assert_eq!(asl.start_at, "MapTask");
//! let json = serde_json::to_value(&asl).unwrap();
//! assert_eq!(json["States"]["MapTask"]["ItemsPath"], "$.data");
//! assert_eq!(json["States"]["MapTask"]["ResultPath"], "$.mapped_results");
//! assert_eq!(json["States"]["ReduceTask"]["InputPath"], "$.mapped_results");
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod body_data;
pub mod deploy;
pub mod diagram;
pub mod emit;
pub mod ir;
pub mod lower;
pub mod registry;
pub mod schema;

pub use ir::*;
pub use lower::{LowerError, LowerOptions};
pub use schema::{JsonKind, TypeSchema};
pub mod dsl;
pub mod frontend;
pub mod run;
pub mod task;

#[doc(hidden)]
pub mod __private;

pub use run::{InProcess, RunError};
pub use task::{BoxFuture, CaughtError, InitFn, InitOutput, NoErrors, Task, TaskFn};
