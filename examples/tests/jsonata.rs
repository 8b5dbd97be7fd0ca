//! The JSONata forms of the examples: `mapreduce_jsonata` and `token_flow_jsonata` run with the
//! outputs of their JSONPath twins, and every example lowered to JSONata validates, passes
//! `../shared/tools/asl-lint` and runs as it does in JSONPath mode.

use examples::mapreduce::{self, Total, Word, Words};
use examples::token_flow::{self, Checked, Request, Status};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;
use workflow_codegen::{QueryLanguage, RunError, Workflow};

fn words() -> Words {
    let list = [
        "apple",
        "banana",
        "cherry",
        "date",
        "elderberry",
        "fig",
        "grape",
    ];
    Words {
        data: list
            .iter()
            .map(|w| Word {
                word: w.to_string(),
            })
            .collect(),
    }
}

#[tokio::test]
async fn mapreduce_jsonata_totals_the_word_lengths_to_39() {
    let total = mapreduce::mapreduce_jsonata::run(words()).await.unwrap();
    assert_eq!(total, Total { total_length: 39 });
    let asl =
        serde_json::to_value(mapreduce::mapreduce_jsonata::definition().to_asl().unwrap()).unwrap();
    assert_eq!(asl["QueryLanguage"], "JSONata");
    assert_eq!(
        asl["States"]["MappedResults"]["Assign"],
        json!({"mapped_results": "{% $states.result %}"})
    );
}

#[tokio::test]
async fn token_flow_jsonata_takes_the_three_paths() {
    let run = |token: &str| {
        token_flow::token_flow_jsonata::run(Request {
            token: token.into(),
        })
    };
    assert_eq!(
        run("valid-abc").await.unwrap(),
        Checked {
            status: Status::Success,
            token: "valid-abc".into()
        }
    );
    assert_eq!(
        run("bad-abc").await.unwrap_err(),
        RunError::Failed {
            status: "FAILED",
            error: "TaskFailed".into(),
            cause: "The task has failed".into()
        }
    );
    assert_eq!(
        run("old-abc").await.unwrap(),
        Checked {
            status: Status::Success,
            token: "refreshed-old-abc".into()
        }
    );
}

fn in_jsonata(wf: Workflow) -> Workflow {
    wf.query_language(QueryLanguage::JSONata)
}

#[test]
fn every_example_lowers_to_jsonata_that_validates_and_passes_asl_lint() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("jsonata-examples");
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::new();
    for wf in examples::all() {
        let machine = in_jsonata(wf.clone()).to_asl().unwrap();
        let problems = workflow_core::validate(&machine);
        assert!(problems.is_empty(), "{}: {problems:?}", wf.name);
        let file = dir.join(format!("{}.asl.json", wf.name));
        std::fs::write(&file, machine.to_json_pretty()).unwrap();
        files.push(file);
    }
    let Some(lint) = workflow_test_support::shared("tools/asl-lint/asl-lint") else {
        return;
    };
    let out = Command::new(&lint)
        .arg("--strict")
        .args(&files)
        .output()
        .expect("asl-lint runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "asl-lint failed:\n{text}");
    assert_eq!(
        text.lines().filter(|l| l.starts_with("ok ")).count(),
        files.len(),
        "{text}"
    );
}

/// `(status, output or {"Error", "Cause"})` of one in-process run.
async fn outcome(wf: &Workflow, input: &Value) -> (String, Value) {
    let ex = wf
        .in_process()
        .unwrap()
        .run_json(input.clone())
        .await
        .unwrap();
    let out = match ex.output {
        Some(o) => o,
        None => json!({"Error": ex.error, "Cause": ex.cause}),
    };
    (ex.status.as_str().to_owned(), out)
}

/// A valid, a forged, an expired and a malformed token (each path of `token_modules`).
fn token_requests() -> Vec<Value> {
    use examples::token_modules::{Module, SigningKey};
    let sign = |m: Module, expires: u64| SigningKey::derive(m).sign(m, "alice", expires);
    let forged = sign(Module::Users, 2_000).replace("alice", "eve");
    vec![
        json!({"module": "orders", "token": sign(Module::Orders, 2_000), "now": 1_000}),
        json!({"module": "users", "token": forged, "now": 1_000}),
        json!({"module": "billing", "token": sign(Module::Billing, 500), "now": 1_000}),
        json!({"module": "reports", "token": "garbage", "now": 1_000}),
    ]
}

#[tokio::test(start_paused = true)]
async fn every_example_runs_alike_in_both_languages() {
    let order = |total: u64| {
        json!({"id": "o-1", "total": total, "items": [
            {"sku": "a", "quantity": 2}, {"sku": "b", "quantity": 5}, {"sku": "c", "quantity": 1}]})
    };
    let inputs: Vec<(&str, Vec<Value>)> = vec![
        (
            "token_flow",
            vec![
                json!({"token": "valid-1"}),
                json!({"token": "bad-1"}),
                json!({"token": "old-1"}),
            ],
        ),
        ("token_modules", token_requests()),
        ("mapreduce", vec![serde_json::to_value(words()).unwrap()]),
        ("pass_state", vec![order(5)]),
        ("task_state", vec![order(250)]),
        ("choice_state", vec![order(20_000), order(500)]),
        ("wait_state", vec![order(7)]),
        ("succeed_state", vec![order(3)]),
        ("fail_state", vec![order(0), order(9)]),
        ("parallel_state", vec![order(42)]),
        ("map_state", vec![order(1)]),
        ("wait_for", vec![json!({"id": "j9", "polls_needed": 0})]),
        (
            "polling",
            vec![
                json!({"id": "j1", "polls_needed": 0}),
                json!({"id": "gone-2", "polls_needed": 0}),
            ],
        ),
    ];
    let all = examples::all();
    let mut runs = 0;
    for (name, cases) in &inputs {
        let wf = all.iter().find(|w| w.name == *name).unwrap();
        let jsonata = in_jsonata(wf.clone());
        for input in cases {
            let expected = outcome(wf, input).await;
            assert_eq!(
                outcome(&jsonata, input).await,
                expected,
                "{name} on {input}"
            );
            runs += 1;
        }
    }
    assert_eq!(runs, 21);
    // Every JSONPath example is covered.
    let covered = all
        .iter()
        .filter(|w| w.query_language == QueryLanguage::JSONPath)
        .all(|w| inputs.iter().any(|(n, _)| *n == w.name));
    assert!(covered);
}
