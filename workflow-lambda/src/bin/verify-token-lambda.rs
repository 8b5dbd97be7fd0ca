//! One module's token verifier as an AWS Lambda function (`cargo lambda build --features lambda
//! --bin verify-token-lambda`); the module comes from `TOKEN_MODULE` (default `orders`).

// Shared with the load example and the tests, each of which uses a different part of it.
#[allow(dead_code)]
#[path = "../../demo/token.rs"]
mod token;

fn main() -> Result<(), workflow_lambda::lambda::Error> {
    let module = std::env::var("TOKEN_MODULE").unwrap_or_else(|_| "orders".to_owned());
    workflow_lambda::lambda::run(token::VerifyToken::new(&module))
}
