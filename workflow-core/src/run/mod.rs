//! The in-process interpreter: runs a validated definition with the service's semantics.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use workflow_core::run::{Machine, Runner, Status};
//! use workflow_core::task::TaskRegistry;
//! let machine = Machine::from_json(r#"{"StartAt": "Hello", "States": {
//!     "Hello": {"Type": "Pass", "Result": {"greeting": "hi"}, "End": true}}}"#).unwrap();
//! let execution = Runner::new(machine, TaskRegistry::new()).run(serde_json::json!({})).await;
//! assert_eq!(execution.status, Status::Succeeded);
//! assert_eq!(execution.output, Some(serde_json::json!({"greeting": "hi"})));
//! # });
//! ```

mod clock;
mod exec;
mod history;
mod inputs;
mod items;
mod jsonata_state;
mod jsonata_template;
mod metrics;
mod mock;
mod monotonic;
mod prefetch;
mod program;
mod progress;
mod results;
mod retry;
mod vars;

pub use clock::Clock;
pub use history::{EventDetails, EventType, Events, ExecutionHistory, HistoryEvent};
pub use items::{InMemory, ItemSource, LocalFiles, ObjectInfo};
pub use metrics::{Metrics, TaskMetrics, RECENT_DURATIONS};
pub use mock::{MockCase, MockConfig, MockError};
pub use progress::{Progress, ProgressSnapshot};
pub use results::ResultSink;
pub(crate) use results::{parse_writer_config, PUT_OBJECT};

use crate::asl::StateMachine;
use crate::error::{names, StatesError};
use crate::limits::Over;
use crate::task::{TaskHandler, TaskRegistry};
use crate::validate::Diagnostic;
use crate::value::Val;
use exec::{ExecutionInfo, Limits, Shared};
use history::History;
use program::Program;
use serde_json::Value;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// A definition compiled and ready to run; cheap to share between runners.
#[derive(Debug, Clone)]
pub struct Machine {
    definition: Arc<StateMachine>,
    program: Arc<Program>,
}

impl Machine {
    /// Validates and compiles a definition (paths parsed, templates split, names resolved).
    /// Every problem is returned, each with the JSON pointer of the offending field.
    pub fn new(definition: StateMachine) -> Result<Machine, Vec<Diagnostic>> {
        let problems = crate::validate(&definition);
        if !problems.is_empty() {
            // A definition refused for its nesting may be too deep for a plain drop.
            crate::limits::dispose_definition(definition);
            return Err(problems);
        }
        Machine::compile(definition)
    }

    /// Loads, validates and compiles JSON text; problems carry line and column too.
    pub fn from_json(text: &str) -> Result<Machine, Vec<Diagnostic>> {
        Machine::compile(crate::load(text)?)
    }

    fn compile(definition: StateMachine) -> Result<Machine, Vec<Diagnostic>> {
        let program = Program::compile(&definition).map_err(|errors| {
            errors
                .into_iter()
                .map(|e| Diagnostic::new(e.pointer, e.message))
                .collect::<Vec<_>>()
        })?;
        Ok(Machine {
            definition: Arc::new(definition),
            program: Arc::new(program),
        })
    }

    /// The definition this machine runs.
    pub fn definition(&self) -> &StateMachine {
        &self.definition
    }
}

/// How executions run. The defaults are the service's.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Record history events (the count limit applies either way).
    pub record_history: bool,
    /// The most history events an execution may write (the service: 25,000); `None` = no limit.
    pub max_history_events: Option<u64>,
    /// The largest state input or output, as compact JSON bytes (the service: 256 KiB);
    /// `None` = no limit.
    pub max_payload_bytes: Option<usize>,
    /// The most bytes all the variables of an execution may take together (each variable's name
    /// plus its value as compact JSON); an `Assign` that would go past it fails the state with
    /// `States.DataLimitExceeded`, naming the state. The Step Functions developer guide
    /// ("Passing data between states with variables") gives 256 KiB for what one state assigns
    /// (`max_payload_bytes` applies to it) and, in its variable size limits, 10 MiB for the
    /// variables stored in one execution; it names no error for the latter, and the interpreter
    /// raises the one the service raises for its other data limits. In-process, the total is
    /// that of the variables the assigning scope sees: its own and its enclosing scopes', not
    /// those of concurrent sibling Map iterations or Parallel branches (a distributed Map's
    /// iterations are child executions in the service). `None` = no limit.
    pub max_variable_bytes: Option<usize>,
    /// The deepest nesting of arrays and objects accepted in the execution input, task results
    /// and state outputs (default [`MAX_JSON_DEPTH`](crate::limits::MAX_JSON_DEPTH)); deeper
    /// values fail with `States.DataLimitExceeded`. `None` = no limit (and no protection of
    /// the stack from values built in code).
    pub max_json_depth: Option<usize>,
    /// The longest an execution may run, whatever its `TimeoutSeconds` says; past it, it ends
    /// `TIMED_OUT` with `States.Timeout` (the service: one year for a Standard workflow).
    /// `None` = only `TimeoutSeconds` applies.
    pub max_duration: Option<Duration>,
    /// Quote state data in error causes (the input a path was not found in, a value of the
    /// wrong type, ...). Off by default: payloads may hold tokens, and causes end up in logs.
    /// History events record payloads either way (see `record_history`).
    pub include_payloads_in_errors: bool,
    /// The wall clock (pin it in tests).
    pub clock: Clock,
    /// The state machine's name, for `$$.StateMachine` and execution ARNs.
    pub state_machine_name: String,
    /// Counters to watch the execution's progress from outside (`None`: not counted).
    pub progress: Option<Arc<Progress>>,
    /// Where distributed Maps' `ItemReader`s read (S3 buckets in the service).
    pub item_source: Option<Arc<dyn ItemSource>>,
    /// Where distributed Maps' `ResultWriter`s write (S3 buckets in the service); the same
    /// [`LocalFiles`] or [`InMemory`] store can serve as `item_source` too.
    pub result_sink: Option<Arc<dyn ResultSink>>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            record_history: true,
            max_history_events: Some(25_000),
            max_payload_bytes: Some(256 * 1024),
            max_variable_bytes: Some(10 * 1024 * 1024),
            max_json_depth: Some(crate::limits::MAX_JSON_DEPTH),
            include_payloads_in_errors: false,
            max_duration: Some(Duration::from_secs(365 * 24 * 60 * 60)),
            clock: Clock::system(),
            state_machine_name: "StateMachine".to_owned(),
            progress: None,
            item_source: None,
            result_sink: None,
        }
    }
}

/// How an execution ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Reached a Succeed state or an End.
    Succeeded,
    /// A state failed and nothing caught it.
    Failed,
    /// The machine's TimeoutSeconds passed.
    TimedOut,
    /// Stopped from outside.
    Aborted,
}

impl Status {
    /// The service's name: `SUCCEEDED`, `FAILED`, `TIMED_OUT`, `ABORTED`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Succeeded => "SUCCEEDED",
            Status::Failed => "FAILED",
            Status::TimedOut => "TIMED_OUT",
            Status::Aborted => "ABORTED",
        }
    }
}

/// The result of one execution.
#[derive(Debug, Clone)]
pub struct Execution {
    /// How it ended.
    pub status: Status,
    /// The output, when it succeeded.
    pub output: Option<Value>,
    /// The error name, when it did not.
    pub error: Option<String>,
    /// The cause, when it did not.
    pub cause: Option<String>,
    /// The events, in order (empty when history is not recorded).
    pub history: ExecutionHistory,
}

/// Runs executions of one machine with one set of task handlers; gathers task metrics.
#[derive(Clone)]
pub struct Runner {
    machine: Machine,
    tasks: Arc<TaskRegistry>,
    /// `tasks`' handler for each Task state of the machine, found once.
    handlers: Arc<[Option<Arc<dyn TaskHandler>>]>,
    /// Which states and scopes never wait with these handlers.
    instants: exec::Instants,
    mocks: Option<MockCase>,
    options: RunOptions,
    metrics: Arc<Metrics>,
    counter: Arc<AtomicU64>,
    /// The length of the last recorded history: the next one's first block has that much room
    /// (up to a block), so that repeated short executions do not grow it by copying.
    history_hint: Arc<AtomicUsize>,
}

/// A running execution started with [`Runner::start`].
pub struct ExecutionHandle {
    abort: watch::Sender<bool>,
    join: tokio::task::JoinHandle<Execution>,
}

impl ExecutionHandle {
    /// Stops the execution; it ends `ABORTED`.
    pub fn abort(&self) {
        let _ = self.abort.send(true);
    }

    /// Waits for the execution to end.
    pub async fn wait(self) -> Execution {
        match self.join.await {
            Ok(e) => e,
            Err(e) => failed_execution(StatesError::runtime(format!(
                "the execution's task ended abnormally: {e}"
            ))),
        }
    }
}

/// Runs a future (an execution, typically) to its end on a new single-threaded tokio runtime
/// with time enabled: for programs that have no runtime of their own, like command-line tools.
/// Fails, rather than panicking, when called from inside a runtime or when the runtime cannot
/// start.
///
/// ```
/// use workflow_core::run::{block_on, Machine, Runner, Status};
/// let machine = Machine::from_json(r#"{"StartAt": "W", "States": {
///     "W": {"Type": "Wait", "Seconds": 0, "End": true}}}"#).unwrap();
/// let runner = Runner::new(machine, Default::default());
/// let execution = block_on(runner.run(serde_json::json!({}))).unwrap();
/// assert_eq!(execution.status, Status::Succeeded);
/// ```
pub fn block_on<F: std::future::Future>(future: F) -> std::io::Result<F::Output> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(std::io::Error::other(
            "block_on was called inside a tokio runtime; await the future instead",
        ));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    Ok(runtime.block_on(future))
}

fn failed_execution(e: StatesError) -> Execution {
    Execution {
        status: Status::Failed,
        output: None,
        error: Some(e.error),
        cause: Some(e.cause),
        history: ExecutionHistory::default(),
    }
}

impl Runner {
    /// A runner with the default options.
    pub fn new(machine: Machine, tasks: TaskRegistry) -> Self {
        let handlers = machine
            .program
            .handler_keys
            .iter()
            .map(|key| tasks.resolve(key).cloned())
            .collect::<Arc<[_]>>();
        let instants = exec::Instants::new(&machine.program, &handlers, false);
        Runner {
            machine,
            handlers,
            instants,
            tasks: Arc::new(tasks),
            mocks: None,
            options: RunOptions::default(),
            metrics: Arc::new(Metrics::default()),
            counter: Arc::new(AtomicU64::new(0)),
            history_hint: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Replaces the options.
    pub fn with_options(mut self, options: RunOptions) -> Self {
        self.options = options;
        self
    }

    /// Gathers task metrics into `metrics` (e.g. [`Metrics::recording_call_times`], or one set
    /// shared by several runners) instead of a fresh set of its own.
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Self {
        self.metrics = metrics;
        self
    }

    /// Answers the Task states of a mock test case from the mock instead of their handlers.
    pub fn with_mocks(mut self, case: MockCase) -> Self {
        self.mocks = Some(case);
        // A mocked Task answers from the mock, through the interpreter's asynchronous call.
        self.instants = exec::Instants::new(&self.machine.program, &self.handlers, true);
        self
    }

    /// The options in force.
    pub fn options(&self) -> &RunOptions {
        &self.options
    }

    /// The task metrics gathered so far, across every execution of this runner.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Starts an execution on the current tokio runtime; it can be aborted.
    pub fn start(&self, input: Value) -> ExecutionHandle {
        let (tx, rx) = watch::channel(false);
        let runner = self.clone();
        let join = tokio::spawn(async move {
            let (input, over) = runner.admit(input);
            runner.execute(input, over, Some(rx)).await
        });
        ExecutionHandle { abort: tx, join }
    }

    /// Runs one execution to its end.
    pub async fn run(&self, input: Value) -> Execution {
        let (input, over) = self.admit(input);
        self.execute(input, over, None).await
    }

    /// Runs one execution to its end on an input that is already a [`Val`] (no conversion).
    pub async fn run_val(&self, input: Val) -> Execution {
        let over = crate::limits::measure_val(
            &input,
            self.options.max_payload_bytes,
            self.options.max_json_depth,
        );
        let input = unless_too_deep(input, over).unwrap_or_default();
        self.execute(input, over, None).await
    }

    /// The execution input against the limits, and as a [`Val`]: an input too deep for the
    /// recursive walks (the conversion among them) is neither converted nor kept.
    fn admit(&self, input: Value) -> (Val, Option<Over>) {
        let over = crate::limits::measure(
            &input,
            self.options.max_payload_bytes,
            self.options.max_json_depth,
        );
        let input = unless_too_deep(input, over).map_or(Val::Null, Val::from);
        (input, over)
    }

    async fn execute(
        &self,
        input: Val,
        over: Option<Over>,
        abort: Option<watch::Receiver<bool>>,
    ) -> Execution {
        let n = self.counter.fetch_add(1, Ordering::Relaxed) + 1;
        let clock = self.options.clock.start();
        let start_millis = clock.now_unix_millis();
        let sm = &self.options.state_machine_name;
        let name = format!("execution-{n}");
        let shared = Shared {
            program: Arc::clone(&self.machine.program),
            tasks: Arc::clone(&self.tasks),
            handlers: Arc::clone(&self.handlers),
            instants: self.instants.clone(),
            mocks: self.mocks.clone().map(mock::MockSession::new),
            history: History::new(
                self.options.record_history,
                self.options.max_history_events,
                self.history_hint.load(Ordering::Relaxed),
                Arc::clone(&self.machine.program.labels),
            ),
            clock,
            limits: Limits {
                payload_bytes: self.options.max_payload_bytes,
                json_depth: self.options.max_json_depth,
                variable_bytes: self.options.max_variable_bytes,
            },
            input: self.machine.program.uses_context.then(|| input.clone()),
            info: ExecutionInfo {
                id: Arc::from(format!(
                    "arn:aws:states:us-east-1:000000000000:execution:{sm}:{name}"
                )),
                name,
                start_millis,
                state_machine_id: format!(
                    "arn:aws:states:us-east-1:000000000000:stateMachine:{sm}"
                ),
                state_machine_name: sm.clone(),
            },
            metrics: Arc::clone(&self.metrics),
            task_metrics: self.handlers.iter().map(|_| Default::default()).collect(),
            progress: self.options.progress.clone(),
            jitter: retry::Jitter::new(start_millis as u64 ^ n.wrapping_mul(0x9E37_79B9)),
            item_source: self.options.item_source.clone(),
            result_sink: self.options.result_sink.clone(),
        };
        let started = shared.history.push_final(
            0,
            start_millis,
            EventType::ExecutionStarted,
            EventDetails {
                input: (over != Some(Over::Depth)).then(|| input.clone()),
                ..Default::default()
            },
        );
        let body = async {
            if let Some(over) = over {
                let cause = match over {
                    Over::Bytes => {
                        "The execution input exceeds the maximum number of bytes service limit."
                            .to_owned()
                    }
                    Over::Depth => format!(
                        "The execution input nests deeper than the maximum of {} levels.",
                        shared.limits.json_depth.unwrap_or_default()
                    ),
                };
                return Err((StatesError::new(names::DATA_LIMIT_EXCEEDED, cause), started));
            }
            let start = shared.program.scopes.first().map_or(0, |_| 0);
            shared
                .run_scope(
                    start,
                    input,
                    vars::Frame::default(),
                    (started, shared.clock.now_unix_millis()),
                )
                .await
        };
        let timeout = match (shared.program.timeout_seconds, self.options.max_duration) {
            (Some(s), Some(max)) => Some(Duration::from_secs(s).min(max)),
            (s, max) => s.map(Duration::from_secs).or(max),
        };
        let outcome = crate::privacy::scope(self.options.include_payloads_in_errors, async {
            tokio::select! {
                r = body => Outcome::Done(r),
                _ = sleep_or_forever(timeout) => Outcome::TimedOut,
                _ = aborted(abort) => Outcome::Aborted,
            }
        })
        .await;
        let now = shared.clock.now_unix_millis();
        let last = |prev: u64, t: EventType, d: EventDetails| {
            shared.history.push_final(prev, now, t, d);
        };
        let mut execution = match outcome {
            Outcome::Done(Ok((output, prev, _))) => {
                last(
                    prev,
                    EventType::ExecutionSucceeded,
                    EventDetails {
                        output: Some(output.clone()),
                        ..Default::default()
                    },
                );
                Execution {
                    status: Status::Succeeded,
                    output: Some(output.to_json()),
                    error: None,
                    cause: None,
                    history: ExecutionHistory::default(),
                }
            }
            Outcome::Done(Err((e, prev))) => {
                last(prev, EventType::ExecutionFailed, error_details(&e));
                failed_execution(e)
            }
            Outcome::TimedOut => {
                let e = StatesError::new(names::TIMEOUT, "The execution timed out.");
                last(0, EventType::ExecutionTimedOut, error_details(&e));
                Execution {
                    status: Status::TimedOut,
                    ..failed_execution(e)
                }
            }
            Outcome::Aborted => {
                last(0, EventType::ExecutionAborted, EventDetails::default());
                Execution {
                    status: Status::Aborted,
                    output: None,
                    error: None,
                    cause: None,
                    history: ExecutionHistory::default(),
                }
            }
        };
        execution.history = shared.history.take();
        if self.options.record_history {
            // The history sizes its first block from it, up to a block.
            self.history_hint
                .store(execution.history.len(), Ordering::Relaxed);
        }
        execution
    }
}

/// The input, unless it is over the depth limit: then it is dropped without recursion.
fn unless_too_deep<T: crate::limits::Json>(input: T, over: Option<Over>) -> Option<T> {
    if over == Some(Over::Depth) {
        crate::limits::dispose(input);
        return None;
    }
    Some(input)
}

enum Outcome {
    Done(Result<exec::Finished, exec::Failed>),
    TimedOut,
    Aborted,
}

fn error_details(e: &StatesError) -> EventDetails {
    EventDetails {
        error: Some(Arc::from(e.error.as_str())),
        cause: Some(Arc::from(e.cause.as_str())),
        ..Default::default()
    }
}

async fn sleep_or_forever(duration: Option<Duration>) {
    match duration {
        Some(d) => tokio::time::sleep(d).await,
        None => std::future::pending().await,
    }
}

async fn aborted(rx: Option<watch::Receiver<bool>>) {
    let Some(mut rx) = rx else {
        return std::future::pending().await;
    };
    loop {
        if *rx.borrow() {
            return;
        }
        if rx.changed().await.is_err() {
            // The handle was dropped without aborting: run to the end.
            return std::future::pending().await;
        }
    }
}
