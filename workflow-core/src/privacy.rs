//! Payload privacy: error causes never show state data (which may hold tokens and personal
//! data) unless asked.
//!
//! Messages that would quote a value (the input a path could not be found in, the value a
//! ResultPath could not go through, a bad intrinsic argument, ...) write it with [`Payload`],
//! which shows the value's compact JSON only inside [`with_payloads`]`(true, ...)` or an
//! execution run with `RunOptions::include_payloads_in_errors`; elsewhere it writes a
//! placeholder naming the value's type, such as `<hidden object>`.
//!
//! ```
//! use serde_json::json;
//! use workflow_core::path::{Scope, Template};
//! use workflow_core::privacy::with_payloads;
//!
//! let template = Template::compile(&json!({"user.$": "$.user"})).unwrap();
//! let input = json!({"token": "secret-123"});
//! let hidden = template.evaluate(&Scope::new(&input)).unwrap_err();
//! assert!(hidden.cause.ends_with("could not be found in the input '<hidden object>'"));
//! let shown = with_payloads(true, || template.evaluate(&Scope::new(&input)).unwrap_err());
//! assert!(shown.cause.contains("secret-123"));
//! ```

use serde_json::Value;
use std::fmt;
use std::future::Future;

tokio::task_local! {
    static SHOW_PAYLOADS: bool;
}

/// Runs `f` with payloads shown in (`show = true`) or hidden from (`false`) the error causes
/// it produces. Outside any such call, payloads are hidden.
pub fn with_payloads<R>(show: bool, f: impl FnOnce() -> R) -> R {
    SHOW_PAYLOADS.sync_scope(show, f)
}

/// Runs a future with payloads shown in or hidden from the error causes it produces.
pub(crate) async fn scope<F: Future>(show: bool, f: F) -> F::Output {
    SHOW_PAYLOADS.scope(show, f).await
}

/// Whether error causes may show payloads here.
pub(crate) fn payloads_shown() -> bool {
    SHOW_PAYLOADS.try_with(|show| *show).unwrap_or(false)
}

/// A value quoted in an error cause: its compact JSON when payloads are shown, else
/// `<hidden TYPE>`.
pub(crate) struct Payload<'a>(pub &'a Value);

impl fmt::Display for Payload<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if payloads_shown() {
            return f.write_str(&serde_json::to_string(self.0).map_err(|_| fmt::Error)?);
        }
        let kind = match self.0 {
            Value::Null => return f.write_str("null"),
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        write!(f, "<hidden {kind}>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn payloads_are_hidden_unless_asked() {
        let v = json!({"token": "abc"});
        assert_eq!(Payload(&v).to_string(), "<hidden object>");
        assert_eq!(Payload(&json!("abc")).to_string(), "<hidden string>");
        assert_eq!(Payload(&json!(null)).to_string(), "null");
        assert_eq!(
            with_payloads(true, || Payload(&v).to_string()),
            r#"{"token":"abc"}"#
        );
        assert_eq!(
            with_payloads(false, || Payload(&v).to_string()),
            "<hidden object>"
        );
    }

    #[tokio::test]
    async fn an_async_scope_reaches_every_poll() {
        let v = json!([1]);
        let shown = scope(true, async {
            tokio::task::yield_now().await;
            Payload(&v).to_string()
        })
        .await;
        assert_eq!(shown, "[1]");
    }
}
