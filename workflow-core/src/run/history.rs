//! Execution history, recorded as the service's events.

use serde_json::{json, Map, Value};
use std::sync::{Arc, Mutex, MutexGuard};

macro_rules! event_types {
    ($($name:ident),* $(,)?) => {
        /// The type of a history event, named as the service names it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[allow(missing_docs)]
        pub enum EventType { $($name,)* }

        impl EventType {
            /// The service's name, e.g. `PassStateEntered`.
            pub fn as_str(self) -> &'static str {
                match self { $(EventType::$name => stringify!($name),)* }
            }
        }
    };
}

event_types! {
    ExecutionStarted, ExecutionSucceeded, ExecutionFailed, ExecutionAborted, ExecutionTimedOut,
    PassStateEntered, PassStateExited,
    TaskStateEntered, TaskStateExited, TaskStateAborted,
    ChoiceStateEntered, ChoiceStateExited,
    WaitStateEntered, WaitStateExited, WaitStateAborted,
    SucceedStateEntered, SucceedStateExited,
    FailStateEntered,
    ParallelStateEntered, ParallelStateStarted, ParallelStateSucceeded, ParallelStateFailed,
    ParallelStateAborted, ParallelStateExited,
    MapStateEntered, MapStateStarted, MapStateSucceeded, MapStateFailed, MapStateAborted,
    MapStateExited,
    MapIterationStarted, MapIterationSucceeded, MapIterationFailed, MapIterationAborted,
    TaskScheduled, TaskStarted, TaskSucceeded, TaskFailed, TaskTimedOut,
    LambdaFunctionScheduled, LambdaFunctionStarted, LambdaFunctionSucceeded,
    LambdaFunctionFailed, LambdaFunctionTimedOut,
}

impl std::fmt::Display for EventType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One event of an execution's history.
#[derive(Debug, Clone)]
pub struct HistoryEvent {
    /// 1, 2, 3, ... in the order the events happened.
    pub id: u64,
    /// The event this one follows in its own line of execution (0 for the first).
    pub previous_event_id: u64,
    /// When it happened, in milliseconds since the Unix epoch (from the execution's clock).
    pub timestamp_millis: i64,
    /// The service's event type.
    pub event_type: EventType,
    /// What the event is about.
    pub details: EventDetails,
}

/// The details of an event; which fields are set depends on the type.
#[derive(Debug, Clone, Default)]
pub struct EventDetails {
    /// The state's name (state events).
    pub name: Option<Arc<str>>,
    /// The input (entered, scheduled, started events).
    pub input: Option<Arc<Value>>,
    /// The output (exited, succeeded events).
    pub output: Option<Arc<Value>>,
    /// The error name (failed events).
    pub error: Option<Arc<str>>,
    /// The cause (failed events).
    pub cause: Option<Arc<str>>,
    /// The task resource (task and Lambda events).
    pub resource: Option<Arc<str>>,
    /// The iteration index (Map iteration events) or the Map's length (MapStateStarted).
    pub index: Option<u64>,
}

impl HistoryEvent {
    /// The event as the service's `GetExecutionHistory` writes it (details under the type's
    /// `...EventDetails` key).
    pub fn to_json(&self) -> Value {
        let mut obj = Map::new();
        obj.insert("id".into(), json!(self.id));
        obj.insert("previousEventId".into(), json!(self.previous_event_id));
        obj.insert(
            "timestamp".into(),
            json!(self.timestamp_millis as f64 / 1000.0),
        );
        obj.insert("type".into(), json!(self.event_type.as_str()));
        let d = &self.details;
        let mut details = Map::new();
        if let Some(n) = &d.name {
            details.insert("name".into(), json!(&**n));
        }
        if let Some(r) = &d.resource {
            details.insert("resource".into(), json!(&**r));
        }
        if let Some(i) = &d.input {
            details.insert("input".into(), json!(i.to_string()));
        }
        if let Some(o) = &d.output {
            details.insert("output".into(), json!(o.to_string()));
        }
        if let Some(e) = &d.error {
            details.insert("error".into(), json!(&**e));
        }
        if let Some(c) = &d.cause {
            details.insert("cause".into(), json!(&**c));
        }
        if let Some(i) = d.index {
            let key = if self.event_type == EventType::MapStateStarted {
                "length"
            } else {
                "index"
            };
            details.insert(key.into(), json!(i));
        }
        if !details.is_empty() {
            obj.insert(details_key(self.event_type), Value::Object(details));
        }
        Value::Object(obj)
    }
}

fn details_key(t: EventType) -> String {
    let name = t.as_str();
    let base = if name.ends_with("Entered") {
        "stateEntered"
    } else if name.ends_with("StateExited") {
        "stateExited"
    } else if name.starts_with("MapIteration") {
        "mapIteration"
    } else {
        return lower_first(name) + "EventDetails";
    };
    format!("{base}EventDetails")
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_ascii_lowercase().to_string() + c.as_str())
        .unwrap_or_default()
}

/// The events of one execution, in order.
///
/// They are kept in blocks of up to [`ExecutionHistory::BLOCK`] events, so that a long history
/// grows without moving what it already holds: a `Vec` would double its room (up to twice the
/// memory the events need) and copy every event each time it did.
#[derive(Debug, Clone, Default)]
pub struct ExecutionHistory {
    blocks: Vec<Vec<HistoryEvent>>,
    len: usize,
}

impl ExecutionHistory {
    /// The most events one block holds (half a megabyte of events).
    pub const BLOCK: usize = 4096;

    /// An empty history whose first block has room for `expected` events (at most a block).
    fn with_room(expected: usize) -> Self {
        let blocks = match expected.min(Self::BLOCK) {
            0 => Vec::new(),
            room => vec![Vec::with_capacity(room)],
        };
        ExecutionHistory { blocks, len: 0 }
    }

    #[inline]
    fn push(&mut self, event: HistoryEvent) {
        match self.blocks.last_mut() {
            Some(block) if block.len() < block.capacity() => block.push(event),
            _ => self.push_growing(event),
        }
        self.len += 1;
    }

    /// Makes room, then pushes: the first block doubles up to a block (most histories are
    /// short, so it starts small), and a full block is followed by a new one.
    #[cold]
    fn push_growing(&mut self, event: HistoryEvent) {
        match self.blocks.last_mut() {
            Some(block) if block.len() < Self::BLOCK => {
                block.reserve_exact(block.len().clamp(16, Self::BLOCK - block.len()));
                block.push(event);
            }
            _ => {
                let room = if self.blocks.is_empty() {
                    16
                } else {
                    Self::BLOCK
                };
                let mut block = Vec::with_capacity(room);
                block.push(event);
                self.blocks.push(block);
            }
        }
    }

    /// How many events there are.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are none (the history was not recorded, or the execution never started).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The events in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &HistoryEvent> + '_ {
        self.blocks.iter().flatten()
    }

    /// The event at `index` (0 for the first, whose id is 1).
    pub fn get(&self, index: usize) -> Option<&HistoryEvent> {
        self.blocks
            .get(index / Self::BLOCK)
            .and_then(|block| block.get(index % Self::BLOCK))
    }

    /// The first event (`ExecutionStarted`).
    pub fn first(&self) -> Option<&HistoryEvent> {
        self.get(0)
    }

    /// The last event (the one that closed the execution, once it has ended).
    pub fn last(&self) -> Option<&HistoryEvent> {
        self.blocks.last().and_then(|block| block.last())
    }
}

impl std::ops::Index<usize> for ExecutionHistory {
    type Output = HistoryEvent;

    /// The event at `index`; panics past the end, as a slice does.
    fn index(&self, index: usize) -> &HistoryEvent {
        match self.get(index) {
            Some(event) => event,
            None => panic!("history index {index} out of range for {} events", self.len),
        }
    }
}

impl<'a> IntoIterator for &'a ExecutionHistory {
    type Item = &'a HistoryEvent;
    type IntoIter = std::iter::Flatten<std::slice::Iter<'a, Vec<HistoryEvent>>>;

    fn into_iter(self) -> Self::IntoIter {
        self.blocks.iter().flatten()
    }
}

/// The history of one execution, shared by its branches and iterations; bounded in length.
#[derive(Debug, Clone)]
pub(crate) struct History {
    inner: Arc<Mutex<Log>>,
}

#[derive(Debug)]
struct Log {
    events: ExecutionHistory,
    recorded: bool,
    count: u64,
    limit: Option<u64>,
}

impl Log {
    fn append(
        &mut self,
        previous: u64,
        now_millis: i64,
        event_type: EventType,
        details: EventDetails,
    ) -> u64 {
        self.count += 1;
        let id = self.count;
        if self.recorded {
            self.events.push(HistoryEvent {
                id,
                previous_event_id: previous,
                timestamp_millis: now_millis,
                event_type,
                details,
            });
        }
        id
    }
}

/// The history reached its limit of events.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HistoryFull;

impl History {
    /// A history with room for `expected` events up front (a hint: it grows past it).
    pub(crate) fn new(recorded: bool, limit: Option<u64>, expected: usize) -> Self {
        let room = if recorded { expected } else { 0 };
        History {
            inner: Arc::new(Mutex::new(Log {
                events: ExecutionHistory::with_room(room),
                recorded,
                count: 0,
                limit,
            })),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Log> {
        // A poisoned lock only means another thread panicked while pushing; the log is intact.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Appends an event and returns its id, or refuses once the limit is reached.
    pub(crate) fn push(
        &self,
        previous: u64,
        now_millis: i64,
        event_type: EventType,
        details: EventDetails,
    ) -> Result<u64, HistoryFull> {
        let mut log = self.lock();
        if log.limit.is_some_and(|l| log.count >= l) {
            return Err(HistoryFull);
        }
        Ok(log.append(previous, now_millis, event_type, details))
    }

    /// Appends an event even past the limit (the execution's closing event).
    pub(crate) fn push_final(
        &self,
        previous: u64,
        now_millis: i64,
        event_type: EventType,
        details: EventDetails,
    ) -> u64 {
        self.lock()
            .append(previous, now_millis, event_type, details)
    }

    pub(crate) fn take(&self) -> ExecutionHistory {
        std::mem::take(&mut self.lock().events)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: u64) -> HistoryEvent {
        HistoryEvent {
            id,
            previous_event_id: id.saturating_sub(1),
            timestamp_millis: 0,
            event_type: EventType::PassStateEntered,
            details: EventDetails::default(),
        }
    }

    fn filled(expected: usize, count: u64) -> ExecutionHistory {
        let mut history = ExecutionHistory::with_room(expected);
        for id in 1..=count {
            history.push(event(id));
        }
        history
    }

    #[test]
    fn a_long_history_keeps_its_events_in_order_in_blocks_no_larger_than_a_block() {
        let count = 3 * ExecutionHistory::BLOCK as u64 + 5;
        for expected in [0, 7, 2002, 1 << 20] {
            let history = filled(expected, count);
            assert_eq!(history.len() as u64, count);
            let ids: Vec<u64> = history.iter().map(|e| e.id).collect();
            assert_eq!(ids, (1..=count).collect::<Vec<_>>());
            assert_eq!(
                (&history).into_iter().next_back().map(|e| e.id),
                Some(count)
            );
            for index in [0, 4095, 4096, 8191, 12292] {
                assert_eq!(history.get(index).map(|e| e.id), Some(index as u64 + 1));
                assert_eq!(history[index].id, index as u64 + 1);
            }
            assert!(history.get(count as usize).is_none());
            assert_eq!(history.first().map(|e| e.id), Some(1));
            assert_eq!(history.last().map(|e| e.id), Some(count));
            assert!(history
                .blocks
                .iter()
                .all(|b| b.capacity() <= ExecutionHistory::BLOCK));
            assert_eq!(history.blocks.len(), 4);
        }
    }

    #[test]
    fn an_unrecorded_or_new_history_is_empty() {
        let history = ExecutionHistory::with_room(100);
        assert!(history.is_empty());
        assert!(history.last().is_none() && history.first().is_none());
        assert_eq!(history.iter().count(), 0);
        let unrecorded = History::new(false, None, 100);
        assert!(unrecorded
            .push(0, 0, EventType::PassStateEntered, EventDetails::default())
            .is_ok());
        assert!(unrecorded.take().is_empty());
    }
}
