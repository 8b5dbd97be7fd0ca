//! Evaluating a parsed path against a value: definite paths walk borrowed values to one node,
//! indefinite paths collect the matches into an array.

use super::{Body, JsonPath, Root, Segment, Slice, Step};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// Why a definite path selected nothing (indefinite paths never fail).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Miss {
    /// The last name or index does not exist (or a function, which never matches).
    NoResults,
    /// The name at this step, before the last, does not exist.
    MissingProperty(usize),
    /// The step at this index needs an object; the value there is of the named type.
    NotAnObject(usize, &'static str),
    /// The step at this index needs an array; the value there is of the named type.
    NotAnArray(usize, &'static str),
}

impl JsonPath {
    /// Evaluates the path from `root` (the value of `$`, `$$` or `$name`).
    pub(crate) fn eval<'a>(&self, root: &'a Value) -> Result<Cow<'a, Value>, Miss> {
        self.eval_in(root, root)
    }

    /// Evaluates the path from `start`; `$` inside filters denotes `document`.
    pub(crate) fn eval_in<'a>(
        &self,
        start: &'a Value,
        document: &'a Value,
    ) -> Result<Cow<'a, Value>, Miss> {
        match &self.body {
            Body::Definite(steps) => walk(steps, start),
            Body::Indefinite(segments) => {
                Ok(Cow::Owned(Value::Array(collect(segments, start, document))))
            }
        }
    }

    /// The service's wording for a miss, with the path in Jayway's normalized form
    /// (`$['a'][0]`).
    pub(crate) fn describe(&self, miss: &Miss) -> String {
        let Body::Definite(steps) = &self.body else {
            return format!("No results for path: {}", self.text);
        };
        let prefix = |end: usize| {
            let mut out = match &self.root {
                Root::Input => "$".to_owned(),
                Root::Context => "$$".to_owned(),
                Root::Variable(name) => format!("${name}"),
                Root::Current => "@".to_owned(),
            };
            for step in steps.iter().take(end) {
                out.push_str(&normalized(step));
            }
            out
        };
        let step = |at: usize| steps.get(at).map(normalized).unwrap_or_default();
        match *miss {
            Miss::NoResults => format!("No results for path: {}", prefix(steps.len())),
            Miss::MissingProperty(at) => format!("Missing property in path {}", prefix(at + 1)),
            Miss::NotAnObject(at, found) => format!(
                "Expected to find an object with property {} in path {} but found {found}",
                step(at),
                prefix(at)
            ),
            Miss::NotAnArray(at, found) => format!(
                "Expected to find an array for index {} in path {} but found {found}",
                step(at),
                prefix(at)
            ),
        }
    }
}

/// A step as Jayway prints it: `['name']`, `[0]`, `['a', 'b']`, `.length()`.
fn normalized(step: &Step) -> String {
    match step {
        Step::Name(name) => format!("['{name}']"),
        Step::Index(index) => format!("[{index}]"),
        Step::Merge(names) => format!("['{}']", names.join("', '")),
        Step::Function(name) => format!(".{name}()"),
    }
}

/// The JSON type of a value, for messages.
pub(crate) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A definite path: follow each step, borrowing; only a merge builds a new value.
fn walk<'a>(steps: &[Step], root: &'a Value) -> Result<Cow<'a, Value>, Miss> {
    let mut current = root;
    for (at, step) in steps.iter().enumerate() {
        let last = at + 1 == steps.len();
        current = match (step, current) {
            (Step::Name(name), Value::Object(map)) => match member(map, name) {
                Some(value) => value,
                None if last => return Err(Miss::NoResults),
                None => return Err(Miss::MissingProperty(at)),
            },
            (Step::Name(_), other) => return Err(Miss::NotAnObject(at, kind(other))),
            (Step::Index(index), Value::Array(items)) => {
                match resolve_index(*index, items.len()).and_then(|i| items.get(i)) {
                    Some(value) => value,
                    None => return Err(Miss::NoResults),
                }
            }
            (Step::Index(_), other) => return Err(Miss::NotAnArray(at, kind(other))),
            (Step::Merge(names), Value::Object(map)) => {
                return Ok(Cow::Owned(Value::Object(merge(map, names))))
            }
            (Step::Merge(_), other) => return Err(Miss::NotAnObject(at, kind(other))),
            (Step::Function(_), _) => return Err(Miss::NoResults),
        };
    }
    Ok(Cow::Borrowed(current))
}

/// Objects with at most this many members are searched by scanning their keys in order, which
/// is cheaper than hashing the name (SipHash); larger ones use the map's index.
const SCAN_UP_TO: usize = 8;

/// The member `name` of an object (see [`SCAN_UP_TO`]).
pub(crate) fn member<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    if map.len() <= SCAN_UP_TO {
        map.iter().find(|(k, _)| k.as_str() == name).map(|(_, v)| v)
    } else {
        map.get(name)
    }
}

/// The member `name` of an object, to change (see [`SCAN_UP_TO`]).
pub(crate) fn member_mut<'a>(map: &'a mut Map<String, Value>, name: &str) -> Option<&'a mut Value> {
    if map.len() <= SCAN_UP_TO {
        map.iter_mut()
            .find(|(k, _)| k.as_str() == name)
            .map(|(_, v)| v)
    } else {
        map.get_mut(name)
    }
}

/// An indefinite path: the matches of each segment feed the next; misses are skipped.
fn collect(segments: &[Segment], root: &Value, document: &Value) -> Vec<Value> {
    // A union of names is a merge only as the last segment; it builds new objects.
    let (body, merge_names) = match segments.split_last() {
        Some((Segment::Step(Step::Merge(names)), body)) => (body, Some(names)),
        _ => (segments, None),
    };
    let mut frontier = vec![root];
    let mut next = Vec::new();
    let mut after_descend = false;
    for segment in body {
        for node in frontier.drain(..) {
            apply(segment, node, after_descend, document, &mut next);
        }
        after_descend = matches!(segment, Segment::Descend);
        std::mem::swap(&mut frontier, &mut next);
    }
    match merge_names {
        Some(names) => {
            // After `..`, Jayway merges only the objects that have every name.
            let after_descend = matches!(body.last(), Some(Segment::Descend));
            frontier
                .into_iter()
                .filter_map(Value::as_object)
                .filter(|map| !after_descend || names.iter().all(|n| map.contains_key(&**n)))
                .map(|map| Value::Object(merge(map, names)))
                .collect()
        }
        None => frontier.into_iter().cloned().collect(),
    }
}

/// The matches of one segment on one node, appended to `out`. After `..`, a filter tests each
/// descendant object itself (the descent already visits array elements).
fn apply<'a>(
    segment: &Segment,
    node: &'a Value,
    after_descend: bool,
    document: &Value,
    out: &mut Vec<&'a Value>,
) {
    match (segment, node) {
        (Segment::Step(Step::Name(name)), Value::Object(map)) => out.extend(member(map, name)),
        (Segment::Step(Step::Index(index)), Value::Array(items)) => {
            out.extend(resolve_index(*index, items.len()).and_then(|i| items.get(i)))
        }
        (Segment::Names(names), Value::Object(map)) => {
            out.extend(names.iter().filter_map(|n| map.get(&**n)))
        }
        (Segment::Indexes(indexes), Value::Array(items)) => out.extend(
            indexes
                .iter()
                .filter_map(|i| resolve_index(*i, items.len()).and_then(|i| items.get(i))),
        ),
        (Segment::Slice(slice), Value::Array(items)) => {
            out.extend(slice_indexes(*slice, items.len()).map(|i| &items[i]))
        }
        (Segment::Wildcard, Value::Object(map)) => out.extend(map.values()),
        (Segment::Wildcard, Value::Array(items)) => out.extend(items.iter()),
        (Segment::Descend, _) => descend(node, out),
        // The service's `@` matches objects only, never scalars; on an object, Jayway tests the
        // object itself.
        (Segment::Filter(expr), Value::Array(items)) if !after_descend => out.extend(
            items
                .iter()
                .filter(|v| v.is_object() && expr.holds(v, document)),
        ),
        (Segment::Filter(expr), Value::Object(_)) if expr.holds(node, document) => out.push(node),
        // Everything else selects nothing: a name on a non-object, an index on a non-array,
        // a function (never supported), and a merge, which `collect` handles as the last segment.
        _ => {}
    }
}

/// The node and all objects and arrays below it, in document order (pre-order).
fn descend<'a>(node: &'a Value, out: &mut Vec<&'a Value>) {
    let mut stack = vec![node];
    while let Some(value) = stack.pop() {
        let children: Box<dyn DoubleEndedIterator<Item = &'a Value>> = match value {
            Value::Object(map) => Box::new(map.values()),
            Value::Array(items) => Box::new(items.iter()),
            _ => continue,
        };
        out.push(value);
        stack.extend(children.rev().filter(|c| c.is_object() || c.is_array()));
    }
}

/// `index` counted from the end when negative; `None` when out of range.
fn resolve_index(index: i64, len: usize) -> Option<usize> {
    let resolved = if index < 0 {
        i64::try_from(len).ok()?.checked_add(index)?
    } else {
        index
    };
    usize::try_from(resolved).ok().filter(|i| *i < len)
}

/// The indexes a slice selects, Python-style (negative bounds count from the end; a negative
/// step walks backwards).
fn slice_indexes(slice: Slice, len: usize) -> impl Iterator<Item = usize> {
    let len = i64::try_from(len).unwrap_or(i64::MAX);
    let step = slice.step.unwrap_or(1);
    let bound = |value: i64, low: i64, high: i64| {
        let value = if value < 0 {
            value.saturating_add(len)
        } else {
            value
        };
        value.clamp(low, high)
    };
    let (mut i, end) = if step > 0 {
        (
            slice.start.map_or(0, |s| bound(s, 0, len)),
            slice.end.map_or(len, |e| bound(e, 0, len)),
        )
    } else {
        (
            slice.start.map_or(len - 1, |s| bound(s, -1, len - 1)),
            slice.end.map_or(-1, |e| bound(e, -1, len - 1)),
        )
    };
    std::iter::from_fn(move || {
        let inside = if step > 0 { i < end } else { i > end };
        if !inside {
            return None;
        }
        let current = i;
        i = i.saturating_add(step);
        usize::try_from(current).ok()
    })
}

/// An object with those of `names` that `map` has, in the order of `names`.
fn merge(map: &Map<String, Value>, names: &[Box<str>]) -> Map<String, Value> {
    names
        .iter()
        .filter_map(|n| map.get(&**n).map(|v| (n.to_string(), v.clone())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::{JsonPath, Scope};
    use crate::error::names;
    use serde_json::{json, Value};
    use std::borrow::Cow;

    #[test]
    fn members_are_found_by_scanning_small_objects_and_hashing_large_ones_alike() {
        for size in [0, 1, super::SCAN_UP_TO, super::SCAN_UP_TO + 1, 40] {
            let mut map: serde_json::Map<String, Value> =
                (0..size).map(|i| (format!("k{i}"), json!(i))).collect();
            for name in (0..=size).map(|i| format!("k{i}")) {
                let expected = map.get(&name).cloned();
                assert_eq!(
                    super::member(&map, &name).cloned(),
                    expected,
                    "{size} {name}"
                );
                if let Some(v) = super::member_mut(&mut map, &name) {
                    *v = json!("changed");
                }
                let changed = expected.map(|_| json!("changed"));
                assert_eq!(map.get(&name).cloned(), changed, "{size} {name}");
            }
        }
    }

    fn select(path: &str, input: &Value) -> Value {
        JsonPath::parse(path)
            .unwrap()
            .select(&Scope::new(input))
            .unwrap()
            .into_owned()
    }

    fn cause(path: &str, input: &Value) -> String {
        let e = JsonPath::parse(path)
            .unwrap()
            .select(&Scope::new(input))
            .unwrap_err();
        assert_eq!(e.error, names::RUNTIME);
        e.cause
    }

    fn store() -> Value {
        json!({
            "store": {
                "book": [
                    {"title": "A", "price": 8.95, "isbn": "1"},
                    {"title": "B", "price": 12.99},
                    {"title": "C", "price": 8.99, "isbn": "3"},
                    {"title": "D", "price": 22.99}
                ],
                "bicycle": {"color": "red", "price": 19.95}
            }
        })
    }

    #[test]
    fn definite_paths_borrow_the_node() {
        let input = store();
        let path = JsonPath::parse("$.store.bicycle").unwrap();
        let selected = path.select(&Scope::new(&input)).unwrap();
        assert!(matches!(selected, Cow::Borrowed(_)));
        assert_eq!(*selected, json!({"color": "red", "price": 19.95}));
        assert_eq!(select("$", &input), input);
        assert_eq!(select("$.store.book[1].title", &input), json!("B"));
        assert_eq!(select("$.store.book[-1].title", &input), json!("D"));
        assert_eq!(
            select("$['store']['bicycle']['color']", &input),
            json!("red")
        );
    }

    #[test]
    fn null_is_a_value_not_a_miss() {
        assert_eq!(select("$.a", &json!({"a": null})), Value::Null);
    }

    #[test]
    fn missing_nodes_use_the_service_wording() {
        let input = json!({"int-literal": 0, "a": {"b": "s"}, "arr": [1]});
        // Recorded cases 032 and 033.
        assert_eq!(
            cause("$.NoSuchInputPath", &input),
            "Invalid path '$.NoSuchInputPath' : No results for path: $['NoSuchInputPath']"
        );
        // Recorded case 703.
        assert_eq!(
            cause("$.no.such.result.path", &input),
            "Invalid path '$.no.such.result.path' : Missing property in path $['no']"
        );
        assert_eq!(
            cause("$.arr[3]", &input),
            "Invalid path '$.arr[3]' : No results for path: $['arr'][3]"
        );
        assert_eq!(
            cause("$.a.b.c", &input),
            "Invalid path '$.a.b.c' : Expected to find an object with property ['c'] in path \
             $['a']['b'] but found a string"
        );
        assert_eq!(
            cause("$.a[0]", &input),
            "Invalid path '$.a[0]' : Expected to find an array for index [0] in path $['a'] \
             but found an object"
        );
    }

    #[test]
    fn functions_never_match() {
        let input = json!({"Jobs": [0, 1]});
        assert_eq!(
            cause("$.Jobs.sum()", &input),
            "Invalid path '$.Jobs.sum()' : No results for path: $['Jobs'].sum()"
        );
        assert_eq!(select("$.Jobs[*].length()", &input), json!([]));
    }

    #[test]
    fn indefinite_paths_select_arrays() {
        let input = store();
        assert_eq!(
            select("$.store.book[*].title", &input),
            json!(["A", "B", "C", "D"])
        );
        assert_eq!(select("$.store.book[1:3].title", &input), json!(["B", "C"]));
        assert_eq!(select("$.store.book[-1:].title", &input), json!(["D"]));
        assert_eq!(select("$.store.book[:2].title", &input), json!(["A", "B"]));
        assert_eq!(select("$.store.book[::2].title", &input), json!(["A", "C"]));
        assert_eq!(
            select("$.store.book[::-1].title", &input),
            json!(["D", "C", "B", "A"])
        );
        assert_eq!(
            select("$.store.book[3:0:-2].title", &input),
            json!(["D", "B"])
        );
        assert_eq!(
            select("$.store.book[0,2,9,-1].title", &input),
            json!(["A", "C", "D"])
        );
        assert_eq!(select("$.store.bicycle.*", &input), json!(["red", 19.95]));
        assert_eq!(
            select("$.store.book[?(@.isbn)].title", &input),
            json!(["A", "C"])
        );
        assert_eq!(
            select("$.store.book[?(@.price < 10)].title", &input),
            json!(["A", "C"])
        );
    }

    #[test]
    fn indefinite_paths_never_fail() {
        // Recorded cases 011-022: wildcards and slices on missing input give [].
        for path in [
            "$.item.items[*]",
            "$.item.items[1:5].itemValue",
            "$.items[1:]",
            "$.items[:1].itemValue",
            "$.nothing[*]",
            "$..x",
            "$.a[?(@.b)]",
            "$.s[*]",
            "$.s[0,1]",
        ] {
            assert_eq!(select(path, &json!({"s": "text"})), json!([]), "{path}");
        }
        assert_eq!(select("$[*]", &json!({})), json!([]));
    }

    #[test]
    fn deep_scan_walks_in_document_order() {
        let input = store();
        assert_eq!(
            select("$..price", &input),
            json!([8.95, 12.99, 8.99, 22.99, 19.95])
        );
        assert_eq!(select("$..book[2].title", &input), json!(["C"]));
        let nested = json!({"a": 1, "b": {"a": 2, "c": [{"a": 3}]}});
        assert_eq!(select("$..a", &nested), json!([1, 2, 3]));
        assert_eq!(
            select("$..*", &json!({"x": {"y": 1}, "z": [2]})),
            json!([{"y": 1}, [2], 1, 2])
        );
        assert_eq!(select("$..[?(@.a == 3)]", &nested), json!([{"a": 3}]));
    }

    #[test]
    fn filters_can_compare_with_the_root() {
        let input = json!({"limit": 10, "items": [{"p": 5, "q": [{"p": 20}]}, {"p": 15}]});
        assert_eq!(select("$.items[?(@.p < $.limit)].p", &input), json!([5]));
        // `$` stays the document's root inside nested filters.
        assert_eq!(
            select("$.items[?(@.q[?(@.p > $.limit)])].p", &input),
            json!([5])
        );
    }

    #[test]
    fn filters_match_objects_only() {
        let input = json!({"xs": [1, "a", {"v": 1}, null, {"v": 2}]});
        assert_eq!(select("$.xs[?(@.v)]", &input), json!([{"v": 1}, {"v": 2}]));
        assert_eq!(select("$.xs[?(@.v != 1)]", &input), json!([{"v": 2}]));
        // On an object, the filter tests the object itself.
        assert_eq!(select("$[?(@.xs)]", &input), json!([input.clone()]));
    }

    #[test]
    fn unions_of_names() {
        let input = json!({"a": 1, "b": {"c": 2}, "d": {"c": 3}});
        // As the last segment: one object with the names that exist.
        let path = JsonPath::parse("$['a','x','b']").unwrap();
        assert!(path.is_definite());
        assert_eq!(
            select("$['a','x','b']", &input),
            json!({"a": 1, "b": {"c": 2}})
        );
        // Before other segments: each name.
        assert_eq!(select("$['b','d'].c", &input), json!([2, 3]));
        assert_eq!(select("$..['c']", &input), json!([2, 3]));
        assert_eq!(select("$..['c','a']", &input), json!([]));
        assert_eq!(select("$.*['c','z']", &input), json!([{"c": 2}, {"c": 3}]));
    }

    #[test]
    fn context_and_variables() {
        let input = json!({});
        let context = json!({"Execution": {"Input": {"k": "v"}}});
        let vars: serde_json::Map<String, Value> =
            serde_json::from_value(json!({"answer": {"x": 42}})).unwrap();
        let scope = Scope::new(&input)
            .with_context(&context)
            .with_variables(&vars);
        let get = |p: &str| JsonPath::parse(p).unwrap().select(&scope);
        assert_eq!(*get("$$.Execution.Input.k").unwrap(), json!("v"));
        assert_eq!(*get("$answer.x").unwrap(), json!(42));
        assert_eq!(
            get("$nope").unwrap_err().cause,
            "Invalid path '$nope' : the variable 'nope' is not defined"
        );
        let bare = Scope::new(&input);
        assert_eq!(
            JsonPath::parse("$$.Execution")
                .unwrap()
                .select(&bare)
                .unwrap_err()
                .cause,
            "Invalid path '$$.Execution' : the context object is not available here"
        );
        // Recorded case 029.
        assert_eq!(
            get("$$.Execution.Input.no_such_jsonpath")
                .unwrap_err()
                .error,
            names::RUNTIME
        );
    }

    #[test]
    fn try_select_is_none_when_missing() {
        let input = json!({"a": {"b": 1}});
        let scope = Scope::new(&input);
        let try_get = |p: &str| JsonPath::parse(p).unwrap().try_select(&scope);
        assert_eq!(try_get("$.a.b").as_deref(), Some(&json!(1)));
        assert!(try_get("$.a.c").is_none());
        assert!(try_get("$.x.y").is_none());
        assert!(try_get("$$.Execution").is_none());
        assert!(try_get("$v").is_none());
    }

    #[test]
    fn classification() {
        let p = |t: &str| JsonPath::parse(t).unwrap();
        assert!(p("$.a[0]['b']").is_reference());
        assert!(p("$").is_reference() && p("$").is_root());
        assert!(!p("$.a").is_root());
        assert!(!p("$.a[*]").is_reference());
        assert!(!p("$['a','b']").is_reference());
        assert!(p("$['a','b']").is_definite());
        assert!(!p("$.a.length()").is_reference());
        assert!(p("$$.Map.Item.Value").references_context());
        assert!(!p("$.a").references_context());
        assert_eq!(p("$v.x").variable(), Some("v"));
        assert_eq!(p("$['a b']").as_str(), "$['a b']");
    }
}
