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

/// The history of one execution, shared by its branches and iterations; bounded in length.
#[derive(Debug, Clone)]
pub(crate) struct History {
    inner: Arc<Mutex<Log>>,
}

#[derive(Debug)]
struct Log {
    events: Vec<HistoryEvent>,
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
                events: Vec::with_capacity(room),
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

    pub(crate) fn take(&self) -> Vec<HistoryEvent> {
        std::mem::take(&mut self.lock().events)
    }
}
