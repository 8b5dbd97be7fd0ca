//! Filter conditions (`[?(@.price < 10)]`) and how they compare values (Jayway's rules).

use super::{JsonPath, Root};
use crate::value::Val;
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
    Literal(Val),
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
    pub(crate) fn holds(&self, candidate: &Val, document: &Val) -> bool {
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
    fn resolve<'a>(&'a self, candidate: &'a Val, document: &'a Val) -> Option<Cow<'a, Val>> {
        match self {
            Operand::Path(path) => eval(path, candidate, document),
            Operand::Literal(value) => Some(Cow::Borrowed(value)),
        }
    }
}

/// A path inside a filter: from the candidate (`@`) or from the document (`$`).
fn eval<'a>(path: &JsonPath, candidate: &'a Val, document: &'a Val) -> Option<Cow<'a, Val>> {
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
fn compare(left: Option<Cow<'_, Val>>, op: Op, right: Option<Cow<'_, Val>>) -> bool {
    let (Some(left), Some(right)) = (left, right) else {
        return op == Op::Ne;
    };
    match op {
        Op::Eq => loose_eq(&left, &right),
        Op::Ne => !loose_eq(&left, &right),
        Op::Lt | Op::Le | Op::Gt | Op::Ge => {
            let ordering = match (&*left, &*right) {
                (Val::Number(a), Val::Number(b)) => number_cmp(a, b),
                (Val::String(a), Val::String(b)) => Some(a.cmp(b)),
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

fn loose_eq(a: &Val, b: &Val) -> bool {
    match (a, b) {
        (Val::Number(n), Val::String(s)) | (Val::String(s), Val::Number(n)) => s
            .trim()
            .parse::<f64>()
            .is_ok_and(|parsed| n.as_f64() == Some(parsed)),
        _ => values_equal(a, b),
    }
}

/// JSON equality with numbers compared by value (`1 == 1.0`).
pub(crate) fn values_equal(a: &Val, b: &Val) -> bool {
    match (a, b) {
        (Val::Number(x), Val::Number(y)) => number_cmp(x, y) == Some(Ordering::Equal),
        (Val::Array(x), Val::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(a, b)| values_equal(a, b))
        }
        (Val::Object(x), Val::Object(y)) => {
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
    use crate::val;

    fn holds(filter: &str, candidate: Val) -> bool {
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
        assert!(holds("@.a == 1", val!({"a": 1.0})));
        assert!(holds("@.a < 10", val!({"a": 9.5})));
        assert!(holds("@.a >= 10", val!({"a": 10})));
        assert!(!holds("@.a > 10", val!({"a": 10})));
        assert!(holds("@.a <= -1e2", val!({"a": -100})));
        assert!(holds(
            "@.a > 18446744073709551614",
            val!({"a": 18446744073709551615u64})
        ));
    }

    #[test]
    fn strings_compare_lexicographically() {
        assert!(holds("@.s == 'abc'", val!({"s": "abc"})));
        assert!(holds("@.s < \"abd\"", val!({"s": "abc"})));
        assert!(!holds("@.s < 5", val!({"s": "abc"})));
    }

    #[test]
    fn a_string_equals_the_number_it_spells() {
        assert!(holds("@.status == '0'", val!({"status": 0})));
        assert!(holds("@.status == 0", val!({"status": "0"})));
        assert!(!holds("@.status == 'x'", val!({"status": 0})));
    }

    #[test]
    fn booleans_and_null() {
        assert!(holds("@.b == true", val!({"b": true})));
        assert!(!holds("@.b == true", val!({"b": "true"})));
        assert!(holds("@.n == null", val!({"n": null})));
        assert!(!holds("@.n == null", val!({})));
    }

    #[test]
    fn missing_operands_equal_nothing() {
        assert!(!holds("@.x == 1", val!({})));
        assert!(holds("@.x != 1", val!({})));
        assert!(!holds("@.x < 1", val!({})));
    }

    #[test]
    fn existence_counts_null_as_present() {
        assert!(holds("@.x", val!({"x": null})));
        assert!(!holds("@.x", val!({"y": 1})));
        assert!(holds("!@.x", val!({"y": 1})));
        assert!(holds("@.a[*]", val!({"a": [1]})));
        assert!(!holds("@.a[*]", val!({"a": []})));
    }

    #[test]
    fn logic_and_parentheses() {
        let v = val!({"a": 1, "b": 2});
        assert!(holds("@.a == 1 && @.b == 2", v.clone()));
        assert!(!holds("@.a == 1 && @.b == 3", v.clone()));
        assert!(holds("@.a == 5 || @.b == 2", v.clone()));
        assert!(holds("!(@.a == 5 || @.b == 3)", v.clone()));
        // `&&` binds tighter than `||`.
        assert!(holds("@.a == 1 || @.b == 3 && @.a == 5", v));
    }

    #[test]
    fn arrays_and_objects_compare_structurally() {
        assert!(values_equal(&val!([1, {"a": 2.0}]), &val!([1.0, {"a": 2}])));
        assert!(!values_equal(&val!({"a": 1}), &val!({"a": 1, "b": 2})));
    }
}
