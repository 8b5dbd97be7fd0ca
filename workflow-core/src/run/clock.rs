//! The wall clock of an execution, injectable so tests can pin it.
//!
//! Elapsed time comes from tokio's clock, so under `tokio::time::pause` a pinned clock advances
//! exactly as far as the paused time does (a one-hour Wait moves it by one hour, instantly).
//!
//! The system clock, once started, reads the wall time of its start plus the monotonic time
//! since: an execution's timestamps never go back (a wall-clock step does not reorder its
//! history), and a monotonic reading taken for another purpose (a task's duration) gives the
//! wall time at that moment without a second reading ([`Clock::millis_at`]).

use super::monotonic::Mono;
use tokio::time::Instant;

/// Wall time for `$$.Execution.StartTime`, `$$.State.EnteredTime`, history timestamps and the
/// "now" that Wait timestamps are compared against.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    base_unix_nanos: i128,
    base: Option<Instant>,
    /// The system clock's start: the monotonic reading and the wall time since the Unix
    /// epoch at that moment.
    system_base: Option<SystemBase>,
    pinned: bool,
}

impl Clock {
    /// The system's wall clock.
    pub fn system() -> Self {
        Clock {
            base_unix_nanos: 0,
            base: None,
            system_base: None,
            pinned: false,
        }
    }

    /// A clock that reads `unix_millis` when the execution starts, then advances with tokio's
    /// clock.
    pub fn pinned_at_unix_millis(unix_millis: i64) -> Self {
        Clock {
            base_unix_nanos: unix_millis as i128 * 1_000_000,
            base: None,
            system_base: None,
            pinned: true,
        }
    }

    /// A pinned clock from an RFC 3339 timestamp such as `2026-11-25T13:41:53Z`.
    pub fn pinned_at(timestamp: &str) -> Option<Self> {
        let t = crate::timestamp::Timestamp::parse(timestamp)?;
        Some(Clock {
            base_unix_nanos: t.to_unix_nanos(),
            base: None,
            system_base: None,
            pinned: true,
        })
    }

    /// This clock, started now (for a pinned clock: the pinned time is now).
    pub(crate) fn start(self) -> Self {
        let system_base = (!self.pinned).then(|| SystemBase::new(since_epoch()));
        Clock {
            base: Some(Instant::now()),
            system_base,
            ..self
        }
    }

    /// The wall time since the Unix epoch at the monotonic reading `at` (a system clock not
    /// started reads the system's wall clock now).
    fn system_at(&self, at: Mono) -> std::time::Duration {
        match &self.system_base {
            Some(b) => b.wall.saturating_add(at.since(b.start)),
            None => since_epoch(),
        }
    }

    /// Nanoseconds since the Unix epoch.
    pub fn now_unix_nanos(&self) -> i128 {
        if !self.pinned {
            return self.system_at(Mono::now()).as_nanos() as i128;
        }
        let elapsed = self.base.map_or(0, |b| b.elapsed().as_nanos() as i128);
        self.base_unix_nanos + elapsed
    }

    /// Milliseconds since the Unix epoch.
    pub fn now_unix_millis(&self) -> i64 {
        self.millis_at(Mono::now())
    }

    /// Milliseconds since the Unix epoch at the monotonic reading `at`, taken by the caller
    /// (a pinned clock follows tokio's time instead, and reads it now).
    #[inline]
    pub(crate) fn millis_at(&self, at: Mono) -> i64 {
        #[cfg(test)]
        if let Some(t) = STEPPING.get() {
            STEPPING.set(Some(t + 1));
            return t;
        }
        if !self.pinned {
            return match &self.system_base {
                Some(b) => b.millis_at(at),
                None => whole_millis(since_epoch()),
            };
        }
        (self.now_unix_nanos() / 1_000_000) as i64
    }
}

#[cfg(test)]
thread_local! {
    /// In this thread's tests, when set: the next reading of any clock, in milliseconds;
    /// each reading then moves it on by one, so that a history shows where the clock was read.
    static STEPPING: std::cell::Cell<Option<i64>> = const { std::cell::Cell::new(None) };
}

/// Makes every clock reading of this thread's test return `from`, `from + 1`, ... (`None`
/// back to real clocks).
#[cfg(test)]
pub(crate) fn step_readings_from(from: Option<i64>) {
    STEPPING.set(from);
}

/// Where a started system clock counts from.
#[derive(Debug, Clone, Copy)]
struct SystemBase {
    /// The monotonic reading at the start.
    start: Mono,
    /// The wall time since the Unix epoch at the start.
    wall: std::time::Duration,
    /// `wall` in whole milliseconds, and the nanoseconds past them.
    wall_millis: i64,
    wall_nanos_past: u64,
}

impl SystemBase {
    fn new(wall: std::time::Duration) -> Self {
        SystemBase {
            start: Mono::now(),
            wall,
            wall_millis: whole_millis(wall),
            wall_nanos_past: u64::from(wall.subsec_nanos() % 1_000_000),
        }
    }

    /// Read on every history event: the nanoseconds since the start plus those the start had
    /// past its millisecond, in whole milliseconds.
    #[inline]
    fn millis_at(&self, at: Mono) -> i64 {
        let past = at.0.saturating_sub(self.start.0) + self.wall_nanos_past;
        self.wall_millis + (past / 1_000_000) as i64
    }
}

/// A duration in whole milliseconds (seconds and sub-second milliseconds: no 128-bit
/// division).
fn whole_millis(d: std::time::Duration) -> i64 {
    d.as_secs() as i64 * 1000 + i64::from(d.subsec_millis())
}

/// The system's wall time since the Unix epoch (zero before it).
fn since_epoch() -> std::time::Duration {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}

/// `2026-11-25T13:41:53.123Z` for a time in milliseconds since the Unix epoch.
pub(crate) fn format_millis(unix_millis: i64) -> String {
    crate::timestamp::Timestamp::from_unix_nanos(i128::from(unix_millis) * 1_000_000)
        .map(|t| t.format())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_unix_millis_as_the_service_writes_timestamps() {
        assert_eq!(format_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_millis(1_795_614_113_123), "2026-11-25T13:41:53.123Z");
        assert_eq!(format_millis(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn a_started_system_clock_is_its_start_plus_the_monotonic_time_since() {
        let before = since_epoch();
        let c = Clock::system().start();
        let base = c.system_base.expect("a started system clock has a base");
        let (start, wall) = (base.start, base.wall);
        assert!(wall >= before && wall <= since_epoch());
        let ms = |d: std::time::Duration| d.as_millis() as i64;
        let later = Mono(start.0 + 1_500_000_000);
        assert_eq!(c.millis_at(later), ms(wall) + 1_500);
        // A reading from before the start is the start: the clock never goes back.
        let earlier = start.0.checked_sub(5_000_000).map(Mono);
        if let Some(earlier) = earlier {
            assert_eq!(c.millis_at(earlier), ms(wall));
        }
        assert!(c.now_unix_millis() >= ms(wall));
    }

    #[test]
    fn milliseconds_carry_the_nanoseconds_the_start_had_past_its_millisecond() {
        use std::time::Duration;
        let b = SystemBase::new(Duration::new(1, 999_600));
        assert_eq!(b.millis_at(b.start), 1_000);
        assert_eq!(b.millis_at(Mono(b.start.0 + 399)), 1_000);
        assert_eq!(b.millis_at(Mono(b.start.0 + 400)), 1_001);
        assert_eq!(b.millis_at(Mono(b.start.0 + 3_000_000_400)), 4_001);
    }

    #[tokio::test(start_paused = true)]
    async fn a_pinned_clock_advances_with_paused_tokio_time() {
        let c = Clock::pinned_at_unix_millis(1_000).start();
        assert_eq!(c.now_unix_millis(), 1_000);
        tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
        assert_eq!(c.now_unix_millis(), 1_000 + 3_600_000);
    }
}
