//! Filter conditions (`[?(@.price < 10)]`) and how they compare values (Jayway's rules).

use super::{JsonPath, Root};
use serde_json::Value;
use std::borrow::Cow;
use std::cmp::Ordering;

/// A filter condition.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    /// `@.x` alone: the candidate has that node (even if it is `null`).
    Exists(JsonPath),
    Compare(Operand, Op, Operand),
}

/// One side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Operand {
    /// `@...`, relative to the candidate, or `$...`, from the document's root.
    Path(JsonPath),
    Literal(Value),
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Expr {
    /// Whether the condition holds for `candidate` (the value `@` denotes); `$` denotes
    /// `document`, the value the whole path started from.
    pub(crate) fn holds(&self, candidate: &Value, document: &Value) -> bool {
        match self {
            Expr::Or(a, b) => a.holds(candidate, document) || b.holds(candidate, document),
            Expr::And(a, b) => a.holds(candidate, document) && b.holds(candidate, document),
            Expr::Not(e) => !e.holds(candidate, document),
            Expr::Exists(path) => match eval(path, candidate, document) {
                Some(value) => {
                    path.is_definite() || value.as_array().is_some_and(|a| !a.is_empty())
                }
                None => false,
            },
            Expr::Compare(left, op, right) => compare(
                left.resolve(candidate, document),
                *op,
                right.resolve(candidate, document),
            ),
        }
    }
}

impl Operand {
    /// The operand's value; `None` when a path selects nothing.
    fn resolve<'a>(&'a self, candidate: &'a Value, document: &'a Value) -> Option<Cow<'a, Value>> {
        match self {
            Operand::Path(path) => eval(path, candidate, document),
            Operand::Literal(value) => Some(Cow::Borrowed(value)),
        }
    }
}

/// A path inside a filter: from the candidate (`@`) or from the document (`$`).
fn eval<'a>(path: &JsonPath, candidate: &'a Value, document: &'a Value) -> Option<Cow<'a, Value>> {
    let start = if path.root == Root::Current {
        candidate
    } else {
        document
    };
    path.eval_in(start, document).ok()
}

/// Jayway's comparison: `==` compares numbers by value (a string operand is read as a number),
/// other values structurally; a missing operand equals nothing, so `!=` holds for it. `<` and
/// friends compare two numbers or two strings and are false for anything else.
fn compare(left: Option<Cow<'_, Value>>, op: Op, right: Option<Cow<'_, Value>>) -> bool {
    let (Some(left), Some(right)) = (left, right) else {
        return op == Op::Ne;
    };
    match op {
        Op::Eq => loose_eq(&left, &right),
        Op::Ne => !loose_eq(&left, &right),
        Op::Lt | Op::Le | Op::Gt | Op::Ge => {
            let ordering = match (&*left, &*right) {
                (Value::Number(a), Value::Number(b)) => number_cmp(a, b),
                (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
                _ => None,
            };
            match ordering {
                Some(Ordering::Less) => matches!(op, Op::Lt | Op::Le),
                Some(Ordering::Equal) => matches!(op, Op::Le | Op::Ge),
                Some(Ordering::Greater) => matches!(op, Op::Gt | Op::Ge),
                None => false,
            }
        }
    }
}

fn loose_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(n), Value::String(s)) | (Value::String(s), Value::Number(n)) => s
            .trim()
            .parse::<f64>()
            .is_ok_and(|parsed| n.as_f64() == Some(parsed)),
        _ => values_equal(a, b),
    }
}

/// JSON equality with numbers compared by value (`1 == 1.0`).
pub(crate) fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => number_cmp(x, y) == Some(Ordering::Equal),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| values_equal(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| values_equal(v, w)))
        }
        _ => a == b,
    }
}

/// Numbers by value: exactly when both are integers, else as `f64`.
fn number_cmp(a: &serde_json::Number, b: &serde_json::Number) -> Option<Ordering> {
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        return Some(x.cmp(&y));
    }
    if let (Some(x), Some(y)) = (a.as_u64(), b.as_u64()) {
        return Some(x.cmp(&y));
    }
    a.as_f64()?.partial_cmp(&b.as_f64()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn holds(filter: &str, candidate: Value) -> bool {
        let path = JsonPath::parse(&format!("$[?({filter})]")).unwrap();
        let super::super::Body::Indefinite(segments) = &path.body else {
            panic!("filters are indefinite");
        };
        let super::super::Segment::Filter(expr) = &segments[0] else {
            panic!("expected a filter");
        };
        expr.holds(&candidate, &candidate)
    }

    #[test]
    fn numbers_compare_by_value() {
        assert!(holds("@.a == 1", json!({"a": 1.0})));
        assert!(holds("@.a < 10", json!({"a": 9.5})));
        assert!(holds("@.a >= 10", json!({"a": 10})));
        assert!(!holds("@.a > 10", json!({"a": 10})));
        assert!(holds("@.a <= -1e2", json!({"a": -100})));
        assert!(holds(
            "@.a > 18446744073709551614",
            json!({"a": 18446744073709551615u64})
        ));
    }

    #[test]
    fn strings_compare_lexicographically() {
        assert!(holds("@.s == 'abc'", json!({"s": "abc"})));
        assert!(holds("@.s < \"abd\"", json!({"s": "abc"})));
        assert!(!holds("@.s < 5", json!({"s": "abc"})));
    }

    #[test]
    fn a_string_equals_the_number_it_spells() {
        assert!(holds("@.status == '0'", json!({"status": 0})));
        assert!(holds("@.status == 0", json!({"status": "0"})));
        assert!(!holds("@.status == 'x'", json!({"status": 0})));
    }

    #[test]
    fn booleans_and_null() {
        assert!(holds("@.b == true", json!({"b": true})));
        assert!(!holds("@.b == true", json!({"b": "true"})));
        assert!(holds("@.n == null", json!({"n": null})));
        assert!(!holds("@.n == null", json!({})));
    }

    #[test]
    fn missing_operands_equal_nothing() {
        assert!(!holds("@.x == 1", json!({})));
        assert!(holds("@.x != 1", json!({})));
        assert!(!holds("@.x < 1", json!({})));
    }

    #[test]
    fn existence_counts_null_as_present() {
        assert!(holds("@.x", json!({"x": null})));
        assert!(!holds("@.x", json!({"y": 1})));
        assert!(holds("!@.x", json!({"y": 1})));
        assert!(holds("@.a[*]", json!({"a": [1]})));
        assert!(!holds("@.a[*]", json!({"a": []})));
    }

    #[test]
    fn logic_and_parentheses() {
        let v = json!({"a": 1, "b": 2});
        assert!(holds("@.a == 1 && @.b == 2", v.clone()));
        assert!(!holds("@.a == 1 && @.b == 3", v.clone()));
        assert!(holds("@.a == 5 || @.b == 2", v.clone()));
        assert!(holds("!(@.a == 5 || @.b == 3)", v.clone()));
        // `&&` binds tighter than `||`.
        assert!(holds("@.a == 1 || @.b == 3 && @.a == 5", v));
    }

    #[test]
    fn arrays_and_objects_compare_structurally() {
        assert!(values_equal(
            &json!([1, {"a": 2.0}]),
            &json!([1.0, {"a": 2}])
        ));
        assert!(!values_equal(&json!({"a": 1}), &json!({"a": 1, "b": 2})));
    }
}
