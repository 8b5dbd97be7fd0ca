//! Warm instances: tasks with one-time initialisation, pooled in-process the way AWS Lambda keeps
//! execution environments.
//!
//! An instance is initialised once ([`WarmTask::init`]) and then serves one call at a time. A call
//! takes a free instance (a *warm start*); when every instance is busy, a new one is initialised
//! inside the call (a *cold start*), so concurrency drives cold starts as it does on Lambda.
//! [`WarmPool::prewarm`] initialises instances ahead of time and keeps idle ones alive, as a
//! warmer does; with [`WarmPool::idle_timeout`], instances idle for longer are discarded, as
//! Lambda recycles idle environments.

use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::VecDeque;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::time::Instant;
use workflow_codegen::__private::{decode_input, encode_output};
use workflow_core::task::{TaskContext, TaskFuture, TaskHandler};
use workflow_core::value::Val;
use workflow_core::StatesError;

/// A task with one-time initialisation: `init` builds the state once per instance (a connection
/// pool, signing keys, a framework context); `invoke` serves each call with it.
///
/// ```
/// use workflow_core::{task::TaskContext, StatesError};
/// use workflow_lambda::WarmTask;
///
/// struct Greet;
/// impl WarmTask for Greet {
///     type State = String;
///     type Input = String;
///     type Output = String;
///     async fn init(&self) -> Result<String, StatesError> {
///         Ok("Hello".to_owned()) // e.g. load a template, open a pool
///     }
///     async fn invoke(&self, greeting: &String, name: String, _: TaskContext) -> Result<String, StatesError> {
///         Ok(format!("{greeting}, {name}!"))
///     }
/// }
/// ```
pub trait WarmTask: Send + Sync + 'static {
    /// What one instance's initialisation builds.
    type State: Send + Sync + 'static;
    /// The call's input, decoded from JSON.
    type Input: DeserializeOwned + Send + 'static;
    /// The call's output, encoded to JSON.
    type Output: Serialize + Send + 'static;

    /// Initialises one instance. An error fails the call that needed the instance.
    fn init(&self) -> impl Future<Output = Result<Self::State, StatesError>> + Send;

    /// Serves one call on an initialised instance. An error's name is the ASL error name (and,
    /// on Lambda, the `errorType`).
    fn invoke(
        &self,
        state: &Self::State,
        input: Self::Input,
        ctx: TaskContext,
    ) -> impl Future<Output = Result<Self::Output, StatesError>> + Send;
}

/// Any [`TaskHandler`] as a [`WarmTask`] with nothing to initialise (JSON in, JSON out).
pub struct Stateless<H>(pub H);

impl<H: TaskHandler> WarmTask for Stateless<H> {
    type State = ();
    type Input = Val;
    type Output = Val;

    async fn init(&self) -> Result<(), StatesError> {
        Ok(())
    }

    fn invoke(
        &self,
        _: &(),
        input: Val,
        ctx: TaskContext,
    ) -> impl Future<Output = Result<Val, StatesError>> + Send {
        self.0.invoke(input, ctx)
    }
}

/// What a pool did: starts, instances and initialisations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// Calls that initialised a new instance first (every instance was busy).
    pub cold_starts: u64,
    /// Calls served by an instance that was already initialised.
    pub warm_starts: u64,
    /// Instances initialised ahead of time by [`WarmPool::prewarm`].
    pub prewarmed: u64,
    /// Instances alive (idle or busy).
    pub instances: u64,
    /// Initialisations that failed (the call, or the pre-warm, failed with the error).
    pub init_failures: u64,
    /// Instances discarded after staying idle longer than the idle timeout.
    pub expired: u64,
}

struct Slots<S> {
    /// Idle instances with when each was last used, oldest first.
    idle: VecDeque<(Arc<S>, Instant)>,
    idle_timeout: Option<Duration>,
    stats: PoolStats,
}

impl<S> Slots<S> {
    /// Discards the instances idle for longer than the idle timeout.
    fn expire(&mut self, now: Instant) {
        let Some(timeout) = self.idle_timeout else {
            return;
        };
        while let Some((_, used)) = self.idle.front() {
            if now.duration_since(*used) <= timeout {
                break;
            }
            self.idle.pop_front();
            self.stats.expired += 1;
            self.stats.instances -= 1;
        }
    }
}

struct Inner<T: WarmTask> {
    task: T,
    slots: Mutex<Slots<T::State>>,
}

impl<T: WarmTask> Inner<T> {
    fn lock(&self) -> MutexGuard<'_, Slots<T::State>> {
        self.slots.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// An idle instance (warm), or a newly initialised one (cold).
    async fn checkout(&self) -> Result<Arc<T::State>, StatesError> {
        {
            let mut slots = self.lock();
            slots.expire(Instant::now());
            if let Some((instance, _)) = slots.idle.pop_back() {
                slots.stats.warm_starts += 1;
                return Ok(instance);
            }
            slots.stats.cold_starts += 1;
        }
        self.create().await
    }

    async fn create(&self) -> Result<Arc<T::State>, StatesError> {
        match self.task.init().await {
            Ok(state) => {
                self.lock().stats.instances += 1;
                Ok(Arc::new(state))
            }
            Err(e) => {
                self.lock().stats.init_failures += 1;
                Err(e)
            }
        }
    }

    fn checkin(&self, instance: Arc<T::State>) {
        self.lock().idle.push_back((instance, Instant::now()));
    }

    async fn call(&self, input: Val, ctx: TaskContext) -> Result<Val, StatesError> {
        let instance = self.checkout().await?;
        let name = ctx.resource.clone();
        let result = match decode_input::<T::Input>(&name, &input) {
            Ok(input) => self.task.invoke(&instance, input, ctx).await,
            Err(e) => Err(e),
        };
        // A call that is cancelled (a timeout) or panics never gets here: its instance is
        // dropped, as Lambda discards an environment whose invocation timed out or crashed.
        self.checkin(instance);
        encode_output(&name, result?)
    }
}

/// A pool of initialised instances of one task; a [`TaskHandler`] to register for its resource.
///
/// Cloning shares the pool.
pub struct WarmPool<T: WarmTask> {
    inner: Arc<Inner<T>>,
}

impl<T: WarmTask> Clone for WarmPool<T> {
    fn clone(&self) -> Self {
        WarmPool {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<T: WarmTask> WarmPool<T> {
    /// An empty pool: the first call is a cold start.
    pub fn new(task: T) -> Self {
        WarmPool {
            inner: Arc::new(Inner {
                task,
                slots: Mutex::new(Slots {
                    idle: VecDeque::new(),
                    idle_timeout: None,
                    stats: PoolStats::default(),
                }),
            }),
        }
    }

    /// Discards instances that stay idle longer than `timeout` (Lambda recycles an idle
    /// environment after some minutes); without it, idle instances live as long as the pool.
    pub fn idle_timeout(self, timeout: Duration) -> Self {
        self.inner.lock().idle_timeout = Some(timeout);
        self
    }

    /// What a warmer calling the function `n` times at once achieves: up to `n` idle instances
    /// are used (their idle time starts again), and new ones are initialised, all at once, until
    /// `n` are idle. The first initialisation error is returned.
    pub async fn prewarm(&self, n: usize) -> Result<(), StatesError> {
        let missing = {
            let mut slots = self.inner.lock();
            let now = Instant::now();
            slots.expire(now);
            let idle = slots.idle.len();
            // The newest `n` idle instances serve the warmer's calls.
            for (_, used) in slots.idle.iter_mut().skip(idle.saturating_sub(n)) {
                *used = now;
            }
            n.saturating_sub(idle)
        };
        let created = futures::future::join_all((0..missing).map(|_| self.inner.create())).await;
        let mut slots = self.inner.lock();
        let mut first_error = None;
        for instance in created {
            match instance {
                Ok(i) => {
                    slots.stats.prewarmed += 1;
                    slots.idle.push_back((i, Instant::now()));
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// What the pool has done so far.
    pub fn stats(&self) -> PoolStats {
        self.inner.lock().stats
    }

    /// The task this pool serves.
    pub fn task(&self) -> &T {
        &self.inner.task
    }
}

impl<T: WarmTask> TaskHandler for WarmPool<T> {
    fn invoke(&self, input: Val, ctx: TaskContext) -> TaskFuture {
        let inner = Arc::clone(&self.inner);
        Box::pin(async move { inner.call(input, ctx).await })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::Duration;

    /// Counts initialisations; each call sleeps 10 ms and echoes its input with its instance id.
    struct Probe {
        inits: AtomicU64,
        fail_init: bool,
    }

    impl Probe {
        fn new() -> Self {
            Probe {
                inits: AtomicU64::new(0),
                fail_init: false,
            }
        }
    }

    impl WarmTask for Probe {
        type State = u64;
        type Input = u64;
        type Output = (u64, u64);

        async fn init(&self) -> Result<u64, StatesError> {
            if self.fail_init {
                return Err(StatesError::new("Init.KeysUnavailable", "no signing keys"));
            }
            Ok(self.inits.fetch_add(1, Ordering::SeqCst) + 1)
        }

        async fn invoke(
            &self,
            id: &u64,
            input: u64,
            _: TaskContext,
        ) -> Result<(u64, u64), StatesError> {
            tokio::time::sleep(Duration::from_millis(10)).await;
            if input == 13 {
                return Err(StatesError::new("Unlucky", "13"));
            }
            Ok((*id, input))
        }
    }

    fn ctx() -> TaskContext {
        TaskContext::new("probe", "Probe")
    }

    async fn burst(pool: &WarmPool<Probe>, n: u64) -> Vec<Result<Val, StatesError>> {
        futures::future::join_all((0..n).map(|i| pool.invoke(Val::from(i), ctx()))).await
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_calls_each_cold_start_then_reuse_instances() {
        let pool = WarmPool::new(Probe::new());
        let first = burst(&pool, 4).await;
        assert!(first.iter().all(Result::is_ok));
        let s = pool.stats();
        assert_eq!((s.cold_starts, s.warm_starts, s.instances), (4, 0, 4));
        // One at a time: always the same idle instance, always warm.
        for i in 0..3 {
            pool.invoke(Val::from(i), ctx()).await.unwrap();
        }
        let s = pool.stats();
        assert_eq!((s.cold_starts, s.warm_starts, s.instances), (4, 3, 4));
        assert_eq!(pool.task().inits.load(Ordering::SeqCst), 4);
        // A wider burst needs two more instances.
        burst(&pool, 6).await;
        let s = pool.stats();
        assert_eq!((s.cold_starts, s.warm_starts, s.instances), (6, 7, 6));
    }

    #[tokio::test(start_paused = true)]
    async fn prewarming_n_removes_n_cold_starts() {
        let pool = WarmPool::new(Probe::new());
        pool.prewarm(3).await.unwrap();
        assert_eq!(pool.stats().prewarmed, 3);
        burst(&pool, 5).await;
        let s = pool.stats();
        assert_eq!((s.cold_starts, s.warm_starts), (2, 3));
        // Pre-warming tops up to n idle instances; it does not add beyond that.
        pool.prewarm(5).await.unwrap();
        assert_eq!(pool.stats().instances, 5);
    }

    #[tokio::test(start_paused = true)]
    async fn idle_instances_expire_unless_a_warmer_keeps_them_in_use() {
        let minutes = |m: u64| Duration::from_secs(60 * m);
        let pool = WarmPool::new(Probe::new()).idle_timeout(minutes(5));
        pool.invoke(Val::from(1), ctx()).await.unwrap(); // cold
        tokio::time::advance(minutes(4)).await;
        pool.invoke(Val::from(2), ctx()).await.unwrap(); // warm: idle 4 min
        tokio::time::advance(minutes(6)).await;
        pool.invoke(Val::from(3), ctx()).await.unwrap(); // cold: the instance expired
        let s = pool.stats();
        assert_eq!(
            (s.cold_starts, s.warm_starts, s.expired, s.instances),
            (2, 1, 1, 1)
        );
        // A warmer every 4 minutes keeps the instance alive through 12 idle minutes.
        for _ in 0..3 {
            tokio::time::advance(minutes(4)).await;
            pool.prewarm(1).await.unwrap();
        }
        pool.invoke(Val::from(4), ctx()).await.unwrap();
        let s = pool.stats();
        assert_eq!(
            (s.cold_starts, s.warm_starts, s.expired, s.prewarmed),
            (2, 2, 1, 0)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn errors_keep_their_names_and_bad_input_is_a_task_failure() {
        let pool = WarmPool::new(Probe::new());
        let e = pool.invoke(Val::from(13), ctx()).await.unwrap_err();
        assert_eq!((e.error.as_str(), e.cause.as_str()), ("Unlucky", "13"));
        let e = pool.invoke(Val::from("x"), ctx()).await.unwrap_err();
        assert_eq!(e.error, "States.TaskFailed");
        assert!(e.cause.contains("input"), "{}", e.cause);
        // Failed calls still return their instance: one instance served all three.
        pool.invoke(Val::from(1), ctx()).await.unwrap();
        assert_eq!(pool.stats().instances, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_initialisation_fails_the_call_with_its_error() {
        let pool = WarmPool::new(Probe {
            fail_init: true,
            ..Probe::new()
        });
        let e = pool.invoke(Val::from(1), ctx()).await.unwrap_err();
        assert_eq!(e.error, "Init.KeysUnavailable");
        assert_eq!(
            pool.prewarm(2).await.unwrap_err().error,
            "Init.KeysUnavailable"
        );
        let s = pool.stats();
        assert_eq!((s.init_failures, s.instances, s.prewarmed), (3, 0, 0));
    }
}
