//! Execution history, recorded as the service's events.

use super::prefetch;
use crate::value::Val;
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, MutexGuard};

macro_rules! event_types {
    ($($name:ident),* $(,)?) => {
        /// The type of a history event, named as the service names it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[allow(missing_docs)]
        pub enum EventType { $($name,)* }

        impl EventType {
            /// Every type, in order: `ALL[t as usize] == t`.
            const ALL: &'static [EventType] = &[$(EventType::$name,)*];

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
    pub input: Option<Val>,
    /// The output (exited, succeeded events).
    pub output: Option<Val>,
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
    pub fn to_json(&self) -> serde_json::Value {
        let mut obj = serde_json::Map::new();
        obj.insert("id".into(), serde_json::json!(self.id));
        obj.insert(
            "previousEventId".into(),
            serde_json::json!(self.previous_event_id),
        );
        obj.insert(
            "timestamp".into(),
            serde_json::json!(self.timestamp_millis as f64 / 1000.0),
        );
        obj.insert("type".into(), serde_json::json!(self.event_type.as_str()));
        let d = &self.details;
        let mut details = serde_json::Map::new();
        if let Some(n) = &d.name {
            details.insert("name".into(), serde_json::json!(&**n));
        }
        if let Some(r) = &d.resource {
            details.insert("resource".into(), serde_json::json!(&**r));
        }
        if let Some(i) = &d.input {
            details.insert("input".into(), serde_json::json!(i.to_string()));
        }
        if let Some(o) = &d.output {
            details.insert("output".into(), serde_json::json!(o.to_string()));
        }
        if let Some(e) = &d.error {
            details.insert("error".into(), serde_json::json!(&**e));
        }
        if let Some(c) = &d.cause {
            details.insert("cause".into(), serde_json::json!(&**c));
        }
        if let Some(i) = d.index {
            let key = if self.event_type == EventType::MapStateStarted {
                "length"
            } else {
                "index"
            };
            details.insert(key.into(), serde_json::json!(i));
        }
        if !details.is_empty() {
            obj.insert(
                details_key(self.event_type),
                serde_json::Value::Object(details),
            );
        }
        serde_json::Value::Object(obj)
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
/// memory the events need) and copy every event each time it did. Each event is kept in 64
/// bytes rather than a [`HistoryEvent`]'s 128 (state names and resources as places in the
/// program's labels), and read back as one.
#[derive(Debug, Clone, Default)]
pub struct ExecutionHistory {
    blocks: Vec<Vec<Record>>,
    len: usize,
    /// The program's state names and task resources, which records point into.
    labels: Arc<[Arc<str>]>,
}

/// A state name or task resource as a record keeps it: its place in the program's
/// [`Labels`] (plus one, so that `None` takes no room), instead of a shared string whose
/// reference count every event would change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Label(NonZeroU32);

/// A program's state names and task resources, each kept once, for [`Label`]s to point into.
#[derive(Debug, Default)]
pub(crate) struct Labels {
    table: Vec<Arc<str>>,
    places: HashMap<Arc<str>, Label>,
}

impl Labels {
    /// The text, shared, and its label (the same for the same text).
    pub(crate) fn label(&mut self, text: &str) -> (Arc<str>, Label) {
        if let Some((shared, label)) = self.places.get_key_value(text) {
            return (Arc::clone(shared), *label);
        }
        let shared: Arc<str> = Arc::from(text);
        let place = u32::try_from(self.table.len() + 1)
            .ok()
            .and_then(NonZeroU32::new)
            .expect("fewer than 2^32 state names in a definition");
        let label = Label(place);
        self.table.push(Arc::clone(&shared));
        self.places.insert(Arc::clone(&shared), label);
        (shared, label)
    }

    /// The table that records made with these labels are read back with.
    pub(crate) fn finish(self) -> Arc<[Arc<str>]> {
        self.table.into()
    }
}

/// The text of a label in `labels`.
fn label_text(labels: &[Arc<str>], label: Label) -> Option<Arc<str>> {
    labels.get(label.0.get() as usize - 1).cloned()
}

impl Label {
    /// A name's and a resource's labels in one word (0 for none).
    #[inline(always)]
    fn pair(name: Option<Label>, resource: Option<Label>) -> u64 {
        let place = |l: Option<Label>| u64::from(l.map_or(0, |l| l.0.get()));
        place(name) | (place(resource) << 32)
    }

    /// The name's and the resource's labels of a [`Label::pair`].
    fn unpair(pair: u64) -> (Option<Label>, Option<Label>) {
        let label = |place: u64| NonZeroU32::new(place as u32).map(Label);
        (label(pair & u64::from(u32::MAX)), label(pair >> 32))
    }
}

/// How an event is kept, in 64 bytes: its id is its place, and an event has one of an input,
/// an output and an index (kept as a number in the payload's place; the others, should they
/// come, go with the error and cause in a box of rarely set details).
///
/// The labels and the type with the payload's kind are a word each, made in a register and
/// written with one store: a record is put together on the stack and copied into its block,
/// and a word copied from narrower stores (a 4-byte label, a 1-byte type) cannot be forwarded
/// from them, so the copy waited until they reached the cache (`perf annotate`: the hottest
/// instructions of a Map iteration on Intel, docs/performance.md).
#[derive(Debug, Clone)]
struct Record {
    previous_event_id: u64,
    timestamp_millis: i64,
    payload: Option<Val>,
    rare: Option<Box<Rare>>,
    /// The state name's label, and the task resource's above it ([`Label::pair`]).
    labels: u64,
    /// The event type, and the payload's kind above it ([`Record::tag`]).
    tag: u64,
}

/// What a [`Record`]'s payload is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Payload {
    Input,
    Output,
    /// A Map iteration's index, or a Map's length.
    Index,
    /// The input, which is the payload of the record before (kept there only).
    InputAsBefore,
    /// The output, which is the payload of the record before (kept there only).
    OutputAsBefore,
}

impl Payload {
    /// The same kind, kept by the record before.
    #[inline(always)]
    fn as_before(self) -> Payload {
        match self {
            Payload::Input | Payload::InputAsBefore => Payload::InputAsBefore,
            Payload::Output | Payload::OutputAsBefore => Payload::OutputAsBefore,
            Payload::Index => Payload::Index,
        }
    }

    const ALL: [Payload; 5] = [
        Payload::Input,
        Payload::Output,
        Payload::Index,
        Payload::InputAsBefore,
        Payload::OutputAsBefore,
    ];
}

/// The details of the most frequent events, recorded without an [`EventDetails`] (see
/// [`Recorder::push_brief`]). A payload that the event before holds is kept once: a task's
/// input scheduled right after its state was entered with it, a state entered with what the
/// state before exited with, a state's output right after its task succeeded with it. A copy
/// of a shared value is an atomic reference count, which waits for every store before it (on
/// Intel the largest cost of a Map item and of a Pass state, docs/performance.md). A
/// scheduled input is compared with the payload before it; the others are told by their
/// callers ([`Brief::EnteredAsBefore`], [`Brief::ExitedAsBefore`]), as a comparison on every
/// state's exit cost pass-chain-1000 3%. Either way, the event before must be the last one
/// kept, or the payload is copied.
#[derive(Clone, Copy)]
pub(crate) enum Brief<'a> {
    /// A state entered: its name and input.
    Entered(Label, &'a Val),
    /// A state entered with the payload of the event before (the state before exited with
    /// it): its name and input.
    EnteredAsBefore(Label, &'a Val),
    /// A state exited: its name and output.
    Exited(Label, &'a Val),
    /// A state exited with the payload of the event before (its task succeeded with it): its
    /// name and output.
    ExitedAsBefore(Label, &'a Val),
    /// A Map iteration started or ended: the Map state's name and the iteration's index.
    Iteration(Label, u64),
    /// A task scheduled: its resource and input.
    Scheduled(Label, &'a Val),
    /// A task succeeded: its resource and output.
    Succeeded(Label, &'a Val),
    /// No details (a task started).
    Bare,
}

/// The details few events have (a name or resource given as text rather than a [`Label`]
/// included).
#[derive(Debug, Clone)]
struct Rare {
    error: Option<Arc<str>>,
    cause: Option<Arc<str>>,
    output: Option<Val>,
    index: Option<u64>,
    name: Option<Arc<str>>,
    resource: Option<Arc<str>>,
}

impl Record {
    fn new(previous: u64, now_millis: i64, event_type: EventType, details: EventDetails) -> Self {
        let EventDetails {
            name,
            input,
            output,
            error,
            cause,
            resource,
            index,
        } = details;
        let (payload, kind, output, index) = match (input, output, index) {
            (Some(input), output, index) => (Some(input), Payload::Input, output, index),
            (None, Some(output), index) => (Some(output), Payload::Output, None, index),
            (None, None, Some(index)) => (Some(Val::from(index)), Payload::Index, None, None),
            (None, None, None) => (None, Payload::Input, None, None),
        };
        let texts = [&error, &cause, &name, &resource];
        let rare = if texts.iter().all(|t| t.is_none()) && output.is_none() && index.is_none() {
            None
        } else {
            Some(Box::new(Rare {
                error,
                cause,
                output,
                index,
                name,
                resource,
            }))
        };
        Record {
            previous_event_id: previous,
            timestamp_millis: now_millis,
            payload,
            rare,
            labels: Label::pair(None, None),
            tag: Record::tag(event_type, kind),
        }
    }

    /// An event type and a payload kind in one word.
    #[inline(always)]
    fn tag(event_type: EventType, kind: Payload) -> u64 {
        event_type as u64 | ((kind as u64) << 8)
    }

    /// The event's type, from its tag.
    fn event_type(&self) -> EventType {
        EventType::ALL[(self.tag & 0xff) as usize]
    }

    /// What the payload is, from the tag.
    fn kind(&self) -> Payload {
        Payload::ALL[((self.tag >> 8) & 0xff) as usize]
    }

    /// One of the frequent events, from its brief details; its payload is the record
    /// before's when `as_before` (for the briefs that can be).
    // Inlined, so that each call site keeps only its own variant's stores.
    #[inline(always)]
    fn brief(
        previous: u64,
        now_millis: i64,
        event_type: EventType,
        brief: Brief<'_>,
        as_before: bool,
    ) -> Self {
        // A shared payload's copy, or none when the record before keeps it.
        let shared = |kind: Payload, v: &Val| match as_before {
            true => (kind.as_before(), None),
            false => (kind, Some(v.clone())),
        };
        let ((name, resource), (kind, payload)) = match brief {
            Brief::Entered(name, v) | Brief::EnteredAsBefore(name, v) => {
                ((Some(name), None), shared(Payload::Input, v))
            }
            Brief::Exited(name, v) | Brief::ExitedAsBefore(name, v) => {
                ((Some(name), None), shared(Payload::Output, v))
            }
            Brief::Scheduled(resource, v) => ((None, Some(resource)), shared(Payload::Input, v)),
            Brief::Succeeded(resource, v) => ((None, Some(resource)), shared(Payload::Output, v)),
            Brief::Iteration(name, index) => {
                ((Some(name), None), (Payload::Index, Some(Val::from(index))))
            }
            Brief::Bare => ((None, None), (Payload::Input, None)),
        };
        Record {
            previous_event_id: previous,
            timestamp_millis: now_millis,
            payload,
            rare: None,
            labels: Label::pair(name, resource),
            tag: Record::tag(event_type, kind),
        }
    }

    /// The event at `position`, whose payload is `payload` (its own, or the record before's).
    fn event(&self, position: usize, payload: Option<&Val>, labels: &[Arc<str>]) -> HistoryEvent {
        let (mut input, mut output, mut index) = (None, None, None);
        match self.kind() {
            Payload::Input | Payload::InputAsBefore => input = payload.cloned(),
            Payload::Output | Payload::OutputAsBefore => output = payload.cloned(),
            Payload::Index => index = payload.and_then(Val::as_u64),
        }
        let (name, resource) = Label::unpair(self.labels);
        let mut name = name.and_then(|l| label_text(labels, l));
        let mut resource = resource.and_then(|l| label_text(labels, l));
        let (error, cause) = match &self.rare {
            Some(rare) => {
                output = output.or_else(|| rare.output.clone());
                index = index.or(rare.index);
                name = name.or_else(|| rare.name.clone());
                resource = resource.or_else(|| rare.resource.clone());
                (rare.error.clone(), rare.cause.clone())
            }
            None => (None, None),
        };
        HistoryEvent {
            id: position as u64 + 1,
            previous_event_id: self.previous_event_id,
            timestamp_millis: self.timestamp_millis,
            event_type: self.event_type(),
            details: EventDetails {
                name,
                input,
                output,
                error,
                cause,
                resource,
                index,
            },
        }
    }
}

impl ExecutionHistory {
    /// The most events one block holds.
    pub const BLOCK: usize = 4096;

    /// An empty history whose first block has room for `expected` events (at most a block).
    fn with_room(expected: usize, labels: Arc<[Arc<str>]>) -> Self {
        let blocks = match expected.min(Self::BLOCK) {
            0 => Vec::new(),
            room => vec![Vec::with_capacity(room)],
        };
        ExecutionHistory {
            blocks,
            len: 0,
            labels,
        }
    }

    #[inline(always)]
    fn push(&mut self, record: Record) {
        match self.blocks.last_mut() {
            Some(block) if block.len() < block.capacity() => {
                // About one Map item's records ahead (16 measured the same).
                prefetch::ahead(block.as_ptr().wrapping_add(block.len() + 8));
                block.push(record)
            }
            _ => self.push_growing(record),
        }
        self.len += 1;
    }

    /// Makes room, then pushes: the first block doubles up to a block (most histories are
    /// short, so it starts small), and a full block is followed by a new one.
    #[cold]
    fn push_growing(&mut self, record: Record) {
        match self.blocks.last_mut() {
            Some(block) if block.len() < Self::BLOCK => {
                block.reserve_exact(block.len().clamp(16, Self::BLOCK - block.len()));
                block.push(record);
            }
            _ => {
                let room = if self.blocks.is_empty() {
                    16
                } else {
                    Self::BLOCK
                };
                let mut block = Vec::with_capacity(room);
                block.push(record);
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
    pub fn iter(&self) -> Events<'_> {
        Events {
            history: self,
            places: 0..self.len,
        }
    }

    /// The event at `index` (0 for the first, whose id is 1).
    pub fn get(&self, index: usize) -> Option<HistoryEvent> {
        let record = self.record(index)?;
        Some(record.event(index, self.payload(index), &self.labels))
    }

    /// The payload of the event at `index`: its record's, or that of the first record before
    /// it that keeps its own (a state entered with what the state before exited with, which
    /// its task succeeded with, is kept by the task's success).
    fn payload(&self, index: usize) -> Option<&Val> {
        let mut at = index;
        loop {
            let record = self.record(at)?;
            match record.kind() {
                Payload::InputAsBefore | Payload::OutputAsBefore => at = at.checked_sub(1)?,
                _ => return record.payload.as_ref(),
            }
        }
    }

    fn record(&self, index: usize) -> Option<&Record> {
        self.blocks
            .get(index / Self::BLOCK)
            .and_then(|block| block.get(index % Self::BLOCK))
    }

    /// Whether the event `previous` is the last one kept, and its payload is `v` itself (the
    /// same shared value).
    #[inline(always)]
    fn last_holds(&self, previous: u64, v: &Val) -> bool {
        previous == self.len as u64
            && self
                .blocks
                .last()
                .and_then(|block| block.last())
                .and_then(|record| record.payload.as_ref())
                .is_some_and(|payload| payload.shares(v))
    }

    /// The first event (`ExecutionStarted`).
    pub fn first(&self) -> Option<HistoryEvent> {
        self.get(0)
    }

    /// The last event (the one that closed the execution, once it has ended).
    pub fn last(&self) -> Option<HistoryEvent> {
        self.len.checked_sub(1).and_then(|i| self.get(i))
    }
}

/// The events of an [`ExecutionHistory`], in order, each read back as a [`HistoryEvent`]
/// (whose payloads are shared with the history, not copied).
#[derive(Debug, Clone)]
pub struct Events<'a> {
    history: &'a ExecutionHistory,
    places: std::ops::Range<usize>,
}

impl Iterator for Events<'_> {
    type Item = HistoryEvent;

    fn next(&mut self) -> Option<HistoryEvent> {
        self.places.next().and_then(|i| self.history.get(i))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.places.size_hint()
    }
}

impl DoubleEndedIterator for Events<'_> {
    fn next_back(&mut self) -> Option<HistoryEvent> {
        self.places.next_back().and_then(|i| self.history.get(i))
    }
}

impl ExactSizeIterator for Events<'_> {}

impl<'a> IntoIterator for &'a ExecutionHistory {
    type Item = HistoryEvent;
    type IntoIter = Events<'a>;

    fn into_iter(self) -> Events<'a> {
        self.iter()
    }
}

/// The history of one execution, shared by its branches and iterations; bounded in length.
#[derive(Debug, Clone)]
pub(crate) struct History {
    inner: Arc<Mutex<Log>>,
    recorded: bool,
}

/// The events recorded so far, and how many (also when they are not kept).
#[derive(Debug)]
pub(crate) struct Log {
    events: ExecutionHistory,
    count: u64,
    limit: Option<u64>,
}

impl Log {
    /// Appends a record (`None` when the history is not recorded: only counted) and
    /// returns its id, or refuses once the limit is reached.
    fn push(&mut self, record: Option<Record>) -> Result<u64, HistoryFull> {
        if self.full() {
            return Err(HistoryFull);
        }
        Ok(self.append(record))
    }

    fn full(&self) -> bool {
        self.limit.is_some_and(|l| self.count >= l)
    }

    fn append(&mut self, record: Option<Record>) -> u64 {
        self.count += 1;
        if let Some(record) = record {
            self.events.push(record);
        }
        self.count
    }

    /// [`Log::push`] of one of the frequent events: the record is made from its brief
    /// details in its place in the history (a record moved through the calls would be copied
    /// at each).
    #[inline(always)]
    fn push_brief(
        &mut self,
        recorded: bool,
        previous: u64,
        now_millis: i64,
        event_type: EventType,
        brief: Brief<'_>,
    ) -> Result<u64, HistoryFull> {
        if self.full() {
            return Err(HistoryFull);
        }
        self.count += 1;
        if recorded {
            let as_before = match brief {
                Brief::Scheduled(_, v) => self.events.last_holds(previous, v),
                Brief::EnteredAsBefore(..) | Brief::ExitedAsBefore(..) => {
                    previous == self.events.len as u64
                }
                _ => false,
            };
            let record = Record::brief(previous, now_millis, event_type, brief, as_before);
            self.events.push(record);
        }
        Ok(self.count)
    }
}

/// Where the interpreter records events: the history locked for each event (`&History`), or
/// [`Held`] for a run of them.
pub(crate) trait Recorder {
    /// The history the events go to.
    fn history(&self) -> &History;

    /// The history's log, locked while the guard lives.
    type Guard<'g>: std::ops::DerefMut<Target = Log>
    where
        Self: 'g;

    /// Locks the history's log (a [`Held`] history: holds it from its first event).
    fn log(&mut self) -> Self::Guard<'_>;

    /// Appends one of the frequent events and returns its id, or refuses once the limit is
    /// reached.
    #[inline(always)]
    fn push_brief(
        &mut self,
        previous: u64,
        now_millis: i64,
        event_type: EventType,
        brief: Brief<'_>,
    ) -> Result<u64, HistoryFull> {
        let recorded = self.history().recorded;
        self.log()
            .push_brief(recorded, previous, now_millis, event_type, brief)
    }

    /// Appends an event with any details and returns its id, or refuses once the limit is
    /// reached. The record is made before the lock is taken.
    fn push(
        &mut self,
        previous: u64,
        now_millis: i64,
        event_type: EventType,
        details: EventDetails,
    ) -> Result<u64, HistoryFull> {
        let record = self
            .history()
            .record(previous, now_millis, event_type, details);
        self.log().push(record)
    }
}

impl Recorder for &History {
    fn history(&self) -> &History {
        self
    }

    type Guard<'g>
        = MutexGuard<'g, Log>
    where
        Self: 'g;

    #[inline(always)]
    fn log(&mut self) -> MutexGuard<'_, Log> {
        self.lock()
    }
}

/// The history locked once for a run of events that nothing can interleave with (instant
/// states: no await between them), instead of once per event: an uncontended lock and unlock
/// is two atomic read-modify-writes, the largest part of recording an event. An execution is
/// one tokio task, so its history is never contended: nothing else of the execution runs
/// while a synchronous handler does, and holding the lock through the handler keeps nobody
/// waiting. It is locked at its first event and let go when dropped, and must not live across
/// an await (it is not `Send`, so the compiler sees to that).
pub(crate) struct Held<'h> {
    history: &'h History,
    log: Option<MutexGuard<'h, Log>>,
}

impl Recorder for Held<'_> {
    fn history(&self) -> &History {
        self.history
    }

    type Guard<'g>
        = &'g mut Log
    where
        Self: 'g;

    #[inline(always)]
    fn log(&mut self) -> &mut Log {
        let history = self.history;
        self.log.get_or_insert_with(|| history.lock())
    }
}

/// The history reached its limit of events.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HistoryFull;

impl History {
    /// A history with room for `expected` events up front (a hint: it grows past it), whose
    /// records point into `labels`.
    pub(crate) fn new(
        recorded: bool,
        limit: Option<u64>,
        expected: usize,
        labels: Arc<[Arc<str>]>,
    ) -> Self {
        let room = if recorded { expected } else { 0 };
        History {
            inner: Arc::new(Mutex::new(Log {
                events: ExecutionHistory::with_room(room, labels),
                count: 0,
                limit,
            })),
            recorded,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Log> {
        // A poisoned lock only means another thread panicked while pushing; the log is intact.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The event as kept, made before the lock is taken; none when the history is not recorded.
    fn record(
        &self,
        previous: u64,
        now_millis: i64,
        event_type: EventType,
        details: EventDetails,
    ) -> Option<Record> {
        self.recorded
            .then(|| Record::new(previous, now_millis, event_type, details))
    }

    /// The history held for a run of events, taken at its first ([`Held`]).
    pub(crate) fn held(&self) -> Held<'_> {
        Held {
            history: self,
            log: None,
        }
    }

    /// Appends an event even past the limit (the execution's closing event).
    pub(crate) fn push_final(
        &self,
        previous: u64,
        now_millis: i64,
        event_type: EventType,
        details: EventDetails,
    ) -> u64 {
        let record = self.record(previous, now_millis, event_type, details);
        self.lock().append(record)
    }

    pub(crate) fn take(&self) -> ExecutionHistory {
        std::mem::take(&mut self.lock().events)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::val;

    fn filled(expected: usize, count: u64) -> ExecutionHistory {
        let mut history = ExecutionHistory::with_room(expected, Arc::from([]));
        for id in 1..=count {
            let details = EventDetails {
                index: Some(id * 10),
                ..EventDetails::default()
            };
            history.push(Record::new(id - 1, 0, EventType::PassStateEntered, details));
        }
        history
    }

    #[test]
    fn brief_events_read_back_as_the_same_events_with_details() {
        let mut labels = Labels::default();
        let (name, name_label) = labels.label("Step");
        let (resource, resource_label) = labels.label("arn:aws:lambda:us-east-1:1:function:f");
        assert_eq!(
            labels.label("Step").1,
            name_label,
            "the same text, the same label"
        );
        let labels = labels.finish();
        let value = val!({"a": [1, 2]});
        use EventType::*;
        let cases: Vec<(EventType, Brief<'_>, EventDetails)> = vec![
            (
                PassStateEntered,
                Brief::Entered(name_label, &value),
                EventDetails {
                    name: Some(Arc::clone(&name)),
                    input: Some(value.clone()),
                    ..EventDetails::default()
                },
            ),
            (
                PassStateExited,
                Brief::Exited(name_label, &value),
                EventDetails {
                    name: Some(Arc::clone(&name)),
                    output: Some(value.clone()),
                    ..EventDetails::default()
                },
            ),
            (
                MapIterationStarted,
                Brief::Iteration(name_label, 7),
                EventDetails {
                    name: Some(Arc::clone(&name)),
                    index: Some(7),
                    ..EventDetails::default()
                },
            ),
            (
                LambdaFunctionScheduled,
                Brief::Scheduled(resource_label, &value),
                EventDetails {
                    resource: Some(Arc::clone(&resource)),
                    input: Some(value.clone()),
                    ..EventDetails::default()
                },
            ),
            (LambdaFunctionStarted, Brief::Bare, EventDetails::default()),
            (
                LambdaFunctionSucceeded,
                Brief::Succeeded(resource_label, &value),
                EventDetails {
                    resource: Some(Arc::clone(&resource)),
                    output: Some(value.clone()),
                    ..EventDetails::default()
                },
            ),
        ];
        let brief = History::new(true, None, 0, Arc::clone(&labels));
        let held_brief = History::new(true, None, 0, Arc::clone(&labels));
        let detailed = History::new(true, None, 0, Arc::clone(&labels));
        let mut held = held_brief.held();
        for (at, (t, b, d)) in cases.into_iter().enumerate() {
            let at = at as u64;
            (&brief).push_brief(at, 5, t, b).unwrap();
            held.push_brief(at, 5, t, b).unwrap();
            (&detailed).push(at, 5, t, d).unwrap();
        }
        drop(held);
        let json = |h: &History| h.take().iter().map(|e| e.to_json()).collect::<Vec<_>>();
        let detailed = json(&detailed);
        assert_eq!(json(&brief), detailed);
        assert_eq!(json(&held_brief), detailed);
        // Not recorded: counted (for the limit) but not kept.
        let unrecorded = History::new(false, Some(1), 0, Arc::from([]));
        let mut held = unrecorded.held();
        assert_eq!(
            held.push_brief(0, 5, LambdaFunctionStarted, Brief::Bare)
                .ok(),
            Some(1)
        );
        assert!(held
            .push_brief(1, 6, LambdaFunctionStarted, Brief::Bare)
            .is_err());
        drop(held);
        assert!((&unrecorded)
            .push_brief(1, 6, LambdaFunctionStarted, Brief::Bare)
            .is_err());
        assert!(unrecorded.take().is_empty());
    }

    #[test]
    fn a_payload_the_event_before_holds_is_kept_once_and_read_back_by_both_events() {
        use EventType::*;
        let mut labels = Labels::default();
        let (_, name) = labels.label("Work");
        let (_, resource) = labels.label("arn:aws:lambda:us-east-1:1:function:f");
        let h = History::new(true, None, 0, labels.finish());
        let (input, output) = (val!({"word": "abc"}), val!({"length": 3}));
        let equal_copy = val!({"length": 3});
        let mut held = h.held();
        // Fill the first block but one, so that a pair spans two blocks.
        let filler = ExecutionHistory::BLOCK as u64 - 1;
        for id in 1..=filler {
            held.push_brief(id - 1, 0, PassStateEntered, Brief::Bare)
                .unwrap();
        }
        let mut push =
            |previous: u64, t: EventType, b: Brief<'_>| held.push_brief(previous, 1, t, b).unwrap();
        let entered = push(filler, TaskStateEntered, Brief::Entered(name, &input));
        let scheduled = push(
            entered,
            LambdaFunctionScheduled,
            Brief::Scheduled(resource, &input),
        );
        let started = push(scheduled, LambdaFunctionStarted, Brief::Bare);
        let succeeded = push(
            started,
            LambdaFunctionSucceeded,
            Brief::Succeeded(resource, &output),
        );
        let exited = push(
            succeeded,
            TaskStateExited,
            Brief::ExitedAsBefore(name, &output),
        );
        // Kept by the task's success, two events before.
        let next = push(
            exited,
            PassStateEntered,
            Brief::EnteredAsBefore(name, &output),
        );
        // Equal contents in another allocation, or an event that does not follow the one
        // before it: a payload of its own.
        let again = push(next, TaskStateEntered, Brief::Entered(name, &output));
        let other = push(
            again,
            LambdaFunctionScheduled,
            Brief::Scheduled(resource, &equal_copy),
        );
        let apart = push(
            entered,
            LambdaFunctionScheduled,
            Brief::Scheduled(resource, &output),
        );
        let entered_apart = push(
            entered,
            PassStateEntered,
            Brief::EnteredAsBefore(name, &input),
        );
        let exited_apart = push(
            entered,
            PassStateExited,
            Brief::ExitedAsBefore(name, &output),
        );
        drop(held);
        let history = h.take();
        let own = |id: u64| history.record(id as usize - 1).unwrap().payload.is_some();
        let ids = [
            entered,
            scheduled,
            succeeded,
            exited,
            next,
            again,
            other,
            apart,
            entered_apart,
            exited_apart,
        ];
        assert_eq!(
            ids.map(own),
            [true, false, true, false, false, true, true, true, true, true]
        );
        assert_ne!(
            (entered as usize - 1) / ExecutionHistory::BLOCK,
            (scheduled as usize - 1) / ExecutionHistory::BLOCK,
            "the pair spans two blocks"
        );
        let event = |id: u64| history.get(id as usize - 1).unwrap().details;
        let inputs = [
            (entered, &input),
            (scheduled, &input),
            (next, &output),
            (again, &output),
            (other, &equal_copy),
            (entered_apart, &input),
        ];
        for (id, input_read) in inputs {
            assert_eq!(event(id).input.as_ref(), Some(input_read), "event {id}");
            assert_eq!(event(id).output, None);
        }
        for (id, output_read) in [
            (succeeded, &output),
            (exited, &output),
            (exited_apart, &output),
        ] {
            assert_eq!(event(id).output.as_ref(), Some(output_read), "event {id}");
            assert_eq!(event(id).input, None);
        }
        assert_eq!(event(apart).input.as_ref(), Some(&output));
    }

    #[test]
    fn a_records_type_kind_and_labels_read_back_from_their_words() {
        for (i, &t) in EventType::ALL.iter().enumerate() {
            assert_eq!(t as usize, i);
            for (j, &kind) in Payload::ALL.iter().enumerate() {
                assert_eq!(kind as usize, j);
                let record = Record::new(0, 0, t, EventDetails::default());
                let record = Record {
                    tag: Record::tag(t, kind),
                    ..record
                };
                assert_eq!((record.event_type(), record.kind()), (t, kind));
            }
        }
        let label = |n: u32| NonZeroU32::new(n).map(Label);
        for (name, resource) in [
            (None, None),
            (label(1), None),
            (None, label(7)),
            (label(u32::MAX), label(3)),
        ] {
            assert_eq!(Label::unpair(Label::pair(name, resource)), (name, resource));
        }
    }

    #[test]
    fn a_held_history_is_locked_at_its_first_event_until_it_is_dropped() {
        use EventType::*;
        let h = History::new(true, None, 0, Arc::from([]));
        let mut held = h.held();
        assert!(
            h.inner.try_lock().is_ok(),
            "not locked before its first event"
        );
        for (id, t) in [
            (1, PassStateEntered),
            (2, TaskStarted),
            (3, PassStateExited),
        ] {
            assert_eq!(
                held.push_brief(id - 1, id as i64, t, Brief::Bare).ok(),
                Some(id)
            );
            assert!(h.inner.try_lock().is_err(), "held from its first event");
        }
        drop(held);
        assert!(h.inner.try_lock().is_ok(), "let go when dropped");
        assert_eq!(
            (&h).push_brief(3, 4, PassStateEntered, Brief::Bare).ok(),
            Some(4)
        );
        let ids: Vec<_> = h
            .take()
            .iter()
            .map(|e| (e.id, e.previous_event_id))
            .collect();
        assert_eq!(ids, [(1, 0), (2, 1), (3, 2), (4, 3)]);
    }

    #[test]
    fn a_long_history_keeps_its_events_in_order_in_blocks_no_larger_than_a_block() {
        let count = 3 * ExecutionHistory::BLOCK as u64 + 5;
        for expected in [0, 7, 2002, 1 << 20] {
            let history = filled(expected, count);
            assert_eq!(history.len() as u64, count);
            let ids: Vec<u64> = history.iter().map(|e| e.id).collect();
            assert_eq!(ids, (1..=count).collect::<Vec<_>>());
            assert_eq!(history.iter().len() as u64, count);
            assert_eq!(
                (&history).into_iter().next_back().map(|e| e.id),
                Some(count)
            );
            for index in [0, 4095, 4096, 8191, 12292] {
                let event = history.get(index).unwrap();
                assert_eq!(event.id, index as u64 + 1);
                assert_eq!(event.previous_event_id, index as u64);
                assert_eq!(event.details.index, Some(10 * (index as u64 + 1)));
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
    fn an_event_reads_back_as_it_was_recorded_whichever_details_it_has() {
        let text = |s: &str| Some(Arc::<str>::from(s));
        let payload = |v: Val| Some(v);
        let all = [
            EventDetails::default(),
            EventDetails {
                name: text("Work"),
                input: payload(val!({"a": 1})),
                resource: text("arn:aws:lambda:us-east-1:1:function:f"),
                ..EventDetails::default()
            },
            EventDetails {
                output: payload(val!([1, 2])),
                index: Some(0),
                ..EventDetails::default()
            },
            EventDetails {
                error: text("States.TaskFailed"),
                cause: text("boom"),
                index: Some(u64::MAX),
                ..EventDetails::default()
            },
            // No event the interpreter writes has both, but nothing is lost if one does.
            EventDetails {
                input: payload(val!("in")),
                output: payload(val!("out")),
                ..EventDetails::default()
            },
        ];
        let mut history = ExecutionHistory::default();
        for (i, details) in all.iter().enumerate() {
            let t = EventType::TaskFailed;
            history.push(Record::new(
                i as u64,
                1_700_000_000_000 + i as i64,
                t,
                details.clone(),
            ));
        }
        for (i, (event, details)) in history.iter().zip(&all).enumerate() {
            assert_eq!(event.id, i as u64 + 1);
            assert_eq!(event.timestamp_millis, 1_700_000_000_000 + i as i64);
            assert_eq!(event.event_type, EventType::TaskFailed);
            assert_eq!(format!("{:?}", event.details), format!("{details:?}"));
        }
        // A payload is a `Val` (24 bytes: a number's or a shared string's) and holds an index
        // as well; names and resources are 4-byte labels.
        assert_eq!(std::mem::size_of::<Record>(), 64);
    }

    #[test]
    fn an_unrecorded_or_new_history_is_empty() {
        let history = ExecutionHistory::with_room(100, Arc::from([]));
        assert!(history.is_empty());
        assert!(history.last().is_none() && history.first().is_none());
        assert_eq!(history.iter().count(), 0);
        let unrecorded = History::new(false, None, 100, Arc::from([]));
        let details = EventDetails::default();
        assert!((&unrecorded)
            .push(0, 0, EventType::PassStateEntered, details)
            .is_ok());
        assert!(unrecorded.take().is_empty());
    }
}
