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
        // serde quotes the offending value; it stays out of the cause unless payloads are shown.
        StatesError::new(
            names::TASK_FAILED,
            format!(
                "task `{task}`: the input is not a `{}`: {}",
                short_type_name::<T>(),
                workflow_core::privacy::serde_message(&e.to_string())
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

/// A type's name without module paths (`Vec<my_crate::Order>` -> `Vec<Order>`), the same in
/// every binary that includes the type.
fn short_type_name<T>() -> String {
    let full = std::any::type_name::<T>();
    let mut out = String::with_capacity(full.len());
    let mut path_start = 0;
    let mut chars = full.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ':' && chars.peek() == Some(&':') {
            chars.next();
            out.truncate(path_start);
        } else {
            out.push(c);
            if !(c.is_alphanumeric() || c == '_') {
                path_start = out.len();
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_drop_module_paths() {
        assert_eq!(
            short_type_name::<Vec<Option<String>>>(),
            "Vec<Option<String>>"
        );
        assert_eq!(short_type_name::<(u8, serde_json::Value)>(), "(u8, Value)");
        let e = decode_input::<u32>("t", Value::from("tok_secret")).unwrap_err();
        assert_eq!(e.error, "States.TaskFailed");
        assert_eq!(
            e.cause,
            "task `t`: the input is not a `u32`: invalid type: string (payload hidden), expected u32"
        );
    }
}
