//! Static checks of a definition: the service's create-time checks, and more.
//!
//! [`validate`] walks every scope (the machine, each Parallel branch, each Map processor) and
//! every state, and collects every problem as a [`Diagnostic`] with the JSON pointer of the
//! offending field. One module per concern:
//! - `structure`: StartAt, transition targets, Next/End, reachability, terminal states;
//! - `names`: state names;
//! - `fields`: the fields each state type needs or may combine, number ranges, and the
//!   fields of the other query language;
//! - `choice`: Choice rules;
//! - `wait`: Wait durations;
//! - `retry`: Retry and Catch;
//! - `paths`: JSONPath paths, intrinsic functions and literal timestamps;
//! - `expressions`: JSONata expressions;
//! - `result_writer`: a distributed Map's `ResultWriter`.
//!
//! ```
//! use workflow_core::{asl::StateMachine, validate};
//!
//! let machine = StateMachine::from_json(
//!     r#"{"StartAt": "W", "States": {
//!         "W": {"Type": "Wait", "Seconds": 1, "SecondsPath": "$.s", "End": true}}}"#,
//! )
//! .unwrap();
//! let problems = validate(&machine);
//! assert_eq!(problems.len(), 1);
//! assert_eq!(problems[0].pointer, "/States/W/SecondsPath");
//! assert!(problems[0].line.is_none()); // positions come from `load`, which reads the text
//! ```

mod choice;
mod expressions;
mod fields;
mod names;
mod paths;
mod result_writer;
mod retry;
mod structure;
mod wait;

pub use fields::MAX_SECONDS;

use crate::asl::{QueryLanguage, State, StateMachine, States};
use crate::source::push_token;
use std::fmt;

/// One problem in a definition: where, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// JSON pointer (RFC 6901) to the offending field, or to the object that lacks a field.
    pub pointer: String,
    /// 1-based line of that field's key, when the definition was read from text.
    pub line: Option<usize>,
    /// 1-based column of that field's key, when the definition was read from text.
    pub column: Option<usize>,
    /// What is wrong, and what is allowed.
    pub message: String,
}

impl Diagnostic {
    /// A diagnostic without a position.
    pub fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            pointer: pointer.into(),
            line: None,
            column: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    /// `line:column: pointer: message`; the position is left out when unknown, and the
    /// pointer when it is the whole document.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let (Some(line), Some(column)) = (self.line, self.column) {
            write!(f, "{line}:{column}: ")?;
        }
        if !self.pointer.is_empty() {
            write!(f, "{}: ", self.pointer)?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diagnostic {}

/// Checks a whole definition and returns every problem found (empty when it is valid).
/// A definition whose Parallel/Map states or Choice rules nest past the limits of
/// [`crate::limits`] gets that one diagnostic and no other check (they would recurse too deep).
pub fn validate(machine: &StateMachine) -> Vec<Diagnostic> {
    if let Some((pointer, message)) = crate::limits::definition_too_deep(machine) {
        return vec![Diagnostic::new(pointer, message)];
    }
    let mut cx = Checker::default();
    let language = machine.query_language();
    if let Some(t) = machine.timeout_seconds {
        if t == 0 || t > fields::MAX_SECONDS {
            cx.error(
                "/TimeoutSeconds",
                format!(
                    "`TimeoutSeconds` must be between 1 and {}",
                    fields::MAX_SECONDS
                ),
            );
        }
    }
    if let Some(v) = &machine.version {
        if v != "1.0" {
            cx.error("/Version", format!("`Version` must be \"1.0\", not {v:?}"));
        }
    }
    let scope = Scope {
        pointer: String::new(),
        kind: ScopeKind::Machine,
        start_at: &machine.start_at,
        states: &machine.states,
        language,
        machine_language: language,
        outer: Vec::new(),
    };
    names::check_unique(&mut cx, machine);
    check_scope(&mut cx, &scope);
    cx.diagnostics
}

/// The accumulator of diagnostics.
#[derive(Default)]
struct Checker {
    diagnostics: Vec<Diagnostic>,
}

impl Checker {
    fn error(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic::new(pointer, message));
    }
}

/// What kind of scope a set of states forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ScopeKind {
    Machine,
    Branch,
    Processor,
}

impl ScopeKind {
    fn describe(self) -> &'static str {
        match self {
            ScopeKind::Machine => "the state machine",
            ScopeKind::Branch => "this Parallel branch",
            ScopeKind::Processor => "this Map processor",
        }
    }
}

/// One scope: `StartAt` and `States`, and where it sits.
struct Scope<'a> {
    /// Pointer to the object holding `StartAt` and `States`.
    pointer: String,
    kind: ScopeKind,
    start_at: &'a str,
    states: &'a States,
    /// The language states of this scope inherit.
    language: QueryLanguage,
    /// The machine's top-level language.
    machine_language: QueryLanguage,
    /// State names of the enclosing scopes (for a better message on a transition out).
    outer: Vec<&'a str>,
}

/// One state, with what the checks need to know about its place.
struct StateCx<'a> {
    /// Pointer to the state object.
    pointer: String,
    name: &'a str,
    state: &'a State,
    /// The effective query language of the state.
    language: QueryLanguage,
}

impl StateCx<'_> {
    /// The pointer of a field of this state.
    fn at(&self, field: &str) -> String {
        format!("{}/{field}", self.pointer)
    }

    fn jsonata(&self) -> bool {
        self.language == QueryLanguage::JSONata
    }
}

fn check_scope(cx: &mut Checker, scope: &Scope<'_>) {
    structure::check_scope(cx, scope);
    for (name, state) in scope.states {
        let mut pointer = format!("{}/States", scope.pointer);
        push_token(&mut pointer, name);
        let own = state.query_language();
        if own == Some(QueryLanguage::JSONPath) && scope.machine_language == QueryLanguage::JSONata
        {
            cx.error(
                format!("{pointer}/QueryLanguage"),
                "a state cannot use `JSONPath` when the state machine's `QueryLanguage` is `JSONata`",
            );
        }
        let st = StateCx {
            pointer,
            name,
            state,
            language: own.unwrap_or(scope.language),
        };
        names::check_state(cx, &st);
        structure::check_state(cx, scope, &st);
        fields::check_state(cx, &st);
        choice::check_state(cx, &st);
        wait::check_state(cx, &st);
        retry::check_state(cx, &st);
        paths::check_state(cx, &st);
        result_writer::check_state(cx, &st);
        expressions::check_state(cx, &st);
        check_children(cx, scope, &st);
    }
}

/// Recurses into the branches of a Parallel state and the processor of a Map state.
fn check_children(cx: &mut Checker, scope: &Scope<'_>, st: &StateCx<'_>) {
    let mut outer = scope.outer.clone();
    outer.extend(scope.states.keys().map(String::as_str));
    let inner = |pointer: String, kind, start_at, states, language: Option<QueryLanguage>| Scope {
        pointer,
        kind,
        start_at,
        states,
        language: language.unwrap_or(scope.language),
        machine_language: scope.machine_language,
        outer: outer.clone(),
    };
    match st.state {
        State::Parallel(p) => {
            for (i, b) in p.branches.iter().enumerate() {
                let pointer = st.at(&format!("Branches/{i}"));
                check_scope_language(cx, scope, &pointer, b.query_language);
                let s = inner(
                    pointer,
                    ScopeKind::Branch,
                    &b.start_at,
                    &b.states,
                    b.query_language,
                );
                check_scope(cx, &s);
            }
        }
        State::Map(m) => {
            for (field, processor) in [
                ("ItemProcessor", &m.item_processor),
                ("Iterator", &m.iterator),
            ] {
                if let Some(p) = processor {
                    let pointer = st.at(field);
                    check_scope_language(cx, scope, &pointer, p.query_language);
                    let s = inner(
                        pointer,
                        ScopeKind::Processor,
                        &p.start_at,
                        &p.states,
                        p.query_language,
                    );
                    check_scope(cx, &s);
                }
            }
        }
        _ => {}
    }
}

fn check_scope_language(
    cx: &mut Checker,
    scope: &Scope<'_>,
    pointer: &str,
    language: Option<QueryLanguage>,
) {
    if language == Some(QueryLanguage::JSONPath) && scope.machine_language == QueryLanguage::JSONata
    {
        cx.error(
            format!("{pointer}/QueryLanguage"),
            "a branch or processor cannot use `JSONPath` when the state machine's `QueryLanguage` is `JSONata`",
        );
    }
}

/// Whether a string is a JSONata expression `{% ... %}` (no space around the delimiters, as
/// the service reads them).
fn is_jsonata(s: &str) -> bool {
    crate::jsonata::strip_delimiters(s).is_some()
}

#[cfg(test)]
mod tests;
