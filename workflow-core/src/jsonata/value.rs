//! Runtime values: JSON borrowed from the input where possible, plus sequences and functions.

use std::rc::Rc;

use indexmap::IndexMap;
use serde_json::{Number, Value};

use super::ast::{Lambda, Node};
use super::eval::Frame;
use super::functions::Builtin;
use super::JsonataError;

/// A JSONata value. `Json` borrows a node of the input (or of a binding) without copying it.
#[derive(Clone)]
pub(crate) enum Val<'a> {
    Undef,
    Null,
    Bool(bool),
    Num(f64),
    Str(Rc<str>),
    Json(&'a Value),
    Arr(Rc<Arr<'a>>),
    Obj(Rc<IndexMap<String, Val<'a>>>),
    Func(Rc<Func<'a>>),
}

/// An array; `seq` marks a sequence (the flattening, singleton-collapsing result of a path).
#[derive(Clone, Default)]
pub(crate) struct Arr<'a> {
    pub items: Vec<Val<'a>>,
    pub seq: bool,
    pub keep: bool,
    pub cons: bool,
    pub outer: bool,
}

/// Callable values.
pub(crate) enum Func<'a> {
    Lambda {
        def: &'a Lambda,
        env: Rc<Frame<'a>>,
        input: Val<'a>,
    },
    Builtin(&'static Builtin),
    /// `f(?, x)`: `None` marks a placeholder.
    Partial {
        func: Val<'a>,
        args: Vec<Option<Val<'a>>>,
    },
    /// `f ~> g` where both are functions.
    Chain(Val<'a>, Val<'a>),
    Regex(&'a regex::Regex),
    /// `| pattern | update, delete |`: a function of the object to copy and change.
    Transform {
        pattern: &'a Node,
        update: &'a Node,
        delete: Option<&'a Node>,
        env: Rc<Frame<'a>>,
    },
}

/// The coarse type of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Type {
    Undef,
    Null,
    Bool,
    Num,
    Str,
    Arr,
    Obj,
    Func,
}

/// Iterates the items of an array value.
pub(crate) enum Items<'v, 'a> {
    Json(std::slice::Iter<'a, Value>),
    Own(std::slice::Iter<'v, Val<'a>>),
    One(Option<Val<'a>>),
}

impl<'a> Iterator for Items<'_, 'a> {
    type Item = Val<'a>;
    fn next(&mut self) -> Option<Val<'a>> {
        match self {
            Items::Json(it) => it.next().map(Val::Json),
            Items::Own(it) => it.next().cloned(),
            Items::One(v) => v.take(),
        }
    }
}

impl<'a> Val<'a> {
    pub fn string(s: impl Into<Rc<str>>) -> Val<'a> {
        Val::Str(s.into())
    }

    pub fn seq(items: Vec<Val<'a>>) -> Val<'a> {
        Val::Arr(Rc::new(Arr {
            items,
            seq: true,
            ..Arr::default()
        }))
    }

    pub fn array(items: Vec<Val<'a>>) -> Val<'a> {
        Val::Arr(Rc::new(Arr {
            items,
            ..Arr::default()
        }))
    }

    pub fn func(f: Func<'a>) -> Val<'a> {
        Val::Func(Rc::new(f))
    }

    pub fn ty(&self) -> Type {
        match self {
            Val::Undef => Type::Undef,
            Val::Null => Type::Null,
            Val::Bool(_) => Type::Bool,
            Val::Num(_) => Type::Num,
            Val::Str(_) => Type::Str,
            Val::Arr(_) => Type::Arr,
            Val::Obj(_) => Type::Obj,
            Val::Func(_) => Type::Func,
            Val::Json(v) => match v {
                Value::Null => Type::Null,
                Value::Bool(_) => Type::Bool,
                Value::Number(_) => Type::Num,
                Value::String(_) => Type::Str,
                Value::Array(_) => Type::Arr,
                Value::Object(_) => Type::Obj,
            },
        }
    }

    pub fn is_undef(&self) -> bool {
        matches!(self, Val::Undef)
    }

    pub fn is_array(&self) -> bool {
        self.ty() == Type::Arr
    }

    pub fn is_func(&self) -> bool {
        matches!(self, Val::Func(_))
    }

    /// A sequence (not a constructed or input array).
    pub fn is_seq(&self) -> bool {
        matches!(self, Val::Arr(a) if a.seq)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Val::Str(s) => Some(s),
            Val::Json(Value::String(s)) => Some(s),
            _ => None,
        }
    }

    pub fn as_num(&self) -> Option<f64> {
        match self {
            Val::Num(n) => Some(*n),
            Val::Json(Value::Number(n)) => n.as_f64(),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Val::Bool(b) => Some(*b),
            Val::Json(Value::Bool(b)) => Some(*b),
            _ => None,
        }
    }

    /// The items of an array (one item for any other defined value, none for undefined).
    pub fn items(&self) -> Items<'_, 'a> {
        match self {
            Val::Arr(a) => Items::Own(a.items.iter()),
            Val::Json(Value::Array(a)) => Items::Json(a.iter()),
            Val::Undef => Items::One(None),
            other => Items::One(Some(other.clone())),
        }
    }

    /// Number of items of an array.
    pub fn len(&self) -> usize {
        match self {
            Val::Arr(a) => a.items.len(),
            Val::Json(Value::Array(a)) => a.len(),
            _ => 0,
        }
    }

    /// The items of an array as a vector (the value itself for a non-array).
    pub fn to_items(&self) -> Vec<Val<'a>> {
        self.items().collect()
    }

    /// A field of an object; undefined for anything else.
    pub fn field(&self, key: &str) -> Val<'a> {
        match self {
            Val::Obj(o) => o.get(key).cloned().unwrap_or(Val::Undef),
            Val::Json(Value::Object(o)) => o.get(key).map(Val::Json).unwrap_or(Val::Undef),
            _ => Val::Undef,
        }
    }

    /// The entries of an object, in order.
    pub fn entries(&self) -> Vec<(String, Val<'a>)> {
        match self {
            Val::Obj(o) => o.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            Val::Json(Value::Object(o)) => {
                o.iter().map(|(k, v)| (k.clone(), Val::Json(v))).collect()
            }
            _ => Vec::new(),
        }
    }

    pub fn keys(&self) -> Vec<String> {
        match self {
            Val::Obj(o) => o.keys().cloned().collect(),
            Val::Json(Value::Object(o)) => o.keys().cloned().collect(),
            _ => Vec::new(),
        }
    }

    /// JSONata truthiness (`$boolean`); `None` for undefined.
    pub fn truthy(&self) -> Option<bool> {
        Some(match self.ty() {
            Type::Undef => return None,
            Type::Null | Type::Func => false,
            Type::Bool => self.as_bool() == Some(true),
            Type::Num => self.as_num().is_some_and(|n| n != 0.0),
            Type::Str => self.as_str().is_some_and(|s| !s.is_empty()),
            Type::Obj => !self.keys().is_empty(),
            Type::Arr => {
                let mut items = self.items();
                match (items.next(), items.next()) {
                    (None, _) => false,
                    (Some(one), None) => one.truthy() == Some(true),
                    (Some(a), Some(b)) => {
                        a.truthy() == Some(true)
                            || b.truthy() == Some(true)
                            || items.any(|v| v.truthy() == Some(true))
                    }
                }
            }
        })
    }

    /// Converts to JSON; `Err` for a function anywhere in the value.
    pub fn to_json(&self) -> Result<Value, JsonataError> {
        Ok(match self {
            Val::Undef | Val::Null => Value::Null,
            Val::Bool(b) => Value::Bool(*b),
            Val::Num(n) => number_to_json(*n)?,
            Val::Str(s) => Value::String(s.to_string()),
            Val::Json(v) => (*v).clone(),
            Val::Arr(a) => Value::Array(
                a.items
                    .iter()
                    .filter(|v| !v.is_undef())
                    .map(Val::to_json)
                    .collect::<Result<_, _>>()?,
            ),
            Val::Obj(o) => {
                let mut map = serde_json::Map::with_capacity(o.len());
                for (k, v) in o.iter() {
                    if !v.is_undef() {
                        map.insert(k.clone(), v.to_json()?);
                    }
                }
                Value::Object(map)
            }
            Val::Func(_) => {
                return Err(JsonataError::new(
                    super::UNSUPPORTED_RESULT,
                    "a function cannot be converted to JSON",
                    0,
                ))
            }
        })
    }
}

/// A JSON number for `n`: integral values within 2^53 become integers (`3`, not `3.0`).
pub(crate) fn number_to_json(n: f64) -> Result<Value, JsonataError> {
    if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 {
        return Ok(Value::Number(Number::from(n as i64)));
    }
    Number::from_f64(n)
        .map(Value::Number)
        .ok_or_else(|| JsonataError::new("D1001", format!("number out of range: {n}"), 0))
}

/// Deep equality as JSONata's `=` sees it.
pub(crate) fn deep_equal<'a>(a: &Val<'a>, b: &Val<'a>) -> bool {
    let (ta, tb) = (a.ty(), b.ty());
    if ta != tb {
        return false;
    }
    match ta {
        Type::Undef | Type::Null => true,
        Type::Bool => a.as_bool() == b.as_bool(),
        Type::Num => a.as_num() == b.as_num(),
        Type::Str => a.as_str() == b.as_str(),
        Type::Arr => {
            a.len() == b.len() && a.items().zip(b.items()).all(|(x, y)| deep_equal(&x, &y))
        }
        Type::Obj => {
            let (ea, eb) = (a.entries(), b.entries());
            ea.len() == eb.len()
                && ea
                    .iter()
                    .all(|(k, v)| eb.iter().any(|(k2, v2)| k == k2 && deep_equal(v, v2)))
        }
        Type::Func => match (a, b) {
            (Val::Func(x), Val::Func(y)) => Rc::ptr_eq(x, y),
            _ => false,
        },
    }
}

impl std::fmt::Debug for Val<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&super::functions::format_value(self))
    }
}
