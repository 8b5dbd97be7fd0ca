//! The wall clock of an execution, injectable so tests can pin it.
//!
//! Elapsed time comes from tokio's clock, so under `tokio::time::pause` a pinned clock advances
//! exactly as far as the paused time does (a one-hour Wait moves it by one hour, instantly).

use tokio::time::Instant;

/// Wall time for `$$.Execution.StartTime`, `$$.State.EnteredTime`, history timestamps and the
/// "now" that Wait timestamps are compared against.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    base_unix_nanos: i128,
    base: Option<Instant>,
    pinned: bool,
}

impl Clock {
    /// The system's wall clock.
    pub fn system() -> Self {
        Clock {
            base_unix_nanos: 0,
            base: None,
            pinned: false,
        }
    }

    /// A clock that reads `unix_millis` when the execution starts, then advances with tokio's
    /// clock.
    pub fn pinned_at_unix_millis(unix_millis: i64) -> Self {
        Clock {
            base_unix_nanos: unix_millis as i128 * 1_000_000,
            base: None,
            pinned: true,
        }
    }

    /// A pinned clock from an RFC 3339 timestamp such as `2026-11-25T13:41:53Z`.
    pub fn pinned_at(timestamp: &str) -> Option<Self> {
        let t = crate::timestamp::Timestamp::parse(timestamp)?;
        Some(Clock {
            base_unix_nanos: t.to_unix_nanos(),
            base: None,
            pinned: true,
        })
    }

    /// This clock, started now (for a pinned clock: the pinned time is now).
    pub(crate) fn start(self) -> Self {
        Clock {
            base: Some(Instant::now()),
            ..self
        }
    }

    /// Nanoseconds since the Unix epoch.
    pub fn now_unix_nanos(&self) -> i128 {
        if !self.pinned {
            return std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as i128);
        }
        let elapsed = self.base.map_or(0, |b| b.elapsed().as_nanos() as i128);
        self.base_unix_nanos + elapsed
    }

    /// Milliseconds since the Unix epoch.
    pub fn now_unix_millis(&self) -> i64 {
        if !self.pinned {
            // Read on every history event: whole seconds and milliseconds, no 128-bit division.
            return std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| {
                    d.as_secs() as i64 * 1000 + i64::from(d.subsec_millis())
                });
        }
        (self.now_unix_nanos() / 1_000_000) as i64
    }
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

    #[tokio::test(start_paused = true)]
    async fn a_pinned_clock_advances_with_paused_tokio_time() {
        let c = Clock::pinned_at_unix_millis(1_000).start();
        assert_eq!(c.now_unix_millis(), 1_000);
        tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
        assert_eq!(c.now_unix_millis(), 1_000 + 3_600_000);
    }
}
