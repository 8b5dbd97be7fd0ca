//! Property tests: random paths, templates and JSON never make `workflow_core::path` panic, and
//! ResultPath puts the result where the same path selects it back.

use proptest::prelude::*;
use serde_json::{json, Value};
use workflow_core::path::{set_result_path, JsonPath, Scope, Template};
use workflow_core::value::{Object, Val};

/// Few cases under CI, more locally.
fn config() -> ProptestConfig {
    let cases = if workflow_test_support::under_ci() {
        64
    } else {
        512
    };
    ProptestConfig::with_cases(cases)
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-1e6f64..1e6).prop_map(|n| json!(n)),
        "[a-c0-9 '\"]{0,4}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec(("[a-c]{1,2}", inner), 0..5)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

/// Any text built from the characters paths are made of.
fn path_soup() -> impl Strategy<Value = String> {
    "\\$?[$.\\[\\]*?()@'\"\\\\:,0-9ab=<>!&| -]{0,24}"
}

/// Well-formed paths, so that selection is exercised as well as parsing.
fn path_text() -> impl Strategy<Value = String> {
    let segment = prop_oneof![
        "[a-c]{1,2}".prop_map(|n| format!(".{n}")),
        "[a-c ]{1,2}".prop_map(|n| format!("['{n}']")),
        (-3i64..4).prop_map(|i| format!("[{i}]")),
        Just("[*]".to_owned()),
        Just(".*".to_owned()),
        "[a-c]".prop_map(|n| format!("..{n}")),
        (-3i64..3, -3i64..4).prop_map(|(a, b)| format!("[{a}:{b}]")),
        (-3i64..3, -3i64..4, prop_oneof![-2i64..0, 1i64..3])
            .prop_map(|(a, b, c)| format!("[{a}:{b}:{c}]")),
        Just("[0,-1]".to_owned()),
        Just("['a','b']".to_owned()),
        ("[a-c]", -2i64..3).prop_map(|(n, v)| format!("[?(@.{n} > {v})]")),
        "[a-c]".prop_map(|n| format!("[?(@.{n} || !@.b && @.a == 'x')]")),
    ];
    // A function can only end a path.
    let function = prop_oneof![3 => Just(""), 1 => Just(".length()")];
    (prop::collection::vec(segment, 0..5), function)
        .prop_map(|(segments, function)| format!("${}{function}", segments.concat()))
}

fn reference_path() -> impl Strategy<Value = String> {
    let segment = prop_oneof![
        "[a-c]{1,2}".prop_map(|n| format!(".{n}")),
        "[a-c]".prop_map(|n| format!("['{n}']")),
        (-2i64..3).prop_map(|i| format!("[{i}]")),
    ];
    prop::collection::vec(segment, 0..4).prop_map(|segments| format!("${}", segments.concat()))
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn parsing_any_text_never_panics(text in path_soup()) {
        if let Err(e) = JsonPath::parse(&text) {
            prop_assert!(e.position >= 1 && e.position <= text.chars().count() + 1);
        }
    }

    #[test]
    fn selecting_never_panics(text in path_text(), input in json_value()) {
        let path = JsonPath::parse(&text).unwrap();
        let input = Val::from(input);
        let scope = Scope::new(&input);
        let selected = path.select(&scope);
        if !path.is_definite() {
            prop_assert!(selected.as_ref().is_ok_and(|v| v.is_array()));
        }
        prop_assert_eq!(path.try_select(&scope).is_some(), selected.is_ok());
        if path.is_reference() {
            prop_assert!(path.is_definite());
        }
    }

    #[test]
    fn soup_paths_that_parse_select_without_panicking(text in path_soup(), input in json_value()) {
        if let Ok(path) = JsonPath::parse(&text) {
            let context = Val::from(json!({"Execution": {"Input": input.clone()}}));
            let input = Val::from(input);
            let vars = Object::new();
            let scope = Scope::new(&input).with_context(&context).with_variables(&vars);
            let _ = path.select(&scope);
        }
    }

    #[test]
    fn result_path_puts_the_result_where_the_path_finds_it(
        text in reference_path(),
        input in json_value(),
        result in json_value(),
    ) {
        let path = JsonPath::parse(&text).unwrap();
        prop_assert!(path.is_reference());
        let (input, result) = (Val::from(input), Val::from(result));
        if let Ok(output) = set_result_path(&path, &input, result.clone()) {
            let selected = path.select(&Scope::new(&output)).unwrap();
            prop_assert_eq!(&*selected, &result);
        }
    }

    #[test]
    fn templates_never_panic(
        keys in prop::collection::vec(("[a-c]{1,2}", prop_oneof![path_text(), path_soup()]), 0..4),
        literal in json_value(),
        input in json_value(),
    ) {
        let mut template = serde_json::Map::new();
        template.insert("literal".to_owned(), literal);
        for (key, path) in keys {
            template.insert(format!("{key}.$"), Value::String(path));
        }
        if let Ok(compiled) = Template::compile(&Value::Object(template)) {
            let _ = compiled.evaluate(&Scope::new(&Val::from(input)));
        }
    }
}
