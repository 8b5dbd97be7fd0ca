//! Workflow IR and its lowering to Amazon States Language, and the outputs made from any
//! state machine: deployment files ([`deploy`]) and diagrams ([`diagram`]).

pub mod deploy;
pub mod diagram;
pub mod emit;
