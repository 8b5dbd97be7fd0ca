//! JSONPath-mode Choice rules, compiled once and evaluated per execution.
//!
//! [`Rule::compile`] turns an [`asl::ChoiceRule`](crate::asl::ChoiceRule) into a tree of
//! `And`/`Or`/`Not` nodes over comparisons whose literal operands are already parsed (numbers as
//! `f64`, timestamps as [`Timestamp`], `StringMatches` patterns split at their stars). The rule
//! is generic over the path type `P`, so this module does not depend on the JSONPath engine: the
//! caller compiles paths and resolves them.
//!
//! Semantics, as the service evaluates them (the `choice-operators` conformance cases pin most):
//! - A Variable whose value has another type than the operator expects makes the comparison
//!   false, not an error: `NumericEquals` on `"1"`, `BooleanEquals` on `0`, `StringEquals` on
//!   `null`, `TimestampEquals` on `"2023-02-24 12:15:56.832957"` are all false.
//! - A Variable that does not exist is a `States.Runtime` error for every operator except
//!   `IsPresent`, which is then false; guard with `IsPresent` inside an `And`, which stops at its
//!   first false rule (`Or` stops at its first true one).
//! - A `...Path` operand that does not exist is a `States.Runtime` error. One of the wrong type
//!   makes an `...EqualsPath` comparison false but is a `States.Runtime` error ("Invalid value
//!   provided at path") for the ordering ones (`LessThan`, `GreaterThanEquals`, ...), whatever
//!   the Variable holds. The corpus has no such case; this follows the behaviour that
//!   ManageIQ/floe recorded from the service in its `Choice` failure fixture.
//! - Numbers compare as IEEE doubles, so `1` equals `1.0`.
//! - Strings compare like Java's `String.compareTo`: by UTF-16 code units.
//! - Timestamps compare as instants (see [`crate::timestamp`]); a string that is not a valid
//!   timestamp makes the comparison false.
//! - `IsNull`, `IsNumeric`, `IsString`, `IsBoolean`, `IsTimestamp` test the JSON type (and for
//!   `IsTimestamp`, that the string parses); `false` as operand negates the test.
//!
//! ```
//! use std::borrow::Cow;
//! use workflow_core::val;
//! use workflow_core::value::Val;
//! use workflow_core::asl::ChoiceRule;
//! use workflow_core::choice::Rule;
//!
//! let rule: ChoiceRule = serde_json::from_value(serde_json::json!({
//!     "And": [
//!         {"Variable": "$.value", "IsPresent": true},
//!         {"Variable": "$.value", "NumericGreaterThanEquals": 20}
//!     ]
//! }))?;
//! // Here a path is its key; the interpreter compiles real JSONPath.
//! let rule = Rule::compile(&rule, &mut |path| Ok(path.trim_start_matches("$.").to_owned()))?;
//! let input = val!({"value": 22});
//! let resolve = |key: &String| Ok(input.get(key).map(Cow::Borrowed));
//! assert!(rule.evaluate(&resolve)?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod compile;
mod pattern;

use std::borrow::Cow;
use std::cmp::Ordering;

use crate::value::Val;

use crate::error::StatesError;
use crate::timestamp::Timestamp;
use pattern::Pattern;

/// What a path resolver returns: the value, `None` when the path does not exist, or an error.
pub type Resolved<'a> = Result<Option<Cow<'a, Val>>, StatesError>;

/// A compiled JSONPath-mode Choice rule (without its `Next`), generic over the path type `P`.
#[derive(Debug, Clone)]
pub struct Rule<P> {
    node: Node<P>,
}

impl<P> Rule<P> {
    /// Evaluates the rule. `resolve` returns `Ok(None)` when the path does not exist in the
    /// input; its errors (e.g. a `$$` path without a context) are passed through.
    pub fn evaluate<'a>(&self, resolve: &dyn Fn(&P) -> Resolved<'a>) -> Result<bool, StatesError> {
        self.node.evaluate(resolve)
    }

    /// Every path the rule reads (Variables and `...Path` operands), in document order.
    pub fn paths(&self) -> Vec<&P> {
        let mut paths = Vec::new();
        self.node.collect_paths(&mut paths);
        paths
    }
}

#[derive(Debug, Clone)]
enum Node<P> {
    And(Box<[Node<P>]>),
    Or(Box<[Node<P>]>),
    Not(Box<Node<P>>),
    Compare(Box<Comparison<P>>),
}

/// `Variable` with one operator.
#[derive(Debug, Clone)]
struct Comparison<P> {
    variable: Reference<P>,
    test: Test<P>,
}

/// A compiled path with its text, for error messages.
#[derive(Debug, Clone)]
struct Reference<P> {
    path: P,
    text: Box<str>,
}

#[derive(Debug, Clone)]
enum Test<P> {
    IsPresent(bool),
    /// `IsNull`, `IsNumeric`, ... with the expected answer.
    Is(TypeTest, bool),
    String(Cmp, Operand<P, Box<str>>),
    Numeric(Cmp, Operand<P, f64>),
    Boolean(Operand<P, bool>),
    Timestamp(Cmp, Operand<P, Timestamp>),
    Matches(Pattern),
}

/// The right-hand side of a comparison: a parsed literal or a `...Path` reference.
#[derive(Debug, Clone)]
enum Operand<P, T> {
    Literal(T),
    Path(Reference<P>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TypeTest {
    Null,
    Numeric,
    String,
    Boolean,
    Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Eq,
    Lt,
    Gt,
    Le,
    Ge,
}

type Resolver<'r, 'a, P> = &'r dyn Fn(&P) -> Resolved<'a>;

impl<P> Node<P> {
    fn evaluate<'a>(&self, resolve: Resolver<'_, 'a, P>) -> Result<bool, StatesError> {
        match self {
            Node::And(rules) => {
                for rule in rules.iter() {
                    if !rule.evaluate(resolve)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            Node::Or(rules) => {
                for rule in rules.iter() {
                    if rule.evaluate(resolve)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Node::Not(rule) => Ok(!rule.evaluate(resolve)?),
            Node::Compare(comparison) => comparison.evaluate(resolve),
        }
    }

    fn collect_paths<'s>(&'s self, paths: &mut Vec<&'s P>) {
        match self {
            Node::And(rules) | Node::Or(rules) => {
                rules.iter().for_each(|rule| rule.collect_paths(paths));
            }
            Node::Not(rule) => rule.collect_paths(paths),
            Node::Compare(comparison) => {
                paths.push(&comparison.variable.path);
                if let Some(reference) = comparison.test.reference() {
                    paths.push(&reference.path);
                }
            }
        }
    }
}

impl<P> Comparison<P> {
    fn evaluate<'a>(&self, resolve: Resolver<'_, 'a, P>) -> Result<bool, StatesError> {
        let Some(value) = resolve(&self.variable.path)? else {
            return match self.test {
                Test::IsPresent(expected) => Ok(!expected),
                _ => Err(invalid_path(&self.variable.text)),
            };
        };
        let value: &Val = &value;
        Ok(match &self.test {
            Test::IsPresent(expected) => *expected,
            Test::Is(test, expected) => test.holds(value) == *expected,
            Test::String(cmp, Operand::Literal(literal)) => value
                .as_str()
                .is_some_and(|s| cmp.holds(java_compare(s, literal))),
            Test::String(cmp, Operand::Path(reference)) => {
                let other = reference.resolve(resolve)?;
                match (value.as_str(), other.as_str()) {
                    (Some(s), Some(other)) => cmp.holds(java_compare(s, other)),
                    (_, None) if cmp.is_ordering() => return Err(invalid_value(&reference.text)),
                    _ => false,
                }
            }
            Test::Numeric(cmp, operand) => {
                match (value.as_f64(), operand.value(resolve, *cmp, Val::as_f64)?) {
                    (Some(n), Some(other)) => n.partial_cmp(&other).is_some_and(|o| cmp.holds(o)),
                    _ => false,
                }
            }
            Test::Boolean(operand) => {
                let other = operand.value(resolve, Cmp::Eq, Val::as_bool)?;
                value.as_bool().is_some_and(|b| Some(b) == other)
            }
            Test::Timestamp(cmp, operand) => {
                match (
                    as_timestamp(value),
                    operand.value(resolve, *cmp, as_timestamp)?,
                ) {
                    (Some(t), Some(other)) => cmp.holds(t.cmp(&other)),
                    _ => false,
                }
            }
            Test::Matches(pattern) => value.as_str().is_some_and(|s| pattern.matches(s)),
        })
    }
}

impl<P> Test<P> {
    fn reference(&self) -> Option<&Reference<P>> {
        match self {
            Test::String(_, Operand::Path(r))
            | Test::Numeric(_, Operand::Path(r))
            | Test::Boolean(Operand::Path(r))
            | Test::Timestamp(_, Operand::Path(r)) => Some(r),
            _ => None,
        }
    }
}

impl<P> Reference<P> {
    /// The referenced value; a path that does not exist is an error.
    fn resolve<'a>(&self, resolve: Resolver<'_, 'a, P>) -> Result<Cow<'a, Val>, StatesError> {
        resolve(&self.path)?.ok_or_else(|| invalid_path(&self.text))
    }
}

impl<P, T: Copy> Operand<P, T> {
    /// The literal, or the referenced value read by `read`. A referenced value of the wrong type
    /// is `None` for an equality, and an error for an ordering comparison.
    fn value(
        &self,
        resolve: Resolver<'_, '_, P>,
        cmp: Cmp,
        read: fn(&Val) -> Option<T>,
    ) -> Result<Option<T>, StatesError> {
        match self {
            Operand::Literal(literal) => Ok(Some(*literal)),
            Operand::Path(reference) => match read(&*reference.resolve(resolve)?) {
                None if cmp.is_ordering() => Err(invalid_value(&reference.text)),
                read => Ok(read),
            },
        }
    }
}

impl TypeTest {
    fn holds(self, value: &Val) -> bool {
        match self {
            TypeTest::Null => value.is_null(),
            TypeTest::Numeric => value.is_number(),
            TypeTest::String => value.is_string(),
            TypeTest::Boolean => value.is_boolean(),
            TypeTest::Timestamp => as_timestamp(value).is_some(),
        }
    }
}

impl Cmp {
    fn is_ordering(self) -> bool {
        self != Cmp::Eq
    }

    fn holds(self, ordering: Ordering) -> bool {
        match self {
            Cmp::Eq => ordering == Ordering::Equal,
            Cmp::Lt => ordering == Ordering::Less,
            Cmp::Gt => ordering == Ordering::Greater,
            Cmp::Le => ordering != Ordering::Greater,
            Cmp::Ge => ordering != Ordering::Less,
        }
    }
}

fn as_timestamp(value: &Val) -> Option<Timestamp> {
    value.as_str().and_then(Timestamp::parse)
}

fn invalid_path(text: &str) -> StatesError {
    StatesError::runtime(format!(
        "Invalid path '{text}': The choice state's condition path references an invalid value."
    ))
}

fn invalid_value(text: &str) -> StatesError {
    StatesError::runtime(format!("Invalid value provided at path '{text}'"))
}

/// Java's `String.compareTo`: lexicographic by UTF-16 code unit. UTF-8 byte order is code point
/// order, which differs only where a character above U+FFFF meets one in U+E000..=U+FFFF (a
/// surrogate pair sorts before the latter in UTF-16), so only the first differing characters
/// need a closer look.
fn java_compare(a: &str, b: &str) -> Ordering {
    let common = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    // The strings agree up to `common`, so the char boundary before it is shared.
    let start = (0..=common)
        .rev()
        .find(|&i| a.is_char_boundary(i))
        .unwrap_or(0);
    match (a[start..].chars().next(), b[start..].chars().next()) {
        (Some(x), Some(y)) => utf16_key(x).cmp(&utf16_key(y)),
        (x, y) => x.is_some().cmp(&y.is_some()),
    }
}

/// The first UTF-16 code unit of `c`, then the code point to order characters sharing it.
fn utf16_key(c: char) -> (u32, u32) {
    let code = u32::from(c);
    if code >= 0x1_0000 {
        (0xD800 + ((code - 0x1_0000) >> 10), code)
    } else {
        (code, 0)
    }
}

#[cfg(test)]
mod tests;
