//! A serverless.yml fragment for the serverless-step-functions plugin: the `stepFunctions:`
//! block and the `functions:` it calls.

use super::warmup::{serverless_warmup, WarmerSettings, WarmupError};
use super::{lower_camel, upper_camel, with_task_references, Target, TaskRef};
use serde_json::{json, Map, Value};

/// The Lambda runtime of a Rust function built by cargo-lambda: an OS-only runtime whose
/// executable is `bootstrap`.
pub const LAMBDA_RUNTIME: &str = "provided.al2023";

/// The plugin that deploys the `stepFunctions:` block.
pub const STEP_FUNCTIONS_PLUGIN: &str = "serverless-step-functions";

/// A serverless.yml fragment that deploys the state machine and the functions it calls:
///
/// - `stepFunctions.stateMachines.<name>` with the definition, each Lambda task's `Resource`
///   written as `Fn::GetAtt: [<Task>LambdaFunction, Arn]`: the logical id the Serverless
///   Framework gives the function declared as `<task>` (lower camel case) under `functions:`;
/// - `functions.<task>` for each of those tasks ([`function_declaration`]): handler
///   `bootstrap`, runtime `provided.al2023`, and the cargo-lambda build of its binary as the
///   package artifact;
/// - `plugins: [serverless-step-functions]`, the plugin that reads the block.
///
/// The service, `provider` and the plugins' installation come from the project's own
/// serverless.yml; tasks whose resource is not a Lambda function (a service integration) are
/// left as written and not declared.
pub fn serverless(target: &Target<'_>) -> Value {
    let functions: Vec<TaskRef> = target
        .tasks
        .iter()
        .filter(|t| t.is_lambda_function())
        .cloned()
        .collect();
    let definition = with_task_references(
        target.definition,
        &functions,
        &|t| json!({ "Fn::GetAtt": [function_logical_id(&t.name), "Arn"] }),
    );
    let mut machine = Map::new();
    machine.insert("name".into(), json!(target.name));
    machine.insert("definition".into(), definition);
    let mut machines = Map::new();
    machines.insert(lower_camel(target.name), Value::Object(machine));
    let mut doc = Map::new();
    doc.insert("stepFunctions".into(), json!({ "stateMachines": machines }));
    let mut declared = Map::new();
    for t in &functions {
        declared
            .entry(lower_camel(&t.name))
            .or_insert_with(|| function_declaration(t));
    }
    if !declared.is_empty() {
        doc.insert("functions".into(), Value::Object(declared));
    }
    doc.insert("plugins".into(), json!([STEP_FUNCTIONS_PLUGIN]));
    Value::Object(doc)
}

/// A task's entry under `functions:`: `handler: bootstrap`, `runtime: provided.al2023` and
/// `package.artifact: target/lambda/<binary>/bootstrap.zip` (what `cargo lambda build
/// --release --output-format zip` writes for the task's binary).
pub fn function_declaration(task: &TaskRef) -> Value {
    json!({
        "handler": "bootstrap",
        "runtime": LAMBDA_RUNTIME,
        "package": { "artifact": task.artifact() },
    })
}

/// [`serverless`] plus serverless-plugin-warmup settings for some of the tasks (by task name):
/// the plugin in `plugins`, its warmers in `custom.warmup`, and a `warmup` block in each
/// warmed task's declaration (`functions.<lowerCamel task>`, beside its handler, runtime and
/// package), the key [`serverless`]'s references point at.
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
/// assert_eq!(doc["functions"]["verifyToken"]["handler"], "bootstrap");
/// assert_eq!(
///     doc["functions"]["verifyToken"]["package"]["artifact"],
///     "target/lambda/verify-token/bootstrap.zip"
/// );
/// assert_eq!(doc["plugins"][1], "serverless-plugin-warmup");
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
