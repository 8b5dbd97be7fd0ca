//! `workflow graph FILE --format mermaid|dot`: a diagram of the states on stdout.
//!
//! The definition must validate (status 2 otherwise, with every problem on stderr).

use super::{load_definition, Unusable};
use clap::ValueEnum;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use workflow_codegen::diagram;

/// Arguments of `workflow graph`.
#[derive(clap::Args)]
pub struct Args {
    /// The ASL definition to draw.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// The diagram language.
    #[arg(long, value_enum, default_value_t = Format::Mermaid)]
    format: Format,
}

/// A diagram language.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// A Mermaid flowchart (renders in GitHub and GitLab Markdown).
    Mermaid,
    /// A Graphviz digraph (`dot -Tsvg`).
    Dot,
}

/// Runs the subcommand.
pub fn run(args: &Args) -> ExitCode {
    let definition = match load_definition(&args.file) {
        Ok(d) => d,
        Err(e) => return e.report(),
    };
    let text = match args.format {
        Format::Mermaid => diagram::mermaid(&definition),
        Format::Dot => diagram::dot(&definition),
    };
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => Unusable::new(format!("cannot write the diagram: {e}")).report(),
    }
}
