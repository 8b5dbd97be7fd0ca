//! Every example workflow run in-process on workflow-core's interpreter, with its expected
//! output; plus input validation against the JSON Schema, and a mocked task.

use examples::mapreduce::{self, Length, Total, Word, Words};
use examples::states::{self, Label, Line, Order, Quote};
use examples::token_flow::{self, Checked, Request, Status};
use serde_json::json;
use workflow_codegen::RunError;

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

fn order(total: u64) -> Order {
    Order {
        id: "o-1".into(),
        total,
        items: vec![
            Line {
                sku: "a".into(),
                quantity: 2,
            },
            Line {
                sku: "b".into(),
                quantity: 5,
            },
            Line {
                sku: "c".into(),
                quantity: 1,
            },
        ],
    }
}

#[tokio::test]
async fn mapreduce_totals_the_word_lengths_to_39() {
    let total = mapreduce::mapreduce::run(words()).await.unwrap();
    assert_eq!(total, Total { total_length: 39 });
    // The output uses the reduce function's JSON names.
    let wf = mapreduce::mapreduce::definition().in_process().unwrap();
    let execution = wf
        .run_json(serde_json::to_value(words()).unwrap())
        .await
        .unwrap();
    assert_eq!(execution.output, Some(json!({"totalLength": 39})));
}

#[tokio::test]
async fn a_mocked_task_replaces_the_real_one() {
    let wf = mapreduce::mapreduce::definition()
        .in_process()
        .unwrap()
        .mock("map_function", |_: Word| Ok(Length { length: 1 }))
        .unwrap();
    let total: Total = wf.run(&words()).await.unwrap();
    assert_eq!(total.total_length, 7);
    let unknown = mapreduce::mapreduce::definition()
        .in_process()
        .unwrap()
        .mock("no_such_task", |_: Word| Ok(Length { length: 1 }));
    assert_eq!(
        unknown.unwrap_err().to_string(),
        "workflow `mapreduce` calls no task named `no_such_task`"
    );
}

#[tokio::test]
async fn input_is_checked_against_the_json_schema() {
    let wf = mapreduce::mapreduce::definition().in_process().unwrap();
    let err = wf
        .run_json(json!({"data": [{"word": "apple"}, {"word": 5}]}))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "the input does not match `Words`: at /data/1/word: expected a string, found the number 5"
    );
    let err = wf.run_json(json!({"words": []})).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "the input does not match `Words`: at /: missing field `data`"
    );
}

#[tokio::test]
async fn token_flow_succeeds_on_a_valid_token() {
    let out = token_flow::token_flow::run(Request {
        token: "valid-abc".into(),
    })
    .await
    .unwrap();
    assert_eq!(
        out,
        Checked {
            status: Status::Success,
            token: "valid-abc".into()
        }
    );
}

#[tokio::test]
async fn token_flow_fails_on_a_bad_token() {
    let err = token_flow::token_flow::run(Request {
        token: "bad-abc".into(),
    })
    .await
    .unwrap_err();
    assert_eq!(
        err,
        RunError::Failed {
            status: "FAILED",
            error: "TaskFailed".into(),
            cause: "The task has failed".into()
        }
    );
}

#[tokio::test]
async fn token_flow_hands_other_tokens_to_the_default_function() {
    let out = token_flow::token_flow::run(Request {
        token: "old-abc".into(),
    })
    .await
    .unwrap();
    assert_eq!(
        out,
        Checked {
            status: Status::Success,
            token: "refreshed-old-abc".into()
        }
    );
}

#[tokio::test]
async fn pass_state_builds_the_label_without_a_task() {
    let label = states::pass_state::run(order(5)).await.unwrap();
    assert_eq!(
        label,
        Label {
            order: "o-1".into(),
            express: true
        }
    );
}

#[tokio::test]
async fn task_state_prices_the_order() {
    let q = states::task_state::run(order(250)).await.unwrap();
    assert_eq!(
        q,
        Quote {
            order: "o-1".into(),
            total: 250
        }
    );
}

#[tokio::test]
async fn choice_state_picks_express_above_the_threshold() {
    let express = states::choice_state::run(order(20_000)).await.unwrap();
    assert!(express.express);
    let standard = states::choice_state::run(order(500)).await.unwrap();
    assert!(!standard.express);
}

#[tokio::test(start_paused = true)]
async fn wait_state_waits_then_prices() {
    let started = tokio::time::Instant::now();
    let q = states::wait_state::run(order(7)).await.unwrap();
    assert_eq!(q.total, 7);
    assert!(started.elapsed() >= std::time::Duration::from_secs(60));
}

#[tokio::test]
async fn succeed_state_returns_its_input() {
    let o = states::succeed_state::run(order(3)).await.unwrap();
    assert_eq!(o.total, 3);
    assert_eq!(o.items.len(), 3);
}

#[tokio::test]
async fn fail_state_fails_an_empty_order_and_prices_others() {
    let err = states::fail_state::run(order(0)).await.unwrap_err();
    assert_eq!(
        err,
        RunError::Failed {
            status: "FAILED",
            error: "EmptyOrder".into(),
            cause: "the order is empty".into()
        }
    );
    assert_eq!(states::fail_state::run(order(9)).await.unwrap().total, 9);
}

#[tokio::test]
async fn parallel_state_returns_the_first_branch() {
    let q = states::parallel_state::run(order(42)).await.unwrap();
    assert_eq!(
        q,
        Quote {
            order: "o-1".into(),
            total: 42
        }
    );
}

#[tokio::test]
async fn map_state_reserves_every_line_in_order() {
    let reserved = states::map_state::run(order(1)).await.unwrap();
    assert_eq!(reserved, vec![2, 5, 1]);
}

#[tokio::test(start_paused = true)]
async fn polling_loops_until_done_then_fetches_or_falls_back() {
    use examples::polling::{self, Fetched, Job};
    let out = polling::polling::run(Job {
        id: "j1".into(),
        polls_needed: 3,
    })
    .await
    .unwrap();
    assert_eq!(
        out,
        Fetched {
            result: "result of j1".into()
        }
    );
    let out = polling::polling::run(Job {
        id: "gone-2".into(),
        polls_needed: 0,
    })
    .await
    .unwrap();
    assert_eq!(
        out,
        Fetched {
            result: "Gone: the result expired".into()
        }
    );
}

#[tokio::test(start_paused = true)]
async fn a_workflow_returning_its_input_returns_it_without_its_bindings() {
    use examples::polling;
    let input = json!({"id": "j9", "polls_needed": 0});
    let execution = polling::wait_for::definition()
        .in_process()
        .unwrap()
        .run_json(input.clone())
        .await
        .unwrap();
    assert_eq!(execution.output, Some(input));
}

#[tokio::test]
async fn a_typed_run_records_no_history_and_gives_the_recorded_executions_output() {
    // `run()` keeps only the output, so it records no history, which lets states change their
    // input in place; its output is the one an execution with a history gives.
    for (total, wf) in [
        (42, states::parallel_state::definition()),
        (20_000, states::choice_state::definition()),
        (5, states::pass_state::definition()),
        (7, states::map_state::definition()),
    ] {
        let wf = wf.in_process().unwrap();
        let recorded = wf
            .run_json(serde_json::to_value(order(total)).unwrap())
            .await
            .unwrap();
        assert!(!recorded.history.is_empty(), "run_json keeps the history");
        let typed: serde_json::Value = wf.run(&order(total)).await.unwrap();
        assert_eq!(Some(typed), recorded.output);
    }
}
