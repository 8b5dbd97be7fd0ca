use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use workflow_macros::{task, workflow};

#[derive(Serialize, Deserialize, JsonSchema)]
pub struct Order { pub id: String }

#[task]
fn charge(order: Order) -> Order { order }

#[workflow(query_language = "jsonata")]
fn lowercase(order: Order) -> Order {
    charge(order)
}

#[workflow(language = "JSONata")]
fn unknown(order: Order) -> Order {
    charge(order)
}

#[workflow(sample_input = "{id: 1}")]
fn not_json(order: Order) -> Order {
    charge(order)
}

fn main() {}
