//! Running a workflow in-process on workflow-core's interpreter: its tasks registered by
//! resource, typed input and output, the input checked against its JSON Schema, and tasks
//! replaceable by mocks in tests.
//!
//! `#[workflow] fn flow(i: In) -> Out` generates `flow::run(input).await`, which is
//! `flow::definition().in_process()?.run(&input).await`.

use crate::ir::{Handler, Val, Workflow};
use crate::lower::{LowerError, LowerOptions};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use std::fmt;
use std::sync::Arc;
use workflow_core::run::{Execution, Machine, RunOptions, Runner, Status};
use workflow_core::task::{
    lambda_function_name, shared_handler_fn, sync_handler_ref, TaskHandler, TaskRegistry,
};
use workflow_core::{Diagnostic, StatesError};

/// Why an in-process run did not produce the workflow's output.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RunError {
    /// The workflow could not be lowered to ASL.
    #[error(transparent)]
    Lower(#[from] LowerError),
    /// The lowered definition did not validate (a bug in lowering if it happens).
    #[error("the lowered definition is invalid: {}", .0.iter().map(|d| format!("{}: {}", d.pointer, d.message)).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<Diagnostic>),
    /// The input does not match the workflow's input schema.
    #[error("the input does not match `{ty}`: {problem}")]
    Input {
        /// The input type.
        ty: String,
        /// Where and what.
        problem: String,
    },
    /// A mock names a task the workflow does not call.
    #[error("workflow `{workflow}` calls no task named `{task}`")]
    UnknownTask {
        /// The workflow.
        workflow: String,
        /// The task name.
        task: String,
    },
    /// The execution failed, timed out or was aborted.
    #[error("the execution ended {status}: {error}: {cause}")]
    Failed {
        /// `FAILED`, `TIMED_OUT` or `ABORTED`.
        status: &'static str,
        /// The ASL error name.
        error: String,
        /// The cause.
        cause: String,
    },
    /// The output does not deserialize into the output type.
    #[error("the output does not match the output type: {0}")]
    Output(String),
}

/// A workflow ready to run in-process.
#[derive(Clone)]
pub struct InProcess {
    workflow: Workflow,
    machine: Machine,
    tasks: TaskRegistry,
    options: RunOptions,
    lower: LowerOptions,
}

impl fmt::Debug for InProcess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InProcess")
            .field("workflow", &self.workflow.name)
            .finish_non_exhaustive()
    }
}

impl Workflow {
    /// The workflow lowered, validated and compiled, with every task's in-process handler
    /// registered under its resource.
    pub fn in_process(&self) -> Result<InProcess, RunError> {
        let lower = LowerOptions::default();
        let machine = Machine::new(self.to_asl_with(&lower)?).map_err(RunError::Invalid)?;
        let mut tasks = TaskRegistry::new();
        for t in self.tasks() {
            if let Some(h) = t.handler {
                register(&mut tasks, &lower.resource_arn(&t.resource), h);
            }
        }
        let options = RunOptions {
            state_machine_name: self.name.clone(),
            ..RunOptions::default()
        };
        Ok(InProcess {
            workflow: self.clone(),
            machine,
            tasks,
            options,
            lower,
        })
    }
}

/// Registers a handler under its resource ARN and, for a Lambda ARN, under the function name
/// too (the interpreter looks Lambda functions up by name).
fn register(tasks: &mut TaskRegistry, resource: &str, handler: Handler) {
    let handler: Arc<dyn TaskHandler> = match handler {
        Handler::Async(f) => Arc::new(shared_handler_fn(f)),
        Handler::Sync(f) => Arc::new(sync_handler_ref(move |input: &Val| f(input.clone()))),
    };
    register_arc(tasks, resource, handler);
}

fn register_arc(tasks: &mut TaskRegistry, resource: &str, handler: Arc<dyn TaskHandler>) {
    if let Some(name) = lambda_function_name(resource) {
        tasks.register_arc(name, Arc::clone(&handler));
    }
    tasks.register_arc(resource, handler);
}

impl InProcess {
    /// Replaces task `task` (its Rust fn name) with `mock` for the runs of this value.
    pub fn mock<I, O, F>(mut self, task: &str, mock: F) -> Result<Self, RunError>
    where
        I: DeserializeOwned,
        O: Serialize,
        F: Fn(I) -> Result<O, StatesError> + Send + Sync + 'static,
    {
        let resource = self
            .workflow
            .tasks()
            .into_iter()
            .find(|t| t.name == task)
            .map(|t| self.lower.resource_arn(&t.resource))
            .ok_or_else(|| RunError::UnknownTask {
                workflow: self.workflow.name.clone(),
                task: task.to_owned(),
            })?;
        let name = task.to_owned();
        let handler: Arc<dyn TaskHandler> = Arc::new(sync_handler_ref(move |input: &Val| {
            let input = crate::__private::decode_input::<I>(&name, input)?;
            crate::__private::encode_output(&name, mock(input)?)
        }));
        register_arc(&mut self.tasks, &resource, handler);
        Ok(self)
    }

    /// Replaces the interpreter's options.
    pub fn with_options(mut self, options: RunOptions) -> Self {
        self.options = options;
        self
    }

    /// Runs one execution on JSON input, after checking the input against the workflow's
    /// input schema.
    pub async fn run_json(&self, input: Value) -> Result<Execution, RunError> {
        self.execute(input, self.options.clone()).await
    }

    async fn execute(&self, input: Value, options: RunOptions) -> Result<Execution, RunError> {
        if let Err(problem) = self.workflow.input.validate(&input) {
            return Err(RunError::Input {
                ty: self.workflow.input.title().unwrap_or("input").to_owned(),
                problem,
            });
        }
        let runner = Runner::new(self.machine.clone(), self.tasks.clone()).with_options(options);
        Ok(runner.run(input).await)
    }

    /// Runs one execution with typed input and output. Only the output is kept, so the
    /// execution records no history (its events are still counted against the limit):
    /// without one, a state can change its input in place instead of copying what the
    /// history holds (use [`InProcess::run_json`] for the history).
    pub async fn run<I: Serialize, O: DeserializeOwned>(&self, input: &I) -> Result<O, RunError> {
        // `to_val` and the `&Val` decoder below, not `serde_json`'s: the task handlers already
        // instantiate them for these types, so `run` adds no second encoder and decoder per
        // type to the caller's crate (same values and messages as `serde_json`'s).
        let input = workflow_core::value::to_val(input).map_err(|e| RunError::Input {
            ty: std::any::type_name::<I>().to_owned(),
            problem: e.to_string(),
        })?;
        let input = Value::from(input);
        let options = RunOptions {
            record_history: false,
            ..self.options.clone()
        };
        let execution = self.execute(input, options).await?;
        match execution.status {
            Status::Succeeded => {
                let out = Val::from(execution.output.unwrap_or(Value::Null));
                O::deserialize(&out).map_err(|e| RunError::Output(e.to_string()))
            }
            status => Err(RunError::Failed {
                status: status.as_str(),
                error: execution.error.unwrap_or_default(),
                cause: execution.cause.unwrap_or_default(),
            }),
        }
    }
}
