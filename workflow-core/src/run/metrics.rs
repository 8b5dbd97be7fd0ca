//! Per-task metrics: invocations, errors, retries, durations and concurrency.

use super::monotonic::{duration_nanos, Ticks};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How many call durations [`TaskMetrics::durations`] keeps at least: it holds the latest
/// twice as many.
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
    /// Durations of the latest calls, in completion order: the last 2 x
    /// [`RECENT_DURATIONS`] (older ones are dropped, so that a long-lived runner's metrics
    /// stay bounded), or every call when call times are recorded. A Map whose one state is a
    /// Task with a synchronous handler makes its calls back to back: unless call times are
    /// recorded, each of them after the first of a chunk is timed from the end of the one
    /// before, so its duration also holds the interpreter's work between the two (a fraction
    /// of a microsecond); [`Metrics::recording_call_times`] times every call alone.
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

/// One resource's counters: atomics, so that a call touches the shared table at most once,
/// and takes no lock unless call times are recorded. A call that succeeds changes them with
/// two atomic read-modify-writes, one when it starts and one when it ends: each waits for
/// every store before it, which on Intel made the four a call took before a tenth of a
/// map-task-10k item (docs/performance.md).
#[derive(Debug)]
pub(crate) struct Entry {
    /// The calls in flight (the low [`IN_FLIGHT_BITS`] bits) and the calls finished (the
    /// rest, modulo 2^32: `finished_wraps` counts the wraps), in one word so that a call's
    /// end moves both at once. Calls started = finished + in flight + abandoned.
    calls: AtomicU64,
    finished_wraps: AtomicU64,
    /// Calls dropped before they finished (their futures abandoned: a timeout, a branch that
    /// failed).
    abandoned: AtomicU64,
    errors: AtomicU64,
    retries: AtomicU64,
    peak_concurrency: AtomicU64,
    /// The durations of the latest `2 * RECENT_DURATIONS` calls, in nanoseconds: the `n`th
    /// call to finish (from 0) in slot `n % len`. A lock and a `Vec` push per call cost
    /// map-task-10k 3% (a build without metrics) and made concurrent calls wait on each other.
    /// 16 KiB per resource, made with the entry (empty when call times are recorded, which
    /// keeps every duration in `times`): made at the first duration instead (a `OnceLock`),
    /// map-task-10k was 2% to 3% slower.
    recent: Box<[AtomicU64]>,
    /// Every call's duration and start, when call times are recorded.
    times: Mutex<Calls>,
}

/// How many low bits of [`Entry::calls`] count the calls in flight.
const IN_FLIGHT_BITS: u32 = 32;
/// One call in flight, in [`Entry::calls`].
const ONE_IN_FLIGHT: u64 = 1;
/// One call finished, in [`Entry::calls`].
const ONE_FINISHED: u64 = 1 << IN_FLIGHT_BITS;

impl Entry {
    /// The counters of a resource not called yet; with a ring of recent durations unless every
    /// call's times are recorded.
    fn new(call_times: bool) -> Self {
        let slots = if call_times { 0 } else { 2 * RECENT_DURATIONS };
        Entry {
            calls: AtomicU64::new(0),
            finished_wraps: AtomicU64::new(0),
            abandoned: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            retries: AtomicU64::new(0),
            peak_concurrency: AtomicU64::new(0),
            recent: (0..slots).map(|_| AtomicU64::new(0)).collect(),
            times: Mutex::default(),
        }
    }

    /// Counts a call as started and in flight, and the peak of calls in flight.
    #[inline]
    fn start(&self) {
        let before = self.calls.fetch_add(ONE_IN_FLIGHT, Ordering::Relaxed);
        let now = in_flight(before) + 1;
        // Read first: the peak rarely moves, and a read costs far less than a `fetch_max`.
        if now > self.peak_concurrency.load(Ordering::Relaxed) {
            self.peak_concurrency.fetch_max(now, Ordering::Relaxed);
        }
    }

    /// Counts a call in flight as finished, and returns how many finished before it.
    #[inline]
    fn finish(&self) -> u64 {
        self.finish_many(1)
    }

    /// Counts one in flight as `calls` calls finished (a [`Batch`]'s, none or more), and
    /// returns how many finished before them.
    #[inline]
    fn finish_many(&self, calls: u64) -> u64 {
        let change = (calls << IN_FLIGHT_BITS).wrapping_sub(ONE_IN_FLIGHT);
        let before = self.calls.fetch_add(change, Ordering::Relaxed);
        let finished = before >> IN_FLIGHT_BITS;
        let wraps = if finished + calls > u64::MAX >> IN_FLIGHT_BITS {
            // The finished count wrapped past 0 (after 2^32 calls): counted on.
            self.finished_wraps.fetch_add(1, Ordering::Relaxed)
        } else {
            self.finished_wraps.load(Ordering::Relaxed)
        };
        (wraps << (64 - IN_FLIGHT_BITS)) | finished
    }

    /// Takes back a call counted as started: no longer in flight, and not counted.
    fn take_back(&self) {
        self.calls.fetch_sub(ONE_IN_FLIGHT, Ordering::Relaxed);
    }

    /// Counts a call in flight as abandoned.
    fn abandon(&self) {
        self.take_back();
        self.abandoned.fetch_add(1, Ordering::Relaxed);
    }

    /// Calls started, and calls finished, so far.
    fn counts(&self) -> (u64, u64) {
        let calls = self.calls.load(Ordering::Relaxed);
        let wraps = self.finished_wraps.load(Ordering::Relaxed);
        let finished = (wraps << (64 - IN_FLIGHT_BITS)) | (calls >> IN_FLIGHT_BITS);
        let started = finished + in_flight(calls) + self.abandoned.load(Ordering::Relaxed);
        (started, finished)
    }
}

/// The calls in flight of an [`Entry::calls`] word.
fn in_flight(calls: u64) -> u64 {
    calls & (ONE_FINISHED - 1)
}

/// The durations and start times of every call, when they are recorded.
#[derive(Debug, Default)]
struct Calls {
    durations: Vec<Duration>,
    starts: Vec<Instant>,
}

impl Entry {
    /// The counters, and the durations of the latest calls (of every call when call times
    /// are recorded). A call finishing meanwhile may show the duration its slot held before.
    fn snapshot(&self, call_times: bool) -> TaskMetrics {
        let (invocations, finished) = self.counts();
        let (durations, call_starts) = if call_times {
            let times = lock(&self.times);
            (times.durations.clone(), times.starts.clone())
        } else {
            (self.recent_durations(finished), Vec::new())
        };
        TaskMetrics {
            invocations,
            errors: self.errors.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            peak_concurrency: self.peak_concurrency.load(Ordering::Relaxed),
            durations,
            call_starts,
        }
    }

    /// Where the `n`th call to finish keeps its duration.
    fn slot(&self, n: u64) -> Option<&AtomicU64> {
        let slots = self.recent.len() as u64;
        n.checked_rem(slots)
            .and_then(|i| self.recent.get(i as usize))
    }

    /// Records the duration, in nanoseconds, of the `n`th call to finish (call times not
    /// recorded).
    fn record_duration(&self, n: u64, nanos: u64) {
        if let Some(slot) = self.slot(n) {
            slot.store(nanos, Ordering::Relaxed);
        }
    }

    /// The durations in `recent` after `finished` calls, oldest first.
    fn recent_durations(&self, finished: u64) -> Vec<Duration> {
        let kept = finished.min(self.recent.len() as u64);
        (finished - kept..finished)
            .filter_map(|n| self.slot(n))
            .map(|slot| Duration::from_nanos(slot.load(Ordering::Relaxed)))
            .collect()
    }
}

/// The metrics of every task, keyed by resource (or function name for Lambda invocations).
#[derive(Debug, Default)]
pub struct Metrics {
    tasks: Mutex<HashMap<Arc<str>, Arc<Entry>>>,
    /// The entry found last, under the very key (same allocation) it was asked for: a Map of
    /// tasks asks for one key over and over, and comparing pointers is cheaper than hashing.
    last: Mutex<Option<(Arc<str>, Arc<Entry>)>>,
    call_times: bool,
}

/// A call in flight, from [`Metrics::start`] until [`finished`](InFlight::finished) (or drop:
/// an abandoned call, whose duration is not recorded).
pub(crate) struct InFlight<'m> {
    entry: EntryRef<'m>,
    call_times: bool,
    done: bool,
}

/// A resource's counters: borrowed from a cache that outlives the call, or held.
enum EntryRef<'m> {
    Borrowed(&'m Entry),
    Held(Arc<Entry>),
}

impl std::ops::Deref for EntryRef<'_> {
    type Target = Entry;

    fn deref(&self) -> &Entry {
        match self {
            EntryRef::Borrowed(e) => e,
            EntryRef::Held(e) => e,
        }
    }
}

impl InFlight<'_> {
    /// Records the call's duration (and start time, when recorded) and whether it succeeded.
    pub(crate) fn finished(self, started: tokio::time::Instant, ok: bool) {
        self.finished_after(|| started.into_std(), started.elapsed(), ok);
    }

    /// [`finished`](Self::finished) with the duration measured by the caller, and the start
    /// made into an [`Instant`] only when call times are recorded.
    pub(crate) fn finished_after(
        mut self,
        started: impl FnOnce() -> Instant,
        took: Duration,
        ok: bool,
    ) {
        self.done = true;
        let n = self.entry.finish();
        if !ok {
            self.entry.errors.fetch_add(1, Ordering::Relaxed);
        }
        if self.call_times {
            // Every call is kept (the concurrency report needs them all).
            let mut times = lock(&self.entry.times);
            times.durations.push(took);
            times.starts.push(started());
        } else {
            self.entry.record_duration(n, duration_nanos(took));
        }
    }

    /// Takes back a call counted as started that never was (its state failed first): not
    /// counted at all, though the peak it may have raised stays.
    pub(crate) fn never_called(mut self) {
        self.done = true;
        self.entry.take_back();
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.entry.abandon();
        }
    }
}

/// Synchronous calls of one task made one after another on one thread (a chunk of a Map's
/// iterations whose one state is the Task), counted together: in flight as one from the first
/// call's start to [`flush`](Self::flush) (or drop), and then finished, failed and timed
/// all at once. Two atomic operations a chunk instead of two a call: map-task-10k +13% on
/// Intel (docs/performance.md). Between flushes the counts lag by the calls made since, and
/// the chunk is in flight between its calls too, so that another thread's calls of the same
/// task overlapping the chunk count as concurrent with it. Not made when call times are
/// recorded (each call's start is kept then).
///
/// A call after the batch's first is timed from the end of the call before it: one reading
/// of the CPU's counter a call instead of two (map-task-10k +9% on Intel), so its duration
/// includes the interpreter's work between the two calls (recording the iterations' events,
/// a fraction of a microsecond).
pub(crate) struct Batch<'m> {
    entry: &'m Entry,
    in_flight: bool,
    errors: u64,
    /// The durations, in nanoseconds, of the calls finished since the last flush.
    durations: Vec<u64>,
    /// When the batch's last call ended: the start of the next one's duration.
    last_end: Option<Ticks>,
}

impl Batch<'_> {
    /// Counts a call as started: the batch is in flight from its first.
    #[inline]
    pub(crate) fn begin(&mut self) {
        if !self.in_flight {
            self.entry.start();
            self.in_flight = true;
        }
    }

    /// Records a call that finished at `end` after `took`, successfully or not.
    #[inline]
    pub(crate) fn finished(&mut self, (took, end): (Duration, Ticks), ok: bool) {
        self.durations.push(duration_nanos(took));
        self.errors += u64::from(!ok);
        self.last_end = Some(end);
    }

    /// Publishes the calls since the last flush: no longer in flight, finished, with their
    /// durations and errors.
    pub(crate) fn flush(&mut self) {
        if !std::mem::replace(&mut self.in_flight, false) {
            return;
        }
        let first = self.entry.finish_many(self.durations.len() as u64);
        for (n, nanos) in (first..).zip(self.durations.drain(..)) {
            self.entry.record_duration(n, nanos);
        }
        if self.errors > 0 {
            self.entry.errors.fetch_add(self.errors, Ordering::Relaxed);
            self.errors = 0;
        }
    }
}

impl Drop for Batch<'_> {
    fn drop(&mut self) {
        self.flush();
    }
}

/// How a call is counted: on its own, or in a [`Batch`].
pub(crate) enum Counted<'b, 'm> {
    Alone(InFlight<'m>),
    InBatch(&'b mut Batch<'m>),
}

impl Counted<'_, '_> {
    /// Where the call's duration starts: now, or in a batch after its first call, when the
    /// call before ended.
    #[inline]
    pub(crate) fn start(&mut self) -> Ticks {
        match self {
            Counted::InBatch(batch) => batch.last_end.unwrap_or_else(Ticks::now),
            Counted::Alone(_) => Ticks::now(),
        }
    }

    /// See [`InFlight::finished_after`]; `end` is the reading that ended `took`.
    #[inline]
    pub(crate) fn finished_after(
        self,
        started: impl FnOnce() -> Instant,
        (took, end): (Duration, Ticks),
        ok: bool,
    ) {
        match self {
            Counted::Alone(call) => call.finished_after(started, took, ok),
            Counted::InBatch(batch) => batch.finished((took, end), ok),
        }
    }

    /// See [`InFlight::never_called`] (a batch's next call may yet be).
    pub(crate) fn never_called(self) {
        if let Counted::Alone(call) = self {
            call.never_called();
        }
    }
}

/// A poisoned lock only means another thread panicked while holding it; the data is intact.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
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

    /// The counters of `key`, made on its first call.
    pub(crate) fn entry(&self, key: &Arc<str>) -> Arc<Entry> {
        let mut last = lock(&self.last);
        if let Some((k, e)) = &*last {
            if Arc::ptr_eq(k, key) {
                return Arc::clone(e);
            }
        }
        let entry = Arc::clone(
            lock(&self.tasks)
                .entry(key.clone())
                .or_insert_with(|| Arc::new(Entry::new(self.call_times))),
        );
        *last = Some((key.clone(), Arc::clone(&entry)));
        entry
    }

    /// Counts a call to `key` as started and in flight.
    pub(crate) fn start(&self, key: &Arc<str>) -> InFlight<'static> {
        self.start_with(EntryRef::Held(self.entry(key)))
    }

    /// [`start`](Self::start) with counters the caller keeps (from [`entry`](Self::entry)),
    /// so that a call neither looks them up nor counts a reference to them.
    pub(crate) fn start_cached<'m>(&self, entry: &'m Entry) -> InFlight<'m> {
        self.start_with(EntryRef::Borrowed(entry))
    }

    /// A [`Batch`] of calls counted in `entry` (from [`entry`](Self::entry)), with room for
    /// `calls` durations; none when every call's times are recorded.
    pub(crate) fn batch<'m>(&self, entry: &'m Entry, calls: usize) -> Option<Batch<'m>> {
        (!self.call_times).then(|| Batch {
            entry,
            in_flight: false,
            errors: 0,
            durations: Vec::with_capacity(calls),
            last_end: None,
        })
    }

    fn start_with<'m>(&self, entry: EntryRef<'m>) -> InFlight<'m> {
        entry.start();
        InFlight {
            entry,
            call_times: self.call_times,
            done: false,
        }
    }

    pub(crate) fn retried(&self, key: &Arc<str>) {
        self.entry(key).retries.fetch_add(1, Ordering::Relaxed);
    }

    /// A snapshot of every task's metrics, sorted by resource.
    pub fn snapshot(&self) -> Vec<(String, TaskMetrics)> {
        let mut v: Vec<_> = lock(&self.tasks)
            .iter()
            .map(|(k, e)| (k.to_string(), e.snapshot(self.call_times)))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records 10,000 calls taking 0, 1, 2, ... ms (on a paused clock, so exactly).
    fn ten_thousand_calls(m: &Metrics, key: &Arc<str>) {
        let now = tokio::time::Instant::now();
        for i in 0..10_000u64 {
            m.start(key).finished(now - Duration::from_millis(i), true);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn durations_stay_bounded_and_keep_the_latest_calls() {
        let m = Metrics::default();
        let key: Arc<str> = Arc::from("f");
        ten_thousand_calls(&m, &key);
        let (_, t) = &m.snapshot()[0];
        assert_eq!(t.invocations, 10_000);
        assert!((RECENT_DURATIONS..=2 * RECENT_DURATIONS).contains(&t.durations.len()));
        assert_eq!(t.durations.last(), Some(&Duration::from_millis(9_999)));
        let n = t.durations.len() as u64;
        assert_eq!(t.durations[0], Duration::from_millis(10_000 - n));
        assert!(t.call_starts.is_empty());
    }

    #[test]
    fn calls_finishing_on_several_threads_are_all_counted_and_the_latest_durations_kept() {
        let m = Metrics::default();
        let key: Arc<str> = Arc::from("f");
        let per_thread = 1_500u64;
        std::thread::scope(|s| {
            for t in 0..4u64 {
                let (m, key) = (&m, &key);
                s.spawn(move || {
                    for i in 0..per_thread {
                        let took = Duration::from_micros(t * per_thread + i);
                        m.start(key).finished_after(Instant::now, took, i % 3 != 0);
                    }
                });
            }
        });
        let (_, t) = &m.snapshot()[0];
        assert_eq!(t.invocations, 4 * per_thread);
        assert_eq!(t.errors, 4 * per_thread.div_ceil(3));
        assert_eq!(t.peak_concurrency.clamp(1, 4), t.peak_concurrency);
        assert_eq!(t.durations.len(), 2 * RECENT_DURATIONS);
        // Each kept duration is one a call recorded (a slot is written by the call that took
        // it; which of the last calls' are kept depends on the threads' interleaving).
        let recorded = 0..4 * per_thread;
        assert!(t
            .durations
            .iter()
            .all(|d| recorded.contains(&(d.as_micros() as u64))));
    }

    #[tokio::test(start_paused = true)]
    async fn recording_call_times_keeps_every_call_with_its_start() {
        let m = Metrics::recording_call_times();
        let key: Arc<str> = Arc::from("f");
        ten_thousand_calls(&m, &key);
        let (_, t) = &m.snapshot()[0];
        assert_eq!((t.durations.len(), t.call_starts.len()), (10_000, 10_000));
        assert_eq!(t.durations[0], Duration::ZERO);
    }

    #[test]
    fn calls_are_counted_on_past_four_billion_finished() {
        let e = Entry::new(false);
        let almost = u64::from(u32::MAX);
        e.calls.store(almost << IN_FLIGHT_BITS, Ordering::Relaxed);
        e.start();
        e.start();
        assert_eq!(e.counts(), (almost + 2, almost), "two in flight");
        assert_eq!(e.finish(), almost, "the finished count before");
        assert_eq!(e.finish(), almost + 1, "and across the wrap");
        assert_eq!(e.counts(), (almost + 2, almost + 2));
        e.start();
        e.abandon();
        assert_eq!(
            e.counts(),
            (almost + 3, almost + 2),
            "an abandoned call was started"
        );
        e.start();
        assert_eq!(e.finish(), almost + 2);
        let m = Metrics::default();
        let key: Arc<str> = Arc::from("f");
        m.start(&key).never_called();
        assert_eq!(
            m.snapshot()[0].1.invocations,
            0,
            "a call taken back is not counted"
        );
        assert_eq!(e.peak_concurrency.load(Ordering::Relaxed), 2);
    }

    #[test]
    fn a_batch_is_one_call_in_flight_until_flushed_then_its_calls_finished() {
        let m = Metrics::default();
        let key: Arc<str> = Arc::from("f");
        let entry = m.entry(&key);
        let mut batch = m.batch(&entry, 4).unwrap();
        let other = m.start(&key);
        let mut last_end = None;
        for (i, ok) in [true, false, true].into_iter().enumerate() {
            batch.begin();
            let mut call = Counted::InBatch(&mut batch);
            let start = call.start();
            if let Some(end) = last_end {
                assert_eq!(
                    start, end,
                    "a later call is timed from the end of the one before"
                );
            }
            let end = Ticks::now();
            last_end = Some(end);
            let took = Duration::from_micros(i as u64 + 1);
            call.finished_after(|| unreachable!("a batch keeps no start"), (took, end), ok);
        }
        let (_, t) = &m.snapshot()[0];
        assert_eq!(
            (t.invocations, t.errors, t.durations.len()),
            (2, 0, 0),
            "not flushed yet"
        );
        assert_eq!(t.peak_concurrency, 2, "the batch and the other call");
        batch.flush();
        other.finished(tokio::time::Instant::now(), true);
        let (_, t) = &m.snapshot()[0];
        assert_eq!((t.invocations, t.errors), (4, 1));
        assert_eq!(
            t.durations[..3],
            [1, 2, 3].map(Duration::from_micros),
            "in the order they finished"
        );
        // A batch flushed with no call, or dropped, leaves nothing in flight.
        batch.flush();
        batch.begin();
        drop(batch);
        assert_eq!(entry.counts(), (4, 4));
        assert!(Metrics::recording_call_times().batch(&entry, 1).is_none());
    }

    #[test]
    fn the_peak_counts_calls_in_flight_at_once_per_key() {
        let m = Metrics::default();
        let (a, b): (Arc<str>, Arc<str>) = (Arc::from("a"), Arc::from("b"));
        let first = m.start(&a);
        let other = m.start(&b);
        // Another allocation of the same name finds the same entry.
        let second = m.start(&Arc::from("a"));
        drop(first);
        second.finished(tokio::time::Instant::now(), false);
        drop(other);
        let snapshot = m.snapshot();
        assert_eq!(snapshot[0].1.peak_concurrency, 2);
        assert_eq!(snapshot[0].1.invocations, 2);
        assert_eq!(snapshot[0].1.errors, 1);
        assert_eq!(snapshot[1].1.peak_concurrency, 1);
    }
}
