//! Properties of `workflow_core::intrinsics`: no input panics, neither random call text nor
//! random argument values; a failure is always a `States.Runtime` value whose cause names the
//! function, as the service reports bad intrinsic arguments.
//! Few cases when `CI=true`.

use proptest::prelude::*;
use serde_json::{Map, Number, Value};
use workflow_core::intrinsics::{Call, Function};
use workflow_core::value::Val;
use workflow_core::StatesError;

fn cases() -> u32 {
    if workflow_test_support::under_ci() {
        32
    } else {
        512
    }
}

/// Strings that hit the functions' special cases: placeholders, JSON, Base64, algorithm names.
fn interesting_string() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,12}",
        Just("{}".to_owned()),
        Just("{} and {}".to_owned()),
        Just("MD5".to_owned()),
        Just("SHA-512".to_owned()),
        Just("RGF0YQ==".to_owned()),
        Just("/w==".to_owned()),
        Just("[1, {\"a\": null}]".to_owned()),
        "[0-9a-zA-Z+/=, ]{0,16}",
    ]
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        (-20i64..20).prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
        (-100.0f64..100.0).prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
    ]
}

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        interesting_string().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(("[a-c]", inner), 0..4)
                .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn function() -> impl Strategy<Value = Function> {
    prop::sample::select(Function::ALL.to_vec())
}

fn index_path(text: &str) -> Result<usize, String> {
    text.strip_prefix("$.a")
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("unexpected path {text}"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn random_argument_values_never_panic(
        function in function(),
        values in prop::collection::vec(json(), 0..5),
    ) {
        let (min, max) = function.arity();
        let count = values.len().clamp(min, max.unwrap_or(usize::MAX));
        let args: Vec<String> = (0..count).map(|i| format!("$.a{i}")).collect();
        let text = format!("{}({})", function.name(), args.join(", "));
        let call = Call::parse(&text, &mut index_path).expect("a well-formed call parses");
        let result = call.evaluate(&|i: &usize| {
            Ok(values.get(*i).map(Val::from).unwrap_or(Val::Null))
        });
        if let Err(StatesError { error, cause }) = result {
            prop_assert_eq!(error, "States.Runtime");
            let prefix = format!("Invalid arguments in {}", function.name());
            prop_assert!(cause.starts_with(&prefix), "{}", cause);
        }
    }

    #[test]
    fn random_text_never_panics(text in ".{0,40}") {
        let _ = Call::parse(&text, &mut |p: &str| Ok::<_, String>(p.to_owned()));
    }

    #[test]
    fn random_call_like_text_never_panics(
        parts in prop::collection::vec(
            prop_oneof![
                Just("States.Format("), Just("States.Array("), Just("States.MathAdd("),
                Just("'"), Just("\\"), Just("{}"), Just(","), Just(")"), Just("$.a"),
                Just("$['x, )']"), Just("[?(@.b > 1)]"), Just("-1.5e3"), Just("true"),
                Just(" "), Just("null"),
            ],
            0..24,
        )
    ) {
        let text = parts.concat();
        if let Ok(call) = Call::parse(&text, &mut |p: &str| Ok::<_, String>(p.to_owned())) {
            let _ = call.evaluate(&|_: &String| Ok(Val::Null));
        }
    }
}
