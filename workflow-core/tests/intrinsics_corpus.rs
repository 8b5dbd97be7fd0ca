//! Runs the `intrinsic-functions` cases of the conformance corpus (../shared/conformance, recorded
//! from the real service) through `workflow_core::intrinsics`, without the interpreter: each case
//! is a chain of Pass states whose `Parameters` hold `.$` intrinsic calls over simple paths
//! (`$`, `$.a.b`, `$.a[0]`, `$$.Execution.Input...`), which a tiny resolver here handles.
//! Cases outside that shape are counted as skipped and named.
//!
//! Without the corpus the test skips with a message, and fails when `CI=true`.

use std::path::Path;

use serde_json::{Map, Value};
use workflow_core::intrinsics::{looks_like_call, Call};
use workflow_core::value::Val;
use workflow_core::StatesError;

/// A simple path: `$` or `$$`, then `.name` and `[index]` steps.
#[derive(Debug, Clone)]
struct SimplePath {
    context: bool,
    steps: Vec<Step>,
}

#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Index(usize),
}

impl SimplePath {
    fn parse(text: &str) -> Result<SimplePath, String> {
        let (context, mut rest) = if let Some(rest) = text.strip_prefix("$$") {
            (true, rest)
        } else if let Some(rest) = text.strip_prefix('$') {
            (false, rest)
        } else {
            return Err(format!("`{text}` is not a simple path"));
        };
        let mut steps = Vec::new();
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('.') {
                let end = after.find(['.', '[']).unwrap_or(after.len());
                if end == 0 {
                    return Err(format!("empty key in `{text}`"));
                }
                steps.push(Step::Key(after[..end].to_owned()));
                rest = &after[end..];
            } else if let Some(after) = rest.strip_prefix('[') {
                let end = after.find(']').ok_or(format!("unclosed `[` in `{text}`"))?;
                let index = after[..end]
                    .parse()
                    .map_err(|_| format!("`{text}` is not a simple path"))?;
                steps.push(Step::Index(index));
                rest = &after[end + 1..];
            } else {
                return Err(format!("`{text}` is not a simple path"));
            }
        }
        Ok(SimplePath { context, steps })
    }

    fn select<'a>(&self, input: &'a Value, context: &'a Value) -> Option<&'a Value> {
        let root = if self.context { context } else { input };
        self.steps.iter().try_fold(root, |v, step| match step {
            Step::Key(k) => v.get(k),
            Step::Index(i) => v.get(*i),
        })
    }

    /// ResultPath: writes `value` at this path inside `target`, creating objects on the way.
    fn set(&self, target: &mut Value, value: Value) -> Result<(), String> {
        let mut slot = target;
        for step in &self.steps {
            let Step::Key(key) = step else {
                return Err("index in ResultPath".to_owned());
            };
            let Value::Object(map) = slot else {
                return Err("ResultPath through a non-object".to_owned());
            };
            slot = map.entry(key.clone()).or_insert(Value::Object(Map::new()));
        }
        *slot = value;
        Ok(())
    }
}

/// A compiled Parameters template: literal values, `.$` paths and `.$` intrinsic calls.
enum Template {
    Literal(Value),
    Path(SimplePath),
    Call(Call<SimplePath>),
    Object(Vec<(String, Template)>),
    Array(Vec<Template>),
}

fn compile(template: &Value) -> Result<Template, String> {
    Ok(match template {
        Value::Object(map) => {
            let mut fields = Vec::new();
            for (key, value) in map {
                if let Some(name) = key.strip_suffix(".$") {
                    let text = value.as_str().ok_or(format!("`{key}` is not a string"))?;
                    let compiled = if looks_like_call(text) {
                        Template::Call(
                            Call::parse(text, &mut SimplePath::parse)
                                .map_err(|e| format!("{text}: {e}"))?,
                        )
                    } else {
                        Template::Path(SimplePath::parse(text)?)
                    };
                    fields.push((name.to_owned(), compiled));
                } else {
                    fields.push((key.clone(), compile(value)?));
                }
            }
            Template::Object(fields)
        }
        Value::Array(items) => {
            Template::Array(items.iter().map(compile).collect::<Result<_, _>>()?)
        }
        other => Template::Literal(other.clone()),
    })
}

fn evaluate(template: &Template, input: &Value, context: &Value) -> Result<Value, StatesError> {
    let resolve = |path: &SimplePath| {
        path.select(input, context)
            .map(Val::from)
            .ok_or_else(|| StatesError::runtime(format!("{path:?} not found")))
    };
    Ok(match template {
        Template::Literal(v) => v.clone(),
        Template::Path(path) => resolve(path)?.to_json(),
        Template::Call(call) => call.evaluate(&resolve)?.to_json(),
        Template::Object(fields) => {
            let mut map = Map::new();
            for (key, t) in fields {
                map.insert(key.clone(), evaluate(t, input, context)?);
            }
            Value::Object(map)
        }
        Template::Array(items) => Value::Array(
            items
                .iter()
                .map(|t| evaluate(t, input, context))
                .collect::<Result<_, _>>()?,
        ),
    })
}

/// The outcome of a case: `Ok(output)` or `Err((error, cause))`, or why it cannot run here.
type Outcome = Result<Value, (String, String)>;

/// Runs a chain of Pass states (Parameters, ResultPath, OutputPath; nothing else).
fn run(definition: &Value, input: &Value) -> Result<Outcome, String> {
    let states = definition["States"].as_object().ok_or("no States")?;
    let context = serde_json::json!({"Execution": {"Input": input}});
    let mut name = definition["StartAt"].as_str().ok_or("no StartAt")?;
    let mut data = input.clone();
    loop {
        let state = states[name].as_object().ok_or("missing state")?;
        for key in state.keys() {
            if !matches!(
                key.as_str(),
                "Type" | "Parameters" | "ResultPath" | "OutputPath" | "Next" | "End" | "Comment"
            ) {
                return Err(format!("field {key} is not supported here"));
            }
        }
        if state["Type"] != "Pass" {
            return Err("not a Pass state".to_owned());
        }
        let result = match state.get("Parameters") {
            Some(parameters) => match evaluate(&compile(parameters)?, &data, &context) {
                Ok(v) => v,
                Err(e) => return Ok(Err((e.error, e.cause))),
            },
            None => data.clone(),
        };
        data = match state.get("ResultPath") {
            None => result,
            Some(Value::String(path)) => {
                SimplePath::parse(path)?.set(&mut data, result)?;
                data
            }
            Some(_) => return Err("ResultPath that is not a string".to_owned()),
        };
        if let Some(Value::String(path)) = state.get("OutputPath") {
            data = SimplePath::parse(path)?
                .select(&data, &context)
                .cloned()
                .ok_or("OutputPath not found")?;
        }
        match state.get("Next").and_then(Value::as_str) {
            Some(next) => name = next,
            None => return Ok(Ok(data)),
        }
    }
}

/// JSON equality with numbers compared by value and object keys unordered.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => x.as_f64() == y.as_f64(),
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn intrinsic_functions_corpus() {
    let Some(dir) = workflow_test_support::shared("conformance") else {
        return;
    };
    let index = std::fs::read_to_string(dir.join("index.tsv")).expect("index.tsv");
    let (mut passed, mut skipped) = (0, 0);
    let mut failures = Vec::new();
    for line in index.lines().filter(|l| !l.starts_with('#')) {
        let columns: Vec<&str> = line.split('\t').collect();
        if columns.get(1) != Some(&"intrinsic-functions") {
            continue;
        }
        let case = dir.join("cases").join(columns[0]);
        let definition = read_json(&case.join("definition.asl.json"));
        let input = read_json(&case.join("input.json"));
        let expected = read_json(&case.join("expected.json"));
        let outcome = match run(&definition, &input) {
            Ok(outcome) => outcome,
            Err(why) => {
                eprintln!("skipped {}: {why}", columns[0]);
                skipped += 1;
                continue;
            }
        };
        let ok = match (&outcome, expected["status"].as_str()) {
            (Ok(output), Some("SUCCEEDED")) => same(output, &expected["output"]),
            (Err((error, _)), Some("FAILED")) => expected["error"] == *error,
            _ => false,
        };
        if ok {
            passed += 1;
        } else {
            failures.push(format!(
                "{}: got {outcome:?}, expected {expected}",
                columns[0]
            ));
        }
    }
    eprintln!(
        "intrinsics corpus: {passed} passed, {} failed, {skipped} skipped",
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(passed >= 120, "only {passed} cases ran");
}

/// Every `.$` string that looks like an intrinsic call, anywhere in `value` but inside `Result`
/// (a Pass state's literal result, where `.$` keys are plain keys).
fn calls_in<'v>(value: &'v Value, out: &mut Vec<&'v str>) {
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                if key == "Result" {
                    continue;
                }
                match item {
                    Value::String(text) if key.ends_with(".$") && looks_like_call(text) => {
                        out.push(text)
                    }
                    _ => calls_in(item, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| calls_in(item, out)),
        _ => {}
    }
}

#[test]
fn every_intrinsic_call_in_the_corpus_parses() {
    let Some(dir) = workflow_test_support::shared("conformance") else {
        return;
    };
    let mut count = 0;
    let mut failures = Vec::new();
    for entry in std::fs::read_dir(dir.join("cases")).expect("cases") {
        let case = entry.expect("case").path();
        let definition = read_json(&case.join("definition.asl.json"));
        let mut calls = Vec::new();
        calls_in(&definition, &mut calls);
        for text in calls {
            count += 1;
            let mut any_path = |p: &str| Ok::<_, String>(p.to_owned());
            if let Err(e) = Call::parse(text, &mut any_path) {
                failures.push(format!("{}: {text}: {e}", case.display()));
            }
        }
    }
    eprintln!("{count} intrinsic calls parsed");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(count >= 140, "only {count} calls found");
}
