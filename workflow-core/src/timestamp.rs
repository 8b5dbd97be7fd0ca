//! Timestamps as the service parses them, for Choice `Timestamp*` rules and Wait
//! `Timestamp`/`TimestampPath`.
//!
//! The service rejects bad timestamps with "does not reference a valid ISO-8601 extended offset
//! date-time format string", the wording of Java's `DateTimeFormatter.ISO_OFFSET_DATE_TIME`, and
//! the recorded cases agree with that parser, so [`Timestamp::parse`] accepts exactly its
//! grammar:
//!
//! ```text
//! date-time = year "-" MM "-" DD ("T" / "t") hh ":" mm [":" ss ["." 0*9DIGIT]] offset
//! year      = 4DIGIT / ("+" 5*10DIGIT) / ("-" 4*10DIGIT)      ; -999999999 ..= 999999999
//! offset    = "Z" / "z" / ("+" / "-") hh [":" mm [":" ss]]    ; at most 18:00
//! ```
//!
//! Fields are range-checked strictly (month 1-12, the day must exist in that month and year,
//! hour 0-23, minute and second 0-59: no leap second, no `24:00`). A missing offset
//! (`2016-12-05T21:29:29`), a space instead of `T`, or more than nine fraction digits are
//! rejected. Two timestamps compare as instants: `2012-10-09T20:00:55+01:00` equals
//! `2012-10-09T19:00:55Z`.
//!
//! ```
//! use workflow_core::timestamp::Timestamp;
//!
//! let a = Timestamp::parse("2012-10-09T20:00:55.5+01:00").unwrap();
//! let b = Timestamp::parse("2012-10-09T19:00:55Z").unwrap();
//! assert!(a > b);
//! assert_eq!(a.to_unix_nanos() - b.to_unix_nanos(), 500_000_000);
//! assert_eq!(a.format(), "2012-10-09T19:00:55.500Z");
//! assert!(Timestamp::parse("2012-10-09T19:00:55").is_none()); // no offset
//! ```

use std::fmt;

/// An instant parsed from an ISO-8601 offset date-time; ordered and compared as an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    /// Seconds since 1970-01-01T00:00:00Z.
    seconds: i64,
    /// Nanoseconds within the second, 0..1_000_000_000.
    nanos: u32,
}

const NANOS_PER_SECOND: i128 = 1_000_000_000;
const MAX_YEAR: i64 = 999_999_999;
const MAX_OFFSET_SECONDS: i64 = 18 * 3600;

impl Timestamp {
    /// Parses `text` as the service does (see the module docs); `None` when it is not a valid
    /// offset date-time.
    pub fn parse(text: &str) -> Option<Timestamp> {
        Parser {
            bytes: text.as_bytes(),
            pos: 0,
        }
        .timestamp()
    }

    /// The instant `nanos` nanoseconds after the Unix epoch; `None` outside the years the parser
    /// accepts (±999,999,999).
    pub fn from_unix_nanos(nanos: i128) -> Option<Timestamp> {
        let seconds = i64::try_from(nanos.div_euclid(NANOS_PER_SECOND)).ok()?;
        let sub = nanos.rem_euclid(NANOS_PER_SECOND) as u32;
        let (year, _, _) = civil_from_days(seconds.div_euclid(86_400));
        (year.abs() <= MAX_YEAR).then_some(Timestamp {
            seconds,
            nanos: sub,
        })
    }

    /// Nanoseconds since the Unix epoch (negative before 1970).
    pub fn to_unix_nanos(&self) -> i128 {
        i128::from(self.seconds) * NANOS_PER_SECOND + i128::from(self.nanos)
    }

    /// The instant in UTC with millisecond precision, as the service writes timestamps in the
    /// context object and history: `2016-03-14T01:59:00.000Z`. Years beyond 9999 get a `+` sign
    /// and years before 0 a `-` sign, so the result parses back.
    pub fn format(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.seconds.div_euclid(86_400);
        let secs_of_day = self.seconds.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        if year > 9999 {
            write!(f, "+{year}")?;
        } else if year < 0 {
            write!(f, "-{:04}", -year)?;
        } else {
            write!(f, "{year:04}")?;
        }
        write!(
            f,
            "-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
            secs_of_day / 3600,
            secs_of_day / 60 % 60,
            secs_of_day % 60,
            self.nanos / 1_000_000
        )
    }
}

/// A cursor over the ASCII grammar; every method returns `None` on the first mismatch.
struct Parser<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn timestamp(mut self) -> Option<Timestamp> {
        let year = self.year()?;
        self.expect(b'-')?;
        let month = self.digits(2)?;
        self.expect(b'-')?;
        let day = self.digits(2)?;
        if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
            return None;
        }
        if !matches!(self.next()?, b'T' | b't') {
            return None;
        }
        let hour = self.digits(2)?;
        self.expect(b':')?;
        let minute = self.digits(2)?;
        let (mut second, mut nanos) = (0, 0);
        if self.peek() == Some(b':') {
            self.pos += 1;
            second = self.digits(2)?;
            if self.peek() == Some(b'.') {
                self.pos += 1;
                nanos = self.fraction();
            }
        }
        if hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        let offset = self.offset()?;
        if self.pos != self.bytes.len() {
            return None;
        }
        let local = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
        Some(Timestamp {
            seconds: local - offset,
            nanos,
        })
    }

    /// Four digits, or a sign and up to ten (`+` only when more than four).
    fn year(&mut self) -> Option<i64> {
        let sign = match self.peek()? {
            b'+' => Some(1),
            b'-' => Some(-1),
            _ => None,
        };
        if sign.is_some() {
            self.pos += 1;
        }
        let start = self.pos;
        let mut value: i64 = 0;
        while self.pos - start < 10 {
            match self.peek() {
                Some(b @ b'0'..=b'9') => {
                    value = value * 10 + i64::from(b - b'0');
                    self.pos += 1;
                }
                _ => break,
            }
        }
        let len = self.pos - start;
        let ok = match sign {
            None => len == 4,
            Some(1) => len > 4,
            _ => len >= 4 && value != 0,
        };
        (ok && value <= MAX_YEAR).then(|| sign.unwrap_or(1) * value)
    }

    /// Up to nine digits after the decimal point (possibly none), as nanoseconds.
    fn fraction(&mut self) -> u32 {
        let mut nanos = 0;
        let mut scale = 100_000_000;
        while scale > 0 {
            match self.peek() {
                Some(b @ b'0'..=b'9') => {
                    nanos += u32::from(b - b'0') * scale;
                    scale /= 10;
                    self.pos += 1;
                }
                _ => break,
            }
        }
        nanos
    }

    /// `Z`, or `±hh`, `±hh:mm`, `±hh:mm:ss`, as seconds east of UTC.
    fn offset(&mut self) -> Option<i64> {
        let sign = match self.next()? {
            b'Z' | b'z' => return Some(0),
            b'+' => 1,
            b'-' => -1,
            _ => return None,
        };
        let hours = self.digits(2)?;
        let (mut minutes, mut seconds) = (0, 0);
        if self.peek() == Some(b':') {
            self.pos += 1;
            minutes = self.digits(2)?;
            if self.peek() == Some(b':') {
                self.pos += 1;
                seconds = self.digits(2)?;
            }
        }
        if hours > 23 || minutes > 59 || seconds > 59 {
            return None;
        }
        let total = hours * 3600 + minutes * 60 + seconds;
        (total <= MAX_OFFSET_SECONDS).then_some(sign * total)
    }

    /// Exactly `count` ASCII digits.
    fn digits(&mut self, count: usize) -> Option<i64> {
        let digits = self.bytes.get(self.pos..self.pos + count)?;
        let mut value = 0;
        for &b in digits {
            if !b.is_ascii_digit() {
                return None;
            }
            value = value * 10 + i64::from(b - b'0');
        }
        self.pos += count;
        Some(value)
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.next()? == byte).then_some(())
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.pos += 1;
        Some(b)
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub(crate) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date of a day count since 1970-01-01.
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nanos(text: &str) -> i128 {
        Timestamp::parse(text)
            .unwrap_or_else(|| panic!("{text} should parse"))
            .to_unix_nanos()
    }

    #[test]
    fn utc_seconds_since_epoch() {
        assert_eq!(nanos("1970-01-01T00:00:00Z"), 0);
        assert_eq!(
            nanos("2016-03-14T01:59:00Z"),
            1_457_920_740 * NANOS_PER_SECOND
        );
        assert_eq!(nanos("1969-12-31T23:59:59Z"), -NANOS_PER_SECOND);
    }

    #[test]
    fn fractions_up_to_nine_digits() {
        assert_eq!(
            nanos("2016-03-05T21:29:29.243167252Z") % NANOS_PER_SECOND,
            243_167_252
        );
        assert_eq!(
            nanos("2026-11-25T13:41:53.00Z"),
            nanos("2026-11-25T13:41:53Z")
        );
        assert_eq!(
            nanos("2026-11-25T13:41:53.000000Z"),
            nanos("2026-11-25T13:41:53Z")
        );
        assert_eq!(nanos("1970-01-01T00:00:00.5Z"), 500_000_000);
        assert!(Timestamp::parse("2016-03-05T21:29:29.2431672521Z").is_none());
    }

    #[test]
    fn fraction_before_epoch_counts_forward() {
        assert_eq!(nanos("1969-12-31T23:59:59.25Z"), -750_000_000);
    }

    #[test]
    fn offsets_shift_to_the_same_instant() {
        assert_eq!(
            nanos("2012-10-09T20:00:55+01:00"),
            nanos("2012-10-09T19:00:55Z")
        );
        assert_eq!(
            nanos("2012-10-09T17:30:55-01:30"),
            nanos("2012-10-09T19:00:55Z")
        );
        assert_eq!(
            nanos("2012-10-09T19:00:55-00:00"),
            nanos("2012-10-09T19:00:55Z")
        );
        // Java's lenient offset forms: hours only, and seconds.
        assert_eq!(
            nanos("2012-10-09T20:00:55+01"),
            nanos("2012-10-09T19:00:55Z")
        );
        assert_eq!(
            nanos("2012-10-09T20:00:56+01:00:01"),
            nanos("2012-10-09T19:00:55Z")
        );
        assert!(Timestamp::parse("2012-10-09T19:00:55+18:00").is_some());
        assert!(Timestamp::parse("2012-10-09T19:00:55+18:01").is_none());
        assert!(Timestamp::parse("2012-10-09T19:00:55+0100").is_none());
        assert!(Timestamp::parse("2012-10-09T19:00:55+01:").is_none());
        assert!(Timestamp::parse("2012-10-09T19:00:55+1:00").is_none());
    }

    #[test]
    fn rejects_the_forms_the_service_rejects() {
        for bad in [
            "2026-11-25T13:41:53",        // no offset (case 048)
            "2026-11-25T13:41:53.000000", // no offset (case 045)
            "2016-13-05T21:29:29Z",       // month 13 (case 051)
            "05-12-2016T21:29:29Z",       // day first (case 052)
            "2016-12-05T25:29:29Z",       // hour 25 (case 053)
            "2016-12-05 21:29:29Z",       // space, no T (case 055)
            "2023-02-24 12:15:56.832957", // choice case 505
            "2023-02-24",
            "",
            "2016-12-05T24:00:00Z",
            "2016-12-05T23:60:00Z",
            "2016-12-05T23:59:60Z",
            "2015-02-29T00:00:00Z",
            "2016-04-31T00:00:00Z",
            "2016-00-10T00:00:00Z",
            "2016-01-00T00:00:00Z",
            "2016-1-05T00:00:00Z",
            "16-01-05T00:00:00Z",
            "20160-01-05T00:00:00Z",
            "+2016-01-05T00:00:00Z",
            "-0000-01-05T00:00:00Z",
            "2016-01-05T00:00:00ZZ",
            "2016-01-05T00:00:00Z ",
            " 2016-01-05T00:00:00Z",
            "2016-01-05T00Z",
            "2016-01-05T00:00:0Z",
            "２０１６-01-05T00:00:00Z",
        ] {
            assert!(
                Timestamp::parse(bad).is_none(),
                "{bad:?} should be rejected"
            );
        }
    }

    #[test]
    fn accepts_what_java_iso_offset_date_time_accepts() {
        for good in [
            "2016-02-29T00:00:00Z",
            "2000-02-29T00:00:00Z",
            "2016-03-14T01:59Z", // seconds are optional
            "2016-03-14t01:59:00z",
            "2016-03-14T01:59:00.Z", // a point with no digits
            "+10000-01-01T00:00:00Z",
            "-0001-01-01T00:00:00Z",
            "+999999999-12-31T23:59:59.999999999-18:00",
            "-999999999-01-01T00:00:00+18:00",
        ] {
            assert!(Timestamp::parse(good).is_some(), "{good:?} should parse");
        }
        assert!(Timestamp::parse("+1000000000-01-01T00:00:00Z").is_none());
    }

    #[test]
    fn ordered_as_instants() {
        let a = Timestamp::parse("2012-10-09T19:00:55Z").unwrap();
        let b = Timestamp::parse("2012-10-09T19:00:55.000000001Z").unwrap();
        let c = Timestamp::parse("2012-10-09T21:00:56+02:00").unwrap();
        assert!(a < b && b < c);
        assert_eq!(a, Timestamp::parse("2012-10-09T20:00:55+01:00").unwrap());
    }

    #[test]
    fn formats_utc_with_milliseconds() {
        let t = Timestamp::parse("2016-03-14T03:59:00.123456+02:00").unwrap();
        assert_eq!(t.format(), "2016-03-14T01:59:00.123Z");
        assert_eq!(
            Timestamp::parse("+10000-01-01T00:00:00Z").unwrap().format(),
            "+10000-01-01T00:00:00.000Z"
        );
        assert_eq!(
            Timestamp::parse("-0001-12-31T23:59:59Z").unwrap().format(),
            "-0001-12-31T23:59:59.000Z"
        );
    }

    #[test]
    fn unix_nanos_round_trip() {
        for n in [
            0i128,
            -1,
            1,
            1_764_078_113_000_000_000,
            -62_135_596_800_000_000_001,
        ] {
            assert_eq!(Timestamp::from_unix_nanos(n).unwrap().to_unix_nanos(), n);
        }
        let t = Timestamp::parse("2026-11-25T13:41:53Z").unwrap();
        assert_eq!(Timestamp::from_unix_nanos(t.to_unix_nanos()), Some(t));
        assert_eq!(Timestamp::from_unix_nanos(i128::MAX), None);
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics(text in "\\PC{0,40}") {
            let _ = Timestamp::parse(&text);
        }

        #[test]
        fn near_misses_never_panic(text in "[+-]?[0-9]{0,6}-[0-9]{1,3}-[0-9]{1,3}[Tt ][0-9:]{0,9}(\\.[0-9]{0,11})?([Zz]|[+-][0-9:]{0,9})?") {
            if let Some(t) = Timestamp::parse(&text) {
                proptest::prop_assert_eq!(Timestamp::from_unix_nanos(t.to_unix_nanos()), Some(t));
            }
        }

        #[test]
        fn format_parses_back_to_the_millisecond(millis in -62_000_000_000_000i64..250_000_000_000_000) {
            let t = Timestamp::from_unix_nanos(i128::from(millis) * 1_000_000).unwrap();
            proptest::prop_assert_eq!(Timestamp::parse(&t.format()), Some(t));
        }
    }

    #[test]
    fn date_algorithms_agree_over_four_centuries() {
        for days in (-146_097 * 2)..(146_097 * 2) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, i64::from(m), i64::from(d)), days);
            assert!(i64::from(d) <= days_in_month(y, i64::from(m)));
        }
    }
}
