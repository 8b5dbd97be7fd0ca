// A Map over a list whose items are not the task's input.
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use workflow_macros::{task, workflow};

#[derive(Serialize, Deserialize, JsonSchema)]
pub struct Word { pub word: String }
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct Batch { pub ids: Vec<u64> }

#[task]
fn measure(word: Word) -> u64 { word.word.len() as u64 }

#[workflow]
fn lengths(batch: Batch) -> Vec<u64> {
    batch.ids.map(measure).max_concurrency(2)
}

fn main() {}
