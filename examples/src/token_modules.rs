//! The origin's token check with verification split into one task per application module, as
//! the origin split its verification Lambdas to spread load: route by module to its verifier
//! (each derives its module's signing key once per instance, `#[task(init = ..)]`), then the
//! origin's three outcomes: succeed, fail, or refresh the token.
//!
//! Tokens are `module.user.expires.signature`; the signature is a keyed hash for demonstration
//! only (std's SipHash, not a MAC to deploy).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::hash::{Hash, Hasher};
use std::time::Duration;
use workflow_macros::{task, workflow};

/// What each verification call waits besides the signature check (a revocation-list lookup),
/// so a call takes about 10 ms as in the origin.
pub const LOOKUP_LATENCY: Duration = Duration::from_millis(10);

/// An application module, each with its own verification function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Module {
    /// Orders.
    Orders,
    /// Users.
    Users,
    /// Billing.
    Billing,
    /// Reports.
    Reports,
}

impl Module {
    /// Every module, in routing order.
    pub const ALL: [Module; 4] = [
        Module::Orders,
        Module::Users,
        Module::Billing,
        Module::Reports,
    ];

    /// The name in tokens and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Module::Orders => "orders",
            Module::Users => "users",
            Module::Billing => "billing",
            Module::Reports => "reports",
        }
    }

    /// The Lambda function name of the module's verifier.
    pub fn verifier(self) -> String {
        format!("VerifyToken-{}", self.as_str())
    }
}

/// A request to check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TokenRequest {
    /// The module the request is for.
    pub module: Module,
    /// The bearer token.
    pub token: String,
    /// The current time, in Unix seconds.
    pub now: u64,
}

/// What verification concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Valid.
    Success,
    /// Bad signature.
    Failure,
    /// Validly signed but expired: to refresh.
    Expired,
}

/// A verifier's answer; `status` drives the flow's second Choice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Verdict {
    /// The outcome.
    pub status: Status,
    /// The token's user.
    pub user: String,
    /// The module verified.
    pub module: Module,
    /// The token (a new one after a refresh).
    pub token: String,
}

/// Why a verifier rejects a request outright.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyError {
    /// Not `module.user.expires.signature`.
    Malformed(String),
    /// A token of another module.
    WrongModule(String),
}

impl std::fmt::Display for VerifyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VerifyError::Malformed(why) | VerifyError::WrongModule(why) => f.write_str(why),
        }
    }
}

/// Why a token cannot be refreshed.
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// Why the flow fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    /// The token's signature is wrong.
    TaskFailed,
}

impl std::fmt::Display for TokenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("The task has failed")
    }
}

/// One module's signing key, derived once per instance (the one-time initialisation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningKey(u64);

fn keyed(key: u64, text: &str) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    key.hash(&mut h);
    text.hash(&mut h);
    h.finish()
}

impl SigningKey {
    /// Derives the module's key by stretching a secret (deliberately some work: a cold start).
    pub fn derive(module: Module) -> SigningKey {
        let name = module.as_str();
        let mut k = keyed(0x5eed, name);
        for _ in 0..20_000 {
            k = keyed(k, name);
        }
        SigningKey(k)
    }

    /// A token for `user` of `module`, expiring at `expires` (Unix seconds).
    pub fn sign(&self, module: Module, user: &str, expires: u64) -> String {
        let body = format!("{}.{user}.{expires}", module.as_str());
        format!("{body}.{:016x}", keyed(self.0, &body))
    }

    /// Checks `request` against this key, `module`'s: the verifiers' shared logic.
    async fn verify(&self, module: Module, request: TokenRequest) -> Result<Verdict, VerifyError> {
        let parts: Vec<&str> = request.token.split('.').collect();
        let [token_module, user, expires, _] = parts[..] else {
            return Err(VerifyError::Malformed(format!(
                "expected module.user.expires.signature, got {} parts",
                parts.len()
            )));
        };
        let expires: u64 = expires
            .parse()
            .map_err(|_| VerifyError::Malformed("the expiry is not a number".into()))?;
        if token_module != module.as_str() {
            return Err(VerifyError::WrongModule(format!(
                "a `{token_module}` token sent to the `{}` verifier",
                module.as_str()
            )));
        }
        tokio::time::sleep(LOOKUP_LATENCY).await;
        let status = if self.sign(module, user, expires) != request.token {
            Status::Failure
        } else if expires < request.now {
            Status::Expired
        } else {
            Status::Success
        };
        Ok(Verdict {
            status,
            user: user.to_owned(),
            module,
            token: request.token,
        })
    }
}

/// Why a verifier's instance could not initialise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyError {
    /// The key derivation did not finish.
    Unavailable(String),
}

impl std::fmt::Display for KeyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyError::Unavailable(why) => write!(f, "the signing key is unavailable: {why}"),
        }
    }
}

/// Derives `module`'s key off the async workers: the derivation is CPU-bound, and run inline
/// it would stall every call in flight during a burst of cold starts.
async fn derive_key(module: Module) -> Result<SigningKey, KeyError> {
    tokio::task::spawn_blocking(move || SigningKey::derive(module))
        .await
        .map_err(|e| KeyError::Unavailable(e.to_string()))
}

/// The orders key (`init` of [`verify_orders`], once per instance).
pub async fn orders_key() -> Result<SigningKey, KeyError> {
    derive_key(Module::Orders).await
}

/// The users key (`init` of [`verify_users`], once per instance).
pub async fn users_key() -> Result<SigningKey, KeyError> {
    derive_key(Module::Users).await
}

/// The billing key (`init` of [`verify_billing`], once per instance).
pub async fn billing_key() -> Result<SigningKey, KeyError> {
    derive_key(Module::Billing).await
}

/// The reports key (`init` of [`verify_reports`], once per instance).
pub async fn reports_key() -> Result<SigningKey, KeyError> {
    derive_key(Module::Reports).await
}

/// Verifies an orders token.
#[task(resource = "VerifyToken-orders", init = orders_key)]
pub async fn verify_orders(
    key: &SigningKey,
    request: TokenRequest,
) -> Result<Verdict, VerifyError> {
    key.verify(Module::Orders, request).await
}

/// Verifies a users token.
#[task(resource = "VerifyToken-users", init = users_key)]
pub async fn verify_users(key: &SigningKey, request: TokenRequest) -> Result<Verdict, VerifyError> {
    key.verify(Module::Users, request).await
}

/// Verifies a billing token.
#[task(resource = "VerifyToken-billing", init = billing_key)]
pub async fn verify_billing(
    key: &SigningKey,
    request: TokenRequest,
) -> Result<Verdict, VerifyError> {
    key.verify(Module::Billing, request).await
}

/// Verifies a reports token.
#[task(resource = "VerifyToken-reports", init = reports_key)]
pub async fn verify_reports(
    key: &SigningKey,
    request: TokenRequest,
) -> Result<Verdict, VerifyError> {
    key.verify(Module::Reports, request).await
}

/// Issues a new token for an expired one, unless the user is blocked (`mallory` is).
#[task(resource = "RefreshToken")]
pub async fn refresh_token(expired: Verdict) -> Result<Verdict, RefreshError> {
    if expired.user == "mallory" {
        return Err(RefreshError::UserBlocked(expired.user));
    }
    Ok(Verdict {
        status: Status::Success,
        token: format!("{}.{}.refreshed", expired.module.as_str(), expired.user),
        ..expired
    })
}

/// Checks a request's token with its module's verifier.
#[workflow(sample_input = r#"{
    "module": "billing",
    "token": "billing.alice.500.5439baecc7411d0a",
    "now": 1000
}"#)]
pub fn token_modules(request: TokenRequest) -> Result<Verdict, TokenError> {
    let verdict = match request.module {
        Module::Orders => verify_orders(request),
        Module::Users => verify_users(request),
        Module::Billing => verify_billing(request),
        Module::Reports => verify_reports(request),
    };
    match verdict.status {
        Status::Success => Ok(verdict),
        Status::Failure => Err(TokenError::TaskFailed),
        Status::Expired => Ok(refresh_token(verdict)),
    }
}
