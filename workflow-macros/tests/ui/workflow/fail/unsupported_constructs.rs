// Each construct ASL cannot express is named in its own error, all in one build.
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use workflow_macros::{task, workflow};

#[derive(Serialize, Deserialize, JsonSchema)]
pub struct Cart { pub items: Vec<u64>, pub total: u64, pub discount: u64 }

#[task]
fn price(amount: u64) -> u64 { amount }

#[workflow]
fn checkout(cart: Cart) -> u64 {
    let mut total = price(cart.total);
    let net = price(cart.total - cart.discount);
    let first = price(cart.items[0]);
    let doubled = cart.items.map(|x| price(x));
    for item in cart.items {
        price(item);
    }
    while cart.total > 0 {
        price(cart.total);
    }
    let text = price(cart.total.to_string());
    let again = price(cart.total)?;
    net
}

#[workflow]
fn recurse(cart: Cart) -> u64 {
    let cart = recurse(cart);
    price(cart.total)
}

fn main() {}
