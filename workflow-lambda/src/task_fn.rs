//! A `#[task]` function as a [`WarmTask`]: its `init` (`#[task(init = f)]`) builds each
//! instance's state, and its calls run on an instance, in a [`WarmPool`](crate::WarmPool)
//! in-process or on Lambda (`lambda::run_task`).

use crate::WarmTask;
use std::future::Future;
use std::marker::PhantomData;
use workflow_codegen::TaskFn;
use workflow_core::task::TaskContext;
use workflow_core::value::Val;
use workflow_core::StatesError;

/// The [`WarmTask`] of the `#[task] fn NAME`, named as `T` = `NAME` (the fn's name is also its
/// task's type): `WarmPool::new(TaskOf::<verify_orders>::new())`.
pub struct TaskOf<T>(PhantomData<fn() -> T>);

impl<T> TaskOf<T> {
    /// The task of companion `T`.
    pub fn new() -> Self {
        TaskOf(PhantomData)
    }
}

impl<T> Default for TaskOf<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: TaskFn> WarmTask for TaskOf<T> {
    type State = T::State;
    type Input = Val;
    type Output = Val;

    fn init(&self) -> impl Future<Output = Result<T::State, StatesError>> + Send {
        T::init()
    }

    fn invoke(
        &self,
        state: &T::State,
        input: Val,
        _: TaskContext,
    ) -> impl Future<Output = Result<Val, StatesError>> + Send {
        T::call(state, input)
    }
}
