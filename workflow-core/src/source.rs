//! Positions in JSON text: where each member of a document was written, and which object keys
//! were written twice.
//!
//! serde_json does the real parse and keeps the last of two equal keys without a word; this
//! module reads the same text once more with a small scanner that follows the JSON grammar, so
//! that diagnostics can carry a line and column and duplicate state names can be reported. The
//! scanner keeps its own stack (no recursion), never panics, and stops quietly at the first
//! syntax error (serde_json reports that one).

use std::collections::HashMap;
use std::fmt;

/// A 1-based line and column (columns count characters, not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// An object key written more than once in the same object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateKey {
    /// JSON pointer of the member (the same for every occurrence).
    pub pointer: String,
    /// The key as written (unescaped).
    pub key: String,
    /// Where the repeated occurrence's key starts.
    pub position: Position,
    /// Where the first occurrence's key starts.
    pub first: Position,
}

/// Where each member of a JSON document starts, by JSON pointer (RFC 6901).
///
/// An object member is located at the opening quote of its key, an array element at its first
/// character, and the whole document (pointer `""`) at its first character. When a key is
/// repeated, the pointer is located at the last occurrence, the one serde_json keeps.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    positions: HashMap<String, Position>,
    duplicates: Vec<DuplicateKey>,
}

impl SourceMap {
    /// Scans `text`. Never fails: on a syntax error the map holds what was read before it.
    pub fn scan(text: &str) -> SourceMap {
        Scanner::new(text).run()
    }

    /// The position of the member at `pointer`, if it was read.
    pub fn position(&self, pointer: &str) -> Option<Position> {
        self.positions.get(pointer).copied()
    }

    /// The position of `pointer`, or of its nearest ancestor that was read.
    pub fn nearest(&self, pointer: &str) -> Option<Position> {
        let mut p = pointer;
        loop {
            if let Some(pos) = self.positions.get(p) {
                return Some(*pos);
            }
            p = &p[..p.rfind('/')?];
        }
    }

    /// Every repeated object key, in document order.
    pub fn duplicates(&self) -> &[DuplicateKey] {
        &self.duplicates
    }
}

/// `text` quoted in an error message between `open` and `close`: whole when it is short, else
/// the part around the character `at` (1-based, as parsers report positions) with `…` where
/// text was left out, and its length after the quote, so that a 14 KB expression does not make
/// a 14 KB message.
pub(crate) fn quote_excerpt(text: &str, at: usize, open: &str, close: &str) -> String {
    const WHOLE: usize = 120;
    const AROUND: usize = 40;
    if text.len() <= WHOLE {
        return format!("{open}{text}{close}");
    }
    let chars = text.chars().count();
    let at = at.clamp(1, chars) - 1;
    let (from, to) = (at.saturating_sub(AROUND), (at + AROUND).min(chars));
    let part: String = text.chars().skip(from).take(to - from).collect();
    let before = if from > 0 { "…" } else { "" };
    let after = if to < chars { "…" } else { "" };
    format!("{open}{before}{part}{after}{close} ({chars} characters)")
}

/// Appends one reference token to a JSON pointer, escaping `~` as `~0` and `/` as `~1`.
pub fn push_token(pointer: &mut String, token: &str) {
    pointer.push('/');
    for c in token.chars() {
        match c {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            c => pointer.push(c),
        }
    }
}

/// A JSON pointer made of `tokens`, each escaped.
pub fn pointer<'a>(tokens: impl IntoIterator<Item = &'a str>) -> String {
    let mut p = String::new();
    for t in tokens {
        push_token(&mut p, t);
    }
    p
}

/// Deeper documents are not mapped further (serde_json refuses anything past 128 levels), so
/// that neither the stack of frames nor the pointers grow without bound.
const MAX_DEPTH: usize = 512;

enum Frame {
    /// `len` is the pointer length of the object itself; `keys` the keys seen so far with
    /// their first position.
    Object {
        len: usize,
        keys: HashMap<String, Position>,
    },
    Array {
        len: usize,
        index: usize,
    },
}

#[derive(Clone, Copy)]
enum Expect {
    Value,
    /// After `{`: a key or `}`.
    FirstKey,
    /// After `,` in an object.
    Key,
    /// After `[`: a value or `]`.
    FirstElement,
    /// After a complete value.
    AfterValue,
}

struct Scanner<'t> {
    chars: std::iter::Peekable<std::str::Chars<'t>>,
    line: usize,
    column: usize,
    pointer: String,
    stack: Vec<Frame>,
    map: SourceMap,
}

impl<'t> Scanner<'t> {
    fn new(text: &'t str) -> Self {
        Scanner {
            chars: text.chars().peekable(),
            line: 1,
            column: 1,
            pointer: String::new(),
            stack: Vec::new(),
            map: SourceMap::default(),
        }
    }

    fn here(&self) -> Position {
        Position {
            line: self.line,
            column: self.column,
        }
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.chars.next()?;
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        Some(c)
    }

    fn skip_ws(&mut self) {
        while matches!(self.chars.peek(), Some(' ' | '\t' | '\n' | '\r')) {
            self.bump();
        }
    }

    fn run(mut self) -> SourceMap {
        self.skip_ws();
        let start = self.here();
        self.map.positions.insert(String::new(), start);
        let mut expect = Expect::Value;
        // Every `None` below is a syntax error: stop and keep what was read.
        while self.step(&mut expect).is_some() {}
        self.map
    }

    /// One step of the grammar; `None` at the end of the document or on a syntax error.
    fn step(&mut self, expect: &mut Expect) -> Option<()> {
        self.skip_ws();
        match *expect {
            Expect::Value => *expect = self.value()?,
            Expect::FirstKey if self.chars.peek() == Some(&'}') => {
                self.bump();
                self.close();
                *expect = Expect::AfterValue;
            }
            Expect::FirstKey | Expect::Key => {
                self.key()?;
                *expect = Expect::Value;
            }
            Expect::FirstElement if self.chars.peek() == Some(&']') => {
                self.bump();
                self.close();
                *expect = Expect::AfterValue;
            }
            Expect::FirstElement => {
                self.element_start();
                *expect = Expect::Value;
            }
            Expect::AfterValue => {
                let c = self.bump()?;
                match (self.stack.last_mut(), c) {
                    (Some(Frame::Object { .. }), ',') => *expect = Expect::Key,
                    (Some(Frame::Array { index, .. }), ',') => {
                        *index += 1;
                        self.skip_ws();
                        self.element_start();
                        *expect = Expect::Value;
                    }
                    (Some(Frame::Object { .. }), '}') | (Some(Frame::Array { .. }), ']') => {
                        self.close();
                    }
                    _ => return None,
                }
            }
        }
        Some(())
    }

    /// Reads `"key" :` inside an object and records the member's position.
    fn key(&mut self) -> Option<()> {
        let at = self.here();
        if self.chars.peek() != Some(&'"') {
            return None;
        }
        let key = self.string()?;
        self.skip_ws();
        if self.bump()? != ':' {
            return None;
        }
        let Some(Frame::Object { len, keys }) = self.stack.last_mut() else {
            return None;
        };
        self.pointer.truncate(*len);
        push_token(&mut self.pointer, &key);
        if let Some(first) = keys.get(&key) {
            self.map.duplicates.push(DuplicateKey {
                pointer: self.pointer.clone(),
                key,
                position: at,
                first: *first,
            });
            // The last occurrence wins, as in serde_json: forget what the earlier value
            // recorded below this member.
            let prefix = format!("{}/", self.pointer);
            self.map.positions.retain(|p, _| !p.starts_with(&prefix));
        } else {
            keys.insert(key, at);
        }
        self.map.positions.insert(self.pointer.clone(), at);
        Some(())
    }

    /// Records the position of the next array element.
    fn element_start(&mut self) {
        if let Some(Frame::Array { len, index }) = self.stack.last() {
            let (len, index) = (*len, *index);
            self.pointer.truncate(len);
            push_token(&mut self.pointer, &index.to_string());
            let at = self.here();
            self.map.positions.insert(self.pointer.clone(), at);
        }
    }

    /// Leaves the innermost container; the pointer is the container's own again.
    fn close(&mut self) {
        if let Some(Frame::Object { len, .. } | Frame::Array { len, .. }) = self.stack.pop() {
            self.pointer.truncate(len);
        }
    }

    /// Reads one value; a container only opens a frame, and `step` reads its contents.
    fn value(&mut self) -> Option<Expect> {
        let len = self.pointer.len();
        if self.stack.len() >= MAX_DEPTH {
            return None;
        }
        match *self.chars.peek()? {
            '{' => {
                self.bump();
                self.stack.push(Frame::Object {
                    len,
                    keys: HashMap::new(),
                });
                return Some(Expect::FirstKey);
            }
            '[' => {
                self.bump();
                self.stack.push(Frame::Array { len, index: 0 });
                return Some(Expect::FirstElement);
            }
            '"' => {
                self.string()?;
            }
            't' => self.literal("true")?,
            'f' => self.literal("false")?,
            'n' => self.literal("null")?,
            '-' | '0'..='9' => self.number()?,
            _ => return None,
        }
        Some(Expect::AfterValue)
    }

    fn literal(&mut self, word: &str) -> Option<()> {
        for expected in word.chars() {
            if self.bump()? != expected {
                return None;
            }
        }
        Some(())
    }

    /// Skips a number (serde_json checks its exact form).
    fn number(&mut self) -> Option<()> {
        self.bump();
        while matches!(
            self.chars.peek(),
            Some('0'..='9' | '.' | 'e' | 'E' | '+' | '-')
        ) {
            self.bump();
        }
        Some(())
    }

    /// Reads a string literal and returns its unescaped contents.
    fn string(&mut self) -> Option<String> {
        self.bump(); // the opening quote
        let mut out = String::new();
        loop {
            match self.bump()? {
                '"' => return Some(out),
                '\\' => match self.bump()? {
                    '"' => out.push('"'),
                    '\\' => out.push('\\'),
                    '/' => out.push('/'),
                    'b' => out.push('\u{8}'),
                    'f' => out.push('\u{c}'),
                    'n' => out.push('\n'),
                    'r' => out.push('\r'),
                    't' => out.push('\t'),
                    'u' => {
                        let high = self.hex4()?;
                        let code = if (0xD800..0xDC00).contains(&high) {
                            if self.bump()? != '\\' || self.bump()? != 'u' {
                                return None;
                            }
                            let low = self.hex4()?;
                            if !(0xDC00..0xE000).contains(&low) {
                                return None;
                            }
                            0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                        } else {
                            high
                        };
                        out.push(char::from_u32(code)?);
                    }
                    _ => return None,
                },
                c if (c as u32) < 0x20 => return None,
                c => out.push(c),
            }
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let mut v = 0;
        for _ in 0..4 {
            v = v * 16 + self.bump()?.to_digit(16)?;
        }
        Some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(line: usize, column: usize) -> Option<Position> {
        Some(Position { line, column })
    }

    #[test]
    fn excerpts_keep_short_texts_and_cut_long_ones_around_the_position() {
        assert_eq!(quote_excerpt("$.a[", 4, "`", "`"), "`$.a[`");
        let long = format!("{}é{}", "a".repeat(200), "b".repeat(200));
        assert_eq!(
            quote_excerpt(&long, 201, "`", "`"),
            format!("`…{}é{}…` (401 characters)", "a".repeat(40), "b".repeat(39))
        );
        assert!(quote_excerpt(&long, 1, "", "").starts_with("aaaa"));
        // A position past the end (or 0) still quotes something, never panics.
        assert!(quote_excerpt(&long, 10_000, "", "").ends_with("bb (401 characters)"));
        assert!(quote_excerpt(&long, 0, "", "").starts_with("aaaa"));
    }

    #[test]
    fn members_are_located_at_their_keys_and_elements_at_their_first_character() {
        let text = "{\n  \"a\": {\"b\": [1, {\"c\": null}]},\n  \"d\": true\n}";
        let map = SourceMap::scan(text);
        assert_eq!(map.position(""), pos(1, 1));
        assert_eq!(map.position("/a"), pos(2, 3));
        assert_eq!(map.position("/a/b"), pos(2, 9));
        assert_eq!(map.position("/a/b/0"), pos(2, 15));
        assert_eq!(map.position("/a/b/1"), pos(2, 18));
        assert_eq!(map.position("/a/b/1/c"), pos(2, 19));
        assert_eq!(map.position("/d"), pos(3, 3));
        assert_eq!(map.position("/e"), None);
        assert!(map.duplicates().is_empty());
    }

    #[test]
    fn pointer_tokens_escape_tilde_and_slash() {
        let map = SourceMap::scan(r#"{"a/b": {"c~d": 1}, "e\"f": 2}"#);
        assert!(map.position("/a~1b/c~0d").is_some());
        assert!(map.position("/e\"f").is_some());
        assert_eq!(pointer(["a/b", "c~d"]), "/a~1b/c~0d");
    }

    #[test]
    fn escaped_keys_are_unescaped() {
        let map = SourceMap::scan(r#"{"\u00e9\ud83d\ude00\n": 1}"#);
        assert!(map.position("/é😀\n").is_some());
    }

    #[test]
    fn columns_count_characters() {
        let map = SourceMap::scan("{\"é\": 1, \"x\": 2}");
        assert_eq!(map.position("/x"), pos(1, 10));
    }

    #[test]
    fn repeated_keys_are_reported_and_the_last_one_is_located() {
        let text = "{\"S\": {\n \"B\": {\"x\": 1},\n \"B\": {\"y\": 2}\n}}";
        let map = SourceMap::scan(text);
        assert_eq!(
            map.duplicates(),
            &[DuplicateKey {
                pointer: "/S/B".into(),
                key: "B".into(),
                position: Position { line: 3, column: 2 },
                first: Position { line: 2, column: 2 },
            }]
        );
        assert_eq!(map.position("/S/B"), pos(3, 2));
        assert_eq!(map.position("/S/B/x"), None);
        assert_eq!(map.position("/S/B/y"), pos(3, 8));
    }

    #[test]
    fn equal_keys_in_different_objects_are_not_duplicates() {
        let map = SourceMap::scan(r#"{"a": {"k": 1}, "b": {"k": 2}, "c": [{"k": 1}, {"k": 2}]}"#);
        assert!(map.duplicates().is_empty());
    }

    #[test]
    fn nearest_falls_back_to_an_ancestor() {
        let map = SourceMap::scan(r#"{"a": {"b": 1}}"#);
        assert_eq!(map.nearest("/a/b/c/d"), map.position("/a/b"));
        assert_eq!(map.nearest("/zzz"), map.position(""));
    }

    #[test]
    fn syntax_errors_stop_the_scan_without_panicking() {
        for text in [
            "",
            "{",
            "[",
            "{\"a\"",
            "{\"a\":",
            "{\"a\": 1,",
            "[1,",
            "\"\\u12",
            "\"\\ud800\\u0041\"",
            "{]",
            "[}",
            "}",
            "{\"a\" 1}",
            "tru",
            "{\"a\": 1}}",
            "\"\u{1}\"",
            "{1: 2}",
            "@",
        ] {
            let _ = SourceMap::scan(text);
        }
        let map = SourceMap::scan("{\"a\": 1, \"b\": ");
        assert_eq!(map.position("/a"), pos(1, 2));
    }

    #[test]
    fn deep_nesting_does_not_overflow_the_stack() {
        let depth = 200_000;
        let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let map = SourceMap::scan(&text);
        assert!(map.position("/0/0/0").is_some());
        let text = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
        let map = SourceMap::scan(&text);
        assert!(map.position("/a/a").is_some());
        assert!(map.position(&"/a".repeat(MAX_DEPTH + 1)).is_none());
    }

    proptest::proptest! {
        #[test]
        fn scanning_any_text_never_panics(text in "\\PC{0,64}|[\\[\\]{}\",:0-9a-z \\\\]{0,64}") {
            let _ = SourceMap::scan(&text);
        }
    }
}
