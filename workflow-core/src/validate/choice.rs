//! Choice rules. A Choice state has at least one rule; every top-level rule has `Next` and
//! rules nested in `And`/`Or`/`Not` have none. A JSONPath rule is a `Variable` with exactly one
//! comparison, or one of `And`/`Or`/`Not`; a JSONata rule is a `Condition`.

use super::{is_jsonata, Checker, StateCx};
use crate::asl::{ChoiceRule, Operator, State};
use serde_json::Value;

/// Checks the `Choices` of a Choice state.
pub(super) fn check_state(cx: &mut Checker, st: &StateCx<'_>) {
    let State::Choice(c) = st.state else { return };
    if c.choices.is_empty() {
        cx.error(st.at("Choices"), "`Choices` must contain at least one rule");
    }
    for (i, rule) in c.choices.iter().enumerate() {
        let pointer = st.at(&format!("Choices/{i}"));
        if rule.next.is_none() {
            cx.error(&pointer, "a top-level Choice rule must have `Next`");
        }
        if let Some(assign) = &rule.assign {
            if !assign.is_object() {
                cx.error(format!("{pointer}/Assign"), "`Assign` must be an object");
            }
        }
        if st.jsonata() {
            check_jsonata_rule(cx, &pointer, rule);
        } else {
            if rule.output.is_some() {
                cx.error(
                    format!("{pointer}/Output"),
                    "`Output` is a JSONata field; it is not allowed in a JSONPath state",
                );
            }
            check_jsonpath_rule(cx, &pointer, rule);
        }
    }
}

fn check_jsonata_rule(cx: &mut Checker, pointer: &str, rule: &ChoiceRule) {
    let mut jsonpath_fields: Vec<&str> = rule.comparisons().map(|(op, _)| op.name()).collect();
    for (name, present) in [
        ("Variable", rule.variable.is_some()),
        ("And", rule.and.is_some()),
        ("Or", rule.or.is_some()),
        ("Not", rule.not.is_some()),
    ] {
        if present {
            jsonpath_fields.push(name);
        }
    }
    for name in jsonpath_fields {
        cx.error(
            format!("{pointer}/{name}"),
            format!("`{name}` is a JSONPath field; a JSONata Choice rule uses `Condition`"),
        );
    }
    match &rule.condition {
        None => cx.error(pointer, "a JSONata Choice rule must have `Condition`"),
        Some(Value::Bool(_)) => {}
        Some(Value::String(s)) if is_jsonata(s) => {}
        Some(_) => cx.error(
            format!("{pointer}/Condition"),
            "`Condition` must be a boolean or a JSONata expression `{% ... %}`",
        ),
    }
}

/// One JSONPath rule; nested rules are checked with an explicit stack, so that a deeply
/// nested document cannot exhaust the call stack.
fn check_jsonpath_rule(cx: &mut Checker, pointer: &str, rule: &ChoiceRule) {
    let mut stack = vec![(pointer.to_owned(), rule, true)];
    while let Some((pointer, rule, top)) = stack.pop() {
        if !top {
            for (name, present) in [
                ("Next", rule.next.is_some()),
                ("Assign", rule.assign.is_some()),
                ("Output", rule.output.is_some()),
            ] {
                if present {
                    cx.error(
                        format!("{pointer}/{name}"),
                        format!("a rule nested in `And`, `Or` or `Not` cannot have `{name}`"),
                    );
                }
            }
        }
        if rule.condition.is_some() {
            cx.error(
                format!("{pointer}/Condition"),
                "`Condition` is a JSONata field; a JSONPath Choice rule uses `Variable` and a comparison",
            );
        }
        let comparisons: Vec<(Operator, &Value)> = rule.comparisons().collect();
        let mut tests: Vec<&str> = comparisons.iter().map(|(op, _)| op.name()).collect();
        for (name, present) in [
            ("And", rule.and.is_some()),
            ("Or", rule.or.is_some()),
            ("Not", rule.not.is_some()),
        ] {
            if present {
                tests.push(name);
            }
        }
        match tests.len() {
            0 if rule.condition.is_none() => cx.error(
                &pointer,
                "a Choice rule needs a comparison (with `Variable`), or `And`, `Or` or `Not`",
            ),
            0 | 1 => {}
            _ => cx.error(
                format!("{pointer}/{}", tests[1]),
                format!(
                    "a Choice rule has exactly one test; this one has {}",
                    tests
                        .iter()
                        .map(|t| format!("`{t}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
        }
        if comparisons.is_empty() {
            if rule.variable.is_some() && tests.len() == 1 {
                cx.error(
                    format!("{pointer}/Variable"),
                    format!(
                        "`Variable` belongs with a comparison, not with `{}`",
                        tests[0]
                    ),
                );
            }
        } else if rule.variable.is_none() {
            cx.error(&pointer, "a comparison needs `Variable`");
        }
        for (op, value) in comparisons {
            check_operand(cx, &pointer, op, value);
        }
        for (field, list) in [("And", &rule.and), ("Or", &rule.or)] {
            if let Some(list) = list {
                if list.is_empty() {
                    cx.error(
                        format!("{pointer}/{field}"),
                        format!("`{field}` must contain at least one rule"),
                    );
                }
                for (i, r) in list.iter().enumerate().rev() {
                    stack.push((format!("{pointer}/{field}/{i}"), r, false));
                }
            }
        }
        if let Some(r) = &rule.not {
            stack.push((format!("{pointer}/Not"), r, false));
        }
    }
}

/// The operand of a comparison has the operator's type.
fn check_operand(cx: &mut Checker, pointer: &str, op: Operator, value: &Value) {
    let name = op.name();
    let (ok, expected) = if op.is_path() {
        (value.is_string(), "a path string")
    } else if name.starts_with("Is") {
        (value.is_boolean(), "`true` or `false`")
    } else if name.starts_with("String") || name.starts_with("Timestamp") {
        (value.is_string(), "a string")
    } else if name.starts_with("Numeric") {
        (value.is_number(), "a number")
    } else {
        (value.is_boolean(), "`true` or `false`")
    };
    if !ok {
        cx.error(
            format!("{pointer}/{name}"),
            format!("the operand of `{name}` must be {expected}"),
        );
    }
}
