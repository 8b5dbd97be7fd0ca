//! The `stepFunctions:` block of a serverless.yml for the serverless-step-functions plugin.

use super::{lower_camel, upper_camel, with_task_references, Target};
use serde_json::{json, Map, Value};

/// `stepFunctions.stateMachines.<name>` with the definition, each task's `Resource` written as
/// `Fn::GetAtt: [<Task>LambdaFunction, Arn]`: the logical id the Serverless Framework gives the
/// function declared as `<task>` (lower camel case) under `functions:` of the same serverless.yml.
pub fn serverless(target: &Target<'_>) -> Value {
    let definition = with_task_references(
        target.definition,
        target.tasks,
        &|t| json!({ "Fn::GetAtt": [function_logical_id(&t.name), "Arn"] }),
    );
    let mut machine = Map::new();
    machine.insert("name".into(), json!(target.name));
    machine.insert("definition".into(), definition);
    let mut machines = Map::new();
    machines.insert(lower_camel(target.name), Value::Object(machine));
    json!({ "stepFunctions": { "stateMachines": machines } })
}

/// The Serverless Framework's logical id of the function keyed `lower_camel(task)`:
/// first letter upper-cased, then `LambdaFunction`.
pub(super) fn function_logical_id(task: &str) -> String {
    format!("{}LambdaFunction", upper_camel(task))
}
