//! Behaviour of the in-process interpreter beyond the recorded corpus: timings on paused tokio
//! time, real concurrency limits, faults, limits, history and metrics.

use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;
use workflow_core::run::{Clock, EventType, Machine, MockConfig, RunOptions, Runner, Status};
use workflow_core::task::{handler_fn, sync_handler_fn, TaskRegistry};
use workflow_core::val;
use workflow_core::value::Val;
use workflow_core::StatesError;

fn machine(def: Value) -> Machine {
    Machine::from_json(&def.to_string()).expect("the test definition compiles")
}

fn task(name: &str) -> String {
    format!("arn:aws:lambda:us-east-1:123456789012:function:{name}")
}

/// A Map state `M` whose iterations call the task `name` (one Task state `W`), with the Map's
/// other fields (MaxConcurrency, ToleratedFailureCount, ...) from `fields`.
fn map_of_task(name: &str, fields: Value) -> Value {
    let mut map = json!({"Type": "Map", "End": true, "ItemProcessor": {"StartAt": "W", "States": {
        "W": {"Type": "Task", "Resource": task(name), "End": true}}}});
    if let (Some(map), Value::Object(fields)) = (map.as_object_mut(), fields) {
        map.extend(fields);
    }
    json!({"StartAt": "M", "States": {"M": map}})
}

#[tokio::test(start_paused = true)]
async fn retry_waits_interval_times_backoff_capped_by_max_delay() {
    let def = json!({"StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": task("flaky"), "End": true,
        "Retry": [{"ErrorEquals": ["Boom"], "IntervalSeconds": 2, "BackoffRate": 3.0,
                   "MaxAttempts": 4, "MaxDelaySeconds": 10}]}}});
    let times = Arc::new(Mutex::new(Vec::new()));
    let t = Arc::clone(&times);
    let mut tasks = TaskRegistry::new();
    tasks.register(
        "flaky",
        handler_fn(move |_| {
            let t = Arc::clone(&t);
            async move {
                t.lock().unwrap().push(Instant::now());
                Err::<Value, _>(StatesError::new("Boom", "always"))
            }
        }),
    );
    let exec = Runner::new(machine(def), tasks).run(json!({})).await;
    assert_eq!(exec.status, Status::Failed);
    assert_eq!(exec.error.as_deref(), Some("Boom"));
    let times = times.lock().unwrap();
    let gaps: Vec<u64> = times.windows(2).map(|w| (w[1] - w[0]).as_secs()).collect();
    // 2, 2*3 = 6, 2*9 = 18 capped to 10, 2*27 capped to 10.
    assert_eq!(gaps, vec![2, 6, 10, 10]);
}

#[tokio::test(start_paused = true)]
async fn full_jitter_keeps_each_delay_within_zero_and_the_computed_interval() {
    let def = json!({"StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": task("flaky"), "End": true,
        "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 4, "BackoffRate": 2.0,
                   "MaxAttempts": 6, "JitterStrategy": "FULL"}]}}});
    let times = Arc::new(Mutex::new(Vec::new()));
    let t = Arc::clone(&times);
    let mut tasks = TaskRegistry::new();
    tasks.register(
        "flaky",
        handler_fn(move |_| {
            let t = Arc::clone(&t);
            async move {
                t.lock().unwrap().push(Instant::now());
                Err::<Value, _>(StatesError::new("Boom", "always"))
            }
        }),
    );
    Runner::new(machine(def), tasks).run(json!({})).await;
    let times = times.lock().unwrap();
    assert_eq!(times.len(), 7);
    for (i, w) in times.windows(2).enumerate() {
        let gap = (w[1] - w[0]).as_secs_f64();
        let bound = 4.0 * 2f64.powi(i as i32);
        assert!(
            (0.0..=bound).contains(&gap),
            "retry {i}: {gap} not in [0, {bound}]"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn max_attempts_zero_never_retries_and_catch_receives_error_and_cause() {
    let def = json!({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": task("bad"), "Next": "Done",
              "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 0}],
              "Catch": [{"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.err", "Next": "Done"}]},
        "Done": {"Type": "Succeed"}}});
    let calls = Arc::new(AtomicUsize::new(0));
    let c = Arc::clone(&calls);
    let mut tasks = TaskRegistry::new();
    tasks.register(
        "bad",
        sync_handler_fn(move |_| {
            c.fetch_add(1, Ordering::SeqCst);
            Err(StatesError::new("Custom", "went wrong"))
        }),
    );
    let exec = Runner::new(machine(def), tasks)
        .run(json!({"keep": 1}))
        .await;
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(exec.status, Status::Succeeded);
    assert_eq!(
        exec.output,
        Some(json!({"keep": 1, "err": {"Error": "Custom", "Cause": "went wrong"}}))
    );
}

#[tokio::test(start_paused = true)]
async fn a_panicking_handler_is_a_task_failure_that_catch_handles() {
    let def = json!({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": task("panics"), "End": true,
              "Catch": [{"ErrorEquals": ["States.TaskFailed"], "Next": "Recovered"}]},
        "Recovered": {"Type": "Pass", "End": true}}});
    let mut tasks = TaskRegistry::new();
    tasks.register("panics", sync_handler_fn(|_| panic!("index out of bounds")));
    let exec = Runner::new(machine(def), tasks).run(json!({})).await;
    assert_eq!(exec.status, Status::Succeeded);
    let out = exec.output.unwrap();
    assert_eq!(out["Error"], "States.TaskFailed");
    assert!(out["Cause"]
        .as_str()
        .unwrap()
        .contains("index out of bounds"));
}

#[tokio::test(start_paused = true)]
async fn task_timeout_fails_with_states_timeout() {
    let def = json!({"StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": task("slow"), "TimeoutSeconds": 5, "End": true}}});
    let mut tasks = TaskRegistry::new();
    tasks.register(
        "slow",
        handler_fn(|v| async move {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            Ok(v)
        }),
    );
    let started = Instant::now();
    let exec = Runner::new(machine(def), tasks).run(json!({})).await;
    assert_eq!(exec.error.as_deref(), Some("States.Timeout"));
    assert_eq!(started.elapsed().as_secs(), 5);
}

#[tokio::test(start_paused = true)]
async fn machine_timeout_ends_timed_out() {
    let def = json!({"TimeoutSeconds": 10, "StartAt": "W", "States": {
        "W": {"Type": "Wait", "Seconds": 3600, "End": true}}});
    let exec = Runner::new(machine(def), TaskRegistry::new())
        .run(json!({}))
        .await;
    assert_eq!(exec.status, Status::TimedOut);
    assert_eq!(exec.error.as_deref(), Some("States.Timeout"));
    assert_eq!(
        exec.history.last().map(|e| e.event_type),
        Some(EventType::ExecutionTimedOut)
    );
}

#[tokio::test(start_paused = true)]
async fn an_hour_long_wait_takes_no_real_time_and_moves_the_pinned_clock() {
    let def = json!({"StartAt": "W", "States": {
        "W": {"Type": "Wait", "Seconds": 3600, "Next": "P"},
        "P": {"Type": "Pass", "Parameters": {"t.$": "$$.State.EnteredTime", "s.$": "$$.Execution.StartTime"}, "End": true}}});
    let options = RunOptions {
        clock: Clock::pinned_at("2026-01-01T00:00:00Z").unwrap(),
        ..RunOptions::default()
    };
    let real = std::time::Instant::now();
    let exec = Runner::new(machine(def), TaskRegistry::new())
        .with_options(options)
        .run(json!({}))
        .await;
    assert!(real.elapsed() < Duration::from_secs(5));
    assert_eq!(
        exec.output,
        Some(json!({"t": "2026-01-01T01:00:00.000Z", "s": "2026-01-01T00:00:00.000Z"}))
    );
}

#[tokio::test(start_paused = true)]
async fn wait_until_a_timestamp_compares_with_the_pinned_clock() {
    let def = json!({"StartAt": "W", "States": {
        "W": {"Type": "Wait", "TimestampPath": "$.until", "End": true}}});
    let options = RunOptions {
        clock: Clock::pinned_at("2026-01-01T00:00:00Z").unwrap(),
        ..RunOptions::default()
    };
    let started = Instant::now();
    Runner::new(machine(def), TaskRegistry::new())
        .with_options(options)
        .run(json!({"until": "2026-01-01T00:10:00Z"}))
        .await;
    assert_eq!(started.elapsed().as_secs(), 600);
}

fn concurrency_probe() -> (TaskRegistry, Arc<AtomicUsize>) {
    concurrency_probe_waiting_for(|_| true)
}

/// A task `work` that echoes its input, waiting 100 ms first for the inputs `waits` picks, and
/// the most calls in flight at once.
fn concurrency_probe_waiting_for(waits: fn(&Value) -> bool) -> (TaskRegistry, Arc<AtomicUsize>) {
    let current = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let (c, p) = (Arc::clone(&current), Arc::clone(&peak));
    let mut tasks = TaskRegistry::new();
    tasks.register(
        "work",
        handler_fn(move |v: Value| {
            let (c, p) = (Arc::clone(&c), Arc::clone(&p));
            async move {
                let now = c.fetch_add(1, Ordering::SeqCst) + 1;
                p.fetch_max(now, Ordering::SeqCst);
                if waits(&v) {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                c.fetch_sub(1, Ordering::SeqCst);
                Ok(v)
            }
        }),
    );
    (tasks, peak)
}

#[tokio::test(start_paused = true)]
async fn map_max_concurrency_is_honoured_exactly_and_results_keep_item_order() {
    let def = map_of_task("work", json!({"MaxConcurrency": 3}));
    let (tasks, peak) = concurrency_probe();
    let runner = Runner::new(machine(def), tasks);
    let items: Vec<Value> = (0..20).map(|i| json!(i)).collect();
    let exec = runner.run(Value::Array(items.clone())).await;
    assert_eq!(exec.output, Some(Value::Array(items)));
    assert_eq!(peak.load(Ordering::SeqCst), 3);
    let m = runner.metrics().snapshot();
    let (_, work) = m.iter().find(|(k, _)| k.ends_with("work")).unwrap();
    assert_eq!(work.invocations, 20);
    assert_eq!(work.peak_concurrency, 3);
}

#[tokio::test(start_paused = true)]
async fn call_times_are_recorded_only_when_asked_and_line_up_with_durations() {
    let def = map_of_task("work", json!({"MaxConcurrency": 2}));
    let items = Value::Array((0..4).map(|i| json!(i)).collect());
    let plain = Runner::new(machine(def.clone()), concurrency_probe().0);
    plain.run(items.clone()).await;
    let (_, work) = plain.metrics().snapshot().pop().unwrap();
    assert_eq!(work.durations.len(), 4);
    assert!(work.call_starts.is_empty(), "not recorded unless asked");

    let metrics = Arc::new(workflow_core::run::Metrics::recording_call_times());
    let runner =
        Runner::new(machine(def), concurrency_probe().0).with_metrics(Arc::clone(&metrics));
    runner.run(items).await;
    let (_, work) = metrics.snapshot().pop().unwrap();
    assert_eq!(work.call_starts.len(), 4);
    // Two waves of two 100 ms calls: the second wave starts when the first ends.
    let first = *work.call_starts.iter().min().unwrap();
    let mut offsets: Vec<u128> = work
        .call_starts
        .iter()
        .map(|s| s.duration_since(first).as_millis())
        .collect();
    offsets.sort_unstable();
    assert_eq!(offsets, vec![0, 0, 100, 100]);
    assert!(work.durations.iter().all(|d| d.as_millis() == 100));
}

#[tokio::test(start_paused = true)]
async fn map_max_concurrency_zero_runs_every_item_at_once() {
    let def = map_of_task("work", json!({"MaxConcurrency": 0}));
    let (tasks, peak) = concurrency_probe();
    let items: Vec<Value> = (0..50).map(|i| json!(i)).collect();
    Runner::new(machine(def), tasks)
        .run(Value::Array(items))
        .await;
    assert_eq!(peak.load(Ordering::SeqCst), 50);
}

#[tokio::test(start_paused = true)]
async fn parallel_runs_branches_concurrently_and_a_failure_cancels_siblings() {
    let def = json!({"StartAt": "P", "States": {"P": {
    "Type": "Parallel", "End": true,
    "Branches": [
        {"StartAt": "Slow", "States": {"Slow": {"Type": "Task", "Resource": task("slow"), "End": true}}},
        {"StartAt": "Bad", "States": {"Bad": {"Type": "Fail", "Error": "Broken", "Cause": "branch 2"}}}
    ]}}});
    let finished = Arc::new(AtomicUsize::new(0));
    let f = Arc::clone(&finished);
    let mut tasks = TaskRegistry::new();
    tasks.register(
        "slow",
        handler_fn(move |v| {
            let f = Arc::clone(&f);
            async move {
                tokio::time::sleep(Duration::from_secs(60)).await;
                f.fetch_add(1, Ordering::SeqCst);
                Ok(v)
            }
        }),
    );
    let started = Instant::now();
    let exec = Runner::new(machine(def), tasks).run(json!({})).await;
    assert_eq!(exec.error.as_deref(), Some("Broken"));
    assert_eq!(exec.cause.as_deref(), Some("branch 2"));
    assert_eq!(
        finished.load(Ordering::SeqCst),
        0,
        "the slow branch was cancelled"
    );
    assert!(started.elapsed() < Duration::from_secs(60));
}

#[tokio::test(start_paused = true)]
async fn payload_over_the_limit_is_data_limit_exceeded_and_the_limit_is_configurable() {
    let def = json!({"StartAt": "P", "States": {"P": {
        "Type": "Pass", "Parameters": {"big.$": "$.s"}, "End": true}}});
    let big = "x".repeat(300 * 1024);
    let m = machine(def);
    let exec = Runner::new(m.clone(), TaskRegistry::new())
        .run(json!({"s": big.clone()}))
        .await;
    assert_eq!(exec.error.as_deref(), Some("States.DataLimitExceeded"));
    let options = RunOptions {
        max_payload_bytes: None,
        ..RunOptions::default()
    };
    let exec = Runner::new(m, TaskRegistry::new())
        .with_options(options)
        .run(json!({"s": big}))
        .await;
    assert_eq!(exec.status, Status::Succeeded);
}

#[tokio::test(start_paused = true)]
async fn history_is_bounded_and_the_execution_fails_past_the_bound() {
    let def = json!({"StartAt": "Loop", "States": {
        "Loop": {"Type": "Pass", "Next": "Again"},
        "Again": {"Type": "Choice", "Default": "Loop",
                  "Choices": [{"Variable": "$.stop", "IsPresent": true, "Next": "Done"}]},
        "Done": {"Type": "Succeed"}}});
    let options = RunOptions {
        max_history_events: Some(100),
        ..RunOptions::default()
    };
    let exec = Runner::new(machine(def), TaskRegistry::new())
        .with_options(options)
        .run(json!({}))
        .await;
    assert_eq!(exec.status, Status::Failed);
    assert_eq!(exec.error.as_deref(), Some("States.Runtime"));
    assert!(exec.history.len() <= 101);
    assert_eq!(
        exec.history.last().map(|e| e.event_type),
        Some(EventType::ExecutionFailed)
    );
}

#[tokio::test(start_paused = true)]
async fn history_uses_the_service_event_names_and_chains_previous_ids() {
    let def = json!({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": task("echo"), "Next": "C"},
        "C": {"Type": "Choice", "Choices": [{"Variable": "$.go", "BooleanEquals": true, "Next": "S"}], "Default": "S"},
        "S": {"Type": "Succeed"}}});
    let mut tasks = TaskRegistry::new();
    tasks.register("echo", sync_handler_fn(Ok));
    let exec = Runner::new(machine(def), tasks)
        .run(json!({"go": true}))
        .await;
    let names: Vec<&str> = exec.history.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(
        names,
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "LambdaFunctionScheduled",
            "LambdaFunctionStarted",
            "LambdaFunctionSucceeded",
            "TaskStateExited",
            "ChoiceStateEntered",
            "ChoiceStateExited",
            "SucceedStateEntered",
            "SucceedStateExited",
            "ExecutionSucceeded"
        ]
    );
    for (i, e) in exec.history.iter().enumerate() {
        assert_eq!(e.id, i as u64 + 1);
        assert_eq!(e.previous_event_id, i as u64);
    }
}

#[tokio::test(start_paused = true)]
async fn an_execution_can_be_aborted_from_outside() {
    let def =
        json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 100, "End": true}}});
    let runner = Runner::new(machine(def), TaskRegistry::new());
    let handle = runner.start(json!({}));
    tokio::time::sleep(Duration::from_secs(1)).await;
    handle.abort();
    let exec = handle.wait().await;
    assert_eq!(exec.status, Status::Aborted);
}

#[tokio::test(start_paused = true)]
async fn mock_configuration_answers_tasks_by_state_name_per_attempt() {
    let def = json!({"StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "f", "Payload.$": "$"},
        "Retry": [{"ErrorEquals": ["Lambda.ServiceException"], "IntervalSeconds": 1}],
        "OutputPath": "$.Payload", "End": true}}});
    let config = MockConfig::from_json(
        r#"{"StateMachines": {"M": {"TestCases": {"Retry": {"T": "R"}}}},
            "MockedResponses": {"R": {
              "0": {"Throw": {"Error": "Lambda.ServiceException", "Cause": "busy"}},
              "1": {"Return": {"StatusCode": 200, "Payload": {"ok": true}}}}}}"#,
    )
    .unwrap();
    let case = config.test_case(Some("M"), "Retry").unwrap();
    let exec = Runner::new(machine(def), TaskRegistry::new())
        .with_mocks(case)
        .run(json!({}))
        .await;
    assert_eq!(exec.output, Some(json!({"ok": true})));
}

#[tokio::test(start_paused = true)]
async fn an_unregistered_resource_is_a_task_failure_naming_it() {
    let def = json!({"StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "End": true}}});
    let exec = Runner::new(machine(def), TaskRegistry::new())
        .run(json!({}))
        .await;
    assert_eq!(exec.error.as_deref(), Some("States.TaskFailed"));
    assert!(exec
        .cause
        .unwrap()
        .contains("arn:aws:states:::sqs:sendMessage"));
}

#[tokio::test(start_paused = true)]
async fn a_handler_silent_past_heartbeat_seconds_fails_with_heartbeat_timeout() {
    use workflow_core::task::{TaskContext, TaskFuture, TaskHandler};
    struct Beats(u64);
    impl TaskHandler for Beats {
        fn invoke(&self, input: Val, ctx: TaskContext) -> TaskFuture {
            let n = self.0;
            Box::pin(async move {
                for _ in 0..n {
                    tokio::time::sleep(Duration::from_secs(4)).await;
                    ctx.heartbeat();
                }
                tokio::time::sleep(Duration::from_secs(4)).await;
                Ok(input)
            })
        }
    }
    let def = json!({"StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": task("beats"), "HeartbeatSeconds": 5, "End": true}}});
    let mut tasks = TaskRegistry::new();
    tasks.register("beats", Beats(3));
    let exec = Runner::new(machine(def.clone()), tasks)
        .run(json!({}))
        .await;
    assert_eq!(
        exec.status,
        Status::Succeeded,
        "beats every 4 s keep a 5 s heartbeat alive"
    );

    struct Silent;
    impl TaskHandler for Silent {
        fn invoke(&self, input: Val, _ctx: TaskContext) -> TaskFuture {
            Box::pin(async move {
                tokio::time::sleep(Duration::from_secs(60)).await;
                Ok(input)
            })
        }
    }
    let mut tasks = TaskRegistry::new();
    tasks.register("beats", Silent);
    let exec = Runner::new(machine(def), tasks).run(json!({})).await;
    assert_eq!(exec.error.as_deref(), Some("States.HeartbeatTimeout"));
}

#[tokio::test(start_paused = true)]
async fn distributed_map_reads_items_from_the_item_source_and_batches_them() {
    use workflow_core::run::InMemory;
    let def = json!({"StartAt": "M", "States": {"M": {
        "Type": "Map", "End": true,
        "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                       "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
                       "Parameters": {"Bucket": "words", "Key.$": "$.key"}},
        "ItemSelector": {"w.$": "$$.Map.Item.Value.word"},
        "ItemBatcher": {"MaxItemsPerBatch": 2, "BatchInput": {"run": 1}},
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "Count", "States": {"Count": {"Type": "Pass",
                "Parameters": {"n.$": "States.ArrayLength($.Items)", "run.$": "$.BatchInput.run"}, "End": true}}}}}});
    let mut store = InMemory::new();
    store.put("words", "in.csv", "word\napple\nfig\ndate\n");
    let options = RunOptions {
        item_source: Some(Arc::new(store)),
        ..RunOptions::default()
    };
    let exec = Runner::new(machine(def), TaskRegistry::new())
        .with_options(options)
        .run(json!({"key": "in.csv"}))
        .await;
    assert_eq!(
        exec.output,
        Some(json!([{"n": 2, "run": 1}, {"n": 1, "run": 1}])),
        "{:?} {:?}",
        exec.error,
        exec.cause
    );
}

#[tokio::test(start_paused = true)]
async fn tolerated_failures_keep_the_map_going_until_the_threshold() {
    let def = |pct: u64| {
        json!({"StartAt": "M", "States": {"M": {
            "Type": "Map", "End": true, "ToleratedFailurePercentage": pct,
            "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "C", "States": {
                    "C": {"Type": "Choice", "Choices": [{"Variable": "$", "NumericEquals": 0, "Next": "Bad"}], "Default": "Ok"},
                    "Bad": {"Type": "Fail", "Error": "Zero", "Cause": "zero item"},
                    "Ok": {"Type": "Pass", "End": true}}}}}})
    };
    let input = json!([1, 0, 2, 3]);
    let exec = Runner::new(machine(def(25)), TaskRegistry::new())
        .run(input.clone())
        .await;
    assert_eq!(exec.status, Status::Succeeded);
    assert_eq!(exec.output.unwrap()[1]["Error"], "Zero");
    let exec = Runner::new(machine(def(20)), TaskRegistry::new())
        .run(input)
        .await;
    assert_eq!(
        exec.error.as_deref(),
        Some("States.ExceedToleratedFailureThreshold")
    );
}

#[tokio::test(start_paused = true)]
async fn map_iterations_read_outer_variables_and_their_assignments_stay_inside() {
    let def = json!({"QueryLanguage": "JSONata", "StartAt": "Set", "States": {
        "Set": {"Type": "Pass", "Assign": {"factor": 10, "seen": "outer"}, "Next": "M"},
        "M": {"Type": "Map", "Items": "{% [1, 2] %}", "Next": "After",
              "ItemProcessor": {"StartAt": "Mul", "States": {"Mul": {"Type": "Pass",
                  "Assign": {"seen": "inner"},
                  "Output": "{% $states.input * $factor %}", "End": true}}}},
        "After": {"Type": "Pass", "Output": {"results": "{% $states.input %}", "seen": "{% $seen %}"}, "End": true}}});
    let exec = Runner::new(machine(def), TaskRegistry::new())
        .run(json!({}))
        .await;
    assert_eq!(
        exec.output,
        Some(json!({"results": [10, 20], "seen": "outer"}))
    );
}

#[tokio::test(start_paused = true)]
async fn an_assign_over_the_size_limit_is_data_limit_exceeded() {
    let def = json!({"StartAt": "Set", "States": {
        "Set": {"Type": "Pass", "Assign": {"big.$": "$.s"}, "End": true}}});
    let exec = Runner::new(machine(def), TaskRegistry::new())
        .run(json!({"s": "x".repeat(200 * 1024), "t": 1}))
        .await;
    assert_eq!(exec.status, Status::Succeeded);
    let def = json!({"StartAt": "Set", "States": {
        "Set": {"Type": "Pass", "Assign": {"a.$": "$.s", "b.$": "$.s"}, "End": true}}});
    let exec = Runner::new(machine(def), TaskRegistry::new())
        .run(json!({"s": "x".repeat(150 * 1024)}))
        .await;
    assert_eq!(exec.error.as_deref(), Some("States.DataLimitExceeded"));
}

#[tokio::test(start_paused = true)]
async fn a_task_sees_the_same_token_as_the_context_object() {
    use workflow_core::task::{TaskContext, TaskFuture, TaskHandler};
    struct Token;
    impl TaskHandler for Token {
        fn invoke(&self, _input: Val, ctx: TaskContext) -> TaskFuture {
            Box::pin(async move { Ok(val!(ctx.task_token())) })
        }
    }
    let def = json!({"StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {"token.$": "$$.Task.Token"},
        "ResultSelector": {"seen.$": "$", "given.$": "$$.Task.Token"}, "End": true}}});
    let mut tasks = TaskRegistry::new();
    tasks.register("arn:aws:states:::sqs:sendMessage.waitForTaskToken", Token);
    let exec = Runner::new(machine(def), tasks).run(json!({})).await;
    let out = exec.output.unwrap();
    assert!(!out["seen"].as_str().unwrap().is_empty());
    assert_eq!(out["seen"], out["given"]);
}

/// A catcher that reads the context object (`$$` in its Assign, `$states.context` in a JSONata
/// catcher's Output) gets it even when nothing else in its state reads it.
#[tokio::test]
async fn a_catcher_reads_the_context_object_though_its_state_does_not() {
    let failing = || {
        let mut tasks = TaskRegistry::new();
        tasks.register(
            "boom",
            sync_handler_fn(|_| Err(StatesError::new("Boom", "always"))),
        );
        tasks
    };
    let path_mode = json!({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": task("boom"), "Next": "Done",
              "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Done", "ResultPath": null,
                         "Assign": {"where.$": "$$.State.Name", "input.$": "$$.Execution.Input"}}]},
        "Done": {"Type": "Pass", "Parameters": {"where.$": "$where", "input.$": "$input"},
                 "End": true}}});
    let exec = Runner::new(machine(path_mode), failing())
        .run(json!({"n": 1}))
        .await;
    assert_eq!(exec.status, Status::Succeeded, "{:?}", exec.cause);
    assert_eq!(exec.output, Some(json!({"where": "T", "input": {"n": 1}})));

    let jsonata = json!({"QueryLanguage": "JSONata", "StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": task("boom"), "End": true,
              "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Done",
                         "Output": "{% {'where': $states.context.State.Name, 'input': $states.context.Execution.Input} %}"}]},
        "Done": {"Type": "Succeed"}}});
    let exec = Runner::new(machine(jsonata), failing())
        .run(json!({"n": 2}))
        .await;
    assert_eq!(exec.status, Status::Succeeded, "{:?}", exec.cause);
    assert_eq!(exec.output, Some(json!({"where": "T", "input": {"n": 2}})));
}

/// Iterations whose task answers at once end on their first poll and never take a place among
/// the running ones; mixed with iterations that wait, MaxConcurrency still bounds those in
/// flight, and the results keep item order.
#[tokio::test(start_paused = true)]
async fn map_of_tasks_answering_at_once_or_later_honours_max_concurrency_and_item_order() {
    let def = map_of_task("work", json!({"MaxConcurrency": 3}));
    // Odd items wait; even ones answer at once.
    let (tasks, peak) = concurrency_probe_waiting_for(|v| v.as_u64().is_some_and(|n| n % 2 == 1));
    let items: Vec<Value> = (0..30).map(|i| json!(i)).collect();
    let exec = Runner::new(machine(def), tasks)
        .run(Value::Array(items.clone()))
        .await;
    assert_eq!(exec.output, Some(Value::Array(items)));
    assert_eq!(peak.load(Ordering::SeqCst), 3);
}

/// A long Map of tasks that answer at once still lets the runtime's other tasks run while it
/// goes (it yields every so often), so that an abort or a timeout is seen.
#[tokio::test]
async fn a_long_map_of_tasks_answering_at_once_yields_to_other_tasks() {
    let def = map_of_task("look", json!({"MaxConcurrency": 40}));
    let other_ran = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let seen_midway = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (o, s) = (Arc::clone(&other_ran), Arc::clone(&seen_midway));
    let mut tasks = TaskRegistry::new();
    tasks.register(
        "look",
        sync_handler_fn(move |v: Value| {
            if v.as_u64().is_some_and(|n| n < 9_000) && o.load(Ordering::SeqCst) {
                s.store(true, Ordering::SeqCst);
            }
            Ok(v)
        }),
    );
    let o = Arc::clone(&other_ran);
    let other = tokio::spawn(async move { o.store(true, Ordering::SeqCst) });
    let items: Vec<Value> = (0..10_000).map(|i| json!(i)).collect();
    // 70,000 events: past the service's 25,000.
    let options = RunOptions {
        max_history_events: None,
        ..RunOptions::default()
    };
    let exec = Runner::new(machine(def), tasks)
        .with_options(options)
        .run(Value::Array(items))
        .await;
    other.await.unwrap();
    assert_eq!(exec.status, Status::Succeeded);
    assert!(
        seen_midway.load(Ordering::SeqCst),
        "the other task ran only after the Map"
    );
}

/// A handler that borrows its input reads the very value the history records for the call
/// (`LambdaFunctionScheduled`): a Map's results handed to a reducer are not copied for it.
/// (Values share their strings, arrays and objects: "the very value" is the same shared
/// allocation.)
#[tokio::test]
async fn a_borrowing_handler_reads_the_input_the_history_records_without_a_copy() {
    use workflow_core::task::{shared_handler_fn, sync_handler_ref};
    /// Where a value's shared contents live.
    fn shared_at(v: &Val) -> usize {
        match v {
            Val::String(s) => s.as_ptr() as usize,
            Val::Array(a) => Arc::as_ptr(a) as usize,
            Val::Object(o) => Arc::as_ptr(o) as usize,
            other => panic!("{other} shares nothing"),
        }
    }
    let def = json!({"StartAt": "M", "States": {
        "M": {"Type": "Map", "ItemsPath": "$.words", "Next": "Reduce",
              "ItemProcessor": {"StartAt": "Len", "States": {
                  "Len": {"Type": "Task", "Resource": task("len"), "End": true}}}},
        "Reduce": {"Type": "Task", "Resource": task("sum"), "End": true}}});
    let seen = Arc::new(Mutex::new(Vec::<(&str, usize)>::new()));
    let mut tasks = TaskRegistry::new();
    let s = Arc::clone(&seen);
    tasks.register(
        "len",
        shared_handler_fn(move |word: Val| {
            s.lock().unwrap().push(("len", shared_at(&word)));
            let n = word.as_str().map_or(0, str::len);
            Box::pin(async move { Ok(val!({ "length": n })) })
        }),
    );
    let s = Arc::clone(&seen);
    tasks.register(
        "sum",
        sync_handler_ref(move |items: &Val| {
            s.lock().unwrap().push(("sum", shared_at(items)));
            let total: u64 = items
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|i| i.get("length").and_then(Val::as_u64))
                .sum();
            Ok(val!({ "total": total }))
        }),
    );
    let exec = Runner::new(machine(def), tasks)
        .run(json!({"words": ["a", "bcd"]}))
        .await;
    assert_eq!(exec.status, Status::Succeeded, "{:?}", exec.error);
    assert_eq!(exec.output, Some(json!({"total": 4})));
    let scheduled: Vec<usize> = exec
        .history
        .iter()
        .filter(|e| e.event_type == EventType::LambdaFunctionScheduled)
        .map(|e| shared_at(e.details.input.as_ref().expect("scheduled input")))
        .collect();
    let seen = seen.lock().unwrap();
    let mut got: Vec<usize> = seen.iter().map(|(_, at)| *at).collect();
    let mut expected = scheduled;
    expected.sort_unstable();
    got.sort_unstable();
    assert_eq!(seen.len(), 3);
    assert_eq!(got, expected, "borrowing handlers read the recorded inputs");
}

/// A Task state's events are timed as they happen, with one clock reading for events back to
/// back: entered, scheduled and started together on a first attempt; a retry's scheduled and
/// started after its wait; succeeded and the state's exit (and the iteration's end) together
/// after the handler's own time.
#[tokio::test(start_paused = true)]
async fn task_events_are_timed_at_entry_after_each_wait_and_at_the_result() {
    let def = json!({"StartAt": "M", "States": {"M": {
        "Type": "Map", "End": true,
        "ItemProcessor": {"StartAt": "T", "States": {"T": {
            "Type": "Task", "Resource": task("slow"), "End": true,
            "Retry": [{"ErrorEquals": ["Boom"], "IntervalSeconds": 2}]}}}}}});
    let calls = Arc::new(AtomicUsize::new(0));
    let c = Arc::clone(&calls);
    let mut tasks = TaskRegistry::new();
    tasks.register(
        "slow",
        handler_fn(move |v: Value| {
            let first = c.fetch_add(1, Ordering::SeqCst) == 0;
            async move {
                tokio::time::sleep(Duration::from_secs(1)).await;
                match first {
                    true => Err(StatesError::new("Boom", "first call")),
                    false => Ok(v),
                }
            }
        }),
    );
    let options = RunOptions {
        clock: Clock::pinned_at_unix_millis(0),
        ..RunOptions::default()
    };
    let exec = Runner::new(machine(def), tasks)
        .with_options(options)
        .run(json!([7]))
        .await;
    assert_eq!(exec.status, Status::Succeeded, "{:?}", exec.error);
    let timeline: Vec<(EventType, i64)> = exec
        .history
        .iter()
        .skip_while(|e| e.event_type != EventType::MapIterationStarted)
        .take_while(|e| e.event_type != EventType::MapStateSucceeded)
        .map(|e| (e.event_type, e.timestamp_millis))
        .collect();
    use EventType::*;
    assert_eq!(
        timeline,
        vec![
            (MapIterationStarted, 0),
            (TaskStateEntered, 0),
            (LambdaFunctionScheduled, 0),
            (LambdaFunctionStarted, 0),
            (LambdaFunctionFailed, 1000),
            (LambdaFunctionScheduled, 3000),
            (LambdaFunctionStarted, 3000),
            (LambdaFunctionSucceeded, 4000),
            (TaskStateExited, 4000),
            (MapIterationSucceeded, 4000),
        ]
    );
}

/// Each Map iteration starts with no variables of its own, also when the iterations run in a
/// plain loop that reuses one frame: a variable one iteration assigns is not present in the
/// next, while the Map's own scope stays visible to all.
#[tokio::test]
async fn a_map_iteration_never_sees_the_variables_an_earlier_iteration_assigned() {
    let def = json!({"StartAt": "Outer", "States": {
        "Outer": {"Type": "Pass", "Assign": {"outer": "o"}, "Next": "M"},
        "M": {"Type": "Map", "End": true,
              "ItemProcessor": {"StartAt": "Seen", "States": {
                  "Seen": {"Type": "Choice",
                           "Choices": [{"Variable": "$mine", "IsPresent": true, "Next": "Leaked"}],
                           "Default": "Fresh"},
                  "Leaked": {"Type": "Pass", "Result": "leaked", "End": true},
                  "Fresh": {"Type": "Pass", "Assign": {"mine.$": "$"},
                            "Parameters": {"item.$": "$", "outer.$": "$outer"}, "End": true}}}}}});
    let exec = Runner::new(machine(def), TaskRegistry::new())
        .run(json!([1, 2, 3]))
        .await;
    assert_eq!(exec.status, Status::Succeeded, "{:?}", exec.cause);
    assert_eq!(
        exec.output,
        Some(json!([
            {"item": 1, "outer": "o"},
            {"item": 2, "outer": "o"},
            {"item": 3, "outer": "o"}
        ]))
    );
}

#[tokio::test(start_paused = true)]
async fn map_results_keep_item_order_when_later_iterations_end_first() {
    // Item i waits (5 - i) x 10 ms, so the last item ends first; item 2 fails, tolerated.
    let def = map_of_task("late", json!({"ToleratedFailureCount": 1}));
    let mut tasks = TaskRegistry::new();
    tasks.register(
        "late",
        handler_fn(|v: Value| async move {
            let i = v.as_u64().unwrap_or(0);
            tokio::time::sleep(Duration::from_millis((5 - i) * 10)).await;
            match i {
                2 => Err(StatesError::new("Odd", "item 2")),
                _ => Ok(json!(i * 10)),
            }
        }),
    );
    let runner = Runner::new(machine(def), tasks);
    let exec = runner.run(json!([0, 1, 2, 3, 4])).await;
    assert_eq!(
        exec.output,
        Some(json!([0, 10, {"Error": "Odd", "Cause": "item 2"}, 30, 40]))
    );
}
