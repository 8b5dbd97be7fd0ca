//! ResultPath: where a state's result goes in its input.

use super::select::{member, member_mut};
use super::{Body, JsonPath, Root, Step};
use crate::compact;
use crate::error::StatesError;
use crate::privacy::Payload;
use serde_json::{Map, Value};

pub use crate::error::names::REFERENCE_PATH_CONFLICT;

/// Puts `result` into `target` at `path` and returns the new output. `$` replaces the target;
/// `$.a.b` creates missing objects on the way and keeps everything else (merging into existing
/// objects); `$.a[1]` replaces an existing element. A step through a value that is neither an
/// object (names) nor an array with that index (indexes) is [`REFERENCE_PATH_CONFLICT`].
/// (`ResultPath: null`, which discards the result, is the caller's business: there is no path.)
///
/// The target is borrowed (it is usually shared with the execution's history): the output copies
/// the members beside the path, never the value the result replaces.
pub fn set_result_path(
    path: &JsonPath,
    target: &Value,
    result: Value,
) -> Result<Value, StatesError> {
    let steps = reference_steps(path)?;
    let mut output = Value::Null;
    let mut slot = &mut output;
    // The value at the current step in the target; `None` once the path has left the target
    // (missing members are created as objects).
    let mut source = Some(target);
    let empty = Value::Object(Map::new());
    for (at, step) in steps.iter().enumerate() {
        let (copy, member, next) = match (step, source) {
            (Step::Name(name), Some(Value::Object(map))) => {
                let replaced = member(map, name);
                (
                    Value::Object(copy_beside(map, name, replaced)),
                    Member::Name(name),
                    replaced,
                )
            }
            (Step::Name(name), None) => {
                let map = Map::from_iter([(name.to_string(), Value::Null)]);
                (Value::Object(map), Member::Name(name), None)
            }
            (Step::Index(index), Some(Value::Array(items))) => {
                let Some(i) = index_in(*index, items.len()) else {
                    let text = Payload(&Value::Array(items.clone())).to_string();
                    return Err(conflict(path, at, step, text));
                };
                let copy = items
                    .iter()
                    .enumerate()
                    .map(|(j, item)| {
                        if j == i {
                            Value::Null
                        } else {
                            compact::copy(item)
                        }
                    })
                    .collect();
                (Value::Array(copy), Member::Index(i), Some(&items[i]))
            }
            (_, other) => {
                let text = Payload(other.unwrap_or(&empty)).to_string();
                return Err(conflict(path, at, step, text));
            }
        };
        *slot = copy;
        slot = match (slot, member) {
            (Value::Object(map), Member::Name(name)) => member_mut(map, name),
            (Value::Array(items), Member::Index(i)) => items.get_mut(i),
            _ => None,
        }
        .expect("the copy holds the member on the path");
        source = next;
    }
    *slot = result;
    Ok(output)
}

/// [`set_result_path`] on a target the caller owns: the result goes into it in place, and
/// nothing beside the path is copied.
pub fn put_result_path(
    path: &JsonPath,
    mut target: Value,
    result: Value,
) -> Result<Value, StatesError> {
    let steps = reference_steps(path)?;
    let mut slot = &mut target;
    for (at, step) in steps.iter().enumerate() {
        slot = match (step, slot) {
            (Step::Name(name), Value::Object(map)) => map
                .entry(name.to_string())
                .or_insert_with(|| Value::Object(Map::new())),
            (Step::Index(index), Value::Array(items)) => match index_in(*index, items.len()) {
                Some(i) => &mut items[i],
                None => {
                    let text = Payload(&Value::Array(std::mem::take(items))).to_string();
                    return Err(conflict(path, at, step, text));
                }
            },
            (_, other) => return Err(conflict(path, at, step, Payload(other).to_string())),
        };
    }
    *slot = result;
    Ok(target)
}

/// The steps of a ResultPath, which must be a reference path from `$`.
fn reference_steps(path: &JsonPath) -> Result<&[Step], StatesError> {
    match (&path.root, &path.body) {
        (Root::Input, Body::Definite(steps)) if path.is_reference() => Ok(steps),
        _ => Err(StatesError::runtime(format!(
            "Invalid path '{path}' : a ResultPath must be a reference path starting with `$` \
             (names and indexes only)"
        ))),
    }
}

/// A member on a ResultPath, resolved against the target.
#[derive(Clone, Copy)]
enum Member<'p> {
    Name(&'p str),
    Index(usize),
}

/// A copy of `map` holding the member `name` for the caller to overwrite: a scalar it held
/// (`replaced`) is copied, a missing one is appended as `null`, and one that holds an array or
/// object is `null` in the copy rather than copied and dropped.
fn copy_beside(
    map: &Map<String, Value>,
    name: &str,
    replaced: Option<&Value>,
) -> Map<String, Value> {
    if !matches!(replaced, Some(Value::Array(_) | Value::Object(_))) {
        let mut copy = compact::copy_map(map, usize::from(replaced.is_none()));
        if replaced.is_none() {
            copy.insert(name.to_owned(), Value::Null);
        }
        return copy;
    }
    map.iter()
        .map(|(key, value)| {
            let value = if key == name {
                Value::Null
            } else {
                compact::copy(value)
            };
            (key.clone(), value)
        })
        .collect()
}

/// The service's error for a step that meets a value it cannot go through (`text` is that
/// value as JSON, or its placeholder while payloads are hidden): the whole path when it is the first step, else the step.
fn conflict(path: &JsonPath, at: usize, step: &Step, text: String) -> StatesError {
    let cause = if at == 0 {
        format!("Unable to apply ReferencePath {path} to input {text}")
    } else {
        let step = match step {
            Step::Index(index) => format!("[{index}]"),
            Step::Name(name) | Step::Function(name) => name.to_string(),
            Step::Merge(names) => names.join(","),
        };
        format!("Unable to apply step \"{step}\" to input {text}")
    };
    StatesError::new(REFERENCE_PATH_CONFLICT, cause)
}

/// `index` counted from the end when negative; `None` when out of range.
fn index_in(index: i64, len: usize) -> Option<usize> {
    let resolved = if index < 0 {
        i64::try_from(len).ok()?.checked_add(index)?
    } else {
        index
    };
    usize::try_from(resolved).ok().filter(|i| *i < len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Both forms: the copy beside a borrowed target, and the result put into an owned one,
    /// which must give the same output (members in the same order) or the same error.
    fn set(path: &str, target: Value, result: Value) -> Result<Value, StatesError> {
        let path = JsonPath::parse(path).unwrap();
        let copied = set_result_path(&path, &target, result.clone());
        let in_place = put_result_path(&path, target, result);
        let text = |r: &Result<Value, StatesError>| match r {
            Ok(v) => v.to_string(),
            Err(e) => format!("{}: {}", e.error, e.cause),
        };
        assert_eq!(text(&copied), text(&in_place), "copied and in place differ");
        copied
    }

    #[test]
    fn dollar_replaces_the_input() {
        assert_eq!(set("$", json!({"a": 1}), json!("r")).unwrap(), json!("r"));
    }

    #[test]
    fn a_name_adds_or_replaces_a_member() {
        assert_eq!(
            set("$.taskresult", json!({"comment": "x"}), json!("r")).unwrap(),
            json!({"comment": "x", "taskresult": "r"})
        );
        assert_eq!(
            set("$.a", json!({"a": {"old": 1}, "b": 2}), json!([1])).unwrap(),
            json!({"a": [1], "b": 2})
        );
    }

    #[test]
    fn deep_paths_create_and_merge_objects() {
        assert_eq!(
            set("$.a.b.c", json!({"k": 1}), json!(true)).unwrap(),
            json!({"k": 1, "a": {"b": {"c": true}}})
        );
        assert_eq!(
            set("$.a.b", json!({"a": {"keep": 1}}), json!(2)).unwrap(),
            json!({"a": {"keep": 1, "b": 2}})
        );
        assert_eq!(
            set("$['x y'].z", json!({}), json!(null)).unwrap(),
            json!({"x y": {"z": null}})
        );
    }

    #[test]
    fn an_index_replaces_an_existing_element() {
        assert_eq!(
            set("$.arr[1]", json!({"arr": [0, 0]}), json!("v")).unwrap(),
            json!({"arr": [0, "v"]})
        );
        assert_eq!(
            set("$.arr[-1].k", json!({"arr": [{}, {"a": 1}]}), json!(2)).unwrap(),
            json!({"arr": [{}, {"a": 1, "k": 2}]})
        );
    }

    #[test]
    fn the_output_keeps_the_members_beside_the_path_in_their_order() {
        // A replaced container, a replaced scalar and an appended member: the member keeps its
        // place, everything beside it is kept, and the target itself is not changed.
        let target = json!({"a": 1, "last": {"old": [1, 2]}, "z": [3]});
        let out = set_result_path(&JsonPath::parse("$.last").unwrap(), &target, json!(9));
        let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
        assert_eq!(keys(&out.unwrap()), ["a", "last", "z"]);
        let out = set_result_path(&JsonPath::parse("$.a").unwrap(), &target, json!(9)).unwrap();
        assert_eq!(out, json!({"a": 9, "last": {"old": [1, 2]}, "z": [3]}));
        assert_eq!(keys(&out), ["a", "last", "z"]);
        let out = set_result_path(&JsonPath::parse("$.z[0].n").unwrap(), &target, json!(9));
        assert_eq!(out.unwrap_err().error, REFERENCE_PATH_CONFLICT);
        let out = set_result_path(&JsonPath::parse("$.new.n").unwrap(), &target, json!(9));
        assert_eq!(keys(&out.unwrap()), ["a", "last", "z", "new"]);
        assert_eq!(target, json!({"a": 1, "last": {"old": [1, 2]}, "z": [3]}));
    }

    #[test]
    fn conflicts_hide_the_value_unless_payloads_are_shown() {
        let e = set("$.a.b", json!({"a": "secret"}), json!(1)).unwrap_err();
        assert_eq!(
            e.cause,
            "Unable to apply step \"b\" to input <hidden string>"
        );
        let e = set("$.arr[2]", json!({"arr": ["secret"]}), json!(1)).unwrap_err();
        assert_eq!(
            e.cause,
            "Unable to apply step \"[2]\" to input <hidden array>"
        );
    }

    #[test]
    fn conflicts_are_reference_path_conflicts() {
        crate::privacy::with_payloads(true, conflicts_with_payloads_shown);
    }

    fn conflicts_with_payloads_shown() {
        let e = set("$.x", json!("text"), json!(1)).unwrap_err();
        assert_eq!(e.error, REFERENCE_PATH_CONFLICT);
        assert_eq!(
            e.cause,
            "Unable to apply ReferencePath $.x to input \"text\""
        );
        let e = set("$.a.b", json!({"a": 5}), json!(1)).unwrap_err();
        assert_eq!(e.cause, "Unable to apply step \"b\" to input 5");
        let e = set("$.arr[2]", json!({"arr": [0]}), json!(1)).unwrap_err();
        assert_eq!(e.cause, "Unable to apply step \"[2]\" to input [0]");
        let e = set("$[0]", json!({}), json!(1)).unwrap_err();
        assert_eq!(e.error, REFERENCE_PATH_CONFLICT);
        // A missing member is created as an object, which an index cannot go through.
        let e = set("$.a[-1]", json!({}), json!(1)).unwrap_err();
        assert_eq!(e.cause, "Unable to apply step \"[-1]\" to input {}");
    }

    #[test]
    fn only_reference_paths_on_the_input() {
        for path in ["$.a[*]", "$$.Execution", "$v.a", "$..a", "$['a','b']"] {
            let e = set(path, json!({}), json!(1)).unwrap_err();
            assert_eq!(e.error, crate::error::names::RUNTIME, "{path}");
        }
    }
}
