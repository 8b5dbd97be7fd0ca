//! The `initial_function` task of the `token_flow` flow as an AWS Lambda function, the artifact
//! `emit-asl --format serverless` deploys for it:
//! `cargo lambda build --release --output-format zip -p examples --features lambda --bin initial-function`.

fn main() -> Result<(), workflow_lambda::lambda::Error> {
    workflow_lambda::lambda::run_task::<examples::token_flow::initial_function>()
}
