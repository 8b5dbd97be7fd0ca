//! Workflow IR and its lowering to Amazon States Language.
