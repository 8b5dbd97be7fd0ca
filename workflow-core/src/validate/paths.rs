//! Paths, intrinsic functions and literal timestamps in the fields that hold them.
//!
//! In a JSONPath state every path field parses as the service's JSONPath dialect, and where
//! the spec demands a reference path (`ResultPath`, `ItemsPath`, `Variable`, the `...Path`
//! forms of numbers and timestamps) it is one. Every `key.$` of a payload template
//! (`Parameters`, `ResultSelector`, `ItemSelector`, `Assign`, ...) holds a path or an intrinsic
//! call; a call must parse, name a known function and have the right number of arguments.
//! `ResultPath` cannot write into the context object (`$$`). Literal `Timestamp...` operands
//! of Choice rules must be timestamps the service parses.

use super::{Checker, StateCx};
use crate::asl::{ChoiceRule, State};
use crate::intrinsics::{looks_like_call, Call};
use crate::path::JsonPath;
use crate::source::push_token;
use crate::timestamp::Timestamp;
use serde_json::Value;

/// Checks the paths, calls and timestamps of a state.
pub(super) fn check_state(cx: &mut Checker, st: &StateCx<'_>) {
    if st.jsonata() {
        // JSONPath fields are rejected in a JSONata state (`fields`); nothing to parse here.
        return;
    }
    for (field, path) in result_paths(st.state) {
        if path.starts_with("$$") {
            cx.error(
                st.at(&field),
                format!("`ResultPath` cannot point into the context object (`$$`): {path:?}"),
            );
        } else {
            check_path(cx, &st.at(&field), path, Kind::Reference);
        }
    }
    for (field, path, kind) in path_fields(st.state) {
        check_path(cx, &st.at(field), path, kind);
    }
    for (field, template) in templates(st.state) {
        check_template(cx, &st.at(&field), template);
    }
    if let State::Choice(c) = st.state {
        for (i, rule) in c.choices.iter().enumerate() {
            check_rule(cx, &st.at(&format!("Choices/{i}")), rule);
        }
    }
}

/// What a path field accepts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Any path of the dialect.
    Path,
    /// A reference path: names and indexes only, one node.
    Reference,
    /// A path or an intrinsic function call (the `key.$` values of payload templates).
    PathOrCall,
    /// A reference path or an intrinsic function call (Fail `ErrorPath` and `CausePath`).
    ReferenceOrCall,
}

/// Checks one path field.
fn check_path(cx: &mut Checker, pointer: &str, text: &str, kind: Kind) {
    let calls = matches!(kind, Kind::PathOrCall | Kind::ReferenceOrCall);
    if calls && looks_like_call(text) {
        check_call(cx, pointer, text);
        return;
    }
    let reference = matches!(kind, Kind::Reference | Kind::ReferenceOrCall);
    match JsonPath::parse(text) {
        Err(e) => cx.error(pointer, e.to_string()),
        Ok(path) if reference && !path.is_reference() => cx.error(
            pointer,
            format!("{text:?} must be a reference path (names and indexes only: no `*`, `..`, slices, unions or filters)"),
        ),
        Ok(_) => {}
    }
}

/// `InputPath` and `OutputPath`, when given a path (not `null`).
fn io<'a>(
    input: &'a Option<Option<String>>,
    output: &'a Option<Option<String>>,
) -> [(&'static str, Option<&'a str>, Kind); 2] {
    [
        (
            "InputPath",
            input.as_ref().and_then(|p| p.as_deref()),
            Kind::Path,
        ),
        (
            "OutputPath",
            output.as_ref().and_then(|p| p.as_deref()),
            Kind::Path,
        ),
    ]
}

/// The path fields of a JSONPath state, other than `ResultPath`.
fn path_fields(state: &State) -> Vec<(&'static str, &str, Kind)> {
    let mut out: Vec<(&'static str, Option<&str>, Kind)> = Vec::new();
    match state {
        State::Pass(s) => out.extend(io(&s.input_path, &s.output_path)),
        State::Task(s) => {
            out.extend(io(&s.input_path, &s.output_path));
            out.push((
                "TimeoutSecondsPath",
                s.timeout_seconds_path.as_deref(),
                Kind::Reference,
            ));
            out.push((
                "HeartbeatSecondsPath",
                s.heartbeat_seconds_path.as_deref(),
                Kind::Reference,
            ));
        }
        State::Choice(s) => out.extend(io(&s.input_path, &s.output_path)),
        State::Wait(s) => {
            out.extend(io(&s.input_path, &s.output_path));
            out.push(("SecondsPath", s.seconds_path.as_deref(), Kind::Reference));
            out.push((
                "TimestampPath",
                s.timestamp_path.as_deref(),
                Kind::Reference,
            ));
        }
        State::Succeed(s) => out.extend(io(&s.input_path, &s.output_path)),
        State::Fail(s) => {
            out.push(("ErrorPath", s.error_path.as_deref(), Kind::ReferenceOrCall));
            out.push(("CausePath", s.cause_path.as_deref(), Kind::ReferenceOrCall));
        }
        State::Parallel(s) => out.extend(io(&s.input_path, &s.output_path)),
        State::Map(s) => {
            out.extend(io(&s.input_path, &s.output_path));
            out.push(("ItemsPath", s.items_path.as_deref(), Kind::Reference));
            out.push((
                "MaxConcurrencyPath",
                s.max_concurrency_path.as_deref(),
                Kind::Reference,
            ));
            out.push((
                "ToleratedFailurePercentagePath",
                s.tolerated_failure_percentage_path.as_deref(),
                Kind::Reference,
            ));
            out.push((
                "ToleratedFailureCountPath",
                s.tolerated_failure_count_path.as_deref(),
                Kind::Reference,
            ));
            if let Some(b) = &s.item_batcher {
                out.push((
                    "ItemBatcher/MaxItemsPerBatchPath",
                    b.max_items_per_batch_path.as_deref(),
                    Kind::Reference,
                ));
                out.push((
                    "ItemBatcher/MaxInputBytesPerBatchPath",
                    b.max_input_bytes_per_batch_path.as_deref(),
                    Kind::Reference,
                ));
            }
        }
    }
    out.into_iter()
        .filter_map(|(field, path, kind)| path.map(|p| (field, p, kind)))
        .collect()
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
fn templates(state: &State) -> Vec<(String, &Value)> {
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
    let mut out: Vec<(String, Option<&Value>)> = out
        .into_iter()
        .map(|(field, value)| (field.to_owned(), value))
        .collect();
    if let State::Choice(c) = state {
        for (i, rule) in c.choices.iter().enumerate() {
            out.push((format!("Choices/{i}/Assign"), rule.assign.as_ref()));
        }
    }
    for (i, c) in state.retry_catch().1.iter().enumerate() {
        out.push((format!("Catch/{i}/Assign"), c.assign.as_ref()));
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
                    if let Some(name) = key.strip_suffix(".$") {
                        if object.contains_key(name) {
                            cx.error(
                                &at,
                                format!("`{key}` and `{name}` both define the field `{name}`"),
                            );
                        }
                        match v {
                            Value::String(text) => check_path(cx, &at, text, Kind::PathOrCall),
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

/// An intrinsic call parses, names a known function, has the right number of arguments, and
/// its path arguments parse.
fn check_call(cx: &mut Checker, pointer: &str, text: &str) {
    let mut compile = |arg: &str| JsonPath::parse(arg).map_err(|e| e.to_string());
    if let Err(e) = Call::<JsonPath>::parse(text, &mut compile) {
        let quoted = crate::source::quote_excerpt(text, e.position, "`", "`");
        cx.error(
            pointer,
            format!("invalid intrinsic function call {quoted}: {e}"),
        );
    }
}

/// The paths (`Variable`, `...Path` operands) and literal timestamps of a rule and its nested
/// rules.
fn check_rule(cx: &mut Checker, pointer: &str, rule: &ChoiceRule) {
    let mut stack = vec![(pointer.to_owned(), rule)];
    while let Some((pointer, rule)) = stack.pop() {
        if let Some(variable) = &rule.variable {
            check_path(
                cx,
                &format!("{pointer}/Variable"),
                variable,
                Kind::Reference,
            );
        }
        for (op, value) in rule.comparisons() {
            let name = op.name();
            let Some(text) = value.as_str() else { continue };
            if op.is_path() {
                check_path(cx, &format!("{pointer}/{name}"), text, Kind::Reference);
            } else if name.starts_with("Timestamp") && Timestamp::parse(text).is_none() {
                cx.error(
                    format!("{pointer}/{name}"),
                    format!("the operand of `{name}` must be an ISO-8601 date-time, not {text:?}"),
                );
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
