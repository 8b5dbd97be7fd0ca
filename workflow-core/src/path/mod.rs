//! The service's JSONPath dialect: paths (`InputPath`, `OutputPath`, `.$` values, ...), ResultPath
//! and payload templates.
//!
//! Step Functions evaluates JSONPath with Jayway JsonPath semantics, not RFC 9535. What that means
//! here, as the recorded executions show it:
//! - a *definite* path (only names and single indexes) selects one node, and a node that does not
//!   exist is an error (`States.Runtime`, "Invalid path '$.x' : No results for path: $['x']");
//! - an *indefinite* path (`[*]`, `..`, slices, unions, filters) selects an array of matches, and
//!   matches nothing rather than failing (`$.items[*]` on `{}` is `[]`);
//! - a union of names as the last segment (`$['a','b']`) is definite and yields an object holding
//!   the names that exist;
//! - functions such as `length()` are accepted by the parser but never match (the service reports
//!   "could not be found");
//! - a filter `[?( )]` tests the objects of an array (the service's `@` never matches scalars),
//!   or an object itself; it compares `@...` and `$...` paths with strings, numbers, booleans and
//!   `null` (`==` reads a string as the number it spells, a missing operand equals nothing), and
//!   combines tests with `&&`, `||`, `!` and parentheses; regular expressions are refused;
//! - quoted names keep their backslashes (`$['a\"b']` names the key `a\"b`); a backslash only
//!   stops the next character from closing the quote.
//!
//! Paths are parsed once into segments; [`JsonPath::select`] walks borrowed values and clones
//! only when the result is a new array or object.
//!
//! ```
//! use workflow_core::val;
//! use workflow_core::path::{JsonPath, Scope};
//!
//! let input = val!({"items": [{"price": 5}, {"price": 12}]});
//! let cheap = JsonPath::parse("$.items[?(@.price < 10)]").unwrap();
//! assert_eq!(*cheap.select(&Scope::new(&input)).unwrap(), val!([{"price": 5}]));
//! ```

mod filter;
mod parse;
mod result_path;
mod select;
mod template;

pub use result_path::{put_result_path, set_result_path, REFERENCE_PATH_CONFLICT};
pub use template::{Template, TemplateError};

use crate::error::StatesError;
use crate::value::{Key, Object, Val};
use smallvec::SmallVec;
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

/// The workflow variables that `$name` paths read (JSONPath-mode `Assign`).
pub trait Variables {
    /// The value of variable `name` (without the `$`), if it is defined.
    fn get(&self, name: &str) -> Option<&Val>;
}

impl Variables for Object {
    fn get(&self, name: &str) -> Option<&Val> {
        Object::get(self, name)
    }
}

impl Variables for HashMap<String, Val> {
    fn get(&self, name: &str) -> Option<&Val> {
        HashMap::get(self, name)
    }
}

/// What a path is evaluated against: the state's data (`$`), the context object (`$$`) and the
/// variables in scope (`$name`).
#[derive(Clone, Copy)]
pub struct Scope<'a> {
    /// The value `$` denotes.
    pub input: &'a Val,
    /// The context object `$$` denotes; `None` when it was not built (referencing it is an error).
    pub context: Option<&'a Val>,
    /// The variables `$name` reads; `None` when there are none.
    pub variables: Option<&'a dyn Variables>,
}

impl<'a> Scope<'a> {
    /// A scope with only an input: no context object and no variables.
    pub fn new(input: &'a Val) -> Self {
        Scope {
            input,
            context: None,
            variables: None,
        }
    }

    /// The same scope with a context object.
    pub fn with_context(self, context: &'a Val) -> Self {
        Scope {
            context: Some(context),
            ..self
        }
    }

    /// The same scope with variables.
    pub fn with_variables(self, variables: &'a dyn Variables) -> Self {
        Scope {
            variables: Some(variables),
            ..self
        }
    }
}

impl fmt::Debug for Scope<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scope")
            .field("input", self.input)
            .field("context", &self.context)
            .field("variables", &self.variables.map(|_| ".."))
            .finish()
    }
}

/// A path that does not parse: what is wrong and at which character (1-based) of the text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid JSONPath {}: {message} at character {position}",
    crate::source::quote_excerpt(.text, *.position, "`", "`")
)]
pub struct PathError {
    /// The path text as given.
    pub text: String,
    /// The 1-based character position of the problem.
    pub position: usize,
    /// What is wrong, naming what is allowed.
    pub message: String,
}

/// What a path starts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Root {
    /// `$`: the state's data.
    Input,
    /// `$$`: the context object.
    Context,
    /// `$name`: a variable.
    Variable(Box<str>),
    /// `@`: the candidate of a filter (only inside `[?( )]`).
    Current,
}

/// A segment that selects at most one node: what a definite path is made of.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Step {
    /// `.name` or `['name']`.
    Name(Key),
    /// `[3]` or `[-1]` (counted from the end).
    Index(i64),
    /// `['a','b']` as the last segment: an object with those of the names that exist.
    Merge(Vec<Box<str>>),
    /// `.length()` and other functions, which the service accepts but never matches.
    Function(Box<str>),
}

/// One segment of a path.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Segment {
    /// A segment that selects at most one node per input node.
    Step(Step),
    /// `['a','b']` before the last segment: each of the names that exist.
    Names(Vec<Box<str>>),
    /// `[0,2,-1]`: each index in the given order.
    Indexes(Vec<i64>),
    /// `[start:end:step]`, Python-style.
    Slice(Slice),
    /// `.*` or `[*]`: every member of an object or element of an array.
    Wildcard,
    /// `..`: the node and all its descendant objects and arrays (the next segment applies to each).
    Descend,
    /// `[?( )]`: the array elements (or the object itself) for which the filter holds.
    Filter(Box<filter::Expr>),
}

/// `[start:end:step]`; `None` parts take their defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Slice {
    pub start: Option<i64>,
    pub end: Option<i64>,
    pub step: Option<i64>,
}

/// The parsed segments, split by whether the path selects one node or a list.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Body {
    /// Only [`Step`]s: selects one node or fails. One step is kept in place: `$.name`, the
    /// commonest path, then reads its name without a cold load from a separate allocation
    /// (perf annotate: that load was two fifths of pass-chain-1000's template time).
    Definite(SmallVec<[Step; 1]>),
    /// At least one indefinite segment: selects an array of matches.
    Indefinite(Vec<Segment>),
}

/// A parsed path of the service's dialect: `$`, `$.a.b`, `$['a b']`, `$.a[0]`, `$.a[*]`,
/// `$.a[1:3]`, `$..a`, `$.a[?(@.x > 1)]`, `$$.Execution.Input`, `$var.x`.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonPath {
    text: Box<str>,
    root: Root,
    body: Body,
}

impl JsonPath {
    /// Parses a path; the error says what is wrong and where.
    pub fn parse(text: &str) -> Result<JsonPath, PathError> {
        parse::parse(text)
    }

    /// Whether this is a reference path: it identifies a single node using only names and
    /// indexes (no `*`, `..`, unions, slices, filters or functions). ResultPath, ItemsPath and
    /// the Choice `Variable` require one.
    pub fn is_reference(&self) -> bool {
        match &self.body {
            Body::Definite(steps) => steps
                .iter()
                .all(|s| matches!(s, Step::Name(_) | Step::Index(_))),
            Body::Indefinite(_) => false,
        }
    }

    /// Whether the path selects one node (`true`) or an array of matches (`false`).
    pub fn is_definite(&self) -> bool {
        matches!(self.body, Body::Definite(_))
    }

    /// Whether the path reads the context object (starts with `$$`).
    pub fn references_context(&self) -> bool {
        self.root == Root::Context
    }

    /// The variable the path reads (`x` for `$x.a`), if it starts with one.
    pub fn variable(&self) -> Option<&str> {
        match &self.root {
            Root::Variable(name) => Some(name),
            _ => None,
        }
    }

    /// Whether the path is exactly `$` (the whole input).
    pub fn is_root(&self) -> bool {
        self.root == Root::Input && self.body == Body::Definite(SmallVec::new())
    }

    /// The path text as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Selects the node (definite path) or the array of matches (indefinite path). A definite
    /// path whose node does not exist is `States.Runtime`, with the service's wording:
    /// `Invalid path '$.a' : No results for path: $['a']`.
    pub fn select<'a>(&self, scope: &Scope<'a>) -> Result<Cow<'a, Val>, StatesError> {
        let root = self.root_value(scope)?;
        self.eval(root).map_err(|miss| {
            StatesError::runtime(format!(
                "Invalid path '{}' : {}",
                self.text,
                self.describe(&miss)
            ))
        })
    }

    /// Like [`select`](Self::select), but `None` when the node does not exist (or the context
    /// object or variable the path starts from is missing). Used by `IsPresent`.
    pub fn try_select<'a>(&self, scope: &Scope<'a>) -> Option<Cow<'a, Val>> {
        let root = self.root_value(scope).ok()?;
        self.eval(root).ok()
    }

    /// The value the path starts from. The input, by far the commonest root, is inlined into
    /// every caller; the other roots (and their errors) are a call.
    #[inline(always)]
    fn root_value<'a>(&self, scope: &Scope<'a>) -> Result<&'a Val, StatesError> {
        match &self.root {
            Root::Input | Root::Current => Ok(scope.input),
            _ => self.other_root_value(scope),
        }
    }

    /// [`root_value`](Self::root_value) of a path from the context object or a variable.
    #[inline(never)]
    fn other_root_value<'a>(&self, scope: &Scope<'a>) -> Result<&'a Val, StatesError> {
        match &self.root {
            Root::Input | Root::Current => Ok(scope.input),
            Root::Context => scope.context.ok_or_else(|| {
                StatesError::runtime(format!(
                    "Invalid path '{}' : the context object is not available here",
                    self.text
                ))
            }),
            Root::Variable(name) => {
                scope
                    .variables
                    .and_then(|vars| vars.get(name))
                    .ok_or_else(|| {
                        StatesError::runtime(format!(
                            "Invalid path '{}' : the variable '{}' is not defined",
                            self.text, name
                        ))
                    })
            }
        }
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::str::FromStr for JsonPath {
    type Err = PathError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        JsonPath::parse(s)
    }
}
