//! Retry back-off: interval, backoff rate, maximum delay and jitter.

use super::program::Retrier;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// A source of jitter for `JitterStrategy: FULL` (splitmix64; seeded per execution).
#[derive(Debug)]
pub(crate) struct Jitter {
    state: AtomicU64,
}

impl Jitter {
    pub(crate) fn new(seed: u64) -> Self {
        Jitter {
            state: AtomicU64::new(seed),
        }
    }

    /// A uniform draw from `[0, 1)`.
    fn next_unit(&self) -> f64 {
        let mut z = self
            .state
            .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
            .wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The delay before retry number `attempt + 1` (attempt 0 is the first retry):
/// `IntervalSeconds * BackoffRate^attempt`, capped by `MaxDelaySeconds`, then with FULL jitter a
/// uniform draw from `[0, delay]`.
pub(crate) fn backoff_delay(r: &Retrier, attempt: u64, jitter: &Jitter) -> Duration {
    let exp = i32::try_from(attempt).unwrap_or(i32::MAX);
    let mut seconds = r.interval_seconds * r.backoff_rate.powi(exp);
    if let Some(max) = r.max_delay_seconds {
        seconds = seconds.min(max);
    }
    // The service's longest possible wait; also keeps Duration::from_secs_f64 in range.
    seconds = seconds.clamp(0.0, 31_622_400.0);
    if r.jitter {
        seconds *= jitter.next_unit();
    }
    Duration::from_secs_f64(seconds)
}
