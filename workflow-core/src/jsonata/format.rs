//! Number formatting: `$formatBase`, and `$formatNumber` with the common decimal pictures
//! (`#,##0.00`, `0.0%`, prefixes and suffixes, a `;` negative sub-picture).
//! `$formatInteger` with XPath integer pictures (digit patterns, words, roman numerals,
//! letters, ordinals). `$parseInteger` is not implemented and fails with a message saying so.

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

/// One sub-picture of `$formatNumber`, checked as XPath `format-number` requires.
struct Picture {
    prefix: String,
    suffix: String,
    min_int: usize,
    min_frac: usize,
    max_frac: usize,
    /// Integer grouping separators as digits to their right; `regular` when evenly spaced.
    int_groups: Vec<usize>,
    regular: Option<usize>,
    /// Fraction grouping separators as digits to their left.
    frac_groups: Vec<usize>,
    /// Minimum exponent digits, when the picture has an exponent (`0.0e0`).
    exponent: Option<usize>,
    /// `#` in the integer part (prints `0` before an exponent's fraction).
    optional_int: bool,
    scale: f64,
}

fn parse_picture(text: &str, pos: usize) -> Result<Picture, JsonataError> {
    let fail = |code: &str, msg: &str| {
        Err(JsonataError::new(
            code,
            format!("{msg} in picture `{text}`"),
            pos,
        ))
    };
    let chars: Vec<char> = text.chars().collect();
    let is_active = |c: char| c.is_ascii_digit() || matches!(c, '#' | '.' | ',');
    let Some(start) = chars
        .iter()
        .position(|&c| c.is_ascii_digit() || c == '#' || c == '.')
    else {
        return fail("D3086", "a sub-picture must contain a digit or `#`");
    };
    let mut end = start;
    while end < chars.len()
        && (is_active(chars[end])
            || (chars[end] == 'e'
                && chars
                    .get(end + 1)
                    .is_some_and(|c| c.is_ascii_digit() || *c == ',')))
    {
        end += 1;
    }
    let prefix: String = chars[..start].iter().collect();
    let suffix: String = chars[end..].iter().collect();
    if suffix.chars().any(is_active) || prefix.chars().any(is_active) {
        return fail(
            "D3086",
            "a passive character cannot appear between active characters",
        );
    }
    let body: String = chars[start..end].iter().collect();
    let (mantissa, exponent) = match body.split_once('e') {
        Some((m, e)) => (m, Some(e)),
        None => (body.as_str(), None),
    };
    if !mantissa.chars().any(|c| c.is_ascii_digit() || c == '#') {
        return fail(
            if exponent.is_some() { "D3085" } else { "D3086" },
            "the mantissa must contain a digit or `#`",
        );
    }
    let percents = text.matches('%').count();
    let permilles = text.matches('‰').count();
    if percents > 1 {
        return fail(
            "D3082",
            "a sub-picture cannot contain more than one percent sign",
        );
    }
    if permilles > 1 {
        return fail(
            "D3083",
            "a sub-picture cannot contain more than one per-mille sign",
        );
    }
    if percents > 0 && permilles > 0 {
        return fail(
            "D3084",
            "a sub-picture cannot contain both a percent and a per-mille sign",
        );
    }
    if mantissa.matches('.').count() > 1 {
        return fail(
            "D3081",
            "a sub-picture cannot contain more than one decimal separator",
        );
    }
    if mantissa.contains(",.") || mantissa.contains(".,") {
        return fail(
            "D3087",
            "a grouping separator cannot be next to the decimal separator",
        );
    }
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int_part.ends_with(',') {
        return fail(
            "D3088",
            "the integer part cannot end with a grouping separator",
        );
    }
    if mantissa.contains(",,") {
        return fail(
            "D3089",
            "a sub-picture cannot contain two adjacent grouping separators",
        );
    }
    if int_part
        .find(|c: char| c.is_ascii_digit())
        .is_some_and(|first| int_part[first..].contains('#'))
    {
        return fail("D3090", "the integer part cannot contain `#` after a digit");
    }
    if frac_part
        .find('#')
        .is_some_and(|first| frac_part[first..].contains(|c: char| c.is_ascii_digit()))
    {
        return fail(
            "D3091",
            "the fractional part cannot contain a digit after `#`",
        );
    }
    if exponent.is_some() && percents + permilles > 0 {
        return fail(
            "D3092",
            "a sub-picture with an exponent cannot contain a percent or per-mille sign",
        );
    }
    if exponent.is_some_and(|e| e.is_empty() || !e.chars().all(|c| c.is_ascii_digit())) {
        return fail("D3093", "the exponent can only contain digits");
    }
    let int_digits: Vec<char> = int_part.chars().filter(|c| *c != ',').collect();
    let mut int_groups = Vec::new();
    let mut right = 0;
    for c in int_part.chars().rev() {
        if c == ',' {
            int_groups.push(right);
        } else {
            right += 1;
        }
    }
    let regular = match int_groups.first() {
        Some(&first) => int_groups
            .iter()
            .enumerate()
            .all(|(i, &at)| at == first * (i + 1))
            .then_some(first),
        None => None,
    };
    let mut frac_groups = Vec::new();
    let mut left = 0;
    for c in frac_part.chars() {
        if c == ',' {
            frac_groups.push(left);
        } else {
            left += 1;
        }
    }
    let mut min_int = int_digits.iter().filter(|c| c.is_ascii_digit()).count();
    let mut min_frac = frac_part.chars().filter(|c| c.is_ascii_digit()).count();
    let mut max_frac = frac_part
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '#')
        .count();
    if min_int == 0 && max_frac == 0 {
        if exponent.is_some() {
            min_frac = 1;
            max_frac = 1;
        } else {
            min_int = 1;
        }
    }
    Ok(Picture {
        prefix,
        suffix,
        min_int,
        min_frac,
        max_frac,
        int_groups,
        regular,
        frac_groups,
        exponent: exponent.map(str::len),
        optional_int: int_part.contains('#'),
        scale: if percents > 0 {
            100.0
        } else if permilles > 0 {
            1000.0
        } else {
            1.0
        },
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
    let subs: Vec<&str> = picture.split(';').collect();
    if subs.len() > 2 {
        return Err(JsonataError::new(
            "D3080",
            format!("picture `{picture}` has more than two sub-pictures"),
            pos,
        ));
    }
    let positive = parse_picture(subs[0], pos)?;
    let negative = subs.get(1).map(|p| parse_picture(p, pos)).transpose()?;
    let pic = match (&negative, n < 0.0) {
        (Some(neg), true) => neg,
        _ => &positive,
    };
    let mut value = n.abs() * pic.scale;
    let mut exponent = 0i32;
    if pic.exponent.is_some() && value != 0.0 {
        exponent = value.log10().floor() as i32 + 1 - pic.min_int as i32;
        value = shift(value, -exponent);
        if round_half_even(value, pic.max_frac as i32) >= 10f64.powi(pic.min_int.max(1) as i32) {
            exponent += 1;
            value = shift(value, -1);
        }
    }
    let value = round_half_even(value, pic.max_frac as i32);
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
    if int.is_empty() && pic.exponent.is_some() && pic.optional_int {
        int.push('0');
    }
    let int = group(&int, |i| match pic.regular {
        Some(every) => i % every == 0,
        None => pic.int_groups.contains(&i),
    });
    let mut out = String::new();
    if n < 0.0 && negative.is_none() {
        out.push('-');
    }
    out.push_str(&pic.prefix);
    out.push_str(&int);
    if !frac.is_empty() {
        out.push('.');
        for (i, c) in frac.chars().enumerate() {
            if i > 0 && pic.frac_groups.contains(&i) {
                out.push(',');
            }
            out.push(c);
        }
    }
    if let Some(digits) = pic.exponent {
        out.push('e');
        if exponent < 0 {
            out.push('-');
        }
        out.push_str(&format!("{:0digits$}", exponent.abs()));
    }
    out.push_str(&pic.suffix);
    Ok(Val::string(out))
}

/// `value` × 10^`places`, through the decimal text.
fn shift(value: f64, places: i32) -> f64 {
    format!("{value:e}")
        .split_once('e')
        .and_then(|(m, e)| {
            format!("{m}e{}", e.parse::<i32>().ok()? + places)
                .parse()
                .ok()
        })
        .unwrap_or(value)
}

/// Inserts `,` before the digit that has `i` digits to its right, where `at(i)`.
fn group(digits: &str, at: impl Fn(usize) -> bool) -> String {
    let chars: Vec<char> = digits.chars().collect();
    let mut out = String::new();
    for (k, c) in chars.iter().enumerate() {
        let right = chars.len() - k;
        if k > 0 && at(right) {
            out.push(',');
        }
        out.push(*c);
    }
    out
}

pub(crate) fn fn_format_integer<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, pos: usize) -> R<'a> {
    let Some(n) = args.first().and_then(|a| a.as_num()) else {
        return Ok(Val::Undef);
    };
    let picture = args.get(1).and_then(|a| a.as_str()).unwrap_or_default();
    format_integer(n, picture, pos).map(Val::string)
}

/// XPath `format-integer`: decimal digit patterns with grouping (`#,##0`), `w`/`W`/`Ww`
/// words, `I`/`i` roman numerals, `A`/`a` letters; a `;o` modifier makes it ordinal.
pub(crate) fn format_integer(n: f64, picture: &str, pos: usize) -> Result<String, JsonataError> {
    let (primary, modifier) = match picture.rfind(';') {
        Some(i) => (&picture[..i], &picture[i + 1..]),
        None => (picture, ""),
    };
    let ordinal = modifier.starts_with('o');
    let value = n.trunc();
    Ok(match primary {
        "w" => number_to_words(value.abs(), ordinal).to_lowercase(),
        "W" => number_to_words(value.abs(), ordinal).to_uppercase(),
        "Ww" => number_to_words(value.abs(), ordinal),
        "I" => roman(value.abs() as u64),
        "i" => roman(value.abs() as u64).to_lowercase(),
        "A" => letters(value.abs() as u64, b'A'),
        "a" => letters(value.abs() as u64, b'a'),
        _ => {
            let digits = decimal_pattern(primary, pos)?;
            let mut text = digits.format(value.abs() as u128);
            if ordinal {
                text.push_str(ordinal_suffix(value.abs() as u128));
            }
            if value < 0.0 {
                text.insert(0, '-');
            }
            text
        }
    })
}

/// A decimal digit pattern such as `0001` or `#,##0`.
struct DecimalPattern {
    mandatory: usize,
    /// Grouping separators as (digits to their right, separator).
    separators: Vec<(usize, char)>,
    /// Every N digits, when the separators are evenly spaced.
    regular: Option<(usize, char)>,
    /// The zero of the digit family (`0`, `٠`, `０`...).
    zero: char,
}

fn decimal_pattern(picture: &str, pos: usize) -> Result<DecimalPattern, JsonataError> {
    let zero_of = |c: char| -> Option<char> {
        c.to_digit(10).map(|_| '0').or_else(|| {
            ['٠', '０', '۰', '०']
                .into_iter()
                .find(|z| (*z as u32..*z as u32 + 10).contains(&(c as u32)))
        })
    };
    let mut zero = None;
    let mut mandatory = 0;
    let mut digits_right = 0;
    let mut separators = Vec::new();
    for c in picture.chars().rev() {
        if c == '#' {
            digits_right += 1;
        } else if let Some(z) = zero_of(c) {
            if zero.is_some_and(|known| known != z) {
                return Err(JsonataError::new(
                    "D3131",
                    "a decimal digit pattern must use digits of one family",
                    pos,
                ));
            }
            zero = Some(z);
            mandatory += 1;
            digits_right += 1;
        } else if c.is_alphanumeric() {
            return Err(JsonataError::new(
                "D3130",
                format!("unsupported integer picture `{picture}`"),
                pos,
            ));
        } else {
            separators.push((digits_right, c));
        }
    }
    let Some(zero) = zero else {
        return Err(JsonataError::new(
            "D3130",
            format!("unsupported integer picture `{picture}`"),
            pos,
        ));
    };
    let regular = match separators.first() {
        Some(&(first, sep)) if first > 0 => separators
            .iter()
            .enumerate()
            .all(|(i, &(at, c))| c == sep && at == first * (i + 1))
            .then_some((first, sep)),
        _ => None,
    };
    Ok(DecimalPattern {
        mandatory,
        separators,
        regular,
        zero,
    })
}

impl DecimalPattern {
    fn format(&self, n: u128) -> String {
        let mut digits: Vec<char> = n.to_string().chars().collect();
        while digits.len() < self.mandatory {
            digits.insert(0, '0');
        }
        let shift = self.zero as u32 - '0' as u32;
        let mut out: Vec<char> = Vec::new();
        for (i, d) in digits.iter().rev().enumerate() {
            if i > 0 {
                let sep = match self.regular {
                    Some((every, c)) => (i % every == 0).then_some(c),
                    None => self
                        .separators
                        .iter()
                        .find(|(at, _)| *at == i)
                        .map(|(_, c)| *c),
                };
                out.extend(sep);
            }
            out.push(char::from_u32(*d as u32 + shift).unwrap_or(*d));
        }
        out.iter().rev().collect()
    }
}

pub(crate) fn ordinal_suffix(n: u128) -> &'static str {
    match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    }
}

const FEW: [&str; 20] = [
    "Zero",
    "One",
    "Two",
    "Three",
    "Four",
    "Five",
    "Six",
    "Seven",
    "Eight",
    "Nine",
    "Ten",
    "Eleven",
    "Twelve",
    "Thirteen",
    "Fourteen",
    "Fifteen",
    "Sixteen",
    "Seventeen",
    "Eighteen",
    "Nineteen",
];
const ORDINALS: [&str; 20] = [
    "Zeroth",
    "First",
    "Second",
    "Third",
    "Fourth",
    "Fifth",
    "Sixth",
    "Seventh",
    "Eighth",
    "Ninth",
    "Tenth",
    "Eleventh",
    "Twelfth",
    "Thirteenth",
    "Fourteenth",
    "Fifteenth",
    "Sixteenth",
    "Seventeenth",
    "Eighteenth",
    "Nineteenth",
];
const DECADES: [&str; 8] = [
    "Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety",
];
const MAGNITUDES: [&str; 4] = ["Thousand", "Million", "Billion", "Trillion"];

/// English words, title case: `Three Thousand, Seven Hundred and Thirty-First`.
pub(crate) fn number_to_words(n: f64, ordinal: bool) -> String {
    fn words(n: f64, prev: bool, ordinal: bool) -> String {
        let and = if prev { " and " } else { "" };
        if n < 20.0 {
            let i = n as usize;
            format!("{and}{}", if ordinal { ORDINALS[i] } else { FEW[i] })
        } else if n < 100.0 {
            let (tens, rest) = ((n / 10.0).floor() as usize, n % 10.0);
            let mut w = format!("{and}{}", DECADES[tens - 2]);
            if rest > 0.0 {
                w.push('-');
                w.push_str(&words(rest, false, ordinal));
            } else if ordinal {
                w.pop();
                w.push_str("ieth");
            }
            w
        } else if n < 1000.0 {
            let (hundreds, rest) = ((n / 100.0).floor() as usize, n % 100.0);
            let mut w = format!("{}{} Hundred", if prev { ", " } else { "" }, FEW[hundreds]);
            if rest > 0.0 {
                w.push_str(&words(rest, true, ordinal));
            } else if ordinal {
                w.push_str("th");
            }
            w
        } else {
            let mag = ((n.log10() / 3.0).floor() as usize).min(MAGNITUDES.len());
            let factor = 10f64.powi(3 * mag as i32);
            let mant = (n / factor).floor();
            let rest = n - mant * factor;
            let mut w = format!(
                "{}{} {}",
                if prev { ", " } else { "" },
                words(mant, false, false),
                MAGNITUDES[mag - 1]
            );
            if rest > 0.0 {
                w.push_str(&words(rest, true, ordinal));
            } else if ordinal {
                w.push_str("th");
            }
            w
        }
    }
    words(n, false, ordinal)
}

pub(crate) fn roman(mut n: u64) -> String {
    const TABLE: [(u64, &str); 13] = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut out = String::new();
    for (value, letters) in TABLE {
        while n >= value {
            out.push_str(letters);
            n -= value;
        }
    }
    out
}

/// `A`..`Z`, `AA`, `AB`... (bijective base 26).
pub(crate) fn letters(mut n: u64, base: u8) -> String {
    let mut out = Vec::new();
    while n > 0 {
        n -= 1;
        out.push((base + (n % 26) as u8) as char);
        n /= 26;
    }
    out.iter().rev().collect()
}

pub(crate) fn fn_parse_integer<'a>(_: &Evaluator<'a>, _: Vec<Val<'a>>, pos: usize) -> R<'a> {
    Err(JsonataError::new(
        "D3133",
        "`$parseInteger` is not supported by this implementation",
        pos,
    ))
}
