//! Concurrency you can see: per task invocations, cold and warm starts, duration percentiles,
//! concurrency over time, and the concurrency the measured rate and duration imply on Lambda.
//!
//! Built from a runner's [`Metrics`](workflow_core::run::Metrics) made with
//! [`Metrics::recording_call_times`](workflow_core::run::Metrics::recording_call_times), plus the
//! [`PoolStats`] of any [`WarmPool`](crate::WarmPool) serving a task.

use crate::pool::PoolStats;
use std::fmt::Write as _;
use std::time::{Duration, Instant};
use workflow_codegen::deploy::warmup::WarmerSettings;
use workflow_core::run::TaskMetrics;
use workflow_core::task::lambda_function_name;

/// How many time buckets the concurrency series has.
pub const BUCKETS: usize = 120;

/// One task's line of the report.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskReport {
    /// The resource (or Lambda function name).
    pub resource: String,
    /// Calls made.
    pub invocations: u64,
    /// Calls that failed.
    pub errors: u64,
    /// Cold and warm starts, when a pool served the task.
    pub starts: Option<PoolStats>,
    /// Median call duration.
    pub p50: Duration,
    /// 99th percentile call duration.
    pub p99: Duration,
    /// Mean call duration (`W` in Little's law).
    pub mean_duration: Duration,
    /// The most calls in flight at once.
    pub peak_concurrency: u64,
    /// Time-weighted mean of calls in flight over the report's window.
    pub mean_concurrency: f64,
    /// Calls started per second over the window (`λ`).
    pub rate_per_second: f64,
    /// Calls started per second in the busiest bucket.
    pub peak_rate_per_second: f64,
    /// Mean calls in flight per bucket.
    pub series_mean: Vec<f64>,
    /// Most calls in flight per bucket.
    pub series_peak: Vec<u64>,
}

impl TaskReport {
    /// The name to show: the function name of a Lambda ARN, else the resource.
    pub fn name(&self) -> &str {
        lambda_function_name(&self.resource).unwrap_or(&self.resource)
    }

    /// The concurrency Lambda needs at the measured rate: `λ × W` (Little's law).
    pub fn lambda_concurrency(&self) -> f64 {
        self.rate_per_second * self.mean_duration.as_secs_f64()
    }

    /// The concurrency Lambda needs at the busiest bucket's rate: `λ_peak × W`.
    pub fn lambda_peak_concurrency(&self) -> f64 {
        self.peak_rate_per_second * self.mean_duration.as_secs_f64()
    }

    /// The concurrency Lambda needs at another arrival rate (calls per second), same duration.
    pub fn lambda_concurrency_at(&self, rate_per_second: f64) -> f64 {
        rate_per_second * self.mean_duration.as_secs_f64()
    }

    /// Warmer settings sized from this run: the base warmer keeps `⌈λ×W⌉` instances (the mean
    /// concurrency Lambda needs at the measured rate), the peak warmer, on `peak_schedule`,
    /// `⌈λpeak×W⌉` or the observed peak, whichever is larger.
    pub fn warmer_settings(&self, peak_schedule: impl Into<String>) -> WarmerSettings {
        let base = self.lambda_concurrency().ceil().max(1.0) as u32;
        let peak = (self.lambda_peak_concurrency().ceil() as u32)
            .max(self.peak_concurrency as u32)
            .max(base);
        WarmerSettings::new(base).peak(peak_schedule, peak)
    }
}

/// The report of a run: every task over one shared window of time.
#[derive(Debug, Clone, PartialEq)]
pub struct ConcurrencyReport {
    /// From the first call's start to the last call's end.
    pub window: Duration,
    /// One line per task, sorted by resource.
    pub tasks: Vec<TaskReport>,
}

/// Why a report cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    /// The metrics hold durations but no start times.
    #[error("task `{0}` has no call start times: make the runner's metrics with Metrics::recording_call_times()")]
    NoCallTimes(String),
}

impl ConcurrencyReport {
    /// Builds the report from a metrics snapshot (`Metrics::snapshot()`); tasks served by a pool
    /// get their starts from `pools` (resource or Lambda function name, stats).
    pub fn new(
        metrics: &[(String, TaskMetrics)],
        pools: &[(&str, PoolStats)],
    ) -> Result<ConcurrencyReport, ReportError> {
        for (resource, m) in metrics {
            if m.call_starts.len() != m.durations.len() {
                return Err(ReportError::NoCallTimes(resource.clone()));
            }
        }
        let spans = || {
            metrics
                .iter()
                .flat_map(|(_, m)| m.call_starts.iter().zip(&m.durations))
        };
        let Some(origin) = spans().map(|(s, _)| *s).min() else {
            return Ok(ConcurrencyReport {
                window: Duration::ZERO,
                tasks: Vec::new(),
            });
        };
        let end = spans().map(|(s, d)| *s + *d).max().unwrap_or(origin);
        let window = end.duration_since(origin);
        let mut tasks: Vec<TaskReport> = metrics
            .iter()
            .map(|(resource, m)| {
                let starts = pools
                    .iter()
                    .find(|(r, _)| r == resource || lambda_function_name(resource) == Some(*r))
                    .map(|(_, stats)| *stats);
                task_report(resource, m, starts, origin, window)
            })
            .collect();
        tasks.sort_by(|a, b| a.resource.cmp(&b.resource));
        Ok(ConcurrencyReport { window, tasks })
    }

    /// A plain-text table, one row per task, with a note on how to read it.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "window {:.3} s; λ = calls started per second, W = mean duration, λ×W = Lambda concurrency (Little's law)",
            self.window.as_secs_f64()
        );
        let header = [
            "task",
            "calls",
            "errors",
            "cold",
            "warm",
            "p50 ms",
            "p99 ms",
            "W ms",
            "peak",
            "mean",
            "λ /s",
            "λ×W",
            "λpeak×W",
        ];
        let rows: Vec<[String; 13]> = self
            .tasks
            .iter()
            .map(|t| {
                let (cold, warm) = t.starts.map_or(("-".to_owned(), "-".to_owned()), |s| {
                    (s.cold_starts.to_string(), s.warm_starts.to_string())
                });
                [
                    t.name().to_owned(),
                    t.invocations.to_string(),
                    t.errors.to_string(),
                    cold,
                    warm,
                    millis(t.p50),
                    millis(t.p99),
                    millis(t.mean_duration),
                    t.peak_concurrency.to_string(),
                    format!("{:.2}", t.mean_concurrency),
                    format!("{:.1}", t.rate_per_second),
                    format!("{:.2}", t.lambda_concurrency()),
                    format!("{:.2}", t.lambda_peak_concurrency()),
                ]
            })
            .collect();
        let mut widths = header.map(|h| h.chars().count());
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |out: &mut String, cells: &[&str]| {
            for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
                let pad = w - cell.chars().count();
                if i == 0 {
                    let _ = write!(out, "{cell}{}", " ".repeat(pad));
                } else {
                    let _ = write!(out, "  {}{cell}", " ".repeat(pad));
                }
            }
            out.push('\n');
        };
        line(&mut out, &header);
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        line(
            &mut out,
            &rule.iter().map(String::as_str).collect::<Vec<_>>(),
        );
        for row in &rows {
            line(
                &mut out,
                &row.iter().map(String::as_str).collect::<Vec<_>>(),
            );
        }
        out
    }

    /// An SVG chart: one panel per task with mean (area) and peak (line) calls in flight over time.
    pub fn to_svg(&self) -> String {
        crate::svg::render(self)
    }
}

fn millis(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1e3)
}

fn task_report(
    resource: &str,
    m: &TaskMetrics,
    starts: Option<PoolStats>,
    origin: Instant,
    window: Duration,
) -> TaskReport {
    let n = m.durations.len();
    let busy: Duration = m.durations.iter().sum();
    let window_s = window.as_secs_f64();
    let per_window = |x: f64| if window_s > 0.0 { x / window_s } else { 0.0 };
    let bucket = window_s / BUCKETS as f64;
    let (series_mean, series_peak, started_per_bucket) = series(m, origin, bucket);
    let busiest = started_per_bucket.iter().copied().max().unwrap_or(0);
    TaskReport {
        resource: resource.to_owned(),
        invocations: m.invocations,
        errors: m.errors,
        starts,
        p50: m.duration_percentile(50.0).unwrap_or_default(),
        p99: m.duration_percentile(99.0).unwrap_or_default(),
        mean_duration: if n == 0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(busy.as_secs_f64() / n as f64)
        },
        peak_concurrency: m.peak_concurrency,
        mean_concurrency: per_window(busy.as_secs_f64()),
        rate_per_second: per_window(n as f64),
        peak_rate_per_second: if bucket > 0.0 {
            busiest as f64 / bucket
        } else {
            0.0
        },
        series_mean,
        series_peak,
    }
}

/// Mean and peak calls in flight per bucket, and calls started per bucket.
fn series(m: &TaskMetrics, origin: Instant, bucket: f64) -> (Vec<f64>, Vec<u64>, Vec<u64>) {
    let mut mean = vec![0.0; BUCKETS];
    let mut peak = vec![0u64; BUCKETS];
    let mut started = vec![0u64; BUCKETS];
    if bucket <= 0.0 {
        return (mean, peak, started);
    }
    let index = |t: f64| ((t / bucket) as usize).min(BUCKETS - 1);
    // (time, +1 start / -1 end); at equal times ends come first, so back-to-back calls on one
    // instance do not count as two in flight.
    let mut events: Vec<(f64, i8)> = Vec::with_capacity(2 * m.durations.len());
    for (s, d) in m.call_starts.iter().zip(&m.durations) {
        let a = s.duration_since(origin).as_secs_f64();
        let b = a + d.as_secs_f64();
        events.push((a, 1));
        events.push((b, -1));
        started[index(a)] += 1;
        // Spread the call's time over the buckets it overlaps.
        let (first, last) = (index(a), index(b));
        for (i, slot) in mean.iter_mut().enumerate().take(last + 1).skip(first) {
            let lo = a.max(i as f64 * bucket);
            let hi = if i == BUCKETS - 1 {
                b
            } else {
                b.min((i + 1) as f64 * bucket)
            };
            *slot += (hi - lo).max(0.0);
        }
    }
    for v in &mut mean {
        *v /= bucket;
    }
    events.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
    let mut current: u64 = 0;
    let mut filled = 0; // buckets before this one carry the level in force
    for (t, delta) in events {
        let i = index(t);
        while filled < i {
            filled += 1;
            peak[filled] = peak[filled].max(current);
        }
        current = if delta > 0 {
            current + 1
        } else {
            current.saturating_sub(1)
        };
        peak[i] = peak[i].max(current);
    }
    (mean, peak, started)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Calls given as (start ms, duration ms) from one origin.
    fn metrics(calls: &[(u64, u64)], peak: u64) -> TaskMetrics {
        let origin = Instant::now();
        TaskMetrics {
            invocations: calls.len() as u64,
            peak_concurrency: peak,
            durations: calls.iter().map(|c| Duration::from_millis(c.1)).collect(),
            call_starts: calls
                .iter()
                .map(|c| origin + Duration::from_millis(c.0))
                .collect(),
            ..TaskMetrics::default()
        }
    }

    #[test]
    fn mean_concurrency_is_busy_time_over_the_window_and_matches_littles_law() {
        // Four 10 ms calls, two at a time, over 20 ms: on average 2 in flight.
        let m = metrics(&[(0, 10), (0, 10), (10, 10), (10, 10)], 2);
        let r = ConcurrencyReport::new(&[("verify".into(), m)], &[]).unwrap();
        assert_eq!(r.window, Duration::from_millis(20));
        let t = &r.tasks[0];
        assert!((t.mean_concurrency - 2.0).abs() < 1e-9);
        assert!((t.rate_per_second - 200.0).abs() < 1e-9);
        assert!((t.lambda_concurrency() - 2.0).abs() < 1e-9);
        assert!((t.lambda_concurrency_at(1000.0) - 10.0).abs() < 1e-9);
        assert_eq!(t.mean_duration, Duration::from_millis(10));
        // Back-to-back calls never overlap: the per-bucket peak never exceeds 2.
        assert_eq!(t.series_peak.iter().max(), Some(&2));
        assert!(t.series_mean.iter().all(|v| (v - 2.0).abs() < 1e-6));
    }

    #[test]
    fn the_series_shows_a_burst_where_it_happened() {
        // 1 call over 120 ms, and 5 extra calls in the last 12 ms.
        let mut calls = vec![(0, 120)];
        calls.extend([(108, 12); 5]);
        let r = ConcurrencyReport::new(&[("t".into(), metrics(&calls, 6))], &[]).unwrap();
        let t = &r.tasks[0];
        assert_eq!(t.series_peak[0], 1);
        assert_eq!(t.series_peak[BUCKETS - 1], 6);
        assert!((t.series_mean[BUCKETS - 1] - 6.0).abs() < 1e-6);
        // The busiest bucket (1 ms wide) started 5 calls: 5,000 per second.
        assert!((t.peak_rate_per_second - 5000.0).abs() < 1e-6);
    }

    #[test]
    fn warmers_are_sized_by_littles_law_and_the_peak() {
        let task = TaskReport {
            resource: "verify".into(),
            invocations: 1000,
            errors: 0,
            starts: None,
            p50: Duration::from_millis(10),
            p99: Duration::from_millis(12),
            mean_duration: Duration::from_millis(10),
            peak_concurrency: 9,
            mean_concurrency: 4.2,
            rate_per_second: 420.0,
            peak_rate_per_second: 1100.0,
            series_mean: Vec::new(),
            series_peak: Vec::new(),
        };
        let s = task.warmer_settings("cron(0/5 8-17 ? * MON-FRI *)");
        assert_eq!(s.concurrency, 5); // ⌈420 × 0.010⌉
        assert_eq!(s.peak.unwrap().concurrency, 11); // ⌈1100 × 0.010⌉ > observed 9
    }

    #[test]
    fn missing_call_times_are_an_error_that_says_how_to_fix_it() {
        let m = TaskMetrics {
            invocations: 1,
            durations: vec![Duration::from_millis(1)],
            ..TaskMetrics::default()
        };
        let e = ConcurrencyReport::new(&[("t".into(), m)], &[]).unwrap_err();
        assert!(e.to_string().contains("recording_call_times"), "{e}");
    }

    #[test]
    fn the_text_table_has_a_row_per_task_with_its_starts_found_by_function_name() {
        let stats = PoolStats {
            cold_starts: 2,
            warm_starts: 2,
            ..PoolStats::default()
        };
        let r = ConcurrencyReport::new(
            &[
                (
                    "a".into(),
                    metrics(&[(0, 10), (0, 10), (10, 10), (10, 10)], 2),
                ),
                ("b".into(), metrics(&[(0, 5)], 1)),
            ],
            &[("a", stats)],
        )
        .unwrap();
        let text = r.to_text();
        let rows: Vec<&str> = text.lines().collect();
        assert_eq!(rows.len(), 5, "{text}");
        let a: Vec<&str> = rows[3].split_whitespace().collect();
        assert_eq!(&a[..5], ["a", "4", "0", "2", "2"]);
        let b: Vec<&str> = rows[4].split_whitespace().collect();
        assert_eq!(&b[..5], ["b", "1", "0", "-", "-"]);
    }
}
