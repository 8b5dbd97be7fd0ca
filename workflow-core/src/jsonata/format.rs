//! Number formatting: `$formatBase`, and `$formatNumber` with the common decimal pictures
//! (`#,##0.00`, `0.0%`, prefixes and suffixes, a `;` negative sub-picture).
//! `$formatInteger` and `$parseInteger` (XPath integer pictures: words, roman numerals...)
//! are not implemented and fail with a message saying so.

use super::eval::Evaluator;
use super::functions::round_half_even;
use super::value::Val;
use super::JsonataError;

type R<'a> = Result<Val<'a>, JsonataError>;

pub(crate) fn fn_format_base<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, pos: usize) -> R<'a> {
    let Some(n) = args.first().and_then(|a| a.as_num()) else {
        return Ok(Val::Undef);
    };
    let radix = args.get(1).and_then(|a| a.as_num()).unwrap_or(10.0);
    if !(2.0..=36.0).contains(&radix) {
        return Err(JsonataError::new(
            "D3100",
            format!("the radix of `formatBase` must be between 2 and 36, got {radix}"),
            pos,
        ));
    }
    let radix = radix as u32;
    let value = round_half_even(n, 0);
    let mut digits = Vec::new();
    let mut m = value.abs() as u128;
    loop {
        digits.push(
            std::char::from_digit((m % radix as u128) as u32, radix).expect("digit below radix"),
        );
        m /= radix as u128;
        if m == 0 {
            break;
        }
    }
    if value < 0.0 {
        digits.push('-');
    }
    Ok(Val::string(digits.iter().rev().collect::<String>()))
}

/// The parts of a decimal picture (one sub-picture).
struct Picture {
    prefix: String,
    suffix: String,
    min_int: usize,
    min_frac: usize,
    max_frac: usize,
    /// Grouping separator every N integer digits (0 = none).
    group: usize,
    percent: f64,
}

fn parse_picture(text: &str, pos: usize) -> Result<Picture, JsonataError> {
    let is_active = |c: char| c.is_ascii_digit() || matches!(c, '#' | '.' | ',');
    let start = text.find(is_active).unwrap_or(text.len());
    let end = text.rfind(is_active).map(|i| i + 1).unwrap_or(start);
    let (prefix, body, suffix) = (&text[..start], &text[start..end], &text[end..]);
    if body.matches('.').count() > 1 {
        return Err(JsonataError::new(
            "D3081",
            "a sub-picture must not contain more than one decimal separator",
            pos,
        ));
    }
    let (int_part, frac_part) = body.split_once('.').unwrap_or((body, ""));
    let min_int = int_part.chars().filter(|c| c.is_ascii_digit()).count();
    let group = match int_part.rfind(',') {
        Some(i) => int_part[i + 1..].chars().filter(|c| *c != ',').count(),
        None => 0,
    };
    let min_frac = frac_part.chars().filter(|c| c.is_ascii_digit()).count();
    let max_frac = frac_part
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '#')
        .count();
    let percent = if suffix.contains('%') || prefix.contains('%') {
        100.0
    } else if suffix.contains('‰') || prefix.contains('‰') {
        1000.0
    } else {
        1.0
    };
    Ok(Picture {
        prefix: prefix.to_string(),
        suffix: suffix.to_string(),
        min_int: if min_int == 0 && max_frac == 0 {
            1
        } else {
            min_int
        },
        min_frac,
        max_frac,
        group,
        percent,
    })
}

pub(crate) fn fn_format_number<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, pos: usize) -> R<'a> {
    let Some(n) = args.first().and_then(|a| a.as_num()) else {
        return Ok(Val::Undef);
    };
    let picture = args.get(1).and_then(|a| a.as_str()).unwrap_or_default();
    if args.get(2).is_some_and(|o| !o.is_undef()) {
        return Err(JsonataError::new(
            "D3133",
            "`$formatNumber` options are not supported by this implementation",
            pos,
        ));
    }
    let (positive, negative) = match picture.split_once(';') {
        Some((p, neg)) => (p, Some(neg)),
        None => (picture, None),
    };
    let pic = parse_picture(
        if n < 0.0 {
            negative.unwrap_or(positive)
        } else {
            positive
        },
        pos,
    )?;
    let value = round_half_even(n.abs() * pic.percent, pic.max_frac as i32);
    let text = format!("{value:.*}", pic.max_frac);
    let (int_digits, frac_digits) = text.split_once('.').unwrap_or((&text, ""));
    let mut frac = frac_digits.to_string();
    while frac.len() > pic.min_frac && frac.ends_with('0') {
        frac.pop();
    }
    let mut int = int_digits.trim_start_matches('0').to_string();
    while int.len() < pic.min_int {
        int.insert(0, '0');
    }
    if pic.group > 0 {
        let chars: Vec<char> = int.chars().collect();
        let mut grouped = String::new();
        for (i, c) in chars.iter().enumerate() {
            if i > 0 && (chars.len() - i) % pic.group == 0 {
                grouped.push(',');
            }
            grouped.push(*c);
        }
        int = grouped;
    }
    let mut out = String::new();
    if n < 0.0 && negative.is_none() {
        out.push('-');
    }
    out.push_str(&pic.prefix);
    out.push_str(&int);
    if !frac.is_empty() {
        out.push('.');
        out.push_str(&frac);
    }
    out.push_str(&pic.suffix);
    Ok(Val::string(out))
}

pub(crate) fn fn_format_integer<'a>(_: &Evaluator<'a>, _: Vec<Val<'a>>, pos: usize) -> R<'a> {
    Err(JsonataError::new(
        "D3133",
        "`$formatInteger` is not supported by this implementation",
        pos,
    ))
}

pub(crate) fn fn_parse_integer<'a>(_: &Evaluator<'a>, _: Vec<Val<'a>>, pos: usize) -> R<'a> {
    Err(JsonataError::new(
        "D3133",
        "`$parseInteger` is not supported by this implementation",
        pos,
    ))
}
