// An unreachable state and a loop without an exit, both reported in one build.
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use workflow_macros::{task, workflow};

#[derive(Serialize, Deserialize, JsonSchema)]
pub struct Job { pub id: String }

#[task]
fn poll(job: Job) -> bool { job.id.is_empty() }

#[workflow]
fn finished(job: Job) -> Job {
    return job;
    poll(job);
}

#[workflow]
fn forever(job: Job) -> Job {
    loop {
        poll(job);
        sleep(10);
    }
}

fn main() {}
