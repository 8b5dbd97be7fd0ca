//! A distributed Map's `ResultWriter`: the files and manifest it writes to the result sink, the
//! Map's result in the service's shape, `WriterConfig` transformations and output types, and
//! its errors.

use serde_json::{json, Value};
use std::sync::Arc;
use workflow_core::run::{InMemory, ItemSource, LocalFiles, Machine, RunOptions, Runner, Status};
use workflow_core::task::TaskRegistry;

fn machine(def: Value) -> Machine {
    Machine::from_json(&def.to_string()).expect("the test definition compiles")
}

/// A distributed Map over the input's items with `writer` as its `ResultWriter`: item 0 fails
/// with `Zero` (tolerated, up to `tolerated` failures), others become `{"n": item}`, arrays
/// pass through unchanged.
fn map_with(writer: Value, tolerated: u64) -> Value {
    json!({"StartAt": "M", "States": {"M": {
        "Type": "Map", "End": true, "Label": "Words", "ItemsPath": "$.items",
        "ToleratedFailureCount": tolerated, "MaxConcurrency": 1, "ResultWriter": writer,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "C", "States": {
                "C": {"Type": "Choice", "Choices": [
                    {"Variable": "$", "NumericEquals": 0, "Next": "Bad"},
                    {"Variable": "$", "IsNumeric": true, "Next": "Wrap"}], "Default": "Keep"},
                "Bad": {"Type": "Fail", "Error": "Zero", "Cause": "zero item"},
                "Wrap": {"Type": "Pass", "Parameters": {"n.$": "$"}, "End": true},
                "Keep": {"Type": "Pass", "End": true}}}}}})
}

async fn run_with(
    def: Value,
    input: Value,
    store: &Arc<InMemory>,
) -> workflow_core::run::Execution {
    let options = RunOptions {
        result_sink: Some(Arc::clone(store) as _),
        ..RunOptions::default()
    };
    Runner::new(machine(def), TaskRegistry::new())
        .with_options(options)
        .run(input)
        .await
}

fn object(store: &InMemory, bucket: &str, key: &str) -> Value {
    let bytes = store
        .object(bucket, key)
        .unwrap_or_else(|| panic!("s3://{bucket}/{key} was written"));
    serde_json::from_slice(&bytes).expect("the object is JSON")
}

fn text(v: &Value) -> &str {
    v.as_str().expect("a string")
}

#[tokio::test(start_paused = true)]
async fn export_writes_results_by_status_and_a_manifest_and_the_map_returns_where_they_are() {
    let store = Arc::new(InMemory::new());
    let writer = json!({"Resource": "arn:aws:states:::s3:putObject",
                        "Parameters": {"Bucket": "out", "Prefix.$": "$.prefix"}});
    let exec = run_with(
        map_with(writer, 1),
        json!({"items": [1, 0, 2], "prefix": "runs"}),
        &store,
    )
    .await;
    assert_eq!(exec.status, Status::Succeeded, "{:?}", exec.cause);
    let out = exec.output.unwrap();
    let arn = text(&out["MapRunArn"]);
    let id = arn
        .strip_prefix("arn:aws:states:us-east-1:000000000000:mapRun:StateMachine/Words:")
        .unwrap_or_else(|| panic!("a map run ARN named after the Label: {arn}"));
    assert_eq!(id.len(), 36, "a UUID: {id}");
    let manifest_key = format!("runs/{id}/manifest.json");
    assert_eq!(
        out,
        json!({"MapRunArn": arn, "ResultWriterDetails": {"Bucket": "out", "Key": manifest_key}})
    );
    let manifest = object(&store, "out", &manifest_key);
    let size = |key: &str| store.object("out", key).map(|b| b.len()).unwrap_or(0);
    let (succeeded, failed) = (
        format!("runs/{id}/SUCCEEDED_0.json"),
        format!("runs/{id}/FAILED_0.json"),
    );
    assert_eq!(
        manifest,
        json!({"DestinationBucket": "out", "MapRunArn": arn, "ResultFiles": {
            "FAILED": [{"Key": failed, "Size": size(&failed)}],
            "PENDING": [],
            "SUCCEEDED": [{"Key": succeeded, "Size": size(&succeeded)}]}})
    );
    let records = object(&store, "out", &succeeded);
    let records = records.as_array().unwrap();
    assert_eq!(records.len(), 2);
    let first = &records[0];
    assert_eq!(first["Status"], "SUCCEEDED");
    assert_eq!(first["Input"], "1", "the input as JSON text");
    assert_eq!(first["Output"], "{\"n\":1}", "the output as JSON text");
    assert_eq!(first["InputDetails"], json!({"Included": true}));
    assert_eq!(first["OutputDetails"], json!({"Included": true}));
    assert_eq!(
        first["StateMachineArn"],
        "arn:aws:states:us-east-1:000000000000:stateMachine:StateMachine/Words"
    );
    let name = text(&first["Name"]);
    assert_eq!(
        text(&first["ExecutionArn"]),
        format!("arn:aws:states:us-east-1:000000000000:execution:StateMachine/Words:{name}")
    );
    assert!(text(&first["StartDate"]).ends_with('Z'));
    assert!(text(&first["StopDate"]).ends_with('Z'));
    assert_eq!(records[1]["Output"], "{\"n\":2}");
    let failures = object(&store, "out", &failed);
    assert_eq!(failures.as_array().unwrap().len(), 1);
    assert_eq!(failures[0]["Status"], "FAILED");
    assert_eq!(failures[0]["Input"], "0");
    assert_eq!(failures[0]["Error"], "Zero");
    assert_eq!(failures[0]["Cause"], "zero item");
    assert!(failures[0].get("Output").is_none());
}

#[tokio::test(start_paused = true)]
async fn a_prefix_ending_in_a_slash_and_no_prefix_both_put_the_map_run_directly_below() {
    for (prefix, expected) in [(json!("a/b/"), "a/b/"), (Value::Null, "")] {
        let store = Arc::new(InMemory::new());
        let mut params = json!({"Bucket": "out"});
        if !prefix.is_null() {
            params["Prefix"] = prefix;
        }
        let writer = json!({"Resource": "arn:aws:states:::s3:putObject", "Parameters": params});
        let exec = run_with(map_with(writer, 0), json!({"items": [1]}), &store).await;
        let out = exec.output.expect("the Map succeeds");
        let id = text(&out["MapRunArn"])
            .rsplit(':')
            .next()
            .unwrap()
            .to_owned();
        assert_eq!(
            out["ResultWriterDetails"]["Key"],
            format!("{expected}{id}/manifest.json")
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_failing_map_still_writes_what_ran_and_lists_the_rest_as_pending() {
    let store = Arc::new(InMemory::new());
    let writer = json!({"Resource": "arn:aws:states:::s3:putObject",
                        "Parameters": {"Bucket": "out", "Prefix": "p"}});
    let exec = run_with(map_with(writer, 0), json!({"items": [1, 0, 2, 3]}), &store).await;
    assert_eq!(
        exec.error.as_deref(),
        Some("States.ExceedToleratedFailureThreshold"),
        "the Map's own error stands"
    );
    let keys: Vec<String> = store
        .list_objects("out", "p/")
        .unwrap()
        .into_iter()
        .map(|o| o.key)
        .collect();
    let manifest_key = keys
        .iter()
        .find(|k| k.ends_with("/manifest.json"))
        .expect("a manifest was written");
    let manifest = object(&store, "out", manifest_key);
    let files = &manifest["ResultFiles"];
    let key = |status: &str| text(&files[status][0]["Key"]).to_owned();
    assert_eq!(object(&store, "out", &key("SUCCEEDED"))[0]["Input"], "1");
    assert_eq!(object(&store, "out", &key("FAILED"))[0]["Input"], "0");
    let pending = object(&store, "out", &key("PENDING"));
    assert_eq!(
        pending,
        json!([
            {"Input": "2", "InputDetails": {"Included": true}, "Status": "PENDING"},
            {"Input": "3", "InputDetails": {"Included": true}, "Status": "PENDING"}])
    );
}

#[tokio::test(start_paused = true)]
async fn writer_config_alone_shapes_the_result_without_exporting() {
    let store = Arc::new(InMemory::new());
    let input = json!({"items": [[1, 2], 3, [4]]});
    let preview = |t: &str| json!({"WriterConfig": {"Transformation": t, "OutputType": "JSON"}});
    let exec = run_with(map_with(preview("COMPACT"), 0), input.clone(), &store).await;
    assert_eq!(exec.output, Some(json!([[1, 2], {"n": 3}, [4]])));
    let exec = run_with(map_with(preview("FLATTEN"), 0), input.clone(), &store).await;
    assert_eq!(exec.output, Some(json!([1, 2, {"n": 3}, 4])));
    let exec = run_with(map_with(preview("NONE"), 0), input, &store).await;
    let records = exec.output.unwrap();
    assert_eq!(records[1]["Output"], "{\"n\":3}");
    assert_eq!(records[1]["Status"], "SUCCEEDED");
    assert!(store.list_objects("out", "").unwrap().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_failed_child_is_written_as_with_none_whatever_the_transformation() {
    let store = Arc::new(InMemory::new());
    let writer = json!({"WriterConfig": {"Transformation": "COMPACT"}});
    let exec = run_with(map_with(writer, 1), json!({"items": [0, 5]}), &store).await;
    let out = exec.output.expect("the failure is tolerated");
    assert_eq!(out[0]["Status"], "FAILED");
    assert_eq!(out[0]["Error"], "Zero");
    assert_eq!(out[1], json!({"n": 5}));
}

#[tokio::test(start_paused = true)]
async fn jsonl_output_writes_one_result_per_line() {
    let store = Arc::new(InMemory::new());
    let writer = json!({"Resource": "arn:aws:states:::s3:putObject",
                        "Parameters": {"Bucket": "out", "Prefix": "l"},
                        "WriterConfig": {"Transformation": "COMPACT", "OutputType": "JSONL"}});
    let exec = run_with(map_with(writer, 0), json!({"items": [1, 2]}), &store).await;
    let out = exec.output.expect("the Map succeeds");
    let manifest = object(&store, "out", text(&out["ResultWriterDetails"]["Key"]));
    let key = text(&manifest["ResultFiles"]["SUCCEEDED"][0]["Key"]);
    assert!(key.ends_with("/SUCCEEDED_0.jsonl"), "{key}");
    let body = String::from_utf8(store.object("out", key).unwrap()).unwrap();
    assert_eq!(body, "{\"n\":1}\n{\"n\":2}\n");
}

#[tokio::test(start_paused = true)]
async fn jsonata_arguments_and_writer_config_are_evaluated_and_local_files_receive_them() {
    let root = std::env::temp_dir().join(format!("result-writer-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("in")).unwrap();
    std::fs::write(root.join("in/items.json"), "[10, 20]").unwrap();
    let files = Arc::new(LocalFiles::new(&root));
    let def = json!({"QueryLanguage": "JSONata", "StartAt": "M", "States": {"M": {
        "Type": "Map", "End": true,
        "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                       "Arguments": {"Bucket": "in", "Key": "items.json"}},
        "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject",
                         "Arguments": {"Bucket": "{% $states.input.bucket %}", "Prefix": "r"},
                         "WriterConfig": {"Transformation": "{% $states.input.t %}"}},
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
            "StartAt": "Half", "States": {"Half": {"Type": "Pass",
                "Output": "{% $states.input / 2 %}", "End": true}}}}}});
    let options = RunOptions {
        item_source: Some(Arc::clone(&files) as _),
        result_sink: Some(files as _),
        ..RunOptions::default()
    };
    let exec = Runner::new(machine(def), TaskRegistry::new())
        .with_options(options)
        .run(json!({"bucket": "out", "t": "COMPACT"}))
        .await;
    assert_eq!(exec.status, Status::Succeeded, "{:?}", exec.cause);
    let out = exec.output.unwrap();
    assert_eq!(out["ResultWriterDetails"]["Bucket"], "out");
    let manifest_path = root
        .join("out")
        .join(text(&out["ResultWriterDetails"]["Key"]));
    let manifest: Value = serde_json::from_slice(&std::fs::read(&manifest_path).unwrap()).unwrap();
    let key = text(&manifest["ResultFiles"]["SUCCEEDED"][0]["Key"]);
    let results: Value =
        serde_json::from_slice(&std::fs::read(root.join("out").join(key)).unwrap()).unwrap();
    assert_eq!(results, json!([5, 10]));
    std::fs::remove_dir_all(&root).unwrap();
}

#[tokio::test(start_paused = true)]
async fn writer_failures_are_result_writer_failed_and_catchable() {
    let export =
        |params: Value| json!({"Resource": "arn:aws:states:::s3:putObject", "Parameters": params});
    // No sink configured.
    let exec = Runner::new(
        machine(map_with(export(json!({"Bucket": "out"})), 0)),
        TaskRegistry::new(),
    )
    .run(json!({"items": [1]}))
    .await;
    assert_eq!(exec.error.as_deref(), Some("States.ResultWriterFailed"));
    assert!(exec.cause.unwrap().contains("RunOptions::result_sink"));
    // No bucket; a prefix that is not a string.
    let store = Arc::new(InMemory::new());
    for (params, cause) in [
        (json!({"Prefix": "p"}), "non-empty string `Bucket`"),
        (
            json!({"Bucket": "b", "Prefix.$": "$.n"}),
            "`Prefix` must be a string",
        ),
    ] {
        let exec = run_with(
            map_with(export(params), 0),
            json!({"items": [1], "n": 3}),
            &store,
        )
        .await;
        assert_eq!(exec.error.as_deref(), Some("States.ResultWriterFailed"));
        assert!(
            exec.cause.as_deref().unwrap_or_default().contains(cause),
            "{:?}",
            exec.cause
        );
    }
    // A JSONata WriterConfig that computes a value the service does not know.
    let def = json!({"QueryLanguage": "JSONata", "StartAt": "M", "States": {
        "M": {"Type": "Map", "Items": "{% [1] %}", "Next": "Done",
              "ResultWriter": {"WriterConfig": {"OutputType": "{% 'CSV' %}"}},
              "Catch": [{"ErrorEquals": ["States.ResultWriterFailed"], "Next": "Caught"}],
              "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                  "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}},
        "Caught": {"Type": "Pass", "Output": "{% $states.input.Error %}", "End": true},
        "Done": {"Type": "Succeed"}}});
    let exec = run_with(def, json!({}), &store).await;
    assert_eq!(exec.output, Some(json!("States.ResultWriterFailed")));
}

#[test]
fn definitions_with_an_incomplete_or_unknown_result_writer_are_refused_with_places() {
    let problems = |writer: Value| -> Vec<(String, String)> {
        match Machine::from_json(&map_with(writer, 0).to_string()) {
            Ok(_) => Vec::new(),
            Err(ps) => ps.into_iter().map(|p| (p.pointer, p.message)).collect(),
        }
    };
    let at = "/States/M/ResultWriter";
    let put = "arn:aws:states:::s3:putObject";
    for (writer, pointer, says) in [
        (
            json!({}),
            at.to_owned(),
            "needs `Resource` and `Parameters`",
        ),
        (
            json!({"Resource": put}),
            at.to_owned(),
            "needs `Parameters`",
        ),
        (
            json!({"Parameters": {"Bucket": "b"}}),
            at.to_owned(),
            "needs `Resource`",
        ),
        (
            json!({"Resource": "arn:aws:states:::s3:getObject", "Parameters": {"Bucket": "b"}}),
            format!("{at}/Resource"),
            "writes with arn:aws:states:::s3:putObject",
        ),
        (
            json!({"WriterConfig": {"Transformation": "SQUASH"}}),
            format!("{at}/WriterConfig/Transformation"),
            "`NONE`, `COMPACT` or `FLATTEN`",
        ),
        (
            json!({"WriterConfig": {"OutputType": "CSV"}}),
            format!("{at}/WriterConfig/OutputType"),
            "`JSON` or `JSONL`",
        ),
        (
            json!({"WriterConfig": {"Format": "JSON"}}),
            format!("{at}/WriterConfig/Format"),
            "no field `Format`",
        ),
    ] {
        let found = problems(writer.clone());
        assert!(
            found.iter().any(|(p, m)| *p == pointer && m.contains(says)),
            "{writer}: {found:?}"
        );
    }
    assert!(problems(json!({"Resource": put, "Parameters": {"Bucket": "b"}})).is_empty());
    assert!(problems(json!({"WriterConfig": {"Transformation": "FLATTEN"}})).is_empty());
}
