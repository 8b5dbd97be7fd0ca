//! Nesting limits on JSON values and definitions, measured and enforced without recursion.
//!
//! Serializing, comparing, converting and dropping a JSON value (a `serde_json::Value` or the
//! interpreter's [`Val`]) recurse once per level, as do the path, template and validation
//! walks. A value parsed from text is safe (serde_json
//! refuses documents nested deeper than 127 levels), but a value built in code, a handler's
//! result, or state outputs that grow a level per loop iteration are not. The interpreter
//! therefore measures every execution input, every task result and every state output with the
//! iterative walks here, refuses values nested deeper than its limit with a precise error, and
//! drops refused values with [`dispose`]; the validator refuses definitions whose Parallel and
//! Map states or Choice rules nest deeper than [`MAX_SCOPE_NESTING`] and [`MAX_RULE_NESTING`].
//! Below those limits, every recursive walk of the crate stays far inside a 2 MiB thread stack.
//! Values handed directly to the path, template, intrinsic and Choice APIs are the caller's to
//! bound (check them with [`depth_exceeds`]); every value serde_json parses from text is.
//!
//! ```
//! use serde_json::{json, Value};
//! use workflow_core::limits::{depth_exceeds, dispose};
//!
//! assert!(!depth_exceeds(&json!({"a": [1]}), 2));
//! assert!(depth_exceeds(&json!({"a": [[1]]}), 2));
//! // 100,000 nested arrays: measured and dropped without exhausting the stack.
//! let mut deep = Value::Null;
//! for _ in 0..100_000 {
//!     deep = Value::Array(vec![deep]);
//! }
//! assert!(depth_exceeds(&deep, 1000));
//! dispose(deep);
//! ```

/// The longest string, in bytes, that an expression may make: an intrinsic function's result
/// or a JSONata value. It is V8's limit (2^29 - 24 UTF-16 code units), where JSONata's
/// reference implementation, on Node, stops with `RangeError: Invalid string length`; the
/// intrinsics take it too, so that no expression (`States.Format` with thousands of
/// placeholders over a large input, say) can exhaust memory before a payload limit is checked.
pub const MAX_STRING_BYTES: usize = (1 << 29) - 24;

use crate::asl::{ChoiceRule, State, StateMachine, States};
use crate::source::push_token;
use crate::value::Val;
use serde_json::Value;
use std::sync::Arc;

/// A JSON value the walks here measure: `serde_json::Value` (an execution's input, a value
/// built in code) and the interpreter's [`Val`].
pub trait Json: Sized {
    /// An iterator over the members of an array or an object.
    type Members<'a>: Iterator<Item = &'a Self>
    where
        Self: 'a;
    /// The members of an array or object (`None` for a scalar).
    fn members(&self) -> Option<Self::Members<'_>>;
    /// The members, owned, for dropping without recursion (none when they are shared).
    fn into_members(self) -> Vec<Self>;
    /// The bytes its compact JSON text spends on itself: a scalar's literal, or a container's
    /// brackets, commas, keys and colons (its members not included).
    fn own_len(&self) -> usize;
}

/// The members of an array (its items) or an object (its values).
pub enum Members<I, V> {
    /// An array's items.
    Items(I),
    /// An object's values.
    Values(V),
}

impl<'a, T: 'a, I: Iterator<Item = &'a T>, V: Iterator<Item = &'a T>> Iterator for Members<I, V> {
    type Item = &'a T;

    #[inline]
    fn next(&mut self) -> Option<&'a T> {
        match self {
            Members::Items(i) => i.next(),
            Members::Values(v) => v.next(),
        }
    }
}

impl Json for Value {
    type Members<'a> = Members<std::slice::Iter<'a, Value>, serde_json::map::Values<'a>>;

    fn members(&self) -> Option<Self::Members<'_>> {
        match self {
            Value::Array(items) => Some(Members::Items(items.iter())),
            Value::Object(map) => Some(Members::Values(map.values())),
            _ => None,
        }
    }

    fn into_members(self) -> Vec<Value> {
        match self {
            Value::Array(items) => items,
            Value::Object(map) => map.into_iter().map(|(_, v)| v).collect(),
            _ => Vec::new(),
        }
    }

    fn own_len(&self) -> usize {
        match self {
            Value::Null => 4,
            Value::Bool(b) => bool_len(*b),
            Value::Number(n) => number_len(n),
            Value::String(s) => string_len(s),
            Value::Array(items) => array_len(items.len()),
            Value::Object(map) => object_len(map.len(), map.keys().map(String::as_str)),
        }
    }
}

impl Json for Val {
    type Members<'a> = Members<std::slice::Iter<'a, Val>, crate::value::Values<'a>>;

    fn members(&self) -> Option<Self::Members<'_>> {
        match self {
            Val::Array(items) => Some(Members::Items(items.iter())),
            Val::Object(object) => Some(Members::Values(object.values())),
            _ => None,
        }
    }

    fn into_members(self) -> Vec<Val> {
        match self {
            Val::Array(items) => Arc::try_unwrap(items).unwrap_or_default(),
            Val::Object(object) => Arc::try_unwrap(object)
                .map(|o| o.into_members().map(|(_, v)| v).collect())
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    fn own_len(&self) -> usize {
        match self {
            Val::Null => 4,
            Val::Bool(b) => bool_len(*b),
            Val::Number(n) => number_len(n),
            Val::String(s) => string_len(s),
            Val::Array(items) => array_len(items.len()),
            Val::Object(object) => object_len(object.len(), object.keys().map(|k| &**k)),
        }
    }
}

/// The deepest nesting of arrays and objects an execution accepts in its input, in task results
/// and in state outputs (the default of `RunOptions::max_json_depth`). Twice what serde_json
/// parses from text (127 levels); the recursive walks of a value (clone, serialize, drop, paths)
/// take up to about 2 KiB of stack per level in a debug build, and overflowed a 2 MiB test
/// thread near 900 levels, so 256 leaves room for nested Map and Parallel states above them.
pub const MAX_JSON_DEPTH: usize = 256;

/// How deep Parallel branches and Map processors may nest (the machine's own states are level
/// 0). A definition read from text cannot nest deeper anyway (serde_json's recursion limit
/// allows about 40 levels of Map and 31 of Parallel); the limit bounds definitions built in code.
pub const MAX_SCOPE_NESTING: usize = 40;

/// How deep `And`, `Or` and `Not` may nest in one Choice rule (the top-level rule is level 1).
pub const MAX_RULE_NESTING: usize = 64;

/// The nesting depth of a value: 0 for a scalar, 1 for `[]` or `{"a": 1}`, 2 for `[[]]`.
pub fn depth<T: Json>(value: &T) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(value, 0usize)];
    while let Some((v, outer)) = stack.pop() {
        let here = push_children(&mut stack, v, outer);
        deepest = deepest.max(here);
    }
    deepest
}

/// Whether `value` nests deeper than `max` levels; stops at the first level past `max`.
pub fn depth_exceeds<T: Json>(value: &T, max: usize) -> bool {
    // Most state data is shallow: a recursive walk of at most `SHALLOW` levels answers without
    // a heap-allocated stack; anything deeper is walked again iteratively.
    match exceeds_shallow(value, max, SHALLOW) {
        Some(answer) => answer,
        None => exceeds_iteratively(value, max),
    }
}

/// How many levels [`depth_exceeds`] walks by recursion before it switches to its own stack.
const SHALLOW: usize = 32;

/// Whether `value` nests deeper than `max` levels, or `None` when it nests deeper than
/// `fuel` levels (a bounded recursion: at most `fuel` frames).
fn exceeds_shallow<T: Json>(value: &T, max: usize, fuel: usize) -> Option<bool> {
    match value.members() {
        Some(members) => members_exceed(members, max, fuel),
        None => Some(false),
    }
}

/// Whether a container with these members nests deeper than `max` levels (see
/// [`exceeds_shallow`]).
fn members_exceed<'a, T: Json + 'a>(
    members: impl Iterator<Item = &'a T>,
    max: usize,
    fuel: usize,
) -> Option<bool> {
    if max == 0 {
        return Some(true);
    }
    for member in members {
        let deeper = match member.members() {
            Some(_) if fuel == 0 => return None,
            Some(inner) => members_exceed(inner, max - 1, fuel - 1)?,
            None => false,
        };
        if deeper {
            return Some(true);
        }
    }
    Some(false)
}

fn exceeds_iteratively<T: Json>(value: &T, max: usize) -> bool {
    let mut stack = vec![(value, 0usize)];
    while let Some((v, outer)) = stack.pop() {
        if push_children(&mut stack, v, outer) > max {
            return true;
        }
    }
    false
}

/// Pushes the members of `v` (nested `outer` levels deep) and returns the level of `v` itself:
/// `outer + 1` for an array or object, `outer` for a scalar.
fn push_children<'a, T: Json>(stack: &mut Vec<(&'a T, usize)>, v: &'a T, outer: usize) -> usize {
    match v.members() {
        Some(members) => stack.extend(members.map(|i| (i, outer + 1))),
        None => return outer,
    }
    outer + 1
}

/// Drops a value of any depth without recursion (a plain drop recurses once per level).
pub fn dispose<T: Json>(value: T) {
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        stack.extend(v.into_members());
    }
}

/// Which limit a value broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Over {
    /// Its compact JSON text is longer than the byte limit.
    Bytes,
    /// It nests deeper than the depth limit.
    Depth,
}

/// Measures the compact JSON size (as `serde_json::to_string` writes it) and the depth of
/// `value` in one iterative walk, stopping at the first limit broken.
pub(crate) fn measure<T: Json>(
    value: &T,
    max_bytes: Option<usize>,
    max_depth: Option<usize>,
) -> Option<Over> {
    let Some(max_bytes) = max_bytes else {
        // Without a byte limit, only the depth is measured (it runs on every state's output).
        return match max_depth {
            Some(max) if depth_exceeds(value, max) => Some(Over::Depth),
            _ => None,
        };
    };
    let max_depth = max_depth.unwrap_or(usize::MAX);
    let mut bytes = 0usize;
    let mut stack = vec![(value, 0usize)];
    while let Some((v, outer)) = stack.pop() {
        if push_children(&mut stack, v, outer) > max_depth {
            return Some(Over::Depth);
        }
        bytes = bytes.saturating_add(v.own_len());
        if bytes > max_bytes {
            return Some(Over::Bytes);
        }
    }
    None
}

/// [`measure`] for the interpreter's own values, whose objects remember their measurements
/// ([`Val::depth`], [`Val::json_len`]): a state's output is measured by its new parts only.
/// The depth is checked first.
#[inline]
pub(crate) fn measure_val(
    value: &Val,
    max_bytes: Option<usize>,
    max_depth: Option<usize>,
) -> Option<Over> {
    if max_depth.is_some_and(|max| value.depth() > max) {
        return Some(Over::Depth);
    }
    if max_bytes.is_some_and(|max| value.json_len() > max) {
        return Some(Over::Bytes);
    }
    None
}

/// `true` or `false`.
fn bool_len(b: bool) -> usize {
    4 + usize::from(!b)
}

/// An array's brackets and commas.
fn array_len(items: usize) -> usize {
    2 + items.saturating_sub(1)
}

/// An object's braces, commas, quoted keys and colons.
fn object_len<'a>(members: usize, keys: impl Iterator<Item = &'a str>) -> usize {
    2 + members.saturating_sub(1) + keys.map(|k| string_len(k) + 1).sum::<usize>()
}

fn number_len(n: &serde_json::Number) -> usize {
    // Integers by their digits; only a float is written out (as serde_json writes it).
    let digits = |u: u64| u.checked_ilog10().map_or(1, |d| d as usize + 1);
    if let Some(u) = n.as_u64() {
        return digits(u);
    }
    if let Some(i) = n.as_i64() {
        return 1 + digits(i.unsigned_abs());
    }
    struct Count(usize);
    impl std::fmt::Write for Count {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            self.0 += s.len();
            Ok(())
        }
    }
    let mut c = Count(0);
    let _ = std::fmt::write(&mut c, format_args!("{n}"));
    c.0
}

/// The length of a string as a JSON literal, quotes and serde_json's escapes included.
fn string_len(s: &str) -> usize {
    // Most strings need no escape, and a plain count of the bytes that do is one fast pass.
    let escaped = s
        .bytes()
        .filter(|&b| b < 0x20 || b == b'"' || b == b'\\')
        .count();
    if escaped == 0 {
        return 2 + s.len();
    }
    2 + s.len()
        + s.bytes()
            .map(|b| match b {
                b'"' | b'\\' | b'\x08' | b'\x0c' | b'\n' | b'\r' | b'\t' => 1,
                0..=0x1f => 5,
                _ => 0,
            })
            .sum::<usize>()
}

/// Where a definition nests too deep: the pointer of the offending scope or rule, and the
/// message. Walks with an explicit stack and stops at the first level past a limit.
pub(crate) fn definition_too_deep(machine: &StateMachine) -> Option<(String, String)> {
    let mut scopes: Vec<(&States, String, usize)> = vec![(&machine.states, "/States".into(), 0)];
    while let Some((states, pointer, level)) = scopes.pop() {
        for (name, state) in states {
            let mut at = pointer.clone();
            push_token(&mut at, name);
            let children: Vec<(&States, String)> = match state {
                State::Parallel(p) => p
                    .branches
                    .iter()
                    .enumerate()
                    .map(|(i, b)| (&b.states, format!("{at}/Branches/{i}/States")))
                    .collect(),
                State::Map(m) => [
                    ("ItemProcessor", &m.item_processor),
                    ("Iterator", &m.iterator),
                ]
                .into_iter()
                .filter_map(|(f, p)| p.as_ref().map(|p| (&p.states, format!("{at}/{f}/States"))))
                .collect(),
                State::Choice(c) => {
                    for (i, rule) in c.choices.iter().enumerate() {
                        if let Some(deep) = rule_too_deep(rule) {
                            return Some((
                                format!("{at}/Choices/{i}{deep}"),
                                format!(
                                    "`And`, `Or` and `Not` nest more than {MAX_RULE_NESTING} levels deep here; at most {MAX_RULE_NESTING} are allowed"
                                ),
                            ));
                        }
                    }
                    Vec::new()
                }
                _ => Vec::new(),
            };
            for (states, child) in children {
                if level + 1 > MAX_SCOPE_NESTING {
                    return Some((
                        at,
                        format!(
                            "Parallel and Map states nest more than {MAX_SCOPE_NESTING} levels deep here; at most {MAX_SCOPE_NESTING} are allowed"
                        ),
                    ));
                }
                scopes.push((states, child, level + 1));
            }
        }
    }
    None
}

/// The relative pointer of the first rule nested past [`MAX_RULE_NESTING`], if any.
fn rule_too_deep(rule: &ChoiceRule) -> Option<String> {
    let mut stack = vec![(rule, String::new(), 1usize)];
    while let Some((r, at, level)) = stack.pop() {
        if level > MAX_RULE_NESTING {
            return Some(at);
        }
        for (field, rules) in [("And", &r.and), ("Or", &r.or)] {
            for (i, inner) in rules.iter().flatten().enumerate() {
                stack.push((inner, format!("{at}/{field}/{i}"), level + 1));
            }
        }
        if let Some(inner) = &r.not {
            stack.push((inner, format!("{at}/Not"), level + 1));
        }
    }
    None
}

/// Drops a definition of any nesting without recursion: nested scopes and rules are moved
/// out onto a worklist before their parents are dropped.
pub(crate) fn dispose_definition(machine: StateMachine) {
    let mut scopes = vec![machine.states];
    let mut rules: Vec<ChoiceRule> = Vec::new();
    while let Some(mut states) = scopes.pop() {
        for (_, state) in states.iter_mut() {
            match state {
                State::Parallel(p) => scopes.extend(
                    std::mem::take(&mut p.branches)
                        .into_iter()
                        .map(|b| b.states),
                ),
                State::Map(m) => scopes.extend(
                    [m.item_processor.take(), m.iterator.take()]
                        .into_iter()
                        .flatten()
                        .map(|p| p.states),
                ),
                State::Choice(c) => rules.append(&mut c.choices),
                _ => {}
            }
        }
        drop(states);
        while let Some(mut rule) = rules.pop() {
            rules.extend(rule.and.take().into_iter().flatten());
            rules.extend(rule.or.take().into_iter().flatten());
            if let Some(inner) = rule.not.take() {
                rules.push(*inner);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn measure_and_json_len_count_the_bytes_serde_json_writes() {
        for v in [
            json!(null),
            json!(true),
            json!(false),
            json!(-12),
            json!(18446744073709551615u64),
            json!(1.5e300),
            json!(0.1),
            json!("plain"),
            json!("quote \" backslash \\ newline \n tab \t bell \u{7} del \u{7f} é 😀"),
            json!([]),
            json!({}),
            json!([1, [2, {"k\"ey": [null, "x"]}], {}]),
            json!({"a": {"b": [1.25, -0.0, "\u{1f}"]}, "": ""}),
        ] {
            let n = serde_json::to_string(&v).unwrap().len();
            assert_eq!(Val::from(&v).json_len(), n, "{v}");
            assert_eq!(measure(&v, Some(n), None), None, "{v}");
            assert_eq!(measure(&v, Some(n - 1), None), Some(Over::Bytes), "{v}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(
            if std::env::var_os("CI").is_some() { 64 } else { 512 }
        ))]

        #[test]
        fn a_strings_length_is_that_of_serde_jsons_text(s in "(?s).{0,40}") {
            let v = Value::String(s);
            proptest::prop_assert_eq!(Val::from(&v).json_len(), serde_json::to_string(&v).unwrap().len());
        }
    }

    #[test]
    fn integers_are_measured_by_their_digits_at_every_power_of_ten() {
        let mut cases = vec![json!(0), json!(i64::MIN), json!(i64::MAX), json!(u64::MAX)];
        for p in 0..20u32 {
            let t = 10u64.pow(p);
            cases.extend([json!(t - 1), json!(t), json!(t + 1)]);
            if let Ok(i) = i64::try_from(t) {
                cases.extend([json!(-i), json!(-i + 1), json!(-i - 1)]);
            }
        }
        for v in cases {
            assert_eq!(Val::from(&v).json_len(), v.to_string().len(), "{v}");
        }
    }

    #[test]
    fn depth_counts_levels_of_arrays_and_objects() {
        assert_eq!(depth(&json!(1)), 0);
        assert_eq!(depth(&json!([])), 1);
        assert_eq!(depth(&json!([[]])), 2);
        assert_eq!(depth(&json!({"a": [[], {"b": [1]}]})), 4);
        assert_eq!(measure(&json!([[1]]), None, Some(2)), None);
        assert_eq!(measure(&json!([[[1]]]), None, Some(2)), Some(Over::Depth));
    }

    #[test]
    fn flat_values_are_judged_without_a_walk_with_the_same_answers() {
        // Scalars are level 0 and containers of scalars level 1: the shortcut's two cases.
        assert!(!depth_exceeds(&json!("s"), 0));
        assert!(depth_exceeds(&json!([1, "a", null]), 0));
        assert!(!depth_exceeds(&json!([1, "a", null]), 1));
        assert!(depth_exceeds(&json!({"a": 1, "b": true}), 0));
        assert!(!depth_exceeds(&json!({"a": 1, "b": true}), 1));
        assert!(depth_exceeds(&json!({"a": 1, "b": []}), 1));
        assert_eq!(measure(&json!({"a": 1}), None, Some(0)), Some(Over::Depth));
        assert_eq!(measure(&json!({"a": 1}), None, None), None);
    }

    fn deep_array(levels: usize) -> Value {
        let mut v = Value::Null;
        for _ in 0..levels {
            v = Value::Array(vec![v]);
        }
        v
    }

    #[test]
    fn the_recursive_shortcut_and_the_iterative_walk_agree_around_its_depth() {
        // Mixed objects and arrays, with a shallow sibling before the deep member, from below
        // to above the levels the shortcut walks by recursion.
        for levels in [
            SHALLOW - 2,
            SHALLOW - 1,
            SHALLOW,
            SHALLOW + 1,
            SHALLOW + 2,
            3 * SHALLOW,
        ] {
            let mut v = json!("leaf");
            for level in 0..levels {
                v = if level % 2 == 0 {
                    json!({"flat": 1, "deep": v})
                } else {
                    json!([{"x": 1}, v])
                };
            }
            assert_eq!(depth(&v), levels);
            for max in [0, 1, levels - 1, levels, levels + 1] {
                assert_eq!(
                    depth_exceeds(&v, max),
                    exceeds_iteratively(&v, max),
                    "{levels} levels, max {max}"
                );
                assert_eq!(depth_exceeds(&v, max), levels > max);
            }
        }
    }

    #[test]
    fn a_hundred_thousand_levels_are_measured_and_dropped_without_recursion() {
        let v = deep_array(100_000);
        assert_eq!(depth(&v), 100_000);
        assert!(depth_exceeds(&v, 99_999));
        assert!(!depth_exceeds(&v, 100_000));
        assert_eq!(measure(&v, None, Some(MAX_JSON_DEPTH)), Some(Over::Depth));
        assert_eq!(measure(&v, Some(1000), None), Some(Over::Bytes));
        assert_eq!(measure(&v, Some(2 * 100_000 + 4), None), None);
        assert_eq!(measure(&v, Some(2 * 100_000 + 3), None), Some(Over::Bytes));
        dispose(v);
    }
}
