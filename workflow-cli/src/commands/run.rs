//! `workflow run FILE`: runs a definition in-process and prints its output.
//!
//! Stdout gets the output JSON, or `{"Error": ..., "Cause": ...}` when the execution does not
//! succeed (status 1, for FAILED, TIMED_OUT and ABORTED alike). Stderr gets the history
//! (`--history`, one JSON event per line), progress when it is a terminal, and every reason the
//! run could not start (status 2): usage, unreadable files, text that is not JSON, a definition
//! that does not validate, a mock test case that does not exist, a Task nobody answers.

use super::{load_definition, parse_json, read_text, Unusable};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use workflow_core::asl::{State, StateMachine};
use workflow_core::run::{
    block_on, Execution, Machine, MockCase, MockConfig, Progress, RunOptions, Runner, Status,
};
use workflow_core::task::{sync_handler_fn, TaskRegistry};
use workflow_core::value::Val;

/// Arguments of `workflow run`.
#[derive(clap::Args)]
pub struct Args {
    /// The ASL definition to run.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// The execution input: JSON text, `@FILE` to read it from a file, `@-` from stdin.
    #[arg(long, value_name = "JSON|@FILE", default_value = "{}")]
    input: String,
    /// A Step Functions Local mock configuration that answers the Task states.
    #[arg(long, value_name = "FILE", requires = "test_case")]
    mock_config: Option<PathBuf>,
    /// The test case of the mock configuration to use.
    #[arg(long, value_name = "NAME", requires = "mock_config")]
    test_case: Option<String>,
    /// The state machine of the mock configuration (needed when it has several).
    #[arg(long, value_name = "NAME", requires = "mock_config")]
    state_machine: Option<String>,
    /// Print the execution's history events on stderr, one JSON object per line.
    #[arg(long)]
    history: bool,
    /// Stop the execution after this many seconds (it ends TIMED_OUT, as with the
    /// definition's own `TimeoutSeconds`, whichever is shorter; at most 99999999, as there).
    #[arg(
        long,
        value_name = "SECONDS",
        value_parser = clap::value_parser!(u64).range(1..=workflow_core::validate::MAX_SECONDS)
    )]
    timeout: Option<u64>,
    /// Answer every Task that no mock answers with its own input.
    #[arg(long)]
    echo_tasks: bool,
    /// Let error causes quote state data (off by default: payloads may hold tokens).
    #[arg(long)]
    include_payloads: bool,
}

/// Runs the subcommand.
pub fn run(args: &Args) -> ExitCode {
    let prepared = match prepare(args) {
        Ok(p) => p,
        Err(e) => return e.report(),
    };
    let progress = prepared.runner.options().progress.clone();
    let display = progress.map(ProgressDisplay::start);
    let execution = block_on(prepared.runner.run_val(prepared.input));
    if let Some(d) = display {
        d.stop();
    }
    match execution {
        Ok(execution) => report(&execution, args.history),
        Err(e) => Unusable::new(format!("cannot start the runtime: {e}")).report(),
    }
}

/// Everything checked and ready before the execution starts.
struct Prepared {
    runner: Runner,
    input: Val,
}

fn prepare(args: &Args) -> Result<Prepared, Unusable> {
    let mut definition = load_definition(&args.file)?;
    if let Some(t) = args.timeout {
        definition.timeout_seconds = Some(definition.timeout_seconds.map_or(t, |own| own.min(t)));
    }
    let input = read_input(&args.input)?;
    let mocks = match (&args.mock_config, &args.test_case) {
        (Some(path), Some(case)) => Some(mock_case(path, args.state_machine.as_deref(), case)?),
        _ => None,
    };
    let file = args.file.display().to_string();
    if !args.echo_tasks {
        let missing = unanswered_tasks(&definition, mocks.as_ref());
        if !missing.is_empty() {
            let mut lines: Vec<String> = missing
                .iter()
                .map(|(state, resource)| {
                    format!("{file}: Task state `{state}` calls `{resource}`, which nothing answers here")
                })
                .collect();
            lines.push(
                "answer each with a mock (--mock-config FILE --test-case NAME), or pass \
                 --echo-tasks to make every task return its input"
                    .to_owned(),
            );
            return Err(Unusable(lines));
        }
    }
    let name = args
        .state_machine
        .clone()
        .unwrap_or_else(|| machine_name(&args.file));
    let machine = Machine::new(definition).map_err(|problems| {
        Unusable(problems.iter().map(|d| super::located(&file, d)).collect())
    })?;
    let mut tasks = TaskRegistry::new();
    if args.echo_tasks {
        tasks.set_fallback(sync_handler_fn(Ok));
    }
    let options = RunOptions {
        record_history: args.history,
        state_machine_name: name,
        include_payloads_in_errors: args.include_payloads,
        progress: std::io::stderr()
            .is_terminal()
            .then(|| Arc::new(Progress::new())),
        ..RunOptions::default()
    };
    let mut runner = Runner::new(machine, tasks).with_options(options);
    if let Some(case) = mocks {
        runner = runner.with_mocks(case);
    }
    Ok(Prepared { runner, input })
}

/// `--input`: JSON text, `@FILE`, or `@-` for stdin; parsed into the interpreter's own
/// value type.
fn read_input(arg: &str) -> Result<Val, Unusable> {
    let parsed: Val = match arg.strip_prefix('@') {
        Some("-") => {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
                .map_err(|e| Unusable::new(format!("cannot read the input from stdin: {e}")))?;
            parse_json("<stdin>", &text)?
        }
        Some(path) => {
            let path = Path::new(path);
            parse_json(&path.display().to_string(), &read_text(path)?)?
        }
        None => parse_json("--input", arg)?,
    };
    Ok(parsed)
}

fn mock_case(path: &Path, machine: Option<&str>, case: &str) -> Result<MockCase, Unusable> {
    let file = path.display().to_string();
    let text = read_text(path)?;
    parse_json::<serde::de::IgnoredAny>(&file, &text)?;
    MockConfig::from_json(&text)
        .and_then(|config| config.test_case(machine, case))
        .map_err(|e| Unusable::new(format!("{file}: {e}")))
}

/// The Task states (name, resource) that neither a mock nor a handler answers.
fn unanswered_tasks<'a>(
    definition: &'a StateMachine,
    mocks: Option<&MockCase>,
) -> Vec<(&'a str, &'a str)> {
    definition
        .all_states()
        .into_iter()
        .filter_map(|(name, state)| match state {
            State::Task(t) if !mocks.is_some_and(|m| m.mocks(name)) => {
                Some((name, t.resource.as_str()))
            }
            _ => None,
        })
        .collect()
}

/// The file name without `.asl.json` / `.json`: the state machine's name for `$$`.
fn machine_name(path: &Path) -> String {
    let file = path
        .file_name()
        .map_or_else(|| "StateMachine".into(), |f| f.to_string_lossy());
    let stem = file
        .strip_suffix(".asl.json")
        .or_else(|| file.strip_suffix(".json"))
        .unwrap_or(&file);
    stem.to_owned()
}

fn report(execution: &Execution, history: bool) -> ExitCode {
    if history {
        let mut err = std::io::stderr().lock();
        for event in &execution.history {
            let _ = writeln!(err, "{}", event.to_json());
        }
    }
    let (value, status) = match (execution.status, &execution.output) {
        (Status::Succeeded, Some(output)) => (output.clone(), 0),
        (status, _) => {
            eprintln!("execution {}", status.as_str());
            let error = execution
                .error
                .clone()
                .unwrap_or_else(|| status.as_str().to_owned());
            let cause = execution.cause.clone().unwrap_or_default();
            (serde_json::json!({ "Error": error, "Cause": cause }), 1)
        }
    };
    let mut out = std::io::stdout().lock();
    let written = serde_json::to_writer_pretty(&mut out, &value)
        .map_err(std::io::Error::from)
        .and_then(|()| writeln!(out))
        .and_then(|()| out.flush());
    match written {
        Ok(()) => ExitCode::from(status),
        Err(_) => ExitCode::from(2),
    }
}

/// A line on stderr, redrawn while the execution runs: states done and Map items done/total.
/// It appears only after a second, so short runs print nothing.
struct ProgressDisplay {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<bool>,
}

impl ProgressDisplay {
    fn start(progress: Arc<Progress>) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let started = Instant::now();
            let mut drawn = false;
            while !flag.load(Ordering::Relaxed) {
                std::thread::park_timeout(Duration::from_millis(200));
                if flag.load(Ordering::Relaxed) || started.elapsed() < Duration::from_secs(1) {
                    continue;
                }
                let p = progress.snapshot();
                let mut line = format!("{} states done", p.states_done);
                if p.map_items_total > 0 {
                    line += &format!(", Map items {}/{}", p.map_items_done, p.map_items_total);
                }
                eprint!("\r\x1b[2K{line} ({:.0?})", started.elapsed());
                drawn = true;
            }
            drawn
        });
        ProgressDisplay { stop, thread }
    }

    fn stop(self) {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.thread().unpark();
        if let Ok(true) = self.thread.join() {
            eprint!("\r\x1b[2K");
        }
    }
}
