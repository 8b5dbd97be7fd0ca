// What rustc's help for `match_not_exhaustive` suggests (`Status::Pending => todo!()`): the
// macro says what to write instead.
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use workflow_macros::{task, workflow};

#[derive(Serialize, Deserialize, JsonSchema)]
pub enum Status { Approved, Rejected, Pending }
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct Review { pub status: Status, pub id: String }

#[task]
fn archive(review: Review) -> String { review.id }
#[task]
fn notify(review: Review) -> String { review.id }

#[workflow]
fn decide(review: Review) -> String {
    match review.status {
        Status::Approved => archive(review),
        Status::Rejected => notify(review),
        Status::Pending => todo!(),
    }
}

fn main() {}
