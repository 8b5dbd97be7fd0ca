//! Load: 10,000 concurrent executions of the origin MapReduce workflow in one process.
//!
//! Every output must be `{"totalLength": 39}`. A counting global allocator tracks the live
//! heap: after the executions are gathered and dropped it must be back within 10% of its base.
//! The base is measured after a warm-up batch of 2,500 executions, with the runtime, machine
//! and runner in place: by then the runner's task metrics hold their bounded window of recent
//! call durations (`RECENT_DURATIONS`) and tokio's queues have their working size, so what
//! remains above the base afterwards is what the 10,000 executions left behind.
//! Prints the figures; exits non-zero when a check fails. Run with `cargo bench --bench load`
//! (`-- --executions N` to change the count). Not part of `cargo test`.

use serde_json::{json, Value};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;
use workflow_core::run::{Machine, Runner, Status};
use workflow_core::task::{sync_handler_fn, TaskRegistry};
use workflow_core::StatesError;

/// The system allocator, counting live bytes, their peak and the number of allocations.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

fn grew(bytes: usize) {
    let live = LIVE.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(live, Ordering::Relaxed);
    ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
}

// SAFETY: every call is forwarded unchanged to the system allocator; the counters are atomics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            grew(new_size);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The origin's corrected MapReduce (`mapreduce.asl.json`), used when ../shared is absent.
const MAPREDUCE: &str = r#"{
  "Comment": "A simple AWS Step Functions example for MapReduce using Map state",
  "StartAt": "MapTask",
  "States": {
    "MapTask": {
      "Type": "Map",
      "MaxConcurrency": 2,
      "Iterator": {
        "StartAt": "CalculateLength",
        "States": {
          "CalculateLength": {
            "Type": "Task",
            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:map-reduce-step-functions-dev-mapFunction",
            "End": true
          }
        }
      },
      "ItemsPath": "$.data",
      "ResultPath": "$.mappedResults",
      "Next": "ReduceTask"
    },
    "ReduceTask": {
      "Type": "Task",
      "Resource": "arn:aws:lambda:us-east-1:123456789012:function:map-reduce-step-functions-dev-reduceFunction",
      "InputPath": "$.mappedResults",
      "End": true
    }
  }
}"#;

fn definition() -> (String, &'static str) {
    let shared = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/origin/mapreduce.asl.json"
    );
    match std::fs::read_to_string(shared) {
        Ok(text) => (text, "../shared/origin/mapreduce.asl.json"),
        Err(_) => (MAPREDUCE.to_owned(), "the copy in benches/load.rs"),
    }
}

fn input() -> Value {
    let words = [
        "apple",
        "banana",
        "cherry",
        "date",
        "elderberry",
        "fig",
        "grape",
    ];
    json!({ "data": words.iter().map(|w| json!({"word": w})).collect::<Vec<_>>() })
}

/// The origin's two Lambda functions.
fn tasks() -> TaskRegistry {
    let mut tasks = TaskRegistry::new();
    tasks.register(
        "map-reduce-step-functions-dev-mapFunction",
        sync_handler_fn(|item: Value| {
            let word = item["word"].as_str().ok_or_else(|| {
                StatesError::new("TypeError", "mapFunction expects {\"word\": string}")
            })?;
            Ok(json!({ "length": word.chars().count() }))
        }),
    );
    tasks.register(
        "map-reduce-step-functions-dev-reduceFunction",
        sync_handler_fn(|lengths: Value| {
            let lengths = lengths
                .as_array()
                .ok_or_else(|| StatesError::new("TypeError", "reduceFunction expects a list"))?;
            let total: u64 = lengths.iter().filter_map(|l| l["length"].as_u64()).sum();
            Ok(json!({ "totalLength": total }))
        }),
    );
    tasks
}

/// Starts `n` executions at once, waits for all, and counts the right outputs, the wrong ones
/// and the history events.
async fn batch(runner: &Runner, n: usize, expected: &Value) -> (usize, usize, usize) {
    let handles: Vec<_> = (0..n).map(|_| runner.start(input())).collect();
    let mut ok = 0usize;
    let mut wrong = 0usize;
    let mut events = 0usize;
    for h in handles {
        let exec = h.wait().await;
        events += exec.history.len();
        if exec.status == Status::Succeeded && exec.output.as_ref() == Some(expected) {
            ok += 1;
        } else {
            wrong += 1;
            if wrong <= 3 {
                eprintln!(
                    "unexpected: {:?} {:?} {:?}",
                    exec.status, exec.output, exec.cause
                );
            }
        }
    }
    (ok, wrong, events)
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut executions = 10_000usize;
    while let Some(a) = args.next() {
        if a == "--executions" {
            executions = args
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(executions);
        }
    }
    let (text, source) = definition();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let machine = Machine::from_json(&text).expect("the MapReduce definition is valid");
    let runner = Runner::new(machine, tasks());
    let expected = json!({"totalLength": 39});

    let cold = LIVE.load(Ordering::Relaxed);
    let (warm_ok, _, _) = runtime.block_on(batch(&runner, 2_500, &expected));
    assert_eq!(warm_ok, 2_500, "every warm-up execution outputs the total");
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let allocations_before = ALLOCATIONS.load(Ordering::Relaxed);

    let started = Instant::now();
    let (ok, wrong, events) = runtime.block_on(batch(&runner, executions, &expected));
    let elapsed = started.elapsed();
    let peak = PEAK.load(Ordering::Relaxed);
    let after = LIVE.load(Ordering::Relaxed);
    let allocations = ALLOCATIONS.load(Ordering::Relaxed) - allocations_before;
    let growth = after as f64 / base as f64 - 1.0;

    println!("load: {executions} concurrent executions of the MapReduce from {source}");
    println!(
        "  outputs {{\"totalLength\": 39}}: {ok} of {executions} ({wrong} wrong); {events} history events"
    );
    println!(
        "  time {:.2?} ({:.0} executions/s), {} allocations ({:.0} per execution)",
        elapsed,
        executions as f64 / elapsed.as_secs_f64(),
        allocations,
        allocations as f64 / executions as f64
    );
    println!(
        "  live heap: {:.3} MiB before the warm-up, base {:.3} MiB, peak {:.2} MiB, after {:.3} MiB ({:+.2}% of base)",
        mib(cold),
        mib(base),
        mib(peak),
        mib(after),
        growth * 100.0
    );
    let mut failed = false;
    if wrong > 0 {
        eprintln!("FAIL: {wrong} executions did not output {{\"totalLength\": 39}}");
        failed = true;
    }
    if growth > 0.10 {
        eprintln!(
            "FAIL: the live heap is {:+.2}% of its base after the load (limit +10%)",
            growth * 100.0
        );
        failed = true;
    }
    if failed {
        std::process::exit(1);
    }
    println!("  ok");
}
