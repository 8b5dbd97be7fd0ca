//! Variables (`Assign`): one frame per scope; inner scopes read outer frames.

use crate::path::Variables;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// The variables visible in one scope.
#[derive(Debug, Clone, Default)]
pub(crate) struct Frame {
    own: HashMap<Arc<str>, Value>,
    parent: Option<Arc<Frame>>,
}

impl Frame {
    /// A frame for an inner scope (Map iteration, Parallel branch) that reads `parent`.
    pub(crate) fn child(parent: Arc<Frame>) -> Frame {
        Frame {
            own: HashMap::new(),
            parent: Some(parent),
        }
    }

    /// Sets all the given variables at once.
    pub(crate) fn assign(&mut self, values: serde_json::Map<String, Value>) {
        for (k, v) in values {
            self.own.insert(Arc::from(k.as_str()), v);
        }
    }
}

impl Variables for Frame {
    fn get(&self, name: &str) -> Option<&Value> {
        match self.own.get(name) {
            Some(v) => Some(v),
            None => self.parent.as_ref().and_then(|p| p.get(name)),
        }
    }
}
