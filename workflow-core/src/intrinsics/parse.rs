//! The parser: `States.Name(arg, ...)` text -> [`Call`].
//!
//! ```text
//! call     = name ws "(" ws [ arg ws *( "," ws arg ws ) ] ")"
//! arg      = string / number / "true" / "false" / "null" / path / call
//! string   = "'" *( char / "\'" / "\{" / "\}" / "\\" ) "'"
//! path     = "$" ...   up to the next "," or ")" outside brackets, parentheses and quotes
//! ```

use crate::value::Val;

use super::{Arg, Call, Function, IntrinsicParseError, MAX_NESTING};

type Result<T> = std::result::Result<T, IntrinsicParseError>;

/// Parses a whole call; only whitespace may surround it.
pub(super) fn parse<P>(
    text: &str,
    compile_path: &mut dyn FnMut(&str) -> std::result::Result<P, String>,
) -> Result<Call<P>> {
    let mut parser = Parser {
        text,
        pos: 0,
        compile_path,
    };
    parser.skip_ws();
    let call = parser.call(1)?;
    parser.skip_ws();
    match parser.peek() {
        None => Ok(call),
        Some(c) => Err(parser.error(
            parser.pos,
            format!("unexpected `{c}` after the end of the call"),
        )),
    }
}

struct Parser<'t, 'c, P> {
    text: &'t str,
    /// Byte offset of the next character.
    pos: usize,
    compile_path: &'c mut dyn FnMut(&str) -> std::result::Result<P, String>,
}

/// A parsed argument, and for a string literal, its form as a `States.Format` template.
type ParsedArg<P> = (Arg<P>, Option<Template>);

/// A string literal read as a `States.Format` template.
struct Template {
    /// The text between unescaped `{}` placeholders.
    pieces: Vec<String>,
    /// Byte offset of the first unescaped `{` or `}` that is not part of a `{}` placeholder.
    lone_brace: Option<usize>,
}

impl<'t, P> Parser<'t, '_, P> {
    fn call(&mut self, depth: usize) -> Result<Call<P>> {
        let start = self.pos;
        let name = self.word();
        if name.is_empty() {
            return Err(self.error(start, self.expected("an intrinsic function name")));
        }
        let Some(function) = Function::from_name(name) else {
            return Err(self.error(start, format!("unknown intrinsic function `{name}`")));
        };
        if depth > MAX_NESTING {
            return Err(self.error(
                start,
                format!("intrinsic functions nest at most {MAX_NESTING} deep"),
            ));
        }
        self.skip_ws();
        if self.peek() != Some('(') {
            return Err(self.error(self.pos, self.expected(&format!("`(` after `{name}`"))));
        }
        self.pos += 1;

        let mut args = Vec::new();
        let mut first_template = None;
        self.skip_ws();
        if self.peek() == Some(')') {
            self.pos += 1;
        } else {
            loop {
                self.skip_ws();
                let (arg, template) = self.arg(depth)?;
                if args.is_empty() {
                    first_template = template;
                }
                args.push(arg);
                self.skip_ws();
                match self.peek() {
                    Some(',') => self.pos += 1,
                    Some(')') => {
                        self.pos += 1;
                        break;
                    }
                    Some(_) => {
                        return Err(self.error(self.pos, self.expected("`,` or `)`")));
                    }
                    None => {
                        return Err(self.error(self.pos, format!("missing `)` to close `{name}(`")));
                    }
                }
            }
        }

        check_arity(function, args.len()).map_err(|message| self.error(start, message))?;
        let template = match (function, first_template) {
            (Function::Format, Some(template)) => {
                if let Some(at) = template.lone_brace {
                    return Err(self.error(
                        at,
                        "a `States.Format` template may hold `{` and `}` only as a `{}` placeholder or escaped as `\\{` and `\\}`",
                    ));
                }
                let holes = template.pieces.len() - 1;
                if holes != args.len() - 1 {
                    return Err(self.error(
                        start,
                        format!(
                            "the `States.Format` template has {holes} `{{}}` placeholders but {} values follow it",
                            args.len() - 1
                        ),
                    ));
                }
                Some(template.pieces)
            }
            _ => None,
        };
        Ok(Call {
            function,
            args,
            template,
        })
    }

    fn arg(&mut self, depth: usize) -> Result<ParsedArg<P>> {
        let start = self.pos;
        match self.peek() {
            Some('\'') => {
                let (value, template) = self.string()?;
                Ok((Arg::Literal(Val::from(value)), Some(template)))
            }
            Some('$') => Ok((self.path()?, None)),
            Some(c) if c == '-' || c.is_ascii_digit() => Ok((self.number()?, None)),
            Some(c) if c.is_ascii_alphabetic() => {
                let word = self.word();
                let literal = match word {
                    "true" => Some(Val::Bool(true)),
                    "false" => Some(Val::Bool(false)),
                    "null" => Some(Val::Null),
                    _ => None,
                };
                if let Some(value) = literal {
                    return Ok((Arg::Literal(value), None));
                }
                self.skip_ws();
                if self.peek() == Some('(') {
                    self.pos = start;
                    let call = self.call(depth + 1)?;
                    return Ok((Arg::Call(Box::new(call)), None));
                }
                Err(self.error(
                    start,
                    format!(
                        "unexpected `{word}`: an argument is a 'string', a number, true, false, null, a path starting with `$`, or an intrinsic call"
                    ),
                ))
            }
            _ => Err(self.error(start, self.expected("an argument"))),
        }
    }

    /// A single-quoted literal: its value, and its form as a `States.Format` template.
    fn string(&mut self) -> Result<(String, Template)> {
        let start = self.pos;
        self.pos += 1; // the opening quote
        let mut value = String::new();
        let mut pieces = Vec::new();
        let mut piece = String::new();
        let mut lone_brace = None;
        let mut chars = self.text[self.pos..].char_indices().peekable();
        while let Some((offset, c)) = chars.next() {
            match c {
                '\'' => {
                    let body = self.pos;
                    self.pos += offset + 1;
                    pieces.push(piece);
                    let lone_brace = lone_brace.map(|at| body + at);
                    return Ok((value, Template { pieces, lone_brace }));
                }
                '\\' => match chars.next() {
                    Some((_, e @ ('\'' | '{' | '}' | '\\'))) => {
                        value.push(e);
                        piece.push(e);
                    }
                    // The service refuses any other escape when the definition is created.
                    Some((_, e)) => {
                        return Err(self.error(
                            self.pos + offset,
                            format!(
                                "invalid escape `\\{e}` in a string literal: only \\', \\{{, \\}} and \\\\ are allowed"
                            ),
                        ));
                    }
                    None => break,
                },
                '{' if chars.peek().map(|&(_, n)| n) == Some('}') => {
                    chars.next();
                    value.push_str("{}");
                    pieces.push(std::mem::take(&mut piece));
                }
                '{' | '}' => {
                    lone_brace.get_or_insert(offset);
                    value.push(c);
                    piece.push(c);
                }
                _ => {
                    value.push(c);
                    piece.push(c);
                }
            }
        }
        Err(self.error(
            start,
            "unterminated string literal: missing the closing `'`",
        ))
    }

    fn number(&mut self) -> Result<Arg<P>> {
        let start = self.pos;
        let len = self.text[start..]
            .bytes()
            .take_while(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'))
            .count();
        let token = &self.text[start..start + len];
        self.pos += len;
        match serde_json::from_str::<Val>(token) {
            Ok(value @ Val::Number(_)) => Ok(Arg::Literal(value)),
            _ => Err(self.error(start, format!("invalid number `{token}`"))),
        }
    }

    /// A path runs to the next `,` or `)` that is outside brackets, parentheses (filters) and
    /// quoted names; its text, without trailing whitespace, goes to `compile_path`.
    fn path(&mut self) -> Result<Arg<P>> {
        let start = self.pos;
        let mut depth = 0usize;
        let mut quote = None;
        let mut escaped = false;
        let mut end = self.text.len();
        for (offset, c) in self.text[start..].char_indices() {
            if let Some(q) = quote {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
                continue;
            }
            match c {
                '[' | '(' => depth += 1,
                ']' | ')' if depth > 0 => depth -= 1,
                ')' | ',' if depth == 0 => {
                    end = start + offset;
                    break;
                }
                '\'' | '"' if depth > 0 => quote = Some(c),
                _ => {}
            }
        }
        let text = self.text[start..end].trim_end();
        self.pos = start + text.len();
        match (self.compile_path)(text) {
            Ok(path) => Ok(Arg::Path(path)),
            Err(message) => Err(self.error(start, format!("invalid path `{text}`: {message}"))),
        }
    }

    /// Letters, digits, `_` and `.`: a function name or a keyword.
    fn word(&mut self) -> &'t str {
        let start = self.pos;
        let len = self.text[start..]
            .bytes()
            .take_while(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
            .count();
        self.pos += len;
        &self.text[start..start + len]
    }

    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn skip_ws(&mut self) {
        let rest = &self.text[self.pos..];
        self.pos += rest.len() - rest.trim_start().len();
    }

    fn expected(&self, what: &str) -> String {
        match self.peek() {
            Some(c) => format!("expected {what}, found `{c}`"),
            None => format!("expected {what}, found the end of the text"),
        }
    }

    fn error(&self, byte: usize, message: impl Into<String>) -> IntrinsicParseError {
        IntrinsicParseError {
            message: message.into(),
            position: self.text[..byte].chars().count() + 1,
        }
    }
}

fn check_arity(function: Function, count: usize) -> std::result::Result<(), String> {
    let (min, max) = function.arity();
    if count >= min && max.is_none_or(|max| count <= max) {
        return Ok(());
    }
    let wanted = match max {
        Some(max) if max == min => format!("{min} argument{}", plural(min)),
        Some(max) => format!("{min} to {max} arguments"),
        None => format!("at least {min} argument{}", plural(min)),
    };
    Err(format!(
        "`{function}` takes {wanted}, but {count} {} given",
        if count == 1 { "was" } else { "were" }
    ))
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
