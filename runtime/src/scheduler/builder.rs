//! `task::Builder`: spawn with a name.

use super::spawn::{check_loop, current_or_panic, spawn_from, spawn_placed, BuildThenRun};
use crate::context;
use crate::contextvars::Context;
use crate::error::SpawnError;
use crate::loop_id::LoopId;
use crate::task::handle::Task;
use std::future::Future;

/// Configures a task before spawning it: its name, where it starts, and
/// whether it starts eagerly.
///
/// ```
/// # hive::run(async {
/// let task = hive::task::Builder::new().name("worker-1").spawn(async { 1 });
/// assert_eq!(task.name(), "worker-1");
/// assert_eq!(task.await.unwrap(), 1);
/// # }).unwrap();
/// ```
#[derive(Debug, Default, Clone)]
#[must_use = "a Builder does nothing until one of its spawn methods is called"]
pub struct Builder {
    name: Option<Box<str>>,
    start_on: Option<LoopId>,
    eager: bool,
    context: Option<Context>,
}

impl Builder {
    /// A builder with no name (the task will be called `Task-<id>`).
    ///
    /// ```
    /// let _b = hive::task::Builder::new();
    /// ```
    pub fn new() -> Self {
        Builder::default()
    }

    /// Names the task (asyncio's `create_task(name=...)`).
    ///
    /// ```
    /// let _b = hive::task::Builder::new().name("poller");
    /// ```
    #[doc(alias = "set_name")]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into().into_boxed_str());
        self
    }

    /// Runs the task in `context` instead of a copy of the spawner's
    /// (asyncio's `create_task(coro, context=ctx)`); the task then works on
    /// its own copy of it.
    ///
    /// ```
    /// use hive::contextvars::{Context, ContextVar};
    /// static USER: ContextVar<&str> = ContextVar::new("user");
    /// # hive::run(async {
    /// let mut ctx = Context::new();
    /// ctx.run(|| drop(USER.set("ada")));
    /// let who = hive::task::Builder::new().context(ctx).spawn(async { USER.get() });
    /// assert_eq!(who.await.unwrap(), Some("ada"));
    /// assert_eq!(USER.get(), None);
    /// # }).unwrap();
    /// ```
    pub fn context(mut self, context: Context) -> Self {
        self.context = Some(context);
        self
    }

    /// Makes [`spawn`](Builder::spawn) start the (still stealable) task on
    /// loop `id` instead of the caller's loop: put a connection's task next
    /// to the reactor that watches its socket, so I/O does not pile up on
    /// the accepting loop. An id the runtime lacks is ignored (the task
    /// starts where `spawn` would start it).
    ///
    /// ```
    /// # hive::run(async {
    /// let last = *hive::loop_ids().last().unwrap();
    /// let t = hive::task::Builder::new().start_on(last).spawn(async { 1 });
    /// assert_eq!(t.await.unwrap(), 1);
    /// # }).unwrap();
    /// ```
    pub fn start_on(mut self, id: LoopId) -> Self {
        self.start_on = Some(id);
        self
    }

    /// Starts the task eagerly (asyncio 3.12's eager task factory): `spawn`
    /// polls it once, synchronously, before returning. If it finishes in
    /// that poll it is never queued at all; otherwise it continues like any
    /// task once woken.
    ///
    /// Only meaningful on a loop thread of the same runtime, and, for a
    /// pinned task, on its own loop (for `start_on`, on that loop): anywhere
    /// else (a foreign thread, `Runtime::block_on`, another loop) the task
    /// is queued as usual. A task spawned while the runtime shuts down is
    /// never run eagerly.
    ///
    /// ```
    /// # hive::run(async {
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// static RAN: AtomicBool = AtomicBool::new(false);
    /// let task = hive::task::Builder::new().eager(true).spawn(async { RAN.store(true, Ordering::SeqCst); 1 });
    /// assert!(RAN.load(Ordering::SeqCst)); // it ran inside spawn
    /// assert!(task.is_done());
    /// assert_eq!(task.await.unwrap(), 1);
    /// # }).unwrap();
    /// ```
    #[doc(alias = "asyncio.eager_task_factory")]
    pub fn eager(mut self, eager: bool) -> Self {
        self.eager = eager;
        self
    }

    /// As [`hive::spawn`](crate::spawn), with this builder's settings.
    ///
    /// # Panics
    /// Outside a hive runtime.
    ///
    /// ```
    /// # hive::run(async {
    /// hive::task::Builder::new().name("bg").spawn(async {}).await.unwrap();
    /// # }).unwrap();
    /// ```
    pub fn spawn<F>(self, future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let shared = current_or_panic("hive::task::Builder::spawn");
        let start_on = self
            .start_on
            .filter(|id| id.0 < shared.loops.len())
            .map(|id| id.0);
        in_context(self.context, || {
            spawn_placed(&shared, future, self.name, None, start_on, self.eager)
        })
    }

    /// As [`hive::spawn_local`](crate::spawn_local), with this builder's settings.
    ///
    /// # Errors
    /// [`SpawnError::NotOnLoop`] off a loop thread.
    ///
    /// ```
    /// # hive::run(async {
    /// let rc = std::rc::Rc::new(1);
    /// hive::task::Builder::new().name("local").spawn_local(async move { *rc }).unwrap().await.unwrap();
    /// # }).unwrap();
    /// ```
    pub fn spawn_local<F>(self, future: F) -> Result<Task<F::Output>, SpawnError>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        // Spawned inside the worker's borrow: cloning the runtime's `Arc`
        // out of it first cost two atomic read-modify-writes per spawn.
        // (The worker outlives every task poll on its thread, so code the
        // spawn runs, an eager first poll included, may look it up again.)
        let Builder {
            name,
            context,
            eager,
            ..
        } = self;
        context::with_worker(|core| {
            core.map(|c| {
                in_context(context, || {
                    spawn_from(Some(c), &c.shared, future, name, Some(c.index), None, eager)
                })
            })
        })
        .ok_or(SpawnError::NotOnLoop)
    }

    /// As [`hive::spawn_on_loop`](crate::spawn_on_loop), with this builder's settings.
    ///
    /// # Errors
    /// [`SpawnError::NoSuchLoop`] or [`SpawnError::NoRuntime`].
    ///
    /// ```
    /// # hive::run(async {
    /// let id = hive::loop_ids()[0];
    /// hive::task::Builder::new().name("pinned").spawn_on_loop(id, async {}).unwrap().await.unwrap();
    /// # }).unwrap();
    /// ```
    pub fn spawn_on_loop<F>(self, id: LoopId, future: F) -> Result<Task<F::Output>, SpawnError>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let shared = context::current_shared().ok_or(SpawnError::NoRuntime)?;
        check_loop(&shared, id)?;
        Ok(in_context(self.context, || {
            spawn_placed(&shared, future, self.name, Some(id.0), None, self.eager)
        }))
    }

    /// As [`hive::spawn_on_loop_with`](crate::spawn_on_loop_with), with this builder's settings.
    ///
    /// # Errors
    /// [`SpawnError::NoSuchLoop`] or [`SpawnError::NoRuntime`].
    ///
    /// ```
    /// # hive::run(async {
    /// let id = hive::loop_ids()[0];
    /// let t = hive::task::Builder::new().name("rc").spawn_on_loop_with(id, || async { std::rc::Rc::new(1); 2 });
    /// assert_eq!(t.unwrap().await.unwrap(), 2);
    /// # }).unwrap();
    /// ```
    pub fn spawn_on_loop_with<M, F>(
        self,
        id: LoopId,
        make: M,
    ) -> Result<Task<F::Output>, SpawnError>
    where
        M: FnOnce() -> F + Send + 'static,
        F: Future + 'static,
        F::Output: Send + 'static,
    {
        let shared = context::current_shared().ok_or(SpawnError::NoRuntime)?;
        check_loop(&shared, id)?;
        Ok(in_context(self.context, || {
            spawn_placed(
                &shared,
                BuildThenRun::Build(Some(make)),
                self.name,
                Some(id.0),
                None,
                self.eager,
            )
        }))
    }
}

/// Spawns inside `context` when one was given, so the new task copies it.
fn in_context<R>(context: Option<Context>, spawn: impl FnOnce() -> R) -> R {
    match context {
        Some(mut context) => context.run(spawn),
        None => spawn(),
    }
}
