//! Paths, intrinsic functions and literal timestamps in the fields that hold them.
//!
//! In a JSONPath state, every `key.$` of a payload template (`Parameters`, `ResultSelector`,
//! `ItemSelector`, `Assign`, ...) holds a path or an intrinsic call; a call must parse, name a
//! known function and have the right number of arguments. `ResultPath` cannot write into the
//! context object (`$$`). Literal timestamps (Wait `Timestamp`, Choice `Timestamp...`
//! operands) must be ones the service parses.

use super::{Checker, StateCx};
use crate::asl::{ChoiceRule, State};
use crate::intrinsics::{looks_like_call, Call};
use crate::source::push_token;
use crate::timestamp::Timestamp;
use serde_json::Value;

/// Checks the paths, calls and timestamps of a state.
pub(super) fn check_state(cx: &mut Checker, st: &StateCx<'_>) {
    for (field, path) in result_paths(st.state) {
        if path.starts_with("$$") {
            cx.error(
                st.at(&field),
                format!("`ResultPath` cannot point into the context object (`$$`): {path:?}"),
            );
        }
    }
    if st.jsonata() {
        return;
    }
    for (field, template) in templates(st.state) {
        check_template(cx, &st.at(field), template);
    }
    if let State::Fail(f) = st.state {
        for (field, value) in [("ErrorPath", &f.error_path), ("CausePath", &f.cause_path)] {
            if let Some(text) = value {
                if looks_like_call(text) {
                    check_call(cx, &st.at(field), text);
                }
            }
        }
    }
    if let State::Wait(w) = st.state {
        if let Some(t) = &w.timestamp {
            if Timestamp::parse(t).is_none() {
                cx.error(
                    st.at("Timestamp"),
                    format!("`Timestamp` must be an ISO-8601 date-time such as `2030-01-01T00:00:00Z`, not {t:?}"),
                );
            }
        }
    }
    if let State::Choice(c) = st.state {
        for (i, rule) in c.choices.iter().enumerate() {
            check_rule_timestamps(cx, &st.at(&format!("Choices/{i}")), rule);
        }
    }
}

/// Every `ResultPath` of a state (its own and its catchers'), with its field pointer.
fn result_paths(state: &State) -> Vec<(String, &str)> {
    let own = match state {
        State::Pass(s) => &s.result_path,
        State::Task(s) => &s.result_path,
        State::Parallel(s) => &s.result_path,
        State::Map(s) => &s.result_path,
        _ => &None,
    };
    let mut out = Vec::new();
    if let Some(Some(p)) = own {
        out.push(("ResultPath".to_owned(), p.as_str()));
    }
    for (i, c) in state.retry_catch().1.iter().enumerate() {
        if let Some(Some(p)) = &c.result_path {
            out.push((format!("Catch/{i}/ResultPath"), p.as_str()));
        }
    }
    out
}

/// The payload templates of a JSONPath state, by field.
fn templates(state: &State) -> Vec<(&'static str, &Value)> {
    let mut out: Vec<(&'static str, Option<&Value>)> = Vec::new();
    match state {
        State::Pass(s) => {
            out.push(("Parameters", s.parameters.as_ref()));
            out.push(("Assign", s.assign.as_ref()));
        }
        State::Task(s) => {
            out.push(("Parameters", s.parameters.as_ref()));
            out.push(("ResultSelector", s.result_selector.as_ref()));
            out.push(("Credentials", s.credentials.as_ref()));
            out.push(("Assign", s.assign.as_ref()));
        }
        State::Choice(s) => out.push(("Assign", s.assign.as_ref())),
        State::Wait(s) => out.push(("Assign", s.assign.as_ref())),
        State::Parallel(s) => {
            out.push(("Parameters", s.parameters.as_ref()));
            out.push(("ResultSelector", s.result_selector.as_ref()));
            out.push(("Assign", s.assign.as_ref()));
        }
        State::Map(s) => {
            out.push(("ItemSelector", s.item_selector.as_ref()));
            out.push(("Parameters", s.parameters.as_ref()));
            out.push(("ResultSelector", s.result_selector.as_ref()));
            out.push(("Assign", s.assign.as_ref()));
            if let Some(r) = &s.item_reader {
                out.push(("ItemReader/Parameters", r.parameters.as_ref()));
            }
            if let Some(w) = &s.result_writer {
                out.push(("ResultWriter/Parameters", w.parameters.as_ref()));
            }
        }
        State::Succeed(_) | State::Fail(_) => {}
    }
    out.into_iter()
        .filter_map(|(field, value)| value.map(|v| (field, v)))
        .collect()
}

/// Walks a template (with an explicit stack) and checks every `key.$` value.
fn check_template(cx: &mut Checker, pointer: &str, template: &Value) {
    let mut stack = vec![(pointer.to_owned(), template)];
    while let Some((pointer, value)) = stack.pop() {
        match value {
            Value::Object(object) => {
                for (key, v) in object {
                    let mut at = pointer.clone();
                    push_token(&mut at, key);
                    if key.ends_with(".$") {
                        match v {
                            Value::String(text) => {
                                if looks_like_call(text) {
                                    check_call(cx, &at, text);
                                }
                            }
                            _ => cx.error(
                                at,
                                format!("the value of `{key}` must be a string: a path or an intrinsic function call"),
                            ),
                        }
                    } else {
                        stack.push((at, v));
                    }
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

/// An intrinsic call parses, names a known function and has the right number of arguments.
fn check_call(cx: &mut Checker, pointer: &str, text: &str) {
    if let Err(e) = Call::<()>::parse(text, &mut |_| Ok(())) {
        cx.error(
            pointer,
            format!("invalid intrinsic function call {text:?}: {e}"),
        );
    }
}

/// Literal `Timestamp...` operands of a rule and its nested rules.
fn check_rule_timestamps(cx: &mut Checker, pointer: &str, rule: &ChoiceRule) {
    let mut stack = vec![(pointer.to_owned(), rule)];
    while let Some((pointer, rule)) = stack.pop() {
        for (op, value) in rule.comparisons() {
            let name = op.name();
            if name.starts_with("Timestamp") && !op.is_path() {
                if let Some(text) = value.as_str() {
                    if Timestamp::parse(text).is_none() {
                        cx.error(
                            format!("{pointer}/{name}"),
                            format!("the operand of `{name}` must be an ISO-8601 date-time, not {text:?}"),
                        );
                    }
                }
            }
        }
        for (field, list) in [("And", &rule.and), ("Or", &rule.or)] {
            for (i, r) in list.iter().flatten().enumerate() {
                stack.push((format!("{pointer}/{field}/{i}"), r));
            }
        }
        if let Some(r) = &rule.not {
            stack.push((format!("{pointer}/Not"), r));
        }
    }
}
