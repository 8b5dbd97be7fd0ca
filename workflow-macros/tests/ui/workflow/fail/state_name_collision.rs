use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use workflow_macros::{task, workflow};

#[derive(Serialize, Deserialize, JsonSchema)]
pub struct Pair { pub left: u64, pub right: u64 }

#[task]
fn square(n: u64) -> u64 { n * n }

#[workflow]
fn squares(pair: Pair) -> u64 {
    let a = square(pair.left);
    square(pair.right)
}

fn main() {}
