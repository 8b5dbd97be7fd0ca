//! The token-check flow of the project's origin, with verification split into one task (one
//! Lambda function) per application module, as the origin split it to spread load.
//!
//! Shared by the `verify-token-lambda` binary, the `token_load` example and the tests. Tokens are
//! `module.user.expires.signature`; the signature is a keyed hash for demonstration only (std's
//! SipHash, not a MAC to deploy).

use serde::{Deserialize, Serialize};
use std::hash::{Hash, Hasher};
use std::time::Duration;
use workflow_core::task::TaskContext;
use workflow_core::StatesError;
use workflow_lambda::WarmTask;

/// The application modules, each with its own verification function.
pub const MODULES: [&str; 4] = ["orders", "users", "billing", "reports"];

/// The Lambda function name of a module's verifier.
pub fn verifier_function(module: &str) -> String {
    format!("VerifyToken-{module}")
}

/// The flow: route by module to its verifier, then the origin's three outcomes.
pub fn flow_asl() -> String {
    let arn = |f: &str| format!("arn:aws:lambda:us-east-1:123456789012:function:{f}");
    let choices: Vec<serde_json::Value> = MODULES
        .iter()
        .map(|m| serde_json::json!({"Variable": "$.module", "StringEquals": m, "Next": state(m)}))
        .collect();
    let mut states = serde_json::json!({
        "RouteByModule": {"Type": "Choice", "Choices": choices, "Default": "UnknownModule"},
        "UnknownModule": {"Type": "Fail", "Error": "UnknownModule", "Cause": "no verifier for this module"},
        "ChoiceState": {"Type": "Choice", "Choices": [
            {"Variable": "$.status", "StringEquals": "success", "Next": "SuccessState"},
            {"Variable": "$.status", "StringEquals": "failure", "Next": "FailState"}],
            "Default": "DefaultTask"},
        "SuccessState": {"Type": "Succeed"},
        "FailState": {"Type": "Fail", "Error": "TaskFailed", "Cause": "The task has failed"},
        "DefaultTask": {"Type": "Task", "Resource": arn("RefreshToken"), "End": true}
    });
    for m in MODULES {
        states[state(m)] = serde_json::json!({
            "Type": "Task", "Resource": arn(&verifier_function(m)), "Next": "ChoiceState"});
    }
    serde_json::json!({
        "Comment": "Token check, verification split per application module",
        "StartAt": "RouteByModule",
        "States": states
    })
    .to_string()
}

fn state(module: &str) -> String {
    let mut name = String::from("Verify");
    let mut chars = module.chars();
    if let Some(c) = chars.next() {
        name.extend(c.to_uppercase());
    }
    name.push_str(chars.as_str());
    name
}

/// What a verifier is asked.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TokenRequest {
    /// The module the request is for.
    pub module: String,
    /// The bearer token.
    pub token: String,
    /// The current time, in Unix seconds.
    pub now: u64,
}

/// A verifier's answer; `status` drives the flow's Choice.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Verdict {
    /// `success`, `failure` (bad signature) or `expired` (to refresh).
    pub status: String,
    /// The token's user.
    pub user: String,
    /// The module verified.
    pub module: String,
    /// The token, passed on for a refresh.
    pub token: String,
}

/// One module's signing key, derived once per instance (the one-time initialisation).
pub struct SigningKey(u64);

fn keyed(key: u64, text: &str) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    key.hash(&mut h);
    text.hash(&mut h);
    h.finish()
}

impl SigningKey {
    /// Derives the module's key by stretching a secret (deliberately some work: a cold start).
    pub fn derive(module: &str) -> SigningKey {
        let mut k = keyed(0x5eed, module);
        for _ in 0..20_000 {
            k = keyed(k, module);
        }
        SigningKey(k)
    }

    /// Signs `module.user.expires`.
    pub fn sign(&self, module: &str, user: &str, expires: u64) -> String {
        let body = format!("{module}.{user}.{expires}");
        format!("{body}.{:016x}", keyed(self.0, &body))
    }
}

/// The verification task of one module; each call also waits `latency` (a revocation-list
/// lookup), so a call takes about 10 ms as in the origin.
pub struct VerifyToken {
    /// The module this verifier serves.
    pub module: String,
    /// Simulated I/O per call.
    pub latency: Duration,
}

impl VerifyToken {
    /// A verifier for `module` with 10 ms of I/O per call.
    pub fn new(module: &str) -> Self {
        VerifyToken {
            module: module.to_owned(),
            latency: Duration::from_millis(10),
        }
    }
}

impl WarmTask for VerifyToken {
    type State = SigningKey;
    type Input = TokenRequest;
    type Output = Verdict;

    async fn init(&self) -> Result<SigningKey, StatesError> {
        // CPU-bound: off the async workers, so a cold start does not stall warm calls.
        let module = self.module.clone();
        tokio::task::spawn_blocking(move || SigningKey::derive(&module))
            .await
            .map_err(|e| StatesError::new("Init.Failed", e.to_string()))
    }

    async fn invoke(
        &self,
        key: &SigningKey,
        req: TokenRequest,
        _: TaskContext,
    ) -> Result<Verdict, StatesError> {
        let parts: Vec<&str> = req.token.split('.').collect();
        let [module, user, expires, _] = parts[..] else {
            return Err(StatesError::new(
                "Token.Malformed",
                format!(
                    "expected module.user.expires.signature, got {} parts",
                    parts.len()
                ),
            ));
        };
        let expires: u64 = expires
            .parse()
            .map_err(|_| StatesError::new("Token.Malformed", "the expiry is not a number"))?;
        if module != self.module {
            return Err(StatesError::new(
                "Token.WrongModule",
                format!("a `{module}` token sent to the `{}` verifier", self.module),
            ));
        }
        if !self.latency.is_zero() {
            tokio::time::sleep(self.latency).await;
        }
        let status = if key.sign(module, user, expires) != req.token {
            "failure"
        } else if expires < req.now {
            "expired"
        } else {
            "success"
        };
        Ok(Verdict {
            status: status.to_owned(),
            user: user.to_owned(),
            module: module.to_owned(),
            token: req.token,
        })
    }
}
