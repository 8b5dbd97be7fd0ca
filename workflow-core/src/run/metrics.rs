//! Per-task metrics: invocations, errors, retries, durations and concurrency.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How many call durations [`TaskMetrics::durations`] keeps at least; it holds at most twice as
/// many.
pub const RECENT_DURATIONS: usize = 1000;

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
    /// Durations of the latest calls, in completion order: at least the last
    /// [`RECENT_DURATIONS`] (older ones are dropped, so that a long-lived runner's metrics
    /// stay bounded), or every call when call times are recorded.
    pub durations: Vec<Duration>,
    /// When each call started, parallel to `durations` (call `i` ran from `call_starts[i]` for
    /// `durations[i]`); empty unless the metrics were made with [`Metrics::recording_call_times`].
    pub call_starts: Vec<Instant>,
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

#[derive(Debug, Default)]
struct Entry {
    metrics: TaskMetrics,
    in_flight: u64,
}

/// The metrics of every task, keyed by resource (or function name for Lambda invocations).
#[derive(Debug, Default)]
pub struct Metrics {
    tasks: Mutex<HashMap<Arc<str>, Entry>>,
    call_times: bool,
}

/// Marks a call in flight until dropped.
pub(crate) struct InFlight<'a> {
    metrics: &'a Metrics,
    key: Arc<str>,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if let Some(e) = self.metrics.lock().get_mut(&self.key) {
            e.in_flight = e.in_flight.saturating_sub(1);
        }
    }
}

impl Metrics {
    /// Metrics that also record when each call started ([`TaskMetrics::call_starts`]), from
    /// which concurrency over time can be drawn; give them to [`Runner::with_metrics`].
    ///
    /// [`Runner::with_metrics`]: super::Runner::with_metrics
    pub fn recording_call_times() -> Self {
        Metrics {
            call_times: true,
            ..Metrics::default()
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<Arc<str>, Entry>> {
        self.tasks.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn start(&self, key: &Arc<str>) -> InFlight<'_> {
        let mut map = self.lock();
        let e = map.entry(key.clone()).or_default();
        e.metrics.invocations += 1;
        e.in_flight += 1;
        e.metrics.peak_concurrency = e.metrics.peak_concurrency.max(e.in_flight);
        InFlight {
            metrics: self,
            key: key.clone(),
        }
    }

    pub(crate) fn finished(&self, key: &Arc<str>, started: tokio::time::Instant, ok: bool) {
        let took = started.elapsed();
        let mut map = self.lock();
        let e = map.entry(key.clone()).or_default();
        let m = &mut e.metrics;
        // Recording call times keeps every call (the concurrency report needs them all);
        // otherwise only the recent durations are kept, so a long-lived runner stays bounded.
        if !self.call_times && m.durations.len() >= 2 * RECENT_DURATIONS {
            m.durations.drain(..m.durations.len() - RECENT_DURATIONS);
        }
        m.durations.push(took);
        if self.call_times {
            m.call_starts.push(started.into_std());
        }
        if !ok {
            e.metrics.errors += 1;
        }
    }

    pub(crate) fn retried(&self, key: &Arc<str>) {
        self.lock().entry(key.clone()).or_default().metrics.retries += 1;
    }

    /// A snapshot of every task's metrics, sorted by resource.
    pub fn snapshot(&self) -> Vec<(String, TaskMetrics)> {
        let mut v: Vec<_> = self
            .lock()
            .iter()
            .map(|(k, e)| (k.to_string(), e.metrics.clone()))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_stay_bounded_and_keep_the_latest_calls() {
        let m = Metrics::default();
        let key: Arc<str> = Arc::from("f");
        // Call `i` started `i` ms before `now`, so its duration (plus the little time the loop
        // takes) tells which call it was.
        let now = tokio::time::Instant::now();
        for i in 0..10_000u64 {
            drop(m.start(&key));
            m.finished(&key, now - Duration::from_millis(i), true);
        }
        let (_, t) = &m.snapshot()[0];
        assert_eq!(t.invocations, 10_000);
        let n = t.durations.len();
        assert!(
            (RECENT_DURATIONS..=2 * RECENT_DURATIONS).contains(&n),
            "{n}"
        );
        let call = |d: &Duration| d.as_millis() as usize;
        let latest = call(&t.durations[n - 1]);
        assert!((9_999..10_499).contains(&latest), "{latest}");
        let oldest = call(&t.durations[0]);
        assert!((10_000 - n..10_500 - n).contains(&oldest), "{oldest}");
    }
}
