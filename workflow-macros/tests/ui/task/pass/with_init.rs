use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use workflow_codegen::TaskFn;
use workflow_macros::task;

pub struct Keys(u64);

#[derive(Debug)]
pub enum InitError { NoKeys }
impl std::fmt::Display for InitError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result { f.write_str("no keys") }
}

#[derive(Serialize, Deserialize, JsonSchema)]
pub struct Token { pub value: u64 }

fn make_keys() -> Keys { Keys(7) }
async fn load_keys() -> Result<Keys, InitError> { Ok(Keys(9)) }

#[task(init = make_keys)]
fn sign(keys: &Keys, token: Token) -> u64 { keys.0 * token.value }

#[task(init = load_keys, resource = "Sign")]
async fn sign_async(keys: &Keys, token: Token) -> u64 { keys.0 + token.value }

fn main() {
    // The fns stay callable as written; the companions' state is the borrowed type.
    assert_eq!(sign(&make_keys(), Token { value: 2 }), 14);
    let _: fn() -> workflow_codegen::BoxFuture<'static, Result<Keys, workflow_core::StatesError>> =
        <__task_sign_async as TaskFn>::init;
}
