//! JSONata expressions: in a JSONata state, every `{% ... %}` string of a field that the
//! service evaluates must parse.

use super::{Checker, StateCx};
use crate::asl::{IntOrExpr, NumberOrExpr, State};
use crate::jsonata::{strip_delimiters, Expression};
use crate::source::push_token;
use serde_json::Value;

/// Checks the JSONata expressions of a JSONata state.
pub(super) fn check_state(cx: &mut Checker, st: &StateCx<'_>) {
    if !st.jsonata() {
        return;
    }
    for (field, value) in values(st.state) {
        check_value(cx, &st.at(&field), value);
    }
    for (field, text) in strings(st.state) {
        check_string(cx, &st.at(field), text);
    }
}

/// The JSON-valued fields of a state that may hold expressions, by field pointer.
fn values(state: &State) -> Vec<(String, &Value)> {
    let mut out: Vec<(String, Option<&Value>)> = Vec::new();
    match state {
        State::Pass(s) => {
            out.push(("Output".to_owned(), s.output.as_ref()));
            out.push(("Assign".to_owned(), s.assign.as_ref()));
        }
        State::Task(s) => {
            out.push(("Arguments".to_owned(), s.arguments.as_ref()));
            out.push(("Credentials".to_owned(), s.credentials.as_ref()));
            out.push(("Output".to_owned(), s.output.as_ref()));
            out.push(("Assign".to_owned(), s.assign.as_ref()));
        }
        State::Choice(s) => {
            out.push(("Output".to_owned(), s.output.as_ref()));
            out.push(("Assign".to_owned(), s.assign.as_ref()));
            for (i, rule) in s.choices.iter().enumerate() {
                out.push((format!("Choices/{i}/Condition"), rule.condition.as_ref()));
                out.push((format!("Choices/{i}/Output"), rule.output.as_ref()));
                out.push((format!("Choices/{i}/Assign"), rule.assign.as_ref()));
            }
        }
        State::Wait(s) => {
            out.push(("Output".to_owned(), s.output.as_ref()));
            out.push(("Assign".to_owned(), s.assign.as_ref()));
        }
        State::Succeed(s) => out.push(("Output".to_owned(), s.output.as_ref())),
        State::Fail(_) => {}
        State::Parallel(s) => {
            out.push(("Arguments".to_owned(), s.arguments.as_ref()));
            out.push(("Output".to_owned(), s.output.as_ref()));
            out.push(("Assign".to_owned(), s.assign.as_ref()));
        }
        State::Map(s) => {
            out.push(("Items".to_owned(), s.items.as_ref()));
            out.push(("ItemSelector".to_owned(), s.item_selector.as_ref()));
            out.push(("Output".to_owned(), s.output.as_ref()));
            out.push(("Assign".to_owned(), s.assign.as_ref()));
            if let Some(r) = &s.item_reader {
                out.push(("ItemReader/Arguments".to_owned(), r.arguments.as_ref()));
                out.push((
                    "ItemReader/ReaderConfig".to_owned(),
                    r.reader_config.as_ref(),
                ));
            }
            if let Some(w) = &s.result_writer {
                out.push(("ResultWriter/Arguments".to_owned(), w.arguments.as_ref()));
                out.push((
                    "ResultWriter/WriterConfig".to_owned(),
                    w.writer_config.as_ref(),
                ));
            }
            if let Some(b) = &s.item_batcher {
                out.push(("ItemBatcher/BatchInput".to_owned(), b.batch_input.as_ref()));
            }
        }
    }
    for (i, c) in state.retry_catch().1.iter().enumerate() {
        out.push((format!("Catch/{i}/Output"), c.output.as_ref()));
        out.push((format!("Catch/{i}/Assign"), c.assign.as_ref()));
    }
    out.into_iter()
        .filter_map(|(field, value)| value.map(|v| (field, v)))
        .collect()
}

/// The string-valued fields of a state that may hold an expression.
fn strings(state: &State) -> Vec<(&'static str, &str)> {
    let mut out: Vec<(&'static str, Option<&str>)> = Vec::new();
    match state {
        State::Task(s) => {
            out.push(("TimeoutSeconds", int(&s.timeout_seconds)));
            out.push(("HeartbeatSeconds", int(&s.heartbeat_seconds)));
        }
        State::Wait(s) => {
            out.push(("Seconds", int(&s.seconds)));
            out.push(("Timestamp", s.timestamp.as_deref()));
        }
        State::Fail(s) => {
            out.push(("Error", s.error.as_deref()));
            out.push(("Cause", s.cause.as_deref()));
        }
        State::Map(s) => {
            out.push(("MaxConcurrency", int(&s.max_concurrency)));
            out.push(("ToleratedFailureCount", int(&s.tolerated_failure_count)));
            let percentage = match &s.tolerated_failure_percentage {
                Some(NumberOrExpr::Expr(e)) => Some(e.as_str()),
                _ => None,
            };
            out.push(("ToleratedFailurePercentage", percentage));
            if let Some(b) = &s.item_batcher {
                out.push(("ItemBatcher/MaxItemsPerBatch", int(&b.max_items_per_batch)));
                out.push((
                    "ItemBatcher/MaxInputBytesPerBatch",
                    int(&b.max_input_bytes_per_batch),
                ));
            }
        }
        _ => {}
    }
    out.into_iter()
        .filter_map(|(field, text)| text.map(|t| (field, t)))
        .collect()
}

/// The expression of an integer field, if it is one.
fn int(value: &Option<IntOrExpr>) -> Option<&str> {
    match value {
        Some(IntOrExpr::Expr(e)) => Some(e),
        _ => None,
    }
}

/// Walks a value (with an explicit stack) and checks every `{% %}` string in it.
fn check_value(cx: &mut Checker, pointer: &str, value: &Value) {
    let mut stack = vec![(pointer.to_owned(), value)];
    while let Some((pointer, value)) = stack.pop() {
        match value {
            Value::String(text) => check_string(cx, &pointer, text),
            Value::Object(object) => {
                for (key, v) in object {
                    let mut at = pointer.clone();
                    push_token(&mut at, key);
                    stack.push((at, v));
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    stack.push((format!("{pointer}/{i}"), v));
                }
            }
            _ => {}
        }
    }
}

/// A `{% ... %}` string parses as JSONata; other strings are literals.
fn check_string(cx: &mut Checker, pointer: &str, text: &str) {
    let Some(inner) = strip_delimiters(text) else {
        return;
    };
    if let Err(e) = Expression::parse(inner) {
        // JSONata positions are byte offsets of `inner`; `quote_excerpt` counts characters
        // from 1 (counted, not sliced, so an offset inside a character cannot panic).
        let at = inner
            .char_indices()
            .take_while(|&(i, _)| i < e.position)
            .count()
            + 1;
        let quoted = crate::source::quote_excerpt(inner, at, "\"{%", "%}\"");
        cx.error(pointer, format!("invalid JSONata expression {quoted}: {e}"));
    }
}
