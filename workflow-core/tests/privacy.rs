//! Payload privacy: a token in the input never shows in an error or cause (of the execution,
//! of a Catch's output, or of any history event) unless `include_payloads_in_errors` asks.

use serde_json::{json, Value};
use workflow_core::run::{Execution, Machine, RunOptions, Runner, Status};
use workflow_core::task::{sync_handler_fn, TaskRegistry};

const TOKEN: &str = "tok_9f8e7d6c5b4a";

fn input() -> Value {
    json!({
        "auth": {"access_token": TOKEN},
        "token": TOKEN,
        "items": [TOKEN],
        "n": "5"
    })
}

/// One failing state per place an error cause used to quote the data.
fn leaky_definitions() -> Vec<(&'static str, Value)> {
    let one = |state: Value| json!({"StartAt": "S", "States": {"S": state}});
    vec![
        (
            "a template path that is not found",
            one(json!({"Type": "Pass", "Parameters": {"x.$": "$.missing"}, "End": true})),
        ),
        (
            "a ResultPath through a string",
            one(json!({"Type": "Pass", "Result": 1, "ResultPath": "$.token.x", "End": true})),
        ),
        (
            "a ResultPath index out of range",
            one(json!({"Type": "Pass", "Result": 1, "ResultPath": "$.items[3]", "End": true})),
        ),
        (
            "an intrinsic argument of the wrong type",
            one(
                json!({"Type": "Pass", "Parameters": {"x.$": "States.MathAdd($.token, 1)"},
                       "End": true}),
            ),
        ),
        (
            "an intrinsic argument of the wrong type, nested",
            one(
                json!({"Type": "Pass", "Parameters": {"x.$": "States.ArrayLength($.auth)"},
                       "End": true}),
            ),
        ),
        (
            "a Fail CausePath selecting an object",
            one(json!({"Type": "Fail", "ErrorPath": "$.token", "CausePath": "$.auth"})),
        ),
        (
            "a Wait SecondsPath on a string",
            one(json!({"Type": "Wait", "SecondsPath": "$.token", "End": true})),
        ),
        (
            "a MaxConcurrencyPath on a string",
            one(
                json!({"Type": "Map", "ItemsPath": "$.items", "MaxConcurrencyPath": "$.token",
                       "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass",
                       "End": true}}}, "End": true}),
            ),
        ),
        (
            "an ItemSelector path that is not found",
            one(
                json!({"Type": "Map", "ItemsPath": "$.items", "ToleratedFailureCount": 0,
                       "ItemSelector": {"v.$": "$.auth.missing"},
                       "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass",
                       "End": true}}}, "End": true}),
            ),
        ),
        (
            "a JSONata comparison of values of different types",
            json!({"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": {
                "Type": "Pass", "Output": "{% $states.input.token < 1 %}", "End": true}}}),
        ),
        (
            "a JSONata arithmetic on a string",
            json!({"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": {
                "Type": "Pass", "Output": "{% $states.input.auth.access_token * 2 %}",
                "End": true}}}),
        ),
        (
            "a JSONata Choice Condition that is not a boolean",
            json!({"QueryLanguage": "JSONata", "StartAt": "C", "States": {
                "C": {"Type": "Choice", "Default": "D",
                      "Choices": [{"Condition": "{% $states.input.token %}", "Next": "D"}]},
                "D": {"Type": "Succeed"}}}),
        ),
        (
            "a JSONata Wait Seconds that is not an integer",
            json!({"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": {
                "Type": "Wait", "Seconds": "{% $states.input.token %}", "End": true}}}),
        ),
        (
            "a JSONata Wait Timestamp that is not a timestamp",
            json!({"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": {
                "Type": "Wait", "Timestamp": "{% $states.input.token %}", "End": true}}}),
        ),
        (
            "a JSONata Map Items that is not an array",
            json!({"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": {
                "Type": "Map", "Items": "{% $states.input.auth %}",
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass",
                "End": true}}}, "End": true}}}),
        ),
        (
            "a JSONata MaxConcurrency that is not an integer",
            json!({"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": {
                "Type": "Map", "Items": "{% $states.input.items %}",
                "MaxConcurrency": "{% $states.input.token %}",
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass",
                "End": true}}}, "End": true}}}),
        ),
        (
            "a Map iteration failing past its tolerated failures, caught",
            json!({"StartAt": "M", "States": {
                "M": {"Type": "Map", "ItemsPath": "$.items", "ToleratedFailureCount": 0,
                      "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass",
                          "Parameters": {"x.$": "$.missing"}, "End": true}}},
                      "End": true,
                      "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "C"}]},
                "C": {"Type": "Pass", "Parameters": {"caught.$": "$.Cause"}, "End": true}}}),
        ),
    ]
}

async fn run(def: &Value, include: bool) -> Execution {
    let machine = Machine::from_json(&def.to_string()).expect("the test definition compiles");
    let mut tasks = TaskRegistry::new();
    tasks.register("echo", sync_handler_fn(Ok));
    let options = RunOptions {
        include_payloads_in_errors: include,
        ..RunOptions::default()
    };
    Runner::new(machine, tasks)
        .with_options(options)
        .run(input())
        .await
}

/// Every error and cause of the execution: its own, those of its history events, and the
/// cause a Catch passed on as `caught`.
fn error_texts(exec: &Execution) -> Vec<String> {
    let mut texts: Vec<String> = [&exec.error, &exec.cause]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    if let Some(caught) = exec.output.as_ref().and_then(|o| o["caught"].as_str()) {
        texts.push(caught.to_owned());
    }
    for e in &exec.history {
        texts.extend(e.details.error.as_deref().map(str::to_owned));
        texts.extend(e.details.cause.as_deref().map(str::to_owned));
    }
    texts
}

#[tokio::test]
async fn no_error_cause_quotes_the_input_by_default() {
    for (what, def) in leaky_definitions() {
        let exec = run(&def, false).await;
        let texts = error_texts(&exec);
        assert!(!texts.is_empty(), "{what}: the execution reports an error");
        for t in &texts {
            assert!(!t.contains(TOKEN), "{what}: the token leaked into `{t}`");
        }
    }
}

#[tokio::test]
async fn a_caught_cause_does_not_quote_the_input_by_default() {
    let (_, def) = leaky_definitions().pop().unwrap();
    let exec = run(&def, false).await;
    assert_eq!(exec.status, Status::Succeeded);
    let caught = exec.output.unwrap()["caught"].as_str().unwrap().to_owned();
    assert!(
        caught.contains("could not be found in the input '<hidden string>'"),
        "{caught}"
    );
    assert!(!caught.contains(TOKEN), "{caught}");
}

#[tokio::test]
async fn include_payloads_in_errors_quotes_the_data_for_debugging() {
    let mut leaked = Vec::new();
    for (what, def) in leaky_definitions() {
        let exec = run(&def, true).await;
        if error_texts(&exec).iter().any(|t| t.contains(TOKEN)) {
            leaked.push(what);
        }
    }
    assert_eq!(
        leaked,
        [
            "a template path that is not found",
            "a ResultPath through a string",
            "a ResultPath index out of range",
            "an intrinsic argument of the wrong type",
            "an intrinsic argument of the wrong type, nested",
            "a Fail CausePath selecting an object",
            "a Wait SecondsPath on a string",
            "a MaxConcurrencyPath on a string",
            "an ItemSelector path that is not found",
            "a JSONata comparison of values of different types",
            "a JSONata arithmetic on a string",
            "a JSONata Choice Condition that is not a boolean",
            "a JSONata Wait Seconds that is not an integer",
            "a JSONata Wait Timestamp that is not a timestamp",
            "a JSONata Map Items that is not an array",
            "a JSONata MaxConcurrency that is not an integer",
            "a Map iteration failing past its tolerated failures, caught",
        ]
    );
}
