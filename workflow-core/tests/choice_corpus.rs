//! Runs the `choice-operators` and `choice-flow` conformance cases (recorded from the real
//! service) through `choice::Rule` with a tiny interpreter for Pass, Choice, Succeed and Fail and a
//! resolver for simple `$.a.b` paths, and compares the recorded status and output.
//!
//! The corpus lives in `../shared/conformance` next to the workspace (or next to one of its
//! parents, for worktrees); the test is skipped with a message when it is absent, and fails
//! then when `CI=true`.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use serde_json::Value;
use workflow_core::asl::{State, StateMachine};
use workflow_core::choice::Rule;
use workflow_core::value::Val;
use workflow_core::StatesError;

const AREAS: [&str; 2] = ["choice-operators", "choice-flow"];

/// A path of object keys only: `$`, `$.a`, `$.a.b`.
#[derive(Debug, Clone)]
struct SimplePath(Vec<String>);

fn compile_path(text: &str) -> Result<SimplePath, String> {
    let rest = text.strip_prefix('$').ok_or("not a `$` path")?;
    if rest.is_empty() {
        return Ok(SimplePath(Vec::new()));
    }
    let keys = rest
        .strip_prefix('.')
        .ok_or("only `$.a.b` paths are supported here")?;
    keys.split('.')
        .map(|key| {
            let simple = !key.is_empty()
                && key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            simple
                .then(|| key.to_owned())
                .ok_or_else(|| format!("unsupported path segment {key:?}"))
        })
        .collect::<Result<_, _>>()
        .map(SimplePath)
}

fn lookup<'a>(input: &'a Value, path: &SimplePath) -> Option<&'a Value> {
    path.0.iter().try_fold(input, |value, key| value.get(key))
}

/// The result of running a machine: `Ok(output)` or `Err((error, cause))`.
type Outcome = Result<Value, (Option<String>, Option<String>)>;

enum Skip {
    Unsupported(String),
}

/// Runs a machine made of Pass (Result only), Choice, Succeed and Fail states.
fn run(machine: &StateMachine, input: Value) -> Result<Outcome, Skip> {
    let unsupported = |what: String| Skip::Unsupported(what);
    let mut data = input;
    let mut current = machine.start_at.clone();
    for _ in 0..1000 {
        let state = machine
            .states
            .get(&current)
            .ok_or_else(|| unsupported(format!("no state {current:?}")))?;
        let next = match state {
            State::Pass(pass) => {
                if pass.input_path.is_some()
                    || pass.parameters.is_some()
                    || pass.result_path.is_some()
                    || pass.output_path.is_some()
                    || pass.query_language.is_some()
                    || pass.assign.is_some()
                {
                    return Err(unsupported(format!(
                        "Pass {current:?} uses data-flow fields"
                    )));
                }
                if let Some(result) = &pass.result {
                    data = result.clone();
                }
                match (&pass.next, pass.end) {
                    (Some(next), _) => next.clone(),
                    (None, Some(true)) => return Ok(Ok(data)),
                    _ => return Err(unsupported("Pass without Next or End".into())),
                }
            }
            State::Choice(choice) => {
                if choice.input_path.is_some()
                    || choice.output_path.is_some()
                    || choice.query_language.is_some()
                    || choice.assign.is_some()
                {
                    return Err(unsupported(format!(
                        "Choice {current:?} uses data-flow fields"
                    )));
                }
                let mut chosen = None;
                for rule in &choice.choices {
                    let compiled = Rule::compile(rule, &mut compile_path)
                        .map_err(|e| unsupported(format!("rule does not compile here: {e}")))?;
                    let resolve = |p: &SimplePath| -> Result<Option<Cow<'_, Val>>, StatesError> {
                        Ok(lookup(&data, p).map(|v| Cow::Owned(Val::from(v))))
                    };
                    match compiled.evaluate(&resolve) {
                        Ok(true) => {
                            chosen = rule.next.clone();
                            break;
                        }
                        Ok(false) => {}
                        Err(e) => return Ok(Err((Some(e.error), Some(e.cause)))),
                    }
                }
                match chosen.or_else(|| choice.default.clone()) {
                    Some(next) => next,
                    None => {
                        return Ok(Err((Some("States.NoChoiceMatched".into()), None)));
                    }
                }
            }
            State::Succeed(_) => return Ok(Ok(data)),
            State::Fail(fail) => {
                if fail.error_path.is_some() || fail.cause_path.is_some() {
                    return Err(unsupported("Fail with ErrorPath/CausePath".into()));
                }
                return Ok(Err((fail.error.clone(), fail.cause.clone())));
            }
            other => {
                return Err(unsupported(format!("state type {other:?}")));
            }
        };
        current = next;
    }
    Err(unsupported("more than 1000 transitions".into()))
}

/// JSON equality with numbers compared by value and object keys unordered.
fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Checks one case; `Ok(Some(reason))` when it was skipped.
fn check_case(dir: &Path) -> Result<Option<String>, String> {
    let text =
        std::fs::read_to_string(dir.join("definition.asl.json")).map_err(|e| e.to_string())?;
    let machine = StateMachine::from_json(&text).map_err(|e| format!("definition: {e}"))?;
    let input = read_json(&dir.join("input.json"));
    let expected = read_json(&dir.join("expected.json"));
    let outcome = match run(&machine, input) {
        Ok(outcome) => outcome,
        Err(Skip::Unsupported(reason)) => return Ok(Some(reason)),
    };
    let status = expected["status"].as_str().unwrap_or_default();
    match (status, outcome) {
        ("SUCCEEDED", Ok(output)) if same_json(&output, &expected["output"]) => Ok(None),
        ("FAILED", Err((error, _))) if error.as_deref() == expected["error"].as_str() => Ok(None),
        (_, outcome) => Err(format!("expected {expected}, got {outcome:?}")),
    }
}

fn cases(corpus: &Path) -> Vec<PathBuf> {
    let index = std::fs::read_to_string(corpus.join("index.tsv")).expect("index.tsv is readable");
    index
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let mut fields = line.split('\t');
            let id = fields.next()?;
            let area = fields.next()?;
            AREAS.contains(&area).then(|| corpus.join("cases").join(id))
        })
        .collect()
}

#[test]
fn choice_conformance_cases() {
    let Some(corpus) = workflow_test_support::shared("conformance") else {
        return;
    };
    let cases = cases(&corpus);
    let (mut passed, mut failed, mut skipped) = (Vec::new(), Vec::new(), Vec::new());
    for dir in &cases {
        let id = dir
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        match check_case(dir) {
            Ok(None) => passed.push(id),
            Ok(Some(reason)) => skipped.push(format!("{id}: {reason}")),
            Err(why) => failed.push(format!("{id}: {why}")),
        }
    }
    for line in &skipped {
        eprintln!("skipped {line}");
    }
    for line in &failed {
        eprintln!("FAILED {line}");
    }
    eprintln!(
        "choice corpus: {} cases, {} passed, {} failed, {} skipped",
        cases.len(),
        passed.len(),
        failed.len(),
        skipped.len()
    );
    assert!(failed.is_empty(), "{} choice cases failed", failed.len());
    assert!(skipped.is_empty(), "every choice case should run here");
    assert_eq!(
        passed.len(),
        476,
        "472 choice-operators + 4 choice-flow cases"
    );
}

/// The choice rules of every corpus case, compiled once.
fn corpus_rules() -> Vec<Rule<SimplePath>> {
    let Some(corpus) = workflow_test_support::shared("conformance") else {
        return Vec::new();
    };
    let mut rules = Vec::new();
    for dir in cases(&corpus) {
        let Ok(text) = std::fs::read_to_string(dir.join("definition.asl.json")) else {
            continue;
        };
        let Ok(machine) = StateMachine::from_json(&text) else {
            continue;
        };
        for state in machine.states.values() {
            if let State::Choice(choice) = state {
                rules.extend(
                    choice
                        .choices
                        .iter()
                        .filter_map(|rule| Rule::compile(rule, &mut compile_path).ok()),
                );
            }
        }
    }
    rules
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "[a-zA-Z0-9 :.+-]{0,30}".prop_map(Value::from),
        Just(Value::from("2012-10-09T19:00:55Z")),
        Just(Value::from("2012-10-09T19:00:55.123+01:00")),
        "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{0,10})?(Z|[+-][0-9]{2}:[0-9]{2})?"
            .prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        let keys = prop_oneof![
            Just("Variable".to_owned()),
            Just("Value".to_owned()),
            Just("type".to_owned()),
            Just("value".to_owned()),
            Just("result".to_owned()),
            Just("done".to_owned()),
            "[a-z]{1,3}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((keys, inner), 0..5)
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

fn proptest_cases() -> u32 {
    if workflow_test_support::under_ci() {
        32
    } else {
        256
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: proptest_cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Random inputs never panic a corpus rule: evaluation is `Ok(bool)` or a `States.Runtime`
    /// error for a path that does not exist.
    #[test]
    fn random_inputs_never_panic(input in arbitrary_json()) {
        thread_local! {
            static RULES: Vec<Rule<SimplePath>> = corpus_rules();
        }
        RULES.with(|rules| {
            for rule in rules {
                let resolve = |p: &SimplePath| -> Result<Option<Cow<'_, Val>>, StatesError> {
                    Ok(lookup(&input, p).map(|v| Cow::Owned(Val::from(v))))
                };
                if let Err(e) = rule.evaluate(&resolve) {
                    assert_eq!(e.error, "States.Runtime");
                }
            }
        });
    }
}
