//! Per-task metrics: invocations, errors, retries, durations and concurrency.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// What one resource (task) did, across every execution of a runner.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskMetrics {
    /// Calls started.
    pub invocations: u64,
    /// Calls that failed (errors, panics, timeouts).
    pub errors: u64,
    /// Retries scheduled by a Retry policy.
    pub retries: u64,
    /// The most calls in flight at once.
    pub peak_concurrency: u64,
    /// Duration of each call, in completion order.
    pub durations: Vec<Duration>,
}

impl TaskMetrics {
    /// The `p`-th percentile (0..=100) of the call durations (nearest rank).
    pub fn duration_percentile(&self, p: f64) -> Option<Duration> {
        if self.durations.is_empty() {
            return None;
        }
        let mut d = self.durations.clone();
        d.sort_unstable();
        let rank = ((p / 100.0) * d.len() as f64).ceil().max(1.0) as usize;
        Some(d[rank.min(d.len()) - 1])
    }
}

/// One resource's counters: atomics, so that a call touches the shared table only once.
#[derive(Debug, Default)]
struct Entry {
    invocations: AtomicU64,
    errors: AtomicU64,
    retries: AtomicU64,
    in_flight: AtomicU64,
    peak_concurrency: AtomicU64,
    durations: Mutex<Vec<Duration>>,
}

impl Entry {
    fn snapshot(&self) -> TaskMetrics {
        TaskMetrics {
            invocations: self.invocations.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            peak_concurrency: self.peak_concurrency.load(Ordering::Relaxed),
            durations: lock(&self.durations).clone(),
        }
    }
}

/// The metrics of every task, keyed by resource (or function name for Lambda invocations).
#[derive(Debug, Default)]
pub struct Metrics {
    tasks: Mutex<HashMap<Arc<str>, Arc<Entry>>>,
    /// The entry found last, under the very key (same allocation) it was asked for: a Map of
    /// tasks asks for one key over and over, and comparing pointers is cheaper than hashing.
    last: Mutex<Option<(Arc<str>, Arc<Entry>)>>,
}

/// A call in flight, from [`Metrics::start`] until [`finished`](InFlight::finished) (or drop,
/// which counts as a failed call that took no time to record).
pub(crate) struct InFlight {
    entry: Arc<Entry>,
    done: bool,
}

impl InFlight {
    /// Records how long the call took and whether it succeeded.
    pub(crate) fn finished(mut self, took: Duration, ok: bool) {
        self.done = true;
        self.entry.in_flight.fetch_sub(1, Ordering::Relaxed);
        lock(&self.entry.durations).push(took);
        if !ok {
            self.entry.errors.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if !self.done {
            // The call was abandoned (its execution aborted or timed out).
            self.entry.in_flight.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

/// A poisoned lock only means another thread panicked while holding it; the data is intact.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Metrics {
    fn entry(&self, key: &Arc<str>) -> Arc<Entry> {
        let mut last = lock(&self.last);
        if let Some((k, e)) = &*last {
            if Arc::ptr_eq(k, key) {
                return Arc::clone(e);
            }
        }
        let entry = Arc::clone(lock(&self.tasks).entry(key.clone()).or_default());
        *last = Some((key.clone(), Arc::clone(&entry)));
        entry
    }

    /// Counts a call to `key` as started and in flight.
    pub(crate) fn start(&self, key: &Arc<str>) -> InFlight {
        let entry = self.entry(key);
        entry.invocations.fetch_add(1, Ordering::Relaxed);
        let now = entry.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
        entry.peak_concurrency.fetch_max(now, Ordering::Relaxed);
        InFlight { entry, done: false }
    }

    pub(crate) fn retried(&self, key: &Arc<str>) {
        self.entry(key).retries.fetch_add(1, Ordering::Relaxed);
    }

    /// A snapshot of every task's metrics, sorted by resource.
    pub fn snapshot(&self) -> Vec<(String, TaskMetrics)> {
        let mut v: Vec<_> = lock(&self.tasks)
            .iter()
            .map(|(k, e)| (k.to_string(), e.snapshot()))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }
}
