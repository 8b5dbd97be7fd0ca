//! A polling loop with retry and catch, calling another workflow: the constructs beyond one
//! state type each.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use workflow_codegen::dsl::sleep;
use workflow_codegen::CaughtError;
use workflow_macros::{task, workflow};

/// A job to wait for.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Job {
    /// Its id.
    pub id: String,
    /// How many polls it takes to finish.
    pub polls_needed: u64,
}

/// What a poll reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Progress {
    /// Whether the job is done.
    pub done: bool,
    /// Polls so far.
    pub polls: u64,
}

/// The outcome of fetching the job's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Fetched {
    /// The result, or how it failed.
    pub result: String,
}

/// Errors of `fetch`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FetchError {
    /// The job's result is gone.
    Gone,
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the result expired")
    }
}

static POLLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Polls the job; done after `polls_needed` polls (counted process-wide).
#[task(resource = "poll")]
pub fn poll(job: Job) -> Progress {
    let polls = POLLS.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
    Progress {
        done: polls >= job.polls_needed,
        polls,
    }
}

/// Fetches the result; jobs whose id starts with `gone` have none.
#[task(resource = "fetch")]
pub fn fetch(job: Job) -> Result<Fetched, FetchError> {
    if job.id.starts_with("gone") {
        Err(FetchError::Gone)
    } else {
        Ok(Fetched {
            result: format!("result of {}", job.id),
        })
    }
}

/// Stands in for a result that could not be fetched.
#[task(resource = "fallback")]
pub fn fallback(error: CaughtError) -> Fetched {
    Fetched {
        result: format!("{}: {}", error.error, error.cause),
    }
}

/// Waits until the job is done.
#[workflow]
pub fn wait_for(job: Job) -> Job {
    loop {
        let progress = poll(job);
        if progress.done {
            break;
        }
        sleep(5);
    }
    job
}

/// Waits for the job (another workflow), then fetches its result, falling back on failure.
#[workflow]
pub fn polling(job: Job) -> Fetched {
    let finished = wait_for(job);
    #[retry(errors = ["States.Timeout"], max_attempts = 2)]
    #[catch(errors = [FetchError::Gone], handler = fallback)]
    let fetched = fetch(finished);
    fetched
}
