use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use workflow_macros::{task, workflow};

#[derive(Debug)]
pub enum PaymentError { Declined, Timeout }
impl std::fmt::Display for PaymentError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result { write!(f, "{self:?}") }
}

#[derive(Serialize, Deserialize, JsonSchema)]
pub struct Order { pub id: String }

#[task]
fn charge(order: Order) -> Result<String, PaymentError> { Ok(order.id) }

#[task]
fn log(order: Order) -> String { order.id }

#[workflow]
fn checkout(order: Order) -> String {
    let id = charge(order);
    #[retry(errors = [PaymentError::Timeout])]
    log(order)
}

fn main() {}
