//! Functions a `#[workflow]` body calls for states that are not tasks. In the body they become
//! states; the macro type-checks their arguments against these signatures, and they do nothing
//! when called elsewhere.

/// `sleep(seconds)`: a Wait state with `Seconds` (a literal) or `SecondsPath` (a field).
pub fn sleep(seconds: u64) {
    let _ = seconds;
}

/// `sleep_until(timestamp)`: a Wait state with `Timestamp` (a literal RFC 3339 string) or
/// `TimestampPath` (a field).
pub fn sleep_until<T: AsRef<str>>(timestamp: T) {
    let _ = timestamp.as_ref();
}

/// An RFC 3339 timestamp. Its JSON Schema says `format: date-time`, so a Choice compares it
/// with the `Timestamp*` operators (`TimestampLessThan`, ...) instead of as a string; it can
/// be compared with a string literal: `if order.due < "2030-01-01T00:00:00Z"`.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct Timestamp(pub String);

impl schemars::JsonSchema for Timestamp {
    fn schema_name() -> String {
        "Timestamp".to_owned()
    }

    fn json_schema(_: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
        schemars::schema::SchemaObject {
            instance_type: Some(schemars::schema::InstanceType::String.into()),
            format: Some("date-time".to_owned()),
            ..Default::default()
        }
        .into()
    }
}

impl PartialEq<&str> for Timestamp {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialOrd<&str> for Timestamp {
    fn partial_cmp(&self, other: &&str) -> Option<std::cmp::Ordering> {
        Some(self.0.as_str().cmp(*other))
    }
}

impl AsRef<str> for Timestamp {
    fn as_ref(&self) -> &str {
        &self.0
    }
}
