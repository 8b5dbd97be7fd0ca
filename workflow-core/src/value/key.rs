//! An object's key: text that is copied without counting when it is one of a definition's
//! keys, and shared with a reference count otherwise.
//!
//! A template's keys are in every object it builds, and a `ResultPath` copy of an object
//! copies its keys: with counted keys, every copy was an atomic increment, and on Intel an
//! atomic instruction waits for every store before it to reach the cache (perf annotate,
//! pass-chain-1000: 15% of its samples followed the count of a template's key, 11% the copy
//! of its input's keys and values for `ResultPath`). A definition's keys are
//! few and repeat from state to state, so they are kept for the life of the process
//! ([`Key::lasting`], deduplicated, within [`LASTING_BUDGET`] bytes) and copied as pointers.
//! A key read from a payload is the lasting one when the process keeps one for its text
//! ([`Key::known_or_new`]: `value` in an input read by `$.value`), and counted otherwise:
//! payloads never add lasting keys, since their keys are unbounded.

use std::borrow::Borrow;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// An object's key. Equal, hashed and ordered as its text.
///
/// ```
/// use workflow_core::value::{Key, Object, Val};
/// // A key kept by the program, copied without a reference count:
/// const LENGTH: Key = Key::from_static(&"length");
/// let o = Object::from_unique(vec![(LENGTH, Val::from(3))]);
/// assert_eq!(o.get("length"), Some(&Val::from(3)));
/// assert_eq!(Key::from("length"), LENGTH);
/// ```
#[derive(Clone)]
pub struct Key(Repr);

#[derive(Clone)]
enum Repr {
    /// Kept for the life of the process: a copy is a copy of the pointer. Behind a second
    /// reference, so that a key is two words, as a counted one is.
    Lasting(&'static &'static str),
    /// Counted.
    Shared(Arc<str>),
}

/// How many bytes [`Key::lasting`] keeps for the life of the process at most (the texts and
/// their bookkeeping); past it, keys are counted. A process that compiles definitions with
/// ever new keys thus keeps a bounded amount.
pub const LASTING_BUDGET: usize = 1 << 20;

/// The lasting keys by text.
type Table = HashMap<&'static str, &'static &'static str>;

/// The lasting keys so far, the bytes they take, and a copy of the table for readers.
struct Lasting {
    keys: BTreeMap<&'static str, &'static &'static str>,
    bytes: usize,
    budget: usize,
    /// A copy of `keys` for [`Key::known_or_new`], made when a reader first needs it after a
    /// change.
    copy: Option<Arc<Table>>,
}

impl Lasting {
    const fn new(budget: usize) -> Lasting {
        Lasting {
            keys: BTreeMap::new(),
            bytes: 0,
            budget,
            copy: None,
        }
    }

    /// `text` kept, or counted past the budget.
    fn key(&mut self, text: &str) -> Key {
        if let Some(known) = self.keys.get(text) {
            return Key(Repr::Lasting(known));
        }
        // The text, the reference to it, and the table's entry.
        let cost = text.len() + 5 * std::mem::size_of::<usize>();
        if self.bytes + cost > self.budget {
            return Key(Repr::Shared(Arc::from(text)));
        }
        self.bytes += cost;
        let kept: &'static str = Box::leak(Box::from(text));
        let cell: &'static &'static str = Box::leak(Box::new(kept));
        self.keys.insert(kept, cell);
        self.copy = None;
        CHANGES.fetch_add(1, Ordering::Release);
        Key(Repr::Lasting(cell))
    }

    /// The readers' copy of the table.
    fn copy(&mut self) -> Arc<Table> {
        let keys = &self.keys;
        Arc::clone(
            self.copy
                .get_or_insert_with(|| Arc::new(keys.iter().map(|(k, v)| (*k, *v)).collect())),
        )
    }
}

static LASTING: Mutex<Lasting> = Mutex::new(Lasting::new(LASTING_BUDGET));

/// How many keys were made lasting: a reader whose copy is older takes a new one.
static CHANGES: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// This thread's copy of the lasting keys, and the count of changes it has seen.
    static KNOWN: RefCell<(usize, Arc<Table>)> = RefCell::new((usize::MAX, Arc::default()));
}

impl Key {
    /// A key whose text lives as long as the program (`Key::from_static(&"name")`): copied
    /// without a reference count.
    pub const fn from_static(text: &'static &'static str) -> Key {
        Key(Repr::Lasting(text))
    }

    /// `text` as a key kept for the life of the process (one copy per distinct text), copied
    /// without a reference count; a counted key once [`LASTING_BUDGET`] is spent. For keys a
    /// program holds (a definition's), not for keys read from payloads.
    pub fn lasting(text: &str) -> Key {
        LASTING.lock().unwrap_or_else(|e| e.into_inner()).key(text)
    }

    /// `text` read from a payload: the lasting key when the process keeps one for it (a
    /// definition's key or path name, such as `value` for `$.value`), so that copies of the
    /// objects a run reads cost no count; a counted key otherwise. Nothing new is kept.
    pub fn known_or_new(text: &str) -> Key {
        KNOWN.with(|known| {
            let mut known = known.borrow_mut();
            let changes = CHANGES.load(Ordering::Acquire);
            if known.0 != changes {
                let copy = LASTING.lock().unwrap_or_else(|e| e.into_inner()).copy();
                *known = (changes, copy);
            }
            match known.1.get(text) {
                Some(kept) => Key(Repr::Lasting(kept)),
                None => Key::from(text),
            }
        })
    }

    /// The text.
    #[inline(always)]
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Lasting(text) => text,
            Repr::Shared(text) => text,
        }
    }

    /// Whether two keys are the same text: at once when both are the same kept text (kept
    /// texts are one per text, but a [`from_static`](Self::from_static) key is its own).
    #[inline(always)]
    pub(crate) fn same_as(&self, other: &Key) -> bool {
        match (&self.0, &other.0) {
            (Repr::Lasting(a), Repr::Lasting(b)) if std::ptr::eq(*a, *b) => true,
            _ => super::same_key(self, other),
        }
    }

    /// Whether copies of this key are made without a reference count.
    pub fn is_lasting(&self) -> bool {
        matches!(self.0, Repr::Lasting(_))
    }
}

impl Deref for Key {
    type Target = str;

    #[inline(always)]
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Key {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for Key {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Key) -> bool {
        self.same_as(other)
    }
}

impl Eq for Key {}

impl PartialEq<str> for Key {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Key {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Key) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Key) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl From<&str> for Key {
    fn from(text: &str) -> Key {
        Key(Repr::Shared(Arc::from(text)))
    }
}

impl From<String> for Key {
    fn from(text: String) -> Key {
        Key(Repr::Shared(Arc::from(text)))
    }
}

impl From<&String> for Key {
    fn from(text: &String) -> Key {
        Key::from(text.as_str())
    }
}

impl From<Arc<str>> for Key {
    fn from(text: Arc<str>) -> Key {
        Key(Repr::Shared(text))
    }
}

impl From<&Arc<str>> for Key {
    fn from(text: &Arc<str>) -> Key {
        Key(Repr::Shared(Arc::clone(text)))
    }
}

impl From<&Key> for Key {
    fn from(key: &Key) -> Key {
        key.clone()
    }
}

impl From<Key> for Arc<str> {
    fn from(key: Key) -> Arc<str> {
        match key.0 {
            Repr::Lasting(text) => Arc::from(*text),
            Repr::Shared(text) => text,
        }
    }
}

impl From<Key> for String {
    fn from(key: Key) -> String {
        key.as_str().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_two_words_as_a_counted_string_is() {
        assert_eq!(std::mem::size_of::<Key>(), std::mem::size_of::<Arc<str>>());
    }

    #[test]
    fn lasting_keys_are_kept_once_per_text_and_copied_without_a_count() {
        let (a, b) = (
            Key::lasting("lasting-test-a"),
            Key::lasting("lasting-test-a"),
        );
        let (Repr::Lasting(x), Repr::Lasting(y)) = (&a.0, &b.0) else {
            panic!("not lasting: {a:?} {b:?}");
        };
        assert!(std::ptr::eq(*x, *y), "one copy of the text");
        assert!(a.is_lasting() && a.clone().is_lasting());
        assert_eq!(a, Key::from("lasting-test-a"));
        assert_ne!(a, Key::lasting("lasting-test-b"));
    }

    #[test]
    fn keys_compare_and_hash_as_their_text_whatever_they_are_held_by() {
        use std::collections::hash_map::DefaultHasher;
        let hash = |k: &dyn Fn(&mut DefaultHasher)| {
            let mut h = DefaultHasher::new();
            k(&mut h);
            h.finish()
        };
        let (lasting, counted) = (Key::from_static(&"k"), Key::from("k"));
        assert_eq!(lasting, counted);
        assert_eq!(hash(&|h| lasting.hash(h)), hash(&|h| "k".hash(h)));
        assert_eq!(hash(&|h| counted.hash(h)), hash(&|h| "k".hash(h)));
        let (a, b) = (Key::from("a"), Key::from_static(&"b"));
        assert_eq!(a.cmp(&b), std::cmp::Ordering::Less);
        assert_eq!(Arc::<str>::from(lasting), Arc::from("k"));
    }

    #[test]
    fn a_payload_key_is_the_lasting_one_when_there_is_one_and_nothing_new_is_kept() {
        assert!(!Key::known_or_new("known-test-key").is_lasting());
        let kept = Key::lasting("known-test-key");
        let read = Key::known_or_new("known-test-key");
        let (Repr::Lasting(a), Repr::Lasting(b)) = (&kept.0, &read.0) else {
            panic!("not lasting: {read:?}");
        };
        assert!(std::ptr::eq(*a, *b));
        assert!(!Key::known_or_new("known-test-other").is_lasting());
        assert!(!Key::known_or_new("known-test-other").is_lasting());
    }

    #[test]
    fn a_member_is_found_by_a_kept_key_a_static_one_or_a_counted_one() {
        use crate::value::{Object, Val};
        let kept = Key::lasting("same-as-test");
        let o = Object::from_unique(vec![
            (Key::from("other"), Val::from(0)),
            (kept.clone(), Val::from(1)),
        ]);
        assert!(kept.same_as(&Key::lasting("same-as-test")));
        for key in [
            kept,
            Key::from_static(&"same-as-test"),
            Key::from("same-as-test"),
        ] {
            assert_eq!(o.get_key(&key), Some(&Val::from(1)), "{key:?}");
        }
        assert_eq!(o.get_key(&Key::from_static(&"same-as-tesT")), None);
        assert!(!Key::from_static(&"a").same_as(&Key::from_static(&"b")));
    }

    #[test]
    fn past_the_budget_keys_are_counted() {
        let mut table = Lasting::new(250);
        let kept: Vec<Key> = (0..4)
            .map(|i| table.key(&format!("{i}{}", "x".repeat(60))))
            .collect();
        let lasting: Vec<bool> = kept.iter().map(Key::is_lasting).collect();
        assert_eq!(lasting, [true, true, false, false]);
        assert!(
            table.key(&kept[0]).is_lasting(),
            "a kept text is found again"
        );
        assert!(table.bytes <= 250);
    }
}
