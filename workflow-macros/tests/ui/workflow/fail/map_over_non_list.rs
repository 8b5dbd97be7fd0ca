use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use workflow_macros::{task, workflow};

#[derive(Serialize, Deserialize, JsonSchema)]
pub struct Batch { pub name: String, pub size: u64 }

#[task]
fn count(c: char) -> u64 { c as u64 }

#[workflow]
fn measure(batch: Batch) -> Vec<u64> {
    batch.name.map(count).max_concurrency(2)
}

fn main() {}
