use std::borrow::Cow;

use crate::val;
use crate::value::Val;

use super::{java_compare, Rule};
use crate::asl::ChoiceRule;
use crate::error::names;
use crate::StatesError;

/// Paths are kept as text; `$`, `$.a.b` and `$.list.0` are resolved against the input.
fn compile(rule: Val) -> Result<Rule<String>, String> {
    let rule: ChoiceRule =
        serde_json::from_value(rule.to_json()).expect("rule JSON fits the model");
    Rule::compile(&rule, &mut |text| {
        if text.starts_with('$') {
            Ok(text.to_owned())
        } else {
            Err("a path must start with `$`".to_owned())
        }
    })
}

fn lookup<'a>(input: &'a Val, path: &str) -> Option<&'a Val> {
    let rest = path.strip_prefix('$')?;
    rest.split('.').skip(1).try_fold(input, |v, key| match v {
        Val::Object(map) => map.get(key),
        Val::Array(items) => items.get(key.parse::<usize>().ok()?),
        _ => None,
    })
}

fn eval(rule: &Rule<String>, input: &Val) -> Result<bool, StatesError> {
    rule.evaluate(&|path: &String| Ok(lookup(input, path).map(Cow::Borrowed)))
}

/// Evaluates `{"Variable": "$.v", op: operand}` on `{"v": variable, "w": other}`.
fn check(op: &str, operand: Val, variable: Val) -> bool {
    check_with(op, operand, variable, Val::Null)
}

fn check_with(op: &str, operand: Val, variable: Val, other: Val) -> bool {
    let mut rule = val!({"Variable": "$.v"});
    rule.object_mut().unwrap().insert(op, operand);
    let rule = compile(rule).unwrap_or_else(|e| panic!("{op}: {e}"));
    eval(&rule, &val!({"v": variable, "w": other})).unwrap_or_else(|e| panic!("{op}: {e}"))
}

fn path(op: &str, variable: Val, other: Val) -> bool {
    check_with(op, val!("$.w"), variable, other)
}

/// The JSON values the corpus tries every operator on.
fn all_types() -> Vec<Val> {
    vec![
        val!(null),
        val!(0),
        val!(1.5),
        val!(""),
        val!("x"),
        val!("2012-10-09T19:00:55Z"),
        val!([]),
        val!([""]),
        val!({}),
        val!({"A": 0}),
        val!(true),
        val!(false),
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
            check(op, val!(operand), val!(variable)),
            expected,
            "{op} {variable:?} {operand:?}"
        );
        let path_op = format!("{op}Path");
        assert_eq!(
            path(&path_op, val!(variable), val!(operand)),
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
    assert!(check("StringLessThan", val!("\u{FFFD}"), val!("😀")));
}

#[test]
fn numeric_comparisons_literal_and_path() {
    let cases = [
        ("NumericEquals", val!(1), val!(1.0), true),
        ("NumericEquals", val!(0), val!(0.0), true),
        ("NumericEquals", val!(1.1), val!(1), false),
        ("NumericEquals", val!(2.22), val!(2.22), true),
        ("NumericEquals", val!(-3), val!(-3), true),
        ("NumericLessThan", val!(0), val!(1), true),
        ("NumericLessThan", val!(1), val!(1), false),
        ("NumericGreaterThan", val!(1), val!(0), true),
        ("NumericGreaterThan", val!(0.0), val!(0), false),
        ("NumericLessThanEquals", val!(1), val!(1.0), true),
        ("NumericLessThanEquals", val!(1), val!(0), false),
        ("NumericGreaterThanEquals", val!(0), val!(0), true),
        ("NumericGreaterThanEquals", val!(0), val!(1), false),
        ("NumericGreaterThan", val!(u64::MAX), val!(i64::MIN), true),
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
        val!(9_007_199_254_740_992u64),
        val!(9_007_199_254_740_993u64)
    ));
}

#[test]
fn boolean_equals_literal_and_path() {
    assert!(check("BooleanEquals", val!(true), val!(true)));
    assert!(check("BooleanEquals", val!(false), val!(false)));
    assert!(!check("BooleanEquals", val!(true), val!(false)));
    assert!(path("BooleanEqualsPath", val!(false), val!(false)));
    assert!(!path("BooleanEqualsPath", val!(true), val!(false)));
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
            check(op, val!(operand), val!(variable)),
            expected,
            "{op} {variable} {operand}"
        );
        let path_op = format!("{op}Path");
        assert_eq!(
            path(&path_op, val!(variable), val!(operand)),
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
            !check("TimestampEquals", val!("2012-10-09T19:00:55Z"), val!(bad)),
            "{bad}"
        );
        assert!(
            !check("TimestampLessThan", val!("2099-10-09T19:00:55Z"), val!(bad)),
            "{bad}"
        );
        assert!(!path(
            "TimestampLessThanEqualsPath",
            val!(bad),
            val!("2099-10-09T19:00:55Z")
        ));
    }
}

#[test]
fn wrong_variable_type_is_false_for_every_comparison() {
    let operands = [
        ("StringEquals", val!("x")),
        ("StringLessThan", val!("zzz")),
        ("StringGreaterThanEquals", val!("")),
        ("StringMatches", val!("*")),
        ("NumericEquals", val!(0)),
        ("NumericLessThan", val!(100)),
        ("NumericGreaterThanEquals", val!(-100)),
        ("BooleanEquals", val!(true)),
        ("BooleanEquals", val!(false)),
        ("TimestampEquals", val!("2012-10-09T19:00:55Z")),
        ("TimestampLessThanEquals", val!("2099-01-01T00:00:00Z")),
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
                check(op, val!(true), variable.clone()),
                holds,
                "{op}: true on {variable}"
            );
            assert_eq!(
                check(op, val!(false), variable.clone()),
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
        val!(true),
        val!("2016-03-14T01:59:00.123-07:00")
    ));
    assert!(!check(
        "IsTimestamp",
        val!(true),
        val!("2016-03-14T01:59:00")
    ));
    assert!(!check(
        "IsTimestamp",
        val!(true),
        val!("2016-02-30T01:59:00Z")
    ));
    assert!(!check("IsTimestamp", val!(true), val!(1_457_920_740)));
}

#[test]
fn string_matches_wildcards_and_escapes() {
    assert!(check(
        "StringMatches",
        val!("log-*.txt"),
        val!("log-2024.txt")
    ));
    assert!(!check(
        "StringMatches",
        val!("log-*.txt"),
        val!("log-2024.csv")
    ));
    assert!(check("StringMatches", val!("*"), val!("")));
    assert!(check("StringMatches", val!("a\\*"), val!("a*")));
    assert!(!check("StringMatches", val!("a\\*"), val!("ab")));
    assert!(!check("StringMatches", val!("a?"), val!("ab")));
}

#[test]
fn missing_variable_is_a_runtime_error_except_for_is_present() {
    let input = val!({"other": 1});
    for (op, operand) in [
        ("StringEquals", val!("x")),
        ("NumericEquals", val!(1)),
        ("BooleanEquals", val!(true)),
        ("TimestampEquals", val!("2012-10-09T19:00:55Z")),
        ("StringMatches", val!("*")),
        ("IsNull", val!(false)),
        ("IsString", val!(false)),
        ("NumericEqualsPath", val!("$.other")),
    ] {
        let mut rule = val!({"Variable": "$.missing.deeper"});
        rule.object_mut().unwrap().insert(op, operand);
        let err = eval(&compile(rule).unwrap(), &input).unwrap_err();
        assert_eq!(err.error, names::RUNTIME, "{op}");
        assert!(
            err.cause.contains("'$.missing.deeper'"),
            "{op}: {}",
            err.cause
        );
    }
    let present = compile(val!({"Variable": "$.missing", "IsPresent": true})).unwrap();
    assert_eq!(eval(&present, &input), Ok(false));
    let absent = compile(val!({"Variable": "$.missing", "IsPresent": false})).unwrap();
    assert_eq!(eval(&absent, &input), Ok(true));
}

#[test]
fn path_operand_missing_is_an_error_and_wrong_type_is_false() {
    let rule = compile(val!({"Variable": "$.v", "StringEqualsPath": "$.nope"})).unwrap();
    let err = eval(&rule, &val!({"v": "a"})).unwrap_err();
    assert_eq!(err.error, names::RUNTIME);
    assert!(err.cause.contains("'$.nope'"));
    // Still an error when the Variable has the wrong type: both sides are read first.
    assert!(eval(&rule, &val!({"v": 1})).is_err());

    assert!(!path("StringEqualsPath", val!("1"), val!(1)));
    assert!(!path("NumericEqualsPath", val!(1), val!("1")));
    assert!(!path("BooleanEqualsPath", val!(true), val!("true")));
    assert!(!path(
        "TimestampEqualsPath",
        val!("2012-10-09T19:00:55Z"),
        val!(0)
    ));
}

#[test]
fn resolver_errors_pass_through() {
    let rule = compile(val!({"Variable": "$.v", "IsPresent": true})).unwrap();
    let err = rule
        .evaluate(&|_: &String| Err(StatesError::runtime("no context")))
        .unwrap_err();
    assert_eq!(err.cause, "no context");
}

#[test]
fn and_or_not_short_circuit() {
    let guarded = compile(val!({"And": [
        {"Variable": "$.k", "IsPresent": true},
        {"Variable": "$.k", "StringEquals": "foo"}
    ]}))
    .unwrap();
    assert_eq!(eval(&guarded, &val!({})), Ok(false));
    assert_eq!(eval(&guarded, &val!({"k": "foo"})), Ok(true));
    assert_eq!(eval(&guarded, &val!({"k": "bar"})), Ok(false));

    let either = compile(val!({"Or": [
        {"Variable": "$.k", "IsPresent": false},
        {"Variable": "$.k", "NumericGreaterThan": 10}
    ]}))
    .unwrap();
    assert_eq!(eval(&either, &val!({})), Ok(true));
    assert_eq!(eval(&either, &val!({"k": 11})), Ok(true));
    assert_eq!(eval(&either, &val!({"k": 9})), Ok(false));

    let not = compile(val!({"Not": {"Variable": "$.type", "StringEquals": "Private"}})).unwrap();
    assert_eq!(eval(&not, &val!({"type": "Private"})), Ok(false));
    assert_eq!(eval(&not, &val!({"type": "Public"})), Ok(true));
    assert!(eval(&not, &val!({})).is_err());
}

#[test]
fn nested_composites() {
    let rule = compile(val!({"And": [
        {"Variable": "$", "IsPresent": true},
        {"And": [{"Variable": "$", "IsNumeric": true}, {"Variable": "$", "NumericEquals": 3}]}
    ]}))
    .unwrap();
    assert_eq!(eval(&rule, &val!(3)), Ok(true));
    assert_eq!(eval(&rule, &val!("3")), Ok(false));
    assert_eq!(eval(&rule, &val!({})), Ok(false));
}

#[test]
fn paths_lists_variables_and_operands_in_order() {
    let rule = compile(val!({"Or": [
        {"Variable": "$.a", "StringEqualsPath": "$.b"},
        {"Not": {"Variable": "$.c", "IsNull": true}}
    ]}))
    .unwrap();
    assert_eq!(rule.paths(), vec!["$.a", "$.b", "$.c"]);
}

#[test]
fn compile_errors_name_the_field() {
    let error = |rule: Val| compile(rule).unwrap_err();
    assert!(error(val!({"Variable": "$.a"})).contains("no test"));
    assert!(error(val!({})).contains("no test"));
    assert!(
        error(val!({"Variable": "$.a", "StringEquals": "x", "IsNull": true}))
            .contains("2 tests (`StringEquals`, `IsNull`)")
    );
    assert!(error(
        val!({"Variable": "$.a", "StringEquals": "x", "Not": {"Variable": "$.a", "IsNull": true}})
    )
    .contains("expected exactly one"));
    assert!(error(val!({"StringEquals": "x"})).contains("`StringEquals` requires `Variable`"));
    assert_eq!(
        error(val!({"Variable": "$.a", "NumericEquals": "1"})),
        "`NumericEquals` must be a number, got \"1\""
    );
    assert!(error(val!({"Variable": "$.a", "StringEquals": 1})).contains("must be a string"));
    assert!(error(val!({"Variable": "$.a", "BooleanEquals": "true"})).contains("true or false"));
    assert!(error(val!({"Variable": "$.a", "IsPresent": 1})).contains("true or false"));
    assert!(error(val!({"Variable": "$.a", "StringMatches": 1})).contains("a string pattern"));
    assert!(
        error(val!({"Variable": "$.a", "TimestampEquals": "2016-03-14T01:59:00"}))
            .contains("ISO-8601 timestamp")
    );
    assert!(error(val!({"Variable": "$.a", "NumericEqualsPath": 1})).contains("reference path"));
    assert!(error(val!({"Variable": "a", "IsNull": true}))
        .contains("`Variable` \"a\": a path must start"));
    assert!(error(val!({"Variable": "$.a", "StringEqualsPath": "b"}))
        .contains("`StringEqualsPath` \"b\""));
    assert!(error(val!({"And": []})).contains("non-empty"));
    assert!(
        error(val!({"Variable": "$.a", "Or": [{"Variable": "$.a", "IsNull": true}]}))
            .contains("`Variable` is not allowed with `Or`")
    );
    assert!(error(val!({"Condition": "{% true %}"})).contains("JSONata"));
    assert_eq!(
        error(val!({"And": [{"Variable": "$.a", "IsNull": true}, {"Not": {"Variable": "$.a"}}]})),
        "And[1]: Not: the rule has no test: expected a comparison operator with `Variable`, or `And`, `Or` or `Not`"
    );
}
