//! The generator behind `States.MathRandom`: Java's `java.util.Random` (a 48-bit linear
//! congruential generator), so a given seed always yields the same number, as the service
//! promises. Not for security: neither is the service's.

const MULTIPLIER: u64 = 0x5_DEEC_E66D;
const ADDEND: u64 = 0xB;
const MASK: u64 = (1 << 48) - 1;

/// `java.util.Random`.
pub(super) struct JavaRandom {
    state: u64,
}

impl JavaRandom {
    /// `new Random(seed)`.
    pub(super) fn new(seed: i64) -> Self {
        JavaRandom {
            state: (seed as u64 ^ MULTIPLIER) & MASK,
        }
    }

    /// A generator seeded from the operating system's randomness (the time, if that fails).
    pub(super) fn from_entropy() -> Self {
        let seed = getrandom::u64().unwrap_or_else(|_| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64)
        });
        Self::new(seed as i64)
    }

    fn next(&mut self, bits: u32) -> i32 {
        self.state = self.state.wrapping_mul(MULTIPLIER).wrapping_add(ADDEND) & MASK;
        (self.state >> (48 - bits)) as u32 as i32
    }

    /// `nextInt(bound)` for `0 < bound <= i32::MAX`: uniform in `0..bound`.
    fn next_int(&mut self, bound: i32) -> i32 {
        let m = bound - 1;
        let mut r = self.next(31);
        if bound & m == 0 {
            return ((i64::from(bound) * i64::from(r)) >> 31) as i32;
        }
        let mut u = r;
        loop {
            r = u % bound;
            if u.wrapping_sub(r).wrapping_add(m) >= 0 {
                return r;
            }
            u = self.next(31);
        }
    }

    /// `nextLong()`.
    fn next_long(&mut self) -> i64 {
        (i64::from(self.next(32)) << 32).wrapping_add(i64::from(self.next(32)))
    }

    /// A number in `start..end`; `start < end`.
    pub(super) fn in_range(&mut self, start: i64, end: i64) -> i64 {
        let span = end - start;
        match i32::try_from(span) {
            Ok(bound) => start + i64::from(self.next_int(bound)),
            Err(_) => start + self.next_long().rem_euclid(span),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_java_util_random() {
        // Printed by a JVM: r = new Random(42); r.nextInt(), r.nextInt(100), r.nextInt(7),
        // r.nextInt(1 << 20), r.nextLong().
        let mut r = JavaRandom::new(42);
        assert_eq!(r.next(32), -1_170_105_035);
        assert_eq!(r.next_int(100), 63);
        assert_eq!(r.next_int(7), 6);
        assert_eq!(r.next_int(1 << 20), 50_268);
        assert_eq!(r.next_long(), 5_694_868_678_511_409_995);
    }

    #[test]
    fn same_seed_same_numbers_and_in_range() {
        let a: Vec<i64> = {
            let mut r = JavaRandom::new(7);
            (0..20).map(|_| r.in_range(-5, 5)).collect()
        };
        let mut r = JavaRandom::new(7);
        let b: Vec<i64> = (0..20).map(|_| r.in_range(-5, 5)).collect();
        assert_eq!(a, b);
        assert!(a.iter().all(|n| (-5..5).contains(n)));
        let mut r = JavaRandom::new(1);
        let wide = r.in_range(i64::from(i32::MIN), i64::from(i32::MAX));
        assert!((i64::from(i32::MIN)..i64::from(i32::MAX)).contains(&wide));
    }
}
