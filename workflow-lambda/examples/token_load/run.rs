//! The load run itself, shared by the `token_load` example (100,000 executions by default) and
//! the reduced run of `tests/token_load.rs`: the requests, the warm pools of the token flow's
//! tasks, open-loop arrivals, and what the run produces (outcomes, the concurrency report, the
//! warmer settings sized from it).

use examples::token_modules::{self as flow, Module, SigningKey};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use workflow_codegen::{LowerOptions, TaskFn};
use workflow_core::run::{Machine, Metrics, RunOptions, Runner};
use workflow_core::task::TaskRegistry;
use workflow_lambda::warmer::{serverless_warmup, WarmerSettings};
use workflow_lambda::{ConcurrencyReport, PoolStats, TaskOf, WarmPool};

/// The peak-hours schedule of the warmer settings sized from a run.
pub const PEAK_HOURS: &str = "cron(0/5 8-17 ? * MON-FRI *)";

/// What to run.
#[derive(Debug, Clone, Copy)]
pub struct LoadRun {
    /// Executions to start.
    pub executions: usize,
    /// Executions started per second (open loop).
    pub rate: f64,
    /// Instances of each function initialised before the traffic.
    pub prewarm: usize,
}

/// What a run produced.
pub struct LoadResult {
    /// Executions per outcome: `SUCCEEDED`, or `FAILED <error>`.
    pub outcomes: BTreeMap<String, u64>,
    /// Wall-clock time from the first arrival to the last execution's end.
    pub elapsed: Duration,
    /// Per task: calls, errors, starts, durations, concurrency.
    pub report: ConcurrencyReport,
    /// serverless-plugin-warmup settings sized from the report (a serverless.yml as JSON).
    pub warmup: Value,
}

impl LoadResult {
    /// The run's summary and the report's table, as `report.txt` holds them.
    pub fn text(&self, run: &LoadRun) -> String {
        let mut text = format!(
            "token-check load run: {} executions offered at {}/s, finished in {:.2} s, pre-warmed {} per function\noutcomes: {}\n\n",
            run.executions,
            run.rate,
            self.elapsed.as_secs_f64(),
            run.prewarm,
            self.outcomes
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        text.push_str(&self.report.to_text());
        text
    }
}

/// The requests: modules weighted 40/30/20/10; tokens 90% valid, 4% forged, 5% expired,
/// 1% malformed, in a fixed pseudo-random order.
pub fn inputs(n: usize) -> Vec<Value> {
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

/// Runs the token flow (`token_modules`, on its ASL) on `inputs(run.executions)`, arriving at
/// `run.rate` per second, each task served by a warm pool of its instances registered under
/// its Lambda function name.
pub async fn run(run: &LoadRun) -> Result<LoadResult, Box<dyn std::error::Error>> {
    if run.rate <= 0.0 || !run.rate.is_finite() {
        return Err("the rate must be a positive number".into());
    }
    let asl = flow::token_modules::definition().to_asl_with(&LowerOptions::default())?;
    let machine = Machine::new(asl).map_err(|d| format!("the flow does not validate: {d:?}"))?;

    let mut tasks = TaskRegistry::new();
    let mut pools = Vec::new();
    pooled::<flow::verify_orders>(&mut tasks, &mut pools, run.prewarm).await?;
    pooled::<flow::verify_users>(&mut tasks, &mut pools, run.prewarm).await?;
    pooled::<flow::verify_billing>(&mut tasks, &mut pools, run.prewarm).await?;
    pooled::<flow::verify_reports>(&mut tasks, &mut pools, run.prewarm).await?;
    pooled::<flow::refresh_token>(&mut tasks, &mut pools, run.prewarm).await?;

    let metrics = Arc::new(Metrics::recording_call_times());
    let runner = Runner::new(machine, tasks)
        .with_options(RunOptions {
            record_history: false,
            ..RunOptions::default()
        })
        .with_metrics(Arc::clone(&metrics));

    let inputs = inputs(run.executions);
    let started = Instant::now();
    let origin = tokio::time::Instant::now();
    let mut handles = Vec::with_capacity(inputs.len());
    for (i, input) in inputs.into_iter().enumerate() {
        tokio::time::sleep_until(origin + Duration::from_secs_f64(i as f64 / run.rate)).await;
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

    let settings: Vec<(String, WarmerSettings)> = report
        .tasks
        .iter()
        .map(|t| (t.name().to_owned(), t.warmer_settings(PEAK_HOURS)))
        .collect();
    let pairs: Vec<(&str, &WarmerSettings)> =
        settings.iter().map(|(n, s)| (n.as_str(), s)).collect();
    let mut warmup = json!({});
    serverless_warmup(&pairs)?.add_to_serverless(&mut warmup)?;
    Ok(LoadResult {
        outcomes,
        elapsed,
        report,
        warmup,
    })
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
