//! `StringMatches` patterns: `*` matches any run of characters (including none); `\*` is a
//! literal star and `\\` a literal backslash. No other character is special, so a backslash
//! before anything else is itself literal.

/// A compiled `StringMatches` pattern: the literal pieces between the unescaped stars.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pattern {
    /// One more piece than there are stars; `["log-", ".txt"]` for `log-*.txt`.
    pieces: Box<[Box<str>]>,
}

impl Pattern {
    /// Splits `pattern` at its unescaped stars.
    pub(crate) fn compile(pattern: &str) -> Pattern {
        let mut pieces = Vec::new();
        let mut piece = String::new();
        let mut chars = pattern.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' if matches!(chars.peek(), Some('*' | '\\')) => {
                    piece.extend(chars.next());
                }
                '*' => pieces.push(std::mem::take(&mut piece).into_boxed_str()),
                _ => piece.push(c),
            }
        }
        pieces.push(piece.into_boxed_str());
        Pattern {
            pieces: pieces.into_boxed_slice(),
        }
    }

    /// Whether the whole of `text` matches. Each star takes the shortest run that lets the next
    /// piece match; with stars as the only wildcard, the leftmost choice never loses a match.
    pub(crate) fn matches(&self, text: &str) -> bool {
        let (first, rest) = match &*self.pieces {
            [only] => return text == &**only,
            [first, rest @ ..] => (first, rest),
            [] => return text.is_empty(),
        };
        let Some((last, middle)) = rest.split_last() else {
            return text == &**first;
        };
        let Some(mut remaining) = text.strip_prefix(&**first) else {
            return false;
        };
        let Some(head) = remaining.strip_suffix(&**last) else {
            return false;
        };
        remaining = head;
        for piece in middle {
            match remaining.find(&**piece) {
                Some(at) => remaining = &remaining[at + piece.len()..],
                None => return false,
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::Pattern;

    fn matches(pattern: &str, text: &str) -> bool {
        Pattern::compile(pattern).matches(text)
    }

    #[test]
    fn literal_pattern_matches_only_itself() {
        assert!(matches("log.txt", "log.txt"));
        assert!(!matches("log.txt", "log.txt2"));
        assert!(!matches("log.txt", "xlog.txt"));
        assert!(matches("", ""));
        assert!(!matches("", "a"));
    }

    #[test]
    fn star_matches_any_run_including_empty() {
        assert!(matches("log-*.txt", "log-1.txt"));
        assert!(matches("log-*.txt", "log-.txt"));
        assert!(matches("log-*.txt", "log-a.b.txt"));
        assert!(!matches("log-*.txt", "log-1.txt.gz"));
        assert!(matches("*", ""));
        assert!(matches("*", "anything"));
        assert!(matches("**", "x"));
        assert!(matches("*a*b*", "xxaxxbxx"));
        assert!(!matches("*a*b*", "xxbxxaxx"));
        assert!(matches("a*a", "aa"));
        assert!(!matches("a*a", "a"));
        assert!(matches("*ab", "aab"));
    }

    #[test]
    fn other_glob_characters_are_literal() {
        assert!(matches("a?c", "a?c"));
        assert!(!matches("a?c", "abc"));
        assert!(matches("[ab]", "[ab]"));
        assert!(!matches("[ab]", "a"));
    }

    #[test]
    fn escaped_star_and_backslash_are_literal() {
        assert!(matches(r"a\*b", "a*b"));
        assert!(!matches(r"a\*b", "axb"));
        assert!(matches(r"a\\*", r"a\anything"));
        assert!(!matches(r"a\\*", "a"));
        assert!(matches(r"\d", r"\d"));
        assert!(matches("a\\", "a\\"));
    }

    /// Backtracking reference matcher over the compiled pieces' source pattern (no escapes).
    fn reference(pattern: &[char], text: &[char]) -> bool {
        match pattern.split_first() {
            None => text.is_empty(),
            Some(('*', rest)) => (0..=text.len()).any(|skip| reference(rest, &text[skip..])),
            Some((c, rest)) => text.first() == Some(c) && reference(rest, &text[1..]),
        }
    }

    proptest::proptest! {
        #[test]
        fn agrees_with_backtracking(pattern in "[ab*]{0,8}", text in "[ab]{0,10}") {
            let p: Vec<char> = pattern.chars().collect();
            let t: Vec<char> = text.chars().collect();
            proptest::prop_assert_eq!(matches(&pattern, &text), reference(&p, &t));
        }
    }

    #[test]
    fn multibyte_text() {
        assert!(matches("é*ü", "éaü"));
        assert!(matches("*😀", "x😀"));
        assert!(!matches("é*ü", "éa"));
    }
}
