//! The `emit-asl` binary as a process: listing, checking, one document on stdout, and
//! in-process runs of the examples with their real Rust tasks.

use serde_json::{json, Value};
use std::process::{Command, Output};

fn emit_asl(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_emit-asl"))
        .args(args)
        // Paths come from the package, not the working directory.
        .current_dir(std::env::temp_dir())
        .output()
        .expect("emit-asl runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn list_names_every_example() {
    let out = emit_asl(&["--list"]);
    assert_eq!(out.status.code(), Some(0));
    let names: Vec<String> = examples::all().into_iter().map(|w| w.name).collect();
    assert_eq!(text(&out.stdout), names.join("\n") + "\n");
}

#[test]
fn check_passes_on_the_committed_files_from_any_directory() {
    let out = emit_asl(&["--check"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("up to date: asl/mapreduce.asl.json\n"));
}

#[test]
fn one_document_on_stdout() {
    let out = emit_asl(&["mapreduce", "--stdout"]);
    assert_eq!(out.status.code(), Some(0));
    let committed = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("asl/mapreduce.asl.json"),
    )
    .unwrap();
    assert_eq!(text(&out.stdout), committed);
    let out = emit_asl(&["token_flow", "--stdout", "--format", "mermaid"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).starts_with("flowchart TD\n"));
}

#[test]
fn run_uses_the_real_tasks() {
    let list = [
        "apple",
        "banana",
        "cherry",
        "date",
        "elderberry",
        "fig",
        "grape",
    ];
    let data: Vec<Value> = list.iter().map(|w| json!({ "word": w })).collect();
    let words = json!({ "data": data });
    let out = emit_asl(&["run", "mapreduce", "--input", &words.to_string()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        serde_json::from_str::<Value>(&text(&out.stdout)).unwrap(),
        json!({"totalLength": 39})
    );
    let out = emit_asl(&["run", "token_flow", "--input", r#"{"token": "bad-1"}"#]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stderr), "execution FAILED\n");
    assert_eq!(
        serde_json::from_str::<Value>(&text(&out.stdout)).unwrap()["Error"],
        "TaskFailed"
    );
}

#[test]
fn input_that_does_not_fit_the_workflow_and_unknown_names_exit_2() {
    let out = emit_asl(&["run", "token_flow", "--input", "{}"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("the input does not match `Request`"),
        "{}",
        text(&out.stderr)
    );
    let out = emit_asl(&["no_such_workflow"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no workflow is named `no_such_workflow`"));
}

#[test]
fn the_default_run_emits_validates_and_runs_the_examples_with_sample_inputs() {
    // The README's first command: without arguments, emit-asl writes (here: finds unchanged)
    // every file, validates each definition, then runs the examples that carry a sample input.
    let dir = std::env::temp_dir().join(format!("emit-asl-default-{}", std::process::id()));
    let mut out = Vec::new();
    let mut err = Vec::new();
    let status = workflow_codegen::emit::run(&[], &dir, &examples::all(), &mut out, &mut err);
    let _ = std::fs::remove_dir_all(&dir);
    let out = text(&out);
    assert_eq!(status, 0, "{}", text(&err));
    assert!(out.contains("wrote asl/mapreduce.asl.json\n"), "{out}");
    assert!(out.contains("ran mapreduce in-process on"), "{out}");
    assert!(out.contains(": {\"totalLength\":39}\n"), "{out}");
    assert!(
        out.contains("ran token_flow in-process on {\"token\":\"expired\"}"),
        "{out}"
    );
    assert!(out.contains("ran mapreduce_jsonata in-process on"), "{out}");
    assert_eq!(out.matches(": {\"totalLength\":39}\n").count(), 2, "{out}");
}

/// The serverless document `emit-asl --format serverless` writes for the example `name`.
fn serverless_document(name: &str) -> Value {
    use workflow_codegen::emit::Emit;
    let w = examples::all()
        .into_iter()
        .find(|w| w.name == name)
        .unwrap();
    let (definition, tasks) = (Emit::definition(&w).unwrap(), Emit::tasks(&w));
    let target = workflow_codegen::deploy::Target {
        name,
        definition: &definition,
        tasks: &tasks,
        schemas: None,
    };
    workflow_codegen::deploy::serverless_document(&target).unwrap()
}

/// The function keys a document's `Fn::GetAtt`s point at (`InitialFunctionLambdaFunction` ->
/// `initialFunction`), in order of appearance.
fn referenced_functions(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::Array(a)) = m.get("Fn::GetAtt") {
                let id = a[0]
                    .as_str()
                    .unwrap()
                    .strip_suffix("LambdaFunction")
                    .unwrap();
                let key = id[..1].to_lowercase() + &id[1..];
                if !out.contains(&key) {
                    out.push(key);
                }
            }
            m.values().for_each(|x| referenced_functions(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| referenced_functions(x, out)),
        _ => {}
    }
}

fn declaration(binary: &str) -> Value {
    json!({
        "handler": "bootstrap",
        "runtime": "provided.al2023",
        "package": {"artifact": format!("target/lambda/{binary}/bootstrap.zip")},
    })
}

#[test]
fn serverless_token_flow_declares_both_functions_and_warms_the_initial_one() {
    let doc = serverless_document("token_flow");
    let mut referenced = Vec::new();
    referenced_functions(&doc["stepFunctions"], &mut referenced);
    assert_eq!(referenced, ["initialFunction", "defaultFunction"]);
    let mut initial = declaration("initial-function");
    initial["warmup"] = json!({
        "warmer": {"enabled": true, "concurrency": 2},
        "peakWarmer": {"enabled": true, "concurrency": 20},
    });
    assert_eq!(
        doc["functions"],
        json!({"initialFunction": initial, "defaultFunction": declaration("default-function")})
    );
    assert_eq!(
        doc["plugins"],
        json!(["serverless-step-functions", "serverless-plugin-warmup"])
    );
}

#[test]
fn serverless_token_modules_declares_every_verifier_and_the_refresh_function() {
    let doc = serverless_document("token_modules");
    let mut referenced = Vec::new();
    referenced_functions(&doc["stepFunctions"], &mut referenced);
    let keys: Vec<&String> = doc["functions"].as_object().unwrap().keys().collect();
    assert_eq!(keys, referenced.iter().collect::<Vec<_>>());
    assert_eq!(
        referenced,
        [
            "verifyOrders",
            "verifyUsers",
            "verifyBilling",
            "verifyReports",
            "refreshToken"
        ]
    );
    // The artifacts are workflow-lambda's binaries of these tasks (cargo lambda build).
    for (key, binary) in [
        ("verifyOrders", "verify-orders"),
        ("verifyUsers", "verify-users"),
        ("verifyBilling", "verify-billing"),
        ("verifyReports", "verify-reports"),
        ("refreshToken", "refresh-token"),
    ] {
        assert_eq!(doc["functions"][key], declaration(binary), "{key}");
    }
    assert_eq!(doc["plugins"], json!(["serverless-step-functions"]));
    assert!(doc.get("custom").is_none(), "no task is warmed: {doc}");
}

#[test]
fn serverless_on_stdout_is_the_document_as_yaml() {
    let out = emit_asl(&["token_flow", "--stdout", "--format", "serverless"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let yaml = text(&out.stdout);
    assert!(
        yaml.contains("\n  defaultFunction:\n    handler: bootstrap\n    runtime: provided.al2023\n    package:\n      artifact: target/lambda/default-function/bootstrap.zip\n"),
        "{yaml}"
    );
    assert!(
        yaml.contains("\n  initialFunction:\n    handler: bootstrap\n"),
        "{yaml}"
    );
}
