//! `workflow bench DIR [NAME...]`: runs the performance workloads and prints one line each,
//! in the same form as the peer's runner:
//!
//! `WORKLOAD transitions=N seconds=S transitions_per_s=R peak_rss_mb=M`
//!
//! `DIR` holds `NAME.asl.json`, `NAME.input.json`, `NAME.expected.json` and `transitions.json`
//! (the number of states entered per run; without NAMEs, every workload it lists runs).
//! Protocol: each workload runs in a process of its own (this binary, re-executed with a hidden
//! flag) so that its peak RSS (`VmHWM`) is its own; the definition is parsed, validated and
//! compiled once, untimed; the options are the defaults except that the payload and history
//! limits are off (history is recorded, unless `--no-history`); one warm-up execution, then
//! the median wall time of `--repeats` timed executions. Every output is compared with the
//! expected file; a mismatch or a failed execution exits 1 (the wrong output, and data quoted
//! in error causes, show only with `--include-payloads`). The tokio runtime flavour is printed
//! on stderr.
//!
//! Task handlers, keyed by the function name at the end of the Lambda ARN: `mapFunction(word)`
//! -> `{"length": chars}` and `reduceFunction([{"length": n}, ...])` -> `{"totalLength": sum}`.

use clap::ValueEnum;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;
use workflow_core::run::{Machine, RunOptions, Runner, Status};
use workflow_core::task::{sync_handler_ref, TaskRegistry};
use workflow_core::value::{Key, Object, Val};
use workflow_core::StatesError;

/// Arguments of `workflow bench`.
#[derive(clap::Args)]
pub struct Args {
    /// The workloads folder (e.g. ../shared/bench/workloads).
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// Workloads to run (default: every one in DIR/transitions.json).
    #[arg(value_name = "NAME")]
    names: Vec<String>,
    /// Timed executions per workload (the median is reported).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    repeats: u32,
    /// The tokio runtime the executions run on.
    #[arg(long, value_enum, default_value_t = Flavor::CurrentThread)]
    runtime: Flavor,
    /// Show the execution's output and error causes when a workload fails (they may quote
    /// task payloads, hidden by default).
    #[arg(long)]
    include_payloads: bool,
    /// Do not record the history (outside the peer's protocol, which records it): shows what
    /// recording costs, since a recorded payload is copied before a state changes it.
    #[arg(long)]
    no_history: bool,
    /// Run the single NAME in this process (what each child process does).
    #[arg(long, hide = true)]
    worker: bool,
}

/// The tokio runtime flavour.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Flavor {
    /// `new_current_thread`: everything on the calling thread.
    CurrentThread,
    /// `new_multi_thread` with one worker per core.
    MultiThread,
}

impl Flavor {
    fn as_str(self) -> &'static str {
        match self {
            Flavor::CurrentThread => "current-thread",
            Flavor::MultiThread => "multi-thread",
        }
    }
}

/// Runs the subcommand.
pub fn run(args: &Args) -> ExitCode {
    let result = if args.worker {
        match args.names.as_slice() {
            [name] => worker(args, name),
            _ => Err("the worker runs exactly one workload".to_owned()),
        }
    } else {
        spawn_each(args)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("workflow bench: {message}");
            ExitCode::from(1)
        }
    }
}

/// The number of states entered per run of each workload, in the file's order.
fn transitions(dir: &Path) -> Result<Vec<(String, u64)>, String> {
    let value = read_json(&dir.join("transitions.json"))?;
    let Value::Object(map) = value else {
        return Err("transitions.json is not an object".to_owned());
    };
    map.into_iter()
        .map(|(name, n)| match n.as_u64() {
            Some(n) => Ok((name, n)),
            None => Err(format!("transitions.json: `{name}` is not a count")),
        })
        .collect()
}

fn read_json(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", path.display()))
}

/// Re-executes this binary once per workload; every child's line goes to stdout.
fn spawn_each(args: &Args) -> Result<(), String> {
    let known = transitions(&args.dir)?;
    let names: Vec<String> = if args.names.is_empty() {
        known.into_iter().map(|(n, _)| n).collect()
    } else {
        args.names.clone()
    };
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this binary: {e}"))?;
    eprintln!(
        "# tokio runtime: {} ({} worker threads); {} timed runs per workload, median reported; history {}",
        args.runtime.as_str(),
        worker_threads(args.runtime),
        args.repeats,
        if args.no_history { "not recorded" } else { "recorded" }
    );
    let mut failed = Vec::new();
    for name in &names {
        let status = Command::new(&exe)
            .arg("bench")
            .arg("--worker")
            .arg("--repeats")
            .arg(args.repeats.to_string())
            .arg("--runtime")
            .arg(args.runtime.as_str())
            .args(args.include_payloads.then_some("--include-payloads"))
            .args(args.no_history.then_some("--no-history"))
            .arg(&args.dir)
            .arg(name)
            .status()
            .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
        if !status.success() {
            failed.push(name.as_str());
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("failed: {}", failed.join(", ")))
    }
}

fn worker_threads(flavor: Flavor) -> usize {
    match flavor {
        Flavor::CurrentThread => 1,
        Flavor::MultiThread => std::thread::available_parallelism().map_or(1, |n| n.get()),
    }
}

/// One workload in this process: set up untimed, warm up, time, check, report.
fn worker(args: &Args, name: &str) -> Result<(), String> {
    let dir = &args.dir;
    let transitions = transitions(dir)?
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, t)| t)
        .ok_or_else(|| format!("no transition count for `{name}` in transitions.json"))?;
    let definition = std::fs::read_to_string(dir.join(format!("{name}.asl.json")))
        .map_err(|e| format!("cannot read {name}.asl.json: {e}"))?;
    // The input is kept as text and parsed before each run (untimed), so that the peak RSS
    // is the execution's, not that of a spare copy of the input.
    let input_path = dir.join(format!("{name}.input.json"));
    let input_text = std::fs::read_to_string(&input_path)
        .map_err(|e| format!("cannot read {}: {e}", input_path.display()))?;
    let expected = read_json(&dir.join(format!("{name}.expected.json")))?;
    let machine = Machine::from_json(&definition).map_err(|problems| {
        let lines: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        format!("{name}.asl.json is not valid:\n{}", lines.join("\n"))
    })?;
    let options = RunOptions {
        max_history_events: None,
        max_payload_bytes: None,
        max_variable_bytes: None,
        include_payloads_in_errors: args.include_payloads,
        record_history: !args.no_history,
        ..RunOptions::default()
    };
    let runner = Runner::new(machine, handlers()).with_options(options);
    let runtime = match args.runtime {
        Flavor::CurrentThread => tokio::runtime::Builder::new_current_thread(),
        Flavor::MultiThread => tokio::runtime::Builder::new_multi_thread(),
    }
    .enable_all()
    .build()
    .map_err(|e| format!("cannot start the tokio runtime: {e}"))?;
    let mut times = Vec::with_capacity(args.repeats as usize);
    for round in 0..=args.repeats {
        let input: Val = serde_json::from_str(&input_text)
            .map_err(|e| format!("{} is not JSON: {e}", input_path.display()))?;
        let runner = runner.clone();
        let (seconds, execution) = runtime.block_on(async move {
            let start = Instant::now();
            let execution = runner.run_val(input).await;
            (start.elapsed().as_secs_f64(), execution)
        });
        if execution.status != Status::Succeeded || execution.output.as_ref() != Some(&expected) {
            let got = match &execution.output {
                Some(_) if !args.include_payloads => {
                    "an output that differs (--include-payloads shows it)".to_owned()
                }
                Some(o) => o.to_string().chars().take(500).collect::<String>(),
                None => format!(
                    "{} {}: {}",
                    execution.status.as_str(),
                    execution.error.as_deref().unwrap_or(""),
                    execution.cause.as_deref().unwrap_or("")
                ),
            };
            return Err(format!(
                "{name}: output mismatch\n  got:      {got}\n  expected: {expected}"
            ));
        }
        // The history is dropped outside the timed section, before the next run.
        drop(execution);
        if round > 0 {
            times.push(seconds);
        }
    }
    let runs: Vec<String> = times.iter().map(|t| format!("{t:.6}")).collect();
    eprintln!(
        "{name} runs_s={} runtime={}",
        runs.join(","),
        args.runtime.as_str()
    );
    let seconds = median(&mut times);
    println!(
        "{name} transitions={transitions} seconds={seconds:.6} transitions_per_s={} peak_rss_mb={:.1}",
        (transitions as f64 / seconds).round() as u64,
        peak_rss_mb()?
    );
    Ok(())
}

fn median(times: &mut [f64]) -> f64 {
    times.sort_by(f64::total_cmp);
    let mid = times.len() / 2;
    if times.len() % 2 == 1 {
        times[mid]
    } else {
        (times[mid - 1] + times[mid]) / 2.0
    }
}

/// The process's peak resident set size (`VmHWM` in /proc/self/status), in MiB.
fn peak_rss_mb() -> Result<f64, String> {
    let status = std::fs::read_to_string("/proc/self/status")
        .map_err(|e| format!("cannot read /proc/self/status: {e}"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .ok_or_else(|| "no VmHWM in /proc/self/status".to_owned())
}

/// The workloads' Lambda functions, registered by function name.
fn handlers() -> TaskRegistry {
    let mut tasks = TaskRegistry::new();
    tasks.register(
        "mapFunction",
        sync_handler_ref(|word: &Val| match word.as_str() {
            Some(w) => Ok(one_member(LENGTH, Val::from(w.chars().count()))),
            None => Err(StatesError::new(
                "TypeError",
                format!("mapFunction expects a string, got {word}"),
            )),
        }),
    );
    tasks.register(
        "reduceFunction",
        sync_handler_ref(|items: &Val| {
            let Some(items) = items.as_array() else {
                return Err(StatesError::new(
                    "TypeError",
                    "reduceFunction expects an array",
                ));
            };
            let total: u64 = items
                .iter()
                .filter_map(|i| i.get("length").and_then(Val::as_u64))
                .sum();
            Ok(one_member(TOTAL_LENGTH, Val::from(total)))
        }),
    );
    tasks
}

/// The handlers' output keys, in every object they build (copied without a reference count).
const LENGTH: Key = Key::from_static(&"length");
const TOTAL_LENGTH: Key = Key::from_static(&"totalLength");

/// `{key: value}`.
fn one_member(key: Key, value: Val) -> Val {
    Val::object(Object::from_unique(vec![(key, value)]))
}
