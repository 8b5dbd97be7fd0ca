use std::borrow::Cow;

use serde_json::{json, Value};

use super::{java_compare, Rule};
use crate::asl::ChoiceRule;
use crate::error::names;
use crate::StatesError;

/// Paths are kept as text; `$`, `$.a.b` and `$.list.0` are resolved against the input.
fn compile(rule: Value) -> Result<Rule<String>, String> {
    let rule: ChoiceRule = serde_json::from_value(rule).expect("rule JSON fits the model");
    Rule::compile(&rule, &mut |text| {
        if text.starts_with('$') {
            Ok(text.to_owned())
        } else {
            Err("a path must start with `$`".to_owned())
        }
    })
}

fn lookup<'a>(input: &'a Value, path: &str) -> Option<&'a Value> {
    let rest = path.strip_prefix('$')?;
    rest.split('.').skip(1).try_fold(input, |v, key| match v {
        Value::Object(map) => map.get(key),
        Value::Array(items) => items.get(key.parse::<usize>().ok()?),
        _ => None,
    })
}

fn eval(rule: &Rule<String>, input: &Value) -> Result<bool, StatesError> {
    rule.evaluate(&|path: &String| Ok(lookup(input, path).map(Cow::Borrowed)))
}

/// Evaluates `{"Variable": "$.v", op: operand}` on `{"v": variable, "w": other}`.
fn check(op: &str, operand: Value, variable: Value) -> bool {
    check_with(op, operand, variable, Value::Null)
}

fn check_with(op: &str, operand: Value, variable: Value, other: Value) -> bool {
    let mut rule = json!({"Variable": "$.v"});
    rule[op] = operand;
    let rule = compile(rule).unwrap_or_else(|e| panic!("{op}: {e}"));
    eval(&rule, &json!({"v": variable, "w": other})).unwrap_or_else(|e| panic!("{op}: {e}"))
}

fn path(op: &str, variable: Value, other: Value) -> bool {
    check_with(op, json!("$.w"), variable, other)
}

/// The JSON values the corpus tries every operator on.
fn all_types() -> Vec<Value> {
    vec![
        json!(null),
        json!(0),
        json!(1.5),
        json!(""),
        json!("x"),
        json!("2012-10-09T19:00:55Z"),
        json!([]),
        json!([""]),
        json!({}),
        json!({"A": 0}),
        json!(true),
        json!(false),
    ]
}

#[test]
fn string_comparisons_literal_and_path() {
    let cases = [
        ("StringEquals", "A", "A", true),
        ("StringEquals", "A", "A ", false),
        ("StringEquals", "\t\n", "\t\r\n", false),
        ("StringLessThan", "A", "AB", true),
        ("StringLessThan", "AB", "A", false),
        ("StringLessThan", "", "", false),
        ("StringGreaterThan", "AB", "A", true),
        ("StringGreaterThan", "A", "A\t\n\r", false),
        ("StringLessThanEquals", "", "", true),
        ("StringLessThanEquals", "B", "A", false),
        ("StringGreaterThanEquals", "A", "A", true),
        ("StringGreaterThanEquals", "A", "AB", false),
        ("StringLessThan", "B", "a", true), // code order, not case-insensitive
    ];
    for (op, variable, operand, expected) in cases {
        assert_eq!(
            check(op, json!(operand), json!(variable)),
            expected,
            "{op} {variable:?} {operand:?}"
        );
        let path_op = format!("{op}Path");
        assert_eq!(
            path(&path_op, json!(variable), json!(operand)),
            expected,
            "{path_op}"
        );
    }
}

#[test]
fn string_order_is_java_utf16_order() {
    // U+1F600 is a surrogate pair starting 0xD83D, which sorts before U+FFFD in UTF-16 although
    // its code point is larger.
    assert_eq!(java_compare("😀", "\u{FFFD}"), std::cmp::Ordering::Less);
    assert_eq!(java_compare("a😀", "a\u{FFFD}"), std::cmp::Ordering::Less);
    assert_eq!(java_compare("😀", "😁"), std::cmp::Ordering::Less);
    assert_eq!(java_compare("é", "e"), std::cmp::Ordering::Greater);
    assert_eq!(java_compare("ab", "abc"), std::cmp::Ordering::Less);
    assert_eq!(java_compare("abc", "abc"), std::cmp::Ordering::Equal);
    assert_eq!(java_compare("", "a"), std::cmp::Ordering::Less);
    // Differing in the second byte of a two-byte character.
    assert_eq!(java_compare("é", "ê"), std::cmp::Ordering::Less);
    assert!(check("StringLessThan", json!("\u{FFFD}"), json!("😀")));
}

#[test]
fn numeric_comparisons_literal_and_path() {
    let cases = [
        ("NumericEquals", json!(1), json!(1.0), true),
        ("NumericEquals", json!(0), json!(0.0), true),
        ("NumericEquals", json!(1.1), json!(1), false),
        ("NumericEquals", json!(2.22), json!(2.22), true),
        ("NumericEquals", json!(-3), json!(-3), true),
        ("NumericLessThan", json!(0), json!(1), true),
        ("NumericLessThan", json!(1), json!(1), false),
        ("NumericGreaterThan", json!(1), json!(0), true),
        ("NumericGreaterThan", json!(0.0), json!(0), false),
        ("NumericLessThanEquals", json!(1), json!(1.0), true),
        ("NumericLessThanEquals", json!(1), json!(0), false),
        ("NumericGreaterThanEquals", json!(0), json!(0), true),
        ("NumericGreaterThanEquals", json!(0), json!(1), false),
        ("NumericGreaterThan", json!(u64::MAX), json!(i64::MIN), true),
    ];
    for (op, variable, operand, expected) in cases {
        assert_eq!(
            check(op, operand.clone(), variable.clone()),
            expected,
            "{op} {variable} {operand}"
        );
        let path_op = format!("{op}Path");
        assert_eq!(path(&path_op, variable, operand), expected, "{path_op}");
    }
}

#[test]
fn numbers_compare_as_doubles() {
    // 2^53 + 1 is not representable and rounds to 2^53, as in the service.
    assert!(check(
        "NumericEquals",
        json!(9_007_199_254_740_992u64),
        json!(9_007_199_254_740_993u64)
    ));
}

#[test]
fn boolean_equals_literal_and_path() {
    assert!(check("BooleanEquals", json!(true), json!(true)));
    assert!(check("BooleanEquals", json!(false), json!(false)));
    assert!(!check("BooleanEquals", json!(true), json!(false)));
    assert!(path("BooleanEqualsPath", json!(false), json!(false)));
    assert!(!path("BooleanEqualsPath", json!(true), json!(false)));
}

#[test]
fn timestamp_comparisons_are_on_instants() {
    let t = "2012-10-09T19:00:55Z";
    let same_plus_one = "2012-10-09T20:00:55+01:00";
    let later = "2012-10-09T19:00:55.5Z";
    let cases = [
        ("TimestampEquals", t, t, true),
        ("TimestampEquals", same_plus_one, t, true),
        ("TimestampEquals", later, t, false),
        ("TimestampLessThan", t, later, true),
        ("TimestampLessThan", later, same_plus_one, false),
        ("TimestampGreaterThan", later, same_plus_one, true),
        ("TimestampGreaterThan", t, t, false),
        ("TimestampLessThanEquals", same_plus_one, t, true),
        ("TimestampLessThanEquals", later, t, false),
        ("TimestampGreaterThanEquals", t, same_plus_one, true),
        ("TimestampGreaterThanEquals", t, later, false),
    ];
    for (op, variable, operand, expected) in cases {
        assert_eq!(
            check(op, json!(operand), json!(variable)),
            expected,
            "{op} {variable} {operand}"
        );
        let path_op = format!("{op}Path");
        assert_eq!(
            path(&path_op, json!(variable), json!(operand)),
            expected,
            "{path_op}"
        );
    }
}

#[test]
fn invalid_timestamp_strings_compare_false() {
    for bad in [
        "2012-10-09T19:00:55",
        "2023-02-24 12:15:56.832957",
        "2023-02-24",
        "x",
    ] {
        assert!(
            !check("TimestampEquals", json!("2012-10-09T19:00:55Z"), json!(bad)),
            "{bad}"
        );
        assert!(
            !check(
                "TimestampLessThan",
                json!("2099-10-09T19:00:55Z"),
                json!(bad)
            ),
            "{bad}"
        );
        assert!(!path(
            "TimestampLessThanEqualsPath",
            json!(bad),
            json!("2099-10-09T19:00:55Z")
        ));
    }
}

#[test]
fn wrong_variable_type_is_false_for_every_comparison() {
    let operands = [
        ("StringEquals", json!("x")),
        ("StringLessThan", json!("zzz")),
        ("StringGreaterThanEquals", json!("")),
        ("StringMatches", json!("*")),
        ("NumericEquals", json!(0)),
        ("NumericLessThan", json!(100)),
        ("NumericGreaterThanEquals", json!(-100)),
        ("BooleanEquals", json!(true)),
        ("BooleanEquals", json!(false)),
        ("TimestampEquals", json!("2012-10-09T19:00:55Z")),
        ("TimestampLessThanEquals", json!("2099-01-01T00:00:00Z")),
    ];
    for (op, operand) in operands {
        for variable in all_types() {
            let kind_matches = match op {
                o if o.starts_with("String") => variable.is_string(),
                o if o.starts_with("Numeric") => variable.is_number(),
                o if o.starts_with("Boolean") => variable.is_boolean(),
                _ => variable.as_str() == Some("2012-10-09T19:00:55Z"),
            };
            if !kind_matches {
                assert!(
                    !check(op, operand.clone(), variable.clone()),
                    "{op} on {variable}"
                );
            }
        }
    }
}

#[test]
fn type_tests_and_their_negation() {
    for variable in all_types() {
        let expected = [
            ("IsNull", variable.is_null()),
            ("IsNumeric", variable.is_number()),
            ("IsString", variable.is_string()),
            ("IsBoolean", variable.is_boolean()),
            (
                "IsTimestamp",
                variable.as_str() == Some("2012-10-09T19:00:55Z"),
            ),
            ("IsPresent", true),
        ];
        for (op, holds) in expected {
            assert_eq!(
                check(op, json!(true), variable.clone()),
                holds,
                "{op}: true on {variable}"
            );
            assert_eq!(
                check(op, json!(false), variable.clone()),
                !holds,
                "{op}: false on {variable}"
            );
        }
    }
}

#[test]
fn is_timestamp_uses_the_service_parser() {
    assert!(check(
        "IsTimestamp",
        json!(true),
        json!("2016-03-14T01:59:00.123-07:00")
    ));
    assert!(!check(
        "IsTimestamp",
        json!(true),
        json!("2016-03-14T01:59:00")
    ));
    assert!(!check(
        "IsTimestamp",
        json!(true),
        json!("2016-02-30T01:59:00Z")
    ));
    assert!(!check("IsTimestamp", json!(true), json!(1_457_920_740)));
}

#[test]
fn string_matches_wildcards_and_escapes() {
    assert!(check(
        "StringMatches",
        json!("log-*.txt"),
        json!("log-2024.txt")
    ));
    assert!(!check(
        "StringMatches",
        json!("log-*.txt"),
        json!("log-2024.csv")
    ));
    assert!(check("StringMatches", json!("*"), json!("")));
    assert!(check("StringMatches", json!("a\\*"), json!("a*")));
    assert!(!check("StringMatches", json!("a\\*"), json!("ab")));
    assert!(!check("StringMatches", json!("a?"), json!("ab")));
}

#[test]
fn missing_variable_is_a_runtime_error_except_for_is_present() {
    let input = json!({"other": 1});
    for (op, operand) in [
        ("StringEquals", json!("x")),
        ("NumericEquals", json!(1)),
        ("BooleanEquals", json!(true)),
        ("TimestampEquals", json!("2012-10-09T19:00:55Z")),
        ("StringMatches", json!("*")),
        ("IsNull", json!(false)),
        ("IsString", json!(false)),
        ("NumericEqualsPath", json!("$.other")),
    ] {
        let mut rule = json!({"Variable": "$.missing.deeper"});
        rule[op] = operand;
        let err = eval(&compile(rule).unwrap(), &input).unwrap_err();
        assert_eq!(err.error, names::RUNTIME, "{op}");
        assert!(
            err.cause.contains("'$.missing.deeper'"),
            "{op}: {}",
            err.cause
        );
    }
    let present = compile(json!({"Variable": "$.missing", "IsPresent": true})).unwrap();
    assert_eq!(eval(&present, &input), Ok(false));
    let absent = compile(json!({"Variable": "$.missing", "IsPresent": false})).unwrap();
    assert_eq!(eval(&absent, &input), Ok(true));
}

#[test]
fn path_operand_missing_is_an_error_and_wrong_type_is_false() {
    let rule = compile(json!({"Variable": "$.v", "StringEqualsPath": "$.nope"})).unwrap();
    let err = eval(&rule, &json!({"v": "a"})).unwrap_err();
    assert_eq!(err.error, names::RUNTIME);
    assert!(err.cause.contains("'$.nope'"));
    // Still an error when the Variable has the wrong type: both sides are read first.
    assert!(eval(&rule, &json!({"v": 1})).is_err());

    assert!(!path("StringEqualsPath", json!("1"), json!(1)));
    assert!(!path("NumericEqualsPath", json!(1), json!("1")));
    assert!(!path("BooleanEqualsPath", json!(true), json!("true")));
    assert!(!path(
        "TimestampEqualsPath",
        json!("2012-10-09T19:00:55Z"),
        json!(0)
    ));
}

#[test]
fn resolver_errors_pass_through() {
    let rule = compile(json!({"Variable": "$.v", "IsPresent": true})).unwrap();
    let err = rule
        .evaluate(&|_: &String| Err(StatesError::runtime("no context")))
        .unwrap_err();
    assert_eq!(err.cause, "no context");
}

#[test]
fn and_or_not_short_circuit() {
    let guarded = compile(json!({"And": [
        {"Variable": "$.k", "IsPresent": true},
        {"Variable": "$.k", "StringEquals": "foo"}
    ]}))
    .unwrap();
    assert_eq!(eval(&guarded, &json!({})), Ok(false));
    assert_eq!(eval(&guarded, &json!({"k": "foo"})), Ok(true));
    assert_eq!(eval(&guarded, &json!({"k": "bar"})), Ok(false));

    let either = compile(json!({"Or": [
        {"Variable": "$.k", "IsPresent": false},
        {"Variable": "$.k", "NumericGreaterThan": 10}
    ]}))
    .unwrap();
    assert_eq!(eval(&either, &json!({})), Ok(true));
    assert_eq!(eval(&either, &json!({"k": 11})), Ok(true));
    assert_eq!(eval(&either, &json!({"k": 9})), Ok(false));

    let not = compile(json!({"Not": {"Variable": "$.type", "StringEquals": "Private"}})).unwrap();
    assert_eq!(eval(&not, &json!({"type": "Private"})), Ok(false));
    assert_eq!(eval(&not, &json!({"type": "Public"})), Ok(true));
    assert!(eval(&not, &json!({})).is_err());
}

#[test]
fn nested_composites() {
    let rule = compile(json!({"And": [
        {"Variable": "$", "IsPresent": true},
        {"And": [{"Variable": "$", "IsNumeric": true}, {"Variable": "$", "NumericEquals": 3}]}
    ]}))
    .unwrap();
    assert_eq!(eval(&rule, &json!(3)), Ok(true));
    assert_eq!(eval(&rule, &json!("3")), Ok(false));
    assert_eq!(eval(&rule, &json!({})), Ok(false));
}

#[test]
fn paths_lists_variables_and_operands_in_order() {
    let rule = compile(json!({"Or": [
        {"Variable": "$.a", "StringEqualsPath": "$.b"},
        {"Not": {"Variable": "$.c", "IsNull": true}}
    ]}))
    .unwrap();
    assert_eq!(rule.paths(), vec!["$.a", "$.b", "$.c"]);
}

#[test]
fn compile_errors_name_the_field() {
    let error = |rule: Value| compile(rule).unwrap_err();
    assert!(error(json!({"Variable": "$.a"})).contains("no test"));
    assert!(error(json!({})).contains("no test"));
    assert!(
        error(json!({"Variable": "$.a", "StringEquals": "x", "IsNull": true}))
            .contains("2 tests (`StringEquals`, `IsNull`)")
    );
    assert!(error(
        json!({"Variable": "$.a", "StringEquals": "x", "Not": {"Variable": "$.a", "IsNull": true}})
    )
    .contains("expected exactly one"));
    assert!(error(json!({"StringEquals": "x"})).contains("`StringEquals` requires `Variable`"));
    assert_eq!(
        error(json!({"Variable": "$.a", "NumericEquals": "1"})),
        "`NumericEquals` must be a number, got \"1\""
    );
    assert!(error(json!({"Variable": "$.a", "StringEquals": 1})).contains("must be a string"));
    assert!(error(json!({"Variable": "$.a", "BooleanEquals": "true"})).contains("true or false"));
    assert!(error(json!({"Variable": "$.a", "IsPresent": 1})).contains("true or false"));
    assert!(error(json!({"Variable": "$.a", "StringMatches": 1})).contains("a string pattern"));
    assert!(
        error(json!({"Variable": "$.a", "TimestampEquals": "2016-03-14T01:59:00"}))
            .contains("ISO-8601 timestamp")
    );
    assert!(error(json!({"Variable": "$.a", "NumericEqualsPath": 1})).contains("reference path"));
    assert!(error(json!({"Variable": "a", "IsNull": true}))
        .contains("`Variable` \"a\": a path must start"));
    assert!(error(json!({"Variable": "$.a", "StringEqualsPath": "b"}))
        .contains("`StringEqualsPath` \"b\""));
    assert!(error(json!({"And": []})).contains("non-empty"));
    assert!(
        error(json!({"Variable": "$.a", "Or": [{"Variable": "$.a", "IsNull": true}]}))
            .contains("`Variable` is not allowed with `Or`")
    );
    assert!(error(json!({"Condition": "{% true %}"})).contains("JSONata"));
    assert_eq!(
        error(json!({"And": [{"Variable": "$.a", "IsNull": true}, {"Not": {"Variable": "$.a"}}]})),
        "And[1]: Not: the rule has no test: expected a comparison operator with `Variable`, or `And`, `Or` or `Not`"
    );
}
