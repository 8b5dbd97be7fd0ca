//! The bodies of the fuzz targets, one function per target.
//!
//! The targets in `fuzz_targets/` are one-line wrappers around these functions, and
//! `workflow-core/tests/fuzz_corpus_replay.rs` includes this file to replay every saved corpus
//! file through the very same code without cargo-fuzz. Each function must return normally for
//! any input: a panic, an overflow or a hang is a bug in workflow-core.
//!
//! Inputs that need two parts (a rule and a document, a definition and an execution input) are
//! split at the first `0xFF` byte, which never occurs in UTF-8 text.

use serde_json::{json, Value};
use std::borrow::Cow;
use std::time::Duration;
use workflow_core::asl::ChoiceRule;
use workflow_core::choice::Rule;
use workflow_core::intrinsics::Call;
use workflow_core::jsonata::Expression;
use workflow_core::path::{set_result_path, JsonPath, Scope, Template};
use workflow_core::run::{Clock, Machine, RunOptions, Runner};
use workflow_core::task::{sync_handler_fn, TaskRegistry};
use workflow_core::val;
use workflow_core::value::Val;

/// The document paths, calls and rules are evaluated against when the input brings none.
pub fn default_document() -> Value {
    json!({
        "a": 1, "b": "two", "c": [1, 2.5, "x", null, true, {"d": [1, 2, 3]}],
        "store": {"book": [{"price": 5, "title": "A"}, {"price": 12, "title": "B"}]},
        "s": "a,b,,c", "n": -3, "t": "2026-11-25T13:41:53Z", "empty": {}, "none": null
    })
}

fn context() -> Value {
    json!({
        "Execution": {"Id": "arn:x", "Input": {"k": 1}, "Name": "n"},
        "State": {"Name": "S", "RetryCount": 0},
        "Map": {"Item": {"Index": 0, "Value": {"v": 1}}}
    })
}

fn variables() -> serde_json::Map<String, Value> {
    let Value::Object(vars) = json!({"x": 1, "obj": {"y": [1, 2]}, "s": "text"}) else {
        unreachable!("a literal object")
    };
    vars
}

/// Splits `data` at the first `0xFF`: the text before, and the JSON document after (the default
/// document when there is no separator or the rest is not JSON).
fn split(data: &[u8]) -> (Cow<'_, str>, Value) {
    match data.iter().position(|&b| b == 0xFF) {
        Some(i) => (
            String::from_utf8_lossy(&data[..i]),
            serde_json::from_slice(&data[i + 1..]).unwrap_or_else(|_| default_document()),
        ),
        None => (String::from_utf8_lossy(data), default_document()),
    }
}

/// Definition text -> load (model and validation) -> compile.
pub fn definition(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match workflow_core::load(text) {
        Ok(machine) => {
            let _ = Machine::new(machine);
        }
        Err(problems) => {
            assert!(!problems.is_empty(), "a refused definition says why");
            for p in &problems {
                let _ = p.to_string();
            }
        }
    }
}

/// JSONPath text -> parse -> select (with context and variables), as a ResultPath, and as a
/// template member.
pub fn jsonpath(data: &[u8]) {
    let (text, doc) = split(data);
    let Ok(path) = JsonPath::parse(&text) else {
        return;
    };
    let doc = Val::from(doc);
    let ctx = Val::from(context());
    let vars = Val::from(Value::Object(variables()))
        .into_object()
        .unwrap_or_default();
    let scope = Scope::new(&doc).with_context(&ctx).with_variables(&vars);
    let selected = path.select(&scope);
    let tried = path.try_select(&scope);
    assert_eq!(
        selected.is_ok(),
        tried.is_some(),
        "select and try_select agree"
    );
    let _ = path.is_definite();
    if path.is_reference() && path.variable().is_none() && !path.references_context() {
        let _ = set_result_path(&path, &doc, val!({"result": true}));
    }
    if let Ok(template) = Template::compile(&json!({"v.$": &*text, "w": [{"x.$": &*text}]})) {
        let _ = template.evaluate(&scope);
    }
}

/// Intrinsic call text -> parse (paths compiled as JSONPath) -> evaluate.
pub fn intrinsic(data: &[u8]) {
    let (text, doc) = split(data);
    let mut compile = |p: &str| JsonPath::parse(p).map_err(|e| e.to_string());
    let Ok(call) = Call::parse(&text, &mut compile) else {
        return;
    };
    let doc = Val::from(doc);
    let ctx = Val::from(context());
    let vars = Val::from(Value::Object(variables()))
        .into_object()
        .unwrap_or_default();
    let scope = Scope::new(&doc).with_context(&ctx).with_variables(&vars);
    let _ = call.evaluate(&|p: &JsonPath| p.select(&scope).map(Cow::into_owned));
    let _ = call.paths();
}

/// Choice rule JSON -> model -> compile -> evaluate on the document.
pub fn choice(data: &[u8]) {
    let (text, doc) = split(data);
    let Ok(rule) = serde_json::from_str::<ChoiceRule>(&text) else {
        return;
    };
    let mut compile = |p: &str| JsonPath::parse(p).map_err(|e| e.to_string());
    let Ok(rule) = Rule::compile(&rule, &mut compile) else {
        return;
    };
    let doc = Val::from(doc);
    let ctx = Val::from(context());
    let vars = Val::from(Value::Object(variables()))
        .into_object()
        .unwrap_or_default();
    let scope = Scope::new(&doc).with_context(&ctx).with_variables(&vars);
    let _ = rule.evaluate(&|p: &JsonPath| Ok(p.try_select(&scope)));
}

/// JSONata expression text -> parse -> evaluate on the document (as `$states.input`), with
/// a variable `$x`.
pub fn jsonata(data: &[u8]) {
    let (text, doc) = split(data);
    let Ok(expr) = Expression::parse(&text) else {
        return;
    };
    let states = json!({"input": doc, "context": context()});
    let vars = |name: &str| match name {
        "states" => Some(states.clone()),
        "x" => Some(json!([1, "two", {"three": 3}])),
        _ => None,
    };
    let _ = expr.evaluate(&doc, &vars);
}

/// The most history events a fuzzed execution may write: the step bound.
pub const MAX_EVENTS: u64 = 400;

/// A whole execution of a fuzzed definition. Every Task resource named `echo` (or a Lambda ARN
/// of the function `echo`) returns its input; `fail` fails with `Fuzz.Error`. Time is paused,
/// so Waits and retry back-off take no real time; the history bound stops loops.
pub fn execution(data: &[u8]) {
    let (text, input) = split(data);
    let Ok(machine) = Machine::from_json(&text) else {
        return;
    };
    let mut tasks = TaskRegistry::new();
    tasks.register("echo", sync_handler_fn(Ok));
    tasks.register(
        "fail",
        sync_handler_fn(|_| Err(workflow_core::StatesError::new("Fuzz.Error", "fuzz"))),
    );
    let options = RunOptions {
        max_history_events: Some(MAX_EVENTS),
        clock: Clock::pinned_at_unix_millis(1_764_000_000_000),
        ..RunOptions::default()
    };
    let runner = Runner::new(machine, tasks).with_options(options);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a current-thread runtime");
    rt.block_on(async {
        // A day of paused time: a machine that sleeps past it (Wait, back-off) is cut short.
        let _ = tokio::time::timeout(Duration::from_secs(86_400), runner.run(input)).await;
    });
}
