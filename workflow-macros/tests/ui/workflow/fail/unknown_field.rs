use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use workflow_macros::{task, workflow};

#[derive(Serialize, Deserialize, JsonSchema)]
pub struct Order { pub id: String, pub customer: Customer }
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct Customer { pub email: String }

#[task]
fn notify(email: String) -> bool { !email.is_empty() }

#[workflow]
fn confirm(order: Order) -> bool {
    notify(order.customer.mail)
}

fn main() {}
