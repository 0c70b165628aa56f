//! `Runtime`: a pool of loops, and its shutdown.

use crate::builder::Builder;
use crate::context;
use crate::error::{RunError, SpawnError};
use crate::event_loop::{Loop, LoopId};
use crate::exception::ExceptionContext;
use crate::loom::sync::Arc;
use crate::metrics::{LoopMetrics, RuntimeMetrics};
use crate::runner::block_on_thread;
use crate::scheduler::spawn::{check_loop, spawn_inner, BuildThenRun};
use crate::shared::Shared;
use crate::task::{Task, TaskError};
use std::fmt;
use std::future::Future;
use std::io;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A pool of event loops, one per thread, sharing a work-stealing injector.
///
/// Most programs use [`hive::run`](crate::run), which builds one, runs the
/// main future, and shuts it down. A `Runtime` is for more control: several
/// `run` calls on one pool (asyncio's `Runner`), custom settings, metrics.
/// Dropping it shuts it down: every task is cancelled and every thread joined.
///
/// ```
/// let rt = hive::Runtime::builder().loops(2).build().unwrap();
/// let a = rt.run(async { 1 }).unwrap();
/// let b = rt.run(async { 2 }).unwrap();
/// assert_eq!(a + b, 3);
/// ```
#[doc(alias = "asyncio.Runner")]
pub struct Runtime {
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
    shutdown_timeout: Duration,
    finished: bool,
}

/// What [`Runtime::shutdown_timeout`] managed to clean up.
///
/// ```
/// let report = hive::Runtime::builder().loops(1).build().unwrap().shutdown_timeout(std::time::Duration::from_secs(1));
/// assert!(report.is_clean());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShutdownReport {
    /// Tasks that had not finished cancelling by the deadline (their memory is leaked).
    pub tasks_abandoned: usize,
    /// Loop threads that did not exit by the deadline (detached).
    pub loops_detached: usize,
    /// Blocking-pool threads still running a job at the deadline (detached).
    pub blocking_detached: usize,
}

impl ShutdownReport {
    /// Nothing was left behind.
    ///
    /// ```
    /// assert!(hive::ShutdownReport::default().is_clean());
    /// ```
    pub fn is_clean(&self) -> bool {
        *self == ShutdownReport::default()
    }
}

impl Runtime {
    pub(crate) fn from_parts(
        shared: Arc<Shared>,
        threads: Vec<JoinHandle<()>>,
        shutdown_timeout: Duration,
    ) -> Self {
        Runtime {
            shared,
            threads,
            shutdown_timeout,
            finished: false,
        }
    }

    /// A runtime with the default settings (one loop per CPU).
    ///
    /// # Errors
    /// When a reactor or a thread cannot be created.
    ///
    /// ```
    /// let rt = hive::Runtime::new().unwrap();
    /// assert!(!rt.loop_ids().is_empty());
    /// ```
    pub fn new() -> io::Result<Runtime> {
        Builder::new().build()
    }

    /// A [`Builder`] to configure one.
    ///
    /// ```
    /// let rt = hive::Runtime::builder().loops(1).build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn builder() -> Builder {
        Builder::new()
    }

    /// Runs `future` as the main task, pinned to loop 0, and waits for it
    /// (asyncio's `Runner.run`). Tasks it leaves behind keep running.
    ///
    /// # Errors
    /// [`RunError::Nested`] when called from inside a runtime,
    /// [`RunError::Cancelled`] if the main task was cancelled.
    ///
    /// # Panics
    /// Resumes the main task's panic on the calling thread, as asyncio's
    /// `run` re-raises the main coroutine's exception.
    ///
    /// ```
    /// let rt = hive::Runtime::builder().loops(1).build().unwrap();
    /// assert_eq!(rt.run(async { hive::current_loop_id().unwrap().index() }).unwrap(), 0);
    /// ```
    #[doc(alias = "Runner.run")]
    pub fn run<F>(&self, future: F) -> Result<F::Output, RunError>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        if context::in_runtime() {
            return Err(RunError::Nested);
        }
        let interrupt = self.listen_for_ctrl_c();
        let main = spawn_inner(&self.shared, future, Some("main".into()), Some(0));
        self.wait_main(main, interrupt)
    }

    /// Like [`run`](Runtime::run), but builds the main future on loop 0 so it
    /// may be `!Send` (hold `Rc`s across awaits). `#[hive::main]` uses this.
    ///
    /// # Errors
    /// As [`run`](Runtime::run).
    ///
    /// ```
    /// let rt = hive::Runtime::builder().loops(1).build().unwrap();
    /// let out = rt.run_local(|| async {
    ///     let counter = std::rc::Rc::new(std::cell::Cell::new(0));
    ///     hive::yield_now().await;
    ///     counter.set(counter.get() + 1);
    ///     counter.get()
    /// });
    /// assert_eq!(out.unwrap(), 1);
    /// ```
    pub fn run_local<M, F>(&self, make: M) -> Result<F::Output, RunError>
    where
        M: FnOnce() -> F + Send + 'static,
        F: Future + 'static,
        F::Output: Send + 'static,
    {
        if context::in_runtime() {
            return Err(RunError::Nested);
        }
        let interrupt = self.listen_for_ctrl_c();
        let main = spawn_inner(
            &self.shared,
            BuildThenRun::Build(Some(make)),
            Some("main".into()),
            Some(0),
        );
        self.wait_main(main, interrupt)
    }

    /// On the process's main thread, listens for Ctrl-C for the duration of
    /// a `run`, as `asyncio.run` does; elsewhere SIGINT is left alone
    /// (asyncio installs its handler only on the main thread, too).
    #[cfg(not(loom))]
    fn listen_for_ctrl_c(&self) -> Option<crate::signal::Signal> {
        if std::thread::current().name() != Some("main") {
            return None;
        }
        crate::signal::signal_in(&self.shared, crate::signal::SignalKind::interrupt()).ok()
    }

    /// Under loom, no Ctrl-C source. Why the model build must differ here:
    /// `hive::signal` is not built under loom, because its registry is
    /// process-global (a `static` lock, and OS handlers installed through
    /// signal-hook) and loom's objects cannot outlive the one execution that
    /// made them. Nothing is lost to the models: none runs `Runtime::run`
    /// (they drive the scheduler, task cell, blocking pool and reactor
    /// internals directly), and a model's threads are never the process's
    /// `main` thread, so the shipped function above would return `None` too.
    #[cfg(loom)]
    fn listen_for_ctrl_c(&self) -> Option<std::convert::Infallible> {
        None
    }

    /// Waits for the main task; Ctrl-C cancels it (its destructors run) and
    /// `run` reports `Interrupted`.
    fn wait_main<T, S: InterruptSource>(
        &self,
        mut main: Task<T>,
        mut interrupt: Option<S>,
    ) -> Result<T, RunError> {
        let mut interrupted = false;
        let outcome = block_on_thread(std::future::poll_fn(|cx| {
            if let std::task::Poll::Ready(out) = std::pin::Pin::new(&mut main).poll(cx) {
                return std::task::Poll::Ready(out);
            }
            if let Some(signal) = interrupt.as_mut() {
                if signal.poll_interrupt(cx).is_ready() {
                    interrupted = true;
                    interrupt = None;
                    main.cancel();
                    cx.waker().wake_by_ref();
                }
            }
            std::task::Poll::Pending
        }));
        match outcome {
            Ok(value) => Ok(value),
            Err(TaskError::Cancelled) if interrupted => Err(RunError::Interrupted),
            Err(TaskError::Cancelled) => Err(RunError::Cancelled),
            Err(TaskError::Panicked(payload)) => std::panic::resume_unwind(payload),
        }
    }

    /// Polls `future` on the calling thread until it completes, with this
    /// runtime entered (so `spawn`, `sleep`, `to_thread` work inside it). The
    /// future need not be `Send`. It does not run on a loop:
    /// `get_running_loop` and `spawn_local` fail inside it; use
    /// [`run`](Runtime::run) for that.
    ///
    /// # Errors
    /// [`RunError::Nested`] when called from inside a runtime.
    ///
    /// ```
    /// let rt = hive::Runtime::builder().loops(2).build().unwrap();
    /// let out = rt.block_on(async { hive::spawn(async { 7 }).await.unwrap() });
    /// assert_eq!(out.unwrap(), 7);
    /// ```
    pub fn block_on<F: Future>(&self, future: F) -> Result<F::Output, RunError> {
        if context::in_runtime() {
            return Err(RunError::Nested);
        }
        let _entered = context::enter_runtime(self.shared.clone());
        Ok(block_on_thread(future))
    }

    /// Spawns a stealable task from any thread.
    ///
    /// ```
    /// let rt = hive::Runtime::builder().loops(1).build().unwrap();
    /// let task = rt.spawn(async { 5 });
    /// assert_eq!(rt.block_on(task).unwrap().unwrap(), 5);
    /// ```
    #[doc(alias = "run_coroutine_threadsafe")]
    pub fn spawn<F>(&self, future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        spawn_inner(&self.shared, future, None, None)
    }

    /// Spawns a task pinned to loop `id`, from any thread.
    ///
    /// # Errors
    /// [`SpawnError::NoSuchLoop`] for an id this runtime does not have.
    ///
    /// ```
    /// let rt = hive::Runtime::builder().loops(2).build().unwrap();
    /// let id = rt.loop_ids()[1];
    /// let task = rt.spawn_on_loop(id, async { hive::current_loop_id() }).unwrap();
    /// assert_eq!(rt.block_on(task).unwrap().unwrap(), Some(id));
    /// ```
    pub fn spawn_on_loop<F>(&self, id: LoopId, future: F) -> Result<Task<F::Output>, SpawnError>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        check_loop(&self.shared, id)?;
        Ok(spawn_inner(&self.shared, future, None, Some(id.0)))
    }

    /// Pins a task to loop `id`, building its (possibly `!Send`) future there.
    ///
    /// # Errors
    /// [`SpawnError::NoSuchLoop`] for an id this runtime does not have.
    ///
    /// ```
    /// let rt = hive::Runtime::builder().loops(1).build().unwrap();
    /// let t = rt.spawn_on_loop_with(rt.loop_ids()[0], || async { std::rc::Rc::new(3) as std::rc::Rc<i32>; 3 }).unwrap();
    /// assert_eq!(rt.block_on(t).unwrap().unwrap(), 3);
    /// ```
    pub fn spawn_on_loop_with<M, F>(
        &self,
        id: LoopId,
        make: M,
    ) -> Result<Task<F::Output>, SpawnError>
    where
        M: FnOnce() -> F + Send + 'static,
        F: Future + 'static,
        F::Output: Send + 'static,
    {
        check_loop(&self.shared, id)?;
        Ok(spawn_inner(
            &self.shared,
            BuildThenRun::Build(Some(make)),
            None,
            Some(id.0),
        ))
    }

    /// The ids of this runtime's loops.
    ///
    /// ```
    /// let rt = hive::Runtime::builder().loops(3).build().unwrap();
    /// assert_eq!(rt.loop_ids().iter().map(|id| id.index()).collect::<Vec<_>>(), [0, 1, 2]);
    /// ```
    pub fn loop_ids(&self) -> Vec<LoopId> {
        self.shared.loop_ids()
    }

    /// A handle to loop `id`, for `call_soon_threadsafe` and friends.
    ///
    /// ```
    /// let rt = hive::Runtime::builder().loops(1).build().unwrap();
    /// let lp = rt.get_loop(rt.loop_ids()[0]).unwrap();
    /// lp.call_soon_threadsafe(|| println!("on the loop"));
    /// ```
    pub fn get_loop(&self, id: LoopId) -> Option<Loop> {
        (id.0 < self.shared.loops.len()).then(|| Loop {
            shared: self.shared.clone(),
            index: id.0,
        })
    }

    /// Per-loop counters: polls, steals, parks, injector pulls, wakes.
    ///
    /// ```
    /// let rt = hive::Runtime::builder().loops(2).build().unwrap();
    /// rt.run(async { hive::yield_now().await }).unwrap();
    /// assert!(rt.metrics().loops[0].polls >= 2);
    /// ```
    pub fn metrics(&self) -> RuntimeMetrics {
        RuntimeMetrics {
            loops: self
                .shared
                .loops
                .iter()
                .map(|l| LoopMetrics {
                    pending_timers: l.timers.lock().len(),
                    ..l.counters.snapshot()
                })
                .collect(),
            live_tasks: self.shared.registry.len(),
            blocking_threads: self.shared.blocking.num_threads(),
        }
    }

    /// Replaces the exception handler (asyncio's `set_exception_handler`).
    ///
    /// ```
    /// let rt = hive::Runtime::builder().loops(1).build().unwrap();
    /// rt.set_exception_handler(|ctx: hive::ExceptionContext| eprintln!("{}", ctx.message));
    /// ```
    #[doc(alias = "loop.set_exception_handler")]
    pub fn set_exception_handler(
        &self,
        handler: impl Fn(ExceptionContext) + Send + Sync + 'static,
    ) {
        *self.shared.exception_handler.lock() = std::sync::Arc::new(handler);
    }

    /// Shuts down, waiting at most `timeout`: cancels every task and waits
    /// for their destructors, stops and joins the loops, then lets queued
    /// blocking jobs finish and joins the pool. What could not finish in time
    /// is detached and reported.
    ///
    /// ```
    /// let rt = hive::Runtime::builder().loops(2).build().unwrap();
    /// rt.spawn(std::future::pending::<()>());
    /// let report = rt.shutdown_timeout(std::time::Duration::from_secs(5));
    /// assert!(report.is_clean());
    /// ```
    #[doc(alias = "shutdown_default_executor")]
    pub fn shutdown_timeout(mut self, timeout: Duration) -> ShutdownReport {
        self.shutdown(Some(Instant::now() + timeout))
    }

    fn shutdown(&mut self, deadline: Option<Instant>) -> ShutdownReport {
        if std::mem::replace(&mut self.finished, true) {
            return ShutdownReport::default();
        }
        let shared = &self.shared;
        shared.begin_shutdown();
        for task in shared.task_snapshot() {
            task.cancel();
        }
        if self.on_own_loop() {
            // Dropped by one of its own tasks: waiting here would block the
            // very loop the cancelled tasks need. Stop without waiting; the
            // loops finish cancelling and exit on their own.
            shared.stop_loops_when_drained();
            tracing::warn!(
                "hive runtime dropped from its own loop; its threads finish in the background"
            );
            return ShutdownReport {
                loops_detached: self.threads.drain(..).count(),
                ..ShutdownReport::default()
            };
        }
        let drained = shared.registry.wait_drained(deadline);
        shared.stop_loops();
        let mut report = ShutdownReport::default();
        for handle in self.threads.drain(..) {
            if wait_finished(&handle, deadline) {
                let _ = handle.join();
            } else {
                report.loops_detached += 1;
            }
        }
        // No signal registry under loom (see `listen_for_ctrl_c`).
        #[cfg(not(loom))]
        shared.signals.close();
        report.blocking_detached = shared.blocking.shutdown(deadline);
        if !drained {
            report.tasks_abandoned = shared.registry.leak_remaining();
        }
        if !report.is_clean() {
            tracing::warn!(
                ?report,
                "hive runtime shutdown timed out; some work was abandoned"
            );
        }
        report
    }
}

/// Where a Ctrl-C for `run` comes from (nothing, under loom).
trait InterruptSource {
    fn poll_interrupt(&mut self, cx: &mut std::task::Context<'_>) -> std::task::Poll<()>;
}

#[cfg(not(loom))]
impl InterruptSource for crate::signal::Signal {
    fn poll_interrupt(&mut self, cx: &mut std::task::Context<'_>) -> std::task::Poll<()> {
        self.poll_recv(cx).map(drop)
    }
}

impl InterruptSource for std::convert::Infallible {
    fn poll_interrupt(&mut self, _: &mut std::task::Context<'_>) -> std::task::Poll<()> {
        match *self {}
    }
}

impl Runtime {
    fn on_own_loop(&self) -> bool {
        context::with_worker(|core| core.is_some_and(|c| Arc::ptr_eq(&c.shared, &self.shared)))
    }
}

fn wait_finished(handle: &JoinHandle<()>, deadline: Option<Instant>) -> bool {
    while !handle.is_finished() {
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return false;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    true
}

impl Drop for Runtime {
    fn drop(&mut self) {
        let deadline = Instant::now() + self.shutdown_timeout;
        self.shutdown(Some(deadline));
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("loops", &self.shared.loops.len())
            .finish()
    }
}
