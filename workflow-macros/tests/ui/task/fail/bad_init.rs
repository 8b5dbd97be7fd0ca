use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use workflow_macros::task;

pub struct Keys(u64);

#[derive(Serialize, Deserialize, JsonSchema)]
pub struct Token { pub value: u64 }

fn wrong_state() -> u32 { 1 }
fn takes_an_argument(seed: u64) -> Keys { Keys(seed) }

#[task(init = wrong_state)]
fn sign(keys: &Keys, token: Token) -> u64 { keys.0 * token.value }

#[task(init = takes_an_argument)]
fn sign_too(keys: &Keys, token: Token) -> u64 { keys.0 + token.value }

fn main() {}
