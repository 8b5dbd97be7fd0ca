use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use workflow_macros::{task, workflow};

#[derive(Serialize, Deserialize, JsonSchema, PartialEq, PartialOrd)]
pub struct Money { pub cents: u64 }
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct Order { pub express: bool, pub price: Money, pub limit: Money }

#[task]
fn ship(order: Order) -> bool { order.express }
#[task]
fn hold(order: Order) -> bool { order.express }

#[workflow]
fn route(order: Order) -> bool {
    if order.express > false {
        return ship(order);
    }
    if order.price == order.limit {
        return hold(order);
    }
    false
}

fn main() {}
