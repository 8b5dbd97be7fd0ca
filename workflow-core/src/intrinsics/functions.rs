//! What each intrinsic function does with its evaluated arguments.
//!
//! Behaviour follows the service as recorded in the conformance corpus and as observed by
//! executions against it, where that differs from the documentation:
//! - Bad arguments fail with `States.Runtime` and a cause starting `Invalid arguments in
//!   States.Xxx` (the States Language specification names `States.IntrinsicFailure`, but the
//!   service does not use it: public test suites run against it assert `States.Runtime` with
//!   `Invalid arguments in States.MathAdd`, and users report `States.Runtime: Invalid arguments
//!   in States.StringToJson`).
//! - `States.MathAdd` rounds its arguments as Java's `Math.round` does (half up: 1.5 -> 2,
//!   -1.5 -> -1; recorded in the corpus). ArrayRange, ArrayPartition, ArrayGetItem and
//!   MathRandom truncate fractions towards zero (observed: `ArrayRange(1.6, 1.4, 1)` gives `[1]`).
//!   Integers must lie in Java's `int` range.
//! - String limits count UTF-16 code units, as Java's `String.length()` does.
//! - `States.StringSplit` splits at any of the delimiter characters and drops empty pieces
//!   (Java's `StringTokenizer`; recorded in the corpus).

use std::borrow::Cow;
use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash as _, Hasher};

use crate::value::{Object, Val};
use base64::Engine as _;

use super::random::JavaRandom;
use super::text;
use super::Function;
use crate::error::StatesError;
use crate::limits::MAX_STRING_BYTES;

/// `States.ArrayRange` produces at most this many items.
const MAX_RANGE_ITEMS: i64 = 1000;
/// Strings given to Base64Encode, Base64Decode and Hash hold at most this many characters.
const MAX_TEXT_CHARS: usize = 10_000;

type Result<T> = std::result::Result<T, StatesError>;

/// A call's evaluated arguments: on the stack up to three (every function's fixed arity).
pub(super) type Args<'v> = smallvec::SmallVec<[Cow<'v, Val>; 3]>;

/// Applies `function` to evaluated arguments (their count was checked when parsing); those
/// it keeps are taken out of `args`. Lent, not moved: moving the arguments copied them with a
/// `rep movsq`, whose start-up and the store-forwarding stall after it were a tenth of
/// choice-loop-10k on Intel (perf annotate).
pub(super) fn apply(
    function: Function,
    template: Option<&[String]>,
    args: &mut Args<'_>,
) -> Result<Val> {
    let f = Func(function);
    match function {
        Function::Format => format(f, template, args),
        Function::StringToJson => string_to_json(f, &args[0]),
        Function::JsonToString => {
            // Bounded before it is written: an array of many references to one large value
            // (`States.Array`) is small to hold and huge as text.
            check_result_len(f, json_len_at_least(&args[0]))?;
            let mut out = String::new();
            text::write_json(&mut out, &args[0]);
            check_result_len(f, out.len())?;
            Ok(Val::from(out))
        }
        Function::Array => Ok(Val::array(args.drain(..).map(Cow::into_owned).collect())),
        Function::ArrayPartition => array_partition(f, args),
        Function::ArrayContains => {
            let items = f.array(&args[0], "first")?;
            Ok(Val::Bool(items.contains(&args[1])))
        }
        Function::ArrayRange => array_range(f, args),
        Function::ArrayGetItem => array_get_item(f, args),
        Function::ArrayLength => Ok(Val::from(f.array(&args[0], "only")?.len())),
        Function::ArrayUnique => array_unique(f, args),
        Function::Base64Encode => {
            let s = f.bounded_string(&args[0], "only")?;
            Ok(Val::from(
                base64::engine::general_purpose::STANDARD.encode(s),
            ))
        }
        Function::Base64Decode => base64_decode(f, &args[0]),
        Function::Hash => hash(f, args),
        Function::JsonMerge => json_merge(f, args),
        Function::MathRandom => math_random(f, args),
        Function::MathAdd => {
            let a = f.rounded(&args[0], "first")?;
            let b = f.rounded(&args[1], "second")?;
            Ok(Val::from(a + b))
        }
        Function::StringSplit => string_split(f, args),
        Function::Uuid => Ok(Val::from(uuid::Uuid::new_v4().to_string())),
    }
}

/// The function being applied, for error messages and argument checks.
#[derive(Clone, Copy)]
struct Func(Function);

impl Func {
    fn fail(self, detail: impl std::fmt::Display) -> StatesError {
        StatesError::runtime(format!("Invalid arguments in {}: {detail}", self.0.name()))
    }

    fn wrong_type(self, value: &Val, which: &str, wanted: &str) -> StatesError {
        self.fail(format_args!(
            "the {which} argument must be {wanted}, but it is {}",
            describe(value)
        ))
    }

    fn array<'v>(self, value: &'v Val, which: &str) -> Result<&'v [Val]> {
        value
            .as_array()
            .ok_or_else(|| self.wrong_type(value, which, "an array"))
    }

    fn string<'v>(self, value: &'v Val, which: &str) -> Result<&'v str> {
        value
            .as_str()
            .ok_or_else(|| self.wrong_type(value, which, "a string"))
    }

    /// A string of at most [`MAX_TEXT_CHARS`] characters.
    fn bounded_string<'v>(self, value: &'v Val, which: &str) -> Result<&'v str> {
        let s = self.string(value, which)?;
        self.check_length(s, which)?;
        Ok(s)
    }

    fn check_length(self, s: &str, which: &str) -> Result<()> {
        let chars = s.encode_utf16().count();
        if chars > MAX_TEXT_CHARS {
            return Err(self.fail(format_args!(
                "the {which} argument has {chars} characters; at most {MAX_TEXT_CHARS} are allowed"
            )));
        }
        Ok(())
    }

    /// A number rounded to an integer as Java's `Math.round` does, within Java's `int` range.
    fn rounded(self, value: &Val, which: &str) -> Result<i64> {
        self.int_with(value, which, java_round)
    }

    /// A number with its fraction dropped (towards zero), within Java's `int` range.
    fn truncated(self, value: &Val, which: &str) -> Result<i64> {
        self.int_with(value, which, |x| {
            let t = x.trunc();
            (x.is_finite() && t >= i64::MIN as f64 && t < i64::MAX as f64).then_some(t as i64)
        })
    }

    fn int_with(self, value: &Val, which: &str, convert: fn(f64) -> Option<i64>) -> Result<i64> {
        let Val::Number(n) = value else {
            return Err(self.wrong_type(value, which, "a number"));
        };
        let integer = match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Some(i),
            (None, Some(x)) => convert(x),
            (None, None) => None,
        };
        match integer {
            Some(i) if i32::try_from(i).is_ok() => Ok(i),
            _ => Err(self.fail(format_args!(
                "the {which} argument {n} is outside the integer range {} to {}",
                i32::MIN,
                i32::MAX
            ))),
        }
    }
}

/// Java's `Math.round(double)`: the nearest integer, halves rounded up (towards +infinity).
fn java_round(x: f64) -> Option<i64> {
    if !x.is_finite() {
        return None;
    }
    let floor = x.floor();
    let rounded = if x - floor >= 0.5 { floor + 1.0 } else { floor };
    (rounded >= i64::MIN as f64 && rounded < i64::MAX as f64).then_some(rounded as i64)
}

/// "the string \"abc\"", "the number 5", ... for error messages; long values are cut short,
/// and only the type is named while payloads are hidden ([`crate::privacy`]).
fn describe(value: &Val) -> String {
    if !crate::privacy::payloads_shown() {
        let kind = match value {
            Val::Null => return "null".to_owned(),
            Val::Bool(_) => "a boolean",
            Val::Number(_) => "a number",
            Val::String(_) => "a string",
            Val::Array(_) => "an array",
            Val::Object(_) => "an object",
        };
        return format!("{kind} (payload hidden)");
    }
    let kind = match value {
        Val::Null => return "null".to_owned(),
        Val::Bool(b) => return format!("the boolean {b}"),
        Val::Number(n) => return format!("the number {n}"),
        Val::String(_) => "the string",
        Val::Array(_) => "the array",
        Val::Object(_) => "the object",
    };
    let mut shown = String::new();
    text::write_json(&mut shown, value);
    if shown.chars().count() > 60 {
        shown = shown.chars().take(57).collect::<String>() + "...";
    }
    format!("{kind} {shown}")
}

fn ordinal(index: usize) -> &'static str {
    match index {
        0 => "first",
        1 => "second",
        2 => "third",
        3 => "fourth",
        4 => "fifth",
        _ => "next",
    }
}

fn format(f: Func, template: Option<&[String]>, args: &[Cow<'_, Val>]) -> Result<Val> {
    let values = &args[1..];
    match template {
        Some(pieces) => fill(
            f,
            pieces.iter().map(String::as_str),
            pieces.len() - 1,
            values,
        ),
        None => {
            let template = f.string(&args[0], "first")?;
            if template.split("{}").any(|piece| piece.contains(['{', '}'])) {
                return Err(f.fail("the template may hold `{` and `}` only as `{}` placeholders"));
            }
            let holes = template.matches("{}").count();
            fill(f, template.split("{}"), holes, values)
        }
    }
}

/// Joins the template's pieces with the values' text; `holes` is the number of pieces - 1.
fn fill<'t>(
    f: Func,
    pieces: impl Iterator<Item = &'t str>,
    holes: usize,
    values: &[Cow<'_, Val>],
) -> Result<Val> {
    if holes != values.len() {
        return Err(f.fail(format_args!(
            "the template has {holes} `{{}}` placeholders but {} values follow it",
            values.len()
        )));
    }
    // The strings' part of the length is known before anything is written; other values are
    // checked as they are written.
    let strings = values.iter().filter_map(|v| v.as_str()).map(str::len);
    check_result_len(f, strings.fold(0usize, usize::saturating_add))?;
    let mut out = String::new();
    for (i, piece) in pieces.enumerate() {
        out.push_str(piece);
        if let Some(value) = values.get(i) {
            text::write_display(&mut out, value);
        }
        check_result_len(f, out.len())?;
    }
    Ok(Val::from(out))
}

/// A lower bound of the length of `value`'s JSON text, found without reading its strings'
/// bytes (their escapes are not counted), and given up once it is past [`MAX_STRING_BYTES`].
pub(super) fn json_len_at_least(value: &Val) -> usize {
    let mut stack = vec![value];
    let mut len = 0usize;
    while let Some(v) = stack.pop() {
        if len > MAX_STRING_BYTES {
            break;
        }
        len = len.saturating_add(match v {
            Val::String(s) => s.len() + 2,
            Val::Array(items) => {
                stack.extend(items.iter());
                items.len().max(1) + 1
            }
            Val::Object(o) => {
                stack.extend(o.values());
                // `"key":` for each member, and the braces (commas not counted).
                o.keys().map(|k| k.len() + 3).sum::<usize>() + 2
            }
            _ => 1,
        });
    }
    len
}

/// Refuses a result string of `len` bytes past [`MAX_STRING_BYTES`].
fn check_result_len(f: Func, len: usize) -> Result<()> {
    if len > MAX_STRING_BYTES {
        return Err(f.fail(format_args!(
            "the result would be {len} bytes long; at most {MAX_STRING_BYTES} are allowed"
        )));
    }
    Ok(())
}

fn string_to_json(f: Func, value: &Val) -> Result<Val> {
    let s = f.string(value, "only")?.trim();
    if s.is_empty() {
        return Ok(Val::Null);
    }
    serde_json::from_str(s).map_err(|e| f.fail(format_args!("the string is not JSON: {e}")))
}

fn array_partition(f: Func, args: &[Cow<'_, Val>]) -> Result<Val> {
    f.array(&args[0], "first")?;
    let size = f.truncated(&args[1], "second")?;
    if size <= 0 {
        return Err(f.fail(format_args!(
            "the chunk size must be a positive integer, but it is {size}"
        )));
    }
    let size = size as usize;
    let items = args[0].as_array().unwrap_or_default();
    let chunks = items
        .chunks(size)
        .map(|chunk| Val::array(chunk.to_vec()))
        .collect();
    Ok(Val::array(chunks))
}

fn array_range(f: Func, args: &[Cow<'_, Val>]) -> Result<Val> {
    let start = f.truncated(&args[0], "first")?;
    let end = f.truncated(&args[1], "second")?;
    let step = f.truncated(&args[2], "third")?;
    if step == 0 {
        return Err(f.fail("the step (third argument) must not be 0"));
    }
    let count = if (step > 0 && end < start) || (step < 0 && end > start) {
        0
    } else {
        (end - start) / step + 1
    };
    if count > MAX_RANGE_ITEMS {
        return Err(f.fail(format_args!(
            "the range would hold {count} items; at most {MAX_RANGE_ITEMS} are allowed"
        )));
    }
    Ok(Val::array(
        (0..count).map(|i| Val::from(start + i * step)).collect(),
    ))
}

fn array_get_item(f: Func, args: &[Cow<'_, Val>]) -> Result<Val> {
    let len = f.array(&args[0], "first")?.len();
    let index = f.truncated(&args[1], "second")?;
    if len == 0 && index >= 0 {
        // Observed: the service gives null for any index into an empty array.
        return Ok(Val::Null);
    }
    let index = match usize::try_from(index) {
        Ok(i) if i < len => i,
        _ => {
            return Err(f.fail(format_args!(
                "the index {index} is not a valid index of an array of {len} items"
            )))
        }
    };
    Ok(args[0]
        .as_array()
        .and_then(|items| items.get(index))
        .cloned()
        .unwrap_or_default())
}

fn array_unique(f: Func, args: &[Cow<'_, Val>]) -> Result<Val> {
    f.array(&args[0], "only")?;
    let items = args[0].as_array().unwrap_or_default();
    // Equal values hash equally (object key order ignored, as JSON equality ignores it), so
    // each item is compared only with the kept items of its bucket.
    let mut seen: HashMap<u64, Vec<usize>> = HashMap::with_capacity(items.len());
    let mut kept: Vec<Val> = Vec::with_capacity(items.len());
    for item in items {
        let bucket = seen.entry(value_hash(item)).or_default();
        if bucket.iter().any(|&k| kept[k] == *item) {
            continue;
        }
        bucket.push(kept.len());
        kept.push(item.clone());
    }
    Ok(Val::array(kept))
}

/// A hash consistent with `Val`'s equality: object entries are combined order-independently.
fn value_hash(value: &Val) -> u64 {
    let mut h = DefaultHasher::new();
    match value {
        Val::Null => 0u8.hash(&mut h),
        Val::Bool(b) => (1u8, b).hash(&mut h),
        // serde_json keeps integers and floats apart (1 != 1.0), and 0.0 == -0.0.
        Val::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => (2u8, u).hash(&mut h),
            (None, Some(i), _) => (3u8, i).hash(&mut h),
            (None, None, Some(x)) => (4u8, if x == 0.0 { 0 } else { x.to_bits() }).hash(&mut h),
            (None, None, None) => 5u8.hash(&mut h),
        },
        Val::String(s) => (6u8, s).hash(&mut h),
        Val::Array(items) => {
            7u8.hash(&mut h);
            for item in items.iter() {
                value_hash(item).hash(&mut h);
            }
        }
        Val::Object(map) => {
            let mut sum = 0u64;
            for (key, item) in map.iter() {
                let mut e = DefaultHasher::new();
                (key, value_hash(item)).hash(&mut e);
                sum = sum.wrapping_add(e.finish());
            }
            (8u8, sum).hash(&mut h);
        }
    }
    h.finish()
}

/// Decodes as the service does (observed): characters outside the Base64 alphabet are skipped,
/// decoding stops at the first `=`, a short last group is decoded as far as it goes, and bytes
/// that are not UTF-8 become U+FFFD.
fn base64_decode(f: Func, value: &Val) -> Result<Val> {
    let s = f.bounded_string(value, "only")?;
    let mut symbols: Vec<u8> = s
        .bytes()
        .take_while(|&b| b != b'=')
        .filter_map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'+' | b'/' => Some(b),
            b'-' => Some(b'+'),
            b'_' => Some(b'/'),
            _ => None,
        })
        .collect();
    if symbols.len() % 4 == 1 {
        // A single symbol holds less than a byte.
        symbols.pop();
    }
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireNone)
            .with_decode_allow_trailing_bits(true),
    );
    let bytes = engine
        .decode(&symbols)
        .map_err(|e| f.fail(format_args!("the string is not Base64: {e}")))?;
    Ok(Val::from(String::from_utf8_lossy(&bytes).into_owned()))
}

fn hash(f: Func, args: &[Cow<'_, Val>]) -> Result<Val> {
    use sha2::Digest as _;
    // Observed: data that is not a string is hashed as its JSON text.
    let json_text;
    let data = match &*args[0] {
        Val::String(s) => &**s,
        other => {
            let mut out = String::new();
            text::write_json(&mut out, other);
            json_text = out;
            json_text.as_str()
        }
    };
    f.check_length(data, "first")?;
    let data = data.as_bytes();
    let algorithm = f.string(&args[1], "second")?;
    let digest: Vec<u8> = match algorithm {
        "MD5" => md5::Md5::digest(data).to_vec(),
        "SHA-1" => sha1::Sha1::digest(data).to_vec(),
        "SHA-256" => sha2::Sha256::digest(data).to_vec(),
        "SHA-384" => sha2::Sha384::digest(data).to_vec(),
        "SHA-512" => sha2::Sha512::digest(data).to_vec(),
        other => {
            return Err(f.fail(format_args!(
                "the algorithm {other:?} is not one of MD5, SHA-1, SHA-256, SHA-384, SHA-512"
            )))
        }
    };
    let mut hex = String::with_capacity(digest.len() * 2);
    for byte in digest {
        use std::fmt::Write as _;
        let _ = write!(hex, "{byte:02x}");
    }
    Ok(Val::from(hex))
}

fn json_merge(f: Func, args: &mut Args<'_>) -> Result<Val> {
    for (i, arg) in args[..2].iter().enumerate() {
        if !arg.is_object() {
            return Err(f.wrong_type(arg, ordinal(i), "an object"));
        }
    }
    match &*args[2] {
        Val::Bool(false) => {}
        Val::Bool(true) => return Err(f.fail(
            "deep merging (third argument true) is not supported; the third argument must be false",
        )),
        other => return Err(f.wrong_type(other, "third", "the boolean false")),
    }
    let mut args = args.drain(..);
    let (Some(mut merged), Some(second)) = (args.next().map(Cow::into_owned), args.next()) else {
        return Ok(Val::object(Object::new()));
    };
    // Shallow: a key of the second object replaces the first's value, keeping its position.
    if let (Some(merged), Some(second)) = (merged.object_mut(), second.as_object()) {
        merged.extend(second.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    Ok(merged)
}

fn math_random(f: Func, args: &[Cow<'_, Val>]) -> Result<Val> {
    let start = f.truncated(&args[0], "first")?;
    let end = f.truncated(&args[1], "second")?;
    if start >= end {
        return Err(f.fail(format_args!(
            "the start {start} must be less than the end {end}"
        )));
    }
    let mut rng = match args.get(2) {
        Some(seed) => JavaRandom::new(f.truncated(seed, "third")?),
        None => JavaRandom::from_entropy(),
    };
    Ok(Val::from(rng.in_range(start, end)))
}

fn string_split(f: Func, args: &[Cow<'_, Val>]) -> Result<Val> {
    let s = f.string(&args[0], "first")?;
    let delimiters = f.string(&args[1], "second")?;
    let pieces = s
        .split(|c| delimiters.contains(c))
        .filter(|piece| !piece.is_empty())
        .map(Val::from)
        .collect();
    Ok(Val::array(pieces))
}
