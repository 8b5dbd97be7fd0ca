//! The JSONPath dialect against the recorded service: every conformance case whose machine is a
//! chain of Pass states using only InputPath, Parameters, Result, ResultPath and OutputPath runs
//! through `workflow_core::path` (InputPath -> Parameters or Result -> ResultPath -> OutputPath)
//! and must give the recorded output or error.
//!
//! The corpus is `../shared/conformance` (`workflow_test_support::shared`: without it the test
//! skips with a message, except under `CI=true`, where it fails).

use serde_json::{json, Value};
use workflow_core::asl::{PassState, QueryLanguage, State, StateMachine};
use workflow_core::path::{set_result_path, JsonPath, Scope, Template};
use workflow_core::val;
use workflow_core::value::Val;
use workflow_core::StatesError;

/// The pinned execution start time of the corpus (see its README).
const START_TIME: &str = "2026-11-25T13:41:53Z";

#[test]
fn pass_chains_match_the_recorded_service() {
    let Some(dir) = workflow_test_support::shared("conformance/cases") else {
        return;
    };
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .expect("read the cases directory")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    names.sort();
    let (mut passed, mut failures) = (0, Vec::new());
    for name in &names {
        let case = dir.join(name);
        let read = |file: &str| -> Value {
            let text = std::fs::read_to_string(case.join(file)).expect("read a case file");
            serde_json::from_str(&text).expect("a case file is JSON")
        };
        let definition = read("definition.asl.json");
        let Some(chain) = pass_chain(&definition) else {
            continue;
        };
        let (input, expected) = (read("input.json"), read("expected.json"));
        // The payload size limit is the interpreter's, not the dialect's.
        if expected["error"] == "States.DataLimitExceeded" {
            continue;
        }
        match check(&chain, input, &expected) {
            Ok(()) => passed += 1,
            Err(why) => failures.push(format!("{name}: {}", shorten(&why))),
        }
    }
    eprintln!(
        "path_dialect: {passed} passed, {} failed, of {} cases",
        failures.len(),
        names.len()
    );
    assert!(passed > 20, "only {passed} Pass-chain cases found");
    assert!(failures.is_empty(), "failures:\n{}", failures.join("\n"));
}

/// At most 400 characters of a message, so one huge payload does not flood the report.
fn shorten(text: &str) -> String {
    match text.char_indices().nth(400) {
        Some((end, _)) => format!("{}...", &text[..end]),
        None => text.to_owned(),
    }
}

/// The machine's states in execution order, if it is a chain of JSONPath Pass states that use
/// only the data-flow fields.
fn pass_chain(definition: &Value) -> Option<Vec<(String, PassState)>> {
    let machine = StateMachine::from_json(&definition.to_string()).ok()?;
    if machine.query_language == Some(QueryLanguage::JSONata) {
        return None;
    }
    let mut chain = Vec::new();
    let mut next = Some(machine.start_at.clone());
    while let Some(name) = next {
        let State::Pass(pass) = machine.states.get(&name)? else {
            return None;
        };
        let plain = pass
            .query_language
            .is_none_or(|q| q == QueryLanguage::JSONPath)
            && pass.output.is_none()
            && pass.assign.is_none();
        if !plain || chain.len() > machine.states.len() {
            return None;
        }
        next = pass.next.clone();
        chain.push((name, pass.clone()));
    }
    Some(chain)
}

/// Runs the chain and compares with `expected.json`.
fn check(chain: &[(String, PassState)], input: Value, expected: &Value) -> Result<(), String> {
    let execution_input = input.clone();
    let mut data = input;
    for (index, (name, pass)) in chain.iter().enumerate() {
        match run_pass(name, pass, data, &execution_input) {
            Ok(output) => data = output,
            Err(e) => {
                // ExecutionStarted is event 1; each Pass state adds Entered and Exited.
                let cause = format!(
                    "An error occurred while executing the state '{name}' (entered at the event \
                     id #{}). {}",
                    2 + 2 * index,
                    e.cause
                );
                return compare_failure(expected, &e.error, &cause);
            }
        }
    }
    if expected["status"] != "SUCCEEDED" {
        return Err(format!("succeeded with {data}, expected {expected}"));
    }
    if same(&data, &expected["output"]) {
        Ok(())
    } else {
        Err(format!("output {data}, expected {}", expected["output"]))
    }
}

fn compare_failure(expected: &Value, error: &str, cause: &str) -> Result<(), String> {
    if expected["status"] != "FAILED" || expected["error"] != error {
        return Err(format!("failed with {error}: {cause}; expected {expected}"));
    }
    match expected.get("cause") {
        Some(Value::String(recorded)) if recorded != cause => {
            Err(format!("cause `{cause}`, recorded `{recorded}`"))
        }
        _ => Ok(()),
    }
}

/// One Pass state's data flow.
fn run_pass(
    name: &str,
    pass: &PassState,
    raw: Value,
    execution_input: &Value,
) -> Result<Value, StatesError> {
    let raw = Val::from(raw);
    let context = val!({
        "Execution": {"Input": execution_input, "StartTime": START_TIME},
        "State": {"Name": name, "EnteredTime": START_TIME, "RetryCount": 0},
    });
    let effective = match &pass.input_path {
        Some(None) => val!({}),
        Some(Some(path)) => select(path, &raw, &context)?,
        None => raw.clone(),
    };
    let result = match (&pass.result, &pass.parameters) {
        (Some(result), _) => Val::from(result),
        (None, Some(parameters)) => {
            let template = Template::compile(parameters)
                .map_err(|e| StatesError::runtime(format!("bad Parameters: {e}")))?;
            template.evaluate(&Scope::new(&effective).with_context(&context))?
        }
        (None, None) => effective,
    };
    let output = match &pass.result_path {
        Some(None) => raw,
        Some(Some(path)) => set_result_path(&parse(path)?, &raw, result)?,
        None => result,
    };
    match &pass.output_path {
        Some(None) => Ok(json!({})),
        Some(Some(path)) => select(path, &output, &context).map(|v| v.to_json()),
        None => Ok(output.to_json()),
    }
}

fn parse(path: &str) -> Result<JsonPath, StatesError> {
    JsonPath::parse(path).map_err(|e| StatesError::runtime(e.to_string()))
}

fn select(path: &str, input: &Val, context: &Val) -> Result<Val, StatesError> {
    let scope = Scope::new(input).with_context(context);
    Ok(parse(path)?.select(&scope)?.into_owned())
}

/// JSON equality with numbers by value and object keys unordered.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}
