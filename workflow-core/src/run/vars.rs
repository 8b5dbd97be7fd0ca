//! Variables (`Assign`): one frame per scope; inner scopes read outer frames.
//!
//! When a variable size limit is in force, each frame keeps a running total of the bytes of
//! the variables it can see (each variable's name plus its value as compact JSON), so that an
//! assignment is checked by measuring only what it assigns.

use crate::path::Variables;
use crate::value::{Key, Object, Val};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, DefaultHasher};
use std::sync::Arc;

/// A variable's value and its size in bytes (0 when sizes are not measured).
#[derive(Debug, Clone)]
struct Var {
    value: Val,
    bytes: usize,
}

/// A frame's own variables. Their names come from the definition, not from input, so the
/// hasher needs no random keys: making one (every Map iteration makes a frame) then reads no
/// thread-local seed.
type Vars = HashMap<Key, Var, BuildHasherDefault<DefaultHasher>>;

/// The variables visible in one scope.
#[derive(Debug, Clone, Default)]
pub(crate) struct Frame {
    own: Vars,
    parent: Option<Arc<Frame>>,
    /// The measured bytes of the enclosing frames' variables when this frame was made.
    inherited_bytes: usize,
    /// The measured bytes of this frame's own variables.
    own_bytes: usize,
}

impl Frame {
    /// A frame for an inner scope (Map iteration, Parallel branch) that reads `parent`.
    pub(crate) fn child(parent: Arc<Frame>) -> Frame {
        Frame {
            own: Vars::default(),
            inherited_bytes: parent.total_bytes(),
            parent: Some(parent),
            own_bytes: 0,
        }
    }

    /// Forgets this frame's own variables: it is then as [`child`](Self::child) made it, for
    /// the next Map iteration of a run that reuses one frame.
    pub(crate) fn forget_own(&mut self) {
        self.own.clear();
        self.own_bytes = 0;
    }

    /// The measured bytes of every variable this scope sees, its enclosing scopes' included.
    pub(crate) fn total_bytes(&self) -> usize {
        self.inherited_bytes + self.own_bytes
    }

    /// The measured bytes of this frame's own variable `name` (0 when it has none).
    pub(crate) fn own_size(&self, name: &str) -> usize {
        self.own.get(name).map_or(0, |v| v.bytes)
    }

    /// Sets all the given variables at once, without measuring them.
    pub(crate) fn assign(&mut self, values: Object) {
        for (k, value) in values.into_members() {
            self.own.insert(k, Var { value, bytes: 0 });
        }
    }

    /// Sets all the given variables at once, each with its measured size in bytes.
    pub(crate) fn assign_measured(&mut self, values: Vec<(Key, Val, usize)>) {
        for (k, value, bytes) in values {
            self.own_bytes += bytes;
            if let Some(old) = self.own.insert(k, Var { value, bytes }) {
                self.own_bytes -= old.bytes;
            }
        }
    }
}

impl Variables for Frame {
    fn get(&self, name: &str) -> Option<&Val> {
        match self.own.get(name) {
            Some(v) => Some(&v.value),
            None => self.parent.as_ref().and_then(|p| p.get(name)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::val;

    #[test]
    fn the_running_total_replaces_an_overwritten_variable_and_counts_enclosing_scopes() {
        let mut outer = Frame::default();
        outer.assign_measured(vec![("a".into(), val!(1), 10), ("b".into(), val!(2), 5)]);
        assert_eq!(outer.total_bytes(), 15);
        outer.assign_measured(vec![("a".into(), val!("x"), 3)]);
        assert_eq!(outer.total_bytes(), 8);
        assert_eq!(outer.own_size("a"), 3);
        assert_eq!(outer.get("a"), Some(&val!("x")));
        let mut inner = Frame::child(Arc::new(outer));
        assert_eq!(inner.total_bytes(), 8);
        assert_eq!(
            inner.own_size("a"),
            0,
            "an outer variable is not the inner frame's own"
        );
        inner.assign_measured(vec![("a".into(), val!(true), 4)]);
        assert_eq!(inner.total_bytes(), 12);
        assert_eq!(inner.get("a"), Some(&val!(true)));
        assert_eq!(inner.get("b"), Some(&val!(2)));
        inner.forget_own();
        assert_eq!(inner.total_bytes(), 8, "as the child was made");
        assert_eq!(inner.get("a"), Some(&val!("x")), "the outer `a` again");
    }
}
