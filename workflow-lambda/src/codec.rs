//! Typed input and output of a task at the JSON boundary, with the same errors in-process and on
//! Lambda.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use workflow_core::error::names;
use workflow_core::StatesError;

/// Decodes a call's JSON input; a mismatch is `States.TaskFailed` naming the task and the type.
pub(crate) fn decode_input<T: DeserializeOwned>(
    task: &str,
    input: Value,
) -> Result<T, StatesError> {
    serde_json::from_value(input).map_err(|e| {
        StatesError::new(
            names::TASK_FAILED,
            format!(
                "task `{task}`: the input is not a `{}`: {e}",
                std::any::type_name::<T>()
            ),
        )
    })
}

/// Encodes a call's output; a failure is `States.TaskFailed` naming the task.
pub(crate) fn encode_output<T: Serialize>(task: &str, output: T) -> Result<Value, StatesError> {
    serde_json::to_value(output).map_err(|e| {
        StatesError::new(
            names::TASK_FAILED,
            format!("task `{task}`: the output does not serialize: {e}"),
        )
    })
}
