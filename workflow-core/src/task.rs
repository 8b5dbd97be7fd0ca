//! Task handlers: the code behind a Task state's `Resource`, and the registry that finds them.

use crate::error::StatesError;
use crate::value::Val;
use serde_json::Value;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// The future a handler returns.
pub type TaskFuture = Pin<Box<dyn Future<Output = Result<Val, StatesError>> + Send>>;

/// What a handler knows about the call it serves.
#[derive(Debug, Clone)]
pub struct TaskContext {
    /// The Task state's `Resource` (for `lambda:invoke`, the resolved function name).
    pub resource: Arc<str>,
    /// The name of the Task state.
    pub state_name: Arc<str>,
    /// 0 for the first attempt, then 1, 2, ... for retries (`$$.State.RetryCount`).
    pub retry_count: u32,
    /// The execution's ARN and the id of the event that entered the state, from which the
    /// task token is made when a handler asks for it (`None` outside an execution).
    pub(crate) token: Option<(Arc<str>, u64)>,
    pub(crate) heartbeat: Option<Arc<tokio::sync::Notify>>,
}

impl TaskContext {
    /// A context for calling a handler directly (outside an execution).
    pub fn new(resource: &str, state_name: &str) -> Self {
        TaskContext {
            resource: Arc::from(resource),
            state_name: Arc::from(state_name),
            retry_count: 0,
            token: None,
            heartbeat: None,
        }
    }

    /// The task token (`$$.Task.Token`) of this attempt, for callback-style handlers: the same
    /// text the state's context object holds (empty outside an execution). Made on demand, since
    /// most handlers never ask.
    pub fn task_token(&self) -> String {
        match &self.token {
            Some((execution, entered)) => task_token(execution, *entered, self.retry_count),
            None => String::new(),
        }
    }

    /// Reports that the task is alive. A Task state with `HeartbeatSeconds` fails with
    /// `States.HeartbeatTimeout` when a handler goes longer than that without calling this.
    pub fn heartbeat(&self) {
        if let Some(n) = &self.heartbeat {
            n.notify_one();
        }
    }
}

/// What a synchronous handler ([`TaskHandler::invoke_now`]) knows about the call it serves,
/// lent by the execution: describing a call copies nothing, and [`context`](Self::context)
/// makes the [`TaskContext`] an asynchronous handler gets, for a handler that wants one.
#[derive(Debug, Clone, Copy)]
pub struct TaskCall<'a> {
    resource: &'a Arc<str>,
    state_name: &'a Arc<str>,
    retry_count: u32,
    token: Option<(&'a Arc<str>, u64)>,
}

impl<'a> TaskCall<'a> {
    /// A call of `resource` by the state `state_name` in the execution `execution`, entered
    /// by the event `entered_event`.
    pub(crate) fn new(
        resource: &'a Arc<str>,
        state_name: &'a Arc<str>,
        retry_count: u32,
        (execution, entered_event): (&'a Arc<str>, u64),
    ) -> Self {
        TaskCall {
            resource,
            state_name,
            retry_count,
            token: Some((execution, entered_event)),
        }
    }

    /// The Task state's `Resource`.
    pub fn resource(&self) -> &'a str {
        self.resource
    }

    /// The name of the Task state.
    pub fn state_name(&self) -> &'a str {
        self.state_name
    }

    /// 0 for the first attempt, then 1, 2, ... for retries (`$$.State.RetryCount`).
    pub fn retry_count(&self) -> u32 {
        self.retry_count
    }

    /// The [`TaskContext`] of this call.
    pub fn context(&self) -> TaskContext {
        TaskContext {
            resource: Arc::clone(self.resource),
            state_name: Arc::clone(self.state_name),
            retry_count: self.retry_count,
            token: self.token.map(|(e, id)| (Arc::clone(e), id)),
            heartbeat: None,
        }
    }
}

impl<'a> From<&'a TaskContext> for TaskCall<'a> {
    fn from(ctx: &'a TaskContext) -> Self {
        TaskCall {
            resource: &ctx.resource,
            state_name: &ctx.state_name,
            retry_count: ctx.retry_count,
            token: ctx.token.as_ref().map(|(e, id)| (e, *id)),
        }
    }
}

/// The task token of one attempt at a Task state: the execution, the event that entered the
/// state and the retry count.
pub(crate) fn task_token(execution: &str, entered_event: u64, retry_count: u32) -> String {
    format!("{execution}#{entered_event}#{retry_count}")
}

/// The code behind a Task state: JSON in, JSON out; an error carries an ASL error name and cause.
///
/// The interpreter hands a handler the [`Val`] its history records (a clone shares it); the
/// helpers below make handlers from closures over `serde_json::Value` ([`handler_fn`],
/// [`sync_handler_fn`], which convert at the call) or over `Val` ([`sync_handler_ref`],
/// [`shared_handler_fn`], which do not).
///
/// A handler that panics yields `States.TaskFailed`; the rest of the execution is not affected.
pub trait TaskHandler: Send + Sync + 'static {
    /// Runs the task once.
    fn invoke(&self, input: Val, ctx: TaskContext) -> TaskFuture;

    /// Whether [`invoke_now`](Self::invoke_now) runs the task to its end without waiting (the
    /// handlers of [`sync_handler_fn`] and [`sync_handler_ref`] do). The interpreter then runs a
    /// Task state that can neither time out nor retry with such a handler without a future,
    /// and a Map of such states one iteration after another, as it runs Pass states.
    fn is_sync(&self) -> bool {
        false
    }

    /// Runs the task once, to its end, on the calling thread, on the input the execution's
    /// history records (lent: a Map's item is not copied for its call). Called only when
    /// [`is_sync`](Self::is_sync) says so; the default refuses.
    fn invoke_now(&self, input: &Val, call: TaskCall<'_>) -> Result<Val, StatesError> {
        let _ = input;
        Err(StatesError::new(
            crate::error::names::TASK_FAILED,
            format!(
                "the handler of `{}` cannot run synchronously",
                call.resource()
            ),
        ))
    }
}

struct FnHandler<F>(F);

impl<F, Fut> TaskHandler for FnHandler<F>
where
    F: Fn(Value) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Value, StatesError>> + Send + 'static,
{
    fn invoke(&self, input: Val, ctx: TaskContext) -> TaskFuture {
        let out = (self.0)(input.to_json());
        Box::pin(async move { out.await.and_then(|v| converted(v, &ctx.state_name)) })
    }
}

/// A handler's `serde_json` result as a [`Val`]. The conversion recurses once per level, so a
/// result nested deeper than [`MAX_JSON_DEPTH`](crate::limits::MAX_JSON_DEPTH) is refused
/// first, as the interpreter refuses one over its limit (`States.DataLimitExceeded`), and
/// dropped without recursion.
fn converted(v: Value, state_name: &str) -> Result<Val, StatesError> {
    let max = crate::limits::MAX_JSON_DEPTH;
    if crate::limits::depth_exceeds(&v, max) {
        crate::limits::dispose(v);
        return Err(StatesError::new(
            crate::error::names::DATA_LIMIT_EXCEEDED,
            format!(
                "The state/task '{}' returned a result nested deeper than the maximum of {max} levels.",
                state_name
            ),
        ));
    }
    Ok(Val::from(v))
}

/// A handler from an async closure over `serde_json::Value`s.
///
/// ```
/// use workflow_core::task::{handler_fn, TaskRegistry};
/// let mut tasks = TaskRegistry::new();
/// tasks.register("mapFunction", handler_fn(|word: serde_json::Value| async move {
///     Ok(serde_json::json!({ "length": word.as_str().map_or(0, |w| w.chars().count()) }))
/// }));
/// ```
pub fn handler_fn<F, Fut>(f: F) -> impl TaskHandler
where
    F: Fn(Value) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Value, StatesError>> + Send + 'static,
{
    FnHandler(f)
}

struct SyncHandler<F>(F);

impl<F> TaskHandler for SyncHandler<F>
where
    F: Fn(Value) -> Result<Value, StatesError> + Send + Sync + 'static,
{
    fn invoke(&self, input: Val, ctx: TaskContext) -> TaskFuture {
        Box::pin(std::future::ready(self.invoke_now(&input, (&ctx).into())))
    }

    fn is_sync(&self) -> bool {
        true
    }

    fn invoke_now(&self, input: &Val, call: TaskCall<'_>) -> Result<Val, StatesError> {
        (self.0)(input.to_json()).and_then(|v| converted(v, call.state_name()))
    }
}

/// A handler from a plain function over `serde_json::Value`s (no `.await` inside).
pub fn sync_handler_fn<F>(f: F) -> impl TaskHandler
where
    F: Fn(Value) -> Result<Value, StatesError> + Send + Sync + 'static,
{
    SyncHandler(f)
}

struct SyncRefHandler<F>(F);

impl<F> TaskHandler for SyncRefHandler<F>
where
    F: Fn(&Val) -> Result<Val, StatesError> + Send + Sync + 'static,
{
    fn invoke(&self, input: Val, _ctx: TaskContext) -> TaskFuture {
        Box::pin(std::future::ready((self.0)(&input)))
    }

    fn is_sync(&self) -> bool {
        true
    }

    fn invoke_now(&self, input: &Val, _call: TaskCall<'_>) -> Result<Val, StatesError> {
        (self.0)(input)
    }
}

/// A handler from a plain function that reads the [`Val`] the execution's history records,
/// without a conversion or a copy (a Map's results handed to a reducer are never copied).
///
/// ```
/// use workflow_core::task::{sync_handler_ref, TaskRegistry};
/// use workflow_core::value::Val;
/// let mut tasks = TaskRegistry::new();
/// tasks.register("count", sync_handler_ref(|items: &Val| {
///     Ok(Val::from(items.as_array().map_or(0, <[Val]>::len)))
/// }));
/// ```
pub fn sync_handler_ref<F>(f: F) -> impl TaskHandler
where
    F: Fn(&Val) -> Result<Val, StatesError> + Send + Sync + 'static,
{
    SyncRefHandler(f)
}

struct SharedFnHandler<F>(F);

impl<F> TaskHandler for SharedFnHandler<F>
where
    F: Fn(Val) -> TaskFuture + Send + Sync + 'static,
{
    fn invoke(&self, input: Val, _ctx: TaskContext) -> TaskFuture {
        (self.0)(input)
    }
}

/// A handler from a function of the shared input (the [`Val`] the history records, neither
/// converted nor copied for the call), for asynchronous handlers.
pub fn shared_handler_fn<F>(f: F) -> impl TaskHandler
where
    F: Fn(Val) -> TaskFuture + Send + Sync + 'static,
{
    SharedFnHandler(f)
}

/// Handlers keyed by resource.
///
/// A Task's `Resource` finds its handler by the full string first; a Lambda ARN
/// (`arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`) also finds a handler registered
/// under `NAME`; `arn:aws:states:::lambda:invoke` finds the one named by its `FunctionName`.
#[derive(Clone, Default)]
pub struct TaskRegistry {
    handlers: HashMap<String, Arc<dyn TaskHandler>>,
    fallback: Option<Arc<dyn TaskHandler>>,
}

impl TaskRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `handler` for `resource` (a full ARN or a Lambda function name).
    pub fn register(
        &mut self,
        resource: impl Into<String>,
        handler: impl TaskHandler,
    ) -> &mut Self {
        self.handlers.insert(resource.into(), Arc::new(handler));
        self
    }

    /// Registers an already shared handler.
    pub fn register_arc(
        &mut self,
        resource: impl Into<String>,
        handler: Arc<dyn TaskHandler>,
    ) -> &mut Self {
        self.handlers.insert(resource.into(), handler);
        self
    }

    /// Answers every resource that has no handler of its own with `handler` (for instance one
    /// that returns its input, to run a definition without its real tasks).
    pub fn set_fallback(&mut self, handler: impl TaskHandler) -> &mut Self {
        self.fallback = Some(Arc::new(handler));
        self
    }

    /// The handler for a resource or function name, as described on the type, or the fallback.
    pub fn resolve(&self, resource: &str) -> Option<&Arc<dyn TaskHandler>> {
        self.handlers
            .get(resource)
            .or_else(|| lambda_function_name(resource).and_then(|name| self.handlers.get(name)))
            .or(self.fallback.as_ref())
    }

    /// The registered resource keys.
    pub fn resources(&self) -> impl Iterator<Item = &str> {
        self.handlers.keys().map(String::as_str)
    }
}

impl std::fmt::Debug for TaskRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskRegistry")
            .field("resources", &self.handlers.keys().collect::<Vec<_>>())
            .field("fallback", &self.fallback.is_some())
            .finish()
    }
}

/// The function name of a Lambda ARN (`...:function:NAME` or `...:function:NAME:QUALIFIER`),
/// or `None` when `resource` is not one.
pub fn lambda_function_name(resource: &str) -> Option<&str> {
    let rest = resource.split_once(":function:")?.1;
    Some(rest.split(':').next().unwrap_or(rest))
}

/// The optimised Lambda integration resource (`arn:aws:states:::lambda:invoke`, with or without
/// a `.waitForTaskToken` suffix).
pub fn is_lambda_invoke(resource: &str) -> bool {
    resource
        .strip_prefix("arn:")
        .and_then(|r| r.split_once(":states:::lambda:invoke"))
        .is_some()
}

/// A direct Lambda resource (`arn:aws:lambda:...:function:NAME`).
pub fn is_lambda_arn(resource: &str) -> bool {
    resource.starts_with("arn:") && resource.contains(":lambda:") && resource.contains(":function:")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_arn_resolves_by_function_name_and_ignores_qualifier() {
        assert_eq!(
            lambda_function_name("arn:aws:lambda:us-east-1:123:function:mapFunction"),
            Some("mapFunction")
        );
        assert_eq!(
            lambda_function_name("arn:aws:lambda:us-east-1:123:function:f:prod"),
            Some("f")
        );
        assert_eq!(lambda_function_name("mapFunction"), None);
        let mut reg = TaskRegistry::new();
        reg.register("f", sync_handler_fn(Ok));
        assert!(reg
            .resolve("arn:aws:lambda:us-east-1:1:function:f")
            .is_some());
        assert!(reg
            .resolve("arn:aws:lambda:us-east-1:1:function:g")
            .is_none());
    }

    #[test]
    fn the_fallback_answers_only_unregistered_resources() {
        let mut reg = TaskRegistry::new();
        reg.register("f", sync_handler_fn(|_| Ok(serde_json::json!("f"))));
        assert!(reg.resolve("g").is_none());
        reg.set_fallback(sync_handler_fn(Ok));
        let call = |r: &str| {
            let h = reg.resolve(r).expect("a handler");
            futures::executor::block_on(h.invoke(crate::val!(1), TaskContext::new(r, "S")))
        };
        assert_eq!(call("f"), Ok(crate::val!("f")));
        assert_eq!(
            call("arn:aws:lambda:us-east-1:1:function:g"),
            Ok(crate::val!(1))
        );
    }

    #[test]
    fn lambda_invoke_is_recognised_in_every_partition() {
        assert!(is_lambda_invoke("arn:aws:states:::lambda:invoke"));
        assert!(is_lambda_invoke(
            "arn:aws-cn:states:::lambda:invoke.waitForTaskToken"
        ));
        assert!(!is_lambda_invoke("arn:aws:lambda:us-east-1:1:function:f"));
        assert!(is_lambda_arn("arn:aws:lambda:us-east-1:1:function:f"));
    }
}
