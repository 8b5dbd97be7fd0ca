//! Distributed Map outputs: `ResultWriter` into an in-process object store.
//!
//! What the Step Functions developer guide documents ("ResultWriter (Map)"):
//! - `ResultWriter` has `Resource` (the S3 API action it calls), `Parameters` (JSONPath) or
//!   `Arguments` (JSONata) naming the `Bucket` and `Prefix`, and `WriterConfig`; it holds
//!   `WriterConfig` alone (the formatted results become the state's result, nothing is
//!   exported), `Resource` with `Parameters`, or all three; it cannot be empty.
//! - `WriterConfig.Transformation`: `NONE` (each child execution's output unchanged, with its
//!   workflow metadata; the default when exporting without a `WriterConfig`), `COMPACT` (the
//!   outputs only; what a Map without `ResultWriter` returns), `FLATTEN` (the outputs, arrays
//!   among them flattened into the result). A failed child execution is written as with `NONE`.
//! - `WriterConfig.OutputType`: `JSON` (a JSON array) or `JSONL` (JSON Lines).
//!
//! What public code that reads the service's exports shows (the guide's "Exporting to Amazon
//! S3" section could not be read here): the resource `arn:aws:states:::s3:putObject`; files
//! under `Prefix/<map run id>/`: `SUCCEEDED_n.json`, `FAILED_n.json`, `PENDING_n.json` and a
//! `manifest.json` (`DestinationBucket`, `MapRunArn`, `ResultFiles` with `FAILED`, `PENDING`
//! and `SUCCEEDED` arrays of `{Key, Size}`); `NONE` records with `ExecutionArn`, `Input` and
//! `Output` as JSON text, `InputDetails`, `OutputDetails`, `Name`, `RedriveCount`,
//! `RedriveStatus`, `RedriveStatusReason`, `StartDate`, `StateMachineArn`, `Status`,
//! `StopDate`; and the Map's result
//! `{"MapRunArn": ..., "ResultWriterDetails": {"Bucket": ..., "Key": <the manifest's key>}}`.
//!
//! In-process, buckets are a [`ResultSink`]: files under a directory ([`LocalFiles`]) or
//! objects in memory ([`InMemory`]), the same types an `ItemReader` reads from. Not faithful,
//! and said so: each status gets one file (`_0`; the service starts a new file past a size
//! this module does not know); a `JSONL` file is named `.jsonl` (unconfirmed); child execution
//! names and map run ids are random UUIDs; a failed child's `RedriveStatusReason` says redrive
//! is not supported in-process; pending records hold only `Input`, `InputDetails` and
//! `Status`; when `WriterConfig` lacks `Transformation` or `OutputType`, they default to `NONE`
//! and `JSON` (the guide names no default there); results are written when the Map ends,
//! also when it fails (what has not ended is pending), and no `MapRun*` history events are
//! recorded.

use super::clock::format_millis;
use super::items::{InMemory, LocalFiles};
use super::jsonata_template::Jt;
use super::program::{Selector, WriterConfigNode, WriterNode};
use crate::error::{names, StatesError};
use crate::value::Val;
use serde_json::{json, Map, Value};
use std::fmt::Debug;
use std::sync::Arc;

/// The one resource a `ResultWriter` calls.
pub(crate) const PUT_OBJECT: &str = "arn:aws:states:::s3:putObject";

/// Where a `ResultWriter` writes: buckets of objects by key.
pub trait ResultSink: Send + Sync + Debug {
    /// Stores (or replaces) the object `bucket/key`.
    fn put_object(&self, bucket: &str, key: &str, body: Vec<u8>) -> Result<(), String>;
}

impl ResultSink for LocalFiles {
    fn put_object(&self, bucket: &str, key: &str, body: Vec<u8>) -> Result<(), String> {
        let path = self.object_path(bucket, key)?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("s3://{bucket}/{key}: {e}"))?;
        }
        std::fs::write(&path, body).map_err(|e| format!("s3://{bucket}/{key}: {e}"))
    }
}

impl ResultSink for InMemory {
    fn put_object(&self, bucket: &str, key: &str, body: Vec<u8>) -> Result<(), String> {
        self.insert(bucket, key, body);
        Ok(())
    }
}

/// `WriterConfig.Transformation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transformation {
    None,
    Compact,
    Flatten,
}

/// `WriterConfig.OutputType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OutputType {
    Json,
    Jsonl,
}

/// A `WriterConfig`, read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WriterConfig {
    pub transformation: Transformation,
    pub output_type: OutputType,
}

/// Reads a `WriterConfig`; the error names the offending field.
pub(crate) fn parse_writer_config(v: &Value) -> Result<WriterConfig, (String, String)> {
    let Value::Object(m) = v else {
        return Err((String::new(), "`WriterConfig` must be an object".into()));
    };
    let mut config = DEFAULT_CONFIG;
    for (k, v) in m {
        match (k.as_str(), v.as_str()) {
            ("Transformation", Some("NONE")) => config.transformation = Transformation::None,
            ("Transformation", Some("COMPACT")) => config.transformation = Transformation::Compact,
            ("Transformation", Some("FLATTEN")) => config.transformation = Transformation::Flatten,
            ("Transformation", _) => {
                return Err((
                    k.clone(),
                    "`Transformation` is `NONE`, `COMPACT` or `FLATTEN`".into(),
                ))
            }
            ("OutputType", Some("JSON")) => config.output_type = OutputType::Json,
            ("OutputType", Some("JSONL")) => config.output_type = OutputType::Jsonl,
            ("OutputType", _) => {
                return Err((k.clone(), "`OutputType` is `JSON` or `JSONL`".into()))
            }
            _ => {
                return Err((
                    k.clone(),
                    format!(
                    "`WriterConfig` has no field `{k}` (it has `Transformation` and `OutputType`)"
                ),
                ))
            }
        }
    }
    Ok(config)
}

/// A Map's `ResultWriter` with its parameters evaluated, ready for the results.
#[derive(Debug)]
pub(crate) struct WriterPlan {
    /// The Map's `Label` (or its name).
    pub label: Arc<str>,
    /// The resource and its evaluated parameters, when the results are exported.
    pub export: Option<(Arc<str>, Value)>,
    pub config: Option<WriterConfig>,
}

impl WriterPlan {
    /// The Map state's result for these children: the export's details, or the formatted
    /// results when nothing is exported.
    pub(crate) fn finish(
        &self,
        sink: Option<&dyn ResultSink>,
        machine: &str,
        children: &[Child],
    ) -> Result<Value, StatesError> {
        let run = MapRun::new(machine, &self.label);
        match &self.export {
            Some((resource, params)) => export(sink, resource, params, self.config, &run, children),
            None => Ok(preview(
                &run,
                children,
                self.config.unwrap_or(DEFAULT_CONFIG),
            )),
        }
    }
}

/// A `WriterConfig` computed by JSONata, read; `States.ResultWriterFailed` when it is not one.
fn evaluated_writer_config(v: &Value) -> Result<WriterConfig, StatesError> {
    parse_writer_config(v).map_err(|(_, message)| writer_failed(message))
}

impl WriterNode {
    /// The writer of one Map run: `arguments` evaluates the export's `Parameters` or
    /// `Arguments` (an object when there are none), `expression` a JSONata `WriterConfig`.
    pub(crate) fn plan(
        &self,
        arguments: impl FnOnce(&Selector) -> Result<Value, StatesError>,
        expression: impl FnOnce(&Jt) -> Result<Value, StatesError>,
    ) -> Result<WriterPlan, StatesError> {
        let export = match &self.export {
            None => None,
            Some((resource, params)) => {
                let params = match params {
                    Some(selector) => arguments(selector)?,
                    None => Value::Object(Map::new()),
                };
                Some((Arc::clone(resource), params))
            }
        };
        let config = match &self.config {
            None => None,
            Some(WriterConfigNode::Literal(c)) => Some(*c),
            Some(WriterConfigNode::Jsonata(j)) => Some(evaluated_writer_config(&expression(j)?)?),
        };
        Ok(WriterPlan {
            label: Arc::clone(&self.label),
            export,
            config,
        })
    }
}

/// How one child execution (Map iteration) ended.
#[derive(Debug)]
pub(crate) enum Outcome {
    Succeeded(Val),
    Failed(StatesError),
    /// It never ran to its end: the Map failed first.
    Pending,
}

/// One child execution: its input, how it ended, and when it started and stopped.
#[derive(Debug)]
pub(crate) struct Child {
    pub input: Val,
    pub outcome: Outcome,
    pub start_millis: i64,
    pub stop_millis: i64,
}

/// The region and account of the ARNs the interpreter makes.
const ARN_PREFIX: &str = "arn:aws:states:us-east-1:000000000000:";

/// What a `WriterConfig` without `Transformation` or `OutputType` means (and what exporting
/// without a `WriterConfig` means).
const DEFAULT_CONFIG: WriterConfig = WriterConfig {
    transformation: Transformation::None,
    output_type: OutputType::Json,
};

/// Names for the records: the map run and the state machine its children run.
struct MapRun {
    /// `arn:aws:states:<region>:<account>:mapRun:<machine>/<label>:<id>`.
    arn: String,
    id: String,
    /// `<machine>/<label>`: the children's state machine name.
    child_machine: String,
}

impl MapRun {
    /// A new map run of the Map state `label` in the state machine `machine`.
    fn new(machine: &str, label: &str) -> MapRun {
        let id = uuid::Uuid::new_v4().to_string();
        let child_machine = format!("{machine}/{label}");
        MapRun {
            arn: format!("{ARN_PREFIX}mapRun:{child_machine}:{id}"),
            id,
            child_machine,
        }
    }

    /// The `NONE` record of a child execution: its output unchanged, with its metadata.
    fn record(&self, child: &Child) -> Value {
        let mut m = Map::new();
        let status = match &child.outcome {
            Outcome::Succeeded(_) => "SUCCEEDED",
            Outcome::Failed(_) => "FAILED",
            Outcome::Pending => "PENDING",
        };
        if !matches!(child.outcome, Outcome::Pending) {
            let name = uuid::Uuid::new_v4().to_string();
            let (prefix, machine) = (ARN_PREFIX, &self.child_machine);
            m.insert(
                "ExecutionArn".into(),
                json!(format!("{prefix}execution:{machine}:{name}")),
            );
            m.insert("Name".into(), json!(name));
            m.insert(
                "StateMachineArn".into(),
                json!(format!("{prefix}stateMachine:{machine}")),
            );
            m.insert("StartDate".into(), json!(format_millis(child.start_millis)));
            m.insert("StopDate".into(), json!(format_millis(child.stop_millis)));
            m.insert("RedriveCount".into(), json!(0));
            m.insert("RedriveStatus".into(), json!("NOT_REDRIVABLE"));
        }
        m.insert("Input".into(), json!(child.input.to_string()));
        m.insert("InputDetails".into(), json!({"Included": true}));
        match &child.outcome {
            Outcome::Succeeded(output) => {
                m.insert("Output".into(), json!(output.to_string()));
                m.insert("OutputDetails".into(), json!({"Included": true}));
                m.insert(
                    "RedriveStatusReason".into(),
                    json!("Execution is SUCCEEDED and cannot be redriven"),
                );
            }
            Outcome::Failed(e) => {
                m.insert("Error".into(), json!(e.error));
                m.insert("Cause".into(), json!(e.cause));
                m.insert(
                    "RedriveStatusReason".into(),
                    json!("Redrive is not supported in-process"),
                );
            }
            Outcome::Pending => {}
        }
        m.insert("Status".into(), json!(status));
        Value::Object(m)
    }
}

/// The results of `children` as `transformation` shapes them (failed ones as `NONE`).
fn transformed<'a>(
    run: &MapRun,
    children: impl Iterator<Item = &'a Child>,
    transformation: Transformation,
) -> Vec<Value> {
    let mut out = Vec::new();
    for child in children {
        match (&child.outcome, transformation) {
            (Outcome::Succeeded(v), Transformation::Compact) => out.push(v.to_json()),
            (Outcome::Succeeded(Val::Array(items)), Transformation::Flatten) => {
                out.extend(items.iter().map(Val::to_json))
            }
            (Outcome::Succeeded(v), Transformation::Flatten) => out.push(v.to_json()),
            _ => out.push(run.record(child)),
        }
    }
    out
}

/// The Map state's result under a `WriterConfig` alone: the formatted results, not exported.
fn preview(run: &MapRun, children: &[Child], config: WriterConfig) -> Value {
    Value::Array(transformed(run, children.iter(), config.transformation))
}

fn writer_failed(cause: impl Into<String>) -> StatesError {
    StatesError::new(names::RESULT_WRITER_FAILED, cause)
}

/// Writes the results of a map run under `params` (`Bucket`, `Prefix`) and returns the Map
/// state's result: the map run's ARN and where its manifest is.
fn export(
    sink: Option<&dyn ResultSink>,
    resource: &str,
    params: &Value,
    config: Option<WriterConfig>,
    run: &MapRun,
    children: &[Child],
) -> Result<Value, StatesError> {
    let sink = sink.ok_or_else(|| {
        writer_failed(
            "no result sink is configured (RunOptions::result_sink) for this ResultWriter",
        )
    })?;
    if resource != PUT_OBJECT {
        return Err(writer_failed(format!(
            "ResultWriter resource `{resource}` is not supported (only {PUT_OBJECT} is)"
        )));
    }
    let bucket = match params.get("Bucket") {
        Some(Value::String(b)) if !b.is_empty() => b.as_str(),
        _ => {
            return Err(writer_failed(
                "The ResultWriter's parameters need a non-empty string `Bucket`",
            ))
        }
    };
    let prefix = match params.get("Prefix") {
        None => "",
        Some(Value::String(p)) => p.as_str(),
        Some(_) => {
            return Err(writer_failed(
                "The ResultWriter's `Prefix` must be a string",
            ))
        }
    };
    let dir = match prefix {
        "" => format!("{}/", run.id),
        p if p.ends_with('/') => format!("{p}{}/", run.id),
        p => format!("{p}/{}/", run.id),
    };
    let config = config.unwrap_or(DEFAULT_CONFIG);
    let extension = match config.output_type {
        OutputType::Json => "json",
        OutputType::Jsonl => "jsonl",
    };
    let mut files = Map::new();
    for status in ["FAILED", "PENDING", "SUCCEEDED"] {
        let of_status = children.iter().filter(|c| {
            matches!(
                (&c.outcome, status),
                (Outcome::Failed(_), "FAILED")
                    | (Outcome::Pending, "PENDING")
                    | (Outcome::Succeeded(_), "SUCCEEDED")
            )
        });
        let group = transformed(run, of_status, config.transformation);
        let mut listed = Vec::new();
        if !group.is_empty() {
            let key = format!("{dir}{status}_0.{extension}");
            let body = encode(&group, config.output_type);
            let size = body.len();
            sink.put_object(bucket, &key, body).map_err(writer_failed)?;
            listed.push(json!({"Key": key, "Size": size}));
        }
        files.insert(status.to_owned(), Value::Array(listed));
    }
    let manifest = json!({
        "DestinationBucket": bucket,
        "MapRunArn": run.arn,
        "ResultFiles": files,
    });
    let key = format!("{dir}manifest.json");
    sink.put_object(bucket, &key, manifest.to_string().into_bytes())
        .map_err(writer_failed)?;
    Ok(json!({
        "MapRunArn": run.arn,
        "ResultWriterDetails": {"Bucket": bucket, "Key": key},
    }))
}

/// A file's body: a JSON array, or one value per line.
fn encode(values: &[Value], output_type: OutputType) -> Vec<u8> {
    match output_type {
        OutputType::Json => Value::Array(values.to_vec()).to_string().into_bytes(),
        OutputType::Jsonl => {
            let mut text = String::new();
            for v in values {
                text.push_str(&v.to_string());
                text.push('\n');
            }
            text.into_bytes()
        }
    }
}
