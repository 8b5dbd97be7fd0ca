//! A CloudFormation (or SAM) template with the state machine as an
//! `AWS::StepFunctions::StateMachine`.

use super::{upper_camel, with_task_references, Target};
use serde_json::{json, Map, Value};

/// The parameter that holds the IAM role Step Functions assumes.
pub const ROLE_PARAMETER: &str = "StateMachineRoleArn";

/// A template whose `Definition` calls each task as `${<Task>Arn}`, with
/// `DefinitionSubstitutions` filling each placeholder from a parameter of the same name (its
/// default: the resource the definition was written with), and the execution role as the
/// `StateMachineRoleArn` parameter. Replace a substitution's `Ref` with
/// `Fn::GetAtt: [<Function>, Arn]` to wire a function of the same template.
pub fn cloudformation(target: &Target<'_>) -> Value {
    let definition = with_task_references(target.definition, target.tasks, &|t| {
        Value::String(format!("${{{}}}", placeholder(&t.name)))
    });
    let mut parameters = Map::new();
    let mut substitutions = Map::new();
    for t in target.tasks {
        let p = placeholder(&t.name);
        if parameters.contains_key(&p) {
            continue;
        }
        parameters.insert(
            p.clone(),
            json!({
                "Type": "String",
                "Description": format!("ARN of the function behind task `{}`", t.name),
                "Default": t.resource,
            }),
        );
        substitutions.insert(p.clone(), json!({ "Ref": p }));
    }
    parameters.insert(
        ROLE_PARAMETER.into(),
        json!({
            "Type": "String",
            "Description": "ARN of the IAM role that Step Functions assumes to run the state machine",
        }),
    );
    let mut properties = Map::new();
    properties.insert("StateMachineName".into(), json!(target.name));
    properties.insert("RoleArn".into(), json!({ "Ref": ROLE_PARAMETER }));
    properties.insert("Definition".into(), definition);
    if !substitutions.is_empty() {
        properties.insert(
            "DefinitionSubstitutions".into(),
            Value::Object(substitutions),
        );
    }
    let id = logical_id(target.name);
    let description = target
        .definition
        .comment
        .clone()
        .unwrap_or_else(|| format!("State machine {}", target.name));
    json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": description,
        "Parameters": parameters,
        "Resources": {
            id.clone(): {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": properties,
            }
        },
        "Outputs": {
            "StateMachineArn": { "Value": { "Ref": id } }
        }
    })
}

/// `map_function` -> `MapFunctionArn`: the placeholder and parameter of a task's ARN.
pub fn placeholder(task: &str) -> String {
    format!("{}Arn", upper_camel(task))
}

/// `mapreduce` -> `MapreduceStateMachine`.
fn logical_id(name: &str) -> String {
    let id = upper_camel(name);
    if id.ends_with("StateMachine") {
        id
    } else {
        id + "StateMachine"
    }
}
