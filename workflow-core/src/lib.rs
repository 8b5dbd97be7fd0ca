//! Amazon States Language (ASL): the complete model, a validator that says where, and an
//! in-process interpreter that runs any definition with the service's semantics.
#![forbid(unsafe_code)]

pub mod asl;
pub mod error;
pub mod jsonata;

pub use error::StatesError;
