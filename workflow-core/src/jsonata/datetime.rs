//! `$now`, `$millis`, `$fromMillis`, `$toMillis` with ISO 8601 timestamps (UTC).
//!
//! XPath picture strings (`$fromMillis(0, '[Y0001]-[M01]')`) are not implemented: a call with a
//! picture fails with a message saying so.

use super::eval::Evaluator;
use super::value::Val;
use super::JsonataError;

type R<'a> = Result<Val<'a>, JsonataError>;

const MILLIS_PER_DAY: i64 = 86_400_000;

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

/// `2017-11-07T15:07:54.972Z` for milliseconds since the epoch.
pub(crate) fn format_iso(millis: i64) -> String {
    let days = millis.div_euclid(MILLIS_PER_DAY);
    let rem = millis.rem_euclid(MILLIS_PER_DAY);
    let (y, m, d) = civil_from_days(days);
    let (h, min, s, ms) = (
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000,
    );
    let year = if (0..=9999).contains(&y) {
        format!("{y:04}")
    } else {
        format!("{y:+07}")
    };
    format!("{year}-{m:02}-{d:02}T{h:02}:{min:02}:{s:02}.{ms:03}Z")
}

/// Milliseconds since the epoch of an ISO 8601 timestamp (a date, or a date and time with an
/// optional fraction and offset; without an offset it is UTC).
pub(crate) fn parse_iso(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let digits = |from: usize, n: usize| -> Option<i64> {
        let s = text.get(from..from + n)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    let year = digits(0, 4)?;
    let mut i = 4;
    let (mut month, mut day) = (1, 1);
    if b.get(i) == Some(&b'-') {
        month = digits(i + 1, 2)?;
        i += 3;
        if b.get(i) == Some(&b'-') {
            day = digits(i + 1, 2)?;
            i += 3;
        }
    }
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let mut millis = days_from_civil(year, month, day) * MILLIS_PER_DAY;
    if b.get(i) == Some(&b'T') {
        let h = digits(i + 1, 2)?;
        if b.get(i + 3) != Some(&b':') {
            return None;
        }
        let min = digits(i + 4, 2)?;
        i += 6;
        let mut sec = 0;
        if b.get(i) == Some(&b':') {
            sec = digits(i + 1, 2)?;
            i += 3;
        }
        if h > 24 || min > 59 || sec > 60 {
            return None;
        }
        millis += (h * 3600 + min * 60 + sec) * 1000;
        if b.get(i) == Some(&b'.') {
            let frac: String = text[i + 1..]
                .chars()
                .take_while(|c| c.is_ascii_digit())
                .collect();
            if frac.is_empty() {
                return None;
            }
            let ms: String = frac.chars().chain("000".chars()).take(3).collect();
            millis += ms.parse::<i64>().ok()?;
            i += 1 + frac.len();
        }
        match b.get(i) {
            None => {}
            Some(b'Z') => i += 1,
            Some(&sign @ (b'+' | b'-')) => {
                let oh = digits(i + 1, 2)?;
                let mut j = i + 3;
                if b.get(j) == Some(&b':') {
                    j += 1;
                }
                let om = digits(j, 2)?;
                let offset = (oh * 60 + om) * 60_000;
                millis += if sign == b'+' { -offset } else { offset };
                i = j + 2;
            }
            _ => return None,
        }
    }
    (i == b.len()).then_some(millis)
}

fn no_picture(args: &[Val<'_>], from: usize, name: &str, pos: usize) -> Result<(), JsonataError> {
    if args[from..].iter().any(|a| !a.is_undef()) {
        return Err(JsonataError::new(
            "D3133",
            format!("`${name}` with a picture string or timezone is not supported by this implementation"),
            pos,
        ));
    }
    Ok(())
}

pub(crate) fn fn_now<'a>(ev: &Evaluator<'a>, args: Vec<Val<'a>>, pos: usize) -> R<'a> {
    no_picture(&args, 0, "now", pos)?;
    Ok(Val::string(format_iso(ev.now_millis)))
}

pub(crate) fn fn_millis<'a>(ev: &Evaluator<'a>, _: Vec<Val<'a>>, _: usize) -> R<'a> {
    Ok(Val::Num(ev.now_millis as f64))
}

pub(crate) fn fn_from_millis<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, pos: usize) -> R<'a> {
    let Some(ms) = args.first().and_then(|a| a.as_num()) else {
        return Ok(Val::Undef);
    };
    no_picture(&args, 1, "fromMillis", pos)?;
    Ok(Val::string(format_iso(ms.floor() as i64)))
}

pub(crate) fn fn_to_millis<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, pos: usize) -> R<'a> {
    let Some(text) = args.first().and_then(|a| a.as_str()) else {
        return Ok(Val::Undef);
    };
    no_picture(&args, 1, "toMillis", pos)?;
    parse_iso(text)
        .map(|ms| Val::Num(ms as f64))
        .ok_or_else(|| {
            JsonataError::new(
                "D3110",
                format!(
                    "the argument of `$toMillis` must be an ISO 8601 timestamp, got \"{text}\""
                ),
                pos,
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_round_trip() {
        assert_eq!(format_iso(1_510_067_274_972), "2017-11-07T15:07:54.972Z");
        assert_eq!(
            parse_iso("2017-11-07T15:07:54.972Z"),
            Some(1_510_067_274_972)
        );
        assert_eq!(parse_iso("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(parse_iso("2018-02-01"), Some(1_517_443_200_000));
        assert_eq!(format_iso(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(parse_iso("2017-13-01"), None);
        assert_eq!(parse_iso("yesterday"), None);
    }
}
