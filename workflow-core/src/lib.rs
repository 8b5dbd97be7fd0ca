//! Amazon States Language (ASL): the complete model, a validator that says where, and an
//! in-process interpreter that runs any definition with the service's semantics.
#![forbid(unsafe_code)]

pub mod asl;
pub mod choice;
pub mod error;
pub mod intrinsics;
pub mod load;
pub mod path;
pub mod source;
pub mod timestamp;
pub mod validate;

pub use error::StatesError;
pub use load::load;
pub use validate::{validate, Diagnostic};
