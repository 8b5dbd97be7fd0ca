//! Deployment outputs of a state machine: the ASL as JSON or YAML, a serverless.yml fragment
//! (the serverless-step-functions `stepFunctions` block and the functions it calls), a
//! CloudFormation/SAM template, JSON Schemas and diagrams.
//!
//! Every output is built from an [`asl::StateMachine`](workflow_core::asl::StateMachine) plus
//! the list of its tasks ([`TaskRef`]), so hand-written definitions get them as well as
//! `#[workflow]` ones. Maps keep definition order, so the same input always gives the same bytes.
//!
//! ```
//! use workflow_codegen::deploy::{Format, Target, TaskRef};
//! use workflow_core::asl::StateMachine;
//! let asl = StateMachine::from_json(r#"{"StartAt": "Work", "States": {"Work": {"Type": "Task",
//!   "Resource": "arn:aws:lambda:us-east-1:123456789012:function:work", "End": true}}}"#).unwrap();
//! let tasks = vec![TaskRef::new("do_work", "arn:aws:lambda:us-east-1:123456789012:function:work")];
//! let target = Target { name: "worker", definition: &asl, tasks: &tasks, schemas: None };
//! let yaml = Format::Serverless.render(&target).unwrap();
//! assert!(yaml.contains("Fn::GetAtt:\n"), "{yaml}");
//! assert!(yaml.contains("- DoWorkLambdaFunction\n"), "{yaml}");
//! assert!(yaml.contains("\n  doWork:\n    handler: bootstrap\n"), "{yaml}");
//! ```

mod cloudformation;
mod names;
mod serverless;
pub mod warmup;
pub mod yaml;

pub use cloudformation::{cloudformation, placeholder, ROLE_PARAMETER};
pub use names::{kebab, lower_camel, upper_camel};
pub use serverless::{function_declaration, serverless, serverless_with_warmers, LAMBDA_RUNTIME};

use serde_json::Value;
use workflow_core::asl::{State, StateMachine};
use workflow_core::task::{is_lambda_arn, lambda_function_name};

/// One task of a state machine as deployment files name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRef {
    /// The task's name (the Rust fn name for `#[task]`): the stem of the function key
    /// (`mapFunction`), logical ids (`MapFunctionLambdaFunction`) and placeholders
    /// (`${MapFunctionArn}`).
    pub name: String,
    /// The `Resource` the definition calls it by (a Lambda ARN or function name).
    pub resource: String,
    /// Its warmer settings, when it has some (the serverless format emits them).
    pub warmer: Option<warmup::WarmerSettings>,
    /// The cargo binary that serves it as a Lambda function (`kebab(name)` unless set with
    /// [`TaskRef::with_binary`]): cargo-lambda builds it into
    /// `target/lambda/<binary>/bootstrap.zip`, the artifact the serverless format deploys.
    pub binary: String,
}

impl TaskRef {
    /// The task `name`, called as `resource` in the definition.
    pub fn new(name: impl Into<String>, resource: impl Into<String>) -> Self {
        let name = name.into();
        TaskRef {
            binary: kebab(&name),
            name,
            resource: resource.into(),
            warmer: None,
        }
    }

    /// The same task served by the binary `binary` (instead of `kebab(name)`).
    pub fn with_binary(mut self, binary: impl Into<String>) -> Self {
        self.binary = binary.into();
        self
    }

    /// The cargo-lambda build artifact of its binary: `target/lambda/<binary>/bootstrap.zip`
    /// (`cargo lambda build --release --output-format zip`).
    pub fn artifact(&self) -> String {
        format!("target/lambda/{}/bootstrap.zip", self.binary)
    }

    /// Whether it is a Lambda function (its resource a Lambda ARN or a bare function name), so
    /// that the serverless format declares it and refers to it by logical id. Other resources
    /// (service integrations) stay as written.
    pub fn is_lambda_function(&self) -> bool {
        is_lambda_arn(&self.resource) || !self.resource.starts_with("arn:")
    }

    /// The same task with warmer settings (or none).
    pub fn with_warmer(mut self, warmer: Option<warmup::WarmerSettings>) -> Self {
        self.warmer = warmer;
        self
    }

    /// Whether a Task state's `Resource` (or a `lambda:invoke` `FunctionName`) calls this task.
    pub fn is_called_by(&self, resource: &str) -> bool {
        resource == self.resource
            || lambda_function_name(resource).is_some_and(|f| {
                f == self.resource || Some(f) == lambda_function_name(&self.resource)
            })
    }
}

/// The Lambda functions a definition calls, once each in order of first use, named by function
/// name: the tasks of a hand-written definition.
pub fn tasks_of(definition: &StateMachine) -> Vec<TaskRef> {
    let mut out: Vec<TaskRef> = Vec::new();
    for (_, state) in definition.all_states() {
        let State::Task(t) = state else { continue };
        if !is_lambda_arn(&t.resource) || out.iter().any(|r| r.is_called_by(&t.resource)) {
            continue;
        }
        let name = lambda_function_name(&t.resource).unwrap_or(&t.resource);
        out.push(TaskRef::new(name, t.resource.clone()));
    }
    out
}

/// What a format needs: the machine's name, its definition, its tasks and (for
/// [`Format::Schema`]) the JSON Schemas of its data.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// The state machine's name (the workflow fn name for `#[workflow]`).
    pub name: &'a str,
    /// The definition.
    pub definition: &'a StateMachine,
    /// Its tasks (see [`tasks_of`] for a definition that comes without them).
    pub tasks: &'a [TaskRef],
    /// `{"input": .., "output": .., "tasks": {"<task>": {"input": .., "output": ..}}}`, as
    /// `Workflow::schemas` gives them.
    pub schemas: Option<&'a Value>,
}

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// The ASL definition, pretty JSON.
    Asl,
    /// The ASL definition as YAML.
    Yaml,
    /// A serverless.yml fragment (YAML): the serverless-step-functions `stepFunctions:` block,
    /// each Lambda task's `functions:` declaration (cargo-lambda artifact) and, for tasks with
    /// warmer settings, serverless-plugin-warmup's configuration.
    Serverless,
    /// A CloudFormation/SAM template with an `AWS::StepFunctions::StateMachine` (YAML).
    Cfn,
    /// JSON Schemas of the workflow's and each task's input and output (JSON).
    Schema,
    /// A Mermaid flowchart.
    Mermaid,
    /// A Graphviz DOT digraph.
    Dot,
}

/// Why a format cannot be produced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// `schema` was asked of a target without schemas.
    #[error("`{0}` has no JSON Schemas (only workflows declared in Rust have them)")]
    NoSchemas(String),
    /// A task's warmer settings cannot be emitted.
    #[error(transparent)]
    Warmup(#[from] warmup::WarmupError),
}

impl Format {
    /// Every format, in the order `--format` lists them.
    pub const ALL: [Format; 7] = [
        Format::Asl,
        Format::Yaml,
        Format::Serverless,
        Format::Cfn,
        Format::Schema,
        Format::Mermaid,
        Format::Dot,
    ];

    /// The name `--format` takes.
    pub fn name(self) -> &'static str {
        match self {
            Format::Asl => "asl",
            Format::Yaml => "yaml",
            Format::Serverless => "serverless",
            Format::Cfn => "cfn",
            Format::Schema => "schema",
            Format::Mermaid => "mermaid",
            Format::Dot => "dot",
        }
    }

    /// The format named `name`.
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The file name suffix of this format's output (`mapreduce` + `.asl.json`).
    pub fn extension(self) -> &'static str {
        match self {
            Format::Asl => ".asl.json",
            Format::Yaml => ".asl.yaml",
            Format::Serverless => ".serverless.yml",
            Format::Cfn => ".cfn.yaml",
            Format::Schema => ".schema.json",
            Format::Mermaid => ".mmd",
            Format::Dot => ".dot",
        }
    }

    /// The output, as the text of a file (ending with a newline).
    pub fn render(self, target: &Target<'_>) -> Result<String, FormatError> {
        Ok(match self {
            Format::Asl => target.definition.to_json_pretty() + "\n",
            Format::Yaml => yaml::to_string(
                &serde_json::to_value(target.definition).expect("the ASL model always serializes"),
            ),
            Format::Serverless => yaml::to_string(&serverless_document(target)?),
            Format::Cfn => yaml::to_string(&cloudformation(target)),
            Format::Schema => {
                let schemas = target
                    .schemas
                    .ok_or_else(|| FormatError::NoSchemas(target.name.to_owned()))?;
                to_json(&schema_document(target.name, schemas))
            }
            Format::Mermaid => crate::diagram::mermaid(target.definition),
            Format::Dot => crate::diagram::dot(target.definition),
        })
    }
}

/// The serverless format's document (as JSON): [`serverless`], plus the warmers of the tasks
/// that have warmer settings ([`serverless_with_warmers`]).
pub fn serverless_document(target: &Target<'_>) -> Result<Value, FormatError> {
    let warmers: Vec<(&str, &warmup::WarmerSettings)> = target
        .tasks
        .iter()
        .filter_map(|t| Some((t.name.as_str(), t.warmer.as_ref()?)))
        .collect();
    if warmers.is_empty() {
        Ok(serverless(target))
    } else {
        Ok(serverless_with_warmers(target, &warmers)?)
    }
}

/// The schema file: `{"workflow": name, "input": .., "output": .., "tasks": ..}`.
pub fn schema_document(name: &str, schemas: &Value) -> Value {
    let mut doc = serde_json::Map::new();
    doc.insert("workflow".into(), Value::String(name.to_owned()));
    if let Value::Object(m) = schemas {
        doc.extend(m.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    Value::Object(doc)
}

fn to_json(value: &Value) -> String {
    serde_json::to_string_pretty(value).expect("JSON values always serialize") + "\n"
}

/// The definition as JSON with the Task resources of `tasks` replaced by `reference(task)`:
/// each Task's `Resource`, and the `FunctionName` of `lambda:invoke` parameters.
fn with_task_references(
    definition: &StateMachine,
    tasks: &[TaskRef],
    reference: &dyn Fn(&TaskRef) -> Value,
) -> Value {
    let mut json = serde_json::to_value(definition).expect("the ASL model always serializes");
    replace_in_scope(&mut json, tasks, reference);
    json
}

fn replace_in_scope(scope: &mut Value, tasks: &[TaskRef], reference: &dyn Fn(&TaskRef) -> Value) {
    let Some(states) = scope.get_mut("States").and_then(Value::as_object_mut) else {
        return;
    };
    for state in states.values_mut() {
        match state.get("Type").and_then(Value::as_str) {
            Some("Task") => {
                let called = |v: Option<&Value>| {
                    let r = v.and_then(Value::as_str)?;
                    tasks.iter().find(|t| t.is_called_by(r))
                };
                if let Some(t) = called(state.get("Resource")) {
                    state["Resource"] = reference(t);
                }
                for args in ["Parameters", "Arguments"] {
                    if let Some(t) = called(state.get(args).and_then(|p| p.get("FunctionName"))) {
                        state[args]["FunctionName"] = reference(t);
                    }
                }
            }
            Some("Parallel") => {
                if let Some(branches) = state.get_mut("Branches").and_then(Value::as_array_mut) {
                    for b in branches {
                        replace_in_scope(b, tasks, reference);
                    }
                }
            }
            Some("Map") => {
                for key in ["ItemProcessor", "Iterator"] {
                    if let Some(p) = state.get_mut(key) {
                        replace_in_scope(p, tasks, reference);
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests;
