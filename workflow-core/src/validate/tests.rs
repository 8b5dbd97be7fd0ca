//! One test per rule: a small definition that breaks it, and the pointer it must be reported at.

use crate::load::load;
use serde_json::{json, Value};

/// The problems `load` reports for a definition, as `(pointer, message)`.
fn problems(definition: &Value) -> Vec<(String, String)> {
    match load(&definition.to_string()) {
        Ok(_) => Vec::new(),
        Err(ds) => ds.into_iter().map(|d| (d.pointer, d.message)).collect(),
    }
}

/// Asserts that a problem is reported at `pointer`, with `fragment` in its message.
#[track_caller]
fn rejects(definition: Value, pointer: &str, fragment: &str) {
    let found = problems(&definition);
    assert!(
        found
            .iter()
            .any(|(p, m)| p == pointer && m.contains(fragment)),
        "expected {pointer:?} ({fragment:?}), got {found:#?}"
    );
}

#[track_caller]
fn accepts(definition: Value) {
    assert_eq!(problems(&definition), Vec::<(String, String)>::new());
}

/// A machine whose only state is `state`, named `S`.
fn one(state: Value) -> Value {
    json!({"StartAt": "S", "States": {"S": state}})
}

/// A JSONata machine whose only state is `state`, named `S`.
fn one_jsonata(state: Value) -> Value {
    json!({"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": state}})
}

const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:f";

#[test]
fn a_minimal_machine_is_valid() {
    accepts(one(json!({"Type": "Succeed"})));
}

// --- structure -------------------------------------------------------------------------------

#[test]
fn start_at_must_name_a_state() {
    rejects(
        json!({"StartAt": "Nope", "States": {"S": {"Type": "Succeed"}}}),
        "/StartAt",
        "`Nope`",
    );
}

#[test]
fn next_must_name_a_state_of_the_scope() {
    rejects(
        json!({"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Next": "Missing"}, "B": {"Type": "Succeed"}}}),
        "/States/A/Next",
        "`Missing` is not a state",
    );
}

#[test]
fn choice_next_and_default_must_name_states() {
    let d = json!({"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Default": "Gone",
              "Choices": [{"Variable": "$.x", "IsNull": true, "Next": "D"},
                          {"Variable": "$.x", "IsNull": false, "Next": "Lost"}]},
        "D": {"Type": "Succeed"}}});
    rejects(d.clone(), "/States/C/Choices/1/Next", "`Lost`");
    rejects(d, "/States/C/Default", "`Gone`");
}

#[test]
fn catch_next_must_name_a_state() {
    rejects(
        one(json!({"Type": "Task", "Resource": ARN, "End": true,
                   "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Nowhere"}]})),
        "/States/S/Catch/0/Next",
        "`Nowhere`",
    );
}

#[test]
fn a_branch_state_cannot_go_outside_its_branch() {
    rejects(
        json!({"StartAt": "P", "States": {
            "P": {"Type": "Parallel", "Next": "Done", "Branches": [
                {"StartAt": "In", "States": {"In": {"Type": "Pass", "Next": "Done"}}}]},
            "Done": {"Type": "Succeed"}}}),
        "/States/P/Branches/0/States/In/Next",
        "outside this Parallel branch",
    );
}

#[test]
fn a_map_processor_state_cannot_go_outside_its_processor() {
    rejects(
        json!({"StartAt": "M", "States": {
            "M": {"Type": "Map", "Next": "Done", "ItemProcessor":
                {"StartAt": "In", "States": {"In": {"Type": "Pass", "Next": "Done"}}}},
            "Done": {"Type": "Succeed"}}}),
        "/States/M/ItemProcessor/States/In/Next",
        "outside this Map processor",
    );
}

#[test]
fn every_state_must_be_reachable() {
    rejects(
        json!({"StartAt": "A", "States": {
            "A": {"Type": "Succeed"}, "Orphan": {"Type": "Succeed"}}}),
        "/States/Orphan",
        "never reached",
    );
}

#[test]
fn states_reached_only_through_catch_or_choice_are_reachable() {
    accepts(json!({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": ARN, "Next": "C",
              "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handler"}]},
        "C": {"Type": "Choice", "Choices": [{"Variable": "$.a", "IsPresent": true, "Next": "Yes"}],
              "Default": "No"},
        "Yes": {"Type": "Succeed"}, "No": {"Type": "Succeed"},
        "Handler": {"Type": "Fail"}}}));
}

#[test]
fn a_transitioning_state_needs_next_or_end() {
    rejects(
        one(json!({"Type": "Pass"})),
        "/States/S",
        "`Next` or `End: true`",
    );
    rejects(
        one(json!({"Type": "Pass", "End": false})),
        "/States/S",
        "`Next` or `End: true`",
    );
}

#[test]
fn a_state_cannot_have_both_next_and_end() {
    rejects(
        json!({"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Next": "B", "End": true}, "B": {"Type": "Succeed"}}}),
        "/States/A/End",
        "not both",
    );
}

#[test]
fn succeed_fail_and_choice_have_neither_next_nor_end() {
    rejects(
        one(json!({"Type": "Succeed", "End": true})),
        "/States/S/End",
        "Succeed state",
    );
    rejects(
        one(json!({"Type": "Fail", "Next": "S"})),
        "/States/S/Next",
        "Fail state",
    );
    rejects(
        one(json!({"Type": "Choice", "End": true,
                   "Choices": [{"Variable": "$.a", "IsNull": true, "Next": "S"}]})),
        "/States/S/End",
        "Choice state",
    );
}

#[test]
fn a_scope_needs_a_terminal_state() {
    rejects(
        json!({"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}}}),
        "/States",
        "no terminal state",
    );
}

#[test]
fn states_cannot_be_empty() {
    rejects(
        json!({"StartAt": "A", "States": {}}),
        "/States",
        "at least one state",
    );
    rejects(
        one(json!({"Type": "Parallel", "End": true,
                   "Branches": [{"StartAt": "X", "States": {}}]})),
        "/States/S/Branches/0/States",
        "at least one state",
    );
}

#[test]
fn machine_timeout_and_version_are_checked() {
    let mut d = one(json!({"Type": "Succeed"}));
    d["TimeoutSeconds"] = json!(0);
    d["Version"] = json!("2.0");
    rejects(d.clone(), "/TimeoutSeconds", "between 1");
    rejects(d, "/Version", "\"1.0\"");
}

// --- names -----------------------------------------------------------------------------------

#[test]
fn state_names_are_at_most_80_characters() {
    let long = "x".repeat(81);
    rejects(
        json!({"StartAt": long, "States": {long.clone(): {"Type": "Succeed"}}}),
        &format!("/States/{long}"),
        "at most 80",
    );
    let ok = "y".repeat(80);
    accepts(json!({"StartAt": ok, "States": {ok.clone(): {"Type": "Succeed"}}}));
}

#[test]
fn state_names_are_unique_across_scopes() {
    rejects(
        json!({"StartAt": "P", "States": {
            "P": {"Type": "Parallel", "Next": "X", "Branches": [
                {"StartAt": "X", "States": {"X": {"Type": "Succeed"}}}]},
            "X": {"Type": "Succeed"}}}),
        "/States/X",
        "already used at /States/P/Branches/0/States/X",
    );
}

#[test]
fn a_state_name_written_twice_is_reported_at_the_second() {
    let text = "{\"StartAt\": \"A\", \"States\": {\n\"A\": {\"Type\": \"Succeed\"},\n\"A\": {\"Type\": \"Succeed\"}}}";
    let ds = load(text).unwrap_err();
    assert_eq!(ds.len(), 1, "{ds:?}");
    assert_eq!(ds[0].pointer, "/States/A");
    assert_eq!((ds[0].line, ds[0].column), (Some(3), Some(1)));
    assert!(
        ds[0].message.contains("state name `A` is used twice"),
        "{}",
        ds[0].message
    );
}

#[test]
fn pointers_escape_slash_and_tilde_in_state_names() {
    rejects(
        json!({"StartAt": "a/b~c", "States": {"a/b~c": {"Type": "Pass"}}}),
        "/States/a~1b~0c",
        "`Next` or `End: true`",
    );
}

// --- fields and query languages -------------------------------------------------------------

#[test]
fn unknown_fields_are_reported_at_the_field() {
    rejects(
        one(json!({"Type": "Pass", "Retries": 3, "End": true})),
        "/States/S/Retries",
        "not a field of a Pass state",
    );
}

#[test]
fn every_state_with_a_shape_error_is_reported() {
    let found = problems(&json!({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Bogus": 1, "Next": "B"},
        "B": {"Type": "Task", "End": true},
        "C": {"Type": "Wait", "Seconds": true, "End": true},
        "D": {"Type": "Nope"},
        "E": {"Comment": "no type"}}}));
    let pointers: Vec<&str> = found.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        pointers,
        [
            "/States/A/Bogus",
            "/States/B",
            "/States/C/Seconds",
            "/States/D/Type",
            "/States/E"
        ],
        "{found:#?}"
    );
}

#[test]
fn shape_errors_inside_nested_scopes_have_full_pointers() {
    rejects(
        one(
            json!({"Type": "Map", "End": true, "ItemProcessor": {"StartAt": "I", "States": {
            "I": {"Type": "Task", "Resource": ARN, "End": true,
                  "Retry": [{"ErrorEquals": ["E"], "MaxAttempts": "many"}]}}}}),
        ),
        "/States/S/ItemProcessor/States/I/Retry/0/MaxAttempts",
        "invalid type",
    );
}

#[test]
fn a_missing_required_field_is_reported_at_the_enclosing_object() {
    rejects(
        one(json!({"Type": "Task", "End": true})),
        "/States/S",
        "a Task state needs `Resource`",
    );
    rejects(
        json!({"States": {"S": {"Type": "Succeed"}}}),
        "",
        "needs `StartAt`",
    );
}

#[test]
fn task_resource_must_be_an_arn() {
    rejects(
        one(json!({"Type": "Task", "Resource": "not-an-arn", "End": true})),
        "/States/S/Resource",
        "ARN",
    );
    accepts(one(
        json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}),
    ));
}

#[test]
fn task_timeouts_are_positive_and_heartbeat_is_shorter() {
    rejects(
        one(json!({"Type": "Task", "Resource": ARN, "End": true, "TimeoutSeconds": 0})),
        "/States/S/TimeoutSeconds",
        "between 1",
    );
    rejects(
        one(json!({"Type": "Task", "Resource": ARN, "End": true,
                   "TimeoutSeconds": 10, "HeartbeatSeconds": 10})),
        "/States/S/HeartbeatSeconds",
        "smaller than `TimeoutSeconds`",
    );
    rejects(
        one(json!({"Type": "Task", "Resource": ARN, "End": true,
                   "TimeoutSeconds": 10, "TimeoutSecondsPath": "$.t"})),
        "/States/S/TimeoutSecondsPath",
        "cannot both",
    );
}

#[test]
fn an_expression_in_a_number_field_needs_a_jsonata_state() {
    rejects(
        one(json!({"Type": "Task", "Resource": ARN, "End": true, "TimeoutSeconds": "{% 5 %}"})),
        "/States/S/TimeoutSeconds",
        "must be an integer",
    );
    accepts(one_jsonata(
        json!({"Type": "Task", "Resource": ARN, "End": true, "TimeoutSeconds": "{% 5 %}"}),
    ));
    rejects(
        one_jsonata(json!({"Type": "Task", "Resource": ARN, "End": true, "TimeoutSeconds": "5"})),
        "/States/S/TimeoutSeconds",
        "JSONata expression",
    );
}

#[test]
fn fail_error_and_error_path_are_exclusive() {
    rejects(
        one(json!({"Type": "Fail", "Error": "E", "ErrorPath": "$.e"})),
        "/States/S/ErrorPath",
        "cannot both",
    );
    rejects(
        one(json!({"Type": "Fail", "Cause": "C", "CausePath": "$.c"})),
        "/States/S/CausePath",
        "cannot both",
    );
}

#[test]
fn parallel_needs_a_branch() {
    rejects(
        one(json!({"Type": "Parallel", "End": true, "Branches": []})),
        "/States/S/Branches",
        "at least one branch",
    );
}

#[test]
fn map_needs_exactly_one_processor() {
    rejects(
        one(json!({"Type": "Map", "End": true})),
        "/States/S",
        "needs `ItemProcessor`",
    );
    let p = json!({"StartAt": "I", "States": {"I": {"Type": "Succeed"}}});
    let q = json!({"StartAt": "J", "States": {"J": {"Type": "Succeed"}}});
    rejects(
        one(json!({"Type": "Map", "End": true, "ItemProcessor": p, "Iterator": q})),
        "/States/S/Iterator",
        "cannot both",
    );
}

#[test]
fn map_numbers_are_in_range() {
    let p = json!({"StartAt": "I", "States": {"I": {"Type": "Succeed"}}});
    rejects(
        one(json!({"Type": "Map", "End": true, "ItemProcessor": p, "MaxConcurrency": -1})),
        "/States/S/MaxConcurrency",
        "at least 0",
    );
    rejects(
        one(
            json!({"Type": "Map", "End": true, "ItemProcessor": p, "ToleratedFailurePercentage": 101}),
        ),
        "/States/S/ToleratedFailurePercentage",
        "between 0 and 100",
    );
    rejects(
        one(json!({"Type": "Map", "End": true, "ItemProcessor": p,
                   "MaxConcurrency": 1, "MaxConcurrencyPath": "$.n"})),
        "/States/S/MaxConcurrencyPath",
        "cannot both",
    );
}

#[test]
fn inline_map_cannot_read_batch_or_write_items() {
    let p = json!({"StartAt": "I", "States": {"I": {"Type": "Succeed"}}});
    rejects(
        one(json!({"Type": "Map", "End": true, "ItemProcessor": p,
                   "ItemReader": {"Resource": "arn:aws:states:::s3:getObject"}})),
        "/States/S/ItemReader",
        "distributed Map",
    );
}

#[test]
fn distributed_map_needs_an_execution_type() {
    rejects(
        one(json!({"Type": "Map", "End": true, "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED"},
            "StartAt": "I", "States": {"I": {"Type": "Succeed"}}}})),
        "/States/S/ItemProcessor/ProcessorConfig",
        "`ExecutionType`",
    );
    accepts(one(json!({"Type": "Map", "End": true, "Label": "L",
        "ItemReader": {"Resource": "arn:aws:states:::s3:listObjectsV2", "Parameters": {"Bucket": "b"}},
        "ItemBatcher": {"MaxItemsPerBatch": 10},
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
            "StartAt": "I", "States": {"I": {"Type": "Succeed"}}}})));
}

#[test]
fn jsonpath_fields_are_rejected_in_a_jsonata_state() {
    for field in ["InputPath", "OutputPath", "ResultPath"] {
        let mut state = json!({"Type": "Pass", "End": true});
        state[field] = json!("$.x");
        rejects(
            one_jsonata(state),
            &format!("/States/S/{field}"),
            "is a JSONPath field",
        );
    }
    rejects(
        one_jsonata(json!({"Type": "Pass", "End": true, "Parameters": {"a": 1}})),
        "/States/S/Parameters",
        "JSONPath field",
    );
    rejects(
        one_jsonata(json!({"Type": "Wait", "End": true, "SecondsPath": "$.s"})),
        "/States/S/SecondsPath",
        "JSONPath field",
    );
}

#[test]
fn jsonata_fields_are_rejected_in_a_jsonpath_state() {
    rejects(
        one(json!({"Type": "Pass", "End": true, "Output": 1})),
        "/States/S/Output",
        "is a JSONata field",
    );
    rejects(
        one(json!({"Type": "Task", "Resource": ARN, "End": true, "Arguments": {}})),
        "/States/S/Arguments",
        "JSONata field",
    );
    let p = json!({"StartAt": "I", "States": {"I": {"Type": "Succeed"}}});
    rejects(
        one(json!({"Type": "Map", "End": true, "ItemProcessor": p, "Items": [1]})),
        "/States/S/Items",
        "JSONata field",
    );
}

#[test]
fn a_state_may_opt_into_jsonata_in_a_jsonpath_machine() {
    accepts(one(
        json!({"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% 1 %}", "End": true}),
    ));
}

#[test]
fn a_jsonata_machine_cannot_have_jsonpath_states() {
    rejects(
        one_jsonata(json!({"Type": "Pass", "QueryLanguage": "JSONPath", "End": true})),
        "/States/S/QueryLanguage",
        "cannot use `JSONPath`",
    );
}

#[test]
fn assign_is_valid_in_both_languages_with_variable_names() {
    accepts(one(
        json!({"Type": "Pass", "End": true, "Assign": {"x": 1, "y.$": "$.a"}}),
    ));
    accepts(one_jsonata(
        json!({"Type": "Pass", "End": true, "Assign": {"x": "{% 1 %}"}}),
    ));
    rejects(
        one(json!({"Type": "Pass", "End": true, "Assign": {"1x": 1}})),
        "/States/S/Assign/1x",
        "not a variable name",
    );
    let long = "v".repeat(81);
    rejects(
        one(json!({"Type": "Pass", "End": true, "Assign": {long.clone(): 1}})),
        &format!("/States/S/Assign/{long}"),
        "at most 80 characters",
    );
    accepts(one(
        json!({"Type": "Pass", "End": true, "Assign": {"v".repeat(80): 1}}),
    ));
}

#[test]
fn payload_templates_are_objects() {
    rejects(
        one(json!({"Type": "Pass", "End": true, "Parameters": [1]})),
        "/States/S/Parameters",
        "must be an object",
    );
}

// --- choice ----------------------------------------------------------------------------------

fn choice(rules: Value) -> Value {
    json!({"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": rules, "Default": "D"}, "D": {"Type": "Succeed"}}})
}

#[test]
fn choice_needs_a_rule() {
    rejects(choice(json!([])), "/States/C/Choices", "at least one rule");
}

#[test]
fn top_level_rules_need_next() {
    rejects(
        choice(json!([{"Variable": "$.a", "IsNull": true}])),
        "/States/C/Choices/0",
        "must have `Next`",
    );
}

#[test]
fn nested_rules_have_no_next() {
    rejects(
        choice(json!([{"Not": {"Variable": "$.a", "IsNull": true, "Next": "D"}, "Next": "D"}])),
        "/States/C/Choices/0/Not/Next",
        "cannot have `Next`",
    );
}

#[test]
fn a_rule_has_exactly_one_test() {
    rejects(
        choice(json!([{"Variable": "$.a", "IsNull": true, "IsString": true, "Next": "D"}])),
        "/States/C/Choices/0/IsString",
        "exactly one test",
    );
    rejects(
        choice(json!([{"Variable": "$.a", "Next": "D"}])),
        "/States/C/Choices/0",
        "needs a comparison",
    );
    rejects(
        choice(json!([{"StringEquals": "x", "Next": "D"}])),
        "/States/C/Choices/0",
        "needs `Variable`",
    );
}

#[test]
fn comparison_operands_have_the_operator_type() {
    rejects(
        choice(json!([{"Variable": "$.a", "NumericEquals": "1", "Next": "D"}])),
        "/States/C/Choices/0/NumericEquals",
        "must be a number",
    );
    rejects(
        choice(json!([{"And": [{"Variable": "$.a", "IsPresent": "yes"}], "Next": "D"}])),
        "/States/C/Choices/0/And/0/IsPresent",
        "`true` or `false`",
    );
}

#[test]
fn and_or_need_rules() {
    rejects(
        choice(json!([{"Or": [], "Next": "D"}])),
        "/States/C/Choices/0/Or",
        "at least one rule",
    );
}

#[test]
fn timestamp_operands_must_be_timestamps() {
    rejects(
        choice(json!([{"Variable": "$.t", "TimestampEquals": "yesterday", "Next": "D"}])),
        "/States/C/Choices/0/TimestampEquals",
        "ISO-8601",
    );
}

#[test]
fn jsonata_rules_use_condition() {
    let d = json!({"QueryLanguage": "JSONata", "StartAt": "C", "States": {
        "C": {"Type": "Choice", "Default": "D", "Choices": [
            {"Condition": "{% true %}", "Next": "D"},
            {"Condition": true, "Next": "D"},
            {"Variable": "$.a", "IsNull": true, "Next": "D"},
            {"Condition": "true", "Next": "D"}]},
        "D": {"Type": "Succeed"}}});
    rejects(d.clone(), "/States/C/Choices/2/Variable", "JSONPath field");
    rejects(d.clone(), "/States/C/Choices/2", "must have `Condition`");
    rejects(
        d,
        "/States/C/Choices/3/Condition",
        "boolean or a JSONata expression",
    );
}

// --- wait ------------------------------------------------------------------------------------

#[test]
fn wait_has_exactly_one_duration() {
    rejects(
        one(json!({"Type": "Wait", "End": true})),
        "/States/S",
        "needs one of",
    );
    rejects(
        one(json!({"Type": "Wait", "End": true, "Seconds": 1, "TimestampPath": "$.t"})),
        "/States/S/TimestampPath",
        "exactly one",
    );
}

#[test]
fn wait_seconds_are_in_range() {
    rejects(
        one(json!({"Type": "Wait", "End": true, "Seconds": -5})),
        "/States/S/Seconds",
        "between 0",
    );
    rejects(
        one(json!({"Type": "Wait", "End": true, "Seconds": 100_000_000})),
        "/States/S/Seconds",
        "between 0",
    );
}

#[test]
fn wait_timestamp_must_parse() {
    rejects(
        one(json!({"Type": "Wait", "End": true, "Timestamp": "tomorrow"})),
        "/States/S/Timestamp",
        "ISO-8601",
    );
    rejects(
        one_jsonata(json!({"Type": "Wait", "End": true, "Timestamp": "tomorrow"})),
        "/States/S/Timestamp",
        "or a JSONata expression",
    );
    accepts(one_jsonata(
        json!({"Type": "Wait", "End": true, "Timestamp": "{% $now() %}"}),
    ));
    accepts(one(
        json!({"Type": "Wait", "End": true, "Timestamp": "2030-01-01T00:00:00Z"}),
    ));
}

// --- retry and catch -------------------------------------------------------------------------

fn task_with(retry: Value, catch: Value) -> Value {
    json!({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": ARN, "End": true, "Retry": retry, "Catch": catch},
        "H": {"Type": "Succeed"}}})
}

#[test]
fn states_all_must_be_alone() {
    rejects(
        task_with(json!([{"ErrorEquals": ["States.ALL", "X"]}]), json!([])),
        "/States/T/Retry/0/ErrorEquals",
        "alone",
    );
    rejects(
        task_with(
            json!([]),
            json!([{"ErrorEquals": ["X", "States.ALL"], "Next": "H"}]),
        ),
        "/States/T/Catch/0/ErrorEquals",
        "alone",
    );
}

#[test]
fn states_all_must_be_last() {
    rejects(
        task_with(
            json!([{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["X"]}]),
            json!([]),
        ),
        "/States/T/Retry/0/ErrorEquals",
        "must be the last one",
    );
}

#[test]
fn error_equals_is_not_empty() {
    rejects(
        task_with(json!([{"ErrorEquals": []}]), json!([])),
        "/States/T/Retry/0/ErrorEquals",
        "at least one",
    );
}

#[test]
fn retry_numbers_are_in_range() {
    let d = task_with(
        json!([{"ErrorEquals": ["X"], "IntervalSeconds": 0, "BackoffRate": 0.5, "MaxDelaySeconds": 0}]),
        json!([]),
    );
    rejects(d.clone(), "/States/T/Retry/0/IntervalSeconds", "between 1");
    rejects(d.clone(), "/States/T/Retry/0/BackoffRate", "at least 1.0");
    rejects(d, "/States/T/Retry/0/MaxDelaySeconds", "between 1");
    rejects(
        task_with(
            json!([{"ErrorEquals": ["X"], "MaxAttempts": -1}]),
            json!([]),
        ),
        "/States/T/Retry/0/MaxAttempts",
        "non-negative integer",
    );
}

#[test]
fn catch_data_flow_follows_the_query_language() {
    rejects(
        task_with(
            json!([]),
            json!([{"ErrorEquals": ["X"], "Next": "H", "Output": {}}]),
        ),
        "/States/T/Catch/0/Output",
        "JSONata field",
    );
}

// --- paths and intrinsics --------------------------------------------------------------------

#[test]
fn result_path_cannot_write_into_the_context_object() {
    rejects(
        one(json!({"Type": "Pass", "End": true, "ResultPath": "$$.Execution.Id"})),
        "/States/S/ResultPath",
        "context object",
    );
}

#[test]
fn intrinsic_calls_must_name_a_known_function_with_the_right_arity() {
    rejects(
        one(
            json!({"Type": "Pass", "End": true, "Parameters": {"x.$": "States.Formatt('{}', $.a)"}}),
        ),
        "/States/S/Parameters/x.$",
        "invalid intrinsic function call",
    );
    rejects(
        one(json!({"Type": "Pass", "End": true,
                   "Parameters": {"deep": [{"y.$": "States.ArrayLength($.a, $.b)"}]}})),
        "/States/S/Parameters/deep/0/y.$",
        "invalid intrinsic function call",
    );
    rejects(
        one(json!({"Type": "Fail", "CausePath": "States.Nope()"})),
        "/States/S/CausePath",
        "invalid intrinsic function call",
    );
}

#[test]
fn path_fields_must_parse() {
    rejects(
        one(json!({"Type": "Pass", "End": true, "InputPath": "$.items["})),
        "/States/S/InputPath",
        "invalid JSONPath",
    );
    rejects(
        one(json!({"Type": "Pass", "End": true, "Parameters": {"x.$": "$.a["}})),
        "/States/S/Parameters/x.$",
        "invalid JSONPath",
    );
    rejects(
        choice(json!([{"Variable": "a.b", "IsNull": true, "Next": "D"}])),
        "/States/C/Choices/0/Variable",
        "invalid JSONPath",
    );
    rejects(
        choice(json!([{"Variable": "$.a", "StringEqualsPath": "$.b[", "Next": "D"}])),
        "/States/C/Choices/0/StringEqualsPath",
        "invalid JSONPath",
    );
    rejects(
        one(json!({"Type": "Fail", "ErrorPath": "$$.[", "Cause": "c"})),
        "/States/S/ErrorPath",
        "invalid JSONPath",
    );
    accepts(one(
        json!({"Type": "Pass", "End": true, "InputPath": "$.items[?(@.price < 10)]",
                       "OutputPath": null, "Parameters": {"a.$": "$$.Execution.Input", "b.$": "$x.y"}}),
    ));
}

#[test]
fn reference_paths_are_required_where_the_spec_says() {
    rejects(
        one(json!({"Type": "Pass", "End": true, "ResultPath": "$.a[*]"})),
        "/States/S/ResultPath",
        "must be a reference path",
    );
    rejects(
        one(json!({"Type": "Wait", "End": true, "SecondsPath": "$..s"})),
        "/States/S/SecondsPath",
        "must be a reference path",
    );
    let p = json!({"StartAt": "I", "States": {"I": {"Type": "Succeed"}}});
    rejects(
        one(json!({"Type": "Map", "End": true, "ItemProcessor": p, "ItemsPath": "$.a[1:2]"})),
        "/States/S/ItemsPath",
        "must be a reference path",
    );
    rejects(
        task_with(
            json!([]),
            json!([{"ErrorEquals": ["X"], "Next": "H", "ResultPath": "$.e[?(@.x)]"}]),
        ),
        "/States/T/Catch/0/ResultPath",
        "must be a reference path",
    );
    let choice = |rule: Value| {
        json!({"StartAt": "C", "States": {
            "C": {"Type": "Choice", "Choices": [rule], "Default": "D"},
            "D": {"Type": "Succeed"}}})
    };
    rejects(
        choice(json!({"Variable": "$.a[*]", "IsPresent": true, "Next": "D"})),
        "/States/C/Choices/0/Variable",
        "must be a reference path",
    );
    rejects(
        choice(json!({"Not": {"Variable": "$..x", "IsNull": true}, "Next": "D"})),
        "/States/C/Choices/0/Not/Variable",
        "must be a reference path",
    );
    rejects(
        choice(json!({"Variable": "$.x", "StringEqualsPath": "$.y[?(@.z)]", "Next": "D"})),
        "/States/C/Choices/0/StringEqualsPath",
        "must be a reference path",
    );
    rejects(
        one(json!({"Type": "Fail", "ErrorPath": "$.e[*]", "CausePath": "$.c"})),
        "/States/S/ErrorPath",
        "must be a reference path",
    );
    rejects(
        one(json!({"Type": "Fail", "ErrorPath": "$.e", "CausePath": "$..c"})),
        "/States/S/CausePath",
        "must be a reference path",
    );
    // Context paths, variables and intrinsic calls (in Fail) stay accepted.
    accepts(choice(
        json!({"Variable": "$$.Execution.Input.x", "IsPresent": true, "Next": "D"}),
    ));
    accepts(json!({"StartAt": "S", "States": {"S": {"Type": "Fail",
        "ErrorPath": "$.e", "CausePath": "States.Format('{} failed', $.what)"}}}));
}

#[test]
fn intrinsic_path_arguments_must_parse() {
    rejects(
        one(
            json!({"Type": "Pass", "End": true, "Parameters": {"x.$": "States.Format('{}', $.a[)"}}),
        ),
        "/States/S/Parameters/x.$",
        "invalid intrinsic function call",
    );
}

#[test]
fn a_path_key_and_a_plain_key_cannot_name_the_same_field() {
    rejects(
        one(json!({"Type": "Pass", "End": true, "Parameters": {"x": 1, "x.$": "$.a"}})),
        "/States/S/Parameters/x.$",
        "both define the field `x`",
    );
}

#[test]
fn jsonata_expressions_must_parse() {
    rejects(
        one_jsonata(json!({"Type": "Pass", "End": true, "Output": "{% $states.input.( %}"})),
        "/States/S/Output",
        "invalid JSONata expression",
    );
    rejects(
        one_jsonata(json!({"Type": "Pass", "End": true,
                           "Output": {"deep": [1, "{% 1 + %}"]}, "Assign": {"v": "{% ] %}"}})),
        "/States/S/Output/deep/1",
        "invalid JSONata expression",
    );
    rejects(
        one_jsonata(json!({"Type": "Pass", "End": true, "Assign": {"v": "{% ] %}"}})),
        "/States/S/Assign/v",
        "invalid JSONata expression",
    );
    rejects(
        one_jsonata(json!({"Type": "Wait", "End": true, "Seconds": "{% ( %}"})),
        "/States/S/Seconds",
        "invalid JSONata expression",
    );
    rejects(
        json!({"QueryLanguage": "JSONata", "StartAt": "C", "States": {
            "C": {"Type": "Choice", "Default": "D",
                  "Choices": [{"Condition": "{% $states.input.x = %}", "Next": "D"}]},
            "D": {"Type": "Succeed"}}}),
        "/States/C/Choices/0/Condition",
        "invalid JSONata expression",
    );
    rejects(
        one_jsonata(json!({"Type": "Task", "Resource": ARN, "End": true,
                           "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "S",
                                      "Output": "{% $states.errorOutput. %}"}]})),
        "/States/S/Catch/0/Output",
        "invalid JSONata expression",
    );
    // Strings without the delimiters are literals, in JSONata states as in JSONPath ones.
    accepts(one_jsonata(
        json!({"Type": "Pass", "End": true, "Output": "$states.input.("}),
    ));
    accepts(one_jsonata(json!({"Type": "Pass", "End": true,
                                "Output": {"sum": "{% $sum([1, 2]) %}"}})));
}

#[test]
fn assign_paths_of_catchers_and_choice_rules_are_checked() {
    rejects(
        task_with(
            json!([]),
            json!([{"ErrorEquals": ["X"], "Next": "H", "Assign": {"e.$": "$.["}}]),
        ),
        "/States/T/Catch/0/Assign/e.$",
        "invalid JSONPath",
    );
    rejects(
        choice(json!([{"Variable": "$.a", "IsNull": true, "Next": "D",
                       "Assign": {"v.$": "States.Nope()"}}])),
        "/States/C/Choices/0/Assign/v.$",
        "invalid intrinsic function call",
    );
}

#[test]
fn a_jsonata_machine_cannot_have_a_jsonpath_processor() {
    rejects(
        one_jsonata(json!({"Type": "Map", "End": true, "ItemProcessor": {
            "QueryLanguage": "JSONPath", "StartAt": "I", "States": {"I": {"Type": "Succeed"}}}})),
        "/States/S/ItemProcessor/QueryLanguage",
        "cannot use `JSONPath`",
    );
}

#[test]
fn path_keys_hold_strings() {
    rejects(
        one(json!({"Type": "Pass", "End": true, "Parameters": {"x.$": 1}})),
        "/States/S/Parameters/x.$",
        "must be a string",
    );
}

// --- load ------------------------------------------------------------------------------------

#[test]
fn syntax_errors_carry_line_and_column() {
    let ds = load("{\n  \"StartAt\": \"A\",\n  \"States\": {,\n}").unwrap_err();
    assert_eq!(ds.len(), 1);
    assert_eq!(ds[0].line, Some(3));
    assert!(
        ds[0].message.starts_with("not valid JSON"),
        "{}",
        ds[0].message
    );
}

#[test]
fn non_object_documents_are_rejected() {
    assert_eq!(
        load("[1]").unwrap_err()[0].message,
        "a state machine definition must be a JSON object"
    );
}

#[test]
fn every_diagnostic_gets_the_position_of_its_key() {
    let text = "{\n  \"StartAt\": \"A\",\n  \"States\": {\n    \"A\": {\"Type\": \"Pass\", \"Next\": \"B\"}\n  }\n}";
    let ds = load(text).unwrap_err();
    assert_eq!(ds.len(), 1, "{ds:?}");
    assert_eq!(ds[0].pointer, "/States/A/Next");
    assert_eq!((ds[0].line, ds[0].column), (Some(4), Some(27)));
    assert_eq!(
        ds[0].to_string(),
        "4:27: /States/A/Next: `B` is not a state of the state machine"
    );
}

#[test]
fn load_returns_the_model_when_clean() {
    let machine = load(&one(json!({"Type": "Succeed"})).to_string()).unwrap();
    assert_eq!(machine.start_at, "S");
}

proptest::proptest! {
    /// Any text, JSON or not, gives a model or diagnostics; never a panic.
    #[test]
    fn loading_any_text_never_panics(text in "[\\[\\]{}\",:0-9A-Za-z .$\\\\]{0,80}") {
        let _ = load(&text);
    }
}

#[test]
fn a_long_invalid_jsonata_expression_is_quoted_around_the_error_not_whole() {
    let long = format!("{{% {} %}}", vec!["1"; 7_000].join(" + "));
    let found = problems(&one_jsonata(
        json!({"Type": "Pass", "End": true, "Output": long}),
    ));
    let [(pointer, message)] = found.as_slice() else {
        panic!("one problem expected: {found:?}")
    };
    assert_eq!(pointer, "/States/S/Output");
    assert!(message.contains("nested too deeply"), "{message}");
    assert!(
        message.contains('…') && message.contains("characters)"),
        "{message}"
    );
    assert!(message.len() < 300, "{message}");
}

#[test]
fn shape_problems_do_not_hide_the_other_problems_of_the_document() {
    // An unknown field, a negative Wait, a Next to nowhere and an unreachable state: all four.
    let found = problems(&json!({"StartAt": "A", "States": {
        "A": {"Type": "Task", "Resource": ARN, "Retries": 2, "Next": "W"},
        "W": {"Type": "Wait", "Seconds": -5, "Next": "Nowhere"},
        "C": {"Type": "Succeed"}}}));
    let pointers: Vec<&str> = found.iter().map(|(p, _)| p.as_str()).collect();
    for expected in [
        "/States/A/Retries",
        "/States/W/Seconds",
        "/States/W/Next",
        "/States/C",
    ] {
        assert!(pointers.contains(&expected), "{expected}: {found:#?}");
    }
    // A value out of its enum hides nothing either; the rule it would break is not repeated.
    let found = problems(&json!({"StartAt": "A", "States": {
        "A": {"Type": "Task", "Resource": ARN, "End": true,
              "Retry": [{"ErrorEquals": ["States.ALL"], "JitterStrategy": "RANDOM",
                         "MaxAttempts": -1}]}}}));
    let pointers: Vec<&str> = found.iter().map(|(p, _)| p.as_str()).collect();
    assert!(
        pointers.contains(&"/States/A/Retry/0/JitterStrategy"),
        "{found:#?}"
    );
    assert!(
        pointers.contains(&"/States/A/Retry/0/MaxAttempts"),
        "{found:#?}"
    );
}

#[test]
fn a_missing_type_or_a_state_that_is_not_an_object_reports_itself_without_cascades() {
    // Taking such a state out would make every transition to it an error: the rules wait.
    let found = problems(&json!({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Next": "B"},
        "B": {"Next": "C"},
        "C": {"Type": "Succeed"}}}));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].0, "/States/B");
}

#[test]
fn long_invalid_paths_and_intrinsic_calls_are_quoted_around_the_error() {
    let path = format!("$.a[?(@.b == {}1{})]", "(".repeat(5_000), ")".repeat(5_000));
    let found = problems(&one(
        json!({"Type": "Pass", "End": true, "InputPath": path}),
    ));
    let [(pointer, message)] = found.as_slice() else {
        panic!("one problem expected: {found:?}")
    };
    assert_eq!(pointer, "/States/S/InputPath");
    assert!(
        message.contains("characters)") && message.len() < 400,
        "{message}"
    );
    let call = format!(
        "{}$.a{}",
        "States.ArrayLength(".repeat(5_000),
        ")".repeat(5_000)
    );
    let found = problems(&one(
        json!({"Type": "Pass", "End": true, "Parameters": {"x.$": call}}),
    ));
    let [(_, message)] = found.as_slice() else {
        panic!("one problem expected: {found:?}")
    };
    assert!(
        message.contains("characters)") && message.len() < 400,
        "{message}"
    );
}
