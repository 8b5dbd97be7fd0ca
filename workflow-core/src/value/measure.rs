//! A value's nesting depth and compact JSON length, measured without recursion past a few
//! levels and remembered by each object until it changes: a state's output that shares most
//! of its members with its input (a `ResultPath` merge, a generated workflow's growing state)
//! is measured by its new parts only.

use super::{Object, Val};
use crate::limits::Json;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// What an object remembers of its measurements; 0 is "not measured" (an object is at least
/// one level deep and two bytes long).
// Both words: a 4-byte depth was written with a 4-byte store and then moved with its padding
// as 8 bytes, a load the store buffer cannot forward (perf annotate: a third of the samples of
// `put_result_path`, on moving a new object into its `Arc`).
#[derive(Debug, Default)]
pub(super) struct Measured {
    depth: AtomicUsize,
    len: AtomicUsize,
}

impl Clone for Measured {
    /// A copy of an object measures the same until it changes.
    fn clone(&self) -> Self {
        Measured {
            depth: AtomicUsize::new(self.depth.load(Relaxed)),
            len: AtomicUsize::new(self.len.load(Relaxed)),
        }
    }
}

impl Measured {
    /// Forgets the measurements: the object is about to change.
    pub(super) fn forget(&mut self) {
        *self.depth.get_mut() = 0;
        *self.len.get_mut() = 0;
    }

    /// What a copy of an object that remembers `self` remembers once its member `old` is
    /// replaced by `new` (`None`: `new` is appended), worked out from the parts rather than
    /// by a walk of the copy (a `ResultPath` merge into a state's input, which is the previous
    /// state's measured output). A measurement the object remembers is being taken (a limit
    /// is on), so `new` is measured for it; `old` only when it remembers its own (else the copy
    /// does not know, and is walked when it is measured).
    pub(super) fn with_member_replaced(&self, old: Option<&Val>, new: &Val) -> Measured {
        let depth = match self.depth.load(Relaxed) {
            0 => 0,
            known => {
                // Every other member is at most `known - 1` deep.
                let new = 1 + new.depth();
                match old.map(remembered::<Depth>) {
                    None => known.max(new),
                    Some(_) if new >= known => new,
                    Some(Some(old)) if 1 + old < known => known,
                    Some(_) => 0,
                }
            }
        };
        let len = match (self.len.load(Relaxed), old.map(remembered::<Len>)) {
            (known @ 1.., Some(Some(old))) => known - old + new.json_len(),
            _ => 0,
        };
        Measured {
            depth: AtomicUsize::new(depth),
            len: AtomicUsize::new(len),
        }
    }
}

/// A value's measurement without a walk: a scalar's, or what an object remembers.
fn remembered<M: Measure>(v: &Val) -> Option<usize> {
    match v {
        Val::Object(o) => Some(M::remembered(&o.measured)).filter(|&m| m != 0),
        Val::Array(_) => None,
        scalar => Some(M::scalar(scalar)),
    }
}

impl Val {
    /// The nesting depth: 0 for a scalar, 1 for `[]` or `{"a": 1}`, 2 for `[[]]`. Objects
    /// remember theirs until they change, so a value sharing measured objects is measured by
    /// its new parts only.
    // Inlined for the common cases, a scalar or an object that remembers (a Task's result is
    // measured again as the state's output): a call into the walk costs more than they do.
    #[inline]
    pub fn depth(&self) -> usize {
        match self {
            Val::Object(o) => match Depth::remembered(&o.measured) {
                0 => fresh_object_depth(self, o),
                known => known,
            },
            Val::Array(_) => measure::<Depth>(self),
            _ => 0,
        }
    }

    /// The length of the value's compact JSON text (as `serde_json::to_string` writes it),
    /// without writing it; remembered by objects as [`depth`](Self::depth) is.
    pub fn json_len(&self) -> usize {
        measure::<Len>(self)
    }
}

/// How many levels a measurement walks by recursion before it switches to its own stack.
const SHALLOW: usize = 32;

/// One measurement: what a scalar gives, how a container's members add up, and where an
/// object keeps the result.
trait Measure {
    fn remembered(m: &Measured) -> usize;
    fn remember(m: &Measured, value: usize);
    fn scalar(v: &Val) -> usize;
    /// A container's own part, before its members.
    fn start(container: &Val) -> usize;
    fn add(total: usize, member: usize) -> usize;
    fn finish(total: usize) -> usize;
}

struct Depth;

impl Measure for Depth {
    fn remembered(m: &Measured) -> usize {
        m.depth.load(Relaxed)
    }
    fn remember(m: &Measured, value: usize) {
        m.depth.store(value, Relaxed);
    }
    fn scalar(_: &Val) -> usize {
        0
    }
    fn start(_: &Val) -> usize {
        0
    }
    fn add(total: usize, member: usize) -> usize {
        total.max(member)
    }
    fn finish(total: usize) -> usize {
        total + 1
    }
}

struct Len;

impl Measure for Len {
    fn remembered(m: &Measured) -> usize {
        m.len.load(Relaxed)
    }
    fn remember(m: &Measured, value: usize) {
        m.len.store(value, Relaxed);
    }
    fn scalar(v: &Val) -> usize {
        v.own_len()
    }
    fn start(container: &Val) -> usize {
        container.own_len()
    }
    fn add(total: usize, member: usize) -> usize {
        total.saturating_add(member)
    }
    fn finish(total: usize) -> usize {
        total
    }
}

/// The depth of an object that remembers none: a flat one (a task's result, often) without the
/// walk's machinery. Out of line, so that [`Val::depth`] stays small where it is inlined.
#[inline(never)]
fn fresh_object_depth(v: &Val, o: &Object) -> usize {
    if o.values()
        .any(|m| matches!(m, Val::Object(_) | Val::Array(_)))
    {
        return measure::<Depth>(v);
    }
    Depth::remember(&o.measured, 1);
    1
}

fn measure<M: Measure>(v: &Val) -> usize {
    shallow::<M>(v, SHALLOW).unwrap_or_else(|| deep::<M>(v))
}

/// By recursion, at most `fuel` levels deep (`None` past them).
fn shallow<M: Measure>(v: &Val, fuel: usize) -> Option<usize> {
    match v {
        Val::Object(o) => {
            let known = M::remembered(&o.measured);
            if known != 0 {
                return Some(known);
            }
            let total = members::<M>(v, o.values(), fuel)?;
            Some(finished::<M>(v, total))
        }
        Val::Array(a) => Some(M::finish(members::<M>(v, a.iter(), fuel)?)),
        _ => Some(M::scalar(v)),
    }
}

/// A container's own part and its members', by [`shallow`].
fn members<'a, M: Measure>(
    container: &Val,
    members: impl Iterator<Item = &'a Val>,
    fuel: usize,
) -> Option<usize> {
    if fuel == 0 {
        return None;
    }
    let mut total = M::start(container);
    for member in members {
        let measured = match member {
            Val::Object(_) | Val::Array(_) => shallow::<M>(member, fuel - 1)?,
            scalar => M::scalar(scalar),
        };
        total = M::add(total, measured);
    }
    Some(total)
}

/// A container's result from its members' total, remembered by an object.
fn finished<M: Measure>(v: &Val, total: usize) -> usize {
    let result = M::finish(total);
    if let Val::Object(o) = v {
        M::remember(&o.measured, result);
    }
    result
}

/// With a stack of its own, for values of any depth: members are measured before the
/// container that holds them.
fn deep<M: Measure>(root: &Val) -> usize {
    enum Step<'a> {
        Enter(&'a Val),
        Exit(&'a Val, usize),
    }
    let mut steps = vec![Step::Enter(root)];
    let mut results: Vec<usize> = Vec::new();
    while let Some(step) = steps.pop() {
        match step {
            Step::Enter(v) => match v {
                Val::Object(o) if M::remembered(&o.measured) != 0 => {
                    results.push(M::remembered(&o.measured));
                }
                Val::Object(o) => {
                    steps.push(Step::Exit(v, o.len()));
                    steps.extend(o.values().map(Step::Enter));
                }
                Val::Array(a) => {
                    steps.push(Step::Exit(v, a.len()));
                    steps.extend(a.iter().map(Step::Enter));
                }
                _ => results.push(M::scalar(v)),
            },
            Step::Exit(v, members) => {
                let first = results.len() - members;
                let total = results[first..]
                    .iter()
                    .fold(M::start(v), |total, &m| M::add(total, m));
                results.truncate(first);
                results.push(finished::<M>(v, total));
            }
        }
    }
    results.pop().unwrap_or(0)
}

impl Object {
    /// Whether the object remembers a measurement (for tests).
    #[cfg(test)]
    fn is_measured(&self) -> bool {
        self.measured.depth.load(Relaxed) != 0 || self.measured.len.load(Relaxed) != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;
    use std::sync::Arc;

    /// What the measurements must equal: the walks of `limits` on the same value as a
    /// `serde_json::Value`, which remember nothing.
    fn expected(v: &Val) -> (usize, usize) {
        let json = v.to_json();
        (
            crate::limits::depth(&json),
            serde_json::to_string(&json).unwrap().len(),
        )
    }

    /// Sets `key` to `value` in the object at `path` (objects made on the way), through
    /// `object_mut`, as `ResultPath` does.
    fn put(v: &mut Val, path: &[String], key: &str, value: Val) {
        let mut at = v;
        for step in path {
            let Some(o) = at.object_mut() else { return };
            at = o.get_or_insert_with(step, || Val::object(Object::new()));
        }
        if let Some(o) = at.object_mut() {
            o.insert(key, value);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(if std::env::var_os("CI").is_some() { 64 } else { 256 }))]

        #[test]
        fn measurements_stay_right_as_shared_objects_are_copied_and_changed(
            start in super::super::tests::json_value(),
            changes in prop::collection::vec(
                (prop::collection::vec("[a-c]", 0..3), "[a-e]", super::super::tests::json_value()),
                0..6,
            ),
        ) {
            let mut history = vec![Val::from(&start)];
            for (path, key, value) in changes {
                let mut next = history.last().cloned().unwrap_or_default();
                // Measured before the change (so objects remember), as the interpreter
                // measures each state's output, then changed in a copy that shares them.
                prop_assert_eq!((next.depth(), next.json_len()), expected(&next));
                put(&mut next, &path, &key, Val::from(&value));
                history.push(next);
            }
            for v in &history {
                prop_assert_eq!((v.depth(), v.json_len()), expected(v));
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(if std::env::var_os("CI").is_some() { 64 } else { 256 }))]

        #[test]
        fn a_copy_with_a_member_set_measures_what_a_walk_of_it_does(
            start in prop::collection::vec(("[a-e]", super::super::tests::json_value()), 0..5),
            key in "[a-f]",
            value in super::super::tests::json_value(),
            measured in (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()),
        ) {
            let mut object = Object::new();
            for (k, v) in start {
                object.insert(k, Val::from(&v));
            }
            let (object, value) = (Val::object(object), Val::from(&value));
            // Either, both or neither measurement taken beforehand, of each.
            let (object_depth, object_len, value_depth, value_len) = measured;
            for (v, depth, len) in [(&object, object_depth, object_len), (&value, value_depth, value_len)] {
                if depth { v.depth(); }
                if len { v.json_len(); }
            }
            let Val::Object(o) = &object else { unreachable!() };
            let copy = Val::object(o.with_member(&key, value));
            prop_assert_eq!((copy.depth(), copy.json_len()), expected(&copy));
        }
    }

    #[test]
    fn a_copy_with_a_member_set_knows_its_depth_from_its_parts() {
        // A state's measured output {"value", "last": {...}} with "last" replaced by a new
        // template object, as a Pass chain's ResultPath does.
        let input = crate::val!({"value": 1, "last": {"v": 1}});
        assert_eq!(input.depth(), 2);
        let Val::Object(o) = &input else {
            unreachable!()
        };
        let copy = o.with_member("last", crate::val!({"v": 2, "i": 3}));
        assert!(copy.is_measured(), "known without a walk");
        assert_eq!(Val::object(copy).depth(), 2);
        // A new member deeper than the rest, and one beside a deeper member.
        let deeper = o.with_member("x", crate::val!({"a": {"b": {}}}));
        assert!(deeper.is_measured());
        assert_eq!(Val::object(deeper).depth(), 4);
        let beside = o.with_member("value", crate::val!("s"));
        assert!(beside.is_measured());
        assert_eq!(Val::object(beside).depth(), 2);
    }

    #[test]
    fn a_measured_object_remembers_until_it_changes_and_its_copy_too() {
        let mut v = crate::val!({"a": {"b": [1, 2]}, "s": "x"});
        assert_eq!(
            (v.depth(), v.json_len()),
            (3, r#"{"a":{"b":[1,2]},"s":"x"}"#.len())
        );
        let Val::Object(o) = &v else { unreachable!() };
        assert!(o.is_measured());
        let shared = v.clone();
        v.object_mut().unwrap().insert("s", crate::val!("longer"));
        let (Val::Object(changed), Val::Object(kept)) = (&v, &shared) else {
            unreachable!()
        };
        assert!(!changed.is_measured(), "a changed object forgets");
        assert!(kept.is_measured(), "the shared original still knows");
        assert!(
            Arc::ptr_eq(
                match changed.get("a") {
                    Some(Val::Object(a)) => a,
                    _ => unreachable!(),
                },
                match kept.get("a") {
                    Some(Val::Object(a)) => a,
                    _ => unreachable!(),
                }
            ),
            "the member beside the change is shared, with what it remembers"
        );
        assert_eq!(v.json_len(), r#"{"a":{"b":[1,2]},"s":"longer"}"#.len());
        assert_eq!(shared.json_len(), r#"{"a":{"b":[1,2]},"s":"x"}"#.len());
    }

    #[test]
    fn a_flat_objects_depth_is_one_and_remembered_and_a_nested_ones_is_walked() {
        for flat in [crate::val!({}), crate::val!({"a": 1, "b": "x", "c": null})] {
            let Val::Object(o) = &flat else {
                unreachable!()
            };
            assert!(!o.is_measured());
            assert_eq!(flat.depth(), 1);
            assert!(o.is_measured(), "remembered");
            assert_eq!(flat.depth(), 1);
        }
        let nested = crate::val!({"a": 1, "b": [], "c": {"d": {}}});
        assert_eq!(nested.depth(), 3);
        assert_eq!(crate::val!({"a": 1, "b": []}).depth(), 2);
    }

    #[test]
    fn deep_values_are_measured_without_recursion() {
        for wrap_in_objects in [false, true] {
            let mut v = Val::Null;
            for _ in 0..100_000 {
                v = if wrap_in_objects {
                    let mut o = Object::new();
                    o.insert("k", v);
                    Val::object(o)
                } else {
                    Val::array(vec![v])
                };
            }
            let per_level = if wrap_in_objects {
                r#"{"k":}"#.len()
            } else {
                2
            };
            assert_eq!(v.depth(), 100_000);
            assert_eq!(v.json_len(), 100_000 * per_level + 4);
            crate::limits::dispose(v);
        }
    }

    #[test]
    fn scalars_measure_as_serde_json_writes_them() {
        for json in [
            Value::Null,
            Value::from(true),
            Value::from(-12),
            Value::from(1.5e300),
            Value::from("quote \" and \u{1}"),
        ] {
            let v = Val::from(&json);
            assert_eq!((v.depth(), v.json_len()), expected(&v), "{json}");
        }
    }
}
