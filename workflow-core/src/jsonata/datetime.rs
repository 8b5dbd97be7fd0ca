//! `$now`, `$millis`, `$fromMillis`, `$toMillis` with ISO 8601 timestamps (UTC), and XPath
//! picture strings for formatting (`$fromMillis(0, '[Y0001]-[M01]-[D01]', '+0100')`).
//! `$toMillis` with a picture (parsing by picture) is not implemented and fails with a
//! message saying so.

use super::eval::Evaluator;
use super::format::{format_integer, letters, number_to_words, ordinal_suffix, roman};
use super::value::Val;
use super::JsonataError;

type R<'a> = Result<Val<'a>, JsonataError>;

const MILLIS_PER_DAY: i64 = 86_400_000;

/// The date of a day number since 1970-01-01, as `(year, month, day)`.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let (y, m, d) = crate::timestamp::civil_from_days(days);
    (y, i64::from(m), i64::from(d))
}

use crate::timestamp::days_from_civil;

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

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// A timezone argument such as `+0100`, `-0500` or `0000`, in minutes.
fn parse_offset(tz: &str, pos: usize) -> Result<i64, JsonataError> {
    let (sign, digits) = match tz.as_bytes().first() {
        Some(b'-') => (-1, &tz[1..]),
        Some(b'+') => (1, &tz[1..]),
        _ => (1, tz),
    };
    let bad = || JsonataError::new("D3134", format!("bad timezone `{tz}`: expected ±HHMM"), pos);
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let hours: i64 = digits[..2].parse().map_err(|_| bad())?;
    let minutes: i64 = digits[2..].parse().map_err(|_| bad())?;
    Ok(sign * (hours * 60 + minutes))
}

/// The calendar fields of an instant shifted by `offset` minutes.
struct Fields {
    year: i64,
    month: i64,
    day: i64,
    /// 1 = Monday ... 7 = Sunday.
    weekday: i64,
    day_of_year: i64,
    hour: i64,
    minute: i64,
    second: i64,
    millis: i64,
    days: i64,
}

fn fields(millis: i64, offset: i64) -> Fields {
    let local = millis + offset * 60_000;
    let days = local.div_euclid(MILLIS_PER_DAY);
    let rem = local.rem_euclid(MILLIS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    Fields {
        year,
        month,
        day,
        weekday: (days + 3).rem_euclid(7) + 1,
        day_of_year: days - days_from_civil(year, 1, 1) + 1,
        hour: rem / 3_600_000,
        minute: rem / 60_000 % 60,
        second: rem / 1000 % 60,
        millis: rem % 1000,
        days,
    }
}

/// ISO week-numbering year and week of a day number.
fn iso_week(days: i64, weekday: i64) -> (i64, i64) {
    let thursday = days - weekday + 4;
    let (year, _, _) = civil_from_days(thursday);
    (year, (thursday - days_from_civil(year, 1, 1)) / 7 + 1)
}

/// Formats an instant with an XPath date/time picture.
pub(crate) fn format_picture(
    millis: i64,
    picture: &str,
    offset: i64,
    pos: usize,
) -> Result<String, JsonataError> {
    let f = fields(millis, offset);
    let mut out = String::new();
    let mut rest = picture;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("[[") {
            out.push('[');
            rest = after;
        } else if let Some(after) = rest.strip_prefix("]]") {
            out.push(']');
            rest = after;
        } else if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']').ok_or_else(|| {
                JsonataError::new("D3135", "a picture marker has no closing `]`", pos)
            })?;
            let marker: String = after[..end]
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            out.push_str(&format_marker(&f, &marker, offset, pos)?);
            rest = &after[end + 1..];
        } else {
            let c = rest.chars().next().expect("not empty");
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    Ok(out)
}

fn format_marker(
    f: &Fields,
    marker: &str,
    offset: i64,
    pos: usize,
) -> Result<String, JsonataError> {
    let mut chars = marker.chars();
    let component = chars
        .next()
        .ok_or_else(|| JsonataError::new("D3136", "empty picture marker", pos))?;
    let rest = chars.as_str();
    let (presentation, width) = match rest.rfind(',') {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let (min_width, max_width) = match width {
        Some(w) => {
            let (min, max) = w.split_once('-').unwrap_or((w, ""));
            (min.parse::<usize>().ok(), max.parse::<usize>().ok())
        }
        None => (None, None),
    };
    let default = match component {
        'F' | 'P' | 'C' | 'E' => "n",
        'm' | 's' => "01",
        'Z' | 'z' => "01:01",
        _ => "1",
    };
    let presentation = if presentation.is_empty() {
        default
    } else {
        presentation
    };
    let (value, names): (i64, Option<&str>) = match component {
        'Y' => (f.year, None),
        'M' => (f.month, Some(MONTHS[(f.month - 1) as usize])),
        'D' => (f.day, None),
        'd' => (f.day_of_year, None),
        'F' => (f.weekday, Some(DAYS[(f.weekday - 1) as usize])),
        'W' => (iso_week(f.days, f.weekday).1, None),
        'X' => (iso_week(f.days, f.weekday).0, None),
        'w' | 'x' => {
            let thursday = f.days - f.weekday + 4;
            let (_, month, day) = civil_from_days(thursday);
            if component == 'w' {
                ((day - 1) / 7 + 1, None)
            } else {
                (month, Some(MONTHS[(month - 1) as usize]))
            }
        }
        'H' => (f.hour, None),
        'h' => (if f.hour % 12 == 0 { 12 } else { f.hour % 12 }, None),
        'P' => (0, Some(if f.hour < 12 { "am" } else { "pm" })),
        'm' => (f.minute, None),
        's' => (f.second, None),
        'f' => {
            let digits = presentation
                .chars()
                .filter(|c| c.is_ascii_digit())
                .count()
                .max(1);
            let text: String = format!("{:03}", f.millis)
                .chars()
                .chain(std::iter::repeat('0'))
                .take(digits)
                .collect();
            return Ok(text);
        }
        'Z' | 'z' => return format_offset(component, presentation, offset, pos),
        'C' | 'E' => return Ok("ISO".to_string()),
        other => {
            return Err(JsonataError::new(
                "D3132",
                format!("unknown date/time component `{other}` in a picture"),
                pos,
            ))
        }
    };
    let name_case = match presentation {
        "N" => Some(0),
        "n" => Some(1),
        "Nn" => Some(2),
        _ => None,
    };
    if let Some(case) = name_case {
        let Some(name) = names else {
            return Err(JsonataError::new(
                "D3133",
                format!("the name modifier cannot be applied to the `{component}` component"),
                pos,
            ));
        };
        let name = match case {
            0 => name.to_uppercase(),
            1 => name.to_lowercase(),
            _ => name.to_string(),
        };
        return Ok(match max_width {
            Some(max) => name.chars().take(max).collect(),
            None => name,
        });
    }
    let (primary, ordinal) = match presentation.strip_suffix('o') {
        Some(p) if !p.is_empty() => (p, true),
        _ => (presentation, false),
    };
    let mut value = value;
    // a year keeps its last digits: as many as the maximum width, or the picture's digits
    let mut keep = None;
    if component == 'Y' {
        let digits = primary
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '#')
            .count();
        let wanted = digits.max(min_width.unwrap_or(0));
        keep = max_width.or((wanted >= 2).then_some(wanted));
        if let Some(keep) = keep {
            value %= 10i64.pow(keep.min(18) as u32);
        }
    }
    let text = match primary {
        "w" | "W" | "Ww" => {
            let words = number_to_words(value as f64, ordinal);
            match primary {
                "w" => words.to_lowercase(),
                "W" => words.to_uppercase(),
                _ => words,
            }
        }
        "I" => roman(value as u64),
        "i" => roman(value as u64).to_lowercase(),
        "A" => letters(value as u64, b'A'),
        "a" => letters(value as u64, b'a'),
        _ => {
            let picture = if primary.chars().any(|c| c.is_ascii_digit()) {
                primary.replace('#', "")
            } else {
                "1".into()
            };
            let picture = if picture.chars().any(|c| c.is_ascii_digit()) {
                picture
            } else {
                "1".into()
            };
            let mut text = format_integer(
                value as f64,
                &picture.replace(|c: char| c.is_ascii_digit() && c != '0', "0"),
                pos,
            )?;
            if let Some(min) = min_width {
                while text.chars().count() < min {
                    text.insert(0, '0');
                }
            }
            if let Some(keep) = keep {
                let len = text.chars().count();
                text = text.chars().skip(len.saturating_sub(keep)).collect();
            }
            if ordinal {
                text.push_str(ordinal_suffix(value.unsigned_abs() as u128));
            }
            text
        }
    };
    Ok(text)
}

fn format_offset(
    component: char,
    presentation: &str,
    offset: i64,
    pos: usize,
) -> Result<String, JsonataError> {
    let (presentation, zulu) = match presentation.strip_suffix('t') {
        Some(p) => (p, true),
        None => (presentation, false),
    };
    if zulu && offset == 0 {
        return Ok("Z".into());
    }
    let sign = if offset < 0 { '-' } else { '+' };
    let (h, m) = (offset.abs() / 60, offset.abs() % 60);
    let digits = presentation.chars().filter(|c| c.is_ascii_digit()).count();
    let text = match (digits, presentation.contains(':')) {
        (1 | 2, false) => {
            let hours = if digits == 2 {
                format!("{h:02}")
            } else {
                h.to_string()
            };
            if m == 0 {
                format!("{sign}{hours}")
            } else {
                format!("{sign}{hours}:{m:02}")
            }
        }
        (3 | 4, false) => format!("{sign}{h:02}{m:02}"),
        (_, true) if digits <= 4 => format!("{sign}{h:02}:{m:02}"),
        _ => {
            return Err(JsonataError::new(
                "D3134",
                format!("bad timezone picture `{presentation}`"),
                pos,
            ))
        }
    };
    Ok(if component == 'z' {
        format!("GMT{text}")
    } else {
        text
    })
}

fn no_picture(args: &[Val<'_>], from: usize, name: &str, pos: usize) -> Result<(), JsonataError> {
    if args[from..].iter().any(|a| !a.is_undef()) {
        return Err(JsonataError::new(
            "D3133",
            format!("`${name}` with a picture string is not supported by this implementation"),
            pos,
        ));
    }
    Ok(())
}

/// Formats `millis` with the optional picture and timezone arguments.
fn format_with(
    millis: i64,
    picture: Option<&str>,
    tz: Option<&str>,
    pos: usize,
) -> Result<String, JsonataError> {
    let offset = match tz {
        Some(tz) => parse_offset(tz, pos)?,
        None => 0,
    };
    match picture {
        Some(picture) => format_picture(millis, picture, offset, pos),
        None if offset == 0 => Ok(format_iso(millis)),
        None => format_picture(
            millis,
            "[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]",
            offset,
            pos,
        ),
    }
}

pub(crate) fn fn_now<'a>(ev: &Evaluator<'a>, args: Vec<Val<'a>>, pos: usize) -> R<'a> {
    let picture = args.first().and_then(|a| a.as_str());
    let tz = args.get(1).and_then(|a| a.as_str());
    Ok(Val::string(format_with(ev.now_millis, picture, tz, pos)?))
}

pub(crate) fn fn_millis<'a>(ev: &Evaluator<'a>, _: Vec<Val<'a>>, _: usize) -> R<'a> {
    Ok(Val::Num(ev.now_millis as f64))
}

pub(crate) fn fn_from_millis<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, pos: usize) -> R<'a> {
    let Some(ms) = args.first().and_then(|a| a.as_num()) else {
        return Ok(Val::Undef);
    };
    let picture = args.get(1).and_then(|a| a.as_str());
    let tz = args.get(2).and_then(|a| a.as_str());
    Ok(Val::string(format_with(
        ms.floor() as i64,
        picture,
        tz,
        pos,
    )?))
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
