//! The bundled example workflows, written with `#[task]` and `#[workflow]`.
//!
//! Each `#[workflow]` registers itself (`workflow_codegen::registry`), so `emit-asl`
//! (`workflow_codegen::emit`) writes each to `asl/<name>.asl.json` and runs any of them
//! in-process; the examples that set `sample_input` run on it in the default `emit-asl` run.
// Registration needs no unsafe code of the crate that declares the workflows.
#![forbid(unsafe_code)]

pub mod mapreduce;
pub mod polling;
pub mod states;
pub mod token_flow;
pub mod token_modules;

use workflow_codegen::Workflow;

/// Every example workflow (every `#[workflow]` of this crate, found through registration),
/// sorted by name.
pub fn all() -> Vec<Workflow> {
    workflow_codegen::registry::workflows()
}
