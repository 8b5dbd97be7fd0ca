//! Running a compiled program: the state loop of one scope, data flow, tasks, Retry/Catch,
//! Map and Parallel.

use super::clock::{format_millis, Clock};
use super::history::{Brief, EventDetails, EventType, Held, History, HistoryFull, Label, Recorder};
use super::inputs::{Input, Inputs};
use super::items::{batch, read_items, ItemSource};
use super::jsonata_template::type_name;
use super::metrics::{Batch, Counted, Entry, InFlight, Metrics};
use super::mock::MockSession;
use super::monotonic::Mono;
use super::program::{
    Assign, Concurrency, Expr, IntField, Invoke, Kind, MapNode, Node, Percent, Program, ScopeId,
    Selector, StateId, TaskNode, Test, Wait,
};
use super::progress::Progress;
use super::results::{Child, Outcome, ResultSink, WriterPlan};
use super::retry::{backoff_delay, Jitter};
use super::vars::Frame;
use crate::error::{names, StatesError};
use crate::limits::{measure_val, Over};
use crate::path::{put_result_path, JsonPath, Scope};
use crate::privacy::Payload;
use crate::task::{lambda_function_name, TaskCall, TaskContext, TaskHandler, TaskRegistry};
use crate::val;
use crate::value::{Key, Object, Val};
use futures::future::BoxFuture;
use futures::{FutureExt, StreamExt};
use std::borrow::Cow;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

/// Limits the service enforces.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub payload_bytes: Option<usize>,
    pub json_depth: Option<usize>,
    pub variable_bytes: Option<usize>,
}

/// Facts about the execution for the context object.
#[derive(Debug)]
pub(crate) struct ExecutionInfo {
    pub id: Arc<str>,
    pub name: String,
    pub start_millis: i64,
    pub state_machine_id: String,
    pub state_machine_name: String,
}

/// Everything one execution shares across its scopes.
pub(crate) struct Shared {
    pub program: Arc<Program>,
    pub tasks: Arc<TaskRegistry>,
    /// The handler of each Task state, by [`TaskNode::ordinal`](super::program::TaskNode),
    /// looked up in `tasks` when the runner was made.
    pub handlers: Arc<[Option<Arc<dyn TaskHandler>>]>,
    pub instants: Instants,
    pub mocks: Option<MockSession>,
    pub history: History,
    pub clock: Clock,
    pub limits: Limits,
    /// The execution's input, kept only when a state reads `$$` (`$$.Execution.Input`).
    pub input: Option<Val>,
    pub info: ExecutionInfo,
    pub metrics: Arc<Metrics>,
    /// By task ordinal: the metrics of a Task's resource, once it was called.
    pub task_metrics: Box<[std::sync::OnceLock<Arc<super::metrics::Entry>>]>,
    pub progress: Option<Arc<Progress>>,
    pub jitter: Jitter,
    pub item_source: Option<Arc<dyn ItemSource>>,
    pub result_sink: Option<Arc<dyn ResultSink>>,
}

/// Which states and scopes of a program never wait with one runner's handlers: the program's
/// instant states, plus its eligible Task states ([`Node::sync_task`]) whose handler is
/// synchronous.
#[derive(Clone)]
pub(crate) struct Instants {
    /// By task ordinal: the Task runs without a future.
    tasks: Arc<[bool]>,
    /// By scope: every state of the scope is instant.
    scopes: Arc<[bool]>,
}

impl Instants {
    /// The instants of `program` with `handlers` (none of its Tasks when they are mocked).
    pub(crate) fn new(
        program: &Program,
        handlers: &[Option<Arc<dyn TaskHandler>>],
        mocked: bool,
    ) -> Self {
        let tasks: Arc<[bool]> = handlers
            .iter()
            .map(|h| !mocked && h.as_ref().is_some_and(|h| h.is_sync()))
            .collect();
        let scopes = program
            .scopes
            .iter()
            .map(|s| s.nodes.iter().all(|n| instant(&tasks, n)))
            .collect();
        Instants { tasks, scopes }
    }

    /// Whether `node` never waits.
    fn node(&self, node: &Node) -> bool {
        instant(&self.tasks, node)
    }

    /// Whether no state of `scope` waits.
    fn scope(&self, scope: ScopeId) -> bool {
        self.scopes.get(scope).copied().unwrap_or(false)
    }
}

fn instant(tasks: &[bool], node: &Node) -> bool {
    node.instant
        || node
            .sync_task
            .is_some_and(|o| tasks.get(o).copied().unwrap_or(false))
}

/// The history events of a Task's call: Lambda's for a Lambda function ARN, else the task's.
struct TaskEvents {
    scheduled: EventType,
    started: EventType,
    succeeded: EventType,
    failed: EventType,
    timed_out: EventType,
}

impl TaskEvents {
    fn of(task: &TaskNode) -> Self {
        use EventType::*;
        if task.invoke == Invoke::LambdaArn {
            TaskEvents {
                scheduled: LambdaFunctionScheduled,
                started: LambdaFunctionStarted,
                succeeded: LambdaFunctionSucceeded,
                failed: LambdaFunctionFailed,
                timed_out: LambdaFunctionTimedOut,
            }
        } else {
            TaskEvents {
                scheduled: TaskScheduled,
                started: TaskStarted,
                succeeded: TaskSucceeded,
                failed: TaskFailed,
                timed_out: TaskTimedOut,
            }
        }
    }
}

/// How a scope ended badly: the error, and the last event of its line.
pub(crate) type Failed = (StatesError, u64);

/// How a scope ended well: its output, the last event of its line, and that event's time.
pub(crate) type Finished = (Val, u64, i64);

/// Instant states run in a row before the task yields (see [`Shared::resume_scope`]).
const YIELD_EVERY: u32 = 1024;

/// In a run of instant states, how many data-only states in a row (Pass, Choice, Succeed,
/// Fail: no handler runs) exit at the time they were entered instead of reading the clock
/// (a reading costs about as much as one such state): timestamps lag the wall clock by at
/// most that many states' work, and never go back.
const SHARED_READINGS: u32 = 16;

/// Where a run of a scope is: the state to enter next, its input, the line's last event, and
/// the time of that event.
// Where a scope ends, its callers read the fields one by one: a method returning
// `(output, prev, now)` from `&self` cost pass-chain-1000 4% (`scripts/bench-ab.sh`).
pub(crate) struct Cursor {
    id: StateId,
    input: Val,
    prev: u64,
    now: i64,
}

/// How a plain-loop run of instant states stopped. The run moves its caller's [`Cursor`]
/// in place: the line's last event and its time are there either way (returned in an enum,
/// they were stored and read back at other widths, which stalls on store forwarding: perf
/// annotate, map-task-10k).
enum Instant {
    /// The scope ended with this output.
    Done(Val),
    /// The budget ran out, or the next state waits: the cursor is at it.
    Paused,
}

pub(crate) enum Step {
    Next(Val, StateId),
    End(Val),
}

fn history_full() -> StatesError {
    StatesError::runtime(
        "The execution reached the maximum number of history events and was stopped.",
    )
}

impl From<HistoryFull> for StatesError {
    fn from(_: HistoryFull) -> Self {
        history_full()
    }
}

fn entered_exited(kind: &Kind) -> (EventType, Option<EventType>) {
    use EventType::*;
    match kind {
        Kind::Pass { .. } => (PassStateEntered, Some(PassStateExited)),
        Kind::Task(_) => (TaskStateEntered, Some(TaskStateExited)),
        Kind::Choice { .. } => (ChoiceStateEntered, Some(ChoiceStateExited)),
        Kind::Wait(_) => (WaitStateEntered, Some(WaitStateExited)),
        Kind::Succeed => (SucceedStateEntered, Some(SucceedStateExited)),
        Kind::Fail { .. } => (FailStateEntered, None),
        Kind::Parallel { .. } => (ParallelStateEntered, Some(ParallelStateExited)),
        Kind::Map(_) => (MapStateEntered, Some(MapStateExited)),
    }
}

pub(crate) struct StateRun<'a> {
    pub node: &'a Node,
    pub entered_id: u64,
    pub entered_millis: i64,
    pub retry_count: u32,
    /// When the current attempt's task succeeded, while nothing has waited since: the state
    /// exits at that time too (the two events are back to back).
    pub settled_millis: Option<i64>,
    /// The depth of the current attempt's output when it is already known: a Map's array of
    /// results, measured as each result came (one load for a result that remembers its own),
    /// so that the output's check does not walk the array again (map-task-10k +1% to +1.5%).
    pub output_depth: Option<usize>,
}

impl StateRun<'_> {
    /// A `States.Runtime` error with the service's prefix naming the state.
    fn runtime(&self, e: StatesError) -> StatesError {
        if e.error == names::RUNTIME || e.error == names::QUERY_EVALUATION_ERROR {
            let prefix = format!(
                "An error occurred while executing the state '{}' (entered at the event id #{}). ",
                self.node.name, self.entered_id
            );
            if e.cause.starts_with("An error occurred while executing") {
                return e;
            }
            StatesError::new(e.error, prefix + &e.cause)
        } else {
            e
        }
    }
}

impl Shared {
    fn now(&self) -> i64 {
        self.clock.now_unix_millis()
    }

    fn event(&self, prev: u64, t: EventType, details: EventDetails) -> Result<u64, StatesError> {
        self.event_at(prev, self.now(), t, details)
    }

    /// [`Shared::event`] at a time already read (for events back to back).
    fn event_at(
        &self,
        prev: u64,
        now: i64,
        t: EventType,
        details: EventDetails,
    ) -> Result<u64, StatesError> {
        Ok((&self.history).push(prev, now, t, details)?)
    }

    /// `States.DataLimitExceeded` when a state's output or a task's result is over the payload
    /// size or the nesting depth limit.
    #[inline]
    fn check_size(&self, v: &Val, state: &str) -> Result<(), StatesError> {
        match measure_val(v, self.limits.payload_bytes, self.limits.json_depth) {
            None => Ok(()),
            Some(over) => Err(self.over_limit(over, state)),
        }
    }

    /// [`check_size`](Self::check_size) of a state's output whose depth may be known already
    /// ([`StateRun::output_depth`]).
    fn check_output(&self, v: &Val, state: &str, depth: Option<usize>) -> Result<(), StatesError> {
        let Some(depth) = depth else {
            return self.check_size(v, state);
        };
        debug_assert_eq!(depth, v.depth(), "the known depth of `{state}`'s output");
        let over = match self.limits.json_depth {
            Some(max) if depth > max => Some(Over::Depth),
            _ => measure_val(v, self.limits.payload_bytes, None),
        };
        over.map_or(Ok(()), |over| Err(self.over_limit(over, state)))
    }

    /// The error of [`check_size`](Self::check_size), made only when a limit is passed.
    #[cold]
    fn over_limit(&self, over: Over, state: &str) -> StatesError {
        let cause = match over {
            Over::Bytes => format!(
                "The state/task '{state}' returned a result with a size exceeding the maximum number of bytes service limit."
            ),
            Over::Depth => format!(
                "The state/task '{state}' returned a result nested deeper than the maximum of {} levels.",
                self.limits.json_depth.unwrap_or_default()
            ),
        };
        StatesError::new(names::DATA_LIMIT_EXCEEDED, cause)
    }

    /// Sets the variables a state assigns, within the service's limits when they are on: the
    /// variables of one `Assign` may take at most the payload limit (256 KiB), and all the
    /// variables of an execution at most `RunOptions::max_variable_bytes` (10 MiB). Sizes are
    /// measured only when a limit is set, each value once, against the frame's running total.
    pub(crate) fn assign_variables(
        &self,
        frame: &mut Frame,
        values: Object,
        state: &str,
    ) -> Result<(), StatesError> {
        let (per_assign, all) = (self.limits.payload_bytes, self.limits.variable_bytes);
        if values.is_empty() {
            return Ok(());
        }
        if per_assign.is_none() && all.is_none() {
            frame.assign(values);
            return Ok(());
        }
        let measured: Vec<(Key, Val, usize)> = values
            .into_members()
            .map(|(k, v)| {
                let bytes = k.len() + v.json_len();
                (k, v, bytes)
            })
            .collect();
        let assigned: usize = measured.iter().map(|(_, _, b)| b).sum();
        if let Some(limit) = per_assign.filter(|&l| assigned > l) {
            return Err(StatesError::new(
                names::DATA_LIMIT_EXCEEDED,
                format!("The state '{state}' assigned variables of {assigned} bytes, more than the maximum of {limit} bytes for one Assign."),
            ));
        }
        if let Some(limit) = all {
            let replaced: usize = measured.iter().map(|(k, _, _)| frame.own_size(k)).sum();
            let total = frame.total_bytes() - replaced + assigned;
            if total > limit {
                return Err(StatesError::new(
                    names::DATA_LIMIT_EXCEEDED,
                    format!("The state '{state}' assigned variables that bring the execution's variables to {total} bytes, more than the maximum of {limit} bytes."),
                ));
            }
        }
        frame.assign_measured(measured);
        Ok(())
    }

    /// The context object `$$` for a state.
    pub(crate) fn context(&self, run: &StateRun<'_>, item: Option<(usize, &Val)>) -> Val {
        /// An object of the program's keys: copied without a reference count or an
        /// allocation.
        fn object<const N: usize>(members: [(&'static &'static str, Val); N]) -> Val {
            let members = members.map(|(k, v)| (Key::from_static(k), v));
            Val::object(Object::from_unique(Vec::from(members)))
        }
        let mut ctx = Object::with_capacity(5);
        let execution = object([
            (&"Id", Val::from(self.info.id.clone())),
            (&"Input", self.input.clone().unwrap_or_default()),
            (&"Name", Val::from(self.info.name.as_str())),
            (
                &"RoleArn",
                Val::from("arn:aws:iam::000000000000:role/workflow-local"),
            ),
            (
                &"StartTime",
                Val::from(format_millis(self.info.start_millis)),
            ),
            (&"RedriveCount", Val::from(0)),
        ]);
        ctx.push_unique(Key::from_static(&"Execution"), execution);
        let state = object([
            (&"EnteredTime", Val::from(format_millis(run.entered_millis))),
            (&"Name", Val::from(run.node.name.clone())),
            (&"RetryCount", Val::from(run.retry_count)),
        ]);
        ctx.push_unique(Key::from_static(&"State"), state);
        let machine = object([
            (&"Id", Val::from(self.info.state_machine_id.as_str())),
            (&"Name", Val::from(self.info.state_machine_name.as_str())),
        ]);
        ctx.push_unique(Key::from_static(&"StateMachine"), machine);
        if let Some((index, value)) = item {
            let item = object([(&"Index", Val::from(index)), (&"Value", value.clone())]);
            ctx.push_unique(Key::from_static(&"Map"), object([(&"Item", item)]));
        }
        if matches!(run.node.kind, Kind::Task(_)) {
            let token = Val::from(self.task_token(run));
            ctx.push_unique(Key::from_static(&"Task"), object([(&"Token", token)]));
        }
        Val::object(ctx)
    }

    /// `$$.Task.Token`: names this attempt of this Task state in this execution (the handler
    /// sees the same token in its `TaskContext`).
    fn task_token(&self, run: &StateRun<'_>) -> String {
        crate::task::task_token(&self.info.id, run.entered_id, run.retry_count)
    }

    /// Runs one scope from its StartAt to an End, Succeed or Fail; its first state is entered
    /// at `now` (the time of `prev`, the event it follows).
    pub(crate) fn run_scope<'a>(
        &'a self,
        scope: ScopeId,
        input: Val,
        frame: Frame,
        (prev, now): (u64, i64),
    ) -> BoxFuture<'a, Result<Finished, Failed>> {
        let at = self.start_of(scope, input, (prev, now));
        self.resume_scope(scope, at, frame)
    }

    /// Runs a scope from `at` to an End, Succeed or Fail. Instant states run without a future,
    /// in runs under one hold of the history ([`run_instants`](Self::run_instants)); every
    /// [`YIELD_EVERY`] of them in a row, the task yields, so that a long loop of them does not
    /// keep the execution's timeout (or other tasks) from running.
    fn resume_scope<'a>(
        &'a self,
        scope: ScopeId,
        mut at: Cursor,
        mut frame: Frame,
    ) -> BoxFuture<'a, Result<Finished, Failed>> {
        async move {
            let prog = &self.program.scopes[scope];
            let mut instant_in_a_row = 0u32;
            let mut unread = SHARED_READINGS;
            loop {
                if self.instants.node(&prog.nodes[at.id]) {
                    let budget = YIELD_EVERY - instant_in_a_row;
                    let ran = {
                        let mut history = self.history.held();
                        let runs = (&mut frame, budget, &mut unread);
                        self.run_instants(&mut history, scope, &mut at, runs)?
                    };
                    let ran_in_a_row = match ran {
                        (Instant::Done(output), _) => return Ok((output, at.prev, at.now)),
                        (Instant::Paused, n) => n,
                    };
                    instant_in_a_row += ran_in_a_row;
                    if instant_in_a_row >= YIELD_EVERY {
                        instant_in_a_row = 0;
                        tokio::task::yield_now().await;
                    }
                    continue;
                }
                instant_in_a_row = 0;
                let node = &prog.nodes[at.id];
                let Cursor {
                    input,
                    mut prev,
                    mut now,
                    ..
                } = at;
                let mut recorder = &self.history;
                let mut run = self.enter(&mut recorder, node, (&input, false), &mut prev, now)?;
                let step = self.state(&mut run, input, &mut frame, &mut prev).await;
                if let Some(p) = &self.progress {
                    p.state_done();
                }
                let (output, next) = self.leave(&mut recorder, &run, step, &mut prev, &mut now)?;
                // `leave` read the clock (or the Task's end was read).
                unread = 0;
                match next {
                    Some(id) => {
                        at = Cursor {
                            id,
                            input: output,
                            prev,
                            now,
                        }
                    }
                    None => return Ok((output, prev, now)),
                }
            }
        }
        .boxed()
    }

    /// Runs the instant states of a scope from `at` in a plain loop, for at most `budget`
    /// states, recording their events in `history`; it stops at the scope's end or at a state
    /// that waits, or hands back where the budget ran out, with how many states it ran.
    /// `unread` counts the data-only states since the clock was last read, across the runs of
    /// a line of execution (the iterations of a Map, the branches of a Parallel, one after
    /// another): the clock is read after every Task and after every [`SHARED_READINGS`]
    /// data-only states in between (a line starts with `SHARED_READINGS`: its first state reads).
    fn run_instants<R: Recorder>(
        &self,
        history: &mut R,
        scope: ScopeId,
        at: &mut Cursor,
        (frame, budget, unread): (&mut Frame, u32, &mut u32),
    ) -> Result<(Instant, u32), Failed> {
        let prog = &self.program.scopes[scope];
        // Whether the event `at.prev` holds `at.input`: the state before exited with it.
        let mut input_kept = false;
        for ran in 0..budget {
            let node = &prog.nodes[at.id];
            if !self.instants.node(node) {
                return Ok((Instant::Paused, ran));
            }
            let mut run =
                self.enter(history, node, (&at.input, input_kept), &mut at.prev, at.now)?;
            let input = std::mem::take(&mut at.input);
            let step = self.instant_state(history, &mut run, input, frame, &mut at.prev);
            if let Some(p) = &self.progress {
                p.state_done();
            }
            if run.settled_millis.is_some() || *unread >= SHARED_READINGS {
                // A Task's end was read after its handler; else `leave` reads the clock.
                *unread = 0;
            } else {
                // A data-only state takes no time on the execution's clock: it exits when it
                // was entered.
                *unread += 1;
                run.settled_millis = Some(run.entered_millis);
            }
            let (output, next) = self.leave(history, &run, step, &mut at.prev, &mut at.now)?;
            match next {
                Some(n) => {
                    at.id = n;
                    at.input = output;
                    // A state with a next one exited with its output.
                    input_kept = true;
                }
                None => return Ok((Instant::Done(output), ran + 1)),
            }
        }
        Ok((Instant::Paused, budget))
    }

    /// Runs an all-instant scope from its start (`at`, made by [`Shared::start_of`]), as
    /// [`run_instants`](Self::run_instants) does.
    fn run_instant_scope<R: Recorder>(
        &self,
        history: &mut R,
        scope: ScopeId,
        at: &mut Cursor,
        (frame, unread): (&mut Frame, &mut u32),
    ) -> Result<Instant, Failed> {
        Ok(self
            .run_instants(history, scope, at, (frame, YIELD_EVERY, unread))?
            .0)
    }

    /// Where a run of `scope` starts: its first state, after the event `prev` at `now`.
    fn start_of(&self, scope: ScopeId, input: Val, (prev, now): (u64, i64)) -> Cursor {
        Cursor {
            id: self.program.scopes[scope].start,
            input,
            prev,
            now,
        }
    }

    /// Records that a state is entered, at `now`.
    fn enter<'n, R: Recorder>(
        &self,
        history: &mut R,
        node: &'n Node,
        (input, kept): (&Val, bool),
        prev: &mut u64,
        now: i64,
    ) -> Result<StateRun<'n>, Failed> {
        let (entered, _) = entered_exited(&node.kind);
        let brief = match kept {
            true => Brief::EnteredAsBefore(node.label, input),
            false => Brief::Entered(node.label, input),
        };
        *prev = history
            .push_brief(*prev, now, entered, brief)
            .map_err(|e| (e.into(), *prev))?;
        Ok(StateRun {
            node,
            entered_id: *prev,
            entered_millis: now,
            retry_count: 0,
            settled_millis: None,
            output_depth: None,
        })
    }

    /// Checks a state's output and records that it exited; `now` becomes the exit time, which
    /// is also when the next state is entered (the two events are back to back).
    fn leave<R: Recorder>(
        &self,
        history: &mut R,
        run: &StateRun<'_>,
        step: Result<Step, StatesError>,
        prev: &mut u64,
        now: &mut i64,
    ) -> Result<(Val, Option<StateId>), Failed> {
        let node = run.node;
        let (output, next) = match step {
            Ok(Step::Next(o, n)) => (o, Some(n)),
            Ok(Step::End(o)) => (o, None),
            Err(e) => return Err((run.runtime(e), *prev)),
        };
        if let Err(e) = self.check_output(&output, &node.name, run.output_depth) {
            return Err((e, *prev));
        }
        // Readings on another thread (after an await) may be tens of nanoseconds behind this
        // one's (see `monotonic`): a state never exits before it was entered.
        *now = run
            .settled_millis
            .unwrap_or_else(|| self.now())
            .max(run.entered_millis);
        if let (_, Some(exited)) = entered_exited(&node.kind) {
            // A Choice without paths exits with what it was entered with, the event before.
            let brief = match passes_input_through(node) {
                true => Brief::ExitedAsBefore(node.label, &output),
                false => Brief::Exited(node.label, &output),
            };
            *prev = history
                .push_brief(*prev, *now, exited, brief)
                .map_err(|e| (e.into(), *prev))?;
        }
        Ok((output, next))
    }

    /// One state, its retries and catchers included.
    async fn state(
        &self,
        run: &mut StateRun<'_>,
        input: Val,
        frame: &mut Frame,
        prev: &mut u64,
    ) -> Result<Step, StatesError> {
        let node = run.node;
        if node.jsonata.is_some()
            && matches!(
                node.kind,
                Kind::Choice { .. } | Kind::Succeed | Kind::Fail { .. } | Kind::Wait(_)
            )
        {
            return self.jsonata_state(run, input, frame).boxed().await;
        }
        match &node.kind {
            Kind::Wait(wait) => {
                let ctx = node.uses_context.then(|| self.context(run, None));
                let effective = take_input(node, input, ctx.as_ref(), frame)?;
                let (delay, assigned) = {
                    let scope = Scope {
                        input: &effective,
                        context: ctx.as_ref(),
                        variables: Some(&*frame),
                    };
                    let delay = self.wait_delay(wait, &scope)?;
                    let assigned = match &node.assign {
                        Some(a) => Some(path_assign(a, &scope)?),
                        None => None,
                    };
                    (delay, assigned)
                };
                if let Some(m) = assigned.and_then(Val::into_object) {
                    self.assign_variables(frame, m, &node.name)?;
                }
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                let output = apply_output_path(node, effective, ctx.as_ref(), frame)?;
                Ok(next_step(node, output))
            }
            _ => self.retrying(run, input, frame, prev).await,
        }
    }

    /// A state that never waits (see [`Instants`]): a JSONPath-mode Pass, Choice, Succeed or
    /// Fail, or a Task whose handler is synchronous. It runs without a future, so scopes made
    /// of such states run in a plain loop.
    fn instant_state<R: Recorder>(
        &self,
        history: &mut R,
        run: &mut StateRun<'_>,
        input: Val,
        frame: &mut Frame,
        prev: &mut u64,
    ) -> Result<Step, StatesError> {
        let node = run.node;
        match &node.kind {
            Kind::Task(task) => {
                let ctx = node.uses_context.then(|| self.context(run, None));
                // Kept for a Catch only: otherwise the attempt owns the input (a ResultPath
                // merge may then change it in place), as in `retrying`.
                let kept = (!node.catch.is_empty()).then(|| input.clone());
                if kept.is_none() && result_is_output(node) {
                    // Nothing reads the input after the parameters are made: moved into them
                    // rather than copied (one reference count less each way). This second
                    // call site keeps `invoke_now` out of line, which measured faster than
                    // one inlined call (docs/performance.md).
                    return take_input(node, input, ctx.as_ref(), frame)
                        .and_then(|effective| {
                            parameters(node, Cow::Owned(effective), ctx.as_ref(), frame)
                        })
                        .and_then(|params| {
                            self.invoke_now(
                                history,
                                run,
                                task,
                                &params,
                                prev,
                                self.call_alone(task),
                            )
                        })
                        .map(|(result, settled)| {
                            run.settled_millis = Some(settled);
                            next_step(node, result)
                        });
                }
                let attempt = select_input(node, &input, ctx.as_ref(), frame)
                    .and_then(|effective| parameters(node, effective, ctx.as_ref(), frame))
                    .and_then(|params| {
                        self.invoke_now(history, run, task, &params, prev, self.call_alone(task))
                    })
                    .and_then(|(result, settled)| {
                        run.settled_millis = Some(settled);
                        self.finish_attempt(node, input, result, ctx.as_ref(), frame)
                    });
                match attempt {
                    Ok(step) => Ok(step),
                    // No Retry (or the state would wait); Catch as `retrying` does, for the
                    // whole attempt (ResultSelector and ResultPath included).
                    Err(error) if error.error == names::RUNTIME => Err(error),
                    Err(error) => match kept {
                        Some(input) => self.caught(run, input, error, frame),
                        None => Err(error),
                    },
                }
            }
            Kind::Choice { branches, default } => {
                let ctx = node.uses_context.then(|| self.context(run, None));
                let effective = take_input(node, input, ctx.as_ref(), frame)?;
                let scope = Scope {
                    input: &effective,
                    context: ctx.as_ref(),
                    variables: Some(&*frame),
                };
                let mut chosen = None;
                for b in branches {
                    let Test::Rule(rule) = &b.test else { continue };
                    let resolve = |p: &JsonPath| Ok(p.try_select(&scope));
                    if rule.evaluate(&resolve)? {
                        chosen = Some((b.next, b.assign.as_ref()));
                        break;
                    }
                }
                let (target, rule_assign) = match (chosen, default) {
                    (Some(c), _) => c,
                    (None, Some(d)) => (*d, None),
                    (None, None) => return Err(no_choice_matched(run)),
                };
                let assigns = [node.assign.as_ref(), rule_assign];
                let assigned = if assigns.iter().any(Option::is_some) {
                    let mut assigned = Object::new();
                    for a in assigns.into_iter().flatten() {
                        if let Some(m) = path_assign(a, &scope)?.into_object() {
                            assigned.extend(m.into_members());
                        }
                    }
                    Some(assigned)
                } else {
                    None
                };
                let output = apply_output_path(node, effective, ctx.as_ref(), frame)?;
                if let Some(assigned) = assigned {
                    self.assign_variables(frame, assigned, &node.name)?;
                }
                Ok(Step::Next(output, target))
            }
            Kind::Succeed => {
                let ctx = node.uses_context.then(|| self.context(run, None));
                let effective = take_input(node, input, ctx.as_ref(), frame)?;
                Ok(Step::End(apply_output_path(
                    node,
                    effective,
                    ctx.as_ref(),
                    frame,
                )?))
            }
            Kind::Fail { error, cause } => {
                let ctx = node.uses_context.then(|| self.context(run, None));
                let scope = Scope {
                    input: &input,
                    context: ctx.as_ref(),
                    variables: Some(&*frame),
                };
                let eval = |e: &Option<Expr>| -> Result<Option<String>, StatesError> {
                    let Some(e) = e else { return Ok(None) };
                    let v = match e {
                        Expr::Literal(s) => return Ok(Some(s.to_string())),
                        Expr::Path(p) => p.select(&scope)?.into_owned(),
                        Expr::Call(c) => c.evaluate_borrowed(&|p: &JsonPath| p.select(&scope))?,
                        Expr::Jsonata(_) => {
                            unreachable!("JSONata Fail states run in jsonata_state")
                        }
                    };
                    match v {
                        Val::String(s) => Ok(Some(s.to_string())),
                        other => Err(StatesError::runtime(format!(
                            "The Fail state's error or cause path did not select a string: {}",
                            Payload(&other)
                        ))),
                    }
                };
                let error = eval(error)?;
                let cause = eval(cause)?;
                Err(StatesError {
                    error: error.unwrap_or_default(),
                    cause: cause.unwrap_or_default(),
                })
            }
            Kind::Pass { result } => {
                let ctx = node.uses_context.then(|| self.context(run, None));
                let effective = select_input(node, &input, ctx.as_ref(), frame)?;
                let result = match result {
                    Some(r) => r.clone(),
                    None => parameters(node, effective, ctx.as_ref(), frame)?,
                };
                self.finish_attempt(node, input, result, ctx.as_ref(), frame)
            }
            _ => unreachable!("only Pass, Choice, Succeed, Fail and synchronous Tasks are instant"),
        }
    }

    /// Runs a Pass, Task, Parallel or Map state with its Retry and Catch.
    async fn retrying(
        &self,
        run: &mut StateRun<'_>,
        input: Val,
        frame: &mut Frame,
        prev: &mut u64,
    ) -> Result<Step, StatesError> {
        let node = run.node;
        if node.retry.is_empty() && node.catch.is_empty() {
            // One attempt, and nothing needs the input after it: the attempt owns it.
            return self.attempt(run, input, frame, prev).await;
        }
        let mut attempts = vec![0u64; node.retry.len()];
        loop {
            let error = match self.attempt(run, input.clone(), frame, prev).await {
                Ok(step) => return Ok(step),
                Err(e) => e,
            };
            if error.error == names::RUNTIME {
                return Err(error);
            }
            if let Some(i) = node
                .retry
                .iter()
                .position(|r| r.errors.matches(&error.error))
            {
                let r = &node.retry[i];
                if attempts[i] < r.max_attempts {
                    let delay = backoff_delay(r, attempts[i], &self.jitter);
                    attempts[i] += 1;
                    run.retry_count += 1;
                    self.metrics.retried(&task_resource(node));
                    tokio::time::sleep(delay).await;
                    continue;
                }
            }
            return self.caught(run, input, error, frame);
        }
    }

    /// The state's first Catch that matches `error` (the error itself when none does): its
    /// Assign, ResultPath and Next.
    fn caught(
        &self,
        run: &StateRun<'_>,
        input: Val,
        error: StatesError,
        frame: &mut Frame,
    ) -> Result<Step, StatesError> {
        let Some(c) = run
            .node
            .catch
            .iter()
            .find(|c| c.errors.matches(&error.error))
        else {
            return Err(error);
        };
        let mut error_output = Object::with_capacity(2);
        error_output.push_unique(Key::from_static(&"Error"), Val::from(error.error));
        error_output.push_unique(Key::from_static(&"Cause"), Val::from(error.cause));
        let error_output = Val::object(error_output);
        if run.node.jsonata.is_some() {
            return self.jsonata_caught(run, c, &input, error_output, frame);
        }
        if let Some(a) = &c.assign {
            let ctx = run.node.uses_context.then(|| self.context(run, None));
            let scope = Scope {
                input: &error_output,
                context: ctx.as_ref(),
                variables: Some(&*frame),
            };
            if let Some(m) = path_assign(a, &scope)?.into_object() {
                self.assign_variables(frame, m, &run.node.name)?;
            }
        }
        let output = match &c.result_path {
            None => error_output,
            Some(None) => input,
            Some(Some(p)) => put_result_path(p, input, error_output)?,
        };
        Ok(Step::Next(output, c.next))
    }

    /// One attempt at a Task, Parallel or Map state. The futures of Parallel, Map and JSONata
    /// states are boxed where they are awaited, so that this future stays small: it is part of
    /// the boxed future of every scope run (every Map iteration), which is moved on creation.
    async fn attempt(
        &self,
        run: &mut StateRun<'_>,
        input: Val,
        frame: &mut Frame,
        prev: &mut u64,
    ) -> Result<Step, StatesError> {
        let node = run.node;
        run.settled_millis = None;
        run.output_depth = None;
        if node.jsonata.is_some() {
            return self.jsonata_attempt(run, &input, frame, prev).boxed().await;
        }
        let ctx = node.uses_context.then(|| self.context(run, None));
        let effective = select_input(node, &input, ctx.as_ref(), frame)?;
        let result: Val = match &node.kind {
            Kind::Task(task) => {
                let limits = {
                    let scope = Scope {
                        input: &effective,
                        context: ctx.as_ref(),
                        variables: Some(&*frame),
                    };
                    let resolve = |s: &Option<IntField>, field| {
                        s.as_ref()
                            .map(|s| resolve_int(s, &scope, field))
                            .transpose()
                    };
                    (
                        resolve(&task.timeout, "TimeoutSecondsPath")?,
                        resolve(&task.heartbeat, "HeartbeatSecondsPath")?,
                    )
                };
                let params = parameters(node, effective, ctx.as_ref(), frame)?;
                let (result, settled) = self.invoke(run, task, params, limits, prev).await?;
                run.settled_millis = Some(settled);
                result
            }
            Kind::Parallel { branches } => {
                let params = parameters(node, effective, ctx.as_ref(), frame)?;
                self.parallel(run, branches, params, frame, prev)
                    .boxed()
                    .await?
            }
            Kind::Map(m) => {
                let (output, depth) = self
                    .map(run, m, &effective, ctx.as_ref(), frame, prev)
                    .boxed()
                    .await?;
                // The effective input may be the input itself, which ResultPath may now own.
                drop(effective);
                // Known only when the results' array is the state's output.
                run.output_depth = depth;
                output
            }
            _ => unreachable!("only Task, Parallel and Map are attempted"),
        };
        self.finish_attempt(node, input, result, ctx.as_ref(), frame)
    }

    /// ResultSelector, Assign, ResultPath and OutputPath of a Pass, Task, Parallel or Map.
    /// Inlined for a state that has none of them (its result is its output): passing the two
    /// values to a call goes through memory and stalls on store forwarding (the shortcut:
    /// choice-loop-10k +5% to +7%, parallel-fanout +4% to +13%, `scripts/bench-ab.sh`).
    #[inline(always)]
    fn finish_attempt(
        &self,
        node: &Node,
        input: Val,
        result: Val,
        ctx: Option<&Val>,
        frame: &mut Frame,
    ) -> Result<Step, StatesError> {
        if result_is_output(node) {
            drop(input);
            return Ok(next_step(node, result));
        }
        self.result_io(node, input, result, ctx, frame)
    }

    /// [`finish_attempt`](Self::finish_attempt) of a state with a ResultSelector, Assign,
    /// ResultPath or OutputPath.
    fn result_io(
        &self,
        node: &Node,
        input: Val,
        result: Val,
        ctx: Option<&Val>,
        frame: &mut Frame,
    ) -> Result<Step, StatesError> {
        let result = match &node.io.result_selector {
            Some(sel) => {
                let scope = Scope {
                    input: &result,
                    context: ctx,
                    variables: Some(&*frame),
                };
                sel.evaluate(&scope)?
            }
            None => result,
        };
        if let Some(a) = &node.assign {
            let scope = Scope {
                input: &result,
                context: ctx,
                variables: Some(&*frame),
            };
            if let Some(m) = path_assign(a, &scope)?.into_object() {
                self.assign_variables(frame, m, &node.name)?;
            }
        }
        let merged = match &node.io.result_path {
            None => result,
            Some(None) => input,
            Some(Some(p)) => put_result_path(p, input, result)?,
        };
        let output = apply_output_path(node, merged, ctx, frame)?;
        Ok(next_step(node, output))
    }

    fn wait_delay(&self, wait: &Wait, scope: &Scope<'_>) -> Result<Duration, StatesError> {
        const MAX_DELAY_SECONDS: i128 = i32::MAX as i128;
        let seconds: i128 = match wait {
            Wait::Seconds(s) => *s as i128,
            Wait::SecondsPath(p) => {
                let v = p.select(scope)?;
                match v.as_ref() {
                    Val::Number(n) if n.as_i64().is_some_and(|n| n < 0) => {
                        return Err(StatesError::runtime(format!(
                            "The SecondsPath parameter references a negative value: {}",
                            p.as_str()
                        )))
                    }
                    Val::Number(n) if n.as_u64().is_some() => n.as_u64().unwrap_or(0) as i128,
                    other => {
                        return Err(StatesError::runtime(format!(
                            "The SecondsPath parameter cannot be parsed as a long value: {}",
                            Payload(other)
                        )))
                    }
                }
            }
            Wait::Timestamp(t) => self.until(t),
            Wait::SecondsExpr(_) | Wait::TimestampExpr(_) => {
                unreachable!("JSONata Waits run in jsonata_state")
            }
            Wait::TimestampPath(p) => {
                let v = p.select(scope)?;
                let t = v
                    .as_str()
                    .and_then(crate::timestamp::Timestamp::parse)
                    .ok_or_else(|| {
                        StatesError::runtime(format!(
                            "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: {}",
                            p.as_str()
                        ))
                    })?;
                self.until(&t)
            }
        };
        if seconds > MAX_DELAY_SECONDS {
            return Err(StatesError::runtime("Wait state delay is too long."));
        }
        Ok(Duration::from_secs(seconds.max(0) as u64))
    }

    /// Whole seconds from now until `t` (rounded up; negative when past).
    pub(crate) fn until(&self, t: &crate::timestamp::Timestamp) -> i128 {
        let nanos = t.to_unix_nanos() - self.clock.now_unix_nanos();
        if nanos <= 0 {
            0
        } else {
            (nanos + 999_999_999) / 1_000_000_000
        }
    }

    /// Calls the task's handler (or its mock), with events, timeout, metrics and panic capture;
    /// the result and the time it was recorded.
    pub(crate) async fn invoke(
        &self,
        run: &StateRun<'_>,
        task: &TaskNode,
        params: Val,
        (timeout, heartbeat): (Option<u64>, Option<u64>),
        prev: &mut u64,
    ) -> Result<(Val, i64), StatesError> {
        let node = run.node;
        let events = TaskEvents::of(task);
        let (function, recorded) = match task.invoke {
            Invoke::OptimisedLambda => {
                let name = params
                    .get("FunctionName")
                    .and_then(Val::as_str)
                    .ok_or_else(|| {
                        StatesError::runtime(
                            "lambda:invoke needs a string `FunctionName` parameter",
                        )
                    })?
                    .to_owned();
                let payload = params
                    .get("Payload")
                    .cloned()
                    .unwrap_or_else(|| Val::object(Object::new()));
                (Arc::from(name.as_str()), payload)
            }
            _ => (task.resource.clone(), params),
        };
        self.task_started(&mut &self.history, run, task, &recorded, &events, prev)?;
        let heartbeat = heartbeat.map(|s| (s, Arc::new(tokio::sync::Notify::new())));
        let task_ctx = self.task_context(
            run,
            function.clone(),
            heartbeat.as_ref().map(|(_, n)| Arc::clone(n)),
        );
        let mocked = self.mocks.as_ref().and_then(|m| m.respond(&node.name));
        // A mocked Lambda response is the whole service response, envelope included.
        let wrap_envelope = task.invoke == Invoke::OptimisedLambda && mocked.is_none();
        let call = match mocked {
            Some(response) => futures::future::ready(response).boxed(),
            None => {
                let handler = match task.invoke {
                    Invoke::OptimisedLambda => self
                        .tasks
                        .resolve(lambda_function_name(&function).unwrap_or(&function)),
                    _ => self.handlers.get(task.ordinal).and_then(Option::as_ref),
                };
                let Some(handler) = handler else {
                    let e = missing_handler(task, &function);
                    self.task_failed(prev, events.failed, &e)?;
                    return Err(e);
                };
                let fut = std::panic::catch_unwind(AssertUnwindSafe(|| {
                    // The history may hold the parameters: the handler gets them shared.
                    handler.invoke(recorded, task_ctx)
                }));
                match fut {
                    Ok(f) => AssertUnwindSafe(f)
                        .catch_unwind()
                        .map(|r| r.unwrap_or_else(|p| Err(panic_error(p))))
                        .boxed(),
                    Err(p) => futures::future::ready(Err(panic_error(p))).boxed(),
                }
            }
        };
        let call = match heartbeat {
            Some((seconds, beats)) => watch_heartbeat(call, seconds, beats).boxed(),
            None => call,
        };
        let started_at = tokio::time::Instant::now();
        let guard = self.call_started(task, &function);
        let outcome = match timeout {
            Some(t) => match tokio::time::timeout(Duration::from_secs(t), call).await {
                Ok(r) => r,
                Err(_) => {
                    let e = StatesError::new(names::TIMEOUT, "Task timed out.");
                    guard.finished(started_at, false);
                    *prev = self.event(
                        *prev,
                        events.timed_out,
                        EventDetails {
                            error: Some(Arc::from(e.error.as_str())),
                            cause: Some(Arc::from(e.cause.as_str())),
                            ..Default::default()
                        },
                    )?;
                    return Err(e);
                }
            },
            None => call.await,
        };
        guard.finished(started_at, outcome.is_ok());
        let at = self.now();
        let history = &mut &self.history;
        self.task_settled(
            history,
            node,
            task,
            outcome,
            wrap_envelope,
            &events,
            prev,
            at,
        )
    }

    /// Calls a synchronous handler ([`Instants`]) to its end: the events, metrics, panic
    /// capture and result checks of [`invoke`](Self::invoke), without a future. The call is
    /// counted as started (`count`) before its events are recorded: its atomic operation
    /// then waits for fewer stores (map-task-10k +10% on Intel, docs/performance.md).
    fn invoke_now<R: Recorder>(
        &self,
        history: &mut R,
        run: &StateRun<'_>,
        task: &TaskNode,
        params: &Val,
        prev: &mut u64,
        mut count: Counted<'_, '_>,
    ) -> Result<(Val, i64), StatesError> {
        let events = TaskEvents::of(task);
        let function = &task.resource;
        if let Err(e) = self.task_started(history, run, task, params, &events, prev) {
            count.never_called();
            return Err(e);
        }
        let Some(handler) = self.handlers.get(task.ordinal).and_then(Option::as_ref) else {
            // Not reached: only a Task with a handler is instant.
            count.never_called();
            let e = missing_handler(task, function);
            self.task_failed_at(history, prev, events.failed, &e, self.now())?;
            return Err(e);
        };
        let call = TaskCall::new(
            function,
            &run.node.name,
            run.retry_count,
            (&self.info.id, run.entered_id),
        );
        // The call's duration starts at a reading of the CPU's counter (in a batch, the end of
        // the call before), and ends at the one that is also when it settled.
        let started_at = count.start();
        // The outcome is written where it stays: moved out of `catch_unwind`'s result, it
        // would be read back right after it was written, which stalls on store forwarding.
        let mut outcome = Ok(Val::Null);
        let caught = std::panic::catch_unwind(AssertUnwindSafe(|| {
            // The placeholder has nothing to drop: forgotten, not dropped by a call.
            std::mem::forget(std::mem::replace(
                &mut outcome,
                handler.invoke_now(params, call),
            ));
        }));
        let (ended_at, took, end) = Mono::now_since(started_at);
        if let Err(p) = caught {
            outcome = Err(panic_error(p));
        }
        let started = || ended_at.before(took).to_std();
        count.finished_after(started, (took, end), outcome.is_ok());
        let at = self.clock.millis_at(ended_at).max(run.entered_millis);
        self.task_settled(history, run.node, task, outcome, false, &events, prev, at)
    }

    /// A [`Batch`] for calls of `task` made one after another, at most `calls` of them; none
    /// for a `lambda:invoke` or when call times are recorded.
    fn call_batch(&self, task: &TaskNode, calls: usize) -> Option<Batch<'_>> {
        let entry = self.kept_counters(task, &task.resource)?;
        self.metrics.batch(entry, calls)
    }

    /// Counts a call of `task`'s resource as started, on its own (not in a [`Batch`]).
    fn call_alone(&self, task: &TaskNode) -> Counted<'_, '_> {
        Counted::Alone(self.call_started(task, &task.resource))
    }

    /// Counts a call of `function` by `task` as started.
    fn call_started(&self, task: &TaskNode, function: &Arc<str>) -> InFlight<'_> {
        match self.kept_counters(task, function) {
            Some(entry) => self.metrics.start_cached(entry),
            None => self.metrics.start(function),
        }
    }

    /// A Task's counters, kept per task for the execution (no lookup per call); none for a
    /// `lambda:invoke`, whose function is named by each call's parameters.
    fn kept_counters(&self, task: &TaskNode, function: &Arc<str>) -> Option<&Entry> {
        let cell = self
            .task_metrics
            .get(task.ordinal)
            .filter(|_| task.invoke != Invoke::OptimisedLambda)?;
        Some(cell.get_or_init(|| self.metrics.entry(function)))
    }

    /// Records that a task was scheduled and started. The two are back to back: one clock
    /// reading for both, and a first attempt has not waited since the state was entered, so
    /// it is that event's time.
    fn task_started<R: Recorder>(
        &self,
        history: &mut R,
        run: &StateRun<'_>,
        task: &TaskNode,
        input: &Val,
        events: &TaskEvents,
        prev: &mut u64,
    ) -> Result<(), StatesError> {
        let now = match run.retry_count {
            0 => run.entered_millis,
            _ => self.now(),
        };
        let brief = Brief::Scheduled(task.resource_label, input);
        *prev = history.push_brief(*prev, now, events.scheduled, brief)?;
        *prev = history.push_brief(*prev, now, events.started, Brief::Bare)?;
        Ok(())
    }

    /// What a handler knows about this attempt.
    fn task_context(
        &self,
        run: &StateRun<'_>,
        resource: Arc<str>,
        heartbeat: Option<Arc<tokio::sync::Notify>>,
    ) -> TaskContext {
        TaskContext {
            resource,
            state_name: run.node.name.clone(),
            retry_count: run.retry_count,
            token: Some((Arc::clone(&self.info.id), run.entered_id)),
            heartbeat,
        }
    }

    /// A task's outcome checked and recorded: a result too deep for the recursive walks
    /// (history, serialization) is refused before them; the result and the time it was
    /// recorded.
    #[allow(clippy::too_many_arguments)]
    fn task_settled<R: Recorder>(
        &self,
        history: &mut R,
        node: &Node,
        task: &TaskNode,
        outcome: Result<Val, StatesError>,
        wrap_envelope: bool,
        events: &TaskEvents,
        prev: &mut u64,
        at: i64,
    ) -> Result<(Val, i64), StatesError> {
        let outcome = outcome.and_then(|v| match self.limits.json_depth {
            Some(max) if v.depth() > max => {
                crate::limits::dispose(v);
                Err(StatesError::new(
                    names::DATA_LIMIT_EXCEEDED,
                    format!(
                        "The state/task '{}' returned a result nested deeper than the maximum of {max} levels.",
                        node.name
                    ),
                ))
            }
            _ => Ok(v),
        });
        match outcome {
            Ok(v) => {
                let v = if wrap_envelope {
                    lambda_invoke_envelope(v)
                } else {
                    v
                };
                let brief = Brief::Succeeded(task.resource_label, &v);
                *prev = history.push_brief(*prev, at, events.succeeded, brief)?;
                Ok((v, at))
            }
            Err(e) => {
                self.task_failed_at(history, prev, events.failed, &e, at)?;
                Err(e)
            }
        }
    }

    fn task_failed(
        &self,
        prev: &mut u64,
        t: EventType,
        e: &StatesError,
    ) -> Result<(), StatesError> {
        self.task_failed_at(&mut &self.history, prev, t, e, self.now())
    }

    fn task_failed_at<R: Recorder>(
        &self,
        history: &mut R,
        prev: &mut u64,
        t: EventType,
        e: &StatesError,
        at: i64,
    ) -> Result<(), StatesError> {
        *prev = history.push(
            *prev,
            at,
            t,
            EventDetails {
                error: Some(Arc::from(e.error.as_str())),
                cause: Some(Arc::from(e.cause.as_str())),
                ..Default::default()
            },
        )?;
        Ok(())
    }

    pub(crate) async fn parallel(
        &self,
        run: &StateRun<'_>,
        branches: &[ScopeId],
        input: Val,
        frame: &Frame,
        prev: &mut u64,
    ) -> Result<Val, StatesError> {
        let started = self.event(
            *prev,
            EventType::ParallelStateStarted,
            EventDetails::default(),
        )?;
        let outer = Arc::new(frame.clone());
        let _ = run;
        let results = if branches.iter().all(|&b| self.instants.scope(b)) {
            // Branches of instant states never wait: each runs to its end before the next
            // starts whatever the concurrency, so run them in order, without futures.
            let mut outs = Vec::with_capacity(branches.len());
            let mut failed = None;
            let mut now = self.now();
            let mut unread = SHARED_READINGS;
            for &b in branches {
                let mut frame = Frame::child(Arc::clone(&outer));
                let mut at = self.start_of(b, input.clone(), (started, now));
                let ran = {
                    let mut history = self.history.held();
                    let line = (&mut frame, &mut unread);
                    self.run_instant_scope(&mut history, b, &mut at, line)
                };
                let r = match ran {
                    Ok(Instant::Done(output)) => {
                        now = at.now;
                        Ok((output, at.prev, at.now))
                    }
                    Ok(Instant::Paused) => self.resume_scope(b, at, frame).await,
                    Err(f) => Err(f),
                };
                match r {
                    Ok(out) => outs.push(out),
                    Err(f) => {
                        failed = Some(f);
                        break;
                    }
                }
            }
            match failed {
                None => Ok(outs),
                Some(f) => Err(f),
            }
        } else {
            // Every branch starts at once, when the Parallel state did.
            let now = self.now();
            let futures = branches.iter().map(|&b| {
                let input = input.clone();
                let frame = Frame::child(Arc::clone(&outer));
                self.run_scope(b, input, frame, (started, now))
            });
            futures::future::try_join_all(futures).await
        };
        match results {
            Ok(outs) => {
                *prev = self.event(
                    outs.iter().map(|o| o.1).max().unwrap_or(started),
                    EventType::ParallelStateSucceeded,
                    EventDetails::default(),
                )?;
                Ok(Val::array(outs.into_iter().map(|(v, ..)| v).collect()))
            }
            Err((e, last)) => {
                *prev = self.event(
                    last,
                    EventType::ParallelStateFailed,
                    EventDetails::default(),
                )?;
                Err(e)
            }
        }
    }

    async fn map(
        &self,
        run: &StateRun<'_>,
        m: &MapNode,
        effective: &Val,
        ctx: Option<&Val>,
        frame: &Frame,
        prev: &mut u64,
    ) -> Result<(Val, Option<usize>), StatesError> {
        let iterations = self.map_items(run, m, effective, ctx, frame)?;
        self.map_iterations(run, m, iterations, frame, prev).await
    }

    /// The iteration inputs (ItemsPath, then ItemSelector) and MaxConcurrency of a JSONPath Map.
    fn map_items(
        &self,
        run: &StateRun<'_>,
        m: &MapNode,
        effective: &Val,
        ctx: Option<&Val>,
        frame: &Frame,
    ) -> Result<Iterations, StatesError> {
        let (items_value, limit) = {
            let scope = Scope {
                input: effective,
                context: ctx,
                variables: Some(frame),
            };
            let items_value = match (&m.reader, &m.items_path) {
                (Some(r), _) => {
                    let params = match &r.params {
                        Some(Selector::Path(t)) => t.evaluate(&scope)?,
                        Some(Selector::Jsonata(_)) => {
                            unreachable!("JSONata Maps run in jsonata_attempt")
                        }
                        None => Val::object(Object::new()),
                    };
                    let source = self.item_source.as_deref();
                    Cow::Owned(Val::array(read_items(
                        source,
                        &r.resource,
                        &params,
                        r.config.as_ref(),
                    )?))
                }
                (None, Some(p)) => p.select(&scope)?,
                (None, None) => Cow::Borrowed(effective),
            };
            let limit = match &m.max_concurrency {
                Concurrency::Literal(n) => *n,
                Concurrency::Jsonata(_) => {
                    unreachable!("JSONata Maps run in jsonata_attempt")
                }
                Concurrency::Path(p) => {
                    let v = p.select(&scope)?;
                    // The service also accepts an integer written as a string ("1").
                    let n = v
                        .as_u64()
                        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()));
                    match n {
                        Some(n) if n <= i32::MAX as u64 => n,
                        _ => {
                            return Err(StatesError::runtime(format!(
                                "The MaxConcurrencyPath field refers to value \"{}\" which is not a valid integer: {}",
                                value_text(&v),
                                p.as_str()
                            )))
                        }
                    }
                }
            };
            (items_value, limit)
        };
        let Val::Array(items) = items_value.as_ref() else {
            return Err(StatesError::runtime(format!(
                "Map state input must be an array but was: {}",
                type_name(&*items_value)
            )));
        };
        let mut inputs = match &m.item_selector {
            None => Inputs::Items(Arc::clone(items)),
            // Computed up front so that a bad ItemSelector fails the state before any
            // iteration starts.
            Some(Selector::Path(sel)) => {
                let mut inputs = Vec::with_capacity(items.len());
                for (index, item) in items.iter().enumerate() {
                    let ctx = sel
                        .references_context()
                        .then(|| self.context(run, Some((index, item))));
                    let scope = Scope {
                        input: effective,
                        context: ctx.as_ref(),
                        variables: Some(frame),
                    };
                    inputs.push(sel.evaluate(&scope)?);
                }
                Inputs::Made(inputs)
            }
            Some(Selector::Jsonata(_)) => {
                unreachable!("JSONata Maps run in jsonata_attempt")
            }
        };
        let scope = Scope {
            input: effective,
            context: ctx,
            variables: Some(frame),
        };
        if let Some(b) = &m.batcher {
            let max_items = b
                .max_items
                .as_ref()
                .map(|f| resolve_int(f, &scope, "MaxItemsPerBatchPath"))
                .transpose()?;
            let max_bytes = b
                .max_bytes
                .as_ref()
                .map(|f| resolve_int(f, &scope, "MaxInputBytesPerBatchPath"))
                .transpose()?;
            let items = inputs.into_iter().collect();
            inputs = Inputs::Made(batched(items, max_items, max_bytes, b.batch_input.as_ref()));
        }
        let count = m
            .tolerated_failure_count
            .as_ref()
            .map(|f| resolve_int(f, &scope, "ToleratedFailureCountPath"))
            .transpose()?;
        let percentage = match &m.tolerated_failure_percentage {
            None => None,
            Some(Percent::Literal(p)) => Some(*p),
            Some(Percent::Path(p)) => Some(
                p.select(&scope)?
                    .as_f64()
                    .filter(|n| (0.0..=100.0).contains(n))
                    .ok_or_else(|| {
                        StatesError::runtime(format!(
                            "The ToleratedFailurePercentagePath field does not reference a number between 0 and 100: {}",
                            p.as_str()
                        ))
                    })?,
            ),
            Some(Percent::Jsonata(_)) => unreachable!("JSONata Maps run in jsonata_attempt"),
        };
        let writer = m
            .writer
            .as_ref()
            .map(|w| {
                w.plan(
                    |selector| match selector {
                        Selector::Path(t) => t.evaluate(&scope).map(|v| v.to_json()),
                        Selector::Jsonata(_) => unreachable!("JSONata Maps run in jsonata_attempt"),
                    },
                    |_| unreachable!("JSONata Maps run in jsonata_attempt"),
                )
            })
            .transpose()?;
        Ok(Iterations {
            inputs,
            limit,
            tolerance: Tolerance { count, percentage },
            writer,
        })
    }

    /// Runs a Map's iterations, at most `limit` at once (0: all): the results in item order,
    /// and the depth of their array, measured as they came, when a depth limit is on and the
    /// array is the state's output (a JSONPath Map without ResultSelector, Assign, ResultPath,
    /// OutputPath or ResultWriter).
    pub(crate) async fn map_iterations(
        &self,
        run: &StateRun<'_>,
        m: &MapNode,
        iterations: Iterations,
        frame: &Frame,
        prev: &mut u64,
    ) -> Result<(Val, Option<usize>), StatesError> {
        let Iterations {
            inputs,
            limit,
            tolerance,
            writer,
        } = iterations;
        let count = inputs.len();
        // A ResultWriter records each iteration's input, error and times.
        let kept_inputs = writer.as_ref().map(|_| inputs.to_vec());
        let started_at = self.now();
        let started = self.event_at(
            *prev,
            started_at,
            EventType::MapStateStarted,
            EventDetails {
                index: Some(count as u64),
                ..Default::default()
            },
        )?;
        if let Some(p) = &self.progress {
            p.map_started(count);
        }
        let outer = Arc::new(frame.clone());
        let name = run.node.label;
        let mut collected = Collected {
            tolerance,
            count,
            results: Vec::with_capacity(count),
            failures: 0,
            last: started,
            ended: writer.as_ref().map(|_| (0..count).map(|_| None).collect()),
            // Measured only where it is used: a JSONPath Map whose output is its results.
            deepest: (self.limits.json_depth.is_some()
                && writer.is_none()
                && run.node.jsonata.is_none()
                && result_is_output(run.node))
            .then_some(0),
        };
        let outcome = if self.instants.scope(m.processor) {
            // Iterations of instant states never wait, so whatever the concurrency, each runs
            // to its end before the next starts: run them in order, without futures, a chunk
            // of YIELD_EVERY at a time under one hold of the history.
            let mut outcome = Ok(());
            // Each iteration starts when the one before it ended (they are back to back).
            let mut now = started_at;
            let mut unread = SHARED_READINGS;
            let mut items = inputs.into_iter();
            let mut next_index = 0;
            let lone = self.program.scopes[m.processor].lone_task();
            'chunks: loop {
                let mut ran = 0u32;
                // An iteration that ran past its budget of states, to go on as a future.
                let mut paused = None;
                {
                    let mut history = self.history.held();
                    // One frame for the chunk's iterations, emptied before each: as a new
                    // one would be, without counting a reference to the Map's frame per item.
                    let mut frame = Frame::child(Arc::clone(&outer));
                    // The chunk's calls of a lone task, counted together.
                    let mut batch =
                        lone.and_then(|(_, task)| self.call_batch(task, YIELD_EVERY as usize));
                    while let Some(input) = items.next_input() {
                        let index = next_index;
                        next_index += 1;
                        ran += 1;
                        let step = self.instant_iteration(
                            &mut history,
                            ((m.processor, lone), name, index, input),
                            (&mut frame, &outer, &mut unread),
                            (started, &mut now),
                            (&mut collected, batch.as_mut()),
                        );
                        match step.map_err(|(e, _)| e)? {
                            IterationStep::Ended => {}
                            IterationStep::OverTolerance(e) => {
                                outcome = Err(e);
                                break 'chunks;
                            }
                            IterationStep::Paused(at, frame) => {
                                paused = Some((index, at, frame));
                                break;
                            }
                        }
                        if ran == YIELD_EVERY {
                            break;
                        }
                    }
                }
                if let Some((index, at, frame)) = paused {
                    let r = self.resume_scope(m.processor, at, frame).await;
                    let it = self.iteration_ended(&mut &self.history, name, index, r, now);
                    let it = it.map_err(|(e, _)| e)?;
                    now = it.3 .1;
                    unread = 0;
                    if let Err(e) = collected.add_iteration(it) {
                        outcome = Err(e);
                        break;
                    }
                    continue;
                }
                if ran < YIELD_EVERY {
                    break;
                }
                tokio::task::yield_now().await;
                now = self.now();
                unread = 0;
            }
            outcome
        } else {
            let width = if limit == 0 {
                count.max(1)
            } else {
                limit as usize
            };
            let mut running: futures::stream::FuturesUnordered<
                BoxFuture<'_, Result<Iteration, Failed>>,
            > = futures::stream::FuturesUnordered::new();
            let mut items = inputs.into_iter().enumerate();
            let mut ended_at_once = 0u32;
            let mut outcome = Ok(());
            loop {
                // Start the next iteration while there is room, else wait for a running one.
                let next = if running.len() < width {
                    items.next()
                } else {
                    None
                };
                let ended = match next {
                    Some((index, input)) => {
                        let frame = Frame::child(Arc::clone(&outer));
                        let mut iteration = self
                            .iteration(m.processor, name, index, input, frame, started)
                            .boxed();
                        // An iteration whose tasks answer at once ends on its first poll: it
                        // is collected there, without the bookkeeping of the running ones;
                        // every YIELD_EVERY of those, the task yields, as between instant
                        // states.
                        match futures::poll!(iteration.as_mut()) {
                            Poll::Ready(r) => {
                                ended_at_once += 1;
                                if ended_at_once.is_multiple_of(YIELD_EVERY) {
                                    tokio::task::yield_now().await;
                                }
                                r
                            }
                            Poll::Pending => {
                                running.push(iteration);
                                continue;
                            }
                        }
                    }
                    None => match running.next().await {
                        Some(r) => r,
                        None => break,
                    },
                };
                if let Err(e) = collected.add_iteration(ended.map_err(|(e, _)| e)?) {
                    outcome = Err(e);
                    break;
                }
            }
            outcome
        };
        let last = collected.last;
        let outcome = match (writer, kept_inputs) {
            (Some(plan), Some(inputs)) => {
                let children = collected.children(inputs);
                let sink = self.result_sink.as_deref();
                let machine = &self.info.state_machine_name;
                match outcome {
                    Ok(()) => plan
                        .finish(sink, machine, &children)
                        .map(|v| (Val::from(v), None)),
                    Err(e) => {
                        // The results so far are written; the Map's own error stands.
                        if plan.export.is_some() {
                            let _ = plan.finish(sink, machine, &children);
                        }
                        Err(e)
                    }
                }
            }
            _ => outcome.map(|()| {
                let depth = collected.deepest.map(|d| d + 1);
                (Val::array(collected.results_in_order()), depth)
            }),
        };
        let t = match outcome {
            Ok(_) => EventType::MapStateSucceeded,
            Err(_) => EventType::MapStateFailed,
        };
        *prev = self.event(last, t, EventDetails::default())?;
        outcome
    }

    /// One Map iteration, with its started and ended events.
    async fn iteration(
        &self,
        processor: ScopeId,
        name: Label,
        index: usize,
        input: Val,
        frame: Frame,
        started: u64,
    ) -> Result<Iteration, Failed> {
        let start = self.now();
        let it_started = self.iteration_started(&mut &self.history, name, index, started, start)?;
        let r = self
            .run_scope(processor, input, frame, (it_started, start))
            .await;
        self.iteration_ended(&mut &self.history, name, index, r, start)
    }

    /// One Map iteration of an all-instant processor, started at `now` (after the event
    /// `started`), run in a plain loop with its events in `history`: ended, or paused where
    /// it ran past its budget of states, to go on as a future.
    /// Runs one iteration of a Map of instant states that started at `now` (moved on to when
    /// it ended), and adds its result to `collected` (the processor's lone task, when it has
    /// one, run by [`lone_task`](Self::lone_task)).
    ///
    /// The result goes into `collected` here rather than back to the caller: moving an
    /// iteration's outcome (a `Result` of a value or an error, with its times) out through
    /// two returns cost map-task-10k more than a tenth (docs/performance.md).
    #[allow(clippy::type_complexity)]
    #[inline(always)]
    fn instant_iteration<'s>(
        &'s self,
        history: &mut Held<'_>,
        ((processor, lone), name, index, input): (
            (ScopeId, Option<(&Node, &TaskNode)>),
            Label,
            usize,
            Input<'_>,
        ),
        (frame, outer, unread): (&mut Frame, &Arc<Frame>, &mut u32),
        (started, now): (u64, &mut i64),
        (collected, batch): (&mut Collected, Option<&mut Batch<'s>>),
    ) -> Result<IterationStep, Failed> {
        // The iteration's events and its states' are back to back: no clock reading of its
        // own.
        let start = *now;
        let it_started = self.iteration_started(history, name, index, started, start)?;
        let ran = match lone {
            Some(task) => self.lone_task(history, task, input.get(), (it_started, start), batch),
            None => {
                frame.forget_own();
                let mut at = self.start_of(processor, input.into_owned(), (it_started, start));
                match self.run_instant_scope(history, processor, &mut at, (frame, unread)) {
                    Ok(Instant::Done(output)) => Ok((output, at.prev, at.now)),
                    Ok(Instant::Paused) => {
                        // The iteration goes on as a future, with its variables; the chunk's
                        // next iterations get a frame of their own.
                        let own = std::mem::replace(frame, Frame::child(Arc::clone(outer)));
                        return Ok(IterationStep::Paused(at, own));
                    }
                    Err(f) => Err(f),
                }
            }
        };
        match ran {
            Ok((output, last, end)) => {
                let ended = self.iteration_succeeded(history, name, index, last, end)?;
                *now = end;
                collected.succeeded(index, output, ended, (start, end));
                Ok(IterationStep::Ended)
            }
            Err(failed) => {
                let it = self.iteration_ended(history, name, index, Err(failed), start)?;
                *now = it.3 .1;
                Ok(match collected.add_iteration(it) {
                    Ok(()) => IterationStep::Ended,
                    Err(e) => IterationStep::OverTolerance(e),
                })
            }
        }
    }

    /// Runs a scope whose one state is a plain Task
    /// ([`ScopeProgram::lone_task`](super::program::ScopeProgram::lone_task)) with an instant
    /// handler, entered at `now` after the event `prev`: what
    /// [`run_instants`](Self::run_instants) does for it, without its loop, its cursor or a
    /// state's steps.
    #[inline(always)]
    fn lone_task<'s, R: Recorder>(
        &'s self,
        history: &mut R,
        (node, task): (&Node, &TaskNode),
        input: &Val,
        (mut prev, now): (u64, i64),
        batch: Option<&mut Batch<'s>>,
    ) -> Result<Finished, Failed> {
        // The call counted first, its events after (see `invoke_now`).
        let count = match batch {
            Some(batch) => {
                batch.begin();
                Counted::InBatch(batch)
            }
            None => self.call_alone(task),
        };
        // What `enter` does, written out: a third caller of `enter` changed how it is inlined
        // into `run_instants`, which cost choice-loop 6% to 8% and pass-chain 3% to 4%.
        let entered = EventType::TaskStateEntered;
        prev = match history.push_brief(prev, now, entered, Brief::Entered(node.label, input)) {
            Ok(id) => id,
            Err(e) => {
                count.never_called();
                return Err((e.into(), prev));
            }
        };
        let run = StateRun {
            node,
            entered_id: prev,
            entered_millis: now,
            retry_count: 0,
            settled_millis: None,
            output_depth: None,
        };
        let settled = self.invoke_now(history, &run, task, input, &mut prev, count);
        if let Some(p) = &self.progress {
            p.state_done();
        }
        let (output, end) = settled.map_err(|e| (run.runtime(e), prev))?;
        self.check_size(&output, &node.name)
            .map_err(|e| (e, prev))?;
        // The event before is the task's success, with this output.
        let exited = EventType::TaskStateExited;
        prev = history
            .push_brief(
                prev,
                end,
                exited,
                Brief::ExitedAsBefore(node.label, &output),
            )
            .map_err(|e| (e.into(), prev))?;
        Ok((output, prev, end))
    }

    fn iteration_started<R: Recorder>(
        &self,
        history: &mut R,
        name: Label,
        index: usize,
        started: u64,
        now: i64,
    ) -> Result<u64, Failed> {
        let brief = Brief::Iteration(name, index as u64);
        history
            .push_brief(started, now, EventType::MapIterationStarted, brief)
            .map_err(|e| (e.into(), started))
    }

    /// Records that an iteration which started at `start` ended: when its last state did (the
    /// two events are back to back), or now if it failed.
    fn iteration_ended<R: Recorder>(
        &self,
        history: &mut R,
        name: Label,
        index: usize,
        r: Result<Finished, Failed>,
        start: i64,
    ) -> Result<Iteration, Failed> {
        let (t, last, end) = match &r {
            Ok((_, last, end)) => (EventType::MapIterationSucceeded, *last, *end),
            Err((_, last)) => (EventType::MapIterationFailed, *last, self.now()),
        };
        let ended = self.iteration_event(history, (name, index), t, last, end)?;
        let outcome = r.map(|(v, ..)| v).map_err(|(e, _)| e);
        Ok((index, outcome, ended, (start, end)))
    }

    /// Records that an iteration succeeded, at `end`, its last event being `last`.
    #[inline]
    fn iteration_succeeded<R: Recorder>(
        &self,
        history: &mut R,
        name: Label,
        index: usize,
        last: u64,
        end: i64,
    ) -> Result<u64, Failed> {
        let t = EventType::MapIterationSucceeded;
        self.iteration_event(history, (name, index), t, last, end)
    }

    /// Records an iteration's end (`t`), and that it is done on the progress display.
    #[inline(always)]
    fn iteration_event<R: Recorder>(
        &self,
        history: &mut R,
        (name, index): (Label, usize),
        t: EventType,
        last: u64,
        end: i64,
    ) -> Result<u64, Failed> {
        if let Some(p) = &self.progress {
            p.map_item_done();
        }
        history
            .push_brief(last, end, t, Brief::Iteration(name, index as u64))
            .map_err(|e| (e.into(), last))
    }
}

/// A finished Map iteration: its index, its output or error, its last event, and when it
/// started and ended.
type Iteration = (usize, Result<Val, StatesError>, u64, (i64, i64));

/// Where an instant Map iteration's plain loop stopped.
enum IterationStep {
    /// It ended, and its result (or tolerated failure) is collected.
    Ended,
    /// It failed one time too many: the Map fails with this error.
    OverTolerance(StatesError),
    /// Past its budget of states: where it stopped, and its variables.
    Paused(Cursor, Frame),
}

/// The outcomes of a Map's iterations, in item order.
struct Collected {
    tolerance: Tolerance,
    /// How many iterations there are.
    count: usize,
    /// The results so far, in item order (iterations of instant states end in order, and
    /// push theirs; a later one ending first leaves nulls before it, until they end).
    results: Vec<Val>,
    failures: u64,
    /// The latest event of any iteration.
    last: u64,
    /// For a ResultWriter: each iteration, once it ended.
    ended: Option<Vec<Option<Ended>>>,
    /// The depth of the deepest result so far, when it is measured (the results' array is
    /// one deeper; see `map_iterations`).
    deepest: Option<usize>,
}

/// How an iteration ended, for a ResultWriter: its error (if it failed), when it started and
/// when it ended.
type Ended = (Option<StatesError>, (i64, i64));

impl Collected {
    /// Sets the result of iteration `index`.
    #[inline(always)]
    fn set(&mut self, index: usize, result: Val) {
        if let Some(deepest) = &mut self.deepest {
            *deepest = (*deepest).max(result.depth());
        }
        if index == self.results.len() {
            super::prefetch::ahead(self.results.as_ptr().wrapping_add(index + 8));
            self.results.push(result);
        } else {
            if index > self.results.len() {
                self.results.resize(index + 1, Val::Null);
            }
            self.results[index] = result;
        }
    }

    /// Every iteration's result, in item order (null for those that have none).
    fn results_in_order(&mut self) -> Vec<Val> {
        let mut results = std::mem::take(&mut self.results);
        results.resize(self.count, Val::Null);
        results
    }

    /// Records an iteration; the error that fails the Map when it is one failure too many.
    #[inline(always)]
    fn add_iteration(
        &mut self,
        (index, outcome, ended, span): Iteration,
    ) -> Result<(), StatesError> {
        self.add((index, outcome, ended), span)
    }

    /// Records an iteration that succeeded with `v`, its last event `ended`.
    #[inline]
    fn succeeded(&mut self, index: usize, v: Val, ended: u64, span: (i64, i64)) {
        self.last = self.last.max(ended);
        if let Some(slot) = self.ended.as_mut().and_then(|e| e.get_mut(index)) {
            *slot = Some((None, span));
        }
        self.set(index, v);
    }

    /// [`add_iteration`](Self::add_iteration), with the span apart.
    // The span in two registers: inside the iteration, as 16 bytes just written as two 8-byte
    // halves, its load could not be forwarded from the store buffer (perf annotate: four
    // fifths of this function's samples).
    fn add(
        &mut self,
        (index, outcome, ended): (usize, Result<Val, StatesError>, u64),
        span: (i64, i64),
    ) -> Result<(), StatesError> {
        let t = self.tolerance;
        self.last = self.last.max(ended);
        if let Some(slot) = self.ended.as_mut().and_then(|e| e.get_mut(index)) {
            *slot = Some((outcome.as_ref().err().cloned(), span));
        }
        match outcome {
            Ok(v) => self.set(index, v),
            Err(e) => {
                self.failures += 1;
                let failures = self.failures;
                let count = self.count;
                let tolerated = t.count.is_some() || t.percentage.is_some();
                let within = tolerated
                    && t.count.is_none_or(|c| failures <= c)
                    && t.percentage
                        .is_none_or(|p| (failures as f64) * 100.0 / (count.max(1) as f64) <= p);
                if !within {
                    if tolerated {
                        return Err(StatesError::new(
                            names::EXCEED_TOLERATED_FAILURE_THRESHOLD,
                            format!("The Map state failed because {failures} of its iterations failed, more than tolerated. Last error: {e}"),
                        ));
                    }
                    return Err(e);
                }
                self.set(index, val!({ "Error": e.error, "Cause": e.cause }));
            }
        }
        Ok(())
    }
}

impl Collected {
    /// The child executions a ResultWriter reports: each iteration's input and outcome, in
    /// item order (those that never ended are pending).
    fn children(&mut self, inputs: Vec<Val>) -> Vec<Child> {
        let ended = self.ended.take().unwrap_or_default();
        inputs
            .into_iter()
            .zip(ended)
            .zip(self.results_in_order())
            .map(|((input, ended), result)| {
                let (outcome, (start_millis, stop_millis)) = match ended {
                    None => (Outcome::Pending, (0, 0)),
                    Some((Some(e), span)) => (Outcome::Failed(e), span),
                    Some((None, span)) => (Outcome::Succeeded(result), span),
                };
                Child {
                    input,
                    outcome,
                    start_millis,
                    stop_millis,
                }
            })
            .collect()
    }
}

/// Fails the call with `States.HeartbeatTimeout` when `seconds` pass without a heartbeat.
async fn watch_heartbeat(
    call: BoxFuture<'static, Result<Val, StatesError>>,
    seconds: u64,
    beats: Arc<tokio::sync::Notify>,
) -> Result<Val, StatesError> {
    let mut call = call;
    loop {
        tokio::select! {
            r = &mut call => return r,
            beat = tokio::time::timeout(Duration::from_secs(seconds), beats.notified()) => {
                if beat.is_err() {
                    return Err(StatesError::new(
                        names::HEARTBEAT_TIMEOUT,
                        format!("The task sent no heartbeat for {seconds} seconds."),
                    ));
                }
            }
        }
    }
}

/// `States.NoChoiceMatched`, with the service's message.
pub(crate) fn no_choice_matched(run: &StateRun<'_>) -> StatesError {
    StatesError::new(
        names::NO_CHOICE_MATCHED,
        format!(
            "An error occurred while executing the state '{}' (entered at the event id #{}). No Choice Rule matched and no Default was specified.",
            run.node.name, run.entered_id
        ),
    )
}

/// Evaluates a JSONPath-mode Assign (a payload template).
fn path_assign(a: &Assign, scope: &Scope<'_>) -> Result<Val, StatesError> {
    match a {
        Assign::Path(t) => t.evaluate(scope),
        Assign::Jsonata(_) => unreachable!("JSONata Assign runs in the JSONata data flow"),
    }
}

/// What a Map state iterates: the inputs, at most `limit` at once (0: all), and how many
/// failures it tolerates.
pub(crate) struct Iterations {
    pub inputs: Inputs,
    pub limit: u64,
    pub tolerance: Tolerance,
    /// The ResultWriter, with its parameters evaluated.
    pub writer: Option<WriterPlan>,
}

/// How many failed iterations a Map tolerates (`None`: none).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Tolerance {
    pub count: Option<u64>,
    pub percentage: Option<f64>,
}

/// Groups iteration inputs with an ItemBatcher.
pub(crate) fn batched(
    inputs: Vec<Val>,
    max_items: Option<u64>,
    max_bytes: Option<u64>,
    batch_input: Option<&Val>,
) -> Vec<Val> {
    batch(inputs, max_items, max_bytes, batch_input)
}

pub(crate) fn next_step(node: &Node, output: Val) -> Step {
    match node.next {
        Some(n) => Step::Next(output, n),
        None => Step::End(output),
    }
}

fn task_resource(node: &Node) -> Arc<str> {
    match &node.kind {
        Kind::Task(t) => t.resource.clone(),
        _ => node.name.clone(),
    }
}

fn resolve_int(s: &IntField, scope: &Scope<'_>, field: &str) -> Result<u64, StatesError> {
    match s {
        IntField::Literal(n) => Ok(*n),
        IntField::Jsonata(_) => unreachable!("JSONata Tasks run in jsonata_attempt"),
        IntField::Path(p) => p.select(scope)?.as_u64().filter(|n| *n > 0).ok_or_else(|| {
            StatesError::runtime(format!(
                "The {field} field does not reference a positive integer: {}",
                p.as_str()
            ))
        }),
    }
}

/// Whether the state's output is its input itself: a JSONPath Choice without InputPath or
/// OutputPath (its Assign changes variables only), which records no event between its entry
/// and its exit.
#[inline(always)]
fn passes_input_through(node: &Node) -> bool {
    matches!(node.kind, Kind::Choice { .. })
        && node.jsonata.is_none()
        && node.io.input_path.is_none()
        && node.io.output_path.is_none()
}

/// Whether a state's result is its output as it is: no ResultSelector, Assign, ResultPath or
/// OutputPath.
#[inline(always)]
fn result_is_output(node: &Node) -> bool {
    let io = &node.io;
    io.result_selector.is_none()
        && node.assign.is_none()
        && io.result_path.is_none()
        && io.output_path.is_none()
}

/// InputPath: the state's effective input (the input itself, borrowed, when there is none).
#[inline(always)]
fn select_input<'a>(
    node: &Node,
    input: &'a Val,
    ctx: Option<&Val>,
    frame: &Frame,
) -> Result<Cow<'a, Val>, StatesError> {
    match &node.io.input_path {
        None => Ok(Cow::Borrowed(input)),
        Some(None) => Ok(Cow::Owned(Val::object(Object::new()))),
        Some(Some(p)) => select_owned(p, input, ctx, frame).map(Cow::Owned),
    }
}

/// [`select_input`] for a state that has no other use for its input: moved through when there
/// is no InputPath (no reference count changed).
#[inline(always)]
fn take_input(
    node: &Node,
    input: Val,
    ctx: Option<&Val>,
    frame: &Frame,
) -> Result<Val, StatesError> {
    match &node.io.input_path {
        None => Ok(input),
        Some(_) => select_input(node, &input, ctx, frame).map(Cow::into_owned),
    }
}

fn select_owned(
    p: &JsonPath,
    input: &Val,
    ctx: Option<&Val>,
    frame: &Frame,
) -> Result<Val, StatesError> {
    let scope = Scope {
        input,
        context: ctx,
        variables: Some(frame),
    };
    Ok(p.select(&scope)?.into_owned())
}

/// Parameters: the payload template applied to the effective input.
#[inline(always)]
fn parameters(
    node: &Node,
    effective: Cow<'_, Val>,
    ctx: Option<&Val>,
    frame: &Frame,
) -> Result<Val, StatesError> {
    match &node.io.parameters {
        None => Ok(effective.into_owned()),
        Some(t) => {
            let scope = Scope {
                input: &effective,
                context: ctx,
                variables: Some(frame),
            };
            t.evaluate(&scope)
        }
    }
}

/// OutputPath: the part of the state's output passed on.
#[inline(always)]
fn apply_output_path(
    node: &Node,
    output: Val,
    ctx: Option<&Val>,
    frame: &Frame,
) -> Result<Val, StatesError> {
    match &node.io.output_path {
        None => Ok(output),
        Some(None) => Ok(Val::object(Object::new())),
        Some(Some(p)) => select_owned(p, &output, ctx, frame),
    }
}

/// A Task whose resource has no handler: the service's error for a Lambda function that does
/// not exist, else a task failure naming the resource.
fn missing_handler(task: &TaskNode, function: &str) -> StatesError {
    match task.invoke {
        Invoke::Other => StatesError::new(
            names::TASK_FAILED,
            format!("no handler is registered for resource `{function}`"),
        ),
        _ => StatesError::new(
            "Lambda.ResourceNotFoundException",
            format!("Function not found: {function}"),
        ),
    }
}

fn panic_error(payload: Box<dyn std::any::Any + Send>) -> StatesError {
    let msg = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "the task handler panicked".to_owned());
    StatesError::new(names::TASK_FAILED, format!("task handler panicked: {msg}"))
}

/// The response `arn:aws:states:::lambda:invoke` gives back around the function's result.
fn lambda_invoke_envelope(payload: Val) -> Val {
    val!({
        "ExecutedVersion": "$LATEST",
        "Payload": payload,
        "SdkHttpMetadata": {
            "AllHttpHeaders": {},
            "HttpHeaders": {},
            "HttpStatusCode": 200
        },
        "SdkResponseMetadata": { "RequestId": "00000000-0000-0000-0000-000000000000" },
        "StatusCode": 200
    })
}

/// A value quoted in a message: a string without its quotes; hidden unless payloads are shown.
fn value_text(v: &Val) -> String {
    match v {
        Val::String(s) if crate::privacy::payloads_shown() => s.to_string(),
        other => Payload(other).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use crate::run::{clock, EventType, Machine, Runner};
    use crate::task::TaskRegistry;
    use serde_json::json;

    #[tokio::test]
    async fn data_only_states_in_a_run_share_clock_readings_up_to_a_bound() {
        let count = 3 * super::SHARED_READINGS as usize;
        let states: serde_json::Map<String, serde_json::Value> = (0..count)
            .map(|i| {
                let next = match i + 1 {
                    n if n == count => json!({"Type": "Pass", "End": true}),
                    n => json!({"Type": "Pass", "Next": format!("P{n}")}),
                };
                (format!("P{i}"), next)
            })
            .collect();
        let def = json!({"StartAt": "P0", "States": states});
        let machine = Machine::from_json(&def.to_string()).expect("the chain compiles");
        clock::step_readings_from(Some(1_000));
        let exec = Runner::new(machine, TaskRegistry::new())
            .run(json!({}))
            .await;
        clock::step_readings_from(None);
        let times = |t: EventType| -> Vec<i64> {
            exec.history
                .iter()
                .filter(|e| e.event_type == t)
                .map(|e| e.timestamp_millis)
                .collect()
        };
        let (entered, exited) = (
            times(EventType::PassStateEntered),
            times(EventType::PassStateExited),
        );
        assert_eq!((entered.len(), exited.len()), (count, count));
        let period = super::SHARED_READINGS as usize + 1;
        for (i, (e, x)) in entered.iter().zip(&exited).enumerate() {
            // The first state of the run reads the clock, then one in every `period`.
            assert_eq!(
                x > e,
                i % period == 0,
                "state P{i}: entered {e}, exited {x}"
            );
            assert!(x >= e);
        }
        let all: Vec<i64> = exec.history.iter().map(|e| e.timestamp_millis).collect();
        assert!(
            all.windows(2).all(|w| w[0] <= w[1]),
            "timestamps never go back"
        );
    }

    #[tokio::test]
    async fn a_maps_instant_iterations_share_clock_readings_across_iterations() {
        let count = 3 * super::SHARED_READINGS as usize;
        let def = json!({"StartAt": "M", "States": {"M": {"Type": "Map", "End": true,
            "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}}}});
        let machine = Machine::from_json(&def.to_string()).expect("the Map compiles");
        clock::step_readings_from(Some(1_000));
        let items: Vec<u32> = (0..count as u32).collect();
        let exec = Runner::new(machine, TaskRegistry::new())
            .run(json!(items))
            .await;
        clock::step_readings_from(None);
        let events: Vec<_> = exec.history.iter().collect();
        let pairs: Vec<(i64, i64)> = events
            .windows(2)
            .filter(|w| w[0].event_type == EventType::PassStateEntered)
            .map(|w| (w[0].timestamp_millis, w[1].timestamp_millis))
            .collect();
        assert_eq!(pairs.len(), count);
        let period = super::SHARED_READINGS as usize + 1;
        for (i, (entered, exited)) in pairs.iter().enumerate() {
            // The count carries from one iteration to the next: one reading in every `period`
            // iterations, not one each.
            assert_eq!(
                exited > entered,
                i % period == 0,
                "item {i}: {entered} -> {exited}"
            );
        }
        let all: Vec<i64> = events.iter().map(|e| e.timestamp_millis).collect();
        assert!(
            all.windows(2).all(|w| w[0] <= w[1]),
            "timestamps never go back"
        );
    }
}
