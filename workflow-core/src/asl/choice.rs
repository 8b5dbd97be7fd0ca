//! Choice rules: comparisons on a `Variable` (JSONPath), `And`/`Or`/`Not`, or a `Condition`
//! (JSONata).

use super::fields::present;
use serde::{Deserialize, Serialize};
use serde_json::Value;

macro_rules! choice_rule {
    ($($field:ident => $op:ident),* $(,)?) => {
        /// One Choice rule, as written. Top-level rules carry `Next`; rules nested in
        /// `And`/`Or`/`Not` do not. The validator checks that exactly one test is present.
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields, rename_all = "PascalCase")]
        pub struct ChoiceRule {
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub comment: Option<String>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub variable: Option<String>,
            $(
                #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "present")]
                pub $field: Option<Value>,
            )*
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub and: Option<Vec<ChoiceRule>>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub or: Option<Vec<ChoiceRule>>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub not: Option<Box<ChoiceRule>>,
            /// JSONata mode: a boolean or a `{% %}` expression.
            #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "present")]
            pub condition: Option<Value>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub next: Option<String>,
            #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "present")]
            pub output: Option<Value>,
            #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "present")]
            pub assign: Option<Value>,
        }

        /// A comparison operator of a Choice rule.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Operator {
            $($op,)*
        }

        impl Operator {
            /// Every operator, in the order of the model.
            pub const ALL: &'static [Operator] = &[$(Operator::$op,)*];

            /// The field name, e.g. `StringEqualsPath`.
            pub fn name(self) -> &'static str {
                match self {
                    $(Operator::$op => stringify!($op),)*
                }
            }
        }

        impl ChoiceRule {
            /// The comparison operators present on this rule with their operands.
            pub fn comparisons(&self) -> impl Iterator<Item = (Operator, &Value)> {
                [$((Operator::$op, self.$field.as_ref()),)*]
                    .into_iter()
                    .filter_map(|(op, v)| v.map(|v| (op, v)))
            }
        }
    };
}

choice_rule! {
    string_equals => StringEquals,
    string_equals_path => StringEqualsPath,
    string_less_than => StringLessThan,
    string_less_than_path => StringLessThanPath,
    string_greater_than => StringGreaterThan,
    string_greater_than_path => StringGreaterThanPath,
    string_less_than_equals => StringLessThanEquals,
    string_less_than_equals_path => StringLessThanEqualsPath,
    string_greater_than_equals => StringGreaterThanEquals,
    string_greater_than_equals_path => StringGreaterThanEqualsPath,
    string_matches => StringMatches,
    numeric_equals => NumericEquals,
    numeric_equals_path => NumericEqualsPath,
    numeric_less_than => NumericLessThan,
    numeric_less_than_path => NumericLessThanPath,
    numeric_greater_than => NumericGreaterThan,
    numeric_greater_than_path => NumericGreaterThanPath,
    numeric_less_than_equals => NumericLessThanEquals,
    numeric_less_than_equals_path => NumericLessThanEqualsPath,
    numeric_greater_than_equals => NumericGreaterThanEquals,
    numeric_greater_than_equals_path => NumericGreaterThanEqualsPath,
    boolean_equals => BooleanEquals,
    boolean_equals_path => BooleanEqualsPath,
    timestamp_equals => TimestampEquals,
    timestamp_equals_path => TimestampEqualsPath,
    timestamp_less_than => TimestampLessThan,
    timestamp_less_than_path => TimestampLessThanPath,
    timestamp_greater_than => TimestampGreaterThan,
    timestamp_greater_than_path => TimestampGreaterThanPath,
    timestamp_less_than_equals => TimestampLessThanEquals,
    timestamp_less_than_equals_path => TimestampLessThanEqualsPath,
    timestamp_greater_than_equals => TimestampGreaterThanEquals,
    timestamp_greater_than_equals_path => TimestampGreaterThanEqualsPath,
    is_null => IsNull,
    is_present => IsPresent,
    is_numeric => IsNumeric,
    is_string => IsString,
    is_boolean => IsBoolean,
    is_timestamp => IsTimestamp,
}

impl Operator {
    /// Whether the operand is a reference path to compare against (`...Path`).
    pub fn is_path(self) -> bool {
        self.name().ends_with("Path")
    }
}
