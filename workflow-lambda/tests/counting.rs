//! The report's counting, on constructed runs with known answers (paused tokio time): peak
//! concurrency, cold starts equal to the peak when nothing is pre-warmed, pre-warming N removing
//! N cold starts, mean concurrency and Little's law; and the per-module token-check flow of
//! examples/ (`token_modules`, its `#[task(init = ..)]` verifiers pooled with `TaskOf`).

use examples::token_modules::{self as flow, Module, SigningKey};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use workflow_codegen::{Callee, LowerOptions, TaskFn};
use workflow_core::run::{Machine, Metrics, Runner, Status};
use workflow_core::task::{TaskContext, TaskRegistry};
use workflow_core::StatesError;
use workflow_lambda::{ConcurrencyReport, PoolStats, TaskOf, WarmPool, WarmTask};

/// 10 ms per call; nothing to initialise but the instance itself.
struct Sleep10;

impl WarmTask for Sleep10 {
    type State = ();
    type Input = Value;
    type Output = Value;

    async fn init(&self) -> Result<(), StatesError> {
        Ok(())
    }

    async fn invoke(&self, _: &(), input: Value, _: TaskContext) -> Result<Value, StatesError> {
        tokio::time::sleep(Duration::from_millis(10)).await;
        Ok(input)
    }
}

/// A Map with `max` items at a time, each calling the Lambda function `work`.
fn map_machine(max: u64) -> Machine {
    Machine::from_json(
        &json!({"StartAt": "M", "States": {"M": {
            "Type": "Map", "MaxConcurrency": max, "End": true,
            "ItemProcessor": {"StartAt": "W", "States": {
                "W": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:work", "End": true}}}}}})
        .to_string(),
    )
    .unwrap()
}

async fn map_run(prewarm: usize) -> (workflow_lambda::PoolStats, ConcurrencyReport) {
    let pool = WarmPool::new(Sleep10);
    pool.prewarm(prewarm).await.unwrap();
    let mut tasks = TaskRegistry::new();
    tasks.register("work", pool.clone());
    let metrics = Arc::new(Metrics::recording_call_times());
    let runner = Runner::new(map_machine(5), tasks).with_metrics(Arc::clone(&metrics));
    let items = Value::Array((0..20).map(Value::from).collect());
    assert_eq!(runner.run(items).await.status, Status::Succeeded);
    let stats = pool.stats();
    let report = ConcurrencyReport::new(&metrics.snapshot(), &[("work", stats)]).unwrap();
    (stats, report)
}

#[tokio::test(start_paused = true)]
async fn a_map_of_twenty_five_at_a_time_peaks_at_five_with_five_cold_starts() {
    let (stats, report) = map_run(0).await;
    let t = &report.tasks[0];
    assert_eq!(t.invocations, 20);
    assert_eq!(t.peak_concurrency, 5, "the interpreter's in-flight counter");
    assert_eq!(
        t.series_peak.iter().max(),
        Some(&5),
        "the time series agrees"
    );
    assert_eq!((stats.cold_starts, stats.warm_starts), (5, 15));
    assert_eq!(stats.cold_starts, t.peak_concurrency);
    // Four waves of five 10 ms calls: 40 ms, five in flight throughout.
    assert_eq!(report.window, Duration::from_millis(40));
    assert!((t.mean_concurrency - 5.0).abs() < 1e-9);
    assert!((t.rate_per_second - 500.0).abs() < 1e-9);
    assert!(
        (t.lambda_concurrency() - 5.0).abs() < 1e-9,
        "λ×W = 500/s × 10 ms"
    );
    assert_eq!(t.p50, Duration::from_millis(10));
    assert_eq!(t.p99, Duration::from_millis(10));
    let text = report.to_text();
    assert!(text.lines().nth(3).unwrap().starts_with("work "), "{text}");
}

#[tokio::test(start_paused = true)]
async fn prewarming_three_removes_three_cold_starts() {
    let (stats, report) = map_run(3).await;
    assert_eq!(report.tasks[0].peak_concurrency, 5);
    assert_eq!(stats.prewarmed, 3);
    assert_eq!((stats.cold_starts, stats.warm_starts), (2, 18));
}

/// Each task's resource and a reader of its pool's stats.
type Pools = Vec<(String, Box<dyn Fn() -> PoolStats>)>;

fn pooled<T: TaskFn>(tasks: &mut TaskRegistry, pools: &mut Pools) {
    let Callee::Task(def) = T::callee() else {
        panic!("`{}` is a task", T::NAME)
    };
    let pool = WarmPool::new(TaskOf::<T>::new());
    tasks.register(def.resource.clone(), pool.clone());
    pools.push((def.resource, Box::new(move || pool.stats())));
}

fn token_runner(metrics: &Arc<Metrics>) -> (Runner, Pools) {
    let asl = flow::token_modules::definition()
        .to_asl_with(&LowerOptions::default())
        .unwrap();
    let machine = Machine::new(asl).expect("the flow validates");
    let mut tasks = TaskRegistry::new();
    let mut pools = Vec::new();
    pooled::<flow::verify_orders>(&mut tasks, &mut pools);
    pooled::<flow::verify_users>(&mut tasks, &mut pools);
    pooled::<flow::verify_billing>(&mut tasks, &mut pools);
    pooled::<flow::verify_reports>(&mut tasks, &mut pools);
    pooled::<flow::refresh_token>(&mut tasks, &mut pools);
    let runner = Runner::new(machine, tasks).with_metrics(Arc::clone(metrics));
    (runner, pools)
}

#[tokio::test]
async fn the_token_flow_takes_each_path_through_its_modules_verifier() {
    let metrics = Arc::new(Metrics::recording_call_times());
    let (runner, pools) = token_runner(&metrics);
    let users = SigningKey::derive(Module::Users);
    let good = users.sign(Module::Users, "dave", 2_000);
    let req = |token: &str, now: u64| json!({"module": "users", "token": token, "now": now});

    let ok = runner.run(req(&good, 1_000)).await;
    assert_eq!(ok.status, Status::Succeeded);
    assert_eq!(ok.output.unwrap()["status"], "success");

    let expired = runner.run(req(&good, 3_000)).await;
    assert_eq!(
        expired.output,
        Some(
            json!({"status": "success", "user": "dave", "module": "users", "token": "users.dave.refreshed"})
        )
    );

    let forged = runner.run(req(&good.replace("dave", "eve"), 1_000)).await;
    assert_eq!(forged.status, Status::Failed);
    assert_eq!(forged.error.as_deref(), Some("TaskFailed"));

    let malformed = runner.run(req("nope", 1_000)).await;
    assert_eq!(malformed.error.as_deref(), Some("Malformed"));

    // Only the users verifier ran (4 calls): one cold start, then warm; the refresh once.
    for (name, stats) in &pools {
        let s = stats();
        match name.as_str() {
            "VerifyToken-users" => assert_eq!((s.cold_starts, s.warm_starts), (1, 3)),
            "RefreshToken" => assert_eq!((s.cold_starts, s.warm_starts), (1, 0)),
            _ => assert_eq!(s.cold_starts + s.warm_starts, 0, "{name}"),
        }
    }
}

#[tokio::test(start_paused = true)]
async fn twelve_simultaneous_orders_requests_cold_start_twelve_orders_instances() {
    let metrics = Arc::new(Metrics::recording_call_times());
    let (runner, pools) = token_runner(&metrics);
    let key = SigningKey::derive(Module::Orders);
    let runs = (0..12).map(|i| {
        let token = key.sign(Module::Orders, &format!("u{i}"), 2_000);
        runner.run(json!({"module": "orders", "token": token, "now": 1_000}))
    });
    let done = futures::future::join_all(runs).await;
    assert!(done.iter().all(|e| e.status == Status::Succeeded));
    let stats: Vec<_> = pools.iter().map(|(n, p)| (n.as_str(), p())).collect();
    let report = ConcurrencyReport::new(&metrics.snapshot(), &stats).unwrap();
    let orders = report
        .tasks
        .iter()
        .find(|t| t.name() == "VerifyToken-orders")
        .unwrap();
    assert_eq!(orders.peak_concurrency, 12);
    let s = orders.starts.unwrap();
    assert_eq!((s.cold_starts, s.warm_starts, s.instances), (12, 0, 12));
}
