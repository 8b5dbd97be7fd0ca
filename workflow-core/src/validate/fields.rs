//! The fields each state type needs or may combine, their ranges, and the query-language rule:
//! a JSONPath state has no JSONata fields (`Arguments`, `Output`, `Items`) and a JSONata state
//! has no JSONPath fields (`InputPath`, `Parameters`, `ResultSelector`, `ResultPath`,
//! `OutputPath`, `ItemsPath`, the `...Path` forms of numbers, ...). `Assign` is valid in both.

use super::{is_jsonata, Checker, StateCx};
use crate::asl::{IntOrExpr, MapState, NumberOrExpr, ProcessorMode, State, TaskState};
use serde_json::Value;

/// The largest number of seconds the service accepts in a duration field (`TimeoutSeconds`,
/// a Wait's `Seconds`, a retrier's `IntervalSeconds` and `MaxDelaySeconds`).
pub const MAX_SECONDS: u64 = 99_999_999;
/// The largest `MaxInputBytesPerBatch` (256 KiB).
const MAX_BATCH_BYTES: i64 = 262_144;
/// The longest Map `Label`.
const MAX_LABEL: usize = 40;

/// Checks the fields of one state.
pub(super) fn check_state(cx: &mut Checker, st: &StateCx<'_>) {
    check_language(cx, st);
    check_assign(cx, st, "Assign", assign_of(st.state));
    match st.state {
        State::Pass(p) => {
            if !st.jsonata() {
                check_template(cx, st, "Parameters", p.parameters.as_ref());
            }
        }
        State::Task(t) => check_task(cx, st, t),
        State::Fail(f) => {
            exclusive(
                cx,
                st,
                ("Error", f.error.is_some()),
                ("ErrorPath", f.error_path.is_some()),
            );
            exclusive(
                cx,
                st,
                ("Cause", f.cause.is_some()),
                ("CausePath", f.cause_path.is_some()),
            );
        }
        State::Parallel(p) => {
            if p.branches.is_empty() {
                cx.error(
                    st.at("Branches"),
                    "`Branches` must contain at least one branch",
                );
            }
            if st.jsonata() {
                check_arguments(cx, st, p.arguments.as_ref());
            } else {
                check_template(cx, st, "Parameters", p.parameters.as_ref());
                check_template(cx, st, "ResultSelector", p.result_selector.as_ref());
            }
        }
        State::Map(m) => check_map(cx, st, m),
        State::Choice(_) | State::Wait(_) | State::Succeed(_) => {}
    }
}

/// `(field, present)` pairs; a field of a nested object is written `Parent/Field`.
type Fields = Vec<(&'static str, bool)>;

/// The JSONPath-only and the JSONata-only fields of a state.
fn language_fields(st: &StateCx<'_>) -> (Fields, Fields) {
    match st.state {
        State::Pass(s) => (
            vec![
                ("InputPath", s.input_path.is_some()),
                ("Parameters", s.parameters.is_some()),
                ("Result", s.result.is_some()),
                ("ResultPath", s.result_path.is_some()),
                ("OutputPath", s.output_path.is_some()),
            ],
            vec![("Output", s.output.is_some())],
        ),
        State::Task(s) => (
            vec![
                ("InputPath", s.input_path.is_some()),
                ("Parameters", s.parameters.is_some()),
                ("ResultSelector", s.result_selector.is_some()),
                ("ResultPath", s.result_path.is_some()),
                ("OutputPath", s.output_path.is_some()),
                ("TimeoutSecondsPath", s.timeout_seconds_path.is_some()),
                ("HeartbeatSecondsPath", s.heartbeat_seconds_path.is_some()),
            ],
            vec![
                ("Arguments", s.arguments.is_some()),
                ("Output", s.output.is_some()),
            ],
        ),
        State::Choice(s) => (
            vec![
                ("InputPath", s.input_path.is_some()),
                ("OutputPath", s.output_path.is_some()),
            ],
            vec![("Output", s.output.is_some())],
        ),
        State::Wait(s) => (
            vec![
                ("InputPath", s.input_path.is_some()),
                ("OutputPath", s.output_path.is_some()),
                ("SecondsPath", s.seconds_path.is_some()),
                ("TimestampPath", s.timestamp_path.is_some()),
            ],
            vec![("Output", s.output.is_some())],
        ),
        State::Succeed(s) => (
            vec![
                ("InputPath", s.input_path.is_some()),
                ("OutputPath", s.output_path.is_some()),
            ],
            vec![("Output", s.output.is_some())],
        ),
        State::Fail(s) => (
            vec![
                ("ErrorPath", s.error_path.is_some()),
                ("CausePath", s.cause_path.is_some()),
            ],
            vec![],
        ),
        State::Parallel(s) => (
            vec![
                ("InputPath", s.input_path.is_some()),
                ("Parameters", s.parameters.is_some()),
                ("ResultSelector", s.result_selector.is_some()),
                ("ResultPath", s.result_path.is_some()),
                ("OutputPath", s.output_path.is_some()),
            ],
            vec![
                ("Arguments", s.arguments.is_some()),
                ("Output", s.output.is_some()),
            ],
        ),
        State::Map(s) => {
            let batcher = s.item_batcher.as_ref();
            (
                vec![
                    ("InputPath", s.input_path.is_some()),
                    ("ItemsPath", s.items_path.is_some()),
                    ("Parameters", s.parameters.is_some()),
                    ("ResultSelector", s.result_selector.is_some()),
                    ("ResultPath", s.result_path.is_some()),
                    ("OutputPath", s.output_path.is_some()),
                    ("MaxConcurrencyPath", s.max_concurrency_path.is_some()),
                    (
                        "ToleratedFailurePercentagePath",
                        s.tolerated_failure_percentage_path.is_some(),
                    ),
                    (
                        "ToleratedFailureCountPath",
                        s.tolerated_failure_count_path.is_some(),
                    ),
                    (
                        "ItemReader/Parameters",
                        s.item_reader
                            .as_ref()
                            .is_some_and(|r| r.parameters.is_some()),
                    ),
                    (
                        "ResultWriter/Parameters",
                        s.result_writer
                            .as_ref()
                            .is_some_and(|r| r.parameters.is_some()),
                    ),
                    (
                        "ItemBatcher/MaxItemsPerBatchPath",
                        batcher.is_some_and(|b| b.max_items_per_batch_path.is_some()),
                    ),
                    (
                        "ItemBatcher/MaxInputBytesPerBatchPath",
                        batcher.is_some_and(|b| b.max_input_bytes_per_batch_path.is_some()),
                    ),
                ],
                vec![
                    ("Items", s.items.is_some()),
                    ("Output", s.output.is_some()),
                    (
                        "ItemReader/Arguments",
                        s.item_reader
                            .as_ref()
                            .is_some_and(|r| r.arguments.is_some()),
                    ),
                    (
                        "ResultWriter/Arguments",
                        s.result_writer
                            .as_ref()
                            .is_some_and(|r| r.arguments.is_some()),
                    ),
                ],
            )
        }
    }
}

/// Rejects the fields of the other query language.
fn check_language(cx: &mut Checker, st: &StateCx<'_>) {
    let (jsonpath, jsonata) = language_fields(st);
    let (foreign, own, other) = if st.jsonata() {
        (jsonpath, "JSONata", "JSONPath")
    } else {
        (jsonata, "JSONPath", "JSONata")
    };
    for (field, present) in foreign {
        if present {
            let name = field.rsplit('/').next().unwrap_or(field);
            cx.error(
                st.at(field),
                format!("`{name}` is a {other} field; it is not allowed in a {own} state"),
            );
        }
    }
}

fn assign_of(state: &State) -> Option<&Value> {
    match state {
        State::Pass(s) => s.assign.as_ref(),
        State::Task(s) => s.assign.as_ref(),
        State::Choice(s) => s.assign.as_ref(),
        State::Wait(s) => s.assign.as_ref(),
        State::Parallel(s) => s.assign.as_ref(),
        State::Map(s) => s.assign.as_ref(),
        State::Succeed(_) | State::Fail(_) => None,
    }
}

/// `Assign` is an object whose keys are variable names (with `.$` in JSONPath mode when the
/// value is a path).
pub(super) fn check_assign(
    cx: &mut Checker,
    st: &StateCx<'_>,
    field: &str,
    assign: Option<&Value>,
) {
    let Some(assign) = assign else { return };
    let Some(object) = assign.as_object() else {
        cx.error(
            st.at(field),
            "`Assign` must be an object of variable names and values",
        );
        return;
    };
    for key in object.keys() {
        let name = if st.jsonata() {
            key.as_str()
        } else {
            key.strip_suffix(".$").unwrap_or(key)
        };
        if !is_variable_name(name) {
            let mut pointer = st.at(field);
            crate::source::push_token(&mut pointer, key);
            cx.error(
                pointer,
                format!("`{name}` is not a variable name (a letter or `_`, then letters, digits or `_`; at most 80 characters)"),
            );
        }
    }
}

fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
        && name.chars().count() <= 80
}

/// A JSONPath payload template (`Parameters`, `ResultSelector`, `ItemSelector`) is an object.
fn check_template(cx: &mut Checker, st: &StateCx<'_>, field: &str, value: Option<&Value>) {
    if let Some(v) = value {
        if !v.is_object() {
            cx.error(
                st.at(field),
                format!("`{field}` must be an object (a payload template)"),
            );
        }
    }
}

/// JSONata `Arguments`: an object or an expression.
fn check_arguments(cx: &mut Checker, st: &StateCx<'_>, value: Option<&Value>) {
    match value {
        None | Some(Value::Object(_)) => {}
        Some(Value::String(s)) if is_jsonata(s) => {}
        Some(_) => cx.error(
            st.at("Arguments"),
            "`Arguments` must be an object or a JSONata expression `{% ... %}`",
        ),
    }
}

/// At most one of two fields.
fn exclusive(cx: &mut Checker, st: &StateCx<'_>, a: (&str, bool), b: (&str, bool)) {
    if a.1 && b.1 {
        cx.error(
            st.at(b.0),
            format!("`{}` and `{}` cannot both be given", a.0, b.0),
        );
    }
}

/// An integer field: in range, or a `{% %}` expression in a JSONata state.
pub(super) fn check_int(
    cx: &mut Checker,
    st: &StateCx<'_>,
    field: &str,
    value: Option<&IntOrExpr>,
    min: i64,
    max: i64,
) {
    match value {
        None => {}
        Some(IntOrExpr::Int(n)) if *n < min || *n > max => {
            let name = field.rsplit('/').next().unwrap_or(field);
            let range = if max == i64::MAX {
                format!("at least {min}")
            } else {
                format!("between {min} and {max}")
            };
            cx.error(st.at(field), format!("`{name}` must be {range}, not {n}"));
        }
        Some(IntOrExpr::Int(_)) => {}
        Some(IntOrExpr::Expr(e)) => check_expr(cx, st, field, e, "an integer"),
    }
}

/// A string where a number belongs: only a JSONata state may compute the number.
fn check_expr(cx: &mut Checker, st: &StateCx<'_>, field: &str, text: &str, what: &str) {
    let name = field.rsplit('/').next().unwrap_or(field);
    if !st.jsonata() {
        cx.error(
            st.at(field),
            format!("`{name}` must be {what} (use `{name}Path` to read it from the input)"),
        );
    } else if !is_jsonata(text) {
        cx.error(
            st.at(field),
            format!("`{name}` must be {what} or a JSONata expression `{{% ... %}}`"),
        );
    }
}

fn check_task(cx: &mut Checker, st: &StateCx<'_>, t: &TaskState) {
    if !is_arn(&t.resource) {
        cx.error(
            st.at("Resource"),
            format!(
                "`Resource` must be an ARN (`arn:partition:service:region:account:resource`), not {:?}",
                t.resource
            ),
        );
    }
    let max = MAX_SECONDS as i64;
    check_int(cx, st, "TimeoutSeconds", t.timeout_seconds.as_ref(), 1, max);
    check_int(
        cx,
        st,
        "HeartbeatSeconds",
        t.heartbeat_seconds.as_ref(),
        1,
        max,
    );
    exclusive(
        cx,
        st,
        ("TimeoutSeconds", t.timeout_seconds.is_some()),
        ("TimeoutSecondsPath", t.timeout_seconds_path.is_some()),
    );
    exclusive(
        cx,
        st,
        ("HeartbeatSeconds", t.heartbeat_seconds.is_some()),
        ("HeartbeatSecondsPath", t.heartbeat_seconds_path.is_some()),
    );
    if let (Some(IntOrExpr::Int(timeout)), Some(IntOrExpr::Int(heartbeat))) =
        (&t.timeout_seconds, &t.heartbeat_seconds)
    {
        if heartbeat >= timeout {
            cx.error(
                st.at("HeartbeatSeconds"),
                format!("`HeartbeatSeconds` ({heartbeat}) must be smaller than `TimeoutSeconds` ({timeout})"),
            );
        }
    }
    if st.jsonata() {
        check_arguments(cx, st, t.arguments.as_ref());
    } else {
        check_template(cx, st, "Parameters", t.parameters.as_ref());
        check_template(cx, st, "ResultSelector", t.result_selector.as_ref());
    }
    if let Some(c) = &t.credentials {
        if !c.is_object() {
            cx.error(st.at("Credentials"), "`Credentials` must be an object");
        }
    }
}

/// `arn:partition:service:region:account:resource`, where region and account may be empty
/// (`arn:aws:states:::lambda:invoke`).
fn is_arn(resource: &str) -> bool {
    let parts: Vec<&str> = resource.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && !parts[1].is_empty()
        && !parts[2].is_empty()
        && !parts[5].is_empty()
        && !resource.chars().any(char::is_whitespace)
}

fn check_map(cx: &mut Checker, st: &StateCx<'_>, m: &MapState) {
    match (&m.item_processor, &m.iterator) {
        (None, None) => cx.error(
            &st.pointer,
            "a Map state needs `ItemProcessor` (or the older `Iterator`)",
        ),
        (Some(_), Some(_)) => cx.error(
            st.at("Iterator"),
            "`ItemProcessor` and `Iterator` cannot both be given",
        ),
        _ => {}
    }
    exclusive(
        cx,
        st,
        ("ItemSelector", m.item_selector.is_some()),
        ("Parameters", m.parameters.is_some()),
    );
    if st.jsonata() {
        match &m.items {
            None | Some(Value::Array(_)) => {}
            Some(Value::String(s)) if is_jsonata(s) => {}
            Some(_) => cx.error(
                st.at("Items"),
                "`Items` must be an array or a JSONata expression `{% ... %}`",
            ),
        }
    } else {
        check_template(cx, st, "ItemSelector", m.item_selector.as_ref());
        check_template(cx, st, "Parameters", m.parameters.as_ref());
        check_template(cx, st, "ResultSelector", m.result_selector.as_ref());
    }
    check_int(
        cx,
        st,
        "MaxConcurrency",
        m.max_concurrency.as_ref(),
        0,
        i64::MAX,
    );
    exclusive(
        cx,
        st,
        ("MaxConcurrency", m.max_concurrency.is_some()),
        ("MaxConcurrencyPath", m.max_concurrency_path.is_some()),
    );
    check_int(
        cx,
        st,
        "ToleratedFailureCount",
        m.tolerated_failure_count.as_ref(),
        0,
        i64::MAX,
    );
    exclusive(
        cx,
        st,
        ("ToleratedFailureCount", m.tolerated_failure_count.is_some()),
        (
            "ToleratedFailureCountPath",
            m.tolerated_failure_count_path.is_some(),
        ),
    );
    match &m.tolerated_failure_percentage {
        Some(NumberOrExpr::Number(p)) if !(0.0..=100.0).contains(p) => cx.error(
            st.at("ToleratedFailurePercentage"),
            format!("`ToleratedFailurePercentage` must be between 0 and 100, not {p}"),
        ),
        Some(NumberOrExpr::Expr(e)) => {
            check_expr(cx, st, "ToleratedFailurePercentage", e, "a number")
        }
        _ => {}
    }
    exclusive(
        cx,
        st,
        (
            "ToleratedFailurePercentage",
            m.tolerated_failure_percentage.is_some(),
        ),
        (
            "ToleratedFailurePercentagePath",
            m.tolerated_failure_percentage_path.is_some(),
        ),
    );
    if let Some(label) = &m.label {
        if label.chars().count() > MAX_LABEL {
            cx.error(
                st.at("Label"),
                format!("`Label` is at most {MAX_LABEL} characters"),
            );
        }
    }
    if let Some(b) = &m.item_batcher {
        check_int(
            cx,
            st,
            "ItemBatcher/MaxItemsPerBatch",
            b.max_items_per_batch.as_ref(),
            1,
            i64::MAX,
        );
        check_int(
            cx,
            st,
            "ItemBatcher/MaxInputBytesPerBatch",
            b.max_input_bytes_per_batch.as_ref(),
            1,
            MAX_BATCH_BYTES,
        );
        exclusive(
            cx,
            st,
            (
                "ItemBatcher/MaxItemsPerBatch",
                b.max_items_per_batch.is_some(),
            ),
            (
                "ItemBatcher/MaxItemsPerBatchPath",
                b.max_items_per_batch_path.is_some(),
            ),
        );
        exclusive(
            cx,
            st,
            (
                "ItemBatcher/MaxInputBytesPerBatch",
                b.max_input_bytes_per_batch.is_some(),
            ),
            (
                "ItemBatcher/MaxInputBytesPerBatchPath",
                b.max_input_bytes_per_batch_path.is_some(),
            ),
        );
        if b.max_items_per_batch.is_none()
            && b.max_items_per_batch_path.is_none()
            && b.max_input_bytes_per_batch.is_none()
            && b.max_input_bytes_per_batch_path.is_none()
        {
            cx.error(
                st.at("ItemBatcher"),
                "`ItemBatcher` needs `MaxItemsPerBatch` or `MaxInputBytesPerBatch` (or their `...Path` forms)",
            );
        }
    }
    check_mode(cx, st, m);
}

/// Inline Map states cannot read, batch or write items, nor name a child execution type;
/// distributed ones name their child execution type. (The service accepts the
/// `ToleratedFailure...` fields on an inline Map: conformance cases 763, 764, 767 and 768.)
fn check_mode(cx: &mut Checker, st: &StateCx<'_>, m: &MapState) {
    let config = m
        .item_processor
        .as_ref()
        .and_then(|p| p.processor_config.as_ref());
    let mode = config.and_then(|c| c.mode).unwrap_or_default();
    let execution_type = config.and_then(|c| c.execution_type.as_deref());
    if mode == ProcessorMode::Inline {
        let distributed_only = [
            ("ItemReader", m.item_reader.is_some()),
            ("ItemBatcher", m.item_batcher.is_some()),
            ("ResultWriter", m.result_writer.is_some()),
            (
                "ItemProcessor/ProcessorConfig/ExecutionType",
                execution_type.is_some(),
            ),
        ];
        for (field, present) in distributed_only {
            if present {
                let name = field.rsplit('/').next().unwrap_or(field);
                cx.error(
                    st.at(field),
                    format!("`{name}` is only allowed in a distributed Map (`ProcessorConfig` `Mode: DISTRIBUTED`)"),
                );
            }
        }
    } else {
        if m.iterator.is_some() {
            cx.error(
                st.at("Iterator"),
                "a distributed Map uses `ItemProcessor`; `Iterator` is for inline Map states only",
            );
        }
        match execution_type {
            None => cx.error(
                st.at("ItemProcessor/ProcessorConfig"),
                "a distributed Map needs `ExecutionType` (`STANDARD` or `EXPRESS`)",
            ),
            Some("STANDARD" | "EXPRESS") => {}
            Some(other) => cx.error(
                st.at("ItemProcessor/ProcessorConfig/ExecutionType"),
                format!("`ExecutionType` must be `STANDARD` or `EXPRESS`, not {other:?}"),
            ),
        }
    }
}
