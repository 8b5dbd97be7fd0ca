use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use workflow_codegen::Task;
use workflow_macros::task;

#[derive(Debug)]
pub enum CheckError { Expired }
impl std::fmt::Display for CheckError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result { f.write_str("token expired") }
}

#[derive(Serialize, Deserialize, JsonSchema)]
pub struct Token { pub value: String }

/// Checks a token.
#[task(resource = "arn:aws:lambda:eu-west-1:111122223333:function:check", timeout = 10, heartbeat = 5,
       retry(errors = [CheckError::Expired, "States.Timeout"], max_attempts = 2, interval = 1, backoff = 2.0, jitter))]
async fn check(token: Token) -> Result<bool, CheckError> {
    if token.value.is_empty() { Err(CheckError::Expired) } else { Ok(true) }
}

#[task]
fn length(token: Token) -> u64 { token.value.len() as u64 }

fn main() {
    // The fns stay callable as written.
    assert_eq!(length(Token { value: "abc".into() }), 3);
    assert_eq!(<__task_check as Task>::NAME, "check");
    // The fn's own name is the task where a type is expected.
    assert_eq!(<check as Task>::NAME, "check");
    assert_eq!(<length as Task>::NAME, "length");
}
