//! `workflow validate FILE...`: every problem of every file, as text or JSON.
//!
//! Text: one `file:line:column: pointer: message` line per problem and `ok FILE` for a clean
//! file. JSON (`--format json`): an array of `{file, pointer, line, column, message}`.
//! Exit status: 0 when every file is clean, 1 when a file has problems, 2 when a file cannot be
//! read or is not JSON (the highest status of all files wins; every file is still checked).
//! Results (problems and `ok` lines, or the JSON array) go to stdout; a file that could not be
//! checked at all (status 2) is reported on stderr, in both formats, as the other commands do.

use clap::ValueEnum;
use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use workflow_core::{load, Diagnostic};

/// Arguments of `workflow validate`.
#[derive(clap::Args)]
pub struct Args {
    /// ASL files to check.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// How problems are printed.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// `file:line:column: pointer: message` lines, and `ok FILE` for clean files.
    Text,
    /// A JSON array of `{file, pointer, line, column, message}`.
    Json,
}

/// The outcome of one file.
enum Outcome {
    Clean,
    /// The definition has problems (status 1).
    Invalid(Vec<Diagnostic>),
    /// The file cannot be read or is not JSON (status 2).
    Unusable(Diagnostic),
}

impl Outcome {
    fn status(&self) -> u8 {
        match self {
            Outcome::Clean => 0,
            Outcome::Invalid(_) => 1,
            Outcome::Unusable(_) => 2,
        }
    }
}

fn check(path: &PathBuf) -> Outcome {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => {
            return Outcome::Unusable(Diagnostic::new("", format!("cannot read the file: {e}")))
        }
    };
    let is_json = serde_json::from_str::<serde::de::IgnoredAny>(&text).is_ok();
    match load(&text) {
        Ok(_) => Outcome::Clean,
        // `load` reports a syntax error as its only diagnostic, with line and column.
        Err(mut problems) if !is_json && problems.len() == 1 => {
            Outcome::Unusable(problems.remove(0))
        }
        Err(problems) => Outcome::Invalid(problems),
    }
}

/// Runs the subcommand.
pub fn run(args: &Args) -> ExitCode {
    let outcomes: Vec<(&PathBuf, Outcome)> = args.files.iter().map(|f| (f, check(f))).collect();
    let status = outcomes.iter().map(|(_, o)| o.status()).max().unwrap_or(0);
    let mut err = std::io::stderr().lock();
    for (path, outcome) in &outcomes {
        if let Outcome::Unusable(d) = outcome {
            // Nothing more to do if stderr is gone: the status still says it.
            let _ = write_diagnostic(&mut err, path, d);
        }
    }
    let mut out = std::io::stdout().lock();
    let written = match args.format {
        Format::Text => write_text(&mut out, &outcomes),
        Format::Json => write_json(&mut out, &outcomes),
    };
    if written.and_then(|()| out.flush()).is_err() {
        return ExitCode::from(2);
    }
    ExitCode::from(status)
}

/// The problems a file's result lists (none for a file that could not be checked).
fn problems(outcome: &Outcome) -> &[Diagnostic] {
    match outcome {
        Outcome::Clean | Outcome::Unusable(_) => &[],
        Outcome::Invalid(ds) => ds,
    }
}

fn write_text(out: &mut impl Write, outcomes: &[(&PathBuf, Outcome)]) -> std::io::Result<()> {
    for (path, outcome) in outcomes {
        if let Outcome::Clean = outcome {
            writeln!(out, "ok {}", path.display())?;
        }
        for d in problems(outcome) {
            write_diagnostic(out, path, d)?;
        }
    }
    Ok(())
}

/// `file:line:column: pointer: message` (line and column when known, pointer when not empty).
fn write_diagnostic(out: &mut impl Write, path: &Path, d: &Diagnostic) -> std::io::Result<()> {
    let file = path.display();
    match (d.line, d.column) {
        (Some(line), Some(column)) => write!(out, "{file}:{line}:{column}: ")?,
        _ => write!(out, "{file}: ")?,
    }
    if d.pointer.is_empty() {
        writeln!(out, "{}", d.message)
    } else {
        writeln!(out, "{}: {}", d.pointer, d.message)
    }
}

fn write_json(out: &mut impl Write, outcomes: &[(&PathBuf, Outcome)]) -> std::io::Result<()> {
    let items: Vec<Value> = outcomes
        .iter()
        .flat_map(|(path, outcome)| {
            problems(outcome).iter().map(move |d| {
                json!({
                    "file": path.display().to_string(),
                    "pointer": d.pointer,
                    "line": d.line,
                    "column": d.column,
                    "message": d.message,
                })
            })
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &Value::Array(items))?;
    writeln!(out)
}
