//! The bundled example workflows, written with `#[task]` and `#[workflow]`.
//!
//! [`all`] lists every workflow, so `emit-asl` (`workflow_codegen::emit`) writes each to
//! `asl/<name>.asl.json` and runs any of them in-process.

pub mod mapreduce;
pub mod polling;
pub mod states;
pub mod token_flow;
pub mod token_modules;

use serde_json::json;
use workflow_codegen::Workflow;

/// Every example workflow, in a stable order.
pub fn all() -> Vec<Workflow> {
    let token = json!({"token": "expired"});
    let words = json!({"data": [
        {"word": "apple"}, {"word": "banana"}, {"word": "cherry"}, {"word": "date"},
        {"word": "elderberry"}, {"word": "fig"}, {"word": "grape"}
    ]});
    vec![
        token_flow::token_flow::definition().sample_input(token.clone()),
        token_modules::token_modules::definition().sample_input(json!({
            "module": "billing",
            "token": "billing.alice.500.5439baecc7411d0a",
            "now": 1000
        })),
        mapreduce::mapreduce::definition().sample_input(words.clone()),
        states::pass_state::definition(),
        states::task_state::definition(),
        states::choice_state::definition(),
        states::wait_state::definition(),
        states::succeed_state::definition(),
        states::fail_state::definition(),
        states::parallel_state::definition(),
        states::map_state::definition(),
        polling::wait_for::definition(),
        polling::polling::definition(),
        mapreduce::mapreduce_jsonata::definition().sample_input(words),
        token_flow::token_flow_jsonata::definition().sample_input(token),
    ]
}
