//! `&Val` as a serde `Deserializer`, with the behaviour and the error messages of
//! `serde_json`'s `&Value` deserializer: a task's input type decodes from a `Val` without a
//! conversion to `serde_json::Value` first.

use super::{Object, Val};
use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer, MapAccess, SeqAccess,
    Unexpected, VariantAccess, Visitor,
};
use serde::forward_to_deserialize_any;
use serde_json::{Error, Number};

impl Val {
    fn unexpected(&self) -> Unexpected<'_> {
        match self {
            Val::Null => Unexpected::Unit,
            Val::Bool(b) => Unexpected::Bool(*b),
            Val::Number(n) => number_unexpected(n),
            Val::String(s) => Unexpected::Str(s),
            Val::Array(_) => Unexpected::Seq,
            Val::Object(_) => Unexpected::Map,
        }
    }

    fn invalid_type<E: de::Error>(&self, expected: &dyn de::Expected) -> E {
        E::invalid_type(self.unexpected(), expected)
    }
}

fn number_unexpected(n: &Number) -> Unexpected<'static> {
    match (n.as_u64(), n.as_i64(), n.as_f64()) {
        (Some(u), _, _) => Unexpected::Unsigned(u),
        (None, Some(i), _) => Unexpected::Signed(i),
        (None, None, f) => Unexpected::Float(f.unwrap_or(f64::NAN)),
    }
}

fn visit_array<'de, V: Visitor<'de>>(items: &'de [Val], visitor: V) -> Result<V::Value, Error> {
    let len = items.len();
    let mut seq = Seq(items.iter());
    let value = visitor.visit_seq(&mut seq)?;
    if seq.0.len() == 0 {
        Ok(value)
    } else {
        Err(de::Error::invalid_length(len, &"fewer elements in array"))
    }
}

fn visit_object<'de, V: Visitor<'de>>(object: &'de Object, visitor: V) -> Result<V::Value, Error> {
    let len = object.len();
    let mut map = Members {
        iter: object.members.iter(),
        value: None,
    };
    let value = visitor.visit_map(&mut map)?;
    if map.iter.len() == 0 {
        Ok(value)
    } else {
        Err(de::Error::invalid_length(len, &"fewer elements in map"))
    }
}

macro_rules! number {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match self {
                Val::Number(n) => n.deserialize_any(visitor),
                other => Err(other.invalid_type(&visitor)),
            }
        }
    )*};
}

impl<'de> Deserializer<'de> for &'de Val {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Val::Null => visitor.visit_unit(),
            Val::Bool(b) => visitor.visit_bool(*b),
            Val::Number(n) => n.deserialize_any(visitor),
            Val::String(s) => visitor.visit_borrowed_str(s),
            Val::Array(a) => visit_array(a, visitor),
            Val::Object(o) => visit_object(o, visitor),
        }
    }

    number!(deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
        deserialize_f32 deserialize_f64);

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Val::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self {
            Val::Object(o) => {
                let mut members = o.members.iter();
                match (members.next(), members.next()) {
                    (Some((variant, value)), None) => visitor.visit_enum(Variant {
                        name: variant,
                        value: Some(value),
                    }),
                    _ => Err(de::Error::invalid_value(
                        Unexpected::Map,
                        &"map with a single key",
                    )),
                }
            }
            Val::String(s) => visitor.visit_enum(Variant {
                name: s,
                value: None,
            }),
            other => Err(de::Error::invalid_type(
                other.unexpected(),
                &"string or map",
            )),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Val::Bool(b) => visitor.visit_bool(*b),
            other => Err(other.invalid_type(&visitor)),
        }
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Val::String(s) => visitor.visit_borrowed_str(s),
            other => Err(other.invalid_type(&visitor)),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Val::String(s) => visitor.visit_borrowed_str(s),
            Val::Array(a) => visit_array(a, visitor),
            other => Err(other.invalid_type(&visitor)),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Val::Null => visitor.visit_unit(),
            other => Err(other.invalid_type(&visitor)),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Val::Array(a) => visit_array(a, visitor),
            other => Err(other.invalid_type(&visitor)),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Val::Object(o) => visit_object(o, visitor),
            other => Err(other.invalid_type(&visitor)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self {
            Val::Array(a) => visit_array(a, visitor),
            Val::Object(o) => visit_object(o, visitor),
            other => Err(other.invalid_type(&visitor)),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }
}

/// An array's items.
struct Seq<'de>(std::slice::Iter<'de, Val>);

impl<'de> SeqAccess<'de> for Seq<'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        self.0.next().map(|v| seed.deserialize(v)).transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

/// An object's members.
struct Members<'de> {
    iter: std::slice::Iter<'de, (super::Key, Val)>,
    value: Option<&'de Val>,
}

impl<'de> MapAccess<'de> for Members<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match self.iter.next() {
            Some((key, value)) => {
                self.value = Some(value);
                seed.deserialize(Key(key)).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, Error> {
        match self.value.take() {
            Some(value) => seed.deserialize(value),
            None => Err(de::Error::custom("value is missing")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// An object's key, which (as with `serde_json`) may also be read as a number or a bool.
struct Key<'de>(&'de str);

/// `serde_json`'s message for a key that does not read as the number asked for.
fn not_a_numeric_key() -> Error {
    de::Error::custom("invalid value: expected key to be a number in quotes")
}

macro_rules! numeric_key {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            // The whole key must be the number: it starts with a digit or `-`, and nothing
            // follows it, not even a space (serde_json reads it with its own parser and then
            // looks at the next byte; its errors are those of that parser).
            if !matches!(self.0.as_bytes().first(), Some(b'0'..=b'9' | b'-')) {
                return Err(not_a_numeric_key());
            }
            let mut de = serde_json::Deserializer::from_str(self.0);
            let value = de.$method(visitor)?;
            if de.end().is_err() || self.0.ends_with(|c: char| c.is_ascii_whitespace()) {
                return Err(not_a_numeric_key());
            }
            Ok(value)
        }
    )*};
}

impl<'de> Deserializer<'de> for Key<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_borrowed_str(self.0)
    }

    numeric_key!(deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
        deserialize_f32 deserialize_f64);

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            "true" => visitor.visit_bool(true),
            "false" => visitor.visit_bool(false),
            other => Err(de::Error::invalid_type(Unexpected::Str(other), &visitor)),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        // Keys are never null.
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        IntoDeserializer::<Error>::into_deserializer(self.0)
            .deserialize_enum(name, variants, visitor)
    }

    forward_to_deserialize_any! {
        char str string bytes byte_buf unit unit_struct seq tuple tuple_struct
        map struct identifier ignored_any
    }
}

/// An enum's variant: its name, and its content when it is written as a one-member object.
struct Variant<'de> {
    name: &'de str,
    value: Option<&'de Val>,
}

impl<'de> EnumAccess<'de> for Variant<'de> {
    type Error = Error;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), Error> {
        let name = IntoDeserializer::<Error>::into_deserializer(self.name);
        seed.deserialize(name).map(|v| (v, self))
    }
}

impl<'de> VariantAccess<'de> for Variant<'de> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        match self.value {
            Some(value) => serde::Deserialize::deserialize(value),
            None => Ok(()),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        match self.value {
            Some(value) => seed.deserialize(value),
            None => Err(de::Error::invalid_type(
                Unexpected::UnitVariant,
                &"newtype variant",
            )),
        }
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Some(Val::Array(a)) if a.is_empty() => visitor.visit_unit(),
            Some(Val::Array(a)) => visit_array(a, visitor),
            Some(other) => Err(de::Error::invalid_type(
                other.unexpected(),
                &"tuple variant",
            )),
            None => Err(de::Error::invalid_type(
                Unexpected::UnitVariant,
                &"tuple variant",
            )),
        }
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.value {
            Some(Val::Object(o)) => visit_object(o, visitor),
            Some(other) => Err(de::Error::invalid_type(
                other.unexpected(),
                &"struct variant",
            )),
            None => Err(de::Error::invalid_type(
                Unexpected::UnitVariant,
                &"struct variant",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::Deserialize;
    use serde_json::{json, Value};
    use std::collections::{BTreeMap, HashMap};

    #[derive(Debug, PartialEq, Deserialize)]
    enum Kind {
        Low,
        Mid(u8),
        High { level: i32 },
        Pair(bool, String),
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Doc {
        id: String,
        n: u64,
        ratio: Option<f64>,
        tags: Vec<String>,
        kind: Kind,
        by_number: BTreeMap<u16, bool>,
        by_flag: HashMap<bool, i8>,
        pair: (u8, char),
        #[serde(default)]
        unit: (),
    }

    /// Decodes `T` from `v` as serde_json does and from the same value as a `Val`: the same
    /// value or the same error message.
    fn same<T: for<'de> Deserialize<'de> + PartialEq + std::fmt::Debug>(v: &Value) {
        let from_json = T::deserialize(v).map_err(|e| e.to_string());
        let val = Val::from(v);
        let from_val = T::deserialize(&val).map_err(|e| e.to_string());
        assert_eq!(from_val, from_json, "{v}");
    }

    fn every_type(v: &Value) {
        same::<Doc>(v);
        same::<Kind>(v);
        same::<Option<Vec<u32>>>(v);
        same::<BTreeMap<i64, Value>>(v);
        same::<(i8, String)>(v);
        same::<Value>(v);
        same::<bool>(v);
        same::<f32>(v);
        same::<u128>(v);
        same::<char>(v);
        same::<()>(v);
    }

    #[test]
    fn typed_values_and_errors_are_serde_jsons() {
        let good = json!({
            "id": "a", "n": 3, "ratio": null, "tags": ["x", "y"], "kind": {"High": {"level": -2}},
            "by_number": {"1": true, "65535": false}, "by_flag": {"true": 1, "false": -1},
            "pair": [7, "c"]
        });
        every_type(&good);
        for bad in [
            json!({"id": 1}),
            json!({"id": "a", "n": -3}),
            json!({"kind": "Mid"}),
            json!("Low"),
            json!({"Mid": 300}),
            json!({"Pair": [true]}),
            json!({"Pair": [true, "s", 1]}),
            json!({"Low": null, "Mid": 1}),
            json!({}),
            json!([1, "two", 3]),
            json!({"1": 1, " 2": 2}),
            json!({"1x": 1}),
            json!({"-": 1}),
            json!({"99999999999999999999999": 1}),
            json!(1.5),
            json!(-0.0),
            json!(u64::MAX),
            json!(i64::MIN),
            json!("ab"),
            json!(null),
            json!([[], {}]),
        ] {
            every_type(&bad);
        }
        let mut doc = good.clone();
        doc["by_number"] = json!({"70000": true});
        every_type(&doc);
        doc["by_number"] = json!({"1 ": true});
        every_type(&doc);
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i8>().prop_map(|n| json!(n)),
            any::<u64>().prop_map(|n| json!(n)),
            any::<f64>().prop_map(|f| json!(f)),
            prop_oneof![
                Just("Low".to_owned()),
                Just("Mid".to_owned()),
                Just("true".to_owned()),
                Just("12".to_owned()),
                Just("-1".to_owned()),
                "[a-c]{0,2}",
            ]
            .prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec(
                    (
                        prop_oneof![
                            Just("id".to_owned()),
                            Just("n".to_owned()),
                            Just("kind".to_owned()),
                            Just("Mid".to_owned()),
                            Just("High".to_owned()),
                            Just("3".to_owned()),
                            Just("true".to_owned()),
                            "[a-c0-9-]{0,2}",
                        ],
                        inner
                    ),
                    0..5
                )
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(if std::env::var_os("CI").is_some() { 64 } else { 512 }))]

        #[test]
        fn any_value_decodes_as_serde_json_decodes_it(v in json_value()) {
            every_type(&v);
        }
    }
}
