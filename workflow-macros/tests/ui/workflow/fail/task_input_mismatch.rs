use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use workflow_macros::{task, workflow};

#[derive(Serialize, Deserialize, JsonSchema)]
pub struct Order { pub id: String, pub total: u64 }
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct ValidOrder { pub id: String }
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct Receipt { pub id: String }

#[task]
fn validate(order: Order) -> ValidOrder { ValidOrder { id: order.id } }

#[task]
fn charge(order: ValidOrder) -> Receipt { Receipt { id: order.id } }

#[workflow]
fn checkout(order: Order) -> Receipt {
    let valid = validate(order);
    charge(order)
}

fn main() {}
