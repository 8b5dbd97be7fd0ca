//! Monotonic readings from the CPU's time-stamp counter.
//!
//! The OS clock (`std::time::Instant::now`, a vDSO call) costs about 25 ns on the machines this
//! project is measured on, a read of the CPU's counter (quanta's `Clock::raw`, `rdtsc`) about
//! 10, and a synchronous Task reads twice (its duration, and its end). Each thread anchors the
//! counter to the OS clock and anchors again once the anchor is [`REANCHOR_NANOS`] old, so that
//! the counter's calibration error (measured at tens of parts per million) moves a reading by
//! tens of nanoseconds at most; a thread's readings never go back. Without an invariant
//! counter, quanta reads the OS clock instead.

use std::cell::Cell;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// A monotonic reading: nanoseconds since the process's first one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Mono(pub(crate) u64);

/// How long a thread extrapolates from the OS clock with the counter before it reads the OS
/// clock again.
const REANCHOR_NANOS: u64 = 1_000_000;

/// The counter, calibrated once per process (quanta spends about half a millisecond on it),
/// and the OS clock's reading that [`Mono`] counts from.
struct Source {
    counter: quanta::Clock,
    origin: Instant,
}

fn source() -> &'static Source {
    static SOURCE: OnceLock<Source> = OnceLock::new();
    SOURCE.get_or_init(|| Source {
        counter: quanta::Clock::new(),
        origin: Instant::now(),
    })
}

/// This thread's anchor.
#[derive(Clone, Copy)]
struct Anchor {
    /// The counter's reading when the OS clock was read (`u64::MAX` before the first).
    ticks: u64,
    /// The OS clock's reading then.
    at: Mono,
    /// The latest reading given out, which the next one never goes below.
    last: Mono,
}

thread_local! {
    static ANCHOR: Cell<Anchor> = const {
        Cell::new(Anchor { ticks: u64::MAX, at: Mono(0), last: Mono(0) })
    };
}

/// A reading of the counter alone: the start of a duration ([`Mono::now_since`]), without
/// the thread's anchor (the reading that gives the time as well costs a thread-local access
/// and its arithmetic).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ticks(u64);

impl Ticks {
    /// Now.
    #[inline]
    pub(crate) fn now() -> Ticks {
        Ticks(source().counter.raw())
    }
}

impl Mono {
    /// Now.
    #[inline]
    pub(crate) fn now() -> Mono {
        let source = source();
        Mono::at(source, source.counter.raw())
    }

    /// Now, the time since `start` (zero if the counter reads earlier: another core's, out
    /// of step), and the counter's reading (the start of what follows).
    #[inline]
    pub(crate) fn now_since(start: Ticks) -> (Mono, Duration, Ticks) {
        let source = source();
        let ticks = source.counter.raw();
        let took = Duration::from_nanos(source.counter.delta_as_nanos(start.0, ticks));
        (Mono::at(source, ticks), took, Ticks(ticks))
    }

    /// The time the counter's reading `ticks` stands for.
    #[inline(always)]
    fn at(source: &Source, ticks: u64) -> Mono {
        ANCHOR.with(|cell| {
            let mut anchor = cell.get();
            let since = source.counter.delta_as_nanos(anchor.ticks, ticks);
            // A counter behind the anchor (another core's, out of step) reads the OS clock.
            let reading = if ticks >= anchor.ticks && since < REANCHOR_NANOS {
                Mono(anchor.at.0 + since)
            } else {
                let at = Mono(duration_nanos(source.origin.elapsed()));
                anchor.ticks = ticks;
                anchor.at = at;
                at
            };
            anchor.last = anchor.last.max(reading);
            cell.set(anchor);
            anchor.last
        })
    }

    /// The time from `earlier` to this reading (zero when `earlier` is later).
    #[inline]
    pub(crate) fn since(self, earlier: Mono) -> Duration {
        Duration::from_nanos(self.0.saturating_sub(earlier.0))
    }

    /// The same moment as an [`Instant`].
    pub(crate) fn to_std(self) -> Instant {
        source().origin + Duration::from_nanos(self.0)
    }

    /// The moment `d` before this one (the first reading's, at the earliest).
    pub(crate) fn before(self, d: Duration) -> Mono {
        Mono(self.0.saturating_sub(duration_nanos(d)))
    }
}

/// A duration in whole nanoseconds (saturating after 584 years).
pub(crate) fn duration_nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings_on_a_thread_never_go_back_and_follow_the_os_clock() {
        let (os_before, first) = (Instant::now(), Mono::now());
        let mut last = first;
        for _ in 0..100_000 {
            let now = Mono::now();
            assert!(now >= last, "{now:?} after {last:?}");
            last = now;
        }
        std::thread::sleep(Duration::from_millis(20));
        let (later, os_after) = (Mono::now(), Instant::now());
        // Past the re-anchoring interval, a reading is the OS clock's (read just before).
        let elapsed = later.since(first);
        assert!(elapsed >= Duration::from_millis(20), "{elapsed:?}");
        assert!(elapsed <= os_after - os_before, "{elapsed:?}");
        assert!(later.to_std() <= os_after);
    }

    #[test]
    fn a_duration_from_the_counter_alone_agrees_with_the_readings_around_it() {
        let before = Mono::now();
        let start = Ticks::now();
        std::thread::sleep(Duration::from_millis(5));
        let (end, took, _) = Mono::now_since(start);
        let after = Mono::now();
        // The counter's duration and the anchored readings (the OS clock's, past the
        // re-anchoring interval) may differ by the counter's calibration error: tens of parts
        // per million, nanoseconds here.
        let error = Duration::from_micros(100);
        assert!(took >= Duration::from_millis(5), "{took:?}");
        let around = after.since(before);
        assert!(took <= around + error, "{took:?} within {around:?}");
        assert!(before <= end && end <= after);
        assert!(end.before(took) >= before.before(error));
        assert_eq!(before.before(Duration::from_secs(1 << 40)), Mono(0));
    }

    #[test]
    fn a_reading_converts_to_the_os_clocks_instant() {
        let a = Mono::now();
        let b = Mono(a.0 + 1_500);
        assert_eq!(b.to_std() - a.to_std(), Duration::from_nanos(1_500));
        assert_eq!(a.since(b), Duration::ZERO);
    }
}
