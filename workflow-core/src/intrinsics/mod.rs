//! Intrinsic functions of JSONPath-mode payload templates: `States.Format('x {}', $.a)`,
//! `States.ArrayRange(1, 9, 2)`, nested calls, the spec's escaping.
//!
//! The module is generic over the path type `P`, so it does not depend on a particular JSONPath
//! implementation: [`Call::parse`] hands each path argument's text to the caller's `compile_path`,
//! and [`Call::evaluate`] asks the caller's `resolve` for each path's value. A call is parsed once
//! and evaluated many times without re-parsing.
//!
//! ```
//! use workflow_core::intrinsics::Call;
//! use workflow_core::val;
//!
//! // A toy path type: the text after `$.`, one object key.
//! let mut compile = |text: &str| -> Result<String, String> {
//!     text.strip_prefix("$.").map(str::to_owned).ok_or_else(|| "expected `$.key`".to_owned())
//! };
//! let call = Call::parse("States.Format('Hello, {}!', $.name)", &mut compile).unwrap();
//! let input = val!({"name": "Arnav"});
//! let out = call.evaluate(&|key: &String| Ok(input.get(key).cloned().unwrap_or_default())).unwrap();
//! assert_eq!(out, val!("Hello, Arnav!"));
//! ```

mod functions;
mod parse;
mod random;
mod text;

#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::fmt;

use crate::value::Val;

use crate::error::StatesError;

/// Calls may nest this deep (the outermost call is level 1). The service documents a limit of
/// 10 nested intrinsic functions per field; the limit also keeps recursion bounded.
pub const MAX_NESTING: usize = 10;

/// An argument of an intrinsic call.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg<P> {
    /// A literal: `'text'` (escapes resolved), a number, `true`, `false` or `null`.
    Literal(Val),
    /// A path (`$.a`, `$$.Execution.Input`, `$var`), compiled by the caller.
    Path(P),
    /// A nested call.
    Call(Box<Call<P>>),
}

/// A parsed intrinsic call: the function, its arguments, and for `States.Format` with a literal
/// template, the template already split at its `{}` placeholders.
#[derive(Debug, Clone, PartialEq)]
pub struct Call<P> {
    function: Function,
    args: Vec<Arg<P>>,
    /// `States.Format` with a literal first argument: the text between placeholders. Escaped
    /// braces (`\{`, `\}`) are part of the text, never placeholders.
    template: Option<Vec<String>>,
}

impl<P> Call<P> {
    /// Parses `States.Name(arg, ...)`. Arguments are literals (`'text'` with the escapes `\'`,
    /// `\{`, `\}`, `\\` and no others; numbers; `true`; `false`; `null`), paths (their text is handed to
    /// `compile_path`) and nested calls. An unknown function, a wrong number of arguments, or a
    /// literal `States.Format` template whose `{}` placeholders do not match the arguments or
    /// that holds an unescaped `{` or `}` outside a placeholder is an error that says what and
    /// at which character.
    pub fn parse(
        text: &str,
        compile_path: &mut dyn FnMut(&str) -> Result<P, String>,
    ) -> Result<Self, IntrinsicParseError> {
        parse::parse(text, compile_path)
    }

    /// Evaluates the call; `resolve` gives the value of each path argument. Bad argument types
    /// or values give `States.Runtime` with a cause starting `Invalid arguments in States.Xxx`,
    /// as the service reports them (the specification's `States.IntrinsicFailure` is not what
    /// executions show); errors from `resolve` pass through unchanged.
    pub fn evaluate(
        &self,
        resolve: &dyn Fn(&P) -> Result<Val, StatesError>,
    ) -> Result<Val, StatesError> {
        self.evaluate_borrowed(&|p| resolve(p).map(Cow::Owned))
    }

    /// Like [`evaluate`](Self::evaluate), but `resolve` may lend the values it finds instead
    /// of copying them (`States.ArrayLength($.items)` then reads the array where it is).
    pub fn evaluate_borrowed<'v>(
        &self,
        resolve: &dyn Fn(&P) -> Result<Cow<'v, Val>, StatesError>,
    ) -> Result<Val, StatesError> {
        let mut args = functions::Args::new();
        for arg in &self.args {
            // Matched here rather than through `Arg::evaluate`'s `Result`: moving a
            // `Result<Cow<Val>, _>` through `?` compiled to overlapping partial copies that
            // stalled on store forwarding (perf annotate).
            match arg {
                Arg::Literal(value) => args.push(Cow::Borrowed(value)),
                Arg::Path(path) => args.push(resolve(path)?),
                Arg::Call(call) => args.push(Cow::Owned(call.evaluate_borrowed(resolve)?)),
            }
        }
        functions::apply(self.function, self.template.as_deref(), &mut args)
    }

    /// Every path argument, nested calls included, in text order.
    pub fn paths(&self) -> Vec<&P> {
        let mut out = Vec::new();
        self.collect_paths(&mut out);
        out
    }

    /// The function called.
    pub fn function(&self) -> Function {
        self.function
    }

    /// The arguments, in order.
    pub fn args(&self) -> &[Arg<P>] {
        &self.args
    }

    fn collect_paths<'s>(&'s self, out: &mut Vec<&'s P>) {
        for arg in &self.args {
            match arg {
                Arg::Path(path) => out.push(path),
                Arg::Call(call) => call.collect_paths(out),
                Arg::Literal(_) => {}
            }
        }
    }
}

/// True when `text` starts like an intrinsic call (`States.Xxx(`), so a `.$` value should be
/// parsed with [`Call::parse`] rather than as a path. Leading whitespace is ignored.
pub fn looks_like_call(text: &str) -> bool {
    let Some(rest) = text.trim_start().strip_prefix("States.") else {
        return false;
    };
    let name_len = rest
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric())
        .count();
    name_len > 0 && rest[name_len..].trim_start().starts_with('(')
}

/// A syntax error in an intrinsic call: what is wrong, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntrinsicParseError {
    /// What is wrong, e.g. "unknown intrinsic function `States.Foo`".
    pub message: String,
    /// 1-based position, in characters, in the call's text.
    pub position: usize,
}

impl fmt::Display for IntrinsicParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at character {})", self.message, self.position)
    }
}

impl std::error::Error for IntrinsicParseError {}

/// The intrinsic functions of the States Language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Function {
    /// `States.Format(template, args...)`
    Format,
    /// `States.StringToJson(string)`
    StringToJson,
    /// `States.JsonToString(value)`
    JsonToString,
    /// `States.Array(values...)`
    Array,
    /// `States.ArrayPartition(array, chunkSize)`
    ArrayPartition,
    /// `States.ArrayContains(array, value)`
    ArrayContains,
    /// `States.ArrayRange(start, end, step)`
    ArrayRange,
    /// `States.ArrayGetItem(array, index)`
    ArrayGetItem,
    /// `States.ArrayLength(array)`
    ArrayLength,
    /// `States.ArrayUnique(array)`
    ArrayUnique,
    /// `States.Base64Encode(string)`
    Base64Encode,
    /// `States.Base64Decode(string)`
    Base64Decode,
    /// `States.Hash(data, algorithm)`
    Hash,
    /// `States.JsonMerge(object, object, false)`
    JsonMerge,
    /// `States.MathRandom(start, end[, seed])`
    MathRandom,
    /// `States.MathAdd(a, b)`
    MathAdd,
    /// `States.StringSplit(string, delimiters)`
    StringSplit,
    /// `States.UUID()`
    Uuid,
}

impl Function {
    /// Every function, in the order of the service's documentation.
    pub const ALL: [Function; 18] = [
        Function::Format,
        Function::StringToJson,
        Function::JsonToString,
        Function::Array,
        Function::ArrayPartition,
        Function::ArrayContains,
        Function::ArrayRange,
        Function::ArrayGetItem,
        Function::ArrayLength,
        Function::ArrayUnique,
        Function::Base64Encode,
        Function::Base64Decode,
        Function::Hash,
        Function::JsonMerge,
        Function::MathRandom,
        Function::MathAdd,
        Function::StringSplit,
        Function::Uuid,
    ];

    /// The name as written in a definition, e.g. `States.Format`.
    pub fn name(self) -> &'static str {
        match self {
            Function::Format => "States.Format",
            Function::StringToJson => "States.StringToJson",
            Function::JsonToString => "States.JsonToString",
            Function::Array => "States.Array",
            Function::ArrayPartition => "States.ArrayPartition",
            Function::ArrayContains => "States.ArrayContains",
            Function::ArrayRange => "States.ArrayRange",
            Function::ArrayGetItem => "States.ArrayGetItem",
            Function::ArrayLength => "States.ArrayLength",
            Function::ArrayUnique => "States.ArrayUnique",
            Function::Base64Encode => "States.Base64Encode",
            Function::Base64Decode => "States.Base64Decode",
            Function::Hash => "States.Hash",
            Function::JsonMerge => "States.JsonMerge",
            Function::MathRandom => "States.MathRandom",
            Function::MathAdd => "States.MathAdd",
            Function::StringSplit => "States.StringSplit",
            Function::Uuid => "States.UUID",
        }
    }

    /// The function with this exact (case-sensitive) name.
    pub fn from_name(name: &str) -> Option<Function> {
        Function::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The accepted number of arguments: minimum and, when bounded, maximum.
    pub fn arity(self) -> (usize, Option<usize>) {
        match self {
            Function::Format => (1, None),
            Function::Array => (0, None),
            Function::Uuid => (0, Some(0)),
            Function::StringToJson
            | Function::JsonToString
            | Function::ArrayLength
            | Function::ArrayUnique
            | Function::Base64Encode
            | Function::Base64Decode => (1, Some(1)),
            Function::ArrayPartition
            | Function::ArrayContains
            | Function::ArrayGetItem
            | Function::Hash
            | Function::MathAdd
            | Function::StringSplit => (2, Some(2)),
            Function::MathRandom => (2, Some(3)),
            Function::ArrayRange | Function::JsonMerge => (3, Some(3)),
        }
    }
}

impl fmt::Display for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
