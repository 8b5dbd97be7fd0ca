// Every construct of a workflow body, lowered to JSONata: the lowering validates and runs.
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use workflow_codegen::dsl::{sleep, sleep_until, Timestamp};
use workflow_macros::{task, workflow};

#[derive(Debug)]
pub enum PayError { Declined(String), Timeout }
impl std::fmt::Display for PayError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result { write!(f, "{self:?}") }
}
#[derive(Debug)]
pub enum FlowError { Rejected }
impl std::fmt::Display for FlowError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result { f.write_str("order rejected") }
}

#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, PartialEq)]
pub enum Tier { Gold, Silver }
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct Order { pub id: String, pub items: Vec<Item>, pub tier: Tier, pub total: u64,
                   pub coupon: Option<String>, pub at: Timestamp, pub delay: u64 }
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct Item { pub sku: String }
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct Req { pub id: String, pub express: bool }
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct Done { pub ok: bool }

#[task] fn pack(item: Item) -> u64 { item.sku.len() as u64 }
#[task] fn charge(req: Req) -> Result<Done, PayError> { Ok(Done { ok: req.express }) }
#[task] fn refund(e: workflow_codegen::CaughtError) -> Done { Done { ok: e.error.is_empty() } }
#[task] fn audit(id: String) -> bool { id.is_empty() }
#[task] fn score(id: String) -> u64 { id.len() as u64 }

#[workflow(query_language = "JSONata")]
fn sub(order: Order) -> Done {
    charge(Req { id: order.id, express: true })
}

/// Everything at once.
#[workflow(query_language = "JSONata")]
fn everything(order: Order) -> Result<Done, FlowError> {
    let packed = order.items.map(pack).max_concurrency(2);
    let (seen, points) = join!(audit(order.id), score(order.id));
    sleep(5);
    sleep(order.delay);
    sleep_until(order.at);
    sleep_until("2030-01-01T00:00:00Z");
    let express = match order.tier {
        Tier::Gold => true,
        Tier::Silver => false,
    };
    if order.total > 100 && !seen || order.id.starts_with("vip") {
        #[state("AuditVip")]
        audit(order.id);
    } else if let Some(code) = order.coupon {
        #[state("AuditCoupon")]
        audit(code);
    }
    if order.at < "2030-01-01T00:00:00Z" {
        sleep_until(order.at);
    }
    match order.total {
        0 => return Err(FlowError::Rejected),
        1..=9 => { sleep(1); }
        _ => {}
    }
    loop {
        #[state("AuditAgain")]
        let again = audit(order.id);
        if again { break }
        sleep(10);
    }
    /// Charge the card.
    #[retry(errors = [PayError::Timeout], max_attempts = 3)]
    #[catch(errors = [PayError::Declined], handler = refund)]
    let receipt = charge(Req { id: order.id, express });
    let nested = sub(order);
    if receipt.ok { return Ok(nested) }
    Ok(receipt)
}

fn main() {
    let wf = everything::definition();
    assert_eq!(wf.query_language, workflow_codegen::QueryLanguage::JSONata);
    let asl = wf.to_asl().unwrap();
    assert!(workflow_core::validate(&asl).is_empty());
    let json = serde_json::to_value(&asl).unwrap();
    assert_eq!(json["QueryLanguage"], "JSONata");
    assert_eq!(json["States"]["Packed"]["Items"], "{% $states.input.items %}");
    assert_eq!(json["States"]["Packed"]["Assign"]["packed"], "{% $states.result %}");
    assert_eq!(
        json["States"]["IfOrderAt"]["Choices"][0]["Condition"],
        "{% $toMillis($order.at) < $toMillis(\"2030-01-01T00:00:00Z\") %}"
    );
}
