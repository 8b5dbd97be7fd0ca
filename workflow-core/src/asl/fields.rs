//! Field types shared by several states.

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;

/// An integer field that JSONata mode may also give as a `{% %}` expression string
/// (TimeoutSeconds, HeartbeatSeconds, Wait Seconds, MaxConcurrency, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntOrExpr {
    /// A literal integer.
    Int(i64),
    /// A string, normally a JSONata expression `{% ... %}`.
    Expr(String),
}

/// A number field that JSONata mode may also give as an expression string
/// (ToleratedFailurePercentage).
#[derive(Debug, Clone, PartialEq)]
pub enum NumberOrExpr {
    /// A literal number.
    Number(f64),
    /// A string, normally a JSONata expression `{% ... %}`.
    Expr(String),
}

impl Serialize for IntOrExpr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            IntOrExpr::Int(n) => s.serialize_i64(*n),
            IntOrExpr::Expr(e) => s.serialize_str(e),
        }
    }
}

impl<'de> Deserialize<'de> for IntOrExpr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = IntOrExpr;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an integer or a JSONata expression string")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<IntOrExpr, E> {
                Ok(IntOrExpr::Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<IntOrExpr, E> {
                i64::try_from(v)
                    .map(IntOrExpr::Int)
                    .map_err(|_| E::custom(format!("integer {v} is out of range")))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<IntOrExpr, E> {
                if v.fract() == 0.0 && v.abs() < 9.0e15 {
                    Ok(IntOrExpr::Int(v as i64))
                } else {
                    Err(E::custom(format!("expected an integer, found {v}")))
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<IntOrExpr, E> {
                Ok(IntOrExpr::Expr(v.to_owned()))
            }
        }
        d.deserialize_any(V)
    }
}

impl Serialize for NumberOrExpr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            NumberOrExpr::Number(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => {
                s.serialize_i64(*n as i64)
            }
            NumberOrExpr::Number(n) => s.serialize_f64(*n),
            NumberOrExpr::Expr(e) => s.serialize_str(e),
        }
    }
}

impl<'de> Deserialize<'de> for NumberOrExpr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = NumberOrExpr;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number or a JSONata expression string")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<NumberOrExpr, E> {
                Ok(NumberOrExpr::Number(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<NumberOrExpr, E> {
                Ok(NumberOrExpr::Number(v as f64))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<NumberOrExpr, E> {
                Ok(NumberOrExpr::Number(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<NumberOrExpr, E> {
                Ok(NumberOrExpr::Expr(v.to_owned()))
            }
        }
        d.deserialize_any(V)
    }
}

/// `deserialize_with` for `Option<Option<T>>` fields where an explicit `null` differs from an
/// absent field (InputPath, OutputPath, ResultPath: `null` discards).
pub(crate) fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// `deserialize_with` for `Option<Value>` fields where an explicit `null` is a value, not an
/// absent field (`"Output": null` outputs null; `"Result": null` is a null result).
pub(crate) fn present<'de, D>(d: D) -> Result<Option<serde_json::Value>, D::Error>
where
    D: Deserializer<'de>,
{
    serde_json::Value::deserialize(d).map(Some)
}
