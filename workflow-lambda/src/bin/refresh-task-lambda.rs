//! A `#[task]` function as an AWS Lambda function: the token flow's refresh step, with typed
//! input and output and an error enum whose variant names are the `errorType`s.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use workflow_macros::task;

/// A token to refresh.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Expired {
    /// The token's user.
    pub user: String,
    /// The module it was issued for.
    pub module: String,
}

/// The new token.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Refreshed {
    /// The user.
    pub user: String,
    /// The new token.
    pub token: String,
}

/// Why a token cannot be refreshed.
#[derive(Debug)]
pub enum RefreshError {
    /// The user is blocked.
    UserBlocked(String),
}

impl std::fmt::Display for RefreshError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RefreshError::UserBlocked(user) => write!(f, "user {user} is blocked"),
        }
    }
}

/// Issues a new token unless the user is blocked.
#[task(resource = "RefreshToken")]
pub async fn refresh_token(expired: Expired) -> Result<Refreshed, RefreshError> {
    if expired.user == "mallory" {
        return Err(RefreshError::UserBlocked(expired.user));
    }
    Ok(Refreshed {
        token: format!("{}.{}.refreshed", expired.module, expired.user),
        user: expired.user,
    })
}

fn main() -> Result<(), workflow_lambda::lambda::Error> {
    workflow_lambda::lambda::run_task::<__task_refresh_token>()
}
