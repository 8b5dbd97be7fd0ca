//! The `stepFunctions:` block of a serverless.yml for the serverless-step-functions plugin.

use super::warmup::{serverless_warmup, WarmerSettings, WarmupError};
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

/// [`serverless`] plus serverless-plugin-warmup settings for some of the tasks (by task name):
/// the plugin in `plugins`, its warmers in `custom.warmup`, and a `warmup` block under each
/// warmed task's function key (`functions.<lowerCamel task>`), the key [`serverless`]'s
/// references point at.
///
/// ```
/// use workflow_codegen::deploy::{serverless_with_warmers, warmup::WarmerSettings, Target, TaskRef};
/// use workflow_core::asl::StateMachine;
/// let asl = StateMachine::from_json(r#"{"StartAt": "V", "States": {"V": {"Type": "Task",
///   "Resource": "arn:aws:lambda:us-east-1:1:function:verify", "End": true}}}"#).unwrap();
/// let tasks = [TaskRef::new("verify_token", "arn:aws:lambda:us-east-1:1:function:verify")];
/// let target = Target { name: "auth", definition: &asl, tasks: &tasks, schemas: None };
/// let warm = WarmerSettings::new(2).peak("cron(0/5 8-17 ? * MON-FRI *)", 20);
/// let doc = serverless_with_warmers(&target, &[("verify_token", &warm)]).unwrap();
/// assert_eq!(doc["functions"]["verifyToken"]["warmup"]["peakWarmer"]["concurrency"], 20);
/// assert_eq!(doc["plugins"][0], "serverless-plugin-warmup");
/// ```
pub fn serverless_with_warmers(
    target: &Target<'_>,
    warmers: &[(&str, &WarmerSettings)],
) -> Result<Value, WarmupError> {
    let keys: Vec<String> = warmers.iter().map(|(task, _)| lower_camel(task)).collect();
    let keyed: Vec<(&str, &WarmerSettings)> = keys
        .iter()
        .zip(warmers)
        .map(|(key, (_, settings))| (key.as_str(), *settings))
        .collect();
    let config = serverless_warmup(&keyed)?;
    let mut doc = serverless(target);
    config.add_to_serverless(&mut doc)?;
    Ok(doc)
}

/// The Serverless Framework's logical id of the function keyed `lower_camel(task)`:
/// first letter upper-cased, then `LambdaFunction`.
pub(super) fn function_logical_id(task: &str) -> String {
    format!("{}LambdaFunction", upper_camel(task))
}
