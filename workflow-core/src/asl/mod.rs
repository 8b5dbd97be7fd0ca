//! The Amazon States Language as serde types.
//!
//! The model mirrors the JSON document: every field of every state type, for both query
//! languages, is a field here. It accepts any combination of known fields and rejects unknown
//! ones (`deny_unknown_fields`); which combinations are legal (one of `Next`/`End`, fields of the
//! other query language, exactly one Choice operator, ...) is the validator's job, so that all
//! problems of a document are reported at once with their location.
//!
//! Serialization writes fields in the conventional order (`Type` first), so emitted documents
//! read like hand-written ones, and `parse -> serialize -> parse` is the identity.

mod choice;
mod fields;
mod map;
mod retry_catch;
mod states;

pub use choice::{ChoiceRule, Operator};
pub use fields::{IntOrExpr, NumberOrExpr};
pub use map::{
    ItemBatcher, ItemProcessor, ItemReader, ProcessorConfig, ProcessorMode, ResultWriter,
};
pub use retry_catch::{Catcher, JitterStrategy, Retrier};
pub use states::{
    Branch, ChoiceState, FailState, MapState, ParallelState, PassState, State, SucceedState,
    TaskState, WaitState,
};

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// The states of one scope (the machine, a Parallel branch or a Map processor), in document order.
pub type States = IndexMap<String, State>;

/// A whole state machine definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct StateMachine {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query_language: Option<QueryLanguage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u64>,
    pub start_at: String,
    pub states: States,
}

/// The language of paths and expressions in a state (`QueryLanguage`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum QueryLanguage {
    /// JSONPath: InputPath, Parameters, ResultSelector, ResultPath, OutputPath, `.$` keys.
    #[default]
    JSONPath,
    /// JSONata: Arguments, Output, Condition, Items, `{% %}` expressions.
    JSONata,
}

impl StateMachine {
    /// Parses a definition from JSON text (no validation beyond the shape of each field).
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// The definition as pretty JSON in the conventional field order.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).expect("the ASL model always serializes")
    }

    /// The query language states inherit unless they set their own.
    pub fn query_language(&self) -> QueryLanguage {
        self.query_language.unwrap_or_default()
    }

    /// Every state with its name, nested scopes (Parallel branches, Map processors) included:
    /// depth first, in document order.
    ///
    /// ```
    /// let m = workflow_core::asl::StateMachine::from_json(r#"{"StartAt": "P", "States": {
    ///   "P": {"Type": "Parallel", "Next": "Done", "Branches": [
    ///     {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}]},
    ///   "Done": {"Type": "Succeed"}}}"#).unwrap();
    /// let names: Vec<&str> = m.all_states().iter().map(|(n, _)| *n).collect();
    /// assert_eq!(names, ["P", "A", "Done"]);
    /// ```
    pub fn all_states(&self) -> Vec<(&str, &State)> {
        fn walk<'a>(states: &'a States, out: &mut Vec<(&'a str, &'a State)>) {
            for (name, state) in states {
                out.push((name.as_str(), state));
                match state {
                    State::Parallel(p) => p.branches.iter().for_each(|b| walk(&b.states, out)),
                    State::Map(m) => {
                        if let Some(p) = m.processor() {
                            walk(&p.states, out);
                        }
                    }
                    _ => {}
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.states, &mut out);
        out
    }
}
