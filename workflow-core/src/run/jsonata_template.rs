//! JSONata-mode field values: JSON with `{% ... %}` expressions in strings, compiled once.

use super::vars::Frame;
use crate::error::{names, StatesError};
use crate::jsonata::{strip_delimiters, Expression};
use crate::path::Variables;
use serde_json::{Map, Value};
use std::sync::Arc;

/// A field value of a JSONata state (Arguments, Output, Assign, Items, Condition, ...).
#[derive(Debug)]
pub(crate) enum Jt {
    /// No expression inside.
    Literal(Value),
    /// `"{% expr %}"`; `field` names where it sits (`Output/result`) for error messages.
    Expr {
        expr: Box<Expression>,
        field: Arc<str>,
    },
    Object(Vec<(String, Jt)>),
    Array(Vec<Jt>),
}

/// What expressions see: `$states` (input, context, result, errorOutput) and the variables.
pub(crate) struct Env<'a> {
    pub states: Value,
    pub frame: &'a Frame,
}

impl Jt {
    /// Compiles `value`, found at `field` (e.g. `Arguments`), or says why it cannot be.
    pub fn compile(value: &Value, field: &str) -> Result<Jt, String> {
        if !contains_expression(value) {
            return Ok(Jt::Literal(value.clone()));
        }
        Ok(match value {
            Value::String(s) => match strip_delimiters(s) {
                Some(text) => Jt::Expr {
                    expr: Box::new(Expression::parse(text).map_err(|e| {
                        format!(
                            "the JSONata expression '{}' does not parse: {e}",
                            text.trim()
                        )
                    })?),
                    field: Arc::from(field),
                },
                None => Jt::Literal(value.clone()),
            },
            Value::Object(m) => Jt::Object(
                m.iter()
                    .map(|(k, v)| Ok((k.clone(), Jt::compile(v, &format!("{field}/{k}"))?)))
                    .collect::<Result<_, String>>()?,
            ),
            Value::Array(a) => Jt::Array(
                a.iter()
                    .enumerate()
                    .map(|(i, v)| Jt::compile(v, &format!("{field}[{i}]")))
                    .collect::<Result<_, String>>()?,
            ),
            _ => Jt::Literal(value.clone()),
        })
    }

    /// Whether any expression reads `$states.context`, so the context object must be built.
    pub fn uses_context(&self) -> bool {
        match self {
            Jt::Literal(_) => false,
            Jt::Expr { expr, .. } => {
                expr.variables().iter().any(|v| v == "states") && expr.as_str().contains("context")
            }
            Jt::Object(fields) => fields.iter().any(|(_, v)| v.uses_context()),
            Jt::Array(items) => items.iter().any(Jt::uses_context),
        }
    }

    /// The value, every expression evaluated; an expression that gives nothing (undefined) or a
    /// function is a `States.QueryEvaluationError`.
    pub fn evaluate(&self, env: &Env<'_>) -> Result<Value, StatesError> {
        match self {
            Jt::Literal(v) => Ok(v.clone()),
            Jt::Expr { expr, field } => {
                // The variables it reads, as JSONata's values (a conversion at this edge).
                let variables: Vec<(&str, Value)> = expr
                    .variables()
                    .iter()
                    .filter(|name| *name != "states")
                    .filter_map(|name| env.frame.get(name).map(|v| (name.as_str(), v.to_json())))
                    .collect();
                let bindings = |name: &str| -> Option<&Value> {
                    if name == "states" {
                        Some(&env.states)
                    } else {
                        variables.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
                    }
                };
                match expr.evaluate_borrowed(env.states.get("input"), &bindings) {
                    Ok(Some(v)) => Ok(v),
                    Ok(None) => Err(query_error(format!(
                        "The JSONata expression '{}' specified for the field '{field}' returned nothing (undefined).",
                        expr.as_str().trim()
                    ))),
                    Err(e) if e.is_unsupported_result() => Err(query_error(format!(
                        "The JSONata expression '{}' specified for the field '{field}' returned an unsupported result type.",
                        expr.as_str().trim()
                    ))),
                    Err(e) => Err(query_error(format!(
                        "An error occurred while evaluating the JSONata expression '{}' specified for the field '{field}': {e}",
                        expr.as_str().trim()
                    ))),
                }
            }
            Jt::Object(fields) => {
                let mut out = Map::with_capacity(fields.len());
                for (k, v) in fields {
                    out.insert(k.clone(), v.evaluate(env)?);
                }
                Ok(Value::Object(out))
            }
            Jt::Array(items) => Ok(Value::Array(
                items
                    .iter()
                    .map(|v| v.evaluate(env))
                    .collect::<Result<_, _>>()?,
            )),
        }
    }

    /// The expression's text when this is a single expression (for messages).
    pub fn text(&self) -> Option<(&str, &str)> {
        match self {
            Jt::Expr { expr, field } => Some((expr.as_str().trim(), field)),
            _ => None,
        }
    }
}

/// A `States.QueryEvaluationError`.
pub(crate) fn query_error(cause: impl Into<String>) -> StatesError {
    StatesError::new(names::QUERY_EVALUATION_ERROR, cause)
}

fn contains_expression(v: &Value) -> bool {
    match v {
        Value::String(s) => strip_delimiters(s).is_some(),
        Value::Object(m) => m.values().any(contains_expression),
        Value::Array(a) => a.iter().any(contains_expression),
        _ => false,
    }
}

/// The JSON type name the service uses in messages.
pub(crate) fn type_name<T: crate::privacy::Quotable>(v: &T) -> &'static str {
    v.kind().unwrap_or("null")
}
