//! The workflow IR: a workflow as a Rust programmer wrote it (bindings, calls, branches), before
//! it becomes states. `#[workflow]` expands to calls of this builder, and a user may call it by
//! hand; [`Workflow::to_asl`] lowers it (see [`crate::lower`] for the data-flow scheme).
//!
//! Every node that becomes a state carries its state name and an optional comment; the builder
//! does not invent names, so what the macro emits and what a user writes by hand read the same.
//!
//! The body types deserialize from the compact form `#[workflow]` emits (see
//! [`crate::body_data`]): their callees, constants and Fail causes are slots there, which
//! resolve only while [`body_from_data`](crate::body_data::body_from_data) reads a body.

use crate::schema::TypeSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
pub use workflow_core::asl::QueryLanguage;
pub use workflow_core::task::TaskFuture;
pub use workflow_core::value::Val;

/// An in-process implementation of a task: JSON in, JSON out (what `#[task]` generates).
#[derive(Debug, Clone, Copy)]
pub enum Handler {
    /// One that may wait.
    Async(fn(Val) -> TaskFuture),
    /// One that runs to its end when called (a sync `#[task]` fn without `init`): the
    /// interpreter runs its Task states without a future.
    Sync(fn(Val) -> Result<Val, workflow_core::StatesError>),
}

/// A whole workflow: its typed input and output, the name of its input binding, and its body.
#[derive(Debug, Clone)]
pub struct Workflow {
    /// The workflow's name (the Rust fn name for `#[workflow]`).
    pub name: String,
    /// The machine's `Comment` (the doc comment for `#[workflow]`).
    pub comment: Option<String>,
    /// The binding that names the execution input inside the body (`words` in `fn f(words: Words)`).
    pub param: String,
    /// JSON Schema of the input.
    pub input: TypeSchema,
    /// JSON Schema of the output.
    pub output: TypeSchema,
    /// What the workflow does.
    pub body: Block,
    /// The language [`Workflow::to_asl`] lowers to: JSONPath (the default) or JSONata.
    pub query_language: QueryLanguage,
    /// An input to show the workflow with: `emit-asl` runs it in-process on this.
    pub sample_input: Option<serde_json::Value>,
}

impl Workflow {
    /// A workflow named `name` whose body sees the execution input as `param`.
    pub fn new(name: impl Into<String>, param: impl Into<String>) -> Self {
        Workflow {
            name: name.into(),
            comment: None,
            param: param.into(),
            input: TypeSchema::any(),
            output: TypeSchema::any(),
            body: Block::new(),
            query_language: QueryLanguage::JSONPath,
            sample_input: None,
        }
    }

    /// Sets the query language [`Workflow::to_asl`] lowers to (what
    /// `#[workflow(query_language = "JSONata")]` sets). In JSONata mode each `let` binding is an
    /// `Assign`ed variable, and task inputs are `Arguments`:
    ///
    /// ```
    /// use workflow_codegen::{var, Block, Call, QueryLanguage, TaskDef, Workflow};
    ///
    /// let check = TaskDef::new("check", "CheckFunction");
    /// let notify = TaskDef::new("notify", "NotifyFunction");
    /// let wf = Workflow::new("flow", "request")
    ///     .query_language(QueryLanguage::JSONata)
    ///     .body(
    ///         Block::new()
    ///             .bind("checked", Call::task("Check", check, var("request").field("token")))
    ///             .value(Call::task("Notify", notify, var("checked"))),
    ///     );
    /// let json = serde_json::to_value(wf.to_asl().unwrap()).unwrap();
    /// assert_eq!(json["QueryLanguage"], "JSONata");
    /// assert_eq!(json["States"]["Check"]["Arguments"], "{% $states.input.token %}");
    /// assert_eq!(json["States"]["Check"]["Assign"]["checked"], "{% $states.result %}");
    /// assert_eq!(json["States"]["Notify"]["Arguments"], "{% $checked %}");
    /// ```
    pub fn query_language(mut self, language: QueryLanguage) -> Self {
        self.query_language = language;
        self
    }

    /// Sets an input that `emit-asl` runs the workflow on, in-process, after emitting it.
    pub fn sample_input(mut self, input: serde_json::Value) -> Self {
        self.sample_input = Some(input);
        self
    }

    /// Sets the machine's `Comment`.
    pub fn comment(mut self, comment: impl Into<String>) -> Self {
        self.comment = Some(comment.into());
        self
    }

    /// Declares the input type (its JSON Schema).
    pub fn input<T: schemars::JsonSchema>(mut self) -> Self {
        self.input = TypeSchema::of::<T>();
        self
    }

    /// Declares the output type (its JSON Schema).
    pub fn output<T: schemars::JsonSchema>(mut self) -> Self {
        self.output = TypeSchema::of::<T>();
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: Block) -> Self {
        self.body = body;
        self
    }

    /// The JSON Schemas of the workflow's input and output and of each task's:
    /// `{"input": .., "output": .., "tasks": {"<task>": {"input": .., "output": ..}}}`.
    pub fn schemas(&self) -> Value {
        let mut tasks = serde_json::Map::new();
        for t in self.tasks() {
            tasks.insert(
                t.name.clone(),
                serde_json::json!({"input": t.input.to_json(), "output": t.output.to_json()}),
            );
        }
        serde_json::json!({
            "input": self.input.to_json(),
            "output": self.output.to_json(),
            "tasks": tasks,
        })
    }

    /// Every task the workflow calls (also through Map, Parallel, Catch and nested workflows),
    /// once per resource, in order of first use.
    pub fn tasks(&self) -> Vec<&TaskDef> {
        let mut out: Vec<&TaskDef> = Vec::new();
        self.body.visit_tasks(&mut |t| {
            if !out.iter().any(|o| o.resource == t.resource) {
                out.push(t);
            }
        });
        out
    }
}

/// A sequence of statements, optionally ending in a value (a Rust block's tail expression).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Block {
    /// The statements, in order.
    pub stmts: Vec<Stmt>,
    /// The block's value: the workflow's result at the top level, the bound value in a
    /// `let x = match ...` arm.
    pub value: Option<Step>,
}

impl Block {
    /// An empty block.
    pub fn new() -> Self {
        Block::default()
    }

    /// Appends `let name = step;`.
    pub fn bind(mut self, name: impl Into<String>, step: impl Into<Step>) -> Self {
        self.stmts.push(Stmt::Let {
            pattern: Pattern::Name(name.into()),
            step: step.into(),
        });
        self
    }

    /// Appends `let (a, b, ..) = step;` (a Parallel result).
    pub fn bind_tuple<S: Into<String>>(
        mut self,
        names: impl IntoIterator<Item = S>,
        step: impl Into<Step>,
    ) -> Self {
        self.stmts.push(Stmt::Let {
            pattern: Pattern::Tuple(names.into_iter().map(Into::into).collect()),
            step: step.into(),
        });
        self
    }

    /// Appends any statement.
    pub fn stmt(mut self, stmt: Stmt) -> Self {
        self.stmts.push(stmt);
        self
    }

    /// Appends a step whose result is discarded (`notify(x);`).
    pub fn run(self, step: impl Into<Step>) -> Self {
        self.stmt(Stmt::Run(step.into()))
    }

    /// Appends `return step;`: the workflow ends with that value.
    pub fn ret(self, step: impl Into<Step>) -> Self {
        self.stmt(Stmt::Return(step.into()))
    }

    /// Sets the block's tail value.
    pub fn value(mut self, step: impl Into<Step>) -> Self {
        self.value = Some(step.into());
        self
    }

    /// Prefixes every state name in the block (a nested workflow inlined into another).
    pub(crate) fn prefix_states(&mut self, prefix: &str) {
        fn call(c: &mut Call, p: &str) {
            c.state.insert_str(0, p);
            for k in &mut c.catch {
                k.state.insert_str(0, p);
            }
        }
        fn choice(c: &mut Choice, p: &str) {
            c.state.insert_str(0, p);
            for (_, b) in &mut c.arms {
                b.prefix_states(p);
            }
            if let Some(b) = &mut c.default {
                b.prefix_states(p);
            }
        }
        fn step(s: &mut Step, p: &str) {
            match s {
                Step::Data { state, .. } => state.insert_str(0, p),
                Step::Call(c) => call(c, p),
                Step::Map(m) => {
                    m.state.insert_str(0, p);
                    call(&mut m.call, p);
                }
                Step::Parallel(par) => {
                    par.state.insert_str(0, p);
                    par.branches.iter_mut().for_each(|c| call(c, p));
                }
                Step::Choice(c) => choice(c, p),
            }
        }
        for stmt in &mut self.stmts {
            match stmt {
                Stmt::Let { step: s, .. } | Stmt::Run(s) | Stmt::Return(s) => step(s, prefix),
                Stmt::Fail(f) => f.state.insert_str(0, prefix),
                Stmt::Choice(c) => choice(c, prefix),
                Stmt::Loop(l) => l.body.prefix_states(prefix),
                Stmt::Wait(w) => w.state.insert_str(0, prefix),
                Stmt::Break => {}
            }
        }
        if let Some(v) = &mut self.value {
            step(v, prefix);
        }
    }

    fn visit_tasks<'a>(&'a self, f: &mut dyn FnMut(&'a TaskDef)) {
        for stmt in &self.stmts {
            match stmt {
                Stmt::Let { step, .. } | Stmt::Run(step) | Stmt::Return(step) => {
                    step.visit_tasks(f)
                }
                Stmt::Choice(c) => c.visit_tasks(f),
                Stmt::Loop(l) => l.body.visit_tasks(f),
                Stmt::Wait(_) | Stmt::Fail(_) | Stmt::Break => {}
            }
        }
        if let Some(v) = &self.value {
            v.visit_tasks(f);
        }
    }
}

/// What a `let` binds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Pattern {
    /// `let x = ...`
    Name(String),
    /// `let (a, b) = ...` (the elements of a Parallel result).
    Tuple(Vec<String>),
}

/// One statement of a block.
#[derive(Debug, Clone, Deserialize)]
pub enum Stmt {
    /// `let pattern = step;`: the step's result is stored under the binding's name.
    Let {
        /// The binding.
        pattern: Pattern,
        /// The value.
        step: Step,
    },
    /// A step whose result is discarded.
    Run(Step),
    /// `return value`: the step itself with `End`, or a Succeed state for a binding path,
    /// ending the workflow.
    Return(Step),
    /// `return Err(..)`: a Fail state.
    Fail(Fail),
    /// `if`/`match` as a statement: a Choice state whose branches join afterwards.
    Choice(Choice),
    /// `loop { .. }`: the body repeats until a `break` or `return`.
    Loop(Loop),
    /// `break` out of the innermost loop.
    Break,
    /// A sleep: a Wait state.
    Wait(Wait),
}

/// Something that produces a value.
#[derive(Debug, Clone, Deserialize)]
pub enum Step {
    /// Data built from bindings and literals: no state when a binding path is renamed, a
    /// Succeed state when a binding path is returned, else a Pass state.
    Data {
        /// The Pass or Succeed state's name.
        state: String,
        /// The data.
        data: Data,
    },
    /// A task or workflow call.
    Call(Call),
    /// A Map over a list.
    Map(MapStep),
    /// Calls run in parallel; the result is the tuple (JSON array) of their outputs.
    Parallel(ParallelStep),
    /// `let x = match ..`: each arm's value becomes the result.
    Choice(Box<Choice>),
}

impl Step {
    /// A step producing `data`, with `state` as the name of its Pass state if it needs one.
    pub fn data(state: impl Into<String>, data: impl Into<Data>) -> Step {
        Step::Data {
            state: state.into(),
            data: data.into(),
        }
    }

    fn visit_tasks<'a>(&'a self, f: &mut dyn FnMut(&'a TaskDef)) {
        match self {
            Step::Data { .. } => {}
            Step::Call(c) => c.visit_tasks(f),
            Step::Map(m) => m.call.visit_tasks(f),
            Step::Parallel(p) => p.branches.iter().for_each(|c| c.visit_tasks(f)),
            Step::Choice(c) => c.visit_tasks(f),
        }
    }
}

impl From<Call> for Step {
    fn from(c: Call) -> Step {
        Step::Call(c)
    }
}
impl From<MapStep> for Step {
    fn from(m: MapStep) -> Step {
        Step::Map(m)
    }
}
impl From<ParallelStep> for Step {
    fn from(p: ParallelStep) -> Step {
        Step::Parallel(p)
    }
}
impl From<Choice> for Step {
    fn from(c: Choice) -> Step {
        Step::Choice(Box::new(c))
    }
}

/// A value in the workflow's data: a binding's path, a literal, or an object built from them
/// (a struct literal).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub enum Data {
    /// A binding, possibly with field accesses: `order.customer.id`.
    Var(Var),
    /// A constant.
    #[serde(deserialize_with = "crate::body_data::value")]
    Literal(Value),
    /// An object whose fields are data (`Req { token: input.token, retry: false }`).
    Object(Vec<(String, Data)>),
}

impl From<Var> for Data {
    fn from(v: Var) -> Data {
        Data::Var(v)
    }
}

impl Data {
    /// An object from `(key, data)` pairs.
    pub fn object<K: Into<String>>(fields: impl IntoIterator<Item = (K, Data)>) -> Data {
        Data::Object(fields.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// A constant from any serializable value.
    pub fn literal(value: impl serde::Serialize) -> Result<Data, serde_json::Error> {
        serde_json::to_value(value).map(Data::Literal)
    }
}

/// A binding with field accesses, e.g. `words.data`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Var {
    /// The binding's name.
    pub root: String,
    /// The fields read, outermost first (JSON keys).
    pub fields: Vec<String>,
}

/// `var("words")`: a reference to a binding.
pub fn var(root: impl Into<String>) -> Var {
    Var {
        root: root.into(),
        fields: Vec::new(),
    }
}

impl Var {
    /// `self.name`.
    pub fn field(mut self, name: impl Into<String>) -> Var {
        self.fields.push(name.into());
        self
    }
}

/// What a call calls.
#[derive(Debug, Clone)]
pub enum Callee {
    /// A task (a Task state).
    Task(Box<TaskDef>),
    /// Another workflow, inlined as a one-branch Parallel state; its state names are prefixed
    /// with the workflow's name in PascalCase (`sub` -> `SubCharge`) to stay unique.
    Workflow(Box<Workflow>),
}

impl Callee {
    fn visit_tasks<'a>(&'a self, f: &mut dyn FnMut(&'a TaskDef)) {
        match self {
            Callee::Task(t) => f(t),
            Callee::Workflow(w) => w.body.visit_tasks(f),
        }
    }
}

/// A task: its resource, limits, default retry policy and schemas.
#[derive(Debug, Clone)]
pub struct TaskDef {
    /// The task's name (the Rust fn name for `#[task]`).
    pub name: String,
    /// The `Resource`: a full ARN, or a Lambda function name that lowering turns into an ARN.
    pub resource: String,
    /// `TimeoutSeconds`.
    pub timeout_seconds: Option<u64>,
    /// `HeartbeatSeconds`.
    pub heartbeat_seconds: Option<u64>,
    /// Retry policies applied wherever the task is called (after the call's own).
    pub retry: Vec<Retry>,
    /// The `Comment` of the states calling it, unless the call has its own.
    pub comment: Option<String>,
    /// JSON Schema of the input.
    pub input: TypeSchema,
    /// JSON Schema of the output.
    pub output: TypeSchema,
    /// The in-process implementation, when there is one.
    pub handler: Option<Handler>,
    /// How to keep its Lambda function warm (serverless-plugin-warmup), when it says.
    pub warmer: Option<crate::deploy::warmup::WarmerSettings>,
}

impl TaskDef {
    /// A task named `name` calling `resource` (an ARN, or a Lambda function name).
    pub fn new(name: impl Into<String>, resource: impl Into<String>) -> Self {
        TaskDef {
            name: name.into(),
            resource: resource.into(),
            timeout_seconds: None,
            heartbeat_seconds: None,
            retry: Vec::new(),
            comment: None,
            input: TypeSchema::any(),
            output: TypeSchema::any(),
            handler: None,
            warmer: None,
        }
    }

    /// Declares the input type.
    pub fn input<T: schemars::JsonSchema>(mut self) -> Self {
        self.input = TypeSchema::of::<T>();
        self
    }

    /// Declares the output type.
    pub fn output<T: schemars::JsonSchema>(mut self) -> Self {
        self.output = TypeSchema::of::<T>();
        self
    }

    /// Sets `TimeoutSeconds`.
    pub fn timeout_seconds(mut self, seconds: u64) -> Self {
        self.timeout_seconds = Some(seconds);
        self
    }

    /// Sets `HeartbeatSeconds`.
    pub fn heartbeat_seconds(mut self, seconds: u64) -> Self {
        self.heartbeat_seconds = Some(seconds);
        self
    }

    /// Adds a default retry policy.
    pub fn retry(mut self, retry: Retry) -> Self {
        self.retry.push(retry);
        self
    }

    /// Sets the comment of the states calling this task.
    pub fn comment(mut self, c: impl Into<String>) -> Self {
        self.comment = Some(c.into());
        self
    }

    /// Sets the in-process implementation.
    pub fn handler(mut self, handler: fn(Val) -> TaskFuture) -> Self {
        self.handler = Some(Handler::Async(handler));
        self
    }

    /// Sets an in-process implementation that runs to its end when called.
    pub fn sync_handler(
        mut self,
        handler: fn(Val) -> Result<Val, workflow_core::StatesError>,
    ) -> Self {
        self.handler = Some(Handler::Sync(handler));
        self
    }

    /// Keeps the task's Lambda function warm as `settings` say (the serverless format emits
    /// them for serverless-plugin-warmup).
    pub fn warmer(mut self, settings: crate::deploy::warmup::WarmerSettings) -> Self {
        self.warmer = Some(settings);
        self
    }
}

/// A retry policy (`Retry` element).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Retry {
    /// `ErrorEquals`.
    pub errors: Vec<String>,
    /// `IntervalSeconds`.
    pub interval_seconds: Option<u64>,
    /// `MaxAttempts`.
    pub max_attempts: Option<u64>,
    /// `BackoffRate`.
    pub backoff_rate: Option<f64>,
    /// `MaxDelaySeconds`.
    pub max_delay_seconds: Option<u64>,
    /// `JitterStrategy: FULL` when true.
    pub jitter: bool,
}

impl Retry {
    /// Retries the given error names with the service's defaults.
    pub fn on<S: Into<String>>(errors: impl IntoIterator<Item = S>) -> Self {
        Retry {
            errors: errors.into_iter().map(Into::into).collect(),
            interval_seconds: None,
            max_attempts: None,
            backoff_rate: None,
            max_delay_seconds: None,
            jitter: false,
        }
    }

    /// `IntervalSeconds`.
    pub fn interval_seconds(mut self, s: u64) -> Self {
        self.interval_seconds = Some(s);
        self
    }

    /// `MaxAttempts`.
    pub fn max_attempts(mut self, n: u64) -> Self {
        self.max_attempts = Some(n);
        self
    }

    /// `BackoffRate`.
    pub fn backoff_rate(mut self, r: f64) -> Self {
        self.backoff_rate = Some(r);
        self
    }

    /// `MaxDelaySeconds`.
    pub fn max_delay_seconds(mut self, s: u64) -> Self {
        self.max_delay_seconds = Some(s);
        self
    }

    /// `JitterStrategy: FULL`.
    pub fn jitter(mut self) -> Self {
        self.jitter = true;
        self
    }
}

/// A call of a task or workflow with its input, retries and catchers.
#[derive(Debug, Clone, Deserialize)]
pub struct Call {
    /// The state's name.
    pub state: String,
    /// The state's `Comment`.
    pub comment: Option<String>,
    /// What is called.
    #[serde(deserialize_with = "crate::body_data::callee")]
    pub callee: Callee,
    /// The input handed to it.
    pub input: Data,
    /// Retry policies of this call (before the task's own).
    pub retry: Vec<Retry>,
    /// Error handlers of this call.
    pub catch: Vec<Catch>,
}

impl Call {
    /// A call of a task, as state `state`, with `input`.
    pub fn task(state: impl Into<String>, task: TaskDef, input: impl Into<Data>) -> Self {
        Call::new(state, Callee::Task(Box::new(task)), input)
    }

    /// A call of `callee` as state `state` with `input`.
    pub fn new(state: impl Into<String>, callee: Callee, input: impl Into<Data>) -> Self {
        Call {
            state: state.into(),
            comment: None,
            callee,
            input: input.into(),
            retry: Vec::new(),
            catch: Vec::new(),
        }
    }

    /// Sets the state's `Comment`.
    pub fn comment(mut self, c: impl Into<String>) -> Self {
        self.comment = Some(c.into());
        self
    }

    /// Adds a retry policy.
    pub fn retry(mut self, r: Retry) -> Self {
        self.retry.push(r);
        self
    }

    /// Adds an error handler.
    pub fn catch(mut self, c: Catch) -> Self {
        self.catch.push(c);
        self
    }

    fn visit_tasks<'a>(&'a self, f: &mut dyn FnMut(&'a TaskDef)) {
        self.callee.visit_tasks(f);
        for c in &self.catch {
            c.handler.visit_tasks(f);
        }
    }
}

/// An error handler: when the call fails with one of `errors`, `handler` is called with the
/// error (`{"Error": .., "Cause": ..}`), and its output stands in for the call's.
#[derive(Debug, Clone, Deserialize)]
pub struct Catch {
    /// `ErrorEquals` (`States.ALL` for any).
    pub errors: Vec<String>,
    /// The handler's state name.
    pub state: String,
    /// The handler.
    #[serde(deserialize_with = "crate::body_data::callee")]
    pub handler: Callee,
}

/// A Map over a list: each item is handed to `call`'s callee (`call.input` is ignored).
#[derive(Debug, Clone, Deserialize)]
pub struct MapStep {
    /// The Map state's name.
    pub state: String,
    /// The Map state's `Comment`.
    pub comment: Option<String>,
    /// The list.
    pub items: Var,
    /// The call run for each item; its state is the processor's only state.
    pub call: Call,
    /// `MaxConcurrency`.
    pub max_concurrency: Option<u64>,
}

impl MapStep {
    /// A Map state `state` over `items`, calling `callee` (as state `item_state`) for each item.
    pub fn new(
        state: impl Into<String>,
        items: Var,
        item_state: impl Into<String>,
        callee: Callee,
    ) -> Self {
        MapStep {
            state: state.into(),
            comment: None,
            items,
            call: Call::new(item_state, callee, Data::Literal(Value::Null)),
            max_concurrency: None,
        }
    }

    /// Sets `MaxConcurrency`.
    pub fn max_concurrency(mut self, n: u64) -> Self {
        self.max_concurrency = Some(n);
        self
    }

    /// Sets the Map state's `Comment`.
    pub fn comment(mut self, c: impl Into<String>) -> Self {
        self.comment = Some(c.into());
        self
    }
}

/// Calls run in parallel: a Parallel state with one branch per call.
#[derive(Debug, Clone, Deserialize)]
pub struct ParallelStep {
    /// The Parallel state's name.
    pub state: String,
    /// The Parallel state's `Comment`.
    pub comment: Option<String>,
    /// One call per branch.
    pub branches: Vec<Call>,
}

impl ParallelStep {
    /// A Parallel state `state` running `branches`.
    pub fn new(state: impl Into<String>, branches: Vec<Call>) -> Self {
        ParallelStep {
            state: state.into(),
            comment: None,
            branches,
        }
    }
}

/// `if`/`match`: a Choice state.
#[derive(Debug, Clone, Deserialize)]
pub struct Choice {
    /// The Choice state's name.
    pub state: String,
    /// The Choice state's `Comment`.
    pub comment: Option<String>,
    /// Tested in order; the first that holds runs its block.
    pub arms: Vec<(Condition, Block)>,
    /// Runs when no arm holds (`else`, `_`).
    pub default: Option<Block>,
}

impl Choice {
    /// A Choice state `state` with no arms yet.
    pub fn new(state: impl Into<String>) -> Self {
        Choice {
            state: state.into(),
            comment: None,
            arms: Vec::new(),
            default: None,
        }
    }

    /// Adds an arm.
    pub fn when(mut self, cond: Condition, block: Block) -> Self {
        self.arms.push((cond, block));
        self
    }

    /// Sets the default block.
    pub fn otherwise(mut self, block: Block) -> Self {
        self.default = Some(block);
        self
    }

    fn visit_tasks<'a>(&'a self, f: &mut dyn FnMut(&'a TaskDef)) {
        for (_, b) in &self.arms {
            b.visit_tasks(f);
        }
        if let Some(b) = &self.default {
            b.visit_tasks(f);
        }
    }
}

/// A comparison operator of a condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CmpOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// The right side of a comparison.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub enum Operand {
    /// A constant; its JSON type picks the operator family (String, Numeric, Boolean).
    #[serde(deserialize_with = "crate::body_data::value")]
    Literal(Value),
    /// Another binding path (a `...Path` operator); the family comes from the schema of the
    /// left side.
    Var(Var),
}

/// A Choice rule's test.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub enum Condition {
    /// `var op operand`.
    Compare(Var, CmpOp, Operand),
    /// `var` is a `true` boolean.
    IsTrue(Var),
    /// `var.is_some()` (present and not null) when true, `is_none()` when false.
    IsSome(Var, bool),
    /// A glob match (`StringMatches`): `starts_with` / `ends_with`.
    Matches(Var, String),
    /// All hold.
    And(Vec<Condition>),
    /// Any holds.
    Or(Vec<Condition>),
    /// Does not hold.
    Not(Box<Condition>),
}

/// A sleep: a Wait state.
#[derive(Debug, Clone, Deserialize)]
pub struct Wait {
    /// The Wait state's name.
    pub state: String,
    /// The Wait state's `Comment`.
    pub comment: Option<String>,
    /// How long.
    pub until: WaitFor,
}

/// How a Wait state waits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum WaitFor {
    /// `Seconds`.
    Seconds(u64),
    /// `SecondsPath`.
    SecondsFrom(Var),
    /// `Timestamp` (RFC 3339).
    Timestamp(String),
    /// `TimestampPath`.
    TimestampFrom(Var),
}

/// `return Err(..)`: a Fail state.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Fail {
    /// The Fail state's name.
    pub state: String,
    /// The Fail state's `Comment`.
    pub comment: Option<String>,
    /// `Error`.
    pub error: String,
    /// `Cause`.
    #[serde(deserialize_with = "crate::body_data::text")]
    pub cause: Option<String>,
}

/// `loop { .. }`.
#[derive(Debug, Clone, Deserialize)]
pub struct Loop {
    /// The body; it must contain a `break` or `return`.
    pub body: Block,
}
