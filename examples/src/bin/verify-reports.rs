//! The `verify_reports` task of the `token_modules` flow as an AWS Lambda function, the artifact
//! `emit-asl --format serverless` deploys for it:
//! `cargo lambda build --release --output-format zip -p examples --features lambda --bin verify-reports`.

fn main() -> Result<(), workflow_lambda::lambda::Error> {
    workflow_lambda::lambda::run_task::<examples::token_modules::verify_reports>()
}
