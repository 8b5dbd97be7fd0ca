//! What `#[task]` and `#[workflow]` generate code against: the [`Task`] trait of their companion
//! types, and the types a workflow body may name.

use crate::ir::Callee;
use serde::{Deserialize, Serialize};

/// A callable step of a workflow: a task, or another workflow.
///
/// `#[task] fn charge(o: Order) -> Result<Receipt, PaymentError>` generates a hidden unit struct
/// `__task_charge` implementing this trait; a workflow body's call `charge(order)` is checked
/// and lowered through it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a task or workflow",
    note = "a workflow body can call only functions marked `#[task]` or `#[workflow]`"
)]
pub trait Task {
    /// The input type.
    type Input: serde::de::DeserializeOwned + schemars::JsonSchema;
    /// The output type.
    type Output: serde::Serialize + schemars::JsonSchema;
    /// The error type whose variants are the ASL errors the task raises ([`NoErrors`] when it
    /// cannot fail).
    type Error;
    /// The Rust fn name.
    const NAME: &'static str;
    /// The task's definition (with its in-process handler) or the workflow's.
    fn callee() -> Callee;
}

/// The error type of a task that returns a plain value: it declares no errors, so a
/// `#[retry]` or `#[catch]` naming one of its errors does not compile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoErrors {}

/// What a `#[catch]` handler receives: the ASL error object `{"Error": .., "Cause": ..}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CaughtError {
    /// The error name (`States.Timeout`, a variant of the task's error enum, ...).
    #[serde(rename = "Error")]
    pub error: String,
    /// The cause.
    #[serde(rename = "Cause")]
    pub cause: String,
}
