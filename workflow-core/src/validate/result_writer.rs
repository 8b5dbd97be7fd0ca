//! A distributed Map's `ResultWriter`: the combinations the service accepts (`WriterConfig`
//! alone, `Resource` with `Parameters`/`Arguments`, or all of them), its one resource
//! (`s3:putObject`), and the values of a literal `WriterConfig`.

use super::{is_jsonata, Checker, StateCx};
use crate::asl::State;
use crate::run::{parse_writer_config, PUT_OBJECT};
use serde_json::Value;

/// Checks a Map state's `ResultWriter`.
pub(super) fn check_state(cx: &mut Checker, st: &StateCx<'_>) {
    let State::Map(m) = st.state else { return };
    let Some(w) = &m.result_writer else { return };
    let params = if st.jsonata() {
        "Arguments"
    } else {
        "Parameters"
    };
    let has_params = w.parameters.is_some() || w.arguments.is_some();
    match (&w.resource, has_params) {
        (None, false) if w.writer_config.is_none() => cx.error(
            st.at("ResultWriter"),
            format!("`ResultWriter` needs `Resource` and `{params}`, `WriterConfig`, or all three"),
        ),
        (None, false) => {}
        (None, true) => cx.error(
            st.at("ResultWriter"),
            format!("`ResultWriter` with `{params}` needs `Resource` ({PUT_OBJECT})"),
        ),
        (Some(_), false) => cx.error(
            st.at("ResultWriter"),
            format!("`ResultWriter` with `Resource` needs `{params}` (the `Bucket` and `Prefix`)"),
        ),
        (Some(r), true) if r != PUT_OBJECT => cx.error(
            st.at("ResultWriter/Resource"),
            format!("`ResultWriter` writes with {PUT_OBJECT}, not `{r}`"),
        ),
        (Some(_), true) => {}
    }
    if let Some(config) = &w.writer_config {
        if !has_expression(config) {
            if let Err((field, message)) = parse_writer_config(config) {
                let at = match field.as_str() {
                    "" => "ResultWriter/WriterConfig".to_owned(),
                    f => format!("ResultWriter/WriterConfig/{f}"),
                };
                cx.error(st.at(&at), message);
            }
        }
    }
}

/// Whether a `WriterConfig` computes any of its values with JSONata (checked when it runs).
fn has_expression(v: &Value) -> bool {
    match v {
        Value::String(s) => is_jsonata(s),
        Value::Object(m) => m
            .values()
            .any(|v| matches!(v, Value::String(s) if is_jsonata(s))),
        _ => false,
    }
}
