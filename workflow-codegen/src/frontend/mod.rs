//! The macro frontend: plain `proc_macro2` code that `workflow-macros` calls, so it is
//! unit-tested here with `syn::parse_quote!` and no compiler run.
//!
//! Parsing and checking are one pass: for each construct of a workflow body the parser checks
//! it, pushes every problem into one [`errors::Ctxt`] (so all are reported in one build, each
//! at the user's tokens), and produces the construct's IR builder tokens and its shadow (the
//! Rust that rustc type-checks). When any problem was found, only the errors and a fallback
//! companion are emitted.

pub mod attrs;
pub mod errors;
pub mod task;
pub mod workflow;

pub use task::expand as expand_task;
pub use workflow::expand as expand_workflow;
