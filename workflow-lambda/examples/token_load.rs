//! A load run of the token-check flow of examples/ (`examples::token_modules`: `#[workflow]` and
//! one `#[task(init = ..)]` verifier per application module), and its concurrency report.
//!
//! ```text
//! cargo run --release -p workflow-lambda --example token_load -- \
//!     [--executions 100000] [--rate 5000] [--prewarm 0] [--out target/token-load]
//! ```
//!
//! Executions arrive open-loop at `--rate` per second (as requests reach an API). Each task is a
//! warm pool of its instances (`TaskOf<NAME>`: the task's `init` per instance), as a
//! Lambda function is; `--prewarm N` initialises N instances of
//! each before the run, as a warmer would. Writes `report.txt` (the table), `concurrency.svg`
//! (the chart) and `warmup.json` (serverless-plugin-warmup settings sized from the run) to
//! `--out`, and prints the table.

use examples::token_modules::{self as flow, Module, SigningKey};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use workflow_codegen::{LowerOptions, TaskFn};
use workflow_core::run::{Machine, Metrics, RunOptions, Runner};
use workflow_core::task::TaskRegistry;
use workflow_lambda::warmer::{serverless_warmup, WarmerSettings};
use workflow_lambda::{ConcurrencyReport, PoolStats, TaskOf, WarmPool};

struct Args {
    executions: usize,
    rate: f64,
    prewarm: usize,
    out: PathBuf,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        executions: 100_000,
        rate: 5_000.0,
        prewarm: 0,
        out: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/token-load"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        let number = |v: String| v.parse::<f64>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--executions" => args.executions = number(value()?)? as usize,
            "--rate" => args.rate = number(value()?)?,
            "--prewarm" => args.prewarm = number(value()?)? as usize,
            "--out" => args.out = PathBuf::from(value()?),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if args.rate <= 0.0 || !args.rate.is_finite() {
        return Err("--rate must be a positive number".into());
    }
    Ok(args)
}

/// The requests: modules weighted 40/30/20/10; tokens 90% valid, 4% forged, 5% expired,
/// 1% malformed, in a fixed pseudo-random order.
fn inputs(n: usize) -> Vec<Value> {
    let keys: Vec<SigningKey> = Module::ALL.into_iter().map(SigningKey::derive).collect();
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % 100
    };
    (0..n)
        .map(|i| {
            let m = match next() {
                0..40 => 0,
                40..70 => 1,
                70..90 => 2,
                _ => 3,
            };
            let module = Module::ALL[m];
            let user = format!("user{}", i % 1000);
            let token = match next() {
                0..90 => keys[m].sign(module, &user, 2_000),
                90..94 => {
                    // Forged: the right shape, the wrong signature.
                    let mut t = keys[m].sign(module, &user, 2_000);
                    t.replace_range(t.len() - 4.., "beef");
                    t
                }
                94..99 => keys[m].sign(module, &user, 500),
                _ => "garbage".to_owned(),
            };
            json!({"module": module.as_str(), "token": token, "now": 1_000})
        })
        .collect()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse_args()?;
    let asl = flow::token_modules::definition().to_asl_with(&LowerOptions::default())?;
    let machine = Machine::new(asl).map_err(|d| format!("the flow does not validate: {d:?}"))?;

    let mut tasks = TaskRegistry::new();
    let mut pools = Vec::new();
    pooled::<flow::verify_orders>(&mut tasks, &mut pools, args.prewarm).await?;
    pooled::<flow::verify_users>(&mut tasks, &mut pools, args.prewarm).await?;
    pooled::<flow::verify_billing>(&mut tasks, &mut pools, args.prewarm).await?;
    pooled::<flow::verify_reports>(&mut tasks, &mut pools, args.prewarm).await?;
    pooled::<flow::refresh_token>(&mut tasks, &mut pools, args.prewarm).await?;

    let metrics = Arc::new(Metrics::recording_call_times());
    let runner = Runner::new(machine, tasks)
        .with_options(RunOptions {
            record_history: false,
            ..RunOptions::default()
        })
        .with_metrics(Arc::clone(&metrics));

    let inputs = inputs(args.executions);
    eprintln!(
        "running {} executions at {} per second...",
        args.executions, args.rate
    );
    let started = Instant::now();
    let origin = tokio::time::Instant::now();
    let mut handles = Vec::with_capacity(inputs.len());
    for (i, input) in inputs.into_iter().enumerate() {
        tokio::time::sleep_until(origin + Duration::from_secs_f64(i as f64 / args.rate)).await;
        let runner = runner.clone();
        handles.push(tokio::spawn(async move {
            let e = runner.run(input).await;
            (e.status.as_str(), e.error)
        }));
    }
    let mut outcomes: BTreeMap<String, u64> = BTreeMap::new();
    for h in handles {
        let (status, error) = h.await?;
        let key = match error {
            Some(e) => format!("{status} {e}"),
            None => status.to_owned(),
        };
        *outcomes.entry(key).or_default() += 1;
    }
    let elapsed = started.elapsed();

    let stats: Vec<(String, PoolStats)> = pools
        .iter()
        .map(|(name, stats)| (name.clone(), stats()))
        .collect();
    let stats_ref: Vec<(&str, PoolStats)> = stats.iter().map(|(n, s)| (n.as_str(), *s)).collect();
    let report = ConcurrencyReport::new(&metrics.snapshot(), &stats_ref)?;

    let peak_hours = "cron(0/5 8-17 ? * MON-FRI *)";
    let settings: Vec<(String, WarmerSettings)> = report
        .tasks
        .iter()
        .map(|t| (t.name().to_owned(), t.warmer_settings(peak_hours)))
        .collect();
    let pairs: Vec<(&str, &WarmerSettings)> =
        settings.iter().map(|(n, s)| (n.as_str(), s)).collect();
    let warmup = serverless_warmup(&pairs)?;
    let mut serverless = json!({});
    warmup.add_to_serverless(&mut serverless)?;

    let mut text = format!(
        "token-check load run: {} executions offered at {}/s, finished in {:.2} s, pre-warmed {} per function\noutcomes: {}\n\n",
        args.executions,
        args.rate,
        elapsed.as_secs_f64(),
        args.prewarm,
        outcomes
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    text.push_str(&report.to_text());
    std::fs::create_dir_all(&args.out)?;
    std::fs::write(args.out.join("report.txt"), &text)?;
    std::fs::write(args.out.join("concurrency.svg"), report.to_svg())?;
    std::fs::write(
        args.out.join("warmup.json"),
        serde_json::to_string_pretty(&serverless)?,
    )?;
    print!("{text}");
    println!(
        "\nwrote report.txt, concurrency.svg and warmup.json to {}",
        args.out.display()
    );
    Ok(())
}

/// How to read a pool's stats, whatever its task's type.
type StatsOf = Box<dyn Fn() -> PoolStats>;

/// Serves `#[task]` `T` from a warm pool, `prewarm` instances initialised ahead, registered
/// under its Lambda function name.
async fn pooled<T: TaskFn>(
    tasks: &mut TaskRegistry,
    pools: &mut Vec<(String, StatsOf)>,
    prewarm: usize,
) -> Result<(), String> {
    let workflow_codegen::Callee::Task(def) = T::callee() else {
        return Err(format!("`{}` is not a task", T::NAME));
    };
    let pool = WarmPool::new(TaskOf::<T>::new());
    pool.prewarm(prewarm)
        .await
        .map_err(|e| format!("{}: {}", e.error, e.cause))?;
    tasks.register(def.resource.clone(), pool.clone());
    pools.push((def.resource, Box::new(move || pool.stats())));
    Ok(())
}
