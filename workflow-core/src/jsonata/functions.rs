//! The built-in function library: JSONata 2.0's functions (except `$eval`, which the service
//! rejects) and the service's additions (`$partition`, `$range`, `$hash`, `$random` with a
//! seed, `$uuid`, `$parse`).

use std::fmt;
use std::rc::Rc;
use std::sync::OnceLock;

use indexmap::IndexMap;
use serde_json::Value;

use super::datetime;
use super::eval::{append, Evaluator};
use super::format;
use super::signature::Signature;
use super::value::{deep_equal, Type, Val};
use super::JsonataError;

type R<'a> = Result<Val<'a>, JsonataError>;

/// A built-in function: its name (without `$`), signature and implementation.
pub(crate) struct Builtin {
    pub name: &'static str,
    sig: &'static str,
    compiled: OnceLock<Signature>,
    pub f: for<'a> fn(&Evaluator<'a>, Vec<Val<'a>>, usize) -> R<'a>,
}

impl Builtin {
    const fn new(
        name: &'static str,
        sig: &'static str,
        f: for<'a> fn(&Evaluator<'a>, Vec<Val<'a>>, usize) -> R<'a>,
    ) -> Self {
        Builtin {
            name,
            sig,
            compiled: OnceLock::new(),
            f,
        }
    }

    /// The compiled signature (compiled once per process).
    pub fn signature(&self) -> &Signature {
        self.compiled
            .get_or_init(|| Signature::parse(self.sig, 0).expect("built-in signatures are valid"))
    }
}

/// Functions of JSONata that the service does not allow.
pub(crate) const DISALLOWED: &[&str] = &["eval"];

static BUILTINS: [Builtin; 69] = [
    // strings
    Builtin::new("string", "<x-b?:s>", fn_string),
    Builtin::new("length", "<s-:n>", fn_length),
    Builtin::new("substring", "<s-nn?:s>", fn_substring),
    Builtin::new("substringBefore", "<s-s:s>", fn_substring_before),
    Builtin::new("substringAfter", "<s-s:s>", fn_substring_after),
    Builtin::new("uppercase", "<s-:s>", fn_uppercase),
    Builtin::new("lowercase", "<s-:s>", fn_lowercase),
    Builtin::new("trim", "<s-:s>", fn_trim),
    Builtin::new("pad", "<s-ns?:s>", fn_pad),
    Builtin::new("contains", "<s-(sf):b>", fn_contains),
    Builtin::new("split", "<s-(sf)n?:a<s>>", fn_split),
    Builtin::new("join", "<a<s>s?:s>", fn_join),
    Builtin::new("replace", "<s-(sf)(sf)n?:s>", fn_replace),
    Builtin::new("match", "<s-f<s:o>n?:a<o>>", fn_match),
    Builtin::new("base64encode", "<s-:s>", fn_base64encode),
    Builtin::new("base64decode", "<s-:s>", fn_base64decode),
    Builtin::new("encodeUrlComponent", "<s-:s>", fn_encode_url_component),
    Builtin::new("encodeUrl", "<s-:s>", fn_encode_url),
    Builtin::new("decodeUrlComponent", "<s-:s>", fn_decode_url),
    Builtin::new("decodeUrl", "<s-:s>", fn_decode_url),
    // numbers
    Builtin::new("number", "<(nsb)-:n>", fn_number),
    Builtin::new("abs", "<n-:n>", fn_abs),
    Builtin::new("floor", "<n-:n>", fn_floor),
    Builtin::new("ceil", "<n-:n>", fn_ceil),
    Builtin::new("round", "<n-n?:n>", fn_round),
    Builtin::new("power", "<n-n:n>", fn_power),
    Builtin::new("sqrt", "<n-:n>", fn_sqrt),
    Builtin::new("random", "<n?:n>", fn_random),
    Builtin::new("formatNumber", "<n-so?:s>", format::fn_format_number),
    Builtin::new("formatBase", "<n-n?:s>", format::fn_format_base),
    Builtin::new("formatInteger", "<n-s:s>", format::fn_format_integer),
    Builtin::new("parseInteger", "<s-s:n>", format::fn_parse_integer),
    // aggregation
    Builtin::new("sum", "<a<n>:n>", fn_sum),
    Builtin::new("max", "<a<n>:n>", fn_max),
    Builtin::new("min", "<a<n>:n>", fn_min),
    Builtin::new("average", "<a<n>:n>", fn_average),
    Builtin::new("count", "<a:n>", fn_count),
    // booleans
    Builtin::new("boolean", "<x-:b>", fn_boolean),
    Builtin::new("not", "<x-:b>", fn_not),
    Builtin::new("exists", "<x:b>", fn_exists),
    // arrays
    Builtin::new("append", "<xx:a>", fn_append),
    Builtin::new("reverse", "<a:a>", fn_reverse),
    Builtin::new("shuffle", "<a:a>", fn_shuffle),
    Builtin::new("distinct", "<x:x>", fn_distinct),
    Builtin::new("sort", "<af?:a>", fn_sort),
    Builtin::new("zip", "<a+>", fn_zip),
    // objects
    Builtin::new("keys", "<x-:a<s>>", fn_keys),
    Builtin::new("lookup", "<x-s:x>", fn_lookup),
    Builtin::new("spread", "<x-:a<o>>", fn_spread),
    Builtin::new("merge", "<a<o>:o>", fn_merge),
    Builtin::new("sift", "<o-f?:o>", fn_sift),
    Builtin::new("each", "<o-f:a>", fn_each),
    Builtin::new("type", "<x:s>", fn_type),
    Builtin::new("error", "<s?:x>", fn_error),
    Builtin::new("assert", "<bs?:x>", fn_assert),
    // higher-order
    Builtin::new("map", "<af>", fn_map),
    Builtin::new("filter", "<af>", fn_filter),
    Builtin::new("single", "<af?>", fn_single),
    Builtin::new("reduce", "<afj?:j>", fn_reduce),
    // date and time
    Builtin::new("now", "<s?s?:s>", datetime::fn_now),
    Builtin::new("millis", "<:n>", datetime::fn_millis),
    Builtin::new("fromMillis", "<n-s?s?:s>", datetime::fn_from_millis),
    Builtin::new("toMillis", "<s-s?:n>", datetime::fn_to_millis),
    // the service's additions
    Builtin::new("partition", "<an:a>", fn_partition),
    Builtin::new("range", "<nnn?:a>", fn_range),
    Builtin::new("hash", "<s-s?:s>", fn_hash),
    Builtin::new("uuid", "<:s>", fn_uuid),
    Builtin::new("parse", "<s-:x>", fn_parse),
    Builtin::new("clone", "<(oa)-:(oa)>", fn_clone),
];

/// The built-in function named `name` (without `$`).
pub(crate) fn lookup(name: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.name == name)
}

fn err(code: &str, message: impl Into<String>, pos: usize) -> JsonataError {
    JsonataError::new(code, message, pos)
}

// The longest string an expression may make. Without it, `$pad("x", 1e12)`, a `$replace` or
// `$join` that multiplies its input, or a recursion that doubles a string with `&` would run
// out of memory.
use crate::limits::MAX_STRING_BYTES;

/// The most items a sequence or array that an expression makes may hold: the reference
/// implementation's limit for the range operator (`D2014`), applied here to every path step's
/// result and every built-in's as well, so that a cross product (`[1..10000].([1..10000])`)
/// or a recursion that doubles an array with `$append` fails instead of exhausting memory
/// (the reference is bounded elsewhere only by Node's heap).
pub(crate) const MAX_ITEMS: usize = 10_000_000;

/// Refuses a sequence or array of `n` items past [`MAX_ITEMS`].
pub(crate) fn check_items(
    n: usize,
    what: impl fmt::Display,
    pos: usize,
) -> Result<(), JsonataError> {
    if n > MAX_ITEMS {
        return Err(err(
            "D2014",
            format!("{what} would make a sequence of {n} items; at most {MAX_ITEMS} are allowed"),
            pos,
        ));
    }
    Ok(())
}

/// What the built-in `name` returned, refused when it is a string past [`MAX_STRING_BYTES`]
/// or an array past [`MAX_ITEMS`]. Functions that multiply their input (`$pad`, `$join`,
/// `$replace`) refuse before making such a string; the others (`$string`, `$base64encode`,
/// `$append`...) grow their input by a small factor at most, so checking what they return
/// bounds a chain of them.
pub(crate) fn checked_result<'a>(name: &str, result: Val<'a>, pos: usize) -> R<'a> {
    let what = format_args!("`{name}`");
    match result.as_str() {
        Some(text) => check_string_len(text.len(), what, pos)?,
        None => check_items(result.len(), what, pos)?,
    }
    Ok(result)
}

/// Refuses to make a string of `len` bytes past [`MAX_STRING_BYTES`], before making it.
pub(crate) fn check_string_len(
    len: usize,
    what: impl fmt::Display,
    pos: usize,
) -> Result<(), JsonataError> {
    if len > MAX_STRING_BYTES {
        return Err(err(
            super::STRING_TOO_LONG,
            format!(
                "Invalid string length: {what} would make a string of {len} bytes, over the \
                 {MAX_STRING_BYTES} a JSONata string can hold"
            ),
            pos,
        ));
    }
    Ok(())
}

fn arg<'a>(args: &[Val<'a>], i: usize) -> Val<'a> {
    args.get(i).cloned().unwrap_or(Val::Undef)
}

fn str_arg<'v>(args: &'v [Val<'_>], i: usize) -> Option<&'v str> {
    args.get(i).and_then(|v| v.as_str())
}

fn num_arg(args: &[Val<'_>], i: usize) -> Option<f64> {
    args.get(i).and_then(|v| v.as_num())
}

fn num<'a>(n: f64, pos: usize) -> R<'a> {
    if n.is_finite() {
        Ok(Val::Num(n))
    } else {
        Err(err("D1001", format!("number out of range: {n}"), pos))
    }
}

// ----- string conversion -----

/// JavaScript's `Number.prototype.toString` for a finite number.
pub(crate) fn js_number(n: f64) -> String {
    if n == 0.0 {
        return "0".into();
    }
    if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 {
        return format!("{}", n as i64);
    }
    // shortest round-trip digits and exponent, as `d.ddde±x`
    let sci = format!("{:e}", n.abs());
    let (mantissa, exp) = sci.split_once('e').expect("`{:e}` has an exponent");
    let exp: i32 = exp.parse().expect("integer exponent");
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let k = digits.len() as i32;
    let point = exp + 1;
    let sign = if n < 0.0 { "-" } else { "" };
    let body = if k <= point && point <= 21 {
        format!("{digits}{}", "0".repeat((point - k) as usize))
    } else if 0 < point && point <= 21 {
        format!(
            "{}.{}",
            &digits[..point as usize],
            &digits[point as usize..]
        )
    } else if -6 < point && point <= 0 {
        format!("0.{}{digits}", "0".repeat((-point) as usize))
    } else {
        let e = point - 1;
        let esign = if e < 0 { "-" } else { "+" };
        if k == 1 {
            format!("{digits}e{esign}{}", e.abs())
        } else {
            format!("{}.{}e{esign}{}", &digits[..1], &digits[1..], e.abs())
        }
    };
    format!("{sign}{body}")
}

/// A number rounded to 15 significant digits, as `$string` renders numbers.
fn precise(n: f64) -> f64 {
    format!("{n:.14e}").parse().unwrap_or(n)
}

/// `$string` of a value (`&` uses it too).
pub(crate) fn to_string(v: &Val<'_>, pos: usize) -> Result<String, JsonataError> {
    if let Some(s) = v.as_str() {
        return Ok(s.to_string());
    }
    if v.is_func() {
        return Ok(String::new());
    }
    if let Some(n) = v.as_num() {
        if !n.is_finite() {
            return Err(err(
                "D3001",
                "attempting to invoke string function on Infinity or NaN",
                pos,
            ));
        }
    }
    let mut out = String::new();
    let v = match v {
        Val::Arr(a) if a.outer && !a.items.is_empty() => &a.items[0],
        other => other,
    };
    write_json(v, None, 0, &mut out);
    Ok(out)
}

/// JSON text in the style of `JSON.stringify`, numbers at 15 significant digits.
fn write_json(v: &Val<'_>, indent: Option<usize>, level: usize, out: &mut String) {
    let newline = |out: &mut String, level: usize| {
        if let Some(width) = indent {
            out.push('\n');
            out.push_str(&" ".repeat(width * level));
        }
    };
    match v.ty() {
        Type::Undef | Type::Null => out.push_str("null"),
        Type::Bool => out.push_str(if v.as_bool() == Some(true) {
            "true"
        } else {
            "false"
        }),
        Type::Num => {
            let n = v.as_num().unwrap_or(0.0);
            if n.is_finite() {
                out.push_str(&js_number(if n.fract() == 0.0 { n } else { precise(n) }));
            } else {
                out.push_str("null");
            }
        }
        Type::Str => {
            out.push_str(&serde_json::to_string(v.as_str().unwrap_or("")).unwrap_or_default())
        }
        Type::Func => out.push_str("\"\""),
        Type::Arr => {
            out.push('[');
            let items: Vec<_> = v.items().collect();
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, level + 1);
                if item.is_undef() {
                    out.push_str("null");
                } else {
                    write_json(item, indent, level + 1, out);
                }
            }
            if !items.is_empty() {
                newline(out, level);
            }
            out.push(']');
        }
        Type::Obj => {
            out.push('{');
            let entries: Vec<_> = v
                .entries()
                .into_iter()
                .filter(|(_, v)| !v.is_undef())
                .collect();
            for (i, (k, item)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, level + 1);
                out.push_str(&serde_json::to_string(k).unwrap_or_default());
                out.push(':');
                if indent.is_some() {
                    out.push(' ');
                }
                write_json(item, indent, level + 1, out);
            }
            if !entries.is_empty() {
                newline(out, level);
            }
            out.push('}');
        }
    }
}

/// A value of the data quoted in an error message: its JSON text while payloads are shown
/// ([`crate::privacy`]), else a placeholder.
pub(crate) fn quoted_value(v: &Val<'_>) -> String {
    if v.is_undef() || crate::privacy::payloads_shown() {
        format_value(v)
    } else {
        "<hidden value>".to_owned()
    }
}

/// Text of the data quoted in an error message, or a placeholder while payloads are hidden.
fn quoted_text(text: String) -> String {
    if crate::privacy::payloads_shown() {
        text
    } else {
        "<hidden value>".to_owned()
    }
}

/// A value as JSON text, for error messages.
pub(crate) fn format_value(v: &Val<'_>) -> String {
    if v.is_undef() {
        return "undefined".into();
    }
    let mut out = String::new();
    write_json(v, None, 0, &mut out);
    out
}

fn fn_string<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, pos: usize) -> R<'a> {
    let v = arg(&args, 0);
    if v.is_undef() {
        return Ok(Val::Undef);
    }
    if arg(&args, 1).as_bool() == Some(true) && v.as_str().is_none() && !v.is_func() {
        if v.as_num().is_some_and(|n| !n.is_finite()) {
            return Err(err(
                "D3001",
                "attempting to invoke string function on Infinity or NaN",
                pos,
            ));
        }
        let mut out = String::new();
        write_json(&v, Some(2), 0, &mut out);
        return Ok(Val::string(out));
    }
    Ok(Val::string(to_string(&v, pos)?))
}

fn fn_length<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, _: usize) -> R<'a> {
    Ok(match str_arg(&args, 0) {
        Some(s) => Val::Num(s.chars().count() as f64),
        None => Val::Undef,
    })
}

fn fn_substring<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, _: usize) -> R<'a> {
    let Some(s) = str_arg(&args, 0) else {
        return Ok(Val::Undef);
    };
    let chars: Vec<char> = s.chars().collect();
    let len = chars.len() as f64;
    let mut start = num_arg(&args, 1).unwrap_or(0.0);
    if start < 0.0 {
        start = (len + start).max(0.0);
    }
    let start = start.min(len);
    let end = match num_arg(&args, 2) {
        Some(l) if l <= 0.0 => return Ok(Val::string("")),
        Some(l) => (start + l).min(len),
        None => len,
    };
    Ok(Val::string(
        chars[start as usize..end as usize]
            .iter()
            .collect::<String>(),
    ))
}

fn fn_substring_before<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, _: usize) -> R<'a> {
    let (Some(s), Some(chars)) = (str_arg(&args, 0), str_arg(&args, 1)) else {
        return Ok(args
            .first()
            .cloned()
            .filter(|_| str_arg(&args, 0).is_some())
            .unwrap_or(Val::Undef));
    };
    Ok(Val::string(match s.find(chars) {
        Some(i) => &s[..i],
        None => s,
    }))
}

fn fn_substring_after<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, _: usize) -> R<'a> {
    let (Some(s), Some(chars)) = (str_arg(&args, 0), str_arg(&args, 1)) else {
        return Ok(args
            .first()
            .cloned()
            .filter(|_| str_arg(&args, 0).is_some())
            .unwrap_or(Val::Undef));
    };
    Ok(Val::string(match s.find(chars) {
        Some(i) => &s[i + chars.len()..],
        None => s,
    }))
}

fn fn_uppercase<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, _: usize) -> R<'a> {
    Ok(str_arg(&args, 0)
        .map(|s| Val::string(s.to_uppercase()))
        .unwrap_or(Val::Undef))
}

fn fn_lowercase<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, _: usize) -> R<'a> {
    Ok(str_arg(&args, 0)
        .map(|s| Val::string(s.to_lowercase()))
        .unwrap_or(Val::Undef))
}

fn fn_trim<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, _: usize) -> R<'a> {
    let Some(s) = str_arg(&args, 0) else {
        return Ok(Val::Undef);
    };
    let words: Vec<&str> = s
        .split([' ', '\t', '\n', '\r'])
        .filter(|w| !w.is_empty())
        .collect();
    Ok(Val::string(words.join(" ")))
}

fn fn_pad<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, pos: usize) -> R<'a> {
    let Some(s) = str_arg(&args, 0) else {
        return Ok(Val::Undef);
    };
    let width = num_arg(&args, 1).unwrap_or(0.0).trunc();
    let pad = match str_arg(&args, 2) {
        Some(p) if !p.is_empty() => p,
        _ => " ",
    };
    let len = s.chars().count() as f64;
    if width.abs() <= len {
        return Ok(Val::string(s));
    }
    // Saturates for a width past usize (or infinite), which the check then refuses.
    let missing = (width.abs() - len) as usize;
    let chars = pad.chars().count();
    let rest: usize = pad.chars().take(missing % chars).map(char::len_utf8).sum();
    let padded = (missing / chars)
        .saturating_mul(pad.len())
        .saturating_add(rest);
    check_string_len(s.len().saturating_add(padded), "`pad`", pos)?;
    let padding: String = pad.chars().cycle().take(missing).collect();
    Ok(Val::string(if width > 0.0 {
        format!("{s}{padding}")
    } else {
        format!("{padding}{s}")
    }))
}

/// The regex of a `(sf)` argument that is a regex literal.
fn as_regex<'a>(v: &Val<'a>) -> Option<&'a regex::Regex> {
    match v {
        Val::Func(f) => match &**f {
            super::value::Func::Regex(re) => Some(re),
            _ => None,
        },
        _ => None,
    }
}

fn fn_contains<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, pos: usize) -> R<'a> {
    let Some(s) = str_arg(&args, 0) else {
        return Ok(Val::Undef);
    };
    let pattern = arg(&args, 1);
    if pattern.is_undef() {
        return Ok(Val::Undef);
    }
    if let Some(p) = pattern.as_str() {
        return Ok(Val::Bool(s.contains(p)));
    }
    match as_regex(&pattern) {
        Some(re) => Ok(Val::Bool(re.is_match(s))),
        None => Err(err(
            "T0410",
            "argument 2 of function `contains` must be a string or a regular expression",
            pos,
        )),
    }
}

fn limit_arg(
    args: &[Val<'_>],
    i: usize,
    name: &str,
    pos: usize,
) -> Result<Option<usize>, JsonataError> {
    match num_arg(args, i) {
        None => Ok(None),
        Some(n) if n < 0.0 => Err(err(
            if name == "replace" { "D3011" } else { "D3020" },
            format!("the limit argument of function `{name}` must not be negative"),
            pos,
        )),
        Some(n) => Ok(Some(n as usize)),
    }
}

fn fn_split<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, pos: usize) -> R<'a> {
    let Some(s) = str_arg(&args, 0) else {
        return Ok(Val::Undef);
    };
    let limit = limit_arg(&args, 2, "split", pos)?.unwrap_or(usize::MAX);
    let sep = arg(&args, 1);
    let parts: Vec<String> = if let Some(sep) = sep.as_str() {
        if sep.is_empty() {
            s.chars().map(String::from).collect()
        } else {
            s.split(sep).map(String::from).collect()
        }
    } else if let Some(re) = as_regex(&sep) {
        re.split(s).map(String::from).collect()
    } else {
        return Err(err(
            "T0410",
            "argument 2 of function `split` must be a string or a regular expression",
            pos,
        ));
    };
    Ok(Val::array(
        parts.into_iter().take(limit).map(Val::string).collect(),
    ))
}

fn fn_join<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, pos: usize) -> R<'a> {
    let list = arg(&args, 0);
    if list.is_undef() {
        return Ok(Val::Undef);
    }
    let sep = str_arg(&args, 1).unwrap_or("");
    let parts: Vec<String> = list
        .items()
        .map(|v| v.as_str().unwrap_or_default().to_string())
        .collect();
    let len = parts.iter().fold(0usize, |n, p| n.saturating_add(p.len()));
    let seps = sep.len().saturating_mul(parts.len().saturating_sub(1));
    check_string_len(len.saturating_add(seps), "`join`", pos)?;
    Ok(Val::string(parts.join(sep)))
}

/// The `{match, index, groups}` object of a regex match starting at or after `from`.
pub(crate) fn regex_match_object<'a>(re: &regex::Regex, text: &str, from: usize) -> Val<'a> {
    let Some(caps) = re.captures_at(text, from) else {
        return Val::Undef;
    };
    let whole = caps.get(0).expect("group 0 always matches");
    let mut obj = IndexMap::new();
    obj.insert("match".to_string(), Val::string(whole.as_str()));
    obj.insert(
        "index".to_string(),
        Val::Num(text[..whole.start()].chars().count() as f64),
    );
    let groups = caps
        .iter()
        .skip(1)
        .map(|g| Val::string(g.map(|m| m.as_str()).unwrap_or("")))
        .collect();
    obj.insert("groups".to_string(), Val::array(groups));
    Val::Obj(Rc::new(obj))
}

fn fn_match<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, pos: usize) -> R<'a> {
    let Some(s) = str_arg(&args, 0) else {
        return Ok(Val::Undef);
    };
    let limit = limit_arg(&args, 2, "match", pos)?.unwrap_or(usize::MAX);
    let Some(re) = as_regex(&arg(&args, 1)) else {
        return Err(err(
            "T0410",
            "argument 2 of function `match` must be a regular expression",
            pos,
        ));
    };
    let mut out = Vec::new();
    let mut from = 0;
    while out.len() < limit && from <= s.len() {
        let Some(m) = re.find_at(s, from) else { break };
        out.push(regex_match_object(re, s, from));
        from = if m.end() == m.start() {
            next_char(s, m.end())
        } else {
            m.end()
        };
    }
    Ok(Val::seq(out))
}

fn next_char(s: &str, at: usize) -> usize {
    s[at..]
        .chars()
        .next()
        .map(|c| at + c.len_utf8())
        .unwrap_or(s.len() + 1)
}

fn fn_replace<'a>(ev: &Evaluator<'a>, args: Vec<Val<'a>>, pos: usize) -> R<'a> {
    let Some(s) = str_arg(&args, 0) else {
        return Ok(Val::Undef);
    };
    let pattern = arg(&args, 1);
    let replacement = arg(&args, 2);
    let limit = limit_arg(&args, 3, "replace", pos)?.unwrap_or(usize::MAX);
    if pattern.as_str() == Some("") {
        return Err(err(
            "D3010",
            "the second argument of function `replace` cannot be an empty string",
            pos,
        ));
    }
    if replacement.as_str().is_none() && !replacement.is_func() {
        return Err(err(
            "T0410",
            "argument 3 of function `replace` must be a string or a function",
            pos,
        ));
    }
    if let Some(p) = pattern.as_str() {
        if let Some(r) = replacement.as_str() {
            if r.len() > p.len() {
                let n = s.matches(p).take(limit).count();
                let grown = n.saturating_mul(r.len() - p.len());
                check_string_len(s.len().saturating_add(grown), "`replace`", pos)?;
            }
            return Ok(Val::string(s.replacen(p, r, limit)));
        }
    }
    let owned_re;
    let re = match (pattern.as_str(), as_regex(&pattern)) {
        (Some(p), _) => {
            owned_re = regex::Regex::new(&regex::escape(p))
                .map_err(|e| err("D3010", e.to_string(), pos))?;
            &owned_re
        }
        (None, Some(re)) => re,
        _ => {
            return Err(err(
                "T0410",
                "argument 2 of function `replace` must be a string or a regular expression",
                pos,
            ))
        }
    };
    let mut out = String::new();
    let mut last = 0;
    let mut count = 0;
    let mut from = 0;
    while count < limit && from <= s.len() {
        let Some(caps) = re.captures_at(s, from) else {
            break;
        };
        let m = caps.get(0).expect("group 0");
        if m.start() == m.end() {
            return Err(err(
                "D1004",
                "the regular expression of function `replace` matches an empty string",
                pos,
            ));
        }
        out.push_str(&s[last..m.start()]);
        match replacement.as_str() {
            Some(r) => expand_replacement(r, &caps, &mut out),
            None => {
                let obj = regex_match_object(re, s, m.start());
                let res = ev.apply(&replacement, vec![obj], &Val::Undef, pos, "replace")?;
                match res.as_str() {
                    Some(text) => out.push_str(text),
                    None => {
                        return Err(err(
                            "D3012",
                            "the replacement function of `replace` must return a string",
                            pos,
                        ))
                    }
                }
            }
        }
        check_string_len(out.len(), "`replace`", pos)?;
        last = m.end();
        from = m.end();
        count += 1;
    }
    out.push_str(&s[last..]);
    check_string_len(out.len(), "`replace`", pos)?;
    Ok(Val::string(out))
}

/// `$0`, `$1`... in a replacement string (`$$` is a literal `$`); like JSONata, a number too
/// large for the groups drops digits from the right.
fn expand_replacement(r: &str, caps: &regex::Captures<'_>, out: &mut String) {
    let bytes = r.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'$' {
            // Text up to the next `$` is copied as it is, at once.
            let end = r[i..].find('$').map_or(r.len(), |j| i + j);
            out.push_str(&r[i..end]);
            i = end;
            continue;
        }
        if i + 1 < bytes.len() {
            if bytes[i + 1] == b'$' {
                out.push('$');
                i += 2;
                continue;
            }
            let digits: String = r[i + 1..]
                .chars()
                .take_while(|c| c.is_ascii_digit())
                .collect();
            if !digits.is_empty() {
                let mut d = digits.as_str();
                loop {
                    let n: usize = d.parse().unwrap_or(0);
                    if n < caps.len() || d.len() == 1 {
                        if n < caps.len() {
                            out.push_str(caps.get(n).map(|m| m.as_str()).unwrap_or(""));
                        }
                        out.push_str(&digits[d.len()..]);
                        break;
                    }
                    d = &d[..d.len() - 1];
                }
                i += 1 + digits.len();
                continue;
            }
        }
        // A `$` that starts neither `$$` nor a group number is itself.
        out.push('$');
        i += 1;
    }
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub(crate) fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(BASE64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut acc = 0u32;
    let mut bits = 0;
    for c in text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
    {
        let v = BASE64.iter().position(|&b| b == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

fn fn_base64encode<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, _: usize) -> R<'a> {
    Ok(str_arg(&args, 0)
        .map(|s| Val::string(base64_encode(s.as_bytes())))
        .unwrap_or(Val::Undef))
}

fn fn_base64decode<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, pos: usize) -> R<'a> {
    let Some(s) = str_arg(&args, 0) else {
        return Ok(Val::Undef);
    };
    let bytes = base64_decode(s).ok_or_else(|| {
        err(
            "D3137",
            "the argument of `base64decode` is not valid base64",
            pos,
        )
    })?;
    Ok(Val::string(String::from_utf8_lossy(&bytes).into_owned()))
}

fn percent_encode(s: &str, keep: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || keep.contains(c) {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

fn fn_encode_url_component<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, _: usize) -> R<'a> {
    Ok(str_arg(&args, 0)
        .map(|s| Val::string(percent_encode(s, "-_.!~*'()")))
        .unwrap_or(Val::Undef))
}

fn fn_encode_url<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, _: usize) -> R<'a> {
    Ok(str_arg(&args, 0)
        .map(|s| Val::string(percent_encode(s, "-_.!~*'();/?:@&=+$,#")))
        .unwrap_or(Val::Undef))
}

fn fn_decode_url<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, pos: usize) -> R<'a> {
    let Some(s) = str_arg(&args, 0) else {
        return Ok(Val::Undef);
    };
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            let Some(b) = hex else {
                return Err(err(
                    "D3140",
                    format!("malformed URL: {}", quoted_text(format!("`{s}`"))),
                    pos,
                ));
            };
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map(Val::string).map_err(|_| {
        err(
            "D3140",
            format!("malformed URL: {}", quoted_text(format!("`{s}`"))),
            pos,
        )
    })
}

// ----- numbers -----

/// JSON number syntax, plus the `0x`, `0o`, `0b` prefixes `$number` accepts.
pub(crate) fn parse_number(s: &str) -> Option<f64> {
    let t = s.trim();
    for (prefix, radix) in [
        ("0x", 16),
        ("0X", 16),
        ("0o", 8),
        ("0O", 8),
        ("0b", 2),
        ("0B", 2),
    ] {
        if let Some(digits) = t.strip_prefix(prefix) {
            return i64::from_str_radix(digits, radix).ok().map(|n| n as f64);
        }
    }
    let json_like = {
        let b = t.strip_prefix('-').unwrap_or(t).as_bytes();
        !b.is_empty()
            && b[0].is_ascii_digit()
            && b.iter()
                .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'))
    };
    if !json_like {
        return None;
    }
    t.parse::<f64>().ok().filter(|n| n.is_finite())
}

fn fn_number<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, pos: usize) -> R<'a> {
    let v = arg(&args, 0);
    match v.ty() {
        Type::Undef => Ok(Val::Undef),
        Type::Num => Ok(v),
        Type::Bool => Ok(Val::Num(if v.as_bool() == Some(true) { 1.0 } else { 0.0 })),
        Type::Str => {
            let s = v.as_str().unwrap_or_default();
            parse_number(s).map(Val::Num).ok_or_else(|| {
                err(
                    "D3030",
                    format!(
                        "unable to cast value to a number: {}",
                        quoted_text(format!("\"{s}\""))
                    ),
                    pos,
                )
            })
        }
        _ => Err(err(
            "D3030",
            format!("unable to cast value to a number: {}", quoted_value(&v)),
            pos,
        )),
    }
}

fn unary_math<'a>(args: &[Val<'a>], f: impl Fn(f64) -> f64) -> R<'a> {
    Ok(num_arg(args, 0)
        .map(|n| Val::Num(f(n)))
        .unwrap_or(Val::Undef))
}

fn fn_abs<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, _: usize) -> R<'a> {
    unary_math(&args, f64::abs)
}

fn fn_floor<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, _: usize) -> R<'a> {
    unary_math(&args, f64::floor)
}

fn fn_ceil<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, _: usize) -> R<'a> {
    unary_math(&args, f64::ceil)
}

/// Shifts the decimal point of `n` by `places`, through the decimal text as JSONata does
/// (multiplying by a power of ten would add binary noise).
fn shift_decimal(n: f64, places: i32) -> f64 {
    let text = js_number(n);
    let (mantissa, exp) = match text.split_once('e') {
        Some((m, e)) => (
            m.to_string(),
            e.trim_start_matches('+').parse::<i32>().unwrap_or(0),
        ),
        None => (text, 0),
    };
    format!("{mantissa}e{}", exp + places).parse().unwrap_or(n)
}

/// Round half to even at `precision` decimal places.
pub(crate) fn round_half_even(n: f64, precision: i32) -> f64 {
    let shifted = if precision != 0 {
        shift_decimal(n, precision)
    } else {
        n
    };
    // JavaScript's Math.round: halves go up
    let floor = shifted.floor();
    let mut result = if shifted - floor >= 0.5 {
        floor + 1.0
    } else {
        floor
    };
    if (result - shifted).abs() == 0.5 && (result % 2.0).abs() == 1.0 {
        result -= 1.0;
    }
    if precision != 0 {
        result = shift_decimal(result, -precision);
    }
    if result == 0.0 {
        0.0
    } else {
        result
    }
}

fn fn_round<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, _: usize) -> R<'a> {
    let Some(n) = num_arg(&args, 0) else {
        return Ok(Val::Undef);
    };
    let precision = num_arg(&args, 1).unwrap_or(0.0) as i32;
    Ok(Val::Num(round_half_even(n, precision)))
}

fn fn_power<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, pos: usize) -> R<'a> {
    let (Some(base), Some(exp)) = (num_arg(&args, 0), num_arg(&args, 1)) else {
        return Ok(Val::Undef);
    };
    let r = base.powf(exp);
    if !r.is_finite() {
        return Err(err("D3061", format!("the power function has resulted in a value that cannot be represented as a JSON number: base={base}, exponent={exp}"), pos));
    }
    Ok(Val::Num(r))
}

fn fn_sqrt<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, pos: usize) -> R<'a> {
    let Some(n) = num_arg(&args, 0) else {
        return Ok(Val::Undef);
    };
    if n < 0.0 {
        return Err(err(
            "D3060",
            format!(
                "the sqrt function cannot be applied to a negative number: {}",
                js_number(n)
            ),
            pos,
        ));
    }
    Ok(Val::Num(n.sqrt()))
}

/// SplitMix64: the generator behind `$random`, `$shuffle` and `$uuid`.
pub(crate) fn next_random(state: u64) -> (u64, u64) {
    let next = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = next;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (next, z ^ (z >> 31))
}

fn random_unit(ev: &Evaluator<'_>) -> f64 {
    let (state, out) = next_random(ev.rng.get());
    ev.rng.set(state);
    (out >> 11) as f64 / (1u64 << 53) as f64
}

fn fn_random<'a>(ev: &Evaluator<'a>, args: Vec<Val<'a>>, _: usize) -> R<'a> {
    if let Some(seed) = num_arg(&args, 0) {
        // a seeded call is deterministic: the same seed gives the same number
        let (_, out) = next_random(seed.to_bits());
        return Ok(Val::Num((out >> 11) as f64 / (1u64 << 53) as f64));
    }
    Ok(Val::Num(random_unit(ev)))
}

// ----- aggregation -----

fn numbers(v: &Val<'_>) -> Vec<f64> {
    v.items().filter_map(|x| x.as_num()).collect()
}

fn fn_sum<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, pos: usize) -> R<'a> {
    let list = arg(&args, 0);
    if list.is_undef() {
        return Ok(Val::Undef);
    }
    num(numbers(&list).iter().sum(), pos)
}

fn fn_max<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, _: usize) -> R<'a> {
    let ns = numbers(&arg(&args, 0));
    Ok(ns
        .into_iter()
        .reduce(f64::max)
        .map(Val::Num)
        .unwrap_or(Val::Undef))
}

fn fn_min<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, _: usize) -> R<'a> {
    let ns = numbers(&arg(&args, 0));
    Ok(ns
        .into_iter()
        .reduce(f64::min)
        .map(Val::Num)
        .unwrap_or(Val::Undef))
}

fn fn_average<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, _: usize) -> R<'a> {
    let ns = numbers(&arg(&args, 0));
    if ns.is_empty() {
        return Ok(Val::Undef);
    }
    Ok(Val::Num(ns.iter().sum::<f64>() / ns.len() as f64))
}

fn fn_count<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, _: usize) -> R<'a> {
    let list = arg(&args, 0);
    Ok(Val::Num(if list.is_undef() {
        0.0
    } else {
        list.len() as f64
    }))
}

// ----- booleans -----

fn fn_boolean<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, _: usize) -> R<'a> {
    Ok(arg(&args, 0).truthy().map(Val::Bool).unwrap_or(Val::Undef))
}

fn fn_not<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, _: usize) -> R<'a> {
    Ok(arg(&args, 0)
        .truthy()
        .map(|b| Val::Bool(!b))
        .unwrap_or(Val::Undef))
}

fn fn_exists<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, _: usize) -> R<'a> {
    Ok(Val::Bool(!arg(&args, 0).is_undef()))
}

// ----- arrays -----

fn fn_append<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, _: usize) -> R<'a> {
    Ok(append(arg(&args, 0), arg(&args, 1)))
}

fn fn_reverse<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, _: usize) -> R<'a> {
    let list = arg(&args, 0);
    if list.is_undef() {
        return Ok(Val::Undef);
    }
    let mut items = list.to_items();
    items.reverse();
    Ok(Val::array(items))
}

fn fn_shuffle<'a>(ev: &Evaluator<'a>, args: Vec<Val<'a>>, _: usize) -> R<'a> {
    let list = arg(&args, 0);
    if list.is_undef() {
        return Ok(Val::Undef);
    }
    let mut items = list.to_items();
    for i in (1..items.len()).rev() {
        let j = (random_unit(ev) * (i + 1) as f64) as usize;
        items.swap(i, j.min(i));
    }
    Ok(Val::array(items))
}

fn fn_distinct<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, _: usize) -> R<'a> {
    let list = arg(&args, 0);
    if !list.is_array() {
        return Ok(list);
    }
    let mut out: Vec<Val<'a>> = Vec::new();
    for item in list.items() {
        if !out.iter().any(|o| deep_equal(o, &item)) {
            out.push(item);
        }
    }
    Ok(if list.is_seq() {
        Val::seq(out)
    } else {
        Val::array(out)
    })
}

fn fn_sort<'a>(ev: &Evaluator<'a>, args: Vec<Val<'a>>, pos: usize) -> R<'a> {
    let list = arg(&args, 0);
    if list.is_undef() {
        return Ok(Val::Undef);
    }
    let items = list.to_items();
    if items.len() <= 1 {
        return Ok(Val::array(items));
    }
    let comparator = arg(&args, 1);
    if comparator.is_undef() {
        let all_num = items.iter().all(|v| v.as_num().is_some());
        let all_str = items.iter().all(|v| v.as_str().is_some());
        if !all_num && !all_str {
            return Err(err("D3070", "the single argument form of the sort function can only be applied to an array of strings or an array of numbers; use the second argument to specify a comparison function", pos));
        }
        let mut items = items;
        items.sort_by(|a, b| match (a.as_num(), b.as_num()) {
            (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal),
            _ => a.as_str().cmp(&b.as_str()),
        });
        return Ok(Val::array(items));
    }
    // merge sort: the comparator answers "should a come after b", and may fail
    merge_sort(ev, items, &comparator, pos).map(Val::array)
}

fn merge_sort<'a>(
    ev: &Evaluator<'a>,
    items: Vec<Val<'a>>,
    cmp: &Val<'a>,
    pos: usize,
) -> Result<Vec<Val<'a>>, JsonataError> {
    if items.len() <= 1 {
        return Ok(items);
    }
    let mut right = items;
    let left = right.drain(..right.len() / 2).collect();
    let left = merge_sort(ev, left, cmp, pos)?;
    let right = merge_sort(ev, right, cmp, pos)?;
    let mut out = Vec::with_capacity(left.len() + right.len());
    let (mut l, mut r) = (left.into_iter().peekable(), right.into_iter().peekable());
    while let (Some(a), Some(b)) = (l.peek(), r.peek()) {
        let swap = ev
            .apply(cmp, vec![a.clone(), b.clone()], &Val::Undef, pos, "sort")?
            .truthy()
            == Some(true);
        out.push(if swap { r.next() } else { l.next() }.expect("peeked"));
    }
    out.extend(l);
    out.extend(r);
    Ok(out)
}

fn fn_zip<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, _: usize) -> R<'a> {
    let lists: Vec<Vec<Val<'a>>> = args.iter().map(|a| a.to_items()).collect();
    let len = lists.iter().map(Vec::len).min().unwrap_or(0);
    Ok(Val::array(
        (0..len)
            .map(|i| Val::array(lists.iter().map(|l| l[i].clone()).collect()))
            .collect(),
    ))
}

// ----- objects -----

fn fn_keys<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, _: usize) -> R<'a> {
    let v = arg(&args, 0);
    let mut keys: Vec<String> = Vec::new();
    for item in v.items() {
        for k in item.keys() {
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
    }
    Ok(Val::seq(keys.into_iter().map(Val::string).collect()))
}

fn fn_lookup<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, _: usize) -> R<'a> {
    let v = arg(&args, 0);
    let key = str_arg(&args, 1).unwrap_or_default();
    if v.is_array() {
        let mut out = Vec::new();
        for item in v.items() {
            let r = item.field(key);
            if r.is_array() {
                out.extend(r.items());
            } else if !r.is_undef() {
                out.push(r);
            }
        }
        return Ok(Val::seq(out));
    }
    Ok(v.field(key))
}

fn fn_spread<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, _: usize) -> R<'a> {
    let v = arg(&args, 0);
    if !matches!(v.ty(), Type::Arr | Type::Obj) {
        return Ok(v);
    }
    let mut out = Vec::new();
    spread_into(&v, &mut out);
    Ok(Val::seq(out))
}

fn spread_into<'a>(v: &Val<'a>, out: &mut Vec<Val<'a>>) {
    match v.ty() {
        Type::Arr => {
            for item in v.items() {
                spread_into(&item, out);
            }
        }
        Type::Obj => {
            for (k, val) in v.entries() {
                out.push(Val::Obj(Rc::new(IndexMap::from([(k, val)]))));
            }
        }
        _ => out.push(v.clone()),
    }
}

fn fn_merge<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, _: usize) -> R<'a> {
    let list = arg(&args, 0);
    if list.is_undef() {
        return Ok(Val::Undef);
    }
    let mut out = IndexMap::new();
    for item in list.items() {
        for (k, v) in item.entries() {
            out.insert(k, v);
        }
    }
    Ok(Val::Obj(Rc::new(out)))
}

fn fn_sift<'a>(ev: &Evaluator<'a>, args: Vec<Val<'a>>, pos: usize) -> R<'a> {
    let obj = arg(&args, 0);
    let f = arg(&args, 1);
    if obj.is_undef() {
        return Ok(Val::Undef);
    }
    let arity = ev.arity(&f);
    let mut out = IndexMap::new();
    for (k, v) in obj.entries() {
        let mut call = vec![v.clone(), Val::string(k.as_str()), obj.clone()];
        call.truncate(arity.max(1));
        if ev.apply(&f, call, &Val::Undef, pos, "sift")?.truthy() == Some(true) {
            out.insert(k, v);
        }
    }
    Ok(if out.is_empty() {
        Val::Undef
    } else {
        Val::Obj(Rc::new(out))
    })
}

fn fn_each<'a>(ev: &Evaluator<'a>, args: Vec<Val<'a>>, pos: usize) -> R<'a> {
    let obj = arg(&args, 0);
    let f = arg(&args, 1);
    if obj.is_undef() {
        return Ok(Val::Undef);
    }
    let arity = ev.arity(&f);
    let mut out = Vec::new();
    for (k, v) in obj.entries() {
        let mut call = vec![v, Val::string(k.as_str()), obj.clone()];
        call.truncate(arity.max(1));
        let r = ev.apply(&f, call, &Val::Undef, pos, "each")?;
        if !r.is_undef() {
            out.push(r);
        }
    }
    Ok(Val::seq(out))
}

fn fn_type<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, _: usize) -> R<'a> {
    Ok(match arg(&args, 0).ty() {
        Type::Undef => Val::Undef,
        Type::Null => Val::string("null"),
        Type::Bool => Val::string("boolean"),
        Type::Num => Val::string("number"),
        Type::Str => Val::string("string"),
        Type::Arr => Val::string("array"),
        Type::Obj => Val::string("object"),
        Type::Func => Val::string("function"),
    })
}

fn fn_error<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, pos: usize) -> R<'a> {
    let message = str_arg(&args, 0).unwrap_or("$error() function evaluated");
    Err(err("D3137", message, pos))
}

fn fn_assert<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, pos: usize) -> R<'a> {
    if arg(&args, 0).as_bool() != Some(true) {
        let message = str_arg(&args, 1).unwrap_or("$assert() statement failed");
        return Err(err("D3141", message, pos));
    }
    Ok(Val::Undef)
}

// ----- higher-order -----

fn hof_call<'a>(
    ev: &Evaluator<'a>,
    f: &Val<'a>,
    item: Val<'a>,
    index: usize,
    list: &Val<'a>,
    pos: usize,
    name: &str,
) -> R<'a> {
    let arity = ev.arity(f);
    let mut call = vec![item, Val::Num(index as f64), list.clone()];
    call.truncate(arity.max(1));
    ev.apply(f, call, &Val::Undef, pos, name)
}

fn fn_map<'a>(ev: &Evaluator<'a>, args: Vec<Val<'a>>, pos: usize) -> R<'a> {
    let list = arg(&args, 0);
    if list.is_undef() {
        return Ok(Val::Undef);
    }
    let f = arg(&args, 1);
    let mut out = Vec::new();
    for (i, item) in list.items().enumerate() {
        let r = hof_call(ev, &f, item, i, &list, pos, "map")?;
        if !r.is_undef() {
            out.push(r);
        }
    }
    Ok(Val::seq(out))
}

fn fn_filter<'a>(ev: &Evaluator<'a>, args: Vec<Val<'a>>, pos: usize) -> R<'a> {
    let list = arg(&args, 0);
    if list.is_undef() {
        return Ok(Val::Undef);
    }
    let f = arg(&args, 1);
    let mut out = Vec::new();
    for (i, item) in list.items().enumerate() {
        if hof_call(ev, &f, item.clone(), i, &list, pos, "filter")?.truthy() == Some(true) {
            out.push(item);
        }
    }
    Ok(Val::seq(out))
}

fn fn_single<'a>(ev: &Evaluator<'a>, args: Vec<Val<'a>>, pos: usize) -> R<'a> {
    let list = arg(&args, 0);
    if list.is_undef() {
        return Ok(Val::Undef);
    }
    let f = arg(&args, 1);
    let mut found = None;
    for (i, item) in list.items().enumerate() {
        let keep = f.is_undef()
            || hof_call(ev, &f, item.clone(), i, &list, pos, "single")?.truthy() == Some(true);
        if keep {
            if found.is_some() {
                return Err(err("D3138", "the $single() function expected exactly 1 matching result; instead it matched more", pos));
            }
            found = Some(item);
        }
    }
    found.ok_or_else(|| {
        err(
            "D3139",
            "the $single() function expected exactly 1 matching result; instead it matched 0",
            pos,
        )
    })
}

fn fn_reduce<'a>(ev: &Evaluator<'a>, args: Vec<Val<'a>>, pos: usize) -> R<'a> {
    let list = arg(&args, 0);
    if list.is_undef() {
        return Ok(Val::Undef);
    }
    let f = arg(&args, 1);
    let arity = ev.arity(&f);
    if arity < 2 {
        return Err(err(
            "D3050",
            "the second argument of reduce must be a function with at least two arguments",
            pos,
        ));
    }
    let items = list.to_items();
    let mut iter = items.iter().cloned().enumerate();
    let mut acc = match args.get(2) {
        Some(init) if !init.is_undef() => init.clone(),
        _ => match iter.next() {
            Some((_, first)) => first,
            None => return Ok(Val::Undef),
        },
    };
    for (i, item) in iter {
        let mut call = vec![acc, item, Val::Num(i as f64), list.clone()];
        call.truncate(arity);
        acc = ev.apply(&f, call, &Val::Undef, pos, "reduce")?;
    }
    Ok(acc)
}

// ----- the service's additions -----

fn fn_partition<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, pos: usize) -> R<'a> {
    let list = arg(&args, 0);
    let size = num_arg(&args, 1).unwrap_or(0.0);
    if size < 1.0 || size.fract() != 0.0 {
        return Err(err(
            "D3020",
            format!(
                "the chunk size of `partition` must be a positive integer, got {}",
                js_number(size)
            ),
            pos,
        ));
    }
    let items = list.to_items();
    Ok(Val::array(
        items
            .chunks(size as usize)
            .map(|c| Val::array(c.to_vec()))
            .collect(),
    ))
}

fn fn_range<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, pos: usize) -> R<'a> {
    let (Some(start), Some(end)) = (num_arg(&args, 0), num_arg(&args, 1)) else {
        return Ok(Val::Undef);
    };
    let step = num_arg(&args, 2).unwrap_or(1.0);
    if step == 0.0 || [start, end, step].iter().any(|n| n.fract() != 0.0) {
        return Err(err(
            "D3020",
            "the arguments of `range` must be integers and the step must not be 0",
            pos,
        ));
    }
    let count = ((end - start) / step).floor() + 1.0;
    if count > 1e6 {
        return Err(err(
            "D2014",
            "`range` cannot produce more than 1000000 items",
            pos,
        ));
    }
    let items = (0..count.max(0.0) as usize)
        .map(|i| Val::Num(start + step * i as f64))
        .collect();
    Ok(Val::seq(items))
}

fn fn_hash<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, pos: usize) -> R<'a> {
    let Some(data) = str_arg(&args, 0) else {
        return Ok(Val::Undef);
    };
    let algorithm = str_arg(&args, 1).unwrap_or("SHA-256");
    let digest = super::hash::digest(algorithm, data.as_bytes()).ok_or_else(|| {
        err("D3020", format!("unsupported hash algorithm `{algorithm}`: use MD5, SHA-1, SHA-256, SHA-384 or SHA-512"), pos)
    })?;
    Ok(Val::string(
        digest
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>(),
    ))
}

fn fn_uuid<'a>(ev: &Evaluator<'a>, _: Vec<Val<'a>>, _: usize) -> R<'a> {
    let mut bytes = [0u8; 16];
    for half in bytes.chunks_mut(8) {
        let (state, out) = next_random(ev.rng.get());
        ev.rng.set(state);
        half.copy_from_slice(&out.to_le_bytes());
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(Val::string(format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )))
}

fn fn_parse<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, pos: usize) -> R<'a> {
    let Some(text) = str_arg(&args, 0) else {
        return Ok(Val::Undef);
    };
    let value: Value = serde_json::from_str(text).map_err(|e| {
        err(
            "D3140",
            format!("$parse: the argument is not valid JSON: {e}"),
            pos,
        )
    })?;
    Ok(from_json(&value))
}

/// An owned value equal to `value` (for values that do not outlive the call).
pub(crate) fn from_json<'a>(value: &Value) -> Val<'a> {
    match value {
        Value::Null => Val::Null,
        Value::Bool(b) => Val::Bool(*b),
        Value::Number(n) => Val::Num(n.as_f64().unwrap_or(0.0)),
        Value::String(s) => Val::string(s.as_str()),
        Value::Array(a) => Val::array(a.iter().map(from_json).collect()),
        Value::Object(o) => Val::Obj(Rc::new(
            o.iter().map(|(k, v)| (k.clone(), from_json(v))).collect(),
        )),
    }
}

fn fn_clone<'a>(_: &Evaluator<'a>, args: Vec<Val<'a>>, pos: usize) -> R<'a> {
    let v = arg(&args, 0);
    if v.is_undef() {
        return Ok(Val::Undef);
    }
    Ok(from_json(
        &v.to_json().map_err(|e| err("T0410", e.message, pos))?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_builtins_string_result_past_the_limit_is_refused() {
        assert!(checked_result("string", Val::string("x"), 0).is_ok());
        let past = Val::string("x".repeat(MAX_STRING_BYTES + 1));
        let e = checked_result("base64encode", past, 7).expect_err("past the limit");
        assert_eq!(e.code, super::super::STRING_TOO_LONG);
        assert_eq!(e.position, 7);
        assert!(e.message.contains("`base64encode`"), "{}", e.message);
        assert!(checked_result("sum", Val::Num(1.0), 0).is_ok());
    }

    #[test]
    fn a_builtins_array_result_past_the_item_limit_is_refused() {
        let within = Val::array(vec![Val::Null; 3]);
        assert!(checked_result("append", within, 0).is_ok());
        let past = Val::array(vec![Val::Null; MAX_ITEMS + 1]);
        let e = checked_result("append", past, 3).expect_err("past the limit");
        assert_eq!((e.code.as_str(), e.position), ("D2014", 3));
        assert!(e.message.contains("`append`"), "{}", e.message);
    }

    #[test]
    fn numbers_print_like_javascript() {
        assert_eq!(js_number(1.0), "1");
        assert_eq!(js_number(-0.5), "-0.5");
        assert_eq!(js_number(1e21), "1e+21");
        assert_eq!(js_number(1.5e-7), "1.5e-7");
        assert_eq!(js_number(0.000001), "0.000001");
        assert_eq!(js_number(123456789012345680000.0), "123456789012345680000");
        assert_eq!(js_number(precise(0.1 + 0.2)), "0.3");
    }

    #[test]
    fn base64_round_trips() {
        assert_eq!(base64_encode(b"Hello World"), "SGVsbG8gV29ybGQ=");
        assert_eq!(base64_decode("SGVsbG8gV29ybGQ=").unwrap(), b"Hello World");
    }

    #[test]
    fn rounding_is_half_to_even() {
        assert_eq!(round_half_even(2.5, 0), 2.0);
        assert_eq!(round_half_even(3.5, 0), 4.0);
        assert_eq!(round_half_even(-2.5, 0), -2.0);
        assert_eq!(round_half_even(2.675, 2), 2.68);
        assert_eq!(round_half_even(1234.5678, -2), 1200.0);
    }

    #[test]
    fn every_builtin_signature_compiles() {
        for b in BUILTINS.iter() {
            let _ = b.signature();
        }
    }
}
