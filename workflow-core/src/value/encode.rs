//! A serde `Serializer` whose output is a [`Val`]: [`to_val`] does what `serde_json::to_value`
//! does (its `value::Serializer`, with the `preserve_order` feature the workspace enables), with
//! the same results and the same error messages, without building a `serde_json::Value` first.
//!
//! What it writes, as serde_json does:
//! - unit, unit structs and `None` are `null`; `Some`, newtype structs are their content;
//! - a unit variant is its name; a newtype, tuple or struct variant is the one-member object
//!   `{"Variant": content}`;
//! - sequences, tuples and bytes are arrays (bytes of numbers);
//! - a non-finite `f32` or `f64` is `null`; an `f32` is widened to the `f64` it is (`0.1f32` is
//!   `0.10000000149011612`); an `i128` or `u128` outside `i64`..=`u64` is an error, "number out
//!   of range";
//! - a map's keys must serialize as a string, a char, a bool, an integer, a finite float, a unit
//!   variant, or a newtype struct of one of those; anything else (`()`, `Option`, a sequence,
//!   bytes, a newtype variant...) is the error "key must be a string", and a non-finite float key
//!   is "float key must be finite (got NaN or +/-inf)". A float key is written as serde_json
//!   writes the float in JSON text, an `f32` key without widening (`0.1f32` is `"0.1"`);
//! - a repeated key keeps its first place and its last value.

use super::{Key, Object, Val};
use serde::ser::{self, Impossible, Serialize};
use serde_json::{Error, Number};
use std::fmt::{self, Write as _};
use std::sync::Arc;

/// Serializes `value` as a [`Val`], exactly as `serde_json::to_value` would serialize it as a
/// `serde_json::Value`: `Val::from(&serde_json::to_value(value)?)` is the same value with its
/// members in the same order, and an error is the one serde_json reports, with its message.
/// (Errors found here are made with `serde::ser::Error::custom`, so their `classify()` is
/// `Data` where serde_json's own say `Syntax`; the message is the same.)
///
/// ```
/// use workflow_core::value::to_val;
/// #[derive(serde::Serialize)]
/// enum Shape {
///     Circle { r: f64 },
/// }
/// let val = to_val(&(Shape::Circle { r: 1.5 }, None::<u8>)).unwrap();
/// assert_eq!(val.to_string(), r#"[{"Circle":{"r":1.5}},null]"#);
/// ```
pub fn to_val<T: Serialize + ?Sized>(value: &T) -> Result<Val, Error> {
    value.serialize(Encoder)
}

/// serde_json's message for a map key that is not a string, a number, a bool or a unit variant.
fn key_must_be_a_string() -> Error {
    ser::Error::custom("key must be a string")
}

/// serde_json's message for a NaN or infinite float map key.
fn float_key_must_be_finite() -> Error {
    ser::Error::custom("float key must be finite (got NaN or +/-inf)")
}

/// serde_json's message for an `i128` or `u128` that is not an `i64` or a `u64`.
fn number_out_of_range() -> Error {
    ser::Error::custom("number out of range")
}

fn float(f: f64) -> Val {
    Number::from_f64(f).map_or(Val::Null, Val::Number)
}

fn string(s: &str) -> Val {
    Val::String(Arc::from(s))
}

/// The one-member object `{name: content}`, as serde_json writes an enum's non-unit variant.
fn variant(name: &str, content: Val) -> Val {
    let mut object = Object::with_capacity(1);
    object.push_unique(Key::from(name), content);
    Val::Object(Arc::new(object))
}

/// The serializer [`to_val`] uses.
struct Encoder;

impl ser::Serializer for Encoder {
    type Ok = Val;
    type Error = Error;

    type SerializeSeq = Items;
    type SerializeTuple = Items;
    type SerializeTupleStruct = Items;
    type SerializeTupleVariant = VariantItems;
    type SerializeMap = Members;
    type SerializeStruct = Members;
    type SerializeStructVariant = VariantMembers;

    fn serialize_bool(self, v: bool) -> Result<Val, Error> {
        Ok(Val::Bool(v))
    }

    fn serialize_i8(self, v: i8) -> Result<Val, Error> {
        self.serialize_i64(v.into())
    }

    fn serialize_i16(self, v: i16) -> Result<Val, Error> {
        self.serialize_i64(v.into())
    }

    fn serialize_i32(self, v: i32) -> Result<Val, Error> {
        self.serialize_i64(v.into())
    }

    fn serialize_i64(self, v: i64) -> Result<Val, Error> {
        Ok(Val::Number(v.into()))
    }

    fn serialize_i128(self, v: i128) -> Result<Val, Error> {
        if let Ok(u) = u64::try_from(v) {
            Ok(Val::Number(u.into()))
        } else if let Ok(i) = i64::try_from(v) {
            Ok(Val::Number(i.into()))
        } else {
            Err(number_out_of_range())
        }
    }

    fn serialize_u8(self, v: u8) -> Result<Val, Error> {
        self.serialize_u64(v.into())
    }

    fn serialize_u16(self, v: u16) -> Result<Val, Error> {
        self.serialize_u64(v.into())
    }

    fn serialize_u32(self, v: u32) -> Result<Val, Error> {
        self.serialize_u64(v.into())
    }

    fn serialize_u64(self, v: u64) -> Result<Val, Error> {
        Ok(Val::Number(v.into()))
    }

    fn serialize_u128(self, v: u128) -> Result<Val, Error> {
        u64::try_from(v)
            .map(|u| Val::Number(u.into()))
            .map_err(|_| number_out_of_range())
    }

    fn serialize_f32(self, v: f32) -> Result<Val, Error> {
        // serde_json widens it: 0.1f32 is 0.10000000149011612.
        Ok(float(v.into()))
    }

    fn serialize_f64(self, v: f64) -> Result<Val, Error> {
        Ok(float(v))
    }

    fn serialize_char(self, v: char) -> Result<Val, Error> {
        Ok(string(v.encode_utf8(&mut [0; 4])))
    }

    fn serialize_str(self, v: &str) -> Result<Val, Error> {
        Ok(string(v))
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<Val, Error> {
        let items = v.iter().map(|&b| Val::Number(b.into())).collect();
        Ok(Val::Array(Arc::new(items)))
    }

    fn serialize_none(self) -> Result<Val, Error> {
        Ok(Val::Null)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Val, Error> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<Val, Error> {
        Ok(Val::Null)
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<Val, Error> {
        Ok(Val::Null)
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Val, Error> {
        Ok(string(variant))
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<Val, Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        name: &'static str,
        value: &T,
    ) -> Result<Val, Error> {
        Ok(variant(name, to_val(value)?))
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<Items, Error> {
        Ok(Items(Vec::with_capacity(len.unwrap_or(0))))
    }

    fn serialize_tuple(self, len: usize) -> Result<Items, Error> {
        Ok(Items(Vec::with_capacity(len)))
    }

    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Items, Error> {
        Ok(Items(Vec::with_capacity(len)))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        name: &'static str,
        len: usize,
    ) -> Result<VariantItems, Error> {
        Ok(VariantItems {
            name,
            items: Items(Vec::with_capacity(len)),
        })
    }

    fn serialize_map(self, len: Option<usize>) -> Result<Members, Error> {
        Ok(Members::with_capacity(len.unwrap_or(0)))
    }

    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Members, Error> {
        Ok(Members::with_capacity(len))
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        name: &'static str,
        len: usize,
    ) -> Result<VariantMembers, Error> {
        Ok(VariantMembers {
            name,
            members: Members::with_capacity(len),
        })
    }

    fn collect_str<T: fmt::Display + ?Sized>(self, value: &T) -> Result<Val, Error> {
        Ok(Val::String(Arc::from(value.to_string())))
    }
}

/// An array's items so far.
struct Items(Vec<Val>);

impl ser::SerializeSeq for Items {
    type Ok = Val;
    type Error = Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.0.push(to_val(value)?);
        Ok(())
    }

    fn end(self) -> Result<Val, Error> {
        Ok(Val::Array(Arc::new(self.0)))
    }
}

impl ser::SerializeTuple for Items {
    type Ok = Val;
    type Error = Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result<Val, Error> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for Items {
    type Ok = Val;
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result<Val, Error> {
        ser::SerializeSeq::end(self)
    }
}

/// A tuple variant's name and its items so far.
struct VariantItems {
    name: &'static str,
    items: Items,
}

impl ser::SerializeTupleVariant for VariantItems {
    type Ok = Val;
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(&mut self.items, value)
    }

    fn end(self) -> Result<Val, Error> {
        Ok(variant(self.name, ser::SerializeSeq::end(self.items)?))
    }
}

/// An object's members so far, and the key waiting for its value.
struct Members {
    object: Object,
    next_key: Option<Arc<str>>,
}

impl Members {
    fn with_capacity(n: usize) -> Self {
        Members {
            object: Object::with_capacity(n),
            next_key: None,
        }
    }

    /// Adds `key` (the kept key when the process keeps its text, [`Key::known_or_new`]).
    fn add<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Error> {
        let key = Key::known_or_new(key);
        // A repeated key keeps its first place and takes the last value, as serde_json's map
        // (a big object finds it through its key index).
        self.object.insert(key, to_val(value)?);
        Ok(())
    }
}

impl ser::SerializeMap for Members {
    type Ok = Val;
    type Error = Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.next_key = Some(key.serialize(KeyEncoder)?);
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        // A bug in the caller, not a failure to report: serde_json panics too.
        let key = self
            .next_key
            .take()
            .expect("serialize_value called before serialize_key");
        self.add(&key, value)
    }

    fn serialize_entry<K: Serialize + ?Sized, V: Serialize + ?Sized>(
        &mut self,
        key: &K,
        value: &V,
    ) -> Result<(), Error> {
        let key = key.serialize(KeyEncoder)?;
        self.add(&key, value)
    }

    fn end(self) -> Result<Val, Error> {
        Ok(Val::Object(Arc::new(self.object)))
    }
}

impl ser::SerializeStruct for Members {
    type Ok = Val;
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.add(key, value)
    }

    fn end(self) -> Result<Val, Error> {
        ser::SerializeMap::end(self)
    }
}

/// A struct variant's name and its members so far.
struct VariantMembers {
    name: &'static str,
    members: Members,
}

impl ser::SerializeStructVariant for VariantMembers {
    type Ok = Val;
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.members.add(key, value)
    }

    fn end(self) -> Result<Val, Error> {
        Ok(variant(self.name, ser::SerializeMap::end(self.members)?))
    }
}

/// A number's text without a heap allocation: an `i128` has at most 40 characters, a float as
/// serde_json writes it at most 24.
struct NumberText {
    bytes: [u8; 40],
    len: usize,
}

impl fmt::Write for NumberText {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        let slot = self.bytes.get_mut(self.len..end).ok_or(fmt::Error)?;
        slot.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// `n`'s `Display` text as a key (integers' is serde_json's, as is a `Number`'s).
fn number_key(n: impl fmt::Display) -> Arc<str> {
    let mut text = NumberText {
        bytes: [0; 40],
        len: 0,
    };
    match write!(text, "{n}") {
        Ok(()) => match std::str::from_utf8(&text.bytes[..text.len]) {
            Ok(s) => Arc::from(s),
            Err(_) => Arc::from(n.to_string()),
        },
        Err(_) => Arc::from(n.to_string()),
    }
}

/// A map key's serializer, with serde_json's rules for which keys are allowed and how they read.
struct KeyEncoder;

macro_rules! integer_keys {
    ($($method:ident: $ty:ty)*) => {$(
        fn $method(self, v: $ty) -> Result<Arc<str>, Error> {
            Ok(number_key(v))
        }
    )*};
}

impl ser::Serializer for KeyEncoder {
    type Ok = Arc<str>;
    type Error = Error;

    type SerializeSeq = Impossible<Arc<str>, Error>;
    type SerializeTuple = Impossible<Arc<str>, Error>;
    type SerializeTupleStruct = Impossible<Arc<str>, Error>;
    type SerializeTupleVariant = Impossible<Arc<str>, Error>;
    type SerializeMap = Impossible<Arc<str>, Error>;
    type SerializeStruct = Impossible<Arc<str>, Error>;
    type SerializeStructVariant = Impossible<Arc<str>, Error>;

    fn serialize_bool(self, v: bool) -> Result<Arc<str>, Error> {
        Ok(Arc::from(if v { "true" } else { "false" }))
    }

    integer_keys!(serialize_i8: i8 serialize_i16: i16 serialize_i32: i32 serialize_i64: i64
        serialize_i128: i128 serialize_u8: u8 serialize_u16: u16 serialize_u32: u32
        serialize_u64: u64 serialize_u128: u128);

    fn serialize_f32(self, v: f32) -> Result<Arc<str>, Error> {
        if !v.is_finite() {
            return Err(float_key_must_be_finite());
        }
        // The f32's own shortest text (not the widened f64's), as serde_json's JSON text
        // writes an f32; no other public function writes it that way.
        Ok(Arc::from(serde_json::to_string(&v)?))
    }

    fn serialize_f64(self, v: f64) -> Result<Arc<str>, Error> {
        match Number::from_f64(v) {
            Some(n) => Ok(number_key(n)),
            None => Err(float_key_must_be_finite()),
        }
    }

    fn serialize_char(self, v: char) -> Result<Arc<str>, Error> {
        Ok(Arc::from(&*v.encode_utf8(&mut [0; 4])))
    }

    fn serialize_str(self, v: &str) -> Result<Arc<str>, Error> {
        Ok(Arc::from(v))
    }

    fn serialize_bytes(self, _v: &[u8]) -> Result<Arc<str>, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_none(self) -> Result<Arc<str>, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result<Arc<str>, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_unit(self) -> Result<Arc<str>, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<Arc<str>, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Arc<str>, Error> {
        Ok(Arc::from(variant))
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<Arc<str>, Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<Arc<str>, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(key_must_be_a_string())
    }

    fn collect_str<T: fmt::Display + ?Sized>(self, value: &T) -> Result<Arc<str>, Error> {
        Ok(Arc::from(value.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::INDEXED_FROM;
    use proptest::prelude::*;
    use serde::Serialize;
    use serde_json::json;
    use std::collections::{BTreeMap, HashMap};

    /// `to_val(x)` against `serde_json::to_value(x)`: the same value with the same text (key
    /// order included), or the same error message.
    fn same<T: Serialize + ?Sized>(x: &T) -> Result<(), TestCaseError> {
        let expected = serde_json::to_value(x);
        match (to_val(x), &expected) {
            (Ok(val), Ok(json)) => {
                prop_assert_eq!(&val, &Val::from(json));
                prop_assert_eq!(val.to_string(), json.to_string());
            }
            (Err(e), Err(j)) => prop_assert_eq!(e.to_string(), j.to_string()),
            (got, _) => {
                let message = format!("to_val gave {got:?}, serde_json {expected:?}");
                return Err(TestCaseError::fail(message));
            }
        }
        Ok(())
    }

    /// A map written from a list, so that its keys may be of any type, and repeated.
    #[derive(Clone, Debug)]
    struct Pairs<K, V>(Vec<(K, V)>);

    impl<K: Serialize, V: Serialize> Serialize for Pairs<K, V> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
        }
    }

    /// Written with `serialize_bytes`.
    #[derive(Clone, Debug)]
    struct Bytes(Vec<u8>);

    impl Serialize for Bytes {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(&self.0)
        }
    }

    #[derive(Clone, Debug, Serialize)]
    struct Id(u16);

    #[derive(Clone, Debug, Serialize)]
    struct Marker;

    #[derive(Clone, Debug, Serialize)]
    enum Kind {
        Low,
        Mid(u8),
        High { level: i32, note: Option<String> },
        Pair(bool, String),
    }

    #[derive(Clone, Debug, Serialize)]
    struct Doc {
        id: String,
        ratio: Option<f64>,
        tags: Vec<String>,
        score: f64,
        small: f32,
        kind: Kind,
        by_number: BTreeMap<u32, String>,
        by_flag: HashMap<bool, i64>,
        triple: (u8, char, Id),
        wide: i128,
        huge: u128,
        bytes: Bytes,
        marker: Marker,
        unit: (),
    }

    /// Every kind of key, written as its content.
    #[derive(Clone, Debug, Serialize)]
    #[serde(untagged)]
    enum AnyKey {
        Str(String),
        Char(char),
        Bool(bool),
        U8(u8),
        I64(i64),
        U128(u128),
        I128(i128),
        F32(f32),
        F64(f64),
        Id(Id),
        Variant(Kind),
        Unit(()),
        Marker(Marker),
        Option(Option<u8>),
        Seq(Vec<u8>),
        Bytes(Bytes),
        Tuple((u8, u8)),
        Map(BTreeMap<u8, u8>),
    }

    fn text() -> impl Strategy<Value = String> {
        "[a-c0-9\"\\\\é]{0,4}"
    }

    fn kind() -> impl Strategy<Value = Kind> {
        prop_oneof![
            Just(Kind::Low),
            any::<u8>().prop_map(Kind::Mid),
            (any::<i32>(), prop::option::of(text()))
                .prop_map(|(level, note)| Kind::High { level, note }),
            (any::<bool>(), text()).prop_map(|(b, s)| Kind::Pair(b, s)),
        ]
    }

    /// Mostly in range of `i64`..=`u64`, sometimes out.
    fn wide() -> impl Strategy<Value = i128> {
        prop_oneof![
            3 => any::<i64>().prop_map(i128::from),
            3 => any::<u64>().prop_map(i128::from),
            1 => any::<i128>(),
        ]
    }

    fn doc() -> impl Strategy<Value = Doc> {
        (
            (
                text(),
                prop::option::of(prop::num::f64::ANY),
                prop::collection::vec(text(), 0..4),
                prop::num::f64::ANY,
                prop::num::f32::ANY,
                kind(),
            ),
            (
                prop::collection::btree_map(any::<u32>(), text(), 0..4),
                prop::collection::hash_map(any::<bool>(), any::<i64>(), 0..3),
                (any::<u8>(), any::<char>(), any::<u16>()),
                wide(),
                wide().prop_map(|n| n.unsigned_abs()),
                prop::collection::vec(any::<u8>(), 0..4),
            ),
        )
            .prop_map(
                |(
                    (id, ratio, tags, score, small, kind),
                    (by_number, by_flag, (a, c, n), wide, huge, bytes),
                )| Doc {
                    id,
                    ratio,
                    tags,
                    score,
                    small,
                    kind,
                    by_number,
                    by_flag,
                    triple: (a, c, Id(n)),
                    wide,
                    huge,
                    bytes: Bytes(bytes),
                    marker: Marker,
                    unit: (),
                },
            )
    }

    fn any_key() -> impl Strategy<Value = AnyKey> {
        prop_oneof![
            4 => prop_oneof![Just("a".to_owned()), Just("b".to_owned()), text()]
                .prop_map(AnyKey::Str),
            1 => any::<char>().prop_map(AnyKey::Char),
            1 => any::<bool>().prop_map(AnyKey::Bool),
            1 => (0u8..4).prop_map(AnyKey::U8),
            1 => any::<i64>().prop_map(AnyKey::I64),
            1 => any::<u128>().prop_map(AnyKey::U128),
            1 => any::<i128>().prop_map(AnyKey::I128),
            1 => prop::num::f32::ANY.prop_map(AnyKey::F32),
            1 => prop::num::f64::ANY.prop_map(AnyKey::F64),
            1 => any::<u16>().prop_map(|n| AnyKey::Id(Id(n))),
            1 => kind().prop_map(AnyKey::Variant),
            1 => Just(AnyKey::Unit(())),
            1 => Just(AnyKey::Marker(Marker)),
            1 => prop::option::of(any::<u8>()).prop_map(AnyKey::Option),
            1 => prop::collection::vec(any::<u8>(), 0..2).prop_map(AnyKey::Seq),
            1 => prop::collection::vec(any::<u8>(), 0..2).prop_map(|b| AnyKey::Bytes(Bytes(b))),
            1 => any::<(u8, u8)>().prop_map(AnyKey::Tuple),
            1 => prop::collection::btree_map(any::<u8>(), any::<u8>(), 0..2).prop_map(AnyKey::Map),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(if std::env::var_os("CI").is_some() { 64 } else { 256 }))]

        #[test]
        fn typed_values_encode_as_serde_json_encodes_them(
            d in doc(),
            kinds in prop::collection::vec(kind(), 0..4),
            tuple in any::<(i8, Option<u64>, String, f64)>(),
        ) {
            same(&d)?;
            same(&kinds)?;
            same(&tuple)?;
            same(&Pairs(vec![(Id(1), &d), (Id(2), &d)]))?;
        }

        #[test]
        fn keys_are_kept_or_rejected_as_serde_json_does(
            pairs in prop::collection::vec((any_key(), any::<i8>()), 0..6),
        ) {
            same(&Pairs(pairs))?;
        }

        #[test]
        fn big_maps_keep_a_repeated_keys_first_place_and_last_value(
            pairs in prop::collection::vec(("[a-f]{1,2}", any::<u8>()), 0..80),
        ) {
            // Past INDEXED_FROM members, an object finds a repeated key through its index.
            same(&Pairs(pairs))?;
        }

        #[test]
        fn json_values_encode_to_themselves(v in super::super::tests::json_value()) {
            same(&v)?;
            let val = Val::from(&v);
            prop_assert_eq!(to_val(&val).unwrap().to_string(), val.to_string());
        }
    }

    /// The error message serde_json gives for `x`, which `to_val` must give too.
    fn error<T: Serialize + ?Sized>(x: &T) -> String {
        let message = to_val(x).unwrap_err().to_string();
        assert_eq!(
            serde_json::to_value(x).unwrap_err().to_string(),
            message,
            "serde_json's"
        );
        message
    }

    #[test]
    fn keys_that_are_not_strings_or_numbers_are_errors_with_serde_jsons_message() {
        let key_must_be_a_string = "key must be a string";
        assert_eq!(error(&Pairs(vec![(vec![1u8], 1)])), key_must_be_a_string);
        assert_eq!(error(&Pairs(vec![((), 1)])), key_must_be_a_string);
        assert_eq!(error(&Pairs(vec![(Marker, 1)])), key_must_be_a_string);
        assert_eq!(error(&Pairs(vec![(Some("a"), 1)])), key_must_be_a_string);
        assert_eq!(
            error(&Pairs(vec![(Bytes(vec![]), 1)])),
            key_must_be_a_string
        );
        assert_eq!(error(&Pairs(vec![(Kind::Mid(1), 1)])), key_must_be_a_string);
        // After a good member, and deep inside a value.
        let bad = Pairs(vec![(json!("a"), 1), (json!({}), 2)]);
        assert_eq!(error(&vec![bad]), key_must_be_a_string);
        let float_key_must_be_finite = "float key must be finite (got NaN or +/-inf)";
        assert_eq!(error(&Pairs(vec![(f64::NAN, 1)])), float_key_must_be_finite);
        assert_eq!(
            error(&Pairs(vec![(f32::INFINITY, 1)])),
            float_key_must_be_finite
        );
    }

    #[test]
    fn integers_beyond_i64_and_u64_are_errors_but_not_as_keys() {
        assert_eq!(error(&(u128::from(u64::MAX) + 1)), "number out of range");
        assert_eq!(error(&(i128::from(i64::MIN) - 1)), "number out of range");
        assert_eq!(
            to_val(&u128::from(u64::MAX)).unwrap().to_string(),
            u64::MAX.to_string()
        );
        let keys = Pairs(vec![
            (AnyKey::U128(u128::MAX), 1),
            (AnyKey::I128(i128::MIN), 2),
        ]);
        let text = format!(r#"{{"{}":1,"{}":2}}"#, u128::MAX, i128::MIN);
        assert_eq!(to_val(&keys).unwrap().to_string(), text);
        same(&keys).unwrap();
    }

    #[test]
    fn finite_float_keys_are_written_as_floats_an_f32_key_without_widening() {
        // An f32 value is widened to f64, an f32 key is not.
        let x = Pairs(vec![(0.1f32, 0.1f32)]);
        assert_eq!(
            to_val(&x).unwrap().to_string(),
            r#"{"0.1":0.10000000149011612}"#
        );
        let y = Pairs(vec![(1e300, 1.0), (-0.0, f64::NAN)]);
        assert_eq!(
            to_val(&y).unwrap().to_string(),
            r#"{"1e+300":1.0,"-0.0":null}"#
        );
        same(&x).unwrap();
        same(&y).unwrap();
    }

    #[test]
    fn a_repeated_key_keeps_its_first_place_and_its_last_value() {
        let x = Pairs(vec![("a", 1), ("b", 2), ("a", 3)]);
        assert_eq!(to_val(&x).unwrap().to_string(), r#"{"a":3,"b":2}"#);
        // A struct's field and a flattened map's key collide the same way.
        #[derive(Serialize)]
        struct Flat {
            a: u8,
            b: u8,
            #[serde(flatten)]
            rest: BTreeMap<&'static str, u8>,
        }
        let flat = Flat {
            a: 1,
            b: 2,
            rest: [("a", 3), ("c", 4)].into(),
        };
        assert_eq!(to_val(&flat).unwrap().to_string(), r#"{"a":3,"b":2,"c":4}"#);
        same(&x).unwrap();
        same(&flat).unwrap();
        // The same past INDEXED_FROM members.
        let mut big: Vec<(String, usize)> = (0..2 * INDEXED_FROM)
            .map(|i| (format!("k{i}"), i))
            .collect();
        big.push(("k0".to_owned(), 100));
        big.push((format!("k{}", 2 * INDEXED_FROM - 1), 101));
        let val = to_val(&Pairs(big.clone())).unwrap();
        let object = val.as_object().unwrap();
        assert_eq!(object.len(), 2 * INDEXED_FROM);
        assert_eq!(object.keys().next().map(|k| &**k), Some("k0"));
        assert_eq!(object.get("k0"), Some(&Val::Number(100.into())));
        same(&Pairs(big)).unwrap();
    }
}
