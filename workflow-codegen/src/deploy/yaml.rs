//! A YAML writer for JSON values that every YAML reader reads back as the same JSON.
//!
//! YAML 1.1 readers (PyYAML behind the AWS CLI and cfn-lint; js-yaml, behind the Serverless
//! Framework, for timestamps and `<<`) turn some plain scalars into booleans, numbers, dates or
//! merge keys: `yes`, `on`, `2010-09-09`, `12:30`, `1_000`, `<<`. YAML libraries that follow
//! YAML 1.2 write those unquoted. Here a string is written plain only when it cannot be read as
//! anything but that string (it starts with a letter, `_`, `$` or `/`, uses a conservative set
//! of characters and is no reserved word); every other string is written as a JSON string,
//! which is also a YAML double-quoted scalar. Maps keep their order.

use serde_json::{Map, Value};

/// The value as a YAML document (block style, two-space indentation, ending with a newline).
pub fn to_string(value: &Value) -> String {
    let mut out = String::new();
    node(value, 0, false, &mut out);
    out
}

/// Writes `value` at `indent`; with `inline`, the first line's indentation is already written
/// (after `- `).
fn node(value: &Value, indent: usize, inline: bool, out: &mut String) {
    match value {
        Value::Object(m) if !m.is_empty() => map(m, indent, inline, out),
        Value::Array(a) if !a.is_empty() => {
            for (i, item) in a.iter().enumerate() {
                if i > 0 || !inline {
                    pad(indent, out);
                }
                out.push_str("- ");
                node(item, indent + 2, true, out);
            }
        }
        scalar => {
            out.push_str(&scalar_text(scalar));
            out.push('\n');
        }
    }
}

fn map(m: &Map<String, Value>, indent: usize, inline: bool, out: &mut String) {
    for (i, (k, v)) in m.iter().enumerate() {
        if i > 0 || !inline {
            pad(indent, out);
        }
        out.push_str(&string(k));
        out.push(':');
        match v {
            Value::Object(inner) if !inner.is_empty() => {
                out.push('\n');
                map(inner, indent + 2, false, out);
            }
            Value::Array(a) if !a.is_empty() => {
                out.push('\n');
                node(v, indent + 2, false, out);
            }
            scalar => {
                out.push(' ');
                out.push_str(&scalar_text(scalar));
                out.push('\n');
            }
        }
    }
}

fn pad(indent: usize, out: &mut String) {
    out.extend(std::iter::repeat_n(' ', indent));
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => string(s),
        Value::Object(_) => "{}".to_owned(),
        Value::Array(_) => "[]".to_owned(),
        // null, booleans and numbers are written as JSON writes them, which YAML reads alike.
        other => other.to_string(),
    }
}

/// A string, plain when that is unambiguous, else JSON-quoted.
fn string(s: &str) -> String {
    if is_plain_safe(s) {
        s.to_owned()
    } else {
        Value::String(s.to_owned()).to_string()
    }
}

/// Whether `s`, written plain, reads back as the string `s` under YAML 1.1 and 1.2.
fn is_plain_safe(s: &str) -> bool {
    const RESERVED: [&str; 10] = [
        "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~",
    ];
    let Some(first) = s.chars().next() else {
        return false;
    };
    (first.is_ascii_alphabetic() || matches!(first, '_' | '$' | '/'))
        && s.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(
                    c,
                    '_' | '$' | '.' | '/' | '-' | ':' | ' ' | '(' | ')' | '+' | '='
                )
        })
        && !s.contains(": ")
        && !s.ends_with(':')
        && !s.ends_with(' ')
        && !RESERVED.iter().any(|r| s.eq_ignore_ascii_case(r))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_maps_and_lists_in_block_style() {
        let v = json!({"a": {"b": [1, {"c": "d", "e": []}, [true, null]], "f": {}}, "g": "h"});
        assert_eq!(
            to_string(&v),
            "a:\n  b:\n    - 1\n    - c: d\n      e: []\n    - - true\n      - null\n  f: {}\ng: h\n"
        );
    }

    #[test]
    fn strings_a_yaml_1_1_reader_would_change_are_quoted() {
        for s in [
            "yes",
            "On",
            "Y",
            "n",
            "2010-09-09",
            "2016-03-14T01:59:00Z",
            "12:30",
            "1_000",
            "0x1F",
            "1e3",
            "~",
            "null",
            ".inf",
            "<<",
            "=",
            "",
            " lead",
            "trail ",
            "a: b",
            "ends:",
            "#x",
            "a #b",
            "x\ny",
            "{% $x %}",
            "$.items[0]",
            "it's",
            "-",
            "- x",
        ] {
            assert_eq!(string(s), json!(s).to_string(), "{s:?}");
        }
    }

    #[test]
    fn ordinary_asl_strings_stay_plain() {
        for s in [
            "Task",
            "$.data",
            "$$.Execution.Id",
            "Payload.$",
            "Fn::GetAtt",
            "arn:aws:lambda:us-east-1:123456789012:function:f",
            "States.ALL",
            "/path/x",
            "A simple example (MapReduce)",
            "lambda:invoke",
        ] {
            assert_eq!(string(s), s, "{s:?}");
        }
    }

    #[test]
    fn the_text_reads_back_as_the_same_json() {
        let v = json!({"x": ["yes", "2010-09-09", "a: b", 1.5, -3, {"<<": "=", "k": "v\n"}],
                       "Fn::GetAtt": ["F", "Arn"], "empty": "", "nested": [[], {}]});
        let back: Value = serde_norway::from_str(&to_string(&v)).unwrap();
        assert_eq!(back, v);
    }
}
