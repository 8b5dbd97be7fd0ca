//! One allocation for each distinct key and name of a definition.
//!
//! A definition repeats its keys and names from state to state (`"v.$": "$.value"` in a
//! thousand Pass states). Compiled separately, each copy would be a small allocation of its
//! own, scattered through the heap, and a run would touch a cold cache line for every one of
//! them on every state. Shared, they stay in cache, and a template's key is cloned by
//! counting up the one allocation every state uses (perf annotate, pass-chain-1000: the
//! count of a cold key was 30% of the template's samples, 13% once keys were shared).
//!
//! The table lives while [`while_compiling`] runs, on its thread; outside it, [`shared`]
//! allocates as `Arc::from` does, so a path or template compiled alone behaves the same.

use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::Arc;

thread_local! {
    static TABLE: RefCell<Option<HashSet<Arc<str>>>> = const { RefCell::new(None) };
}

/// Runs `compile` with a table in which equal texts share one allocation (nested calls share
/// the outer table).
pub(crate) fn while_compiling<R>(compile: impl FnOnce() -> R) -> R {
    let outer = TABLE.with(|table| table.borrow().is_some());
    if outer {
        return compile();
    }
    TABLE.with(|table| *table.borrow_mut() = Some(HashSet::new()));
    // Cleared on the way out, unwinding included.
    struct Clear;
    impl Drop for Clear {
        fn drop(&mut self) {
            TABLE.with(|table| *table.borrow_mut() = None);
        }
    }
    let _clear = Clear;
    compile()
}

/// `text` as a shared string: the table's copy while a definition compiles.
pub(crate) fn shared(text: &str) -> Arc<str> {
    TABLE.with(|table| match table.borrow_mut().as_mut() {
        Some(table) => match table.get(text) {
            Some(known) => known.clone(),
            None => {
                let new: Arc<str> = Arc::from(text);
                table.insert(new.clone());
                new
            }
        },
        None => Arc::from(text),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_share_one_allocation_while_compiling_and_only_then() {
        let (a, b, c) = while_compiling(|| (shared("value"), shared("value"), shared("name")));
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &c));
        assert_eq!(&*c, "name");
        // Outside, each call allocates, and the table is gone (nothing is kept alive).
        assert!(!Arc::ptr_eq(&shared("value"), &shared("value")));
        assert_eq!(Arc::strong_count(&a), 2);
    }

    #[test]
    fn a_nested_compile_shares_the_outer_table() {
        let (a, b) = while_compiling(|| {
            let a = shared("k");
            (a, while_compiling(|| shared("k")))
        });
        assert!(Arc::ptr_eq(&a, &b));
    }
}
