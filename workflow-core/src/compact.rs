//! Copies of JSON values whose objects are sized to their members.
//!
//! A `serde_json::Value` parsed from text gives every object room for as many members as its
//! hash table could hold (three for a one-member object, seven for four), because the
//! `indexmap` behind it keeps its entries in step with its table: 336 bytes for a one-member
//! object whose member takes 112. An input read from text for `Runner::run` can be parsed as a
//! [`CompactValue`] instead.

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::fmt;

/// A JSON value parsed with no spare room in its objects and arrays: the same value as
/// `serde_json::from_str::<Value>` gives (members in order, the last of duplicate keys in
/// the first one's place), in about half the memory when it is made of small objects.
///
/// ```
/// use workflow_core::compact::CompactValue;
/// let CompactValue(value) = serde_json::from_str(r#"{"items": [{"word": "a"}]}"#).unwrap();
/// assert_eq!(value["items"][0]["word"], "a");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CompactValue(pub Value);

impl<'de> Deserialize<'de> for CompactValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(CompactVisitor)
            .map(CompactValue)
    }
}

struct CompactVisitor;

impl<'de> Visitor<'de> for CompactVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Value, E> {
        Ok(Number::from_f64(n).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_owned()))
    }

    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(CompactValue(item)) = seq.next_element()? {
            items.push(item);
        }
        items.shrink_to_fit();
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut members: Vec<(String, Value)> = Vec::new();
        while let Some((key, CompactValue(member))) = access.next_entry()? {
            members.push((key, member));
        }
        let mut map = Map::with_capacity(members.len());
        // Inserted one by one, as serde_json does: a repeated key keeps its first place.
        map.extend(members);
        Ok(Value::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            "[a-c0-9]{0,3}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec(("[a-e]{1,2}", inner), 0..9)
                    .prop_map(|members| Value::Object(members.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn parsing_compact_gives_what_serde_json_gives(value in json_value()) {
            let text = value.to_string();
            let CompactValue(parsed) = serde_json::from_str(&text).unwrap();
            prop_assert_eq!(parsed.to_string(), text);
        }
    }

    #[test]
    fn parsing_compact_agrees_with_serde_json_on_odd_documents() {
        for text in [
            r#"{"a": 1, "b": 2, "a": 3}"#,
            r#"[1.5e300, -0, 18446744073709551615, -9223372036854775808, 1e-7]"#,
            r#"{"": {"": []}, "\u00e9": "\ud83d\ude00"}"#,
            "null",
        ] {
            let CompactValue(ours) = serde_json::from_str(text).unwrap();
            let theirs: Value = serde_json::from_str(text).unwrap();
            assert_eq!(ours.to_string(), theirs.to_string(), "{text}");
        }
        for bad in ["{\"a\": }", "[1,]", &"[".repeat(200)] {
            assert!(serde_json::from_str::<CompactValue>(bad).is_err(), "{bad}");
        }
    }
}
