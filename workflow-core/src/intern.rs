//! A definition's keys and names, kept once each for the life of the process.
//!
//! A definition repeats its keys and names from state to state (`"v.$": "$.value"` in a
//! thousand Pass states). Compiled separately, each copy would be a small allocation of its
//! own, scattered through the heap, and a run would touch a cold cache line for every one of
//! them on every state (perf annotate, pass-chain-1000: the count of a cold key was 30% of the
//! template's samples, 13% once keys were shared). Kept once, as [`Key::lasting`] keys, they
//! stay in cache and are copied into the objects a run builds without a reference count.
//!
//! Keys are kept while [`while_compiling`] runs, on its thread; outside it, [`shared`] makes a
//! counted key, so that a path or template compiled alone keeps nothing for the process.

use crate::value::Key;
use std::cell::Cell;

thread_local! {
    static COMPILING: Cell<bool> = const { Cell::new(false) };
}

/// Runs `compile` with its keys kept for the process (nested calls run inside the outer one).
pub(crate) fn while_compiling<R>(compile: impl FnOnce() -> R) -> R {
    if COMPILING.with(Cell::get) {
        return compile();
    }
    COMPILING.with(|c| c.set(true));
    // Cleared on the way out, unwinding included.
    struct Clear;
    impl Drop for Clear {
        fn drop(&mut self) {
            COMPILING.with(|c| c.set(false));
        }
    }
    let _clear = Clear;
    compile()
}

/// `text` as a key: kept for the process ([`Key::lasting`]) while a definition compiles.
pub(crate) fn shared(text: &str) -> Key {
    if COMPILING.with(Cell::get) {
        Key::lasting(text)
    } else {
        Key::from(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_kept_while_compiling_and_only_then() {
        let (a, b) = while_compiling(|| (shared("value"), shared("name")));
        assert!(a.is_lasting() && b.is_lasting());
        assert_eq!((&*a, &*b), ("value", "name"));
        assert!(!shared("value").is_lasting());
    }

    #[test]
    fn a_nested_compile_keeps_compiling_after_it_ends() {
        let (a, b) = while_compiling(|| {
            let a = while_compiling(|| shared("k"));
            (a, shared("k"))
        });
        assert!(a.is_lasting() && b.is_lasting());
    }
}
