//! Errors as the service names them.

use std::fmt;

/// A runtime error of an execution: an ASL error name (`States.TaskFailed`, `States.Runtime`,
/// a task's own name, ...) and a human-readable cause. Retry and Catch match on `error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatesError {
    /// The error name, matched by `ErrorEquals`.
    pub error: String,
    /// The cause, free text (often JSON for Lambda errors).
    pub cause: String,
}

impl StatesError {
    /// An error with the given name and cause.
    pub fn new(error: impl Into<String>, cause: impl Into<String>) -> Self {
        StatesError {
            error: error.into(),
            cause: cause.into(),
        }
    }

    /// `States.Runtime`: a path that does not resolve, a value of the wrong type, ...
    pub fn runtime(cause: impl Into<String>) -> Self {
        Self::new(names::RUNTIME, cause)
    }
}

impl fmt::Display for StatesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.error, self.cause)
    }
}

impl std::error::Error for StatesError {}

/// The predefined error names of the States Language.
pub mod names {
    /// Matches any error name (except States.DataLimitExceeded and States.Runtime in Retry).
    pub const ALL: &str = "States.ALL";
    pub const TASK_FAILED: &str = "States.TaskFailed";
    pub const TIMEOUT: &str = "States.Timeout";
    pub const HEARTBEAT_TIMEOUT: &str = "States.HeartbeatTimeout";
    pub const RUNTIME: &str = "States.Runtime";
    pub const INTRINSIC_FAILURE: &str = "States.IntrinsicFailure";
    pub const DATA_LIMIT_EXCEEDED: &str = "States.DataLimitExceeded";
    pub const NO_CHOICE_MATCHED: &str = "States.NoChoiceMatched";
    pub const BRANCH_FAILED: &str = "States.BranchFailed";
    pub const PERMISSIONS: &str = "States.Permissions";
    pub const RESULT_PATH_MATCH_FAILURE: &str = "States.ResultPathMatchFailure";
    /// What executions report when a ResultPath meets a value that is not an object (or an
    /// array without that index), rather than the spec's `States.ResultPathMatchFailure`.
    pub const REFERENCE_PATH_CONFLICT: &str = "States.ReferencePathConflict";
    pub const PARAMETER_PATH_FAILURE: &str = "States.ParameterPathFailure";
    pub const ITEM_READER_FAILED: &str = "States.ItemReaderFailed";
    pub const RESULT_WRITER_FAILED: &str = "States.ResultWriterFailed";
    pub const EXCEED_TOLERATED_FAILURE_THRESHOLD: &str = "States.ExceedToleratedFailureThreshold";
    pub const QUERY_EVALUATION_ERROR: &str = "States.QueryEvaluationError";
}
