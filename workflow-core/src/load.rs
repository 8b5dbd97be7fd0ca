//! Text to a checked model: JSON syntax, repeated keys, the shape of every field, then
//! [`validate`](crate::validate::validate()), with the line and column of every problem.
//!
//! The model is deserialized state by state (nested scopes first, each with its nested `States`
//! emptied), so that a mistake in one state does not hide the mistakes of the others. The
//! validator's rules run on the whole document too: when its shape is wrong only in fields that
//! can be left out (unknown fields, values of the wrong type), they run without those fields,
//! so every problem of the document is reported at once.
//!
//! ```
//! let text = r#"{
//!   "StartAt": "A",
//!   "States": {
//!     "A": { "Type": "Pass", "Next": "B" },
//!     "A": { "Type": "Pass", "End": true }
//!   }
//! }"#;
//! let problems = workflow_core::load(text).unwrap_err();
//! let lines: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
//! assert_eq!(lines, [
//!     "5:5: /States/A: state name `A` is used twice in the same `States` (first at 4:5); \
//!      JSON keeps only the last one",
//! ]);
//! ```

use crate::asl::{
    ChoiceState, FailState, MapState, ParallelState, PassState, StateMachine, SucceedState,
    TaskState, WaitState,
};
use crate::source::{push_token, SourceMap};
use crate::validate::{validate, Diagnostic};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// The state types, as written in `Type`.
const STATE_TYPES: &str = "Pass, Task, Choice, Wait, Succeed, Fail, Parallel or Map";

/// Reads a definition from JSON text and checks it; every problem carries a JSON pointer and
/// the line and column of the offending field's key (of the enclosing object's key for a
/// missing field).
pub fn load(text: &str) -> Result<StateMachine, Vec<Diagnostic>> {
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            return Err(vec![Diagnostic {
                pointer: String::new(),
                line: Some(e.line()),
                // serde_json says column 0 at the start of a line (an unexpected end).
                column: Some(e.column().max(1)),
                message: format!("not valid JSON: {}", strip_position(&e.to_string())),
            }]);
        }
    };
    let map = SourceMap::scan(text);
    let mut problems = duplicates(&map);
    let mut model_problems = Vec::new();
    check_model(&value, &mut model_problems);
    let (machine, rules) = if model_problems.is_empty() {
        match serde_path_to_error::deserialize::<_, StateMachine>(value) {
            Ok(machine) => {
                let rules = validate(&machine);
                (Some(machine), rules)
            }
            Err(e) => {
                model_problems.push(serde_diagnostic("", e, "the state machine"));
                (None, Vec::new())
            }
        }
    } else {
        (None, rules_beside(&value, &model_problems))
    };
    for mut d in model_problems.into_iter().chain(rules) {
        if let Some(pos) = map.nearest(&d.pointer) {
            d.line = Some(pos.line);
            d.column = Some(pos.column);
        }
        problems.push(d);
    }
    match machine {
        Some(machine) if problems.is_empty() => Ok(machine),
        _ => {
            problems.sort_by_key(|d| (d.line.is_none(), d.line, d.column));
            Err(problems)
        }
    }
}

/// The other problems of a document whose shape is wrong only in fields that can be left out
/// (an unknown field, a value of the wrong type or out of its enum). Those fields are taken out
/// and the shape checked again, round after round, which finds the next bad field of each state
/// (serde stops at a state's first); then the validator's rules run on what is left and report
/// what they find away from the fields taken out (a rule broken at such a field, or because it
/// is gone, would only repeat its shape problem). Stops, with what it found so far, at a shape
/// problem that is not a field (a missing field, a state that is not an object, ...).
fn rules_beside(value: &Value, shape_problems: &[Diagnostic]) -> Vec<Diagnostic> {
    /// Rounds of taking fields out: more than any state has fields.
    const ROUNDS: usize = 64;
    let mut trimmed = value.clone();
    let mut removed: Vec<String> = Vec::new();
    let mut found = Vec::new();
    let mut round = shape_problems.to_vec();
    for _ in 0..ROUNDS {
        for d in &round {
            if !remove_member(&mut trimmed, &d.pointer) {
                return found;
            }
            removed.push(d.pointer.clone());
        }
        round.clear();
        check_model(&trimmed, &mut round);
        if round.is_empty() {
            break;
        }
        found.extend(round.iter().cloned());
    }
    if !round.is_empty() {
        return found;
    }
    let Ok(machine) = serde_json::from_value::<StateMachine>(trimmed) else {
        return found;
    };
    let within = |inner: &str, outer: &str| {
        inner == outer
            || inner
                .strip_prefix(outer)
                .is_some_and(|r| r.starts_with('/'))
    };
    found.extend(validate(&machine).into_iter().filter(|d| {
        !removed
            .iter()
            .any(|r| within(&d.pointer, r) || within(r, &d.pointer))
    }));
    found
}

/// Removes the field `pointer` names; false when it names no field of an object (the root, an
/// array element, a whole state, or nothing).
fn remove_member(value: &mut Value, pointer: &str) -> bool {
    let Some((parent, token)) = pointer.rsplit_once('/') else {
        return false;
    };
    if parent == "/States" || parent.ends_with("/States") {
        return false;
    }
    let key = token.replace("~1", "/").replace("~0", "~");
    match value.pointer_mut(parent) {
        Some(Value::Object(members)) => members.shift_remove(&key).is_some(),
        _ => false,
    }
}

/// serde_json appends " at line L column C"; the diagnostic carries those separately.
fn strip_position(message: &str) -> &str {
    message
        .rfind(" at line ")
        .map_or(message, |i| &message[..i])
}

fn duplicates(map: &SourceMap) -> Vec<Diagnostic> {
    map.duplicates()
        .iter()
        .map(|d| {
            let parent = &d.pointer[..d.pointer.rfind('/').unwrap_or(0)];
            let message = if parent.ends_with("/States") {
                format!(
                    "state name `{}` is used twice in the same `States` (first at {}); JSON keeps only the last one",
                    d.key, d.first
                )
            } else {
                format!(
                    "key `{}` appears twice in the same object (first at {}); JSON keeps only the last one",
                    d.key, d.first
                )
            };
            Diagnostic {
                pointer: d.pointer.clone(),
                line: Some(d.position.line),
                column: Some(d.position.column),
                message,
            }
        })
        .collect()
}

/// Checks the shape of the document against the model, state by state.
fn check_model(root: &Value, out: &mut Vec<Diagnostic>) {
    let Value::Object(object) = root else {
        out.push(Diagnostic::new(
            "",
            "a state machine definition must be a JSON object",
        ));
        return;
    };
    let mut shell = object.clone();
    if let Some(Value::Object(states)) = object.get("States") {
        check_states(states, "/States", out);
        shell.insert("States".into(), Value::Object(Map::new()));
    }
    if let Err(e) = serde_path_to_error::deserialize::<_, StateMachine>(Value::Object(shell)) {
        out.push(serde_diagnostic("", e, "the state machine"));
    }
}

fn check_states(states: &Map<String, Value>, pointer: &str, out: &mut Vec<Diagnostic>) {
    for (name, state) in states {
        let mut at = pointer.to_owned();
        push_token(&mut at, name);
        check_state(state, &at, out);
    }
}

fn check_state(state: &Value, pointer: &str, out: &mut Vec<Diagnostic>) {
    let Value::Object(object) = state else {
        out.push(Diagnostic::new(pointer, "a state must be a JSON object"));
        return;
    };
    let kind = match object.get("Type") {
        None => {
            out.push(Diagnostic::new(
                pointer,
                format!("a state needs `Type` ({STATE_TYPES})"),
            ));
            return;
        }
        Some(Value::String(kind)) => kind.as_str(),
        Some(_) => {
            out.push(Diagnostic::new(
                format!("{pointer}/Type"),
                format!("`Type` must be a string: {STATE_TYPES}"),
            ));
            return;
        }
    };
    let mut shell = object.clone();
    shell.remove("Type");
    // Nested scopes are checked state by state, then emptied for the state's own check.
    let scopes: &[&str] = match kind {
        "Map" => &["ItemProcessor", "Iterator"],
        _ => &[],
    };
    for field in scopes {
        if let Some(Value::Object(scope)) = shell.get_mut(*field) {
            empty_states(scope, &format!("{pointer}/{field}"), out);
        }
    }
    if kind == "Parallel" {
        if let Some(Value::Array(branches)) = shell.get_mut("Branches") {
            for (i, branch) in branches.iter_mut().enumerate() {
                if let Value::Object(scope) = branch {
                    empty_states(scope, &format!("{pointer}/Branches/{i}"), out);
                }
            }
        }
    }
    let shell = Value::Object(shell);
    let what = format!("a {kind} state");
    let result = match kind {
        "Pass" => shape::<PassState>(shell),
        "Task" => shape::<TaskState>(shell),
        "Choice" => shape::<ChoiceState>(shell),
        "Wait" => shape::<WaitState>(shell),
        "Succeed" => shape::<SucceedState>(shell),
        "Fail" => shape::<FailState>(shell),
        "Parallel" => shape::<ParallelState>(shell),
        "Map" => shape::<MapState>(shell),
        other => {
            out.push(Diagnostic::new(
                format!("{pointer}/Type"),
                format!("unknown state type `{other}`; `Type` is {STATE_TYPES}"),
            ));
            return;
        }
    };
    if let Err(e) = result {
        out.push(serde_diagnostic(pointer, e, &what));
    }
}

/// Checks the states of a nested scope and empties them in `scope`.
fn empty_states(scope: &mut Map<String, Value>, pointer: &str, out: &mut Vec<Diagnostic>) {
    if let Some(Value::Object(states)) = scope.get_mut("States") {
        check_states(states, &format!("{pointer}/States"), out);
        states.clear();
    }
}

fn shape<T: DeserializeOwned>(
    value: Value,
) -> Result<(), serde_path_to_error::Error<serde_json::Error>> {
    serde_path_to_error::deserialize::<_, T>(value).map(drop)
}

/// A serde error as a diagnostic: the pointer of the field it names, and a message in the
/// document's own terms.
fn serde_diagnostic(
    base: &str,
    error: serde_path_to_error::Error<serde_json::Error>,
    what: &str,
) -> Diagnostic {
    let mut pointer = base.to_owned();
    let mut depth = 0;
    for segment in error.path().iter() {
        match segment {
            serde_path_to_error::Segment::Seq { index } => {
                push_token(&mut pointer, &index.to_string())
            }
            serde_path_to_error::Segment::Map { key } => push_token(&mut pointer, key),
            serde_path_to_error::Segment::Enum { .. } | serde_path_to_error::Segment::Unknown => {
                continue
            }
        }
        depth += 1;
    }
    let raw = error.into_inner().to_string();
    let message = if let Some(field) = quoted_after(&raw, "unknown field `") {
        if !pointer.ends_with(&format!("/{field}")) {
            push_token(&mut pointer, field);
            depth += 1;
        }
        if depth == 1 {
            format!("`{field}` is not a field of {what}")
        } else {
            format!("`{field}` is not a known field here")
        }
    } else if let Some(field) = quoted_after(&raw, "missing field `") {
        if depth == 0 {
            format!("{what} needs `{field}`")
        } else {
            format!("`{field}` is required here")
        }
    } else if let Some(variant) = quoted_after(&raw, "unknown variant `") {
        let expected = raw.split_once(", expected ").map_or("", |(_, e)| e);
        format!("`{variant}` is not allowed here; expected {expected}")
    } else {
        readable(&raw)
    };
    Diagnostic::new(pointer, message)
}

/// The text between `prefix` and the next backquote.
fn quoted_after<'a>(raw: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = &raw[raw.find(prefix)? + prefix.len()..];
    rest.split('`').next()
}

/// serde's type names in JSON terms.
fn readable(raw: &str) -> String {
    let mut s = raw.to_owned();
    for (from, to) in [
        ("expected u64", "expected a non-negative integer"),
        ("expected i64", "expected an integer"),
        ("expected f64", "expected a number"),
        ("expected a sequence", "expected an array"),
        ("expected a map", "expected an object"),
        ("integer `", "number `"),
        ("floating point `", "number `"),
    ] {
        s = s.replace(from, to);
    }
    if let Some(i) = s.find("expected struct ") {
        s.truncate(i);
        s.push_str("expected an object");
    }
    s
}
