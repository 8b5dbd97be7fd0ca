//! Tokens of a JSONata expression, with their byte offsets.
//!
//! The lexer is driven by the parser: whether `/` starts a regular expression or is the division
//! operator depends on the previous token, so tokens are produced one at a time.

use super::JsonataError;

/// One token: what it is and where it starts (byte offset into the expression text).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub kind: Tok,
    pub pos: usize,
}

/// The kinds of token.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    /// An operator or punctuation, including the word operators `and`, `or`, `in`.
    Op(&'static str),
    /// A field name (plain or back-quoted).
    Name(String),
    /// `$name`; `$` alone is the empty name and `$$` is the name `$`.
    Var(String),
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
    /// `/pattern/flags`.
    Regex {
        pattern: String,
        flags: String,
    },
    End,
}

/// Operators, longest first so that `**` wins over `*`.
const OPERATORS: &[&str] = &[
    "..", ":=", "!=", "<=", ">=", "~>", "**", ".", "[", "]", "{", "}", "(", ")", ",", "@", "#",
    ";", ":", "?", "+", "-", "*", "/", "%", "|", "=", "<", ">", "^", "&", "!", "~",
];

fn is_operator_char(c: char) -> bool {
    matches!(
        c,
        '.' | '['
            | ']'
            | '{'
            | '}'
            | '('
            | ')'
            | ','
            | '@'
            | '#'
            | ';'
            | ':'
            | '?'
            | '+'
            | '-'
            | '*'
            | '/'
            | '%'
            | '|'
            | '='
            | '<'
            | '>'
            | '^'
            | '&'
            | '!'
            | '~'
    )
}

pub(crate) struct Lexer<'s> {
    text: &'s str,
    pos: usize,
}

impl<'s> Lexer<'s> {
    pub fn new(text: &'s str) -> Self {
        Lexer { text, pos: 0 }
    }

    /// A lexer that continues at byte offset `pos`.
    pub fn at(text: &'s str, pos: usize) -> Self {
        Lexer { text, pos }
    }

    fn rest(&self) -> &'s str {
        &self.text[self.pos..]
    }

    fn skip_space_and_comments(&mut self) -> Result<(), JsonataError> {
        loop {
            let rest = self.rest();
            let trimmed = rest.trim_start();
            self.pos += rest.len() - trimmed.len();
            if self.rest().starts_with("/*") {
                let start = self.pos;
                match self.rest()[2..].find("*/") {
                    Some(end) => self.pos += 2 + end + 2,
                    None => {
                        return Err(JsonataError::new(
                            "S0106",
                            "comment has no closing `*/`",
                            start,
                        ))
                    }
                }
            } else {
                return Ok(());
            }
        }
    }

    /// The next token. `prefix` is true where an operand is expected, so that `/` starts a regex.
    pub fn next(&mut self, prefix: bool) -> Result<Token, JsonataError> {
        self.skip_space_and_comments()?;
        let pos = self.pos;
        let rest = self.rest();
        let Some(c) = rest.chars().next() else {
            return Ok(Token {
                kind: Tok::End,
                pos,
            });
        };
        let token = |kind| Ok(Token { kind, pos });
        if prefix && c == '/' {
            return self.regex();
        }
        if let Some(op) = OPERATORS.iter().find(|op| rest.starts_with(**op)) {
            self.pos += op.len();
            return token(Tok::Op(op));
        }
        if c == '"' || c == '\'' {
            return self.string(c);
        }
        if c.is_ascii_digit() {
            return self.number();
        }
        if c == '`' {
            let Some(end) = rest[1..].find('`') else {
                return Err(JsonataError::new(
                    "S0105",
                    "quoted name has no closing backtick",
                    pos,
                ));
            };
            self.pos += end + 2;
            return token(Tok::Name(rest[1..=end].to_string()));
        }
        let end = rest
            .find(|ch: char| ch.is_whitespace() || is_operator_char(ch))
            .unwrap_or(rest.len());
        let word = &rest[..end];
        self.pos += end;
        if let Some(name) = word.strip_prefix('$') {
            return token(Tok::Var(name.to_string()));
        }
        token(match word {
            "and" => Tok::Op("and"),
            "or" => Tok::Op("or"),
            "in" => Tok::Op("in"),
            "true" => Tok::Bool(true),
            "false" => Tok::Bool(false),
            "null" => Tok::Null,
            _ => Tok::Name(word.to_string()),
        })
    }

    fn number(&mut self) -> Result<Token, JsonataError> {
        let pos = self.pos;
        let bytes = self.rest().as_bytes();
        let mut i = 0;
        let digits = |i: &mut usize| {
            let start = *i;
            while *i < bytes.len() && bytes[*i].is_ascii_digit() {
                *i += 1;
            }
            *i > start
        };
        if bytes[0] == b'0' {
            i = 1;
        } else {
            digits(&mut i);
        }
        if i + 1 < bytes.len() && bytes[i] == b'.' && bytes[i + 1].is_ascii_digit() {
            i += 1;
            digits(&mut i);
        }
        if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
            let mut j = i + 1;
            if j < bytes.len() && (bytes[j] == b'+' || bytes[j] == b'-') {
                j += 1;
            }
            if digits(&mut j) {
                i = j;
            }
        }
        let text = &self.rest()[..i];
        let value: f64 = text
            .parse()
            .map_err(|_| JsonataError::new("S0102", format!("bad number `{text}`"), pos))?;
        if !value.is_finite() {
            return Err(JsonataError::new(
                "S0102",
                format!("number `{text}` is out of range"),
                pos,
            ));
        }
        self.pos += i;
        Ok(Token {
            kind: Tok::Num(value),
            pos,
        })
    }

    fn string(&mut self, quote: char) -> Result<Token, JsonataError> {
        let pos = self.pos;
        let mut out = String::new();
        let mut chars = self.rest()[1..].char_indices();
        while let Some((i, c)) = chars.next() {
            if c == quote {
                self.pos += 1 + i + 1;
                return Ok(Token {
                    kind: Tok::Str(out),
                    pos,
                });
            }
            if c != '\\' {
                out.push(c);
                continue;
            }
            let Some((_, e)) = chars.next() else { break };
            match e {
                '"' | '\\' | '/' | '\'' => out.push(e),
                'b' => out.push('\u{8}'),
                'f' => out.push('\u{c}'),
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                't' => out.push('\t'),
                'u' => {
                    let mut code = read_hex4(&mut chars).ok_or_else(|| {
                        JsonataError::new("S0104", "`\\u` must be followed by 4 hex digits", pos)
                    })?;
                    if (0xD800..0xDC00).contains(&code) {
                        // a UTF-16 surrogate pair: `\uD83D\uDE00`
                        let mut look = chars.clone();
                        if let (Some((_, '\\')), Some((_, 'u'))) = (look.next(), look.next()) {
                            if let Some(low) = read_hex4(&mut look) {
                                if (0xDC00..0xE000).contains(&low) {
                                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                                    chars = look;
                                }
                            }
                        }
                    }
                    out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
                }
                other => {
                    return Err(JsonataError::new(
                        "S0103",
                        format!("unsupported escape sequence `\\{other}` in a string"),
                        pos,
                    ))
                }
            }
        }
        Err(JsonataError::new(
            "S0101",
            "string has no closing quote",
            pos,
        ))
    }

    fn regex(&mut self) -> Result<Token, JsonataError> {
        let pos = self.pos;
        let rest = &self.rest()[1..];
        let mut escaped = false;
        let mut in_class = false;
        for (i, c) in rest.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '[' => in_class = true,
                ']' => in_class = false,
                '/' if !in_class => {
                    let pattern = rest[..i].to_string();
                    if pattern.is_empty() {
                        return Err(JsonataError::new("S0301", "empty regular expression", pos));
                    }
                    let after = &rest[i + 1..];
                    let flags_len = after
                        .find(|f: char| !f.is_ascii_alphabetic())
                        .unwrap_or(after.len());
                    let flags = after[..flags_len].to_string();
                    if let Some(bad) = flags.chars().find(|f| !matches!(f, 'i' | 'm' | 'g')) {
                        return Err(JsonataError::new(
                            "S0302",
                            format!("unsupported regular expression flag `{bad}`"),
                            pos,
                        ));
                    }
                    self.pos += 1 + i + 1 + flags_len;
                    return Ok(Token {
                        kind: Tok::Regex { pattern, flags },
                        pos,
                    });
                }
                _ => {}
            }
        }
        Err(JsonataError::new(
            "S0302",
            "regular expression has no closing `/`",
            pos,
        ))
    }
}

fn read_hex4(chars: &mut std::str::CharIndices<'_>) -> Option<u32> {
    let mut code = 0;
    for _ in 0..4 {
        let (_, h) = chars.next()?;
        code = code * 16 + h.to_digit(16)?;
    }
    Some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<Tok> {
        let mut lexer = Lexer::new(text);
        let mut out = Vec::new();
        let mut prefix = true;
        loop {
            let t = lexer.next(prefix).unwrap();
            if t.kind == Tok::End {
                return out;
            }
            prefix = !matches!(
                t.kind,
                Tok::Name(_) | Tok::Var(_) | Tok::Num(_) | Tok::Str(_) | Tok::Op(")")
            );
            out.push(t.kind);
        }
    }

    #[test]
    fn variables_names_and_operators() {
        assert_eq!(
            kinds("$states.input.a >= 2"),
            vec![
                Tok::Var("states".into()),
                Tok::Op("."),
                Tok::Name("input".into()),
                Tok::Op("."),
                Tok::Name("a".into()),
                Tok::Op(">="),
                Tok::Num(2.0)
            ]
        );
        assert_eq!(kinds("$$"), vec![Tok::Var("$".into())]);
        assert_eq!(kinds("`a b`"), vec![Tok::Name("a b".into())]);
    }

    #[test]
    fn strings_with_escapes_and_surrogates() {
        assert_eq!(
            kinds(r#"'a\'b' "\ud83d\ude00""#),
            vec![Tok::Str("a'b".into()), Tok::Str("😀".into())]
        );
    }

    #[test]
    fn slash_is_regex_only_in_operand_position() {
        assert_eq!(
            kinds("a / 2"),
            vec![Tok::Name("a".into()), Tok::Op("/"), Tok::Num(2.0)]
        );
        assert_eq!(
            kinds(r"/^hello\$/i"),
            vec![Tok::Regex {
                pattern: r"^hello\$".into(),
                flags: "i".into()
            }]
        );
    }

    #[test]
    fn comments_are_skipped_and_unclosed_ones_fail() {
        assert_eq!(kinds("/* x */ 1"), vec![Tok::Num(1.0)]);
        assert_eq!(Lexer::new("/* x").next(true).unwrap_err().code, "S0106");
    }
}
