//! One module per subcommand, and the helpers they share: reading files, parsing JSON with a
//! position, and printing problems as `file:line:column: pointer: message`.

pub mod bench;
pub mod graph;
pub mod run;
pub mod validate;

use std::path::Path;
use std::process::ExitCode;
use workflow_core::{load, Diagnostic};

/// Why a command could not do its work (exit status 2); printed on stderr, one line per problem.
#[derive(Debug)]
pub struct Unusable(pub Vec<String>);

impl Unusable {
    /// One problem.
    pub fn new(message: impl Into<String>) -> Self {
        Unusable(vec![message.into()])
    }

    /// Prints the problems on stderr and gives status 2.
    pub fn report(&self) -> ExitCode {
        for line in &self.0 {
            eprintln!("{line}");
        }
        ExitCode::from(2)
    }
}

/// `file:line:column: pointer: message`, leaving out what the diagnostic does not know.
pub fn located(file: &str, d: &Diagnostic) -> String {
    match d.line {
        Some(_) => format!("{file}:{d}"),
        None => format!("{file}: {d}"),
    }
}

/// The text of a file, or why it cannot be read.
pub fn read_text(path: &Path) -> Result<String, Unusable> {
    std::fs::read_to_string(path)
        .map_err(|e| Unusable::new(format!("{}: cannot read the file: {e}", path.display())))
}

/// Parses JSON text; a syntax error names `label`, the line and the column.
pub fn parse_json<T: serde::de::DeserializeOwned>(label: &str, text: &str) -> Result<T, Unusable> {
    serde_json::from_str(text).map_err(|e| {
        let message = e.to_string();
        let message = message
            .rfind(" at line ")
            .map_or(message.as_str(), |i| &message[..i]);
        let what = if e.is_syntax() || e.is_eof() {
            "not valid JSON"
        } else {
            "not the expected JSON"
        };
        Unusable::new(format!(
            "{label}:{}:{}: {what}: {message}",
            e.line(),
            e.column().max(1)
        ))
    })
}

/// Reads and validates a definition file; any problem makes the command unusable.
pub fn load_definition(path: &Path) -> Result<workflow_core::asl::StateMachine, Unusable> {
    let text = read_text(path)?;
    let file = path.display().to_string();
    load(&text).map_err(|problems| {
        let mut lines: Vec<String> = problems.iter().map(|d| located(&file, d)).collect();
        if !lines.is_empty() && serde_json::from_str::<serde::de::IgnoredAny>(&text).is_ok() {
            lines.push(format!(
                "{file}: the definition does not validate ({} problem{})",
                problems.len(),
                if problems.len() == 1 { "" } else { "s" }
            ));
        }
        Unusable(lines)
    })
}
