//! Text -> [`JsonPath`]: the path grammar and the filter grammar inside `[?( )]`.
//!
//! ```text
//! path     := root segment*
//! root     := '$' | '$$' | '$' name          (input, context object, variable)
//! segment  := '.' ( '*' | name | name '()' | bracket ) | '..' ( '*' | name | bracket ) | bracket
//! bracket  := '[' ( '*' | '?(' or ')' | quoted (',' quoted)* | int (',' int)* | slice ) ']'
//! or       := and ('||' and)*      and := unary ('&&' unary)*
//! unary    := '!' unary | '(' or ')' | operand (op operand)?     op := == != < <= > >=
//! operand  := ('@' | '$') segment* | string | number | true | false | null
//! ```

use super::filter::{Expr, Op, Operand};
use super::{Body, JsonPath, PathError, Root, Segment, Slice, Step};
use crate::value::Val;

/// How deeply filters and parentheses may nest; deeper input is an error, not a stack overflow.
const MAX_DEPTH: usize = 64;

/// Parses a whole path.
pub(super) fn parse(text: &str) -> Result<JsonPath, PathError> {
    let mut p = Parser {
        text,
        pos: 0,
        depth: 0,
    };
    let root = p.root()?;
    let segments = p.segments(false)?;
    Ok(JsonPath {
        text: text.into(),
        root,
        body: into_body(segments),
    })
}

/// Splits parsed segments into a definite or indefinite body. A union of names as the last
/// segment becomes a merge (Jayway returns one object holding the names that exist).
fn into_body(mut segments: Vec<Segment>) -> Body {
    if let Some(Segment::Names(_)) = segments.last() {
        if let Some(Segment::Names(names)) = segments.pop() {
            segments.push(Segment::Step(Step::Merge(names)));
        }
    }
    if segments.iter().all(|s| matches!(s, Segment::Step(_))) {
        Body::Definite(
            segments
                .into_iter()
                .filter_map(|s| match s {
                    Segment::Step(step) => Some(step),
                    _ => None,
                })
                .collect(),
        )
    } else {
        Body::Indefinite(segments)
    }
}

struct Parser<'t> {
    text: &'t str,
    /// Byte offset of the next character.
    pos: usize,
    /// Current nesting of filters and parentheses.
    depth: usize,
}

impl<'t> Parser<'t> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<u8> {
        self.text.as_bytes().get(self.pos + offset).copied()
    }

    fn rest(&self) -> &'t str {
        self.text.get(self.pos..).unwrap_or("")
    }

    /// The character at the cursor, for messages.
    fn found(&self) -> String {
        match self.rest().chars().next() {
            Some(c) => format!("`{c}`"),
            None => "the end of the path".to_owned(),
        }
    }

    fn error<T>(&self, at: usize, message: impl Into<String>) -> Result<T, PathError> {
        Err(PathError {
            text: self.text.to_owned(),
            position: self
                .text
                .char_indices()
                .take_while(|(i, _)| *i < at)
                .count()
                + 1,
            message: message.into(),
        })
    }

    fn skip_spaces(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, byte: u8, what: &str) -> Result<(), PathError> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            self.error(self.pos, format!("expected {what}, found {}", self.found()))
        }
    }

    fn root(&mut self) -> Result<Root, PathError> {
        if self.peek() != Some(b'$') {
            return self.error(0, "a path must start with `$`");
        }
        self.pos = 1;
        match self.peek() {
            Some(b'$') => {
                self.pos = 2;
                Ok(Root::Context)
            }
            // A variable name: an identifier (Unicode letters, digits and `_`, not starting
            // with a digit).
            _ if self
                .rest()
                .starts_with(|c: char| c.is_alphabetic() || c == '_') =>
            {
                let start = self.pos;
                let len = self
                    .rest()
                    .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .unwrap_or(self.rest().len());
                self.pos += len;
                Ok(Root::Variable(self.text[start..self.pos].into()))
            }
            _ => Ok(Root::Input),
        }
    }

    /// Segments up to the end of the text, or (inside a filter) up to the first character that
    /// cannot continue a path.
    fn segments(&mut self, in_filter: bool) -> Result<Vec<Segment>, PathError> {
        let mut segments = Vec::new();
        loop {
            if let Some(Segment::Step(Step::Function(name))) = segments.last() {
                if matches!(self.peek(), Some(b'.' | b'[')) {
                    return self.error(
                        self.pos,
                        format!("the function `{name}()` must be the last segment of a path"),
                    );
                }
            }
            match self.peek() {
                None => break,
                Some(b'.') if self.peek_at(1) == Some(b'.') => {
                    self.pos += 2;
                    segments.push(Segment::Descend);
                    match self.peek() {
                        Some(b'*') => {
                            self.pos += 1;
                            segments.push(Segment::Wildcard);
                        }
                        Some(b'[') => segments.push(self.bracket()?),
                        Some(b'.') | None => {
                            return self.error(
                                self.pos,
                                "expected a name, `*` or `[` after `..`".to_owned(),
                            )
                        }
                        Some(_) => segments.push(self.dot_name(in_filter)?),
                    }
                }
                Some(b'.') => {
                    self.pos += 1;
                    match self.peek() {
                        Some(b'*') => {
                            self.pos += 1;
                            segments.push(Segment::Wildcard);
                        }
                        Some(b'[') => segments.push(self.bracket()?),
                        None => return self.error(self.pos, "a path must not end with `.`"),
                        Some(_) => segments.push(self.dot_name(in_filter)?),
                    }
                }
                Some(b'[') => segments.push(self.bracket()?),
                Some(_) if in_filter => break,
                Some(_) => {
                    return self.error(
                        self.pos,
                        format!("expected `.` or `[`, found {}", self.found()),
                    )
                }
            }
        }
        Ok(segments)
    }

    /// A name in dot notation (anything up to `.`, `[` or `(`), or a function `name()`.
    fn dot_name(&mut self, in_filter: bool) -> Result<Segment, PathError> {
        let start = self.pos;
        for c in self.rest().chars() {
            match c {
                '.' | '[' | '(' => break,
                ' ' | '\t' | '\n' | '\r' if !in_filter => {
                    return self.error(
                        self.pos,
                        "names with blanks need bracket notation, as in `$['my name']`",
                    )
                }
                ' ' | '\t' | '\n' | '\r' | ')' | '=' | '!' | '<' | '>' | '&' | '|' | ',' | ']'
                    if in_filter =>
                {
                    break
                }
                _ => self.pos += c.len_utf8(),
            }
        }
        if self.pos == start {
            return self.error(
                self.pos,
                format!("expected a name, `*` or `[`, found {}", self.found()),
            );
        }
        let name = &self.text[start..self.pos];
        if self.peek() == Some(b'(') {
            self.pos += 1;
            if self.peek() != Some(b')') {
                return self.error(
                    self.pos,
                    format!("expected `)`: the function `{name}` takes no arguments"),
                );
            }
            self.pos += 1;
            return Ok(Segment::Step(Step::Function(name.into())));
        }
        Ok(Segment::Step(Step::Name(crate::intern::shared(name))))
    }

    /// `[...]`: wildcard, filter, quoted names, indexes or a slice.
    fn bracket(&mut self) -> Result<Segment, PathError> {
        let open = self.pos;
        self.pos += 1;
        self.skip_spaces();
        let segment = match self.peek() {
            Some(b'*') => {
                self.pos += 1;
                Segment::Wildcard
            }
            Some(b'?') => {
                self.pos += 1;
                self.expect(b'(', "`(` after `[?`")?;
                let expr = self.or()?;
                self.skip_spaces();
                self.expect(b')', "`)` closing the filter")?;
                Segment::Filter(Box::new(expr))
            }
            Some(b'\'' | b'"') => {
                let mut names = vec![self.quoted_name()?];
                loop {
                    self.skip_spaces();
                    if self.peek() != Some(b',') {
                        break;
                    }
                    self.pos += 1;
                    self.skip_spaces();
                    if !matches!(self.peek(), Some(b'\'' | b'"')) {
                        return self.error(
                            self.pos,
                            format!("expected a quoted name after `,`, found {}", self.found()),
                        );
                    }
                    names.push(self.quoted_name()?);
                }
                if names.len() == 1 {
                    Segment::Step(Step::Name(crate::intern::shared(&names.remove(0))))
                } else {
                    Segment::Names(names)
                }
            }
            Some(b'-' | b'0'..=b'9' | b':') => self.indexes_or_slice()?,
            None => return self.error(open, "unclosed `[`"),
            Some(_) => {
                return self.error(
                    self.pos,
                    format!(
                    "expected `*`, `?(`, a quoted name, an index or a slice after `[`, found {}",
                    self.found()
                ),
                )
            }
        };
        self.skip_spaces();
        self.expect(b']', "`]`")?;
        Ok(segment)
    }

    /// A quoted name, kept as written: a backslash only stops the next character from closing
    /// the quote (the service keeps `\"` in `$['a\"b']`; recorded case 026).
    fn quoted_name(&mut self) -> Result<Box<str>, PathError> {
        let open = self.pos;
        let quote = self.text.as_bytes()[open];
        self.pos += 1;
        let start = self.pos;
        loop {
            match self.peek() {
                None => return self.error(open, "unterminated quoted name"),
                Some(b'\\') => self.pos += 2,
                Some(c) if c == quote => break,
                Some(_) => self.pos += 1,
            }
        }
        let name = self.text.get(start..self.pos).unwrap_or_default();
        self.pos += 1;
        Ok(name.into())
    }

    fn indexes_or_slice(&mut self) -> Result<Segment, PathError> {
        let first = self.int()?;
        self.skip_spaces();
        match self.peek() {
            Some(b':') => {
                self.pos += 1;
                self.skip_spaces();
                let end = self.int()?;
                self.skip_spaces();
                let mut step = None;
                if self.peek() == Some(b':') {
                    self.pos += 1;
                    self.skip_spaces();
                    let at = self.pos;
                    step = self.int()?;
                    if step == Some(0) {
                        return self.error(at, "a slice step must not be 0");
                    }
                }
                Ok(Segment::Slice(Slice {
                    start: first,
                    end,
                    step,
                }))
            }
            _ => {
                let Some(first) = first else {
                    return self.error(self.pos, "expected an index");
                };
                let mut indexes = vec![first];
                while self.peek() == Some(b',') {
                    self.pos += 1;
                    self.skip_spaces();
                    match self.int()? {
                        Some(i) => indexes.push(i),
                        None => {
                            return self.error(
                                self.pos,
                                format!("expected an index after `,`, found {}", self.found()),
                            )
                        }
                    }
                    self.skip_spaces();
                }
                if indexes.len() == 1 {
                    Ok(Segment::Step(Step::Index(first)))
                } else {
                    Ok(Segment::Indexes(indexes))
                }
            }
        }
    }

    /// An optional integer: `-`? digits.
    fn int(&mut self) -> Result<Option<i64>, PathError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let digits = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        if self.pos == digits {
            if self.pos > start {
                return self.error(start, "expected digits after `-`");
            }
            return Ok(None);
        }
        match self.text[start..self.pos].parse::<i64>() {
            Ok(n) => Ok(Some(n)),
            Err(_) => self.error(start, "index out of range"),
        }
    }

    // ---- filters ----

    fn nest(&mut self) -> Result<(), PathError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.error(self.pos, format!("filters nest deeper than {MAX_DEPTH}"));
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Expr, PathError> {
        self.nest()?;
        let mut left = self.and()?;
        loop {
            self.skip_spaces();
            if !self.rest().starts_with("||") {
                break;
            }
            self.pos += 2;
            let right = self.and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        self.depth -= 1;
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, PathError> {
        let mut left = self.unary()?;
        loop {
            self.skip_spaces();
            if !self.rest().starts_with("&&") {
                break;
            }
            self.pos += 2;
            let right = self.unary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, PathError> {
        self.skip_spaces();
        match self.peek() {
            Some(b'!') if self.peek_at(1) != Some(b'=') => {
                self.pos += 1;
                self.nest()?;
                let inner = self.unary()?;
                self.depth -= 1;
                Ok(Expr::Not(Box::new(inner)))
            }
            Some(b'(') => {
                self.pos += 1;
                let inner = self.or()?;
                self.skip_spaces();
                self.expect(b')', "`)`")?;
                Ok(inner)
            }
            _ => self.comparison(),
        }
    }

    fn comparison(&mut self) -> Result<Expr, PathError> {
        let start = self.pos;
        let left = self.operand()?;
        self.skip_spaces();
        let rest = self.rest();
        let op = [
            ("==", Op::Eq),
            ("!=", Op::Ne),
            ("<=", Op::Le),
            (">=", Op::Ge),
            ("<", Op::Lt),
            (">", Op::Gt),
        ]
        .into_iter()
        .find(|(text, _)| rest.starts_with(text));
        let Some((op_text, op)) = op else {
            if rest.starts_with("=~") {
                return self.error(self.pos, "regular expressions (`=~`) are not supported");
            }
            if !matches!(self.peek(), None | Some(b')' | b'&' | b'|')) {
                return self.error(
                    self.pos,
                    format!(
                        "expected `==`, `!=`, `<`, `<=`, `>`, `>=`, `&&`, `||` or `)`, found {}",
                        self.found()
                    ),
                );
            }
            return match left {
                Operand::Path(path) => Ok(Expr::Exists(path)),
                Operand::Literal(_) => self.error(
                    start,
                    "a literal alone is not a condition; compare it with `@...`",
                ),
            };
        };
        self.pos += op_text.len();
        let right = self.operand()?;
        Ok(Expr::Compare(left, op, right))
    }

    fn operand(&mut self) -> Result<Operand, PathError> {
        self.skip_spaces();
        let start = self.pos;
        match self.peek() {
            Some(b'@') => {
                self.pos += 1;
                let segments = self.segments(true)?;
                Ok(Operand::Path(JsonPath {
                    text: self.text[start..self.pos].into(),
                    root: Root::Current,
                    body: into_body(segments),
                }))
            }
            Some(b'$') => {
                let after = &self.rest()[1..];
                if after.starts_with(|c: char| c == '$' || c == '_' || c.is_alphabetic()) {
                    return self.error(
                        start,
                        "a filter can refer to the current node `@` and the root `$` only",
                    );
                }
                self.pos += 1;
                let segments = self.segments(true)?;
                Ok(Operand::Path(JsonPath {
                    text: self.text[start..self.pos].into(),
                    root: Root::Input,
                    body: into_body(segments),
                }))
            }
            Some(b'\'' | b'"') => Ok(Operand::Literal(Val::from(self.string_literal()?))),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => {
                for (word, value) in [
                    ("true", Val::Bool(true)),
                    ("false", Val::Bool(false)),
                    ("null", Val::Null),
                ] {
                    let rest = self.rest();
                    let boundary = rest
                        .as_bytes()
                        .get(word.len())
                        .is_none_or(|c| !c.is_ascii_alphanumeric() && *c != b'_');
                    if rest.starts_with(word) && boundary {
                        self.pos += word.len();
                        return Ok(Operand::Literal(value));
                    }
                }
                self.error(
                    start,
                    format!(
                        "expected `@`, a string, a number, true, false or null, found {}",
                        self.found()
                    ),
                )
            }
        }
    }

    /// A string literal in a filter, with JSON-style escapes (`\'` too).
    fn string_literal(&mut self) -> Result<String, PathError> {
        let open = self.pos;
        let quote = self.text.as_bytes()[open] as char;
        self.pos += 1;
        let mut out = String::new();
        let mut chars = self.rest().char_indices();
        while let Some((i, c)) = chars.next() {
            if c == quote {
                self.pos += i + 1;
                return Ok(out);
            }
            if c != '\\' {
                out.push(c);
                continue;
            }
            let at = self.pos + i;
            match chars.next().map(|(_, e)| e) {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('b') => out.push('\u{8}'),
                Some('f') => out.push('\u{c}'),
                Some('u') => {
                    let hex: String = chars.by_ref().take(4).map(|(_, h)| h).collect();
                    let decoded = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32);
                    match decoded {
                        Some(ch) if hex.len() == 4 => out.push(ch),
                        _ => return self.error(at, "`\\u` needs 4 hex digits of a character"),
                    }
                }
                Some(e @ ('\\' | '/' | '\'' | '"')) => out.push(e),
                Some(e) => return self.error(at, format!("unknown escape `\\{e}`")),
                None => break,
            }
        }
        self.error(open, "unterminated string")
    }

    fn number(&mut self) -> Result<Operand, PathError> {
        let start = self.pos;
        let bytes = self.text.as_bytes();
        let mut end = start;
        if bytes.get(end) == Some(&b'-') {
            end += 1;
        }
        while end < bytes.len()
            && (bytes[end].is_ascii_digit()
                || matches!(bytes[end], b'.' | b'e' | b'E')
                || (matches!(bytes[end], b'+' | b'-') && matches!(bytes[end - 1], b'e' | b'E')))
        {
            end += 1;
        }
        match serde_json::from_str::<serde_json::Number>(&self.text[start..end]) {
            Ok(n) => {
                self.pos = end;
                Ok(Operand::Literal(Val::Number(n)))
            }
            Err(_) => self.error(
                start,
                format!("`{}` is not a number", &self.text[start..end]),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use smallvec::smallvec;

    fn body(text: &str) -> Body {
        parse(text).unwrap().body
    }

    fn err(text: &str) -> (usize, String) {
        let e = parse(text).unwrap_err();
        (e.position, e.message)
    }

    fn name(n: &str) -> Step {
        Step::Name(n.into())
    }

    #[test]
    fn roots() {
        assert_eq!(parse("$").unwrap().root, Root::Input);
        assert_eq!(parse("$$").unwrap().root, Root::Context);
        assert_eq!(parse("$$.Execution.Input").unwrap().root, Root::Context);
        assert_eq!(
            parse("$my_var.a").unwrap().root,
            Root::Variable("my_var".into())
        );
        assert_eq!(parse("$x").unwrap().root, Root::Variable("x".into()));
        assert_eq!(parse("$_1").unwrap().root, Root::Variable("_1".into()));
        assert_eq!(
            parse("$größe[0]").unwrap().root,
            Root::Variable("größe".into())
        );
    }

    #[test]
    fn dot_and_bracket_names() {
        let expected = Body::Definite(smallvec![name("a"), name("b c"), name("d")]);
        assert_eq!(body("$.a['b c'].d"), expected);
        assert_eq!(body("$.a[\"b c\"]['d']"), expected);
        assert_eq!(body("$.a.['b c'].d"), expected);
    }

    #[test]
    fn dot_names_take_dashes_and_unicode() {
        assert_eq!(
            body("$.delivery-partner.ünï"),
            Body::Definite(smallvec![name("delivery-partner"), name("ünï")])
        );
    }

    #[test]
    fn quoted_names_keep_backslashes() {
        // Recorded case 026: `$['Test\""Name"']` reads the key `Test\""Name"`.
        assert_eq!(
            body(r#"$['Test\""Name"']"#),
            Body::Definite(smallvec![name(r#"Test\""Name""#)])
        );
        assert_eq!(
            body(r"$['it\'s']"),
            Body::Definite(smallvec![name(r"it\'s")])
        );
    }

    #[test]
    fn indexes() {
        assert_eq!(
            body("$[0][-1]"),
            Body::Definite(smallvec![Step::Index(0), Step::Index(-1)])
        );
        assert_eq!(body("$[ 2 ]"), Body::Definite(smallvec![Step::Index(2)]));
        assert_eq!(
            body("$.a[0,2, -1]"),
            Body::Indefinite(vec![
                Segment::Step(name("a")),
                Segment::Indexes(vec![0, 2, -1])
            ])
        );
    }

    #[test]
    fn slices() {
        let slice = |start, end, step| Segment::Slice(Slice { start, end, step });
        assert_eq!(
            body("$[1:3]"),
            Body::Indefinite(vec![slice(Some(1), Some(3), None)])
        );
        assert_eq!(
            body("$[:3]"),
            Body::Indefinite(vec![slice(None, Some(3), None)])
        );
        assert_eq!(
            body("$[-2:]"),
            Body::Indefinite(vec![slice(Some(-2), None, None)])
        );
        assert_eq!(
            body("$[::-1]"),
            Body::Indefinite(vec![slice(None, None, Some(-1))])
        );
        assert_eq!(err("$[1:2:0]"), (7, "a slice step must not be 0".into()));
    }

    #[test]
    fn wildcards_and_descent() {
        assert_eq!(body("$.*"), Body::Indefinite(vec![Segment::Wildcard]));
        assert_eq!(body("$[*]"), Body::Indefinite(vec![Segment::Wildcard]));
        assert_eq!(
            body("$..a"),
            Body::Indefinite(vec![Segment::Descend, Segment::Step(name("a"))])
        );
        assert_eq!(
            body("$..*"),
            Body::Indefinite(vec![Segment::Descend, Segment::Wildcard])
        );
        assert_eq!(
            body("$..[0]"),
            Body::Indefinite(vec![Segment::Descend, Segment::Step(Step::Index(0))])
        );
    }

    #[test]
    fn unions_of_names_merge_only_at_the_end() {
        assert_eq!(
            body("$['a','b']"),
            Body::Definite(smallvec![Step::Merge(vec!["a".into(), "b".into()])])
        );
        assert_eq!(
            body("$['a', \"b\"].c"),
            Body::Indefinite(vec![
                Segment::Names(vec!["a".into(), "b".into()]),
                Segment::Step(name("c"))
            ])
        );
    }

    #[test]
    fn functions_are_last() {
        assert_eq!(
            body("$.a.length()"),
            Body::Definite(smallvec![name("a"), Step::Function("length".into())])
        );
        assert_eq!(
            err("$.a.length().b"),
            (
                13,
                "the function `length()` must be the last segment of a path".into()
            )
        );
        assert_eq!(
            err("$.a.sum(1)"),
            (
                9,
                "expected `)`: the function `sum` takes no arguments".into()
            )
        );
    }

    #[test]
    fn filters() {
        let Body::Indefinite(segments) = body("$.a[?(@.price < 10 && (@.x || !@.y))]") else {
            panic!("a filter is indefinite");
        };
        assert!(matches!(segments[1], Segment::Filter(_)));
        parse("$[?(@.s == 'x\\'y')]").unwrap();
        parse("$[?(@['a b'][0] >= -1.5e3)]").unwrap();
        parse("$[?(@.a != null || @.b == true || @.c == false)]").unwrap();
        parse("$[?(@.a[?(@.b)])]").unwrap();
        parse("$[?(@.price<10)]").unwrap();
    }

    #[test]
    fn filter_errors_say_what_is_allowed() {
        assert_eq!(
            err("$[?(@.a =~ /x/)]"),
            (9, "regular expressions (`=~`) are not supported".into())
        );
        assert_eq!(
            err("$[?(@.a == $$.b)]"),
            (
                12,
                "a filter can refer to the current node `@` and the root `$` only".into()
            )
        );
        parse("$[?(@.a == $.b)]").unwrap();
        assert_eq!(
            err("$[?(1)]"),
            (
                5,
                "a literal alone is not a condition; compare it with `@...`".into()
            )
        );
        assert_eq!(
            err("$[?(@.a == )]"),
            (
                12,
                "expected `@`, a string, a number, true, false or null, found `)`".into()
            )
        );
        assert_eq!(
            err("$[?(@.a"),
            (
                8,
                "expected `)` closing the filter, found the end of the path".into()
            )
        );
        let deep = format!("$[?({}@.a{})]", "(".repeat(100), ")".repeat(100));
        assert!(err(&deep).1.starts_with("filters nest deeper than"));
    }

    #[test]
    fn errors_name_the_problem_and_its_character() {
        assert_eq!(err(""), (1, "a path must start with `$`".into()));
        assert_eq!(err("a.b"), (1, "a path must start with `$`".into()));
        assert_eq!(err("$."), (3, "a path must not end with `.`".into()));
        assert_eq!(
            err("$.a b"),
            (
                4,
                "names with blanks need bracket notation, as in `$['my name']`".into()
            )
        );
        assert_eq!(err("$a-b"), (3, "expected `.` or `[`, found `-`".into()));
        assert_eq!(err("$['a"), (3, "unterminated quoted name".into()));
        assert_eq!(
            err("$[a]"),
            (
                3,
                "expected `*`, `?(`, a quoted name, an index or a slice after `[`, found `a`"
                    .into()
            )
        );
        assert_eq!(
            err("$[1"),
            (4, "expected `]`, found the end of the path".into())
        );
        assert_eq!(
            err("$.."),
            (4, "expected a name, `*` or `[` after `..`".into())
        );
        assert_eq!(
            err("$[99999999999999999999]"),
            (3, "index out of range".into())
        );
        assert_eq!(
            err("$.é x"),
            (
                4,
                "names with blanks need bracket notation, as in `$['my name']`".into()
            )
        );
        assert_eq!(err("$[-]"), (3, "expected digits after `-`".into()));
    }
}
