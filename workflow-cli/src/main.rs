//! `workflow`: validate, run and draw any ASL document.
//!
//! Each subcommand lives in its own module under `commands/` with an `Args` struct (clap
//! derive) and a `run(args) -> ExitCode`; `main` only dispatches.

mod commands;

/// mimalloc instead of the system allocator: executions allocate and free many small JSON
/// values, where glibc's malloc spent a third of the time of `workflow bench` (see
/// docs/performance.md). Its 2.x line without transparent huge pages (the workspace's
/// `v2` and `no_thp` features): as fast as 3.x here, with a third less peak memory.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    // clap exits with status 2 on a usage error, 0 for --help and --version.
    match Cli::parse().command {
        Command::Validate(args) => commands::validate::run(&args),
        Command::Run(args) => commands::run::run(&args),
        Command::Graph(args) => commands::graph::run(&args),
        Command::Bench(args) => commands::bench::run(&args),
    }
}
