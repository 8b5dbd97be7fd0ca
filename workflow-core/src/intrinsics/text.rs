//! Values as text, the way the service (a JVM) writes them.
//!
//! Two forms are needed: `States.JsonToString` writes compact JSON, and `States.Format` writes a
//! string as is and anything else the way Java's `toString` does (`{Arg1=1, Arg2=[]}` for an
//! object, `[1, 2]` for an array; recorded in the conformance corpus). In both, a floating-point
//! number is written as Java's `Double.toString` writes it (`1.1`, `2.0`, `1.0E20`).

use std::fmt::Write;

use crate::value::Val;
use serde_json::Number;

/// Appends `value` as compact JSON (no spaces), numbers in the JVM's form.
pub(super) fn write_json(out: &mut String, value: &Val) {
    match value {
        Val::Null => out.push_str("null"),
        Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Val::Number(n) => write_number(out, n),
        Val::String(s) => write_json_string(out, s),
        Val::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(out, item);
            }
            out.push(']');
        }
        Val::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(out, key);
                out.push(':');
                write_json(out, item);
            }
            out.push('}');
        }
    }
}

/// Appends `value` as `States.Format` shows an argument: strings unquoted, containers in
/// Java's `toString` form, nested strings unquoted too.
pub(super) fn write_display(out: &mut String, value: &Val) {
    match value {
        Val::Null => out.push_str("null"),
        Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Val::Number(n) => write_number(out, n),
        Val::String(s) => out.push_str(s),
        Val::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_display(out, item);
            }
            out.push(']');
        }
        Val::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(key);
                out.push('=');
                write_display(out, item);
            }
            out.push('}');
        }
    }
}

/// A JSON string literal, escaped as Jackson escapes it: `"`, `\\`, the short escapes for
/// common control characters, `\u00XX` (upper-case hex) for the rest; other text as is.
fn write_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c < ' ' => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn write_number(out: &mut String, n: &Number) {
    if let Some(i) = n.as_i64() {
        let _ = write!(out, "{i}");
    } else if let Some(u) = n.as_u64() {
        let _ = write!(out, "{u}");
    } else if let Some(f) = n.as_f64() {
        write_java_double(out, f);
    }
}

/// Java's `Double.toString`: plain notation with at least one fractional digit for
/// 10^-3 <= |x| < 10^7, otherwise `d.dddE±n`; the shortest digits that read back as `x`.
pub(super) fn write_java_double(out: &mut String, x: f64) {
    if x == 0.0 {
        out.push_str(if x.is_sign_negative() { "-0.0" } else { "0.0" });
        return;
    }
    if !x.is_finite() {
        // JSON has no such numbers; written as Java would.
        out.push_str(if x.is_nan() {
            "NaN"
        } else if x > 0.0 {
            "Infinity"
        } else {
            "-Infinity"
        });
        return;
    }
    // `{:e}` gives the shortest round-trip digits: "-1.2345e-7", "1e20".
    let sci = format!("{:e}", x.abs());
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    if x < 0.0 {
        out.push('-');
    }
    if (-3..7).contains(&exponent) {
        if exponent < 0 {
            out.push_str("0.");
            for _ in 0..(-exponent - 1) {
                out.push('0');
            }
            out.push_str(&digits);
        } else {
            let int_len = exponent as usize + 1;
            if digits.len() > int_len {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            } else {
                out.push_str(&digits);
                for _ in digits.len()..int_len {
                    out.push('0');
                }
                out.push_str(".0");
            }
        }
    } else {
        out.push_str(&digits[..1]);
        out.push('.');
        if digits.len() > 1 {
            out.push_str(&digits[1..]);
        } else {
            out.push('0');
        }
        let _ = write!(out, "E{exponent}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::val;

    fn double(x: f64) -> String {
        let mut out = String::new();
        write_java_double(&mut out, x);
        out
    }

    #[test]
    fn doubles_are_written_as_java_writes_them() {
        assert_eq!(double(1.1), "1.1");
        assert_eq!(double(2.0), "2.0");
        assert_eq!(double(-0.0), "-0.0");
        assert_eq!(double(0.001), "0.001");
        assert_eq!(double(0.0001), "1.0E-4");
        assert_eq!(double(1234567.5), "1234567.5");
        assert_eq!(double(1e7), "1.0E7");
        assert_eq!(double(1e20), "1.0E20");
        assert_eq!(double(-1.25e-5), "-1.25E-5");
        assert_eq!(double(123.456), "123.456");
    }

    #[test]
    fn json_text_is_compact_with_java_numbers() {
        let mut out = String::new();
        write_json(
            &mut out,
            &val!({"Arg1": 1, "Arg2": [], "f": 2.0, "s": "a\"b"}),
        );
        assert_eq!(out, r#"{"Arg1":1,"Arg2":[],"f":2.0,"s":"a\"b"}"#);
    }

    #[test]
    fn format_display_follows_java_to_string() {
        let mut out = String::new();
        write_display(
            &mut out,
            &val!({"Arg1": 1, "Arg2": [], "n": null, "s": "x", "a": [1, "y"]}),
        );
        assert_eq!(out, "{Arg1=1, Arg2=[], n=null, s=x, a=[1, y]}");
    }
}
