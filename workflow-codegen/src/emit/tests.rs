use super::*;
use serde_json::json;
use workflow_core::run::{block_on, Machine, Runner};
use workflow_core::task::{sync_handler_fn, TaskRegistry};

const GREET_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:greet";

/// A workflow with a real (in-process) task: `greet` answers `{"greeting": "hello NAME"}`,
/// and fails with `NoName` without a name.
struct Greeter;

fn greeter_asl() -> StateMachine {
    serde_json::from_value(json!({"Comment": "Greets", "StartAt": "Greet", "States": {
        "Greet": {"Type": "Task", "Resource": GREET_ARN, "End": true}}}))
    .unwrap()
}

impl Emit for Greeter {
    fn name(&self) -> &str {
        "greeter"
    }
    fn definition(&self) -> Result<StateMachine, String> {
        Ok(greeter_asl())
    }
    fn tasks(&self) -> Vec<TaskRef> {
        vec![TaskRef::new("greet", GREET_ARN)]
    }
    fn schemas(&self) -> Option<Value> {
        Some(json!({"input": {"title": "Person"}, "output": {"title": "Greeting"}, "tasks": {}}))
    }
    fn run(&self, input: Value) -> Result<Execution, String> {
        let machine = Machine::new(greeter_asl()).map_err(|p| format!("{p:?}"))?;
        let mut tasks = TaskRegistry::new();
        tasks.register(
            "greet",
            sync_handler_fn(|v: Value| match v.get("name").and_then(Value::as_str) {
                Some(n) => Ok(json!({"greeting": format!("hello {n}")})),
                None => Err(workflow_core::StatesError::new("NoName", "who?")),
            }),
        );
        block_on(Runner::new(machine, tasks).run(input)).map_err(|e| e.to_string())
    }
}

/// Both kinds, as a crate's list may hold them.
fn workflows() -> Vec<Box<dyn Emit>> {
    let pass: StateMachine = serde_json::from_value(
        json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}),
    )
    .unwrap();
    vec![
        Box::new(Greeter),
        Box::new(Fixed {
            name: "pass".into(),
            definition: pass,
        }),
    ]
}

/// A fresh package directory for one test, removed when the test ends.
struct Package(PathBuf);

impl std::ops::Deref for Package {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Package {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn package(test: &str) -> Package {
    let dir = std::env::temp_dir().join(format!("emit-asl-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    Package(dir)
}

/// Runs the command: (status, stdout, stderr).
fn emit_asl(dir: &Path, args: &[&str]) -> (u8, String, String) {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let status = run(&args, dir, &workflows(), &mut out, &mut err);
    (
        status,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

#[test]
fn without_arguments_every_workflow_is_written_under_the_package() {
    let dir = package("all");
    let (status, out, err) = emit_asl(&dir, &[]);
    assert_eq!((status, err.as_str()), (0, ""));
    assert_eq!(out, "wrote asl/greeter.asl.json\nwrote asl/pass.asl.json\n");
    let written = std::fs::read_to_string(dir.join("asl/greeter.asl.json")).unwrap();
    assert_eq!(written, greeter_asl().to_json_pretty() + "\n");
    let (status, out, _) = emit_asl(&dir, &[]);
    assert_eq!(status, 0);
    assert_eq!(
        out,
        "unchanged asl/greeter.asl.json\nunchanged asl/pass.asl.json\n"
    );
}

#[test]
fn check_exits_1_when_a_file_differs_or_is_missing() {
    let dir = package("check");
    assert_eq!(emit_asl(&dir, &[]).0, 0);
    let (status, out, _) = emit_asl(&dir, &["--check"]);
    assert_eq!(status, 0);
    assert_eq!(
        out,
        "up to date: asl/greeter.asl.json\nup to date: asl/pass.asl.json\n"
    );
    std::fs::write(dir.join("asl/pass.asl.json"), "{}\n").unwrap();
    let (status, out, err) = emit_asl(&dir, &["--check"]);
    assert_eq!(status, 1);
    assert!(out.contains("differs: asl/pass.asl.json\n"), "{out}");
    assert!(err.contains("1 file(s) differ"), "{err}");
    // --check writes nothing.
    assert_eq!(
        std::fs::read_to_string(dir.join("asl/pass.asl.json")).unwrap(),
        "{}\n"
    );
    let (status, out, _) = emit_asl(&dir, &["--check", "--format", "yaml"]);
    assert_eq!(status, 1);
    assert!(out.contains("missing: asl/greeter.asl.yaml"), "{out}");
}

#[test]
fn names_formats_and_out_choose_what_is_written_where() {
    let dir = package("formats");
    let out_dir = dir.join("deploy");
    let (status, out, err) = emit_asl(
        &dir,
        &[
            "greeter",
            "--format",
            "serverless,cfn,schema,mermaid,dot",
            "--out",
            out_dir.to_str().unwrap(),
        ],
    );
    assert_eq!(status, 0, "{err}");
    assert_eq!(out.lines().count(), 5, "{out}");
    for ext in [
        ".serverless.yml",
        ".cfn.yaml",
        ".schema.json",
        ".mmd",
        ".dot",
    ] {
        assert!(out_dir.join(format!("greeter{ext}")).is_file(), "{ext}");
    }
    assert!(!dir.join("asl").exists());
    let cfn = std::fs::read_to_string(out_dir.join("greeter.cfn.yaml")).unwrap();
    assert!(cfn.contains("Resource: \"${GreetArn}\"\n"), "{cfn}");
}

#[test]
fn stdout_prints_one_document() {
    let dir = package("stdout");
    let (status, out, _) = emit_asl(&dir, &["pass", "--stdout"]);
    assert_eq!(status, 0);
    assert_eq!(
        out,
        workflows()[1].definition().unwrap().to_json_pretty() + "\n"
    );
    let (status, out, _) = emit_asl(&dir, &["greeter", "--stdout", "--format", "mermaid"]);
    assert_eq!(status, 0);
    assert!(out.starts_with("flowchart TD\n"));
    assert!(!dir.join("asl").exists());
    let (status, _, err) = emit_asl(&dir, &["--stdout"]);
    assert_eq!(status, 2);
    assert!(err.contains("--stdout prints one document"), "{err}");
}

#[test]
fn list_names_every_workflow() {
    assert_eq!(
        emit_asl(Path::new("."), &["--list"]),
        (0, "greeter\npass\n".into(), String::new())
    );
}

#[test]
fn unknown_names_formats_and_options_exit_2() {
    let dir = package("usage");
    let (status, _, err) = emit_asl(&dir, &["nope"]);
    assert_eq!(status, 2);
    assert!(
        err.contains("no workflow is named `nope` (there are: greeter, pass)"),
        "{err}"
    );
    for args in [
        &["--format", "xml"][..],
        &["--frobnicate"],
        &["--out"],
        &["--stdout", "--check", "pass"],
        &["run"],
        &["run", "a", "b"],
    ] {
        let (status, out, err) = emit_asl(&dir, args);
        assert_eq!(status, 2, "{args:?}");
        assert_eq!(out, "", "{args:?}");
        assert!(err.contains("usage: emit-asl"), "{args:?}: {err}");
    }
    assert!(!dir.join("asl").exists());
}

#[test]
fn schema_of_a_workflow_without_schemas_is_refused() {
    let dir = package("schema");
    let (status, _, err) = emit_asl(&dir, &["pass", "--format", "schema"]);
    assert_eq!(status, 2);
    assert!(err.contains("`pass` has no JSON Schemas"), "{err}");
    let (status, out, _) = emit_asl(&dir, &["greeter", "--format", "schema", "--stdout"]);
    assert_eq!(status, 0);
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["workflow"], "greeter");
    assert_eq!(doc["input"]["title"], "Person");
}

#[test]
fn run_executes_a_workflow_with_its_real_tasks() {
    let (status, out, err) = emit_asl(
        Path::new("."),
        &["run", "greeter", "--input", r#"{"name": "Ada"}"#],
    );
    assert_eq!((status, err.as_str()), (0, ""));
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap(),
        json!({"greeting": "hello Ada"})
    );
    let (status, out, err) = emit_asl(Path::new("."), &["run", "greeter"]);
    assert_eq!(status, 1);
    assert_eq!(err, "execution FAILED\n");
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap(),
        json!({"Error": "NoName", "Cause": "who?"})
    );
    let (status, _, err) = emit_asl(Path::new("."), &["run", "greeter", "--input", "{"]);
    assert_eq!(status, 2);
    assert!(
        err.starts_with("emit-asl: --input:1:1: not valid JSON"),
        "{err}"
    );
    let (status, _, err) = emit_asl(Path::new("."), &["run", "pass"]);
    assert_eq!(status, 2);
    assert!(err.contains("has no task handlers"), "{err}");
}

#[test]
fn a_workflow_whose_asl_does_not_validate_is_not_written() {
    let bad: StateMachine = serde_json::from_value(
        json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Next": "Q"}}}),
    )
    .unwrap();
    let workflows = vec![Fixed {
        name: "bad".into(),
        definition: bad,
    }];
    let dir = package("invalid");
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let status = run(&[], &dir, &workflows, &mut out, &mut err);
    assert_eq!(status, 2);
    let err = String::from_utf8(err).unwrap();
    assert!(
        err.contains("bad: the ASL does not validate: /States/P/Next:"),
        "{err}"
    );
    assert!(!dir.join("asl").exists());
}

#[test]
fn two_workflows_with_one_name_are_refused_before_anything_is_written() {
    let pass: StateMachine = serde_json::from_value(
        json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}),
    )
    .unwrap();
    let twin = || Fixed {
        name: "twin".into(),
        definition: pass.clone(),
    };
    let workflows = vec![twin(), twin()];
    let dir = package("duplicate");
    for args in [&[][..], &["--list".to_owned()][..]] {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let status = run(args, &dir, &workflows, &mut out, &mut err);
        assert_eq!(status, 2);
        let err = String::from_utf8(err).unwrap();
        assert!(err.contains("two workflows are named `twin`"), "{err}");
        assert!(out.is_empty());
    }
    assert!(!dir.join("asl").exists());
}
