//! A definition compiled for running: states resolved to indices, paths parsed, templates split,
//! Choice rules compiled. Built once per definition; shared by every execution.

use super::history::{Label, Labels};
use super::jsonata_template::Jt;
use super::results::{parse_writer_config, WriterConfig};
use crate::asl::{self, QueryLanguage, State, StateMachine};
use crate::choice::Rule;
use crate::intrinsics::{self, Call};
use crate::path::{JsonPath, Template};
use crate::task;
use crate::value::Val;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// The index of a state within its scope.
pub(crate) type StateId = usize;
/// The index of a scope (the machine, a branch, a processor) within the program.
pub(crate) type ScopeId = usize;

/// A whole compiled definition.
#[derive(Debug)]
pub(crate) struct Program {
    pub scopes: Vec<ScopeProgram>,
    pub timeout_seconds: Option<u64>,
    /// Whether any state reads `$$`, so that the execution's input must be kept for
    /// `$$.Execution.Input`.
    pub uses_context: bool,
    /// The name each Task state's handler is looked up by, by [`TaskNode::ordinal`] (a runner
    /// looks its handlers up once, not on every call): the function name of a Lambda ARN, else
    /// the resource (`lambda:invoke` names its function in its parameters instead).
    pub handler_keys: Vec<Arc<str>>,
    /// The state names and task resources the history's records point into.
    pub labels: Arc<[Arc<str>]>,
}

/// The states of one scope.
#[derive(Debug)]
pub(crate) struct ScopeProgram {
    pub start: StateId,
    pub nodes: Vec<Node>,
}

impl ScopeProgram {
    /// The scope's one state when it is a Task whose input is its parameters and whose result
    /// is its output, ending the scope: a JSONPath-mode Task with no InputPath, Parameters,
    /// ResultSelector, ResultPath, OutputPath, Assign, Catch or `$$`. A Map of such a task
    /// (a Lambda called per item, the most common Map) runs it without the general loop.
    pub fn lone_task(&self) -> Option<(&Node, &TaskNode)> {
        let [node] = self.nodes.as_slice() else {
            return None;
        };
        let Kind::Task(task) = &node.kind else {
            return None;
        };
        let io = &node.io;
        let plain = node.next.is_none()
            && node.jsonata.is_none()
            && !node.uses_context
            && node.catch.is_empty()
            && node.assign.is_none()
            && io.input_path.is_none()
            && io.parameters.is_none()
            && io.result_selector.is_none()
            && io.result_path.is_none()
            && io.output_path.is_none();
        plain.then_some((node, &**task))
    }
}

/// One compiled state.
#[derive(Debug)]
pub(crate) struct Node {
    pub name: Arc<str>,
    /// `name` as history records keep it.
    pub label: Label,
    pub kind: Kind,
    pub io: Io,
    /// `None` for End (and for Choice, Succeed, Fail).
    pub next: Option<StateId>,
    pub retry: Vec<Retrier>,
    pub catch: Vec<Catcher>,
    pub assign: Option<Assign>,
    /// JSONata-mode Arguments and Output (`None` for a JSONPath state).
    pub jsonata: Option<Box<JsonataIo>>,
    /// Whether any path of the state reads `$$`, so the context object must be built.
    pub uses_context: bool,
    /// Whether the state never waits: a JSONPath-mode Pass, Choice, Succeed or Fail, which the
    /// interpreter runs without building a future.
    pub instant: bool,
    /// For a JSONPath-mode Task that can neither time out nor retry (no `TimeoutSeconds`,
    /// `HeartbeatSeconds` or `Retry`, and not `lambda:invoke`, whose handler is found per
    /// call): its ordinal. It never waits either when its runner's handler is synchronous
    /// ([`TaskHandler::is_sync`](crate::task::TaskHandler::is_sync)).
    pub sync_task: Option<usize>,
}

/// JSONata-mode input and output of a state.
#[derive(Debug, Default)]
pub(crate) struct JsonataIo {
    pub arguments: Option<Jt>,
    pub output: Option<Jt>,
}

/// `Assign`: a JSONPath payload template or JSONata values.
#[derive(Debug)]
pub(crate) enum Assign {
    Path(Template),
    Jsonata(Jt),
}

/// One rule of a Choice state.
#[derive(Debug)]
pub(crate) struct ChoiceBranch {
    pub test: Test,
    pub next: StateId,
    pub assign: Option<Assign>,
    pub output: Option<Jt>,
}

/// What a Choice rule tests.
#[derive(Debug)]
pub(crate) enum Test {
    Rule(Rule<JsonPath>),
    Condition(Jt),
}

/// JSONPath-mode input and output processing of a state.
#[derive(Debug, Default)]
pub(crate) struct Io {
    /// `None`: `$` (the whole input); `Some(None)`: `null` (an empty object).
    pub input_path: Option<Option<JsonPath>>,
    pub parameters: Option<Template>,
    pub result_selector: Option<Template>,
    /// `None`: `$`; `Some(None)`: `null` (discard the result).
    pub result_path: Option<Option<JsonPath>>,
    pub output_path: Option<Option<JsonPath>>,
}

/// What the state does.
#[derive(Debug)]
pub(crate) enum Kind {
    Pass {
        result: Option<Val>,
    },
    Task(Box<TaskNode>),
    Choice {
        branches: Vec<ChoiceBranch>,
        default: Option<StateId>,
    },
    Wait(Wait),
    Succeed,
    Fail {
        error: Option<Expr>,
        cause: Option<Expr>,
    },
    Parallel {
        branches: Vec<ScopeId>,
    },
    Map(Box<MapNode>),
}

/// A Task state's invocation.
#[derive(Debug)]
pub(crate) struct TaskNode {
    pub resource: Arc<str>,
    /// `resource` as history records keep it.
    pub resource_label: Label,
    /// The task's place in [`Program::handler_keys`].
    pub ordinal: usize,
    pub invoke: Invoke,
    pub timeout: Option<IntField>,
    pub heartbeat: Option<IntField>,
}

/// How a Task's resource is called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Invoke {
    /// `arn:aws:lambda:...:function:NAME`: the result is the function's return value; Lambda
    /// history events.
    LambdaArn,
    /// `arn:aws:states:::lambda:invoke`: `FunctionName` and `Payload` from the parameters; the
    /// result is the service's response envelope.
    OptimisedLambda,
    /// Any other resource, handed to the handler registered for it.
    Other,
}

/// A non-negative integer given literally, by a path, or by a JSONata expression.
#[derive(Debug)]
pub(crate) enum IntField {
    Literal(u64),
    Path(JsonPath),
    Jsonata(Jt),
}

/// A Wait state's duration.
#[derive(Debug)]
pub(crate) enum Wait {
    Seconds(u64),
    Timestamp(crate::timestamp::Timestamp),
    SecondsPath(JsonPath),
    TimestampPath(JsonPath),
    SecondsExpr(Jt),
    TimestampExpr(Jt),
}

/// A value computed from a path or an intrinsic call (Fail's ErrorPath/CausePath), or a literal.
#[derive(Debug)]
pub(crate) enum Expr {
    Literal(Arc<str>),
    Path(JsonPath),
    Call(Call<JsonPath>),
    Jsonata(Jt),
}

/// A Map state's iteration.
#[derive(Debug)]
pub(crate) struct MapNode {
    pub processor: ScopeId,
    pub items_path: Option<JsonPath>,
    /// JSONata `Items`.
    pub items: Option<Jt>,
    pub item_selector: Option<Selector>,
    pub max_concurrency: Concurrency,
    pub tolerated_failure_count: Option<IntField>,
    pub tolerated_failure_percentage: Option<Percent>,
    /// Distributed mode: where the items come from.
    pub reader: Option<ReaderNode>,
    /// Distributed mode: how items are grouped into iteration inputs.
    pub batcher: Option<BatcherNode>,
    /// Distributed mode: where and how the results are written.
    pub writer: Option<WriterNode>,
}

/// ToleratedFailurePercentage, literal, by path or by JSONata.
#[derive(Debug)]
pub(crate) enum Percent {
    Literal(f64),
    Path(JsonPath),
    Jsonata(Jt),
}

/// A Map's `ItemReader`.
#[derive(Debug)]
pub(crate) struct ReaderNode {
    pub resource: Arc<str>,
    /// Parameters (JSONPath) or Arguments (JSONata) naming the bucket and key.
    pub params: Option<Selector>,
    pub config: Option<Val>,
}

/// A Map's `ResultWriter`.
#[derive(Debug)]
pub(crate) struct WriterNode {
    /// The Map's `Label` (or its name), for map run ARNs.
    pub label: Arc<str>,
    /// `s3:putObject` with its Parameters (JSONPath) or Arguments (JSONata): the bucket and
    /// prefix to export to (`None`: the results are formatted, not exported).
    pub export: Option<(Arc<str>, Option<Selector>)>,
    pub config: Option<WriterConfigNode>,
}

/// A `WriterConfig`: literal, or with JSONata expressions evaluated when the Map runs.
#[derive(Debug)]
pub(crate) enum WriterConfigNode {
    Literal(WriterConfig),
    Jsonata(Jt),
}

/// A Map's `ItemBatcher`.
#[derive(Debug)]
pub(crate) struct BatcherNode {
    pub max_items: Option<IntField>,
    pub max_bytes: Option<IntField>,
    pub batch_input: Option<Val>,
}

/// MaxConcurrency, literal or by path.
#[derive(Debug)]
pub(crate) enum Concurrency {
    Literal(u64),
    Path(JsonPath),
    Jsonata(Jt),
}

/// ItemSelector (or the older Parameters) of a Map.
#[derive(Debug)]
pub(crate) enum Selector {
    Path(Template),
    Jsonata(Jt),
}

/// One compiled retrier.
#[derive(Debug)]
pub(crate) struct Retrier {
    pub errors: ErrorMatcher,
    pub interval_seconds: f64,
    pub max_attempts: u64,
    pub backoff_rate: f64,
    pub max_delay_seconds: Option<f64>,
    pub jitter: bool,
}

/// One compiled catcher.
#[derive(Debug)]
pub(crate) struct Catcher {
    pub errors: ErrorMatcher,
    pub next: StateId,
    pub result_path: Option<Option<JsonPath>>,
    pub assign: Option<Assign>,
    /// JSONata `Output`.
    pub output: Option<Jt>,
}

/// The `ErrorEquals` of a retrier or catcher.
#[derive(Debug)]
pub(crate) struct ErrorMatcher {
    names: Vec<Arc<str>>,
    all: bool,
    task_failed: bool,
}

impl ErrorMatcher {
    fn new(names: &[String]) -> Self {
        ErrorMatcher {
            all: names.iter().any(|n| n == crate::error::names::ALL),
            task_failed: names.iter().any(|n| n == crate::error::names::TASK_FAILED),
            names: names.iter().map(|n| Arc::from(n.as_str())).collect(),
        }
    }

    /// Whether `error` is matched, with the service's wildcard rules: `States.ALL` matches every
    /// error but `States.DataLimitExceeded` and `States.Runtime`; `States.TaskFailed` matches
    /// every error but `States.Timeout` and those two.
    pub fn matches(&self, error: &str) -> bool {
        use crate::error::names::*;
        if self.names.iter().any(|n| &**n == error) {
            return true;
        }
        let terminal = error == DATA_LIMIT_EXCEEDED || error == RUNTIME;
        if terminal {
            return false;
        }
        self.all || (self.task_failed && error != TIMEOUT)
    }
}

/// A definition that cannot be compiled (validation reports most problems first; what remains
/// here is what the interpreter itself cannot run yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CompileError {
    /// JSON pointer of the offending field.
    pub pointer: String,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for CompileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.pointer, self.message)
    }
}

struct Compiler {
    scopes: Vec<ScopeProgram>,
    errors: Vec<CompileError>,
    handler_keys: Vec<Arc<str>>,
    labels: Labels,
}

impl Program {
    /// Compiles a definition; every problem found is returned.
    pub fn compile(def: &StateMachine) -> Result<Program, Vec<CompileError>> {
        crate::intern::while_compiling(|| Program::compile_shared(def))
    }

    /// [`compile`](Self::compile) inside the table that shares the definition's keys and names.
    fn compile_shared(def: &StateMachine) -> Result<Program, Vec<CompileError>> {
        let mut c = Compiler {
            scopes: Vec::new(),
            errors: Vec::new(),
            handler_keys: Vec::new(),
            labels: Labels::default(),
        };
        c.scope(
            &def.start_at,
            &def.states,
            def.query_language(),
            "".to_owned(),
        );
        if c.errors.is_empty() {
            let uses_context = c
                .scopes
                .iter()
                .any(|s| s.nodes.iter().any(|n| n.uses_context));
            Ok(Program {
                scopes: c.scopes,
                timeout_seconds: def.timeout_seconds,
                uses_context,
                handler_keys: c.handler_keys,
                labels: c.labels.finish(),
            })
        } else {
            Err(c.errors)
        }
    }
}

impl Compiler {
    fn error(&mut self, pointer: String, message: impl Into<String>) {
        self.errors.push(CompileError {
            pointer,
            message: message.into(),
        });
    }

    fn scope(
        &mut self,
        start_at: &str,
        states: &asl::States,
        ql: QueryLanguage,
        base: String,
    ) -> ScopeId {
        let id = self.scopes.len();
        self.scopes.push(ScopeProgram {
            start: 0,
            nodes: Vec::new(),
        });
        let index: HashMap<&str, StateId> = states
            .keys()
            .enumerate()
            .map(|(i, k)| (k.as_str(), i))
            .collect();
        let start = match index.get(start_at) {
            Some(&s) => s,
            None => {
                self.error(
                    format!("{base}/StartAt"),
                    format!("StartAt `{start_at}` names no state of this scope"),
                );
                0
            }
        };
        let mut nodes = Vec::with_capacity(states.len());
        for (name, state) in states {
            let mut ptr = format!("{base}/States");
            crate::source::push_token(&mut ptr, name);
            let node = self.node(name, state, ql, &index, ptr);
            nodes.push(node);
        }
        self.scopes[id] = ScopeProgram { start, nodes };
        id
    }

    fn target(&mut self, index: &HashMap<&str, StateId>, name: &str, ptr: String) -> StateId {
        match index.get(name) {
            Some(&s) => s,
            None => {
                self.error(ptr, format!("`{name}` names no state of this scope"));
                0
            }
        }
    }

    fn path(&mut self, text: &str, ptr: &str) -> Option<JsonPath> {
        match JsonPath::parse(text) {
            Ok(p) => Some(p),
            Err(e) => {
                self.error(ptr.to_owned(), format!("invalid path `{text}`: {e}"));
                None
            }
        }
    }

    fn opt_path(
        &mut self,
        field: &Option<Option<String>>,
        ptr: String,
    ) -> Option<Option<JsonPath>> {
        match field {
            None => None,
            Some(None) => Some(None),
            Some(Some(p)) => self.path(p, &ptr).map(Some),
        }
    }

    fn template(&mut self, v: &Option<Value>, ptr: String) -> Option<Template> {
        let v = v.as_ref()?;
        match Template::compile(v) {
            Ok(t) => Some(t),
            Err(e) => {
                self.error(ptr, e.to_string());
                None
            }
        }
    }

    fn jt(&mut self, v: Option<&Value>, field: &str, ptr: String) -> Option<Jt> {
        match Jt::compile(v?, field) {
            Ok(t) => Some(t),
            Err(e) => {
                self.error(ptr, e);
                None
            }
        }
    }

    fn assign(&mut self, v: &Option<Value>, ql: QueryLanguage, ptr: String) -> Option<Assign> {
        match ql {
            QueryLanguage::JSONPath => self.template(v, ptr).map(Assign::Path),
            QueryLanguage::JSONata => self.jt(v.as_ref(), "Assign", ptr).map(Assign::Jsonata),
        }
    }

    fn expr(
        &mut self,
        literal: &Option<String>,
        path: &Option<String>,
        ptr: String,
    ) -> Option<Expr> {
        if let Some(l) = literal {
            if crate::jsonata::strip_delimiters(l).is_some() {
                let field = ptr
                    .rsplit('/')
                    .next()
                    .unwrap_or("")
                    .trim_end_matches("Path");
                let field = field.to_owned();
                return self
                    .jt(Some(&Value::String(l.clone())), &field, ptr)
                    .map(Expr::Jsonata);
            }
            return Some(Expr::Literal(Arc::from(l.as_str())));
        }
        let text = path.as_ref()?;
        if intrinsics::looks_like_call(text) {
            let mut compile = |p: &str| JsonPath::parse(p).map_err(|e| e.to_string());
            match Call::parse(text, &mut compile) {
                Ok(c) => Some(Expr::Call(c)),
                Err(e) => {
                    self.error(ptr, e.to_string());
                    None
                }
            }
        } else {
            self.path(text, &ptr).map(Expr::Path)
        }
    }

    fn int_field(
        &mut self,
        literal: &Option<asl::IntOrExpr>,
        path: &Option<String>,
        ptr: String,
    ) -> Option<IntField> {
        match (literal, path) {
            (Some(asl::IntOrExpr::Int(n)), _) => Some(IntField::Literal((*n).max(0) as u64)),
            (Some(asl::IntOrExpr::Expr(e)), _) => {
                let field = ptr.rsplit('/').next().unwrap_or("").to_owned();
                self.jt(Some(&Value::String(e.clone())), &field, ptr)
                    .map(IntField::Jsonata)
            }
            (None, Some(p)) => self.path(p, &format!("{ptr}Path")).map(IntField::Path),
            (None, None) => None,
        }
    }

    fn retry_catch(
        &mut self,
        retry: &Option<Vec<asl::Retrier>>,
        catch: &Option<Vec<asl::Catcher>>,
        index: &HashMap<&str, StateId>,
        ql: QueryLanguage,
        ptr: &str,
    ) -> (Vec<Retrier>, Vec<Catcher>) {
        let retriers = retry
            .iter()
            .flatten()
            .map(|r| Retrier {
                errors: ErrorMatcher::new(&r.error_equals),
                interval_seconds: r.interval_seconds.unwrap_or(1) as f64,
                max_attempts: r.max_attempts.unwrap_or(3),
                backoff_rate: r.backoff_rate.unwrap_or(2.0),
                max_delay_seconds: r.max_delay_seconds.map(|s| s as f64),
                jitter: r.jitter_strategy == Some(asl::JitterStrategy::Full),
            })
            .collect();
        let mut catchers = Vec::new();
        for (i, c) in catch.iter().flatten().enumerate() {
            let cptr = format!("{ptr}/Catch/{i}");
            let next = self.target(index, &c.next, format!("{cptr}/Next"));
            let result_path = self.opt_path(&c.result_path, format!("{cptr}/ResultPath"));
            let assign = self.assign(&c.assign, ql, format!("{cptr}/Assign"));
            let output = self.jt(c.output.as_ref(), "Output", format!("{cptr}/Output"));
            catchers.push(Catcher {
                errors: ErrorMatcher::new(&c.error_equals),
                next,
                result_path,
                assign,
                output,
            });
        }
        (retriers, catchers)
    }

    fn node(
        &mut self,
        name: &str,
        state: &State,
        inherited: QueryLanguage,
        index: &HashMap<&str, StateId>,
        ptr: String,
    ) -> Node {
        let ql = state.query_language().unwrap_or(inherited);
        let jsonata_mode = ql == QueryLanguage::JSONata;
        let mut io = Io::default();
        let mut next = None;
        let mut retry = Vec::new();
        let mut catch = Vec::new();
        let mut assign = None;
        macro_rules! common {
            ($s:expr) => {{
                if let Some(n) = &$s.next {
                    next = Some(self.target(index, n, format!("{ptr}/Next")));
                }
                assign = self.assign(&$s.assign, ql, format!("{ptr}/Assign"));
                io.input_path = self.opt_path(&$s.input_path, format!("{ptr}/InputPath"));
                io.output_path = self.opt_path(&$s.output_path, format!("{ptr}/OutputPath"));
            }};
        }
        let kind = match state {
            State::Pass(s) => {
                common!(s);
                io.parameters = self.template(&s.parameters, format!("{ptr}/Parameters"));
                io.result_path = self.opt_path(&s.result_path, format!("{ptr}/ResultPath"));
                Kind::Pass {
                    result: s.result.as_ref().map(Val::from),
                }
            }
            State::Task(s) => {
                common!(s);
                io.parameters = self.template(&s.parameters, format!("{ptr}/Parameters"));
                io.result_selector =
                    self.template(&s.result_selector, format!("{ptr}/ResultSelector"));
                io.result_path = self.opt_path(&s.result_path, format!("{ptr}/ResultPath"));
                (retry, catch) = self.retry_catch(&s.retry, &s.catch, index, ql, &ptr);
                let invoke = if task::is_lambda_invoke(&s.resource) {
                    Invoke::OptimisedLambda
                } else if task::is_lambda_arn(&s.resource) {
                    Invoke::LambdaArn
                } else {
                    Invoke::Other
                };
                let handler_key = match invoke {
                    Invoke::LambdaArn => task::lambda_function_name(&s.resource),
                    _ => None,
                };
                self.handler_keys
                    .push(Arc::from(handler_key.unwrap_or(&s.resource)));
                let (resource, resource_label) = self.labels.label(&s.resource);
                Kind::Task(Box::new(TaskNode {
                    resource,
                    resource_label,
                    ordinal: self.handler_keys.len() - 1,
                    invoke,
                    timeout: self.int_field(
                        &s.timeout_seconds,
                        &s.timeout_seconds_path,
                        format!("{ptr}/TimeoutSeconds"),
                    ),
                    heartbeat: self.int_field(
                        &s.heartbeat_seconds,
                        &s.heartbeat_seconds_path,
                        format!("{ptr}/HeartbeatSeconds"),
                    ),
                }))
            }
            State::Choice(s) => {
                assign = self.assign(&s.assign, ql, format!("{ptr}/Assign"));
                io.input_path = self.opt_path(&s.input_path, format!("{ptr}/InputPath"));
                io.output_path = self.opt_path(&s.output_path, format!("{ptr}/OutputPath"));
                let mut branches = Vec::new();
                for (i, rule) in s.choices.iter().enumerate() {
                    let rptr = format!("{ptr}/Choices/{i}");
                    let test = if jsonata_mode {
                        let cond = rule.condition.as_ref();
                        self.jt(cond, "Condition", format!("{rptr}/Condition"))
                            .map(Test::Condition)
                    } else {
                        let mut compile = |p: &str| JsonPath::parse(p).map_err(|e| e.to_string());
                        match Rule::compile(rule, &mut compile) {
                            Ok(r) => Some(Test::Rule(r)),
                            Err(e) => {
                                self.error(rptr.clone(), e);
                                None
                            }
                        }
                    };
                    let next = match &rule.next {
                        Some(n) => self.target(index, n, format!("{rptr}/Next")),
                        None => {
                            self.error(format!("{rptr}/Next"), "a top-level rule needs `Next`");
                            0
                        }
                    };
                    let rule_assign = self.assign(&rule.assign, ql, format!("{rptr}/Assign"));
                    let output = self.jt(rule.output.as_ref(), "Output", format!("{rptr}/Output"));
                    if let Some(test) = test {
                        branches.push(ChoiceBranch {
                            test,
                            next,
                            assign: rule_assign,
                            output,
                        });
                    }
                }
                let default = s
                    .default
                    .as_ref()
                    .map(|d| self.target(index, d, format!("{ptr}/Default")));
                Kind::Choice { branches, default }
            }
            State::Wait(s) => {
                common!(s);
                let wait = match (&s.seconds, &s.timestamp, &s.seconds_path, &s.timestamp_path) {
                    (Some(asl::IntOrExpr::Int(n)), None, None, None) => {
                        Wait::Seconds((*n).max(0) as u64)
                    }
                    (Some(asl::IntOrExpr::Expr(e)), None, None, None) => self
                        .jt(
                            Some(&Value::String(e.clone())),
                            "Seconds",
                            format!("{ptr}/Seconds"),
                        )
                        .map_or(Wait::Seconds(0), Wait::SecondsExpr),
                    (None, Some(t), None, None)
                        if crate::jsonata::strip_delimiters(t).is_some() =>
                    {
                        self.jt(
                            Some(&Value::String(t.clone())),
                            "Timestamp",
                            format!("{ptr}/Timestamp"),
                        )
                        .map_or(Wait::Seconds(0), Wait::TimestampExpr)
                    }
                    (None, Some(t), None, None) => match crate::timestamp::Timestamp::parse(t) {
                        Some(t) => Wait::Timestamp(t),
                        None => {
                            self.error(format!("{ptr}/Timestamp"), "not an ISO-8601 timestamp");
                            Wait::Seconds(0)
                        }
                    },
                    (None, None, Some(p), None) => self
                        .path(p, &format!("{ptr}/SecondsPath"))
                        .map_or(Wait::Seconds(0), Wait::SecondsPath),
                    (None, None, None, Some(p)) => self
                        .path(p, &format!("{ptr}/TimestampPath"))
                        .map_or(Wait::Seconds(0), Wait::TimestampPath),
                    _ => {
                        self.error(
                            ptr.clone(),
                            "a Wait needs exactly one of Seconds, Timestamp, SecondsPath, TimestampPath",
                        );
                        Wait::Seconds(0)
                    }
                };
                Kind::Wait(wait)
            }
            State::Succeed(s) => {
                io.input_path = self.opt_path(&s.input_path, format!("{ptr}/InputPath"));
                io.output_path = self.opt_path(&s.output_path, format!("{ptr}/OutputPath"));
                Kind::Succeed
            }
            State::Fail(s) => Kind::Fail {
                error: self.expr(&s.error, &s.error_path, format!("{ptr}/ErrorPath")),
                cause: self.expr(&s.cause, &s.cause_path, format!("{ptr}/CausePath")),
            },
            State::Parallel(s) => {
                common!(s);
                io.parameters = self.template(&s.parameters, format!("{ptr}/Parameters"));
                io.result_selector =
                    self.template(&s.result_selector, format!("{ptr}/ResultSelector"));
                io.result_path = self.opt_path(&s.result_path, format!("{ptr}/ResultPath"));
                (retry, catch) = self.retry_catch(&s.retry, &s.catch, index, ql, &ptr);
                let branches = s
                    .branches
                    .iter()
                    .enumerate()
                    .map(|(i, b)| {
                        let bql = b.query_language.unwrap_or(ql);
                        self.scope(&b.start_at, &b.states, bql, format!("{ptr}/Branches/{i}"))
                    })
                    .collect();
                Kind::Parallel { branches }
            }
            State::Map(s) => {
                common!(s);
                io.result_selector =
                    self.template(&s.result_selector, format!("{ptr}/ResultSelector"));
                io.result_path = self.opt_path(&s.result_path, format!("{ptr}/ResultPath"));
                (retry, catch) = self.retry_catch(&s.retry, &s.catch, index, ql, &ptr);
                let (field, proc) = match (&s.item_processor, &s.iterator) {
                    (Some(p), _) => ("ItemProcessor", Some(p)),
                    (None, Some(p)) => ("Iterator", Some(p)),
                    (None, None) => ("ItemProcessor", None),
                };
                let processor = match proc {
                    Some(p) => {
                        let pql = p.query_language.unwrap_or(ql);
                        self.scope(&p.start_at, &p.states, pql, format!("{ptr}/{field}"))
                    }
                    None => {
                        self.error(ptr.clone(), "a Map needs an ItemProcessor");
                        0
                    }
                };
                let item_selector = match (&s.item_selector, &s.parameters) {
                    (Some(sel), _) if jsonata_mode => self
                        .jt(Some(sel), "ItemSelector", format!("{ptr}/ItemSelector"))
                        .map(Selector::Jsonata),
                    (Some(_), _) => self
                        .template(&s.item_selector, format!("{ptr}/ItemSelector"))
                        .map(Selector::Path),
                    (None, Some(_)) => self
                        .template(&s.parameters, format!("{ptr}/Parameters"))
                        .map(Selector::Path),
                    _ => None,
                };
                let items = self.jt(s.items.as_ref(), "Items", format!("{ptr}/Items"));
                let items_path = s
                    .items_path
                    .as_ref()
                    .and_then(|p| self.path(p, &format!("{ptr}/ItemsPath")));
                let max_concurrency = match (&s.max_concurrency, &s.max_concurrency_path) {
                    (Some(asl::IntOrExpr::Int(n)), _) => Concurrency::Literal((*n).max(0) as u64),
                    (Some(asl::IntOrExpr::Expr(e)), _) => self
                        .jt(
                            Some(&Value::String(e.clone())),
                            "MaxConcurrency",
                            format!("{ptr}/MaxConcurrency"),
                        )
                        .map_or(Concurrency::Literal(0), Concurrency::Jsonata),
                    (None, Some(p)) => self
                        .path(p, &format!("{ptr}/MaxConcurrencyPath"))
                        .map_or(Concurrency::Literal(0), Concurrency::Path),
                    _ => Concurrency::Literal(0),
                };
                let tolerated_failure_count = self.int_field(
                    &s.tolerated_failure_count,
                    &s.tolerated_failure_count_path,
                    format!("{ptr}/ToleratedFailureCount"),
                );
                let pct_ptr = format!("{ptr}/ToleratedFailurePercentage");
                let tolerated_failure_percentage = match (
                    &s.tolerated_failure_percentage,
                    &s.tolerated_failure_percentage_path,
                ) {
                    (Some(asl::NumberOrExpr::Number(n)), _) => Some(Percent::Literal(*n)),
                    (Some(asl::NumberOrExpr::Expr(e)), _) => self
                        .jt(
                            Some(&Value::String(e.clone())),
                            "ToleratedFailurePercentage",
                            pct_ptr,
                        )
                        .map(Percent::Jsonata),
                    (None, Some(p)) => self.path(p, &format!("{pct_ptr}Path")).map(Percent::Path),
                    (None, None) => None,
                };
                let reader = s.item_reader.as_ref().map(|r| {
                    let rptr = format!("{ptr}/ItemReader");
                    let params = match (&r.parameters, &r.arguments) {
                        (Some(_), _) => self
                            .template(&r.parameters, format!("{rptr}/Parameters"))
                            .map(Selector::Path),
                        (None, Some(a)) => self
                            .jt(Some(a), "ItemReader/Arguments", format!("{rptr}/Arguments"))
                            .map(Selector::Jsonata),
                        (None, None) => None,
                    };
                    ReaderNode {
                        resource: Arc::from(r.resource.as_str()),
                        params,
                        config: r.reader_config.as_ref().map(Val::from),
                    }
                });
                let batcher = s.item_batcher.as_ref().map(|b| {
                    let bptr = format!("{ptr}/ItemBatcher");
                    BatcherNode {
                        max_items: self.int_field(
                            &b.max_items_per_batch,
                            &b.max_items_per_batch_path,
                            format!("{bptr}/MaxItemsPerBatch"),
                        ),
                        max_bytes: self.int_field(
                            &b.max_input_bytes_per_batch,
                            &b.max_input_bytes_per_batch_path,
                            format!("{bptr}/MaxInputBytesPerBatch"),
                        ),
                        batch_input: b.batch_input.as_ref().map(Val::from),
                    }
                });
                let writer = s.result_writer.as_ref().map(|w| {
                    let wptr = format!("{ptr}/ResultWriter");
                    let params = match (&w.parameters, &w.arguments) {
                        (Some(_), _) => self
                            .template(&w.parameters, format!("{wptr}/Parameters"))
                            .map(Selector::Path),
                        (None, Some(a)) => self
                            .jt(
                                Some(a),
                                "ResultWriter/Arguments",
                                format!("{wptr}/Arguments"),
                            )
                            .map(Selector::Jsonata),
                        (None, None) => None,
                    };
                    let config = w.writer_config.as_ref().and_then(|c| {
                        let cptr = format!("{wptr}/WriterConfig");
                        if jsonata_mode {
                            return self
                                .jt(Some(c), "ResultWriter/WriterConfig", cptr)
                                .map(WriterConfigNode::Jsonata);
                        }
                        match parse_writer_config(c) {
                            Ok(c) => Some(WriterConfigNode::Literal(c)),
                            Err((field, message)) => {
                                self.error(format!("{cptr}/{field}"), message);
                                None
                            }
                        }
                    });
                    WriterNode {
                        label: Arc::from(s.label.as_deref().unwrap_or(name)),
                        export: w.resource.as_ref().map(|r| (Arc::from(r.as_str()), params)),
                        config,
                    }
                });
                Kind::Map(Box::new(MapNode {
                    reader,
                    batcher,
                    writer,
                    processor,
                    items_path,
                    items,
                    item_selector,
                    max_concurrency,
                    tolerated_failure_count,
                    tolerated_failure_percentage,
                }))
            }
        };
        let jsonata = jsonata_mode.then(|| {
            let (arguments, output) = match state {
                State::Task(s) => (s.arguments.as_ref(), s.output.as_ref()),
                State::Parallel(s) => (s.arguments.as_ref(), s.output.as_ref()),
                State::Pass(s) => (None, s.output.as_ref()),
                State::Choice(s) => (None, s.output.as_ref()),
                State::Wait(s) => (None, s.output.as_ref()),
                State::Succeed(s) => (None, s.output.as_ref()),
                State::Map(s) => (None, s.output.as_ref()),
                State::Fail(_) => (None, None),
            };
            Box::new(JsonataIo {
                arguments: self.jt(arguments, "Arguments", format!("{ptr}/Arguments")),
                output: self.jt(output, "Output", format!("{ptr}/Output")),
            })
        });
        let jsonata_context = jsonata.as_ref().is_some_and(|j| {
            [&j.arguments, &j.output]
                .into_iter()
                .flatten()
                .any(Jt::uses_context)
        });
        let uses_context = jsonata_context
            || node_uses_context(&kind, &io, assign.as_ref())
            || catch.iter().any(catcher_uses_context);
        let instant = jsonata.is_none()
            && matches!(
                kind,
                Kind::Pass { .. } | Kind::Choice { .. } | Kind::Succeed | Kind::Fail { .. }
            );
        let sync_task = match &kind {
            Kind::Task(t)
                if jsonata.is_none()
                    && t.invoke != Invoke::OptimisedLambda
                    && t.timeout.is_none()
                    && t.heartbeat.is_none()
                    && retry.is_empty() =>
            {
                Some(t.ordinal)
            }
            _ => None,
        };
        let (name, label) = self.labels.label(name);
        Node {
            name,
            label,
            kind,
            io,
            next,
            retry,
            catch,
            assign,
            jsonata,
            uses_context,
            instant,
            sync_task,
        }
    }
}

/// Whether a catcher's Assign or (JSONata) Output reads `$$` / `$states.context`.
fn catcher_uses_context(c: &Catcher) -> bool {
    assign_uses_context(c.assign.as_ref()) || c.output.as_ref().is_some_and(Jt::uses_context)
}

/// Whether an Assign (of a state, a Choice branch or a catcher) reads `$$` /
/// `$states.context`.
fn assign_uses_context(a: Option<&Assign>) -> bool {
    match a {
        Some(Assign::Path(t)) => t.references_context(),
        Some(Assign::Jsonata(j)) => j.uses_context(),
        None => false,
    }
}

fn node_uses_context(kind: &Kind, io: &Io, assign: Option<&Assign>) -> bool {
    let path = |p: &Option<Option<JsonPath>>| {
        p.as_ref()
            .and_then(|p| p.as_ref())
            .is_some_and(JsonPath::references_context)
    };
    let tpl = |t: Option<&Template>| t.is_some_and(Template::references_context);
    let kind_uses = match kind {
        Kind::Map(m) => match &m.item_selector {
            Some(Selector::Path(t)) => t.references_context(),
            Some(Selector::Jsonata(j)) => j.uses_context(),
            None => false,
        },
        Kind::Fail { error, cause } => [error, cause].iter().any(|e| match e {
            Some(Expr::Path(p)) => p.references_context(),
            Some(Expr::Call(c)) => c.paths().iter().any(|p| p.references_context()),
            Some(Expr::Jsonata(j)) => j.uses_context(),
            _ => false,
        }),
        Kind::Choice { branches, .. } => branches.iter().any(|b| {
            let test = match &b.test {
                Test::Rule(r) => r.paths().iter().any(|p| p.references_context()),
                Test::Condition(j) => j.uses_context(),
            };
            test || assign_uses_context(b.assign.as_ref())
        }),
        Kind::Wait(Wait::SecondsPath(p) | Wait::TimestampPath(p)) => p.references_context(),
        _ => false,
    };
    kind_uses
        || path(&io.input_path)
        || path(&io.output_path)
        || tpl(io.parameters.as_ref())
        || tpl(io.result_selector.as_ref())
        || assign_uses_context(assign)
}
