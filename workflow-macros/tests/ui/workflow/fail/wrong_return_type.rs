use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use workflow_macros::{task, workflow};

#[derive(Serialize, Deserialize, JsonSchema)]
pub struct Order { pub id: String }
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct Receipt { pub id: String }

#[task]
fn charge(order: Order) -> Receipt { Receipt { id: order.id } }

#[workflow]
fn checkout(order: Order) -> Receipt {
    let receipt = charge(order);
    order
}

fn main() {}
