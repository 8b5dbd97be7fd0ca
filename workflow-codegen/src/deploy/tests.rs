use super::*;
use serde_json::json;
use workflow_core::asl::StateMachine;

const MAP_ARN: &str =
    "arn:aws:lambda:us-east-1:123456789012:function:map-reduce-step-functions-dev-mapFunction";
const REDUCE_ARN: &str =
    "arn:aws:lambda:us-east-1:123456789012:function:map-reduce-step-functions-dev-reduceFunction";

/// The origin's corrected MapReduce machine.
fn mapreduce() -> StateMachine {
    let def = json!({
        "Comment": "A simple AWS Step Functions example for MapReduce using Map state",
        "StartAt": "MapTask",
        "States": {
            "MapTask": {
                "Type": "Map", "MaxConcurrency": 2, "ItemsPath": "$.data",
                "ResultPath": "$.mappedResults", "Next": "ReduceTask",
                "Iterator": {"StartAt": "CalculateLength", "States": {
                    "CalculateLength": {"Type": "Task", "Resource": MAP_ARN, "End": true}}}
            },
            "ReduceTask": {"Type": "Task", "Resource": REDUCE_ARN,
                           "InputPath": "$.mappedResults", "End": true}
        }
    });
    serde_json::from_value(def).unwrap()
}

fn tasks() -> Vec<TaskRef> {
    vec![
        TaskRef::new("map_function", MAP_ARN),
        TaskRef::new("reduce_function", REDUCE_ARN),
    ]
}

fn target<'a>(def: &'a StateMachine, tasks: &'a [TaskRef]) -> Target<'a> {
    Target {
        name: "mapreduce",
        definition: def,
        tasks,
        schemas: None,
    }
}

/// Replaces every value equal to `from` (anywhere in `v`) by `to`.
fn substitute(v: &mut Value, from: &Value, to: &Value) {
    if v == from {
        *v = to.clone();
        return;
    }
    match v {
        Value::Object(m) => m.values_mut().for_each(|x| substitute(x, from, to)),
        Value::Array(a) => a.iter_mut().for_each(|x| substitute(x, from, to)),
        _ => {}
    }
}

/// The definition loads and validates again (after the references are put back).
fn assert_valid(definition: &Value) -> StateMachine {
    let text = serde_json::to_string_pretty(definition).unwrap();
    workflow_core::load(&text).unwrap_or_else(|p| panic!("{p:?}\n{text}"))
}

#[test]
fn serverless_block_refers_to_each_function_by_its_logical_id() {
    let (def, tasks) = (mapreduce(), tasks());
    let block = serverless(&target(&def, &tasks));
    let machine = &block["stepFunctions"]["stateMachines"]["mapreduce"];
    assert_eq!(machine["name"], "mapreduce");
    let d = &machine["definition"];
    assert_eq!(
        d["States"]["MapTask"]["Iterator"]["States"]["CalculateLength"]["Resource"],
        json!({"Fn::GetAtt": ["MapFunctionLambdaFunction", "Arn"]})
    );
    assert_eq!(
        d["States"]["ReduceTask"]["Resource"],
        json!({"Fn::GetAtt": ["ReduceFunctionLambdaFunction", "Arn"]})
    );
    // Everything else is the definition itself: put the ARNs back and it is the same machine.
    let mut back = d.clone();
    for (t, arn) in [("MapFunction", MAP_ARN), ("ReduceFunction", REDUCE_ARN)] {
        let r = json!({"Fn::GetAtt": [format!("{t}LambdaFunction"), "Arn"]});
        substitute(&mut back, &r, &json!(arn));
    }
    assert_eq!(assert_valid(&back), def);
}

#[test]
fn serverless_declares_each_referenced_function_with_its_cargo_lambda_artifact() {
    let (def, tasks) = (mapreduce(), tasks());
    let doc = serverless(&target(&def, &tasks));
    assert_eq!(
        doc["functions"],
        json!({
            "mapFunction": {"handler": "bootstrap", "runtime": "provided.al2023",
                            "package": {"artifact": "target/lambda/map-function/bootstrap.zip"}},
            "reduceFunction": {"handler": "bootstrap", "runtime": "provided.al2023",
                               "package": {"artifact": "target/lambda/reduce-function/bootstrap.zip"}},
        })
    );
    // Every `Fn::GetAtt` of the block names the logical id of a declared function: the
    // Serverless Framework's `<Key with its first letter upper-cased>LambdaFunction`.
    let declared: Vec<String> = doc["functions"]
        .as_object()
        .unwrap()
        .keys()
        .map(|k| format!("{}{}LambdaFunction", k[..1].to_uppercase(), &k[1..]))
        .collect();
    let mut referenced = Vec::new();
    collect_get_atts(&doc["stepFunctions"], &mut referenced);
    assert_eq!(referenced.len(), 2);
    assert_eq!(doc["plugins"], json!(["serverless-step-functions"]));
    for r in &referenced {
        assert!(declared.contains(r), "{r} is not among {declared:?}");
    }
}

#[test]
fn serverless_artifact_follows_a_binary_set_by_hand() {
    let def = mapreduce();
    let tasks = vec![
        TaskRef::new("map_function", MAP_ARN).with_binary("mapper"),
        TaskRef::new("reduce_function", REDUCE_ARN),
    ];
    let doc = serverless(&target(&def, &tasks));
    assert_eq!(
        doc["functions"]["mapFunction"]["package"]["artifact"],
        "target/lambda/mapper/bootstrap.zip"
    );
}

#[test]
fn serverless_leaves_service_integrations_as_written_and_undeclared() {
    let sqs = "arn:aws:states:::sqs:sendMessage";
    let def: StateMachine = serde_json::from_value(json!({"StartAt": "Send", "States": {
        "Send": {"Type": "Task", "Resource": sqs, "Next": "Work"},
        "Work": {"Type": "Task", "Resource": MAP_ARN, "End": true}}}))
    .unwrap();
    let tasks = vec![
        TaskRef::new("send", sqs),
        TaskRef::new("map_function", MAP_ARN),
    ];
    let doc = serverless(&target(&def, &tasks));
    let states = &doc["stepFunctions"]["stateMachines"]["mapreduce"]["definition"]["States"];
    assert_eq!(states["Send"]["Resource"], sqs);
    assert_eq!(
        doc["functions"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["mapFunction"]
    );
}

#[test]
fn serverless_without_lambda_tasks_has_no_functions_key() {
    let def: StateMachine = serde_json::from_value(
        json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}),
    )
    .unwrap();
    let doc = serverless(&target(&def, &[]));
    assert!(doc.get("functions").is_none(), "{doc}");
}

/// The logical ids of every `{"Fn::GetAtt": [id, "Arn"]}` in `v`.
fn collect_get_atts(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::Array(a)) = m.get("Fn::GetAtt") {
                assert_eq!(a[1], "Arn");
                out.push(a[0].as_str().unwrap().to_owned());
            }
            m.values().for_each(|x| collect_get_atts(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| collect_get_atts(x, out)),
        _ => {}
    }
}

#[test]
fn serverless_yaml_reads_back_as_the_same_block() {
    let (def, tasks) = (mapreduce(), tasks());
    let text = Format::Serverless.render(&target(&def, &tasks)).unwrap();
    assert!(
        text.starts_with(
            "stepFunctions:\n  stateMachines:\n    mapreduce:\n      name: mapreduce\n"
        ),
        "{text}"
    );
    let parsed: Value = serde_norway::from_str(&text).unwrap();
    assert_eq!(parsed, serverless(&target(&def, &tasks)));
}

#[test]
fn cloudformation_substitutes_a_placeholder_per_task() {
    let (def, tasks) = (mapreduce(), tasks());
    let t = cloudformation(&target(&def, &tasks));
    let sm = &t["Resources"]["MapreduceStateMachine"];
    assert_eq!(sm["Type"], "AWS::StepFunctions::StateMachine");
    let props = &sm["Properties"];
    assert_eq!(props["StateMachineName"], "mapreduce");
    assert_eq!(props["RoleArn"], json!({"Ref": "StateMachineRoleArn"}));
    assert_eq!(
        props["DefinitionSubstitutions"],
        json!({"MapFunctionArn": {"Ref": "MapFunctionArn"}, "ReduceFunctionArn": {"Ref": "ReduceFunctionArn"}})
    );
    assert_eq!(
        props["Definition"]["States"]["ReduceTask"]["Resource"],
        "${ReduceFunctionArn}"
    );
    assert_eq!(t["Parameters"]["MapFunctionArn"]["Default"], MAP_ARN);
    assert_eq!(t["Description"], def.comment.clone().unwrap());
    // What CloudFormation does on deploy: each placeholder becomes its parameter's value.
    let mut deployed = props["Definition"].clone();
    for (p, _) in props["DefinitionSubstitutions"].as_object().unwrap() {
        let value = t["Parameters"][p]["Default"].clone();
        substitute(&mut deployed, &json!(format!("${{{p}}}")), &value);
    }
    assert_eq!(assert_valid(&deployed), def);
}

#[test]
fn lambda_invoke_function_names_are_replaced_too() {
    let def: StateMachine = serde_json::from_value(json!({"StartAt": "Call", "States": {
        "Call": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                 "Parameters": {"FunctionName": MAP_ARN, "Payload.$": "$"}, "End": true}}}))
    .unwrap();
    let tasks = vec![TaskRef::new("map_function", MAP_ARN)];
    let t = cloudformation(&target(&def, &tasks));
    let call =
        &t["Resources"]["MapreduceStateMachine"]["Properties"]["Definition"]["States"]["Call"];
    assert_eq!(call["Resource"], "arn:aws:states:::lambda:invoke");
    assert_eq!(call["Parameters"]["FunctionName"], "${MapFunctionArn}");
    assert_eq!(call["Parameters"]["Payload.$"], "$");
}

#[test]
fn a_machine_without_tasks_has_no_substitutions() {
    let def: StateMachine = serde_json::from_value(
        json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}),
    )
    .unwrap();
    let t = cloudformation(&target(&def, &[]));
    let props = &t["Resources"]["MapreduceStateMachine"]["Properties"];
    assert!(props.get("DefinitionSubstitutions").is_none());
    assert_eq!(
        t["Parameters"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["StateMachineRoleArn"]
    );
}

#[test]
fn yaml_is_the_definition_in_definition_order() {
    let def = mapreduce();
    let text = Format::Yaml.render(&target(&def, &[])).unwrap();
    assert!(text.starts_with("Comment: A simple AWS Step Functions example for MapReduce using Map state\nStartAt: MapTask\nStates:\n  MapTask:\n    Type: Map\n"), "{text}");
    let parsed: Value = serde_norway::from_str(&text).unwrap();
    assert_eq!(parsed, serde_json::to_value(&def).unwrap());
}

#[test]
fn yaml_quotes_strings_that_would_read_as_other_types() {
    let def: StateMachine = serde_json::from_value(json!({"StartAt": "P", "States": {
        "P": {"Type": "Pass", "Result": {"a": "yes", "b": "1.0", "c": "null", "d": "x: y", "e": "- z", "f": 7},
              "End": true}}}))
    .unwrap();
    let text = Format::Yaml.render(&target(&def, &[])).unwrap();
    let parsed: Value = serde_norway::from_str(&text).unwrap();
    assert_eq!(parsed, serde_json::to_value(&def).unwrap(), "{text}");
}

#[test]
fn every_format_renders_the_same_bytes_twice() {
    let (def, tasks) = (mapreduce(), tasks());
    let schemas = json!({"input": {"type": "object"}, "output": {"type": "object"}, "tasks": {}});
    let t = Target {
        schemas: Some(&schemas),
        ..target(&def, &tasks)
    };
    for f in Format::ALL {
        let a = f.render(&t).unwrap();
        assert_eq!(a, f.render(&t).unwrap(), "{}", f.name());
        assert!(a.ends_with('\n'), "{}", f.name());
        assert_eq!(Format::from_name(f.name()), Some(f));
    }
    assert_eq!(Format::Asl.render(&t).unwrap(), def.to_json_pretty() + "\n");
}

#[test]
fn schema_needs_schemas_and_names_the_workflow_first() {
    let def = mapreduce();
    assert_eq!(
        Format::Schema.render(&target(&def, &[])),
        Err(FormatError::NoSchemas("mapreduce".into()))
    );
    let schemas = json!({"input": {"title": "Words"}, "output": {"title": "Total"},
                         "tasks": {"map_function": {"input": {}, "output": {}}}});
    let doc = schema_document("mapreduce", &schemas);
    assert_eq!(
        doc.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["workflow", "input", "output", "tasks"]
    );
    assert_eq!(doc["input"]["title"], "Words");
}

#[test]
fn tasks_of_a_definition_are_its_lambda_functions_once_each() {
    let mut def = mapreduce();
    def.states.insert(
        "Again".into(),
        serde_json::from_value(json!({"Type": "Task", "Resource": MAP_ARN, "End": true})).unwrap(),
    );
    def.states.insert(
        "Sdk".into(),
        serde_json::from_value(
            json!({"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "End": true}),
        )
        .unwrap(),
    );
    assert_eq!(
        tasks_of(&def),
        vec![
            TaskRef::new("map-reduce-step-functions-dev-mapFunction", MAP_ARN),
            TaskRef::new("map-reduce-step-functions-dev-reduceFunction", REDUCE_ARN),
        ]
    );
}

#[test]
fn a_task_ref_matches_its_arn_its_function_name_and_qualified_arns() {
    let t = TaskRef::new("f", "arn:aws:lambda:us-east-1:1:function:work");
    assert!(t.is_called_by("arn:aws:lambda:us-east-1:1:function:work"));
    assert!(t.is_called_by("arn:aws:lambda:us-east-1:1:function:work:prod"));
    assert!(!t.is_called_by("arn:aws:lambda:us-east-1:1:function:other"));
    let by_name = TaskRef::new("f", "work");
    assert!(by_name.is_called_by("work"));
    assert!(by_name.is_called_by("arn:aws:lambda:us-east-1:1:function:work"));
}

#[test]
fn serverless_format_adds_warmers_only_for_tasks_that_have_them() {
    let def = mapreduce();
    let plain = Format::Serverless.render(&target(&def, &tasks())).unwrap();
    assert!(!plain.contains("warmup"), "{plain}");

    let warm = warmup::WarmerSettings::new(2).peak("cron(0/5 8-17 ? * MON-FRI *)", 20);
    let mut warmed = tasks();
    warmed[0] = warmed[0].clone().with_warmer(Some(warm.clone()));
    let yaml = Format::Serverless.render(&target(&def, &warmed)).unwrap();
    let doc = serverless_with_warmers(&target(&def, &warmed), &[("map_function", &warm)]).unwrap();
    assert_eq!(yaml, yaml::to_string(&doc));
    assert_eq!(
        doc["plugins"],
        json!(["serverless-step-functions", "serverless-plugin-warmup"])
    );
    // The warmed task's declaration gets its warmup block; the other's is unchanged.
    assert_eq!(
        doc["functions"],
        json!({
            "mapFunction": {
                "handler": "bootstrap", "runtime": "provided.al2023",
                "package": {"artifact": "target/lambda/map-function/bootstrap.zip"},
                "warmup": {
                    "warmer": {"enabled": true, "concurrency": 2},
                    "peakWarmer": {"enabled": true, "concurrency": 20}}},
            "reduceFunction": {
                "handler": "bootstrap", "runtime": "provided.al2023",
                "package": {"artifact": "target/lambda/reduce-function/bootstrap.zip"}},
        })
    );
    // The function key is the one the stepFunctions block references.
    assert!(yaml.contains("- MapFunctionLambdaFunction\n"), "{yaml}");
    assert_eq!(
        doc["stepFunctions"],
        serverless(&target(&def, &tasks()))["stepFunctions"]
    );

    warmed[0].warmer = Some(warmup::WarmerSettings::new(1).schedule("rate(5 minute)"));
    let e = Format::Serverless
        .render(&target(&def, &warmed))
        .unwrap_err();
    assert!(e.to_string().contains("task `mapFunction`"), "{e}");
}
