//! The interpreter's JSON value: strings, arrays and objects are shared, so cloning one is a
//! reference-count increment, never a deep copy. A state's input, the history's record of it,
//! a Map item and its iteration's input, a task's result and the Map's array of results are
//! one value, not copies; a `ResultPath` merge copies only the levels on its path
//! ([`Val::object_mut`] copies a level only while something else holds it).
//!
//! Objects keep their members in insertion order, as `serde_json`'s `preserve_order` map does,
//! in a plain vector of (key, value): payload objects are small, and a scan of a few keys costs
//! less than hashing one; past 16 members an object also indexes its keys. Keys are [`Key`]s:
//! a definition's are kept for the life of the process and copied without a reference count
//! (a template's keys are in every object it builds), others are counted `Arc<str>`s.
//!
//! Task handlers, mocks and `#[task]` functions read a `&Val` as a serde `Deserializer` and
//! write their output with [`to_val`], without a `serde_json::Value` in between.
//!
//! Semantics follow `serde_json::Value` with `preserve_order`, so that converting at the edges
//! changes nothing: numbers are `serde_json::Number`s (their text and equality included),
//! inserting an existing key replaces its value in place, removing a key swaps the last member
//! into its place, and two objects are equal when they hold the same members in any order.

mod decode;
mod encode;
mod key;
mod measure;

/// A [`Val`] written as JSON, as `serde_json::json!` writes a `serde_json::Value`.
///
/// ```
/// use workflow_core::val;
/// let v = val!({"a": [1, "two", null]});
/// assert_eq!(v.to_string(), r#"{"a":[1,"two",null]}"#);
/// ```
#[macro_export]
macro_rules! val {
    ($($json:tt)+) => {
        $crate::value::Val::from(::serde_json::json!($($json)+))
    };
}

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::Number;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

pub use encode::to_val;
pub use key::{Key, LASTING_BUDGET};

/// A JSON value with shared children.
// A whole-word tag: with the default one-byte tag, `Bool`'s byte sits at offset 1 and LLVM
// moved values (in `Option`, `Cow` and `Result`s of them) as bytes 1 to 16 at an odd offset,
// which stalled on store forwarding (perf annotate: a third of a Choice comparison's time).
// The size is the same (24 bytes).
#[repr(u64)]
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Val {
    /// `null`.
    #[default]
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as `serde_json` keeps it.
    Number(Number),
    /// A string.
    String(Arc<str>),
    /// An array.
    Array(Arc<Vec<Val>>),
    /// An object.
    Object(Arc<Object>),
}

/// The members of an object, in insertion order.
#[derive(Clone, Debug, Default)]
pub struct Object {
    members: Vec<(Key, Val)>,
    /// Each key's position, kept once the object has more than [`INDEXED_FROM`] members
    /// (a scan of a few keys costs less than hashing one; a scan of thousands does not).
    // Boxed: most objects never have an index, and an empty `HashMap` would take 48 bytes of
    // every object where the box takes 8.
    #[allow(clippy::box_collection)]
    index: Option<Box<HashMap<Key, usize>>>,
    /// Its depth and JSON length once measured, until it changes.
    measured: measure::Measured,
}

/// Each key's position among `members`, for an object past [`INDEXED_FROM`] members (boxed,
/// as [`Object`] keeps it).
#[allow(clippy::box_collection)]
#[inline(never)]
fn index_of(members: &[(Key, Val)]) -> Box<HashMap<Key, usize>> {
    Box::new(
        members
            .iter()
            .enumerate()
            .map(|(i, (k, _))| (k.clone(), i))
            .collect(),
    )
}

/// Whether two keys are the same text: keys of up to 16 bytes are compared as two words
/// each, without a call to `memcmp` (whose call and set-up cost more than a short key's
/// comparison; it was a tenth of pass-chain-1000, whose states look up four keys each).
#[inline(always)]
fn same_key(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let n = a.len();
    if n != b.len() {
        return false;
    }
    // Two loads from each end that overlap in the middle cover every byte.
    fn word<const N: usize>(s: &[u8], at: usize) -> [u8; N] {
        let mut w = [0; N];
        w.copy_from_slice(&s[at..at + N]);
        w
    }
    match n {
        0 => true,
        1..=3 => a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1],
        4..=8 => word::<4>(a, 0) == word::<4>(b, 0) && word::<4>(a, n - 4) == word::<4>(b, n - 4),
        9..=16 => word::<8>(a, 0) == word::<8>(b, 0) && word::<8>(a, n - 8) == word::<8>(b, n - 8),
        _ => a == b,
    }
}

/// How many members an object holds before its keys are indexed.
const INDEXED_FROM: usize = 16;

impl Object {
    /// An empty object.
    pub fn new() -> Self {
        Object::default()
    }

    /// An empty object with room for `n` members.
    pub fn with_capacity(n: usize) -> Self {
        Object {
            members: Vec::with_capacity(n),
            index: None,
            measured: measure::Measured::default(),
        }
    }

    /// The number of members.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether there are no members.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    fn position(&self, key: &str) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(key).copied(),
            None => self.members.iter().position(|(k, _)| same_key(k, key)),
        }
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&Val> {
        if self.index.is_none() {
            return self
                .members
                .iter()
                .find(|(k, _)| same_key(k, key))
                .map(|(_, v)| v);
        }
        self.position(key).map(|i| &self.members[i].1)
    }

    /// The value of `key`, found by the key's address where both are kept keys (a path's
    /// name and the objects a run builds or reads share the definition's), by its text
    /// otherwise.
    #[inline]
    pub(crate) fn get_key(&self, key: &Key) -> Option<&Val> {
        if self.index.is_none() {
            return self
                .members
                .iter()
                .find(|(k, _)| k.same_as(key))
                .map(|(_, v)| v);
        }
        self.get(key)
    }

    /// The value of `key`, to change.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Val> {
        self.measured.forget();
        let i = self.position(key)?;
        Some(&mut self.members[i].1)
    }

    /// The value of `key`, to change; a member made by `make` is appended first when there
    /// is none.
    pub fn get_or_insert_with<K: AsRef<str> + Into<Key>>(
        &mut self,
        key: K,
        make: impl FnOnce() -> Val,
    ) -> &mut Val {
        self.measured.forget();
        let i = match self.position(key.as_ref()) {
            Some(i) => i,
            None => {
                self.push_unique(key.into(), make());
                self.members.len() - 1
            }
        };
        &mut self.members[i].1
    }

    /// Whether `key` is a member.
    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_some()
    }

    /// Sets `key` to `value`: in place when the key is there (its old value is returned),
    /// else at the end.
    pub fn insert(&mut self, key: impl Into<Key>, value: Val) -> Option<Val> {
        self.measured.forget();
        let key = key.into();
        match self.position(&key) {
            Some(i) => Some(std::mem::replace(&mut self.members[i].1, value)),
            None => {
                self.push_unique(key, value);
                None
            }
        }
    }

    /// An object of these members, whose keys the caller knows are all different (a
    /// template's, a handler's `{"key": value}`): the members are pushed where they stay by
    /// the caller, rather than passed one by one to [`push_unique`](Self::push_unique) through
    /// memory (a store-forwarding stall). Inlined, so that a small object is written in place;
    /// the index of a large one is built out of line.
    #[inline]
    pub fn from_unique(members: Vec<(Key, Val)>) -> Object {
        debug_assert!(
            {
                let mut keys: Vec<&str> = members.iter().map(|(k, _)| &**k).collect();
                keys.sort_unstable();
                keys.windows(2).all(|w| w[0] != w[1])
            },
            "duplicate keys"
        );
        let index = (members.len() > INDEXED_FROM).then(|| index_of(&members));
        Object {
            members,
            index,
            measured: measure::Measured::default(),
        }
    }

    /// Appends a member whose key the caller knows is not there yet (a template's, a
    /// deserialized object's after its duplicates were resolved).
    pub fn push_unique(&mut self, key: Key, value: Val) {
        self.measured.forget();
        debug_assert!(self.position(&key).is_none(), "duplicate key {key}");
        let at = self.members.len();
        if let Some(index) = &mut self.index {
            index.insert(key.clone(), at);
        }
        self.members.push((key, value));
        if self.index.is_none() && self.members.len() > INDEXED_FROM {
            self.index = Some(index_of(&self.members));
        }
    }

    /// A copy of this object with `key` set to `value` (in place of its member, or at the
    /// end): one pass, in which the replaced member's value is neither copied nor dropped.
    /// The copy remembers the measurements this object does where its parts tell them.
    #[inline(never)]
    pub fn with_member<K: AsRef<str> + Into<Key>>(&self, key: K, value: Val) -> Object {
        let at = self.position(key.as_ref());
        let mut members = Vec::with_capacity(self.members.len() + usize::from(at.is_none()));
        let mut value = Some(value);
        for (i, (k, v)) in self.members.iter().enumerate() {
            // `at` is one member at most: the value is taken there, once.
            let v = if Some(i) == at {
                value.take().unwrap_or_default()
            } else {
                v.clone()
            };
            members.push((k.clone(), v));
        }
        let mut copy = Object {
            members,
            index: self.index.clone(),
            measured: measure::Measured::default(),
        };
        if let Some(new) = value {
            copy.push_unique(key.into(), new);
        }
        let new = &copy.members[at.unwrap_or(copy.members.len() - 1)].1;
        copy.measured = self
            .measured
            .with_member_replaced(at.map(|i| &self.members[i].1), new);
        copy
    }

    /// Removes `key`, moving the last member into its place (as `serde_json::Map::remove`
    /// does with `preserve_order`).
    pub fn remove(&mut self, key: &str) -> Option<Val> {
        self.measured.forget();
        let i = self.position(key)?;
        let (_, value) = self.members.swap_remove(i);
        if let Some(index) = &mut self.index {
            index.remove(key);
            if let Some((moved, _)) = self.members.get(i) {
                index.insert(moved.clone(), i);
            }
        }
        Some(value)
    }

    /// The values in order.
    pub fn values(&self) -> Values<'_> {
        Values(self.members.iter())
    }

    /// The members, taken out in order.
    pub fn into_members(self) -> impl ExactSizeIterator<Item = (Key, Val)> {
        self.members.into_iter()
    }

    /// The members in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&Key, &Val)> {
        self.members.iter().map(|(k, v)| (k, v))
    }

    /// The keys in order.
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &Key> {
        self.members.iter().map(|(k, _)| k)
    }
}

/// An object's values, in order.
pub struct Values<'a>(std::slice::Iter<'a, (Key, Val)>);

impl<'a> Iterator for Values<'a> {
    type Item = &'a Val;

    #[inline]
    fn next(&mut self) -> Option<&'a Val> {
        self.0.next().map(|(_, v)| v)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl ExactSizeIterator for Values<'_> {}

impl DoubleEndedIterator for Values<'_> {
    #[inline]
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(|(_, v)| v)
    }
}

impl PartialEq for Object {
    /// The same members, in any order (as `serde_json::Map`'s equality).
    fn eq(&self, other: &Object) -> bool {
        self.len() == other.len()
            && self
                .members
                .iter()
                .all(|(k, v)| other.get(k).is_some_and(|o| o == v))
    }
}

impl<K: Into<Key>> FromIterator<(K, Val)> for Object {
    /// Later duplicates replace earlier ones in place, as collecting into a `serde_json::Map`.
    fn from_iter<I: IntoIterator<Item = (K, Val)>>(iter: I) -> Self {
        let iter = iter.into_iter();
        let mut object = Object::with_capacity(iter.size_hint().0);
        object.extend(iter);
        object
    }
}

impl<K: Into<Key>> Extend<(K, Val)> for Object {
    /// Each member inserted in turn: an existing key keeps its place and takes the new value,
    /// as extending a `serde_json::Map`.
    fn extend<I: IntoIterator<Item = (K, Val)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl Val {
    /// The object's members, if it is one.
    pub fn as_object(&self) -> Option<&Object> {
        match self {
            Val::Object(o) => Some(o),
            _ => None,
        }
    }

    /// The array's items, if it is one.
    pub fn as_array(&self) -> Option<&[Val]> {
        match self {
            Val::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The string, if it is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Val::String(s) => Some(s),
            _ => None,
        }
    }

    /// The object's members to change, copying them first only when the object is shared
    /// (the copy shares every member's value). `None` if it is not an object.
    pub fn object_mut(&mut self) -> Option<&mut Object> {
        match self {
            Val::Object(o) => Some(Arc::make_mut(o)),
            _ => None,
        }
    }

    /// The array's items to change, copying the list first only when it is shared.
    pub fn array_mut(&mut self) -> Option<&mut Vec<Val>> {
        match self {
            Val::Array(a) => Some(Arc::make_mut(a)),
            _ => None,
        }
    }

    /// The boolean, if it is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Val::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number, if it is one.
    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Val::Number(n) => Some(n),
            _ => None,
        }
    }

    /// The number as an `f64`, if it is one.
    pub fn as_f64(&self) -> Option<f64> {
        self.as_number().and_then(Number::as_f64)
    }

    /// The number as an `i64`, if it is an integer that fits.
    pub fn as_i64(&self) -> Option<i64> {
        self.as_number().and_then(Number::as_i64)
    }

    /// The number as a `u64`, if it is a non-negative integer that fits.
    pub fn as_u64(&self) -> Option<u64> {
        self.as_number().and_then(Number::as_u64)
    }

    /// Whether it is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Val::Null)
    }

    /// Whether it is an object.
    pub fn is_object(&self) -> bool {
        matches!(self, Val::Object(_))
    }

    /// Whether it is an array.
    pub fn is_array(&self) -> bool {
        matches!(self, Val::Array(_))
    }

    /// Whether it is a string.
    pub fn is_string(&self) -> bool {
        matches!(self, Val::String(_))
    }

    /// Whether it is a number.
    pub fn is_number(&self) -> bool {
        matches!(self, Val::Number(_))
    }

    /// Whether it is `true` or `false`.
    pub fn is_boolean(&self) -> bool {
        matches!(self, Val::Bool(_))
    }

    /// The member `key` of an object (`None` for a missing key or another kind of value).
    pub fn get(&self, key: &str) -> Option<&Val> {
        self.as_object().and_then(|o| o.get(key))
    }

    /// An object of these members.
    #[inline]
    pub fn object(object: Object) -> Val {
        Val::Object(Arc::new(object))
    }

    /// An array of these items.
    pub fn array(items: Vec<Val>) -> Val {
        Val::Array(Arc::new(items))
    }

    /// The array's items, moved out when nothing else holds them, else cloned (each a
    /// reference count).
    pub fn into_items(self) -> Option<Vec<Val>> {
        match self {
            Val::Array(a) => Some(Arc::try_unwrap(a).unwrap_or_else(|a| (*a).clone())),
            _ => None,
        }
    }

    /// The object's members, moved out when nothing else holds them, else cloned.
    pub fn into_object(self) -> Option<Object> {
        match self {
            Val::Object(o) => Some(Arc::try_unwrap(o).unwrap_or_else(|o| (*o).clone())),
            _ => None,
        }
    }

    /// Whether both are the same shared string, array or object (one allocation, not equal
    /// contents); false for null, booleans and numbers, which are not shared.
    #[inline(always)]
    pub(crate) fn shares(&self, other: &Val) -> bool {
        match (self, other) {
            (Val::String(a), Val::String(b)) => Arc::ptr_eq(a, b),
            (Val::Array(a), Val::Array(b)) => Arc::ptr_eq(a, b),
            (Val::Object(a), Val::Object(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }

    /// The value as a `serde_json::Value` (a deep copy: for the edges, such as task handlers).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Val::Null => serde_json::Value::Null,
            Val::Bool(b) => serde_json::Value::Bool(*b),
            Val::Number(n) => serde_json::Value::Number(n.clone()),
            Val::String(s) => serde_json::Value::String(s.to_string()),
            Val::Array(a) => serde_json::Value::Array(a.iter().map(Val::to_json).collect()),
            Val::Object(o) => serde_json::Value::Object(
                o.iter()
                    .map(|(k, v)| (k.to_string(), v.to_json()))
                    .collect(),
            ),
        }
    }
}

impl From<&serde_json::Value> for Val {
    fn from(v: &serde_json::Value) -> Val {
        match v {
            serde_json::Value::Null => Val::Null,
            serde_json::Value::Bool(b) => Val::Bool(*b),
            serde_json::Value::Number(n) => Val::Number(n.clone()),
            serde_json::Value::String(s) => Val::String(Arc::from(s.as_str())),
            serde_json::Value::Array(a) => Val::Array(Arc::new(a.iter().map(Val::from).collect())),
            serde_json::Value::Object(o) => {
                let mut object = Object::with_capacity(o.len());
                for (k, v) in o {
                    // A `serde_json::Map` has no duplicate keys.
                    object.push_unique(Key::known_or_new(k), Val::from(v));
                }
                Val::Object(Arc::new(object))
            }
        }
    }
}

/// What indexing finds where there is nothing.
static NULL: Val = Val::Null;

impl std::ops::Index<&str> for Val {
    type Output = Val;

    /// The member `key` of an object; `null` for a missing key or another kind of value (as
    /// `serde_json::Value`'s indexing).
    fn index(&self, key: &str) -> &Val {
        self.get(key).unwrap_or(&NULL)
    }
}

impl std::ops::Index<usize> for Val {
    type Output = Val;

    /// The item at `i` of an array; `null` past its end or for another kind of value.
    fn index(&self, i: usize) -> &Val {
        self.as_array().and_then(|a| a.get(i)).unwrap_or(&NULL)
    }
}

impl From<serde_json::Value> for Val {
    fn from(v: serde_json::Value) -> Val {
        match v {
            serde_json::Value::Null => Val::Null,
            serde_json::Value::Bool(b) => Val::Bool(b),
            serde_json::Value::Number(n) => Val::Number(n),
            serde_json::Value::String(s) => Val::String(Arc::from(s)),
            serde_json::Value::Array(a) => {
                Val::Array(Arc::new(a.into_iter().map(Val::from).collect()))
            }
            serde_json::Value::Object(o) => {
                let mut object = Object::with_capacity(o.len());
                for (k, v) in o {
                    object.push_unique(Key::known_or_new(&k), Val::from(v));
                }
                Val::Object(Arc::new(object))
            }
        }
    }
}

impl From<Val> for serde_json::Value {
    fn from(v: Val) -> serde_json::Value {
        v.to_json()
    }
}

impl From<bool> for Val {
    fn from(b: bool) -> Val {
        Val::Bool(b)
    }
}

impl From<&str> for Val {
    fn from(s: &str) -> Val {
        Val::String(Arc::from(s))
    }
}

impl From<String> for Val {
    fn from(s: String) -> Val {
        Val::String(Arc::from(s))
    }
}

impl From<Arc<str>> for Val {
    fn from(s: Arc<str>) -> Val {
        Val::String(s)
    }
}

impl From<Number> for Val {
    fn from(n: Number) -> Val {
        Val::Number(n)
    }
}

macro_rules! from_integer {
    ($($t:ty),*) => {$(
        impl From<$t> for Val {
            fn from(n: $t) -> Val {
                Val::Number(n.into())
            }
        }
    )*};
}
from_integer!(i32, i64, u32, u64, usize);

impl From<f64> for Val {
    /// A finite float; `null` for NaN and the infinities (as `serde_json::Value::from`).
    fn from(f: f64) -> Val {
        Number::from_f64(f).map_or(Val::Null, Val::Number)
    }
}

impl From<Vec<Val>> for Val {
    fn from(items: Vec<Val>) -> Val {
        Val::array(items)
    }
}

impl From<Object> for Val {
    fn from(object: Object) -> Val {
        Val::object(object)
    }
}

impl PartialEq<serde_json::Value> for Val {
    /// The same value, as `serde_json::Value`'s equality sees it.
    fn eq(&self, other: &serde_json::Value) -> bool {
        use serde_json::Value as J;
        match (self, other) {
            (Val::Null, J::Null) => true,
            (Val::Bool(a), J::Bool(b)) => a == b,
            (Val::Number(a), J::Number(b)) => a == b,
            (Val::String(a), J::String(b)) => **a == **b,
            (Val::Array(a), J::Array(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
            }
            (Val::Object(a), J::Object(b)) => {
                a.len() == b.len() && b.iter().all(|(k, y)| a.get(k).is_some_and(|x| x == y))
            }
            _ => false,
        }
    }
}

impl PartialEq<Val> for serde_json::Value {
    fn eq(&self, other: &Val) -> bool {
        other == self
    }
}

impl From<&Val> for serde_json::Value {
    fn from(v: &Val) -> serde_json::Value {
        v.to_json()
    }
}

impl Serialize for Val {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Val::Null => s.serialize_unit(),
            Val::Bool(b) => s.serialize_bool(*b),
            Val::Number(n) => n.serialize(s),
            Val::String(v) => s.serialize_str(v),
            Val::Array(a) => {
                let mut seq = s.serialize_seq(Some(a.len()))?;
                for item in a.iter() {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Val::Object(o) => {
                let mut map = s.serialize_map(Some(o.len()))?;
                for (k, v) in o.iter() {
                    map.serialize_entry(&**k, v)?;
                }
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Val {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Val, D::Error> {
        d.deserialize_any(ValVisitor)
    }
}

struct ValVisitor;

impl<'de> Visitor<'de> for ValVisitor {
    type Value = Val;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Val, E> {
        Ok(Val::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Val, E> {
        Ok(Val::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Val, D::Error> {
        Val::deserialize(d)
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Val, E> {
        Ok(Val::Bool(b))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Val, E> {
        Ok(Val::Number(n.into()))
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Val, E> {
        Ok(Val::Number(n.into()))
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Val, E> {
        // As serde_json::Value: a non-finite float is null.
        Ok(Number::from_f64(n).map_or(Val::Null, Val::Number))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Val, E> {
        Ok(Val::String(Arc::from(s)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Val, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Val::Array(Arc::new(items)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Val, A::Error> {
        let mut object = Object::with_capacity(map.size_hint().unwrap_or(0));
        while let Some((k, v)) = map.next_entry::<String, Val>()? {
            // A repeated key keeps its first place and its last value, as serde_json's map.
            object.insert(Key::known_or_new(&k), v);
        }
        Ok(Val::Object(Arc::new(object)))
    }
}

impl fmt::Display for Val {
    /// Compact JSON text, as `serde_json::to_string` writes the same value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = serde_json::to_string(self).map_err(|_| fmt::Error)?;
        f.write_str(&text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{json, Value};

    /// Arbitrary JSON values: every number kind, strings with quotes, backslashes and
    /// non-ASCII, nested arrays and objects with repeated keys (shared with encode's tests).
    pub(super) fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            any::<u64>().prop_map(|n| json!(n)),
            any::<f64>().prop_map(|f| json!(f)),
            "[a-c0-9\"\\\\é]{0,4}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec(("[a-e]{1,2}", inner), 0..9)
                    .prop_map(|members| Value::Object(members.into_iter().collect())),
            ]
        })
    }

    #[test]
    fn an_object_from_unique_members_is_the_object_pushed_member_by_member() {
        for n in [0usize, 1, 3, INDEXED_FROM, INDEXED_FROM + 1, 40] {
            let members: Vec<(Key, Val)> = (0..n)
                .map(|i| (Key::from(format!("k{i}")), Val::from(i as u64)))
                .collect();
            let mut pushed = Object::new();
            for (k, v) in members.clone() {
                pushed.push_unique(k, v);
            }
            let made = Object::from_unique(members);
            assert_eq!(made.index.is_some(), n > INDEXED_FROM, "{n} members");
            assert_eq!(
                Val::object(made.clone()),
                Val::object(pushed),
                "{n} members"
            );
            for i in 0..n {
                assert_eq!(made.get(&format!("k{i}")), Some(&Val::from(i as u64)));
            }
            assert_eq!(made.get("absent"), None);
        }
    }

    #[test]
    fn keys_are_the_same_exactly_when_their_texts_are_equal_whatever_their_length() {
        for n in 0..=20usize {
            let key: String = (0..n).map(|i| char::from(b'a' + i as u8)).collect();
            assert!(same_key(&key, &key.clone()), "{key:?}");
            for at in 0..n {
                let mut other = key.clone().into_bytes();
                other[at] = b'Z';
                let other = String::from_utf8(other).unwrap();
                assert!(!same_key(&key, &other), "{key:?} {other:?}");
            }
            assert!(!same_key(&key, &format!("{key}a")));
            assert!(n == 0 || !same_key(&key, &key[1..]));
        }
        assert!(same_key("é", "é") && !same_key("é", "è"));
    }

    #[test]
    fn a_one_member_object_is_the_object_pushed_member_by_member() {
        let key = Key::from_static(&"length");
        let one = Val::object(Object::from_unique(vec![(key.clone(), Val::from(7u64))]));
        let mut pushed = Object::with_capacity(1);
        pushed.push_unique(key, Val::from(7u64));
        let pushed = Val::object(pushed);
        assert_eq!(one, pushed);
        assert_eq!(one.to_json(), json!({"length": 7}));
        assert_eq!(one.get("length"), Some(&Val::from(7u64)));
        assert_eq!((one.depth(), one.json_len()), (1, r#"{"length":7}"#.len()));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(if std::env::var_os("CI").is_some() { 64 } else { 256 }))]

        #[test]
        fn converting_keeps_the_value_its_text_and_its_key_order(v in json_value()) {
            let val = Val::from(&v);
            prop_assert_eq!(&val.to_json(), &v);
            prop_assert_eq!(val.to_string(), serde_json::to_string(&v).unwrap());
        }

        #[test]
        fn objects_small_and_indexed_behave_as_serde_jsons_map(
            ops in prop::collection::vec((any::<bool>(), 0u8..40, any::<i32>()), 0..120)
        ) {
            // Inserts and removes over 40 keys, across the size where an object indexes its
            // keys and back: the same members in the same order, found the same way.
            let mut ours = Object::new();
            let mut theirs = serde_json::Map::new();
            for (insert, k, v) in ops {
                let key = format!("k{k}");
                if insert {
                    let old = ours.insert(key.as_str(), Val::from(v));
                    let expected = theirs.insert(key.clone(), json!(v));
                    prop_assert_eq!(old.map(|o| o.to_json()), expected);
                } else {
                    let old = ours.remove(&key);
                    let expected = theirs.remove(&key);
                    prop_assert_eq!(old.map(|o| o.to_json()), expected);
                }
                let ours_val = Val::object(ours.clone());
                prop_assert_eq!(ours_val.to_string(), Value::Object(theirs.clone()).to_string());
                for probe in 0..40 {
                    let probe = format!("k{probe}");
                    prop_assert_eq!(ours.get(&probe).map(Val::to_json), theirs.get(&probe).cloned());
                    prop_assert_eq!(ours.contains_key(&probe), theirs.contains_key(&probe));
                }
            }
        }

        #[test]
        fn deserializing_reads_what_serde_json_reads(v in json_value()) {
            let text = serde_json::to_string(&v).unwrap();
            let val: Val = serde_json::from_str(&text).unwrap();
            // Against serde_json's own reading of the text: without its `float_roundtrip`
            // feature, a float's text may read back as a neighbouring float.
            let json: Value = serde_json::from_str(&text).unwrap();
            prop_assert_eq!(val, Val::from(&json));
        }
    }

    #[test]
    fn with_member_is_the_copy_that_insert_would_make_small_or_indexed() {
        for n in [0, 3, 16, 17, 40] {
            let mut object = Object::new();
            for i in 0..n {
                object.insert(format!("k{i}").as_str(), Val::from(i));
            }
            for key in ["k0", "k2", "k16", "k39", "new"] {
                let mut expected = object.clone();
                expected.insert(key, Val::from("v"));
                let got = object.with_member(key, Val::from("v"));
                assert_eq!(
                    Val::object(got.clone()).to_string(),
                    Val::object(expected.clone()).to_string(),
                    "{n} members, {key}: the same members in the same order"
                );
                for probe in ["k0", "k2", "k16", "k17", "k39", "new", "absent"] {
                    assert_eq!(got.get(probe), expected.get(probe), "{n} members, {probe}");
                }
            }
        }
    }

    #[test]
    fn indexing_finds_members_and_items_and_null_elsewhere_as_serde_json_does() {
        let json = json!({"a": [1, {"b": "x"}], "n": null});
        let val = Val::from(&json);
        for (ours, theirs) in [
            (&val["a"][1]["b"], &json["a"][1]["b"]),
            (&val["a"][0], &json["a"][0]),
            (&val["a"][7], &json["a"][7]),
            (&val["missing"], &json["missing"]),
            (&val["n"]["deeper"], &json["n"]["deeper"]),
            (&val["a"]["key of an array"], &json["a"]["key of an array"]),
        ] {
            assert_eq!(ours, theirs);
        }
    }

    #[test]
    fn a_repeated_key_keeps_its_first_place_and_its_last_value() {
        let text = r#"{"a": 1, "b": 2, "a": 3}"#;
        let val: Val = serde_json::from_str(text).unwrap();
        let json: Value = serde_json::from_str(text).unwrap();
        assert_eq!(val.to_string(), json.to_string());
        assert_eq!(val.to_string(), r#"{"a":3,"b":2}"#);
    }

    #[test]
    fn removing_moves_the_last_member_into_the_gap_as_serde_json_does() {
        let mut json = json!({"a": 1, "b": 2, "c": 3, "d": 4});
        let mut val = Val::from(&json);
        json.as_object_mut().unwrap().remove("b");
        val.object_mut().unwrap().remove("b");
        assert_eq!(val.to_string(), json.to_string());
        assert_eq!(val.to_string(), r#"{"a":1,"d":4,"c":3}"#);
    }

    #[test]
    fn objects_are_equal_in_any_order_and_numbers_by_their_representation() {
        assert_eq!(
            Val::from(&json!({"a": 1, "b": [true]})),
            Val::from(&json!({"b": [true], "a": 1}))
        );
        // serde_json: 1 and 1.0 are different numbers.
        let (one, one_float) = (Val::from(&json!(1)), Val::from(&json!(1.0)));
        assert_ne!(one, one_float);
        assert_eq!(json!(1) == json!(1.0), one == one_float);
    }

    #[test]
    fn a_clone_shares_its_children_and_a_change_copies_only_the_changed_level() {
        let original = Val::from(&json!({"big": {"list": [1, 2, 3]}, "n": 1}));
        let mut changed = original.clone();
        changed
            .object_mut()
            .unwrap()
            .insert(Arc::from("n"), Val::Number(2.into()));
        let (Val::Object(a), Val::Object(b)) = (&original, &changed) else {
            unreachable!()
        };
        assert!(!Arc::ptr_eq(a, b), "the changed object is a copy");
        match (a.get("big"), b.get("big")) {
            (Some(Val::Object(x)), Some(Val::Object(y))) => {
                assert!(Arc::ptr_eq(x, y), "the member it did not change is shared")
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(original.to_string(), r#"{"big":{"list":[1,2,3]},"n":1}"#);
        assert_eq!(changed.to_string(), r#"{"big":{"list":[1,2,3]},"n":2}"#);
    }

    #[test]
    fn an_unshared_object_is_changed_in_place() {
        let mut v = Val::from(&json!({"n": 1}));
        let before = v.as_object().map(|o| o as *const Object);
        v.object_mut()
            .unwrap()
            .insert(Arc::from("m"), Val::Bool(true));
        assert_eq!(before, v.as_object().map(|o| o as *const Object));
    }
}
