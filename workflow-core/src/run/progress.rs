//! Live counters of a running execution, for progress displays.
//!
//! Set [`RunOptions::progress`](super::RunOptions::progress) to a shared [`Progress`] and read it
//! from another thread or task while the execution runs. When it is `None` (the default), the
//! interpreter pays one branch per state and per Map iteration.

use std::sync::atomic::{AtomicU64, Ordering};

/// Counters that the interpreter bumps as states and Map iterations finish.
#[derive(Debug, Default)]
pub struct Progress {
    states_done: AtomicU64,
    map_items_total: AtomicU64,
    map_items_done: AtomicU64,
}

/// A reading of [`Progress`] at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProgressSnapshot {
    /// States that have finished (succeeded, failed or been caught), in every scope.
    pub states_done: u64,
    /// Items of every Map state started so far.
    pub map_items_total: u64,
    /// Map iterations that have finished, either way.
    pub map_items_done: u64,
}

impl Progress {
    /// Fresh counters at zero.
    pub fn new() -> Self {
        Progress::default()
    }

    /// The counters now.
    pub fn snapshot(&self) -> ProgressSnapshot {
        ProgressSnapshot {
            states_done: self.states_done.load(Ordering::Relaxed),
            map_items_total: self.map_items_total.load(Ordering::Relaxed),
            map_items_done: self.map_items_done.load(Ordering::Relaxed),
        }
    }

    pub(crate) fn state_done(&self) {
        self.states_done.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn map_started(&self, items: usize) {
        self.map_items_total
            .fetch_add(items as u64, Ordering::Relaxed);
    }

    pub(crate) fn map_item_done(&self) {
        self.map_items_done.fetch_add(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::{Machine, RunOptions, Runner};
    use crate::task::TaskRegistry;
    use std::sync::Arc;

    #[test]
    fn an_execution_counts_its_states_and_map_items() {
        let machine = Machine::from_json(
            r#"{"StartAt": "Each", "States": {
                "Each": {"Type": "Map", "ItemsPath": "$.xs", "Next": "Done",
                  "ItemProcessor": {"StartAt": "Id", "States": {"Id": {"Type": "Pass", "End": true}}}},
                "Done": {"Type": "Succeed"}}}"#,
        )
        .unwrap();
        let progress = Arc::new(Progress::new());
        let options = RunOptions {
            progress: Some(Arc::clone(&progress)),
            ..RunOptions::default()
        };
        let runner = Runner::new(machine, TaskRegistry::new()).with_options(options);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(runner.run(serde_json::json!({"xs": [1, 2, 3]})));
        // Each, Done, and Id three times.
        assert_eq!(
            progress.snapshot(),
            ProgressSnapshot {
                states_done: 5,
                map_items_total: 3,
                map_items_done: 3
            }
        );
    }

    #[test]
    fn snapshot_reads_every_counter() {
        let p = Progress::new();
        p.state_done();
        p.state_done();
        p.map_started(5);
        p.map_item_done();
        assert_eq!(
            p.snapshot(),
            ProgressSnapshot {
                states_done: 2,
                map_items_total: 5,
                map_items_done: 1
            }
        );
    }
}
