//! Every `{% ... %}` expression in the recorded conformance definitions
//! (../shared/conformance/cases/*/definition.asl.json, relative to the workspace root) parses.
//! Skipped with a message when ../shared is absent, and failing then if CI=true
//! (`workflow_test_support::shared`).

use std::fs;

use serde_json::Value;
use workflow_core::jsonata::{strip_delimiters, Expression};

fn collect<'v>(value: &'v Value, out: &mut Vec<&'v str>) {
    match value {
        Value::String(s) => out.extend(strip_delimiters(s)),
        Value::Array(items) => items.iter().for_each(|v| collect(v, out)),
        Value::Object(map) => map.values().for_each(|v| collect(v, out)),
        _ => {}
    }
}

#[test]
fn every_recorded_jsonata_expression_parses() {
    let Some(cases) = workflow_test_support::shared("conformance/cases") else {
        return;
    };
    let entries = fs::read_dir(&cases).unwrap_or_else(|e| panic!("{}: {e}", cases.display()));
    let mut count = 0;
    let mut failures = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path().join("definition.asl.json");
        let Ok(text) = fs::read_to_string(&path) else {
            continue;
        };
        let definition: Value = serde_json::from_str(&text).expect("definitions are JSON");
        let mut expressions = Vec::new();
        collect(&definition, &mut expressions);
        for expr in expressions {
            count += 1;
            if let Err(e) = Expression::parse(expr) {
                failures.push(format!("{}: `{expr}`: {e}", path.display()));
            }
        }
    }
    println!("{count} recorded JSONata expressions checked");
    assert!(count > 0, "no expressions found under {}", cases.display());
    assert!(
        failures.is_empty(),
        "expressions that do not parse:\n{}",
        failures.join("\n")
    );
}
