//! Evaluating a parsed path against a value: definite paths walk borrowed values to one node,
//! indefinite paths collect the matches into an array.

use super::{Body, JsonPath, Root, Segment, Slice, Step};
use crate::value::{Object, Val};
use std::borrow::Cow;
use std::sync::Arc;

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
    #[inline]
    pub(crate) fn eval<'a>(&self, root: &'a Val) -> Result<Cow<'a, Val>, Miss> {
        self.eval_in(root, root)
    }

    /// Evaluates the path from `start`; `$` inside filters denotes `document`. Inlined, with
    /// `.name` alone (the commonest path) looked up in place: through the walk, the node came
    /// back through memory (pass-chain-1000 and parallel-fanout 3% to 4% slower,
    /// `scripts/bench-ab.sh`).
    #[inline]
    pub(crate) fn eval_in<'a>(
        &self,
        start: &'a Val,
        document: &'a Val,
    ) -> Result<Cow<'a, Val>, Miss> {
        match &self.body {
            Body::Definite(steps) => match (&steps[..], start) {
                ([Step::Name(name)], Val::Object(map)) => match map.get_key(name) {
                    Some(value) => Ok(Cow::Borrowed(value)),
                    None => Err(Miss::NoResults),
                },
                _ => walk(steps, start),
            },
            Body::Indefinite(segments) => {
                Ok(Cow::Owned(Val::array(collect(segments, start, document))))
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
pub(crate) fn kind<T: crate::privacy::Quotable>(value: &T) -> &'static str {
    match value.kind() {
        None => "null",
        Some("boolean") => "a boolean",
        Some("number") => "a number",
        Some("string") => "a string",
        Some("array") => "an array",
        Some(_) => "an object",
    }
}

/// A definite path: follow each step, borrowing; only a merge builds a new value.
fn walk<'a>(steps: &[Step], root: &'a Val) -> Result<Cow<'a, Val>, Miss> {
    let mut current = root;
    for (at, step) in steps.iter().enumerate() {
        let last = at + 1 == steps.len();
        current = match (step, current) {
            (Step::Name(name), Val::Object(map)) => match map.get_key(name) {
                Some(value) => value,
                None if last => return Err(Miss::NoResults),
                None => return Err(Miss::MissingProperty(at)),
            },
            (Step::Name(_), other) => return Err(Miss::NotAnObject(at, kind(other))),
            (Step::Index(index), Val::Array(items)) => {
                match resolve_index(*index, items.len()).and_then(|i| items.get(i)) {
                    Some(value) => value,
                    None => return Err(Miss::NoResults),
                }
            }
            (Step::Index(_), other) => return Err(Miss::NotAnArray(at, kind(other))),
            (Step::Merge(names), Val::Object(map)) => {
                return Ok(Cow::Owned(Val::object(merge(map, names))))
            }
            (Step::Merge(_), other) => return Err(Miss::NotAnObject(at, kind(other))),
            (Step::Function(_), _) => return Err(Miss::NoResults),
        };
    }
    Ok(Cow::Borrowed(current))
}

/// An indefinite path: the matches of each segment feed the next; misses are skipped.
fn collect(segments: &[Segment], root: &Val, document: &Val) -> Vec<Val> {
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
                .filter_map(Val::as_object)
                .filter(|map| !after_descend || names.iter().all(|n| map.contains_key(n)))
                .map(|map| Val::object(merge(map, names)))
                .collect()
        }
        None => frontier.into_iter().cloned().collect(),
    }
}

/// The matches of one segment on one node, appended to `out`. After `..`, a filter tests each
/// descendant object itself (the descent already visits array elements).
fn apply<'a>(
    segment: &Segment,
    node: &'a Val,
    after_descend: bool,
    document: &Val,
    out: &mut Vec<&'a Val>,
) {
    match (segment, node) {
        (Segment::Step(Step::Name(name)), Val::Object(map)) => out.extend(map.get_key(name)),
        (Segment::Step(Step::Index(index)), Val::Array(items)) => {
            out.extend(resolve_index(*index, items.len()).and_then(|i| items.get(i)))
        }
        (Segment::Names(names), Val::Object(map)) => {
            out.extend(names.iter().filter_map(|n| map.get(n)))
        }
        (Segment::Indexes(indexes), Val::Array(items)) => out.extend(
            indexes
                .iter()
                .filter_map(|i| resolve_index(*i, items.len()).and_then(|i| items.get(i))),
        ),
        (Segment::Slice(slice), Val::Array(items)) => {
            out.extend(slice_indexes(*slice, items.len()).map(|i| &items[i]))
        }
        (Segment::Wildcard, Val::Object(map)) => out.extend(map.values()),
        (Segment::Wildcard, Val::Array(items)) => out.extend(items.iter()),
        (Segment::Descend, _) => descend(node, out),
        // The service's `@` matches objects only, never scalars; on an object, Jayway tests the
        // object itself.
        (Segment::Filter(expr), Val::Array(items)) if !after_descend => out.extend(
            items
                .iter()
                .filter(|v| v.is_object() && expr.holds(v, document)),
        ),
        (Segment::Filter(expr), Val::Object(_)) if expr.holds(node, document) => out.push(node),
        // Everything else selects nothing: a name on a non-object, an index on a non-array,
        // a function (never supported), and a merge, which `collect` handles as the last segment.
        _ => {}
    }
}

/// The node and all objects and arrays below it, in document order (pre-order).
fn descend<'a>(node: &'a Val, out: &mut Vec<&'a Val>) {
    let mut stack = vec![node];
    while let Some(value) = stack.pop() {
        let children: Box<dyn DoubleEndedIterator<Item = &'a Val>> = match value {
            Val::Object(map) => Box::new(map.values()),
            Val::Array(items) => Box::new(items.iter()),
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
fn merge(map: &Object, names: &[Box<str>]) -> Object {
    names
        .iter()
        .filter_map(|n| map.get(n).map(|v| (Arc::from(&**n), v.clone())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::{JsonPath, Scope};
    use crate::error::names;
    use crate::val;
    use crate::value::Val;
    use std::borrow::Cow;

    fn select(path: &str, input: &Val) -> Val {
        JsonPath::parse(path)
            .unwrap()
            .select(&Scope::new(input))
            .unwrap()
            .into_owned()
    }

    fn cause(path: &str, input: &Val) -> String {
        let e = JsonPath::parse(path)
            .unwrap()
            .select(&Scope::new(input))
            .unwrap_err();
        assert_eq!(e.error, names::RUNTIME);
        e.cause
    }

    fn store() -> Val {
        val!({
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
        assert_eq!(*selected, val!({"color": "red", "price": 19.95}));
        assert_eq!(select("$", &input), input);
        assert_eq!(select("$.store.book[1].title", &input), val!("B"));
        assert_eq!(select("$.store.book[-1].title", &input), val!("D"));
        assert_eq!(
            select("$['store']['bicycle']['color']", &input),
            val!("red")
        );
    }

    #[test]
    fn null_is_a_value_not_a_miss() {
        assert_eq!(select("$.a", &val!({"a": null})), Val::Null);
    }

    #[test]
    fn missing_nodes_use_the_service_wording() {
        let input = val!({"int-literal": 0, "a": {"b": "s"}, "arr": [1]});
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
        let input = val!({"Jobs": [0, 1]});
        assert_eq!(
            cause("$.Jobs.sum()", &input),
            "Invalid path '$.Jobs.sum()' : No results for path: $['Jobs'].sum()"
        );
        assert_eq!(select("$.Jobs[*].length()", &input), val!([]));
    }

    #[test]
    fn indefinite_paths_select_arrays() {
        let input = store();
        assert_eq!(
            select("$.store.book[*].title", &input),
            val!(["A", "B", "C", "D"])
        );
        assert_eq!(select("$.store.book[1:3].title", &input), val!(["B", "C"]));
        assert_eq!(select("$.store.book[-1:].title", &input), val!(["D"]));
        assert_eq!(select("$.store.book[:2].title", &input), val!(["A", "B"]));
        assert_eq!(select("$.store.book[::2].title", &input), val!(["A", "C"]));
        assert_eq!(
            select("$.store.book[::-1].title", &input),
            val!(["D", "C", "B", "A"])
        );
        assert_eq!(
            select("$.store.book[3:0:-2].title", &input),
            val!(["D", "B"])
        );
        assert_eq!(
            select("$.store.book[0,2,9,-1].title", &input),
            val!(["A", "C", "D"])
        );
        assert_eq!(select("$.store.bicycle.*", &input), val!(["red", 19.95]));
        assert_eq!(
            select("$.store.book[?(@.isbn)].title", &input),
            val!(["A", "C"])
        );
        assert_eq!(
            select("$.store.book[?(@.price < 10)].title", &input),
            val!(["A", "C"])
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
            assert_eq!(select(path, &val!({"s": "text"})), val!([]), "{path}");
        }
        assert_eq!(select("$[*]", &val!({})), val!([]));
    }

    #[test]
    fn deep_scan_walks_in_document_order() {
        let input = store();
        assert_eq!(
            select("$..price", &input),
            val!([8.95, 12.99, 8.99, 22.99, 19.95])
        );
        assert_eq!(select("$..book[2].title", &input), val!(["C"]));
        let nested = val!({"a": 1, "b": {"a": 2, "c": [{"a": 3}]}});
        assert_eq!(select("$..a", &nested), val!([1, 2, 3]));
        assert_eq!(
            select("$..*", &val!({"x": {"y": 1}, "z": [2]})),
            val!([{"y": 1}, [2], 1, 2])
        );
        assert_eq!(select("$..[?(@.a == 3)]", &nested), val!([{"a": 3}]));
    }

    #[test]
    fn filters_can_compare_with_the_root() {
        let input = val!({"limit": 10, "items": [{"p": 5, "q": [{"p": 20}]}, {"p": 15}]});
        assert_eq!(select("$.items[?(@.p < $.limit)].p", &input), val!([5]));
        // `$` stays the document's root inside nested filters.
        assert_eq!(
            select("$.items[?(@.q[?(@.p > $.limit)])].p", &input),
            val!([5])
        );
    }

    #[test]
    fn filters_match_objects_only() {
        let input = val!({"xs": [1, "a", {"v": 1}, null, {"v": 2}]});
        assert_eq!(select("$.xs[?(@.v)]", &input), val!([{"v": 1}, {"v": 2}]));
        assert_eq!(select("$.xs[?(@.v != 1)]", &input), val!([{"v": 2}]));
        // On an object, the filter tests the object itself.
        assert_eq!(select("$[?(@.xs)]", &input), val!([input.clone()]));
    }

    #[test]
    fn unions_of_names() {
        let input = val!({"a": 1, "b": {"c": 2}, "d": {"c": 3}});
        // As the last segment: one object with the names that exist.
        let path = JsonPath::parse("$['a','x','b']").unwrap();
        assert!(path.is_definite());
        assert_eq!(
            select("$['a','x','b']", &input),
            val!({"a": 1, "b": {"c": 2}})
        );
        // Before other segments: each name.
        assert_eq!(select("$['b','d'].c", &input), val!([2, 3]));
        assert_eq!(select("$..['c']", &input), val!([2, 3]));
        assert_eq!(select("$..['c','a']", &input), val!([]));
        assert_eq!(select("$.*['c','z']", &input), val!([{"c": 2}, {"c": 3}]));
    }

    #[test]
    fn context_and_variables() {
        let input = val!({});
        let context = val!({"Execution": {"Input": {"k": "v"}}});
        let vars: crate::value::Object = val!({"answer": {"x": 42}}).into_object().unwrap();
        let scope = Scope::new(&input)
            .with_context(&context)
            .with_variables(&vars);
        let get = |p: &str| JsonPath::parse(p).unwrap().select(&scope);
        assert_eq!(*get("$$.Execution.Input.k").unwrap(), val!("v"));
        assert_eq!(*get("$answer.x").unwrap(), val!(42));
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
        let input = val!({"a": {"b": 1}});
        let scope = Scope::new(&input);
        let try_get = |p: &str| JsonPath::parse(p).unwrap().try_select(&scope);
        assert_eq!(try_get("$.a.b").as_deref(), Some(&val!(1)));
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
