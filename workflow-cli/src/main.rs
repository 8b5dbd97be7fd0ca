//! `workflow`: validate, run and draw any ASL document.
//!
//! Each subcommand lives in its own module under `commands/` with an `Args` struct (clap
//! derive) and a `run(args) -> ExitCode`; `main` only dispatches.

mod allocator;
mod commands;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Work with Amazon States Language state machines.
#[derive(Parser)]
#[command(name = "workflow", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check ASL files as the service does on create, and report every problem with its place.
    Validate(commands::validate::Args),
    /// Run a definition in-process and print its output (mocks answer its Task states).
    Run(commands::run::Args),
    /// Draw the states of a definition as a Mermaid or Graphviz diagram.
    Graph(commands::graph::Args),
    /// Run the performance workloads, each in its own process, and print one line per workload.
    Bench(commands::bench::Args),
}

fn main() -> ExitCode {
    allocator::keep_freed_memory_a_while();
    // clap exits with status 2 on a usage error, 0 for --help and --version.
    match Cli::parse().command {
        Command::Validate(args) => commands::validate::run(&args),
        Command::Run(args) => commands::run::run(&args),
        Command::Graph(args) => commands::graph::run(&args),
        Command::Bench(args) => commands::bench::run(&args),
    }
}
