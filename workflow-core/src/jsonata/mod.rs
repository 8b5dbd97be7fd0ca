//! JSONata, the query language of `QueryLanguage: "JSONata"` states, as the service runs it:
//! JSONata 2.0 (no `??`/`?:` operators) without `$eval`, plus the service's functions
//! `$partition`, `$range`, `$hash`, `$random(seed)`, `$uuid` and `$parse`.
//!
//! An expression is parsed once and evaluated many times. Evaluation borrows the input and
//! (with [`Expression::evaluate_borrowed`]) the variables instead of copying them.
//!
//! Conformance: 1409 of the 1684 cases of the JSONata project's own test suite pass
//! (`tests/jsonata_suite.rs`). Not implemented: the parent operator `%`, the `@`/`#` binding
//! operators, `$toMillis` and `$parseInteger` with pictures, `$formatNumber` options, custom
//! matcher functions; `??` and `?:` are JSONata 2.1 and rejected, as the service rejects them.
//!
//! ```
//! use serde_json::json;
//! use workflow_core::jsonata::Expression;
//!
//! let expr = Expression::parse("$sum($states.input.items.price) * $rate").unwrap();
//! let states = json!({"input": {"items": [{"price": 2}, {"price": 3}]}});
//! let vars = |name: &str| match name {
//!     "states" => Some(states.clone()),
//!     "rate" => Some(json!(10)),
//!     _ => None,
//! };
//! assert_eq!(expr.evaluate(&json!(null), &vars).unwrap(), Some(json!(50)));
//! ```

mod ast;
mod datetime;
mod eval;
mod format;
mod functions;
mod hash;
mod lexer;
mod parser;
mod signature;
mod value;

use std::collections::BTreeSet;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

use ast::{Kind, Node};
use eval::{Evaluator, Frame};
use value::{Arr, Val};

/// The error code of an expression whose result is a function (the service reports
/// "returned an unsupported result type").
pub const UNSUPPORTED_RESULT: &str = "UnsupportedResult";

/// The error code of an expression that would make a string longer than JSONata's reference
/// implementation can hold (2^29 - 24 code units on Node): the name of the error it throws,
/// which has no JSONata code.
pub const STRING_TOO_LONG: &str = "RangeError";

/// A syntax or evaluation error: JSONata's error code (`S0202`, `T2001`, `D3030`...), a
/// message, and the byte offset in the expression text where it was detected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (code {code}, at offset {position})")]
pub struct JsonataError {
    /// JSONata's error code; [`UNSUPPORTED_RESULT`] for a function result.
    pub code: String,
    /// What went wrong.
    pub message: String,
    /// Byte offset into the expression text.
    pub position: usize,
}

impl JsonataError {
    pub(crate) fn new(code: &str, message: impl Into<String>, position: usize) -> Self {
        JsonataError {
            code: code.to_string(),
            message: message.into(),
            position,
        }
    }

    /// Whether the expression evaluated to a function, which has no JSON form.
    pub fn is_unsupported_result(&self) -> bool {
        self.code == UNSUPPORTED_RESULT
    }
}

/// A parsed JSONata expression (the text between `{%` and `%}`).
#[derive(Debug)]
pub struct Expression {
    text: String,
    root: Node,
    /// Names of the variables the expression reads (without `$`), fetched from the bindings
    /// once per evaluation.
    variables: Vec<String>,
}

/// The expression inside `{% ... %}`, if `text` is one: it must start with `{%` and end with
/// `%}`, without surrounding spaces.
pub fn strip_delimiters(text: &str) -> Option<&str> {
    text.strip_prefix("{%")?.strip_suffix("%}")
}

impl Expression {
    /// Parses an expression; functions the service disallows (`$eval`) are rejected here.
    pub fn parse(text: &str) -> Result<Expression, JsonataError> {
        let root = parser::parse(text)?;
        let mut variables = BTreeSet::new();
        collect_variables(&root, &mut variables)?;
        Ok(Expression {
            text: text.to_string(),
            root,
            variables: variables.into_iter().collect(),
        })
    }

    /// The expression text as given to [`Expression::parse`].
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Names (without `$`) of the variables the expression reads, such as `states`.
    pub fn variables(&self) -> &[String] {
        &self.variables
    }

    /// Evaluates against `input` (the context `$`); `bindings` supplies variables by name
    /// without the `$` (`states`, user variables). `Ok(None)` is JSONata's undefined.
    pub fn evaluate(
        &self,
        input: &Value,
        bindings: &dyn Fn(&str) -> Option<Value>,
    ) -> Result<Option<Value>, JsonataError> {
        self.evaluate_with(Some(input), bindings)
    }

    /// Like [`Expression::evaluate`]; `None` leaves the context `$` undefined.
    pub fn evaluate_with(
        &self,
        input: Option<&Value>,
        bindings: &dyn Fn(&str) -> Option<Value>,
    ) -> Result<Option<Value>, JsonataError> {
        let owned: Vec<(&str, Value)> = self
            .variables
            .iter()
            .filter_map(|name| bindings(name).map(|v| (name.as_str(), v)))
            .collect();
        let lookup = |name: &str| owned.iter().find(|(n, _)| *n == name).map(|(_, v)| v);
        self.evaluate_borrowed(input, &lookup)
    }

    /// Like [`Expression::evaluate_with`], with variables lent instead of given: nothing is
    /// cloned, so large values such as `states` cost nothing to pass.
    pub fn evaluate_borrowed<'v>(
        &self,
        input: Option<&'v Value>,
        bindings: &dyn Fn(&str) -> Option<&'v Value>,
    ) -> Result<Option<Value>, JsonataError> {
        let globals: Vec<(&str, &Value)> = self
            .variables
            .iter()
            .filter_map(|name| bindings(name).map(|v| (name.as_str(), v)))
            .collect();
        let root = match input {
            None => Val::Undef,
            Some(array @ Value::Array(_)) => Val::Arr(Rc::new(Arr {
                items: vec![Val::Json(array)],
                seq: true,
                outer: true,
                ..Arr::default()
            })),
            Some(other) => Val::Json(other),
        };
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let evaluator = Evaluator::new(
            &globals,
            root.clone(),
            now.as_millis() as i64,
            seed(now.as_nanos()),
        );
        let result = evaluator.eval(&self.root, &root, &Frame::root())?;
        match result {
            Val::Undef => Ok(None),
            Val::Func(_) => Err(JsonataError::new(
                UNSUPPORTED_RESULT,
                "the expression evaluated to a function, which has no JSON value",
                0,
            )),
            value => value.to_json().map(Some),
        }
    }
}

/// A different seed for every evaluation.
fn seed(nanos: u128) -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    (nanos as u64)
        ^ count.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (std::process::id() as u64).rotate_left(32)
}

/// Gathers variable names; rejects the functions the service disallows.
fn collect_variables(node: &Node, out: &mut BTreeSet<String>) -> Result<(), JsonataError> {
    let mut children: Vec<&Node> = Vec::new();
    match &node.kind {
        Kind::Var(name) => {
            if functions::DISALLOWED.contains(&name.as_str()) {
                return Err(JsonataError::new(
                    "S0218",
                    format!("the function `${name}` is not supported by Step Functions (use `$parse` to read JSON text)"),
                    node.pos,
                ));
            }
            if !name.is_empty() && name != "$" {
                out.insert(name.clone());
            }
        }
        Kind::Path { steps, .. } => children.extend(steps),
        Kind::Neg(n) | Kind::Bind(_, n) => children.push(n),
        Kind::Array(items) | Kind::Block(items) => children.extend(items),
        Kind::Object(pairs) => children.extend(pairs.iter().flat_map(|(k, v)| [k, v])),
        Kind::Binary(_, l, r) | Kind::Apply(l, r) => children.extend([&**l, &**r]),
        Kind::Condition {
            condition,
            then,
            otherwise,
        } => {
            children.extend([&**condition, &**then]);
            children.extend(otherwise.as_deref());
        }
        Kind::Call {
            procedure, args, ..
        } => {
            children.push(procedure);
            children.extend(args);
        }
        Kind::Lambda(def) => children.push(&def.body),
        Kind::Sort(terms) => children.extend(terms.iter().map(|t| &t.expr)),
        Kind::Transform {
            pattern,
            update,
            delete,
        } => {
            children.extend([&**pattern, &**update]);
            children.extend(delete.as_deref());
        }
        Kind::Name(_)
        | Kind::Str(_)
        | Kind::Num(_)
        | Kind::Bool(_)
        | Kind::Null
        | Kind::Regex(_)
        | Kind::Wildcard
        | Kind::Descendants
        | Kind::Placeholder => {}
    }
    children.extend(node.predicates.iter().chain(&node.stages));
    if let Some(group) = &node.group {
        children.extend(group.iter().flat_map(|(k, v)| [k, v]));
    }
    children
        .into_iter()
        .try_for_each(|child| collect_variables(child, out))
}

#[cfg(test)]
mod tests;
