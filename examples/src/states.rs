//! One small workflow per state type, each written as a user would.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use workflow_codegen::dsl::sleep;
use workflow_macros::{task, workflow};

/// An order.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Order {
    /// Its id.
    pub id: String,
    /// Total in cents.
    pub total: u64,
    /// Its line items.
    pub items: Vec<Line>,
}

/// One line of an order.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Line {
    /// Stock keeping unit.
    pub sku: String,
    /// How many.
    pub quantity: u64,
}

/// A shipping label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Label {
    /// The order id.
    pub order: String,
    /// Express shipping.
    pub express: bool,
}

/// A price quote for an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Quote {
    /// The order id.
    pub order: String,
    /// Total in cents.
    pub total: u64,
}

/// Why an order is refused.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OrderError {
    /// The order is empty.
    EmptyOrder,
}

impl std::fmt::Display for OrderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the order is empty")
    }
}

/// Prices an order.
#[task(resource = "quote", timeout = 10)]
pub async fn quote(order: Order) -> Quote {
    Quote {
        order: order.id,
        total: order.total,
    }
}

/// Reserves one line's stock; returns the quantity reserved.
#[task(resource = "reserve")]
pub fn reserve(line: Line) -> u64 {
    line.quantity
}

/// Prints a shipping label.
#[task(resource = "print_label")]
pub fn print_label(label: Label) -> Label {
    label
}

/// Pass: builds a shipping label from the order with no task (a Pass state with Parameters).
#[workflow]
pub fn pass_state(order: Order) -> Label {
    Label {
        order: order.id,
        express: true,
    }
}

/// Task: prices the order.
#[workflow]
pub fn task_state(order: Order) -> Quote {
    quote(order)
}

/// Choice: express shipping for orders over 100.00.
#[workflow]
pub fn choice_state(order: Order) -> Label {
    if order.total > 10_000 {
        #[state("ExpressLabel")]
        print_label(Label {
            order: order.id,
            express: true,
        })
    } else {
        #[state("StandardLabel")]
        print_label(Label {
            order: order.id,
            express: false,
        })
    }
}

/// Wait: lets the order settle for a minute before pricing it.
#[workflow]
pub fn wait_state(order: Order) -> Quote {
    sleep(60);
    quote(order)
}

/// Succeed: returns the order as it came.
#[workflow]
pub fn succeed_state(order: Order) -> Order {
    order
}

/// Fail: refuses an empty order (total 0), else prices it.
#[workflow]
pub fn fail_state(order: Order) -> Result<Quote, OrderError> {
    if order.total == 0 {
        return Err(OrderError::EmptyOrder);
    }
    Ok(quote(order))
}

/// Parallel: prices the order and prints its label at the same time.
#[workflow]
pub fn parallel_state(order: Order) -> Quote {
    let (priced, label) = join!(
        quote(order),
        print_label(Label {
            order: order.id,
            express: false,
        })
    );
    priced
}

/// Map: reserves every line, two at a time.
#[workflow]
pub fn map_state(order: Order) -> Vec<u64> {
    order.items.map(reserve).max_concurrency(2)
}
