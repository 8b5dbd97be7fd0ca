//! The origin's token check: verify a request's token, then succeed, fail, or hand the
//! request to a default handler (three Choice outcomes). [`token_flow`] lowers to JSONPath,
//! [`token_flow_jsonata`] (the same body) to JSONata.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use workflow_macros::{task, workflow};

/// An incoming request.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Request {
    /// The bearer token.
    pub token: String,
}

/// What token verification concluded.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The token is valid.
    Success,
    /// The token is invalid.
    Failure,
    /// Neither clearly valid nor clearly invalid (for instance expired).
    Unknown,
}

/// The verification result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Checked {
    /// The outcome.
    pub status: Status,
    /// The token checked.
    pub token: String,
}

/// Why the flow fails.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TokenError {
    /// The token was rejected.
    TaskFailed,
}

impl std::fmt::Display for TokenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("The task has failed")
    }
}

/// Verifies the token: `valid-*` tokens pass, `bad-*` tokens fail, others are unknown.
// Short and very frequent, it reached about 20 concurrent instances at peak hours: a warmer
// keeps 2 warm all day and 20 on weekdays' office hours (serverless-plugin-warmup).
#[task(
    resource = "InitialFunction",
    warm(
        concurrency = 2,
        peak = "cron(0/5 8-17 ? * MON-FRI *)",
        peak_concurrency = 20
    )
)]
pub async fn initial_function(request: Request) -> Checked {
    let status = if request.token.starts_with("valid-") {
        Status::Success
    } else if request.token.starts_with("bad-") {
        Status::Failure
    } else {
        Status::Unknown
    };
    Checked {
        status,
        token: request.token,
    }
}

/// Handles a request that is neither clearly valid nor clearly invalid (refreshes the token).
#[task(resource = "DefaultFunction")]
pub async fn default_function(checked: Checked) -> Checked {
    Checked {
        status: Status::Success,
        token: format!("refreshed-{}", checked.token),
    }
}

/// Checks a request's token.
#[workflow(sample_input = r#"{"token": "expired"}"#)]
pub fn token_flow(request: Request) -> Result<Checked, TokenError> {
    let checked = initial_function(request);
    match checked.status {
        Status::Success => Ok(checked),
        Status::Failure => Err(TokenError::TaskFailed),
        _ => Ok(default_function(checked)),
    }
}

/// Checks a request's token, in JSONata: the check's result is the variable `$checked`.
#[workflow(query_language = "JSONata", sample_input = r#"{"token": "expired"}"#)]
pub fn token_flow_jsonata(request: Request) -> Result<Checked, TokenError> {
    let checked = initial_function(request);
    match checked.status {
        Status::Success => Ok(checked),
        Status::Failure => Err(TokenError::TaskFailed),
        _ => Ok(default_function(checked)),
    }
}
