//! What `#[task]` and `#[workflow]` generate code against: the [`Task`] trait of their companion
//! types, and the types a workflow body may name.

use crate::ir::Callee;
use serde::{Deserialize, Serialize};
use std::fmt::{Debug, Display};
use std::future::Future;
use std::pin::Pin;
use workflow_core::value::Val;
use workflow_core::StatesError;

/// A boxed, sendable future (what [`TaskFn`] returns).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

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

/// How a `#[task]` function runs: its one-time initialisation and a call on an initialised
/// instance. Every `#[task]` companion implements it (workflows do not).
///
/// `#[task(init = make_keys)] fn verify(keys: &Keys, request: Request) -> Verdict` runs
/// `make_keys` once per instance and passes its state to every call; without `init` the state
/// is `()`. Runtimes that keep instances build on this trait: workflow-lambda's `TaskOf<T>`
/// (a `WarmPool` of instances in-process, one instance per Lambda execution environment). The
/// plain in-process handler of [`Task::callee`] builds the state on first use and shares it
/// across the process.
pub trait TaskFn: Task + Send + Sync + 'static {
    /// What one instance's initialisation builds (`()` without `init`).
    type State: Send + Sync + 'static;
    /// Initialises one instance: runs the `init` function.
    fn init() -> BoxFuture<'static, Result<Self::State, StatesError>>;
    /// Serves one call on an initialised instance: decodes the input (shared with the
    /// execution's history, so borrowed), calls the function, encodes its output (an error
    /// enum's variant is the ASL error name).
    fn call(state: &Self::State, input: Val) -> BoxFuture<'_, Result<Val, StatesError>>;
}

/// What an `init` function may return for state `S`: `S`, or `Result<S, E>` whose error
/// becomes the ASL error named after `E`'s variant (failing the call that needed the instance).
#[diagnostic::on_unimplemented(
    message = "an `init` function for state `{S}` cannot return `{Self}`",
    note = "`init` returns the state the task fn borrows (`{S}`), or `Result<{S}, E>`"
)]
pub trait InitOutput<S> {
    /// The state, or the initialisation error.
    fn into_state(self) -> Result<S, StatesError>;
}

impl<S> InitOutput<S> for S {
    fn into_state(self) -> Result<S, StatesError> {
        Ok(self)
    }
}

impl<S, E: Debug + Display> InitOutput<S> for Result<S, E> {
    fn into_state(self) -> Result<S, StatesError> {
        self.map_err(|e| StatesError::new(crate::__private::error_name(&e), e.to_string()))
    }
}

/// Marks a synchronous `init` function (`fn() -> S`).
pub enum SyncInit {}
/// Marks an `async` `init` function (`async fn() -> S`).
pub enum AsyncInit {}

/// A function `#[task(init = f)]` accepts for state `S`: no arguments, returning the state (or
/// `Result<S, E>`), `async` or not. `M` tells the two kinds apart.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an `init` function for state `{S}`",
    label = "`init` must name a function of no arguments returning `{S}` or `Result<{S}, E>`",
    note = "write `fn make_state() -> {S}` (or `async fn`); the task fn takes `&{S}` first, then its input"
)]
pub trait InitFn<S, M> {
    /// Runs the function; a synchronous one runs before the future is first polled.
    fn run_init(self) -> BoxFuture<'static, Result<S, StatesError>>;
}

impl<S: Send + 'static, F: FnOnce() -> R, R: InitOutput<S>> InitFn<S, SyncInit> for F {
    fn run_init(self) -> BoxFuture<'static, Result<S, StatesError>> {
        let state = self().into_state();
        Box::pin(async move { state })
    }
}

impl<S: Send + 'static, F: FnOnce() -> Fut, Fut> InitFn<S, AsyncInit> for F
where
    Fut: Future + Send + 'static,
    Fut::Output: InitOutput<S>,
{
    fn run_init(self) -> BoxFuture<'static, Result<S, StatesError>> {
        let fut = self();
        Box::pin(async move { fut.await.into_state() })
    }
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
