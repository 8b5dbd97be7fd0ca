//! ResultPath: where a state's result goes in its input.

use super::{Body, JsonPath, Root, Step};
use crate::error::StatesError;
use crate::privacy::Payload;
use crate::value::{Object, Val};
use std::sync::Arc;

pub use crate::error::names::REFERENCE_PATH_CONFLICT;

/// Puts `result` into `target` at `path` and returns the new output. `$` replaces the target;
/// `$.a.b` creates missing objects on the way and keeps everything else (merging into existing
/// objects); `$.a[1]` replaces an existing element. A step through a value that is neither an
/// object (names) nor an array with that index (indexes) is [`REFERENCE_PATH_CONFLICT`].
/// (`ResultPath: null`, which discards the result, is the caller's business: there is no path.)
///
/// The target is borrowed (it is usually shared with the execution's history): the output
/// shares every member beside the path with it and copies only the levels on the path.
pub fn set_result_path(path: &JsonPath, target: &Val, result: Val) -> Result<Val, StatesError> {
    put_result_path(path, target.clone(), result)
}

/// [`set_result_path`] on a target the caller owns: the levels on the path are changed in
/// place where nothing else holds them, and copied (one level each) where something does.
pub fn put_result_path(path: &JsonPath, mut target: Val, result: Val) -> Result<Val, StatesError> {
    let steps = reference_steps(path)?;
    if let ([Step::Name(name)], Val::Object(map)) = (steps, &target) {
        if Arc::strong_count(map) > 1 {
            // `$.name` into a shared object (the history holds the input): copied with the
            // result in place in one pass, rather than copied, then changed (a new member
            // would grow the exact-size copy again).
            return Ok(Val::object(map.with_member(name, result)));
        }
    }
    let mut slot = &mut target;
    for (at, step) in steps.iter().enumerate() {
        slot = match (step, slot) {
            (Step::Name(name), Val::Object(map)) => {
                Arc::make_mut(map).get_or_insert_with(name, || Val::object(Object::new()))
            }
            (Step::Index(index), Val::Array(items)) => match index_in(*index, items.len()) {
                Some(i) => &mut Arc::make_mut(items)[i],
                None => {
                    let text = Payload(&Val::Array(items.clone())).to_string();
                    return Err(conflict(path, at, step, text));
                }
            },
            (_, other) => return Err(conflict(path, at, step, Payload(&*other).to_string())),
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

/// The service's error for a step that meets a value it cannot go through (`text` is that
/// value as JSON, or its placeholder while payloads are hidden): the whole path when it is the first step, else the step.
fn conflict(path: &JsonPath, at: usize, step: &Step, text: String) -> StatesError {
    let cause = if at == 0 {
        format!("Unable to apply ReferencePath {path} to input {text}")
    } else {
        let step = match step {
            Step::Index(index) => format!("[{index}]"),
            Step::Name(name) => name.to_string(),
            Step::Function(name) => name.to_string(),
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
    use crate::val;

    /// Both forms: the copy beside a borrowed target, and the result put into an owned one,
    /// which must give the same output (members in the same order) or the same error.
    fn set(path: &str, target: Val, result: Val) -> Result<Val, StatesError> {
        let path = JsonPath::parse(path).unwrap();
        let copied = set_result_path(&path, &target, result.clone());
        let in_place = put_result_path(&path, target, result);
        let text = |r: &Result<Val, StatesError>| match r {
            Ok(v) => v.to_string(),
            Err(e) => format!("{}: {}", e.error, e.cause),
        };
        assert_eq!(text(&copied), text(&in_place), "copied and in place differ");
        copied
    }

    #[test]
    fn dollar_replaces_the_input() {
        assert_eq!(set("$", val!({"a": 1}), val!("r")).unwrap(), val!("r"));
    }

    #[test]
    fn a_name_adds_or_replaces_a_member() {
        assert_eq!(
            set("$.taskresult", val!({"comment": "x"}), val!("r")).unwrap(),
            val!({"comment": "x", "taskresult": "r"})
        );
        assert_eq!(
            set("$.a", val!({"a": {"old": 1}, "b": 2}), val!([1])).unwrap(),
            val!({"a": [1], "b": 2})
        );
    }

    #[test]
    fn deep_paths_create_and_merge_objects() {
        assert_eq!(
            set("$.a.b.c", val!({"k": 1}), val!(true)).unwrap(),
            val!({"k": 1, "a": {"b": {"c": true}}})
        );
        assert_eq!(
            set("$.a.b", val!({"a": {"keep": 1}}), val!(2)).unwrap(),
            val!({"a": {"keep": 1, "b": 2}})
        );
        assert_eq!(
            set("$['x y'].z", val!({}), val!(null)).unwrap(),
            val!({"x y": {"z": null}})
        );
    }

    #[test]
    fn an_index_replaces_an_existing_element() {
        assert_eq!(
            set("$.arr[1]", val!({"arr": [0, 0]}), val!("v")).unwrap(),
            val!({"arr": [0, "v"]})
        );
        assert_eq!(
            set("$.arr[-1].k", val!({"arr": [{}, {"a": 1}]}), val!(2)).unwrap(),
            val!({"arr": [{}, {"a": 1, "k": 2}]})
        );
    }

    #[test]
    fn the_output_keeps_the_members_beside_the_path_in_their_order() {
        // A replaced container, a replaced scalar and an appended member: the member keeps its
        // place, everything beside it is kept, and the target itself is not changed.
        let target = val!({"a": 1, "last": {"old": [1, 2]}, "z": [3]});
        let out = set_result_path(&JsonPath::parse("$.last").unwrap(), &target, val!(9));
        let keys = |v: &Val| {
            v.as_object()
                .unwrap()
                .keys()
                .map(|k| k.to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(keys(&out.unwrap()), ["a", "last", "z"]);
        let out = set_result_path(&JsonPath::parse("$.a").unwrap(), &target, val!(9)).unwrap();
        assert_eq!(out, val!({"a": 9, "last": {"old": [1, 2]}, "z": [3]}));
        assert_eq!(keys(&out), ["a", "last", "z"]);
        let out = set_result_path(&JsonPath::parse("$.z[0].n").unwrap(), &target, val!(9));
        assert_eq!(out.unwrap_err().error, REFERENCE_PATH_CONFLICT);
        let out = set_result_path(&JsonPath::parse("$.new.n").unwrap(), &target, val!(9));
        assert_eq!(keys(&out.unwrap()), ["a", "last", "z", "new"]);
        assert_eq!(target, val!({"a": 1, "last": {"old": [1, 2]}, "z": [3]}));
    }

    #[test]
    fn conflicts_hide_the_value_unless_payloads_are_shown() {
        let e = set("$.a.b", val!({"a": "secret"}), val!(1)).unwrap_err();
        assert_eq!(
            e.cause,
            "Unable to apply step \"b\" to input <hidden string>"
        );
        let e = set("$.arr[2]", val!({"arr": ["secret"]}), val!(1)).unwrap_err();
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
        let e = set("$.x", val!("text"), val!(1)).unwrap_err();
        assert_eq!(e.error, REFERENCE_PATH_CONFLICT);
        assert_eq!(
            e.cause,
            "Unable to apply ReferencePath $.x to input \"text\""
        );
        let e = set("$.a.b", val!({"a": 5}), val!(1)).unwrap_err();
        assert_eq!(e.cause, "Unable to apply step \"b\" to input 5");
        let e = set("$.arr[2]", val!({"arr": [0]}), val!(1)).unwrap_err();
        assert_eq!(e.cause, "Unable to apply step \"[2]\" to input [0]");
        let e = set("$[0]", val!({}), val!(1)).unwrap_err();
        assert_eq!(e.error, REFERENCE_PATH_CONFLICT);
        // A missing member is created as an object, which an index cannot go through.
        let e = set("$.a[-1]", val!({}), val!(1)).unwrap_err();
        assert_eq!(e.cause, "Unable to apply step \"[-1]\" to input {}");
    }

    #[test]
    fn the_output_shares_the_members_beside_the_path_with_the_target() {
        let target = val!({"big": {"list": [1, 2, 3]}, "a": {"b": {"c": 1}, "keep": [4]}});
        let out = set_result_path(&JsonPath::parse("$.a.b.c").unwrap(), &target, val!(2)).unwrap();
        let member = |v: &Val, path: &[&str]| {
            path.iter()
                .fold(v.clone(), |v, k| v.get(k).cloned().unwrap_or_default())
        };
        let same = |x: &Val, y: &Val| match (x, y) {
            (Val::Object(x), Val::Object(y)) => Arc::ptr_eq(x, y),
            (Val::Array(x), Val::Array(y)) => Arc::ptr_eq(x, y),
            _ => false,
        };
        assert!(same(&member(&target, &["big"]), &member(&out, &["big"])));
        assert!(same(
            &member(&target, &["a", "keep"]),
            &member(&out, &["a", "keep"])
        ));
        assert!(
            !same(&member(&target, &["a"]), &member(&out, &["a"])),
            "a level on the path is a copy"
        );
        assert_eq!(
            member(&target, &["a", "b", "c"]),
            val!(1),
            "the target is unchanged"
        );
        assert_eq!(member(&out, &["a", "b", "c"]), val!(2));
    }

    #[test]
    fn only_reference_paths_on_the_input() {
        for path in ["$.a[*]", "$$.Execution", "$v.a", "$..a", "$['a','b']"] {
            let e = set(path, val!({}), val!(1)).unwrap_err();
            assert_eq!(e.error, crate::error::names::RUNTIME, "{path}");
        }
    }
}
