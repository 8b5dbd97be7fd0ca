//! The macro frontend: plain `proc_macro2` code that `workflow-macros` calls, so it is
//! unit-tested here with `syn::parse_quote!` and no compiler run.
//!
//! Each macro runs parse -> check -> generate: parsing and checking push every problem into
//! one [`errors::Ctxt`], and code is generated only when there was none.

pub mod attrs;
pub mod errors;
pub mod task;
pub mod workflow;

pub use task::expand as expand_task;
pub use workflow::expand as expand_workflow;
