//! Load: 10,000 concurrent executions of the MapReduce example (`examples::mapreduce`, its
//! `#[workflow]` and `#[task]`s, run in-process) in one process.
//!
//! Every output must be `{"totalLength": 39}`. A counting global allocator tracks the live
//! heap: after the executions are gathered and dropped it must be back within 10% of its base.
//! The base is measured after a warm-up batch of 2,500 executions, with the runtime and the
//! lowered workflow in place, so that tokio's queues have their working size; the heap before
//! the warm-up is printed beside it (each execution has a runner of its own, so the two are
//! the same when nothing is retained). What remains above the base afterwards is what the
//! 10,000 executions left behind. Prints the figures; exits non-zero when a check fails. Run
//! with `cargo bench -p examples --bench load` (`-- --executions N` to change the count). Not
//! part of `cargo test`.

use examples::mapreduce;
use serde_json::{json, Value};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;
use workflow_codegen::InProcess;
use workflow_core::run::Status;

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

/// Starts `n` executions at once (each a task of the runtime), waits for all, and counts the
/// right outputs, the wrong ones and the history events.
async fn batch(
    wf: &Arc<InProcess>,
    input: &Value,
    n: usize,
    expected: &Value,
) -> (usize, usize, usize) {
    let handles: Vec<_> = (0..n)
        .map(|_| {
            let wf = Arc::clone(wf);
            let input = input.clone();
            tokio::spawn(async move { wf.run_json(input).await })
        })
        .collect();
    let mut ok = 0usize;
    let mut wrong = 0usize;
    let mut events = 0usize;
    for h in handles {
        match h.await {
            Ok(Ok(exec)) => {
                events += exec.history.len();
                if exec.status == Status::Succeeded && exec.output.as_ref() == Some(expected) {
                    ok += 1;
                    continue;
                }
                wrong += 1;
                if wrong <= 3 {
                    eprintln!(
                        "unexpected: {:?} {:?} {:?}",
                        exec.status, exec.output, exec.cause
                    );
                }
            }
            other => {
                wrong += 1;
                if wrong <= 3 {
                    eprintln!("unexpected: {other:?}");
                }
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
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let definition = mapreduce::mapreduce::definition();
    // The example's own sample input: the seven words of the origin, totalling 39.
    let input = definition
        .sample_input
        .clone()
        .expect("the MapReduce example has a sample input");
    let wf = Arc::new(
        definition
            .in_process()
            .expect("the MapReduce example lowers and validates"),
    );
    let expected = json!({"totalLength": 39});

    let cold = LIVE.load(Ordering::Relaxed);
    let (warm_ok, _, _) = runtime.block_on(batch(&wf, &input, 2_500, &expected));
    assert_eq!(warm_ok, 2_500, "every warm-up execution outputs the total");
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let allocations_before = ALLOCATIONS.load(Ordering::Relaxed);

    let started = Instant::now();
    let (ok, wrong, events) = runtime.block_on(batch(&wf, &input, executions, &expected));
    let elapsed = started.elapsed();
    let peak = PEAK.load(Ordering::Relaxed);
    let after = LIVE.load(Ordering::Relaxed);
    let allocations = ALLOCATIONS.load(Ordering::Relaxed) - allocations_before;
    let growth = after as f64 / base as f64 - 1.0;

    println!(
        "load: {executions} concurrent executions of the MapReduce example (examples::mapreduce)"
    );
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
