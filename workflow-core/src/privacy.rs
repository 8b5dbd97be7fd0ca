//! Payload privacy: error causes never show state data (which may hold tokens and personal
//! data) unless asked.
//!
//! Messages that would quote a value (the input a path could not be found in, the value a
//! ResultPath could not go through, a bad intrinsic argument, ...) write it with `Payload`,
//! which shows the value's compact JSON only inside [`with_payloads`]`(true, ...)` or an
//! execution run with `RunOptions::include_payloads_in_errors`; elsewhere it writes a
//! placeholder naming the value's type, such as `<hidden object>`.
//!
//! ```
//! use serde_json::json;
//! use workflow_core::val;
//! use workflow_core::path::{Scope, Template};
//! use workflow_core::privacy::with_payloads;
//!
//! let template = Template::compile(&json!({"user.$": "$.user"})).unwrap();
//! let input = val!({"token": "secret-123"});
//! let hidden = template.evaluate(&Scope::new(&input)).unwrap_err();
//! assert!(hidden.cause.ends_with("could not be found in the input '<hidden object>'"));
//! let shown = with_payloads(true, || template.evaluate(&Scope::new(&input)).unwrap_err());
//! assert!(shown.cause.contains("secret-123"));
//! ```

use crate::value::Val;
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

/// Whether error causes may show payloads here (inside [`with_payloads`]`(true, ...)` or an
/// execution run with `include_payloads_in_errors`); crates that build causes from data follow
/// it too.
pub fn payloads_shown() -> bool {
    SHOW_PAYLOADS.try_with(|show| *show).unwrap_or(false)
}

/// A serde error message without the data it quotes, unless payloads are shown:
/// `invalid type: string "secret", expected u32` becomes
/// `invalid type: string (payload hidden), expected u32`; `unknown variant `X`, ...` loses `X`.
/// What was expected (the schema) is kept.
pub fn serde_message(message: &str) -> String {
    if payloads_shown() {
        return message.to_owned();
    }
    for marker in ["invalid type: ", "invalid value: "] {
        if let Some(at) = message.find(marker) {
            let start = at + marker.len();
            let end = message[start..]
                .find(", expected")
                .map_or(message.len(), |i| start + i);
            let kind = message[start..end]
                .split([' ', '`', '"'])
                .next()
                .unwrap_or_default();
            return format!(
                "{}{kind} (payload hidden){}",
                &message[..start],
                &message[end..]
            );
        }
    }
    if let Some(at) = message.find("unknown variant `") {
        let start = at + "unknown variant ".len();
        let end = message[start + 1..]
            .find('`')
            .map_or(message.len(), |i| start + i + 2);
        return format!("{}(payload hidden){}", &message[..start], &message[end..]);
    }
    message.to_owned()
}

/// A value an error cause may quote: the interpreter's [`Val`] and a `serde_json::Value`
/// (JSONata's data).
pub(crate) trait Quotable: serde::Serialize {
    /// The JSON type's name (`None` for `null`, which is shown as is).
    fn kind(&self) -> Option<&'static str>;
    /// The string, if it is one.
    fn text(&self) -> Option<&str>;
}

impl Quotable for Val {
    fn kind(&self) -> Option<&'static str> {
        Some(match self {
            Val::Null => return None,
            Val::Bool(_) => "boolean",
            Val::Number(_) => "number",
            Val::String(_) => "string",
            Val::Array(_) => "array",
            Val::Object(_) => "object",
        })
    }

    fn text(&self) -> Option<&str> {
        self.as_str()
    }
}

impl Quotable for serde_json::Value {
    fn kind(&self) -> Option<&'static str> {
        use serde_json::Value;
        Some(match self {
            Value::Null => return None,
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        })
    }

    fn text(&self) -> Option<&str> {
        self.as_str()
    }
}

/// A value quoted in an error cause: its compact JSON when payloads are shown, else
/// `<hidden TYPE>`.
pub(crate) struct Payload<'a, T: Quotable = Val>(pub &'a T);

impl<T: Quotable> fmt::Display for Payload<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if payloads_shown() {
            return f.write_str(&serde_json::to_string(self.0).map_err(|_| fmt::Error)?);
        }
        match self.0.kind() {
            None => f.write_str("null"),
            Some(kind) => write!(f, "<hidden {kind}>"),
        }
    }
}

/// A value quoted as text in an error cause: a string without its quotes, anything else as
/// [`Payload`] writes it; hidden the same way.
pub(crate) struct PayloadText<'a, T: Quotable = Val>(pub &'a T);

impl<T: Quotable> fmt::Display for PayloadText<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.text() {
            Some(s) if payloads_shown() => f.write_str(s),
            _ => Payload(self.0).fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::val;

    #[test]
    fn payloads_are_hidden_unless_asked() {
        let v = val!({"token": "abc"});
        assert_eq!(Payload(&v).to_string(), "<hidden object>");
        assert_eq!(Payload(&val!("abc")).to_string(), "<hidden string>");
        assert_eq!(Payload(&val!(null)).to_string(), "null");
        assert_eq!(
            with_payloads(true, || Payload(&v).to_string()),
            r#"{"token":"abc"}"#
        );
        assert_eq!(
            with_payloads(false, || Payload(&v).to_string()),
            "<hidden object>"
        );
    }

    #[test]
    fn payload_text_writes_strings_without_quotes_and_hides_them_unless_asked() {
        let s = val!("2026-13-01");
        assert_eq!(PayloadText(&s).to_string(), "<hidden string>");
        assert_eq!(
            with_payloads(true, || PayloadText(&s).to_string()),
            "2026-13-01"
        );
        assert_eq!(
            with_payloads(true, || PayloadText(&val!(7)).to_string()),
            "7"
        );
    }

    #[test]
    fn serde_messages_lose_the_values_they_quote() {
        let e = serde_json::from_value::<u32>(serde_json::json!("tok_secret")).unwrap_err();
        let hidden = serde_message(&e.to_string());
        assert_eq!(
            hidden,
            "invalid type: string (payload hidden), expected u32"
        );
        let e = serde_json::from_value::<bool>(serde_json::json!(12345)).unwrap_err();
        assert_eq!(
            serde_message(&e.to_string()),
            "invalid type: integer (payload hidden), expected a boolean"
        );
        #[derive(Debug, serde::Deserialize)]
        enum Kind {
            #[allow(dead_code)]
            Card,
        }
        let e = serde_json::from_value::<Kind>(serde_json::json!("tok_secret")).unwrap_err();
        let hidden = serde_message(&e.to_string());
        assert!(!hidden.contains("tok_secret"), "{hidden}");
        assert!(hidden.contains("expected `Card`"), "{hidden}");
        let shown = with_payloads(true, || serde_message(&e.to_string()));
        assert!(shown.contains("tok_secret"), "{shown}");
    }

    #[tokio::test]
    async fn an_async_scope_reaches_every_poll() {
        let v = val!([1]);
        let shown = scope(true, async {
            tokio::task::yield_now().await;
            Payload(&v).to_string()
        })
        .await;
        assert_eq!(shown, "[1]");
    }
}
