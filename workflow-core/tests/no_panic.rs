//! No input panics the interpreter: random JSON inputs run through the conformance definitions
//! (with every task echoing its input) end as an Execution, never as a panic.

use proptest::prelude::*;
use serde_json::Value;
use std::path::PathBuf;
use workflow_core::run::{Machine, RunOptions, Runner};
use workflow_core::task::{sync_handler_fn, TaskRegistry};

fn definitions() -> Vec<Machine> {
    let Some(dir) = workflow_test_support::shared("conformance/cases") else {
        return Vec::new();
    };
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut paths: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path().join("definition.asl.json"))
        .collect();
    paths.sort();
    paths
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .filter_map(|t| Machine::from_json(&t).ok())
        .collect()
}

fn echo_everything(machine: &Machine) -> TaskRegistry {
    let mut tasks = TaskRegistry::new();
    let mut resources = Vec::new();
    collect_resources(
        &serde_json::to_value(machine.definition()).unwrap_or(Value::Null),
        &mut resources,
    );
    for r in resources {
        tasks.register(r.clone(), sync_handler_fn(Ok));
        if let Some(name) = workflow_core::task::lambda_function_name(&r) {
            tasks.register(name.to_owned(), sync_handler_fn(Ok));
        }
    }
    for name in ["id_function", "echo_function", "raise_exception"] {
        tasks.register(name, sync_handler_fn(Ok));
    }
    tasks
}

fn collect_resources(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get("Resource") {
                out.push(r.clone());
            }
            m.values().for_each(|v| collect_resources(v, out));
        }
        Value::Array(a) => a.iter().for_each(|v| collect_resources(v, out)),
        _ => {}
    }
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "[a-zA-Z0-9 $.*{}%]{0,12}".prop_map(Value::String),
        prop_oneof!["2016-03-14T01:59:00Z", "not a date", "success", "1"]
            .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    "[a-z]{1,6}",
                    Just("items".to_owned()),
                    Just("input_value".to_owned()),
                    Just("Values".to_owned())
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

#[test]
fn random_inputs_never_panic_the_conformance_definitions() {
    let machines = definitions();
    if machines.is_empty() {
        return;
    }
    let cases = if workflow_test_support::under_ci() {
        64
    } else {
        256
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    let config = ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(index in 0..machines.len(), input in arb_json())| {
        let machine = &machines[index];
        let options = RunOptions { max_history_events: Some(2_000), ..RunOptions::default() };
        let runner = Runner::new(machine.clone(), echo_everything(machine)).with_options(options);
        let execution = rt.block_on(runner.run(input));
        // Whatever the status, an execution came back with a consistent shape.
        prop_assert_eq!(execution.output.is_some(), execution.error.is_none());
    });
}
