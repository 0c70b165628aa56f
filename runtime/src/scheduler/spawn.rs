//! `spawn`, `spawn_local`, `spawn_on_loop`, `spawn_on_loop_with`.

use crate::context;
use crate::error::SpawnError;
use crate::loom::sync::Arc;
use crate::loop_id::LoopId;
use crate::scheduler::cell_refs::TaskShared;
use crate::scheduler::pinned::Pinned;
use crate::scheduler::worker::Worker;
use crate::shared::Shared;
use crate::task::handle::Task;
use crate::task::id::TaskId;
use crate::task::raw::{new_task, Header, Notified, Schedule, Spawn, TaskRef};
use std::future::Future;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll};

/// Creates the task, registers it, and queues its first run.
///
/// The caller decides what may be `!Send`: a `!Send` future must be pinned
/// (`owner: Some`) and created on, or only first polled on, that loop.
pub(crate) fn spawn_inner<F>(
    shared: &Arc<Shared>,
    future: F,
    name: Option<Box<str>>,
    owner: Option<usize>,
) -> Task<F::Output>
where
    F: Future + 'static,
{
    spawn_placed(shared, future, name, owner, None, false)
}

/// [`spawn_inner`], plus the loop a stealable task should start on, and
/// whether to run its first poll right here (eager start).
pub(crate) fn spawn_placed<F>(
    shared: &Arc<Shared>,
    future: F,
    name: Option<Box<str>>,
    owner: Option<usize>,
    start_on: Option<usize>,
    eager: bool,
) -> Task<F::Output>
where
    F: Future + 'static,
{
    // One look at the thread's loop serves the whole spawn: the id and the
    // cell's reference to the runtime (both drawn from the loop's blocks),
    // the registration, and the queueing. (Four look-ups, each with its
    // own runtime check, were 4 % of a pinned spawn's time.)
    context::with_worker(|core| {
        let here = core.filter(|core| Arc::ptr_eq(&core.shared, shared));
        spawn_from(here, shared, future, name, owner, start_on, eager)
    })
}

/// [`spawn_placed`], given what the thread's loop is: `here`, a loop of
/// `shared`'s runtime, or `None` (another runtime's loop, or no loop).
/// `spawn_local`, which looked the loop up already, comes straight here.
#[inline(always)]
pub(crate) fn spawn_from<F>(
    here: Option<&Worker>,
    shared: &Arc<Shared>,
    future: F,
    name: Option<Box<str>>,
    owner: Option<usize>,
    start_on: Option<usize>,
    eager: bool,
) -> Task<F::Output>
where
    F: Future + 'static,
{
    let (id, scheduler) = match here {
        Some(core) => (core.next_task_id(), TaskShared::from_loop(core)),
        None => (shared.next_task_id(), TaskShared::acquired(shared)),
    };
    let (raw, notified, registry_ref) = new_task(
        future,
        scheduler,
        Spawn {
            id: TaskId(id),
            name,
            owner,
        },
    );
    crate::contextvars::inherit(raw.header());
    register(shared, here, registry_ref, owner);
    if shared.is_shutting_down() {
        // Too late to run: it completes as cancelled on its first run.
        raw.cancel();
    } else if eager && can_run_here(here, owner, start_on) {
        run_eagerly(shared, notified);
        return Task::from_raw(raw);
    }
    let here_index = here.map(|core| core.index);
    match (here, owner, start_on) {
        // Pinned to this very loop: straight into its FIFO.
        (Some(core), Some(owner), _) if core.index == owner => {
            core.push_ready(Pinned::Task(notified))
        }
        (_, None, Some(index)) if here_index != Some(index) => {
            shared.push_pinned(index, Pinned::Start(notified))
        }
        // Pinned tasks go to their owner. A stealable task spawned on the
        // loop it should start on goes straight into the local queue: a
        // detour through the pinned FIFO left the loop a tick with nothing
        // stealable, so it became a searcher and then woke a sibling when
        // it found the task.
        _ => shared.schedule(notified),
    }
    Task::from_raw(raw)
}

/// Registers a new task: in this loop's journal if it is pinned to the
/// loop spawning it (`here`, published in batches, `registry::journal`),
/// else in the registry itself.
#[inline]
fn register(shared: &Arc<Shared>, here: Option<&Worker>, task: TaskRef, owner: Option<usize>) {
    match here {
        Some(core) if owner == Some(core.index) => {
            core.journal
                .borrow_mut()
                .insert(&shared.registry, core.index, task)
        }
        _ => shared.registry.insert(task),
    }
}

/// Whether the task may run now on `here` (this thread's loop of the
/// spawning runtime, if it is one): its owner for a pinned task, any loop
/// for a stealable one (unless it was asked to start on another).
fn can_run_here(here: Option<&Worker>, owner: Option<usize>, start_on: Option<usize>) -> bool {
    here.is_some_and(|core| !matches!(owner.or(start_on), Some(index) if index != core.index))
}

/// Eager start (asyncio 3.12's eager tasks): polls the new task once, right
/// now, inside the spawner's poll. If that poll finishes it, the task is
/// never queued; otherwise its wakers queue it as usual.
fn run_eagerly(shared: &Arc<Shared>, notified: Notified) {
    struct Restore(Option<NonNull<Header>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            // SAFETY: restores what was current before the eager poll (a
            // task still being polled further up this thread's stack, or none).
            unsafe { context::set_current_task(self.0) };
        }
    }
    // SAFETY: `notified`'s reference keeps the cell alive while `run` polls
    // it; `Restore` puts the previous task back as soon as the poll returns
    // (or unwinds).
    let _restore = Restore(unsafe { context::set_current_task(Some(notified.as_ptr())) });
    crate::coop::with_budget(shared.config.coop_budget, || notified.run());
}

pub(crate) fn current_or_panic(what: &str) -> Arc<Shared> {
    context::current_shared().unwrap_or_else(|| {
        panic!("{what} called outside a hive runtime; call it inside hive::run, or use the Runtime's own method")
    })
}

pub(crate) fn check_loop(shared: &Shared, id: LoopId) -> Result<(), SpawnError> {
    if id.0 < shared.loops.len() {
        Ok(())
    } else {
        Err(SpawnError::NoSuchLoop {
            id,
            loops: shared.loops.len(),
        })
    }
}

/// Spawns a task that any loop may run or steal (asyncio's `create_task`).
///
/// It starts on a later loop tick. The returned [`Task`] awaits its result;
/// dropping the handle detaches the task (the runtime keeps it running).
///
/// Order differs from asyncio's FIFO for stealable tasks: a task spawned or
/// woken by the task running on a loop goes to that loop's LIFO slot and
/// runs next (on hot caches), pushing any earlier occupant to the back of
/// the queue; at most 3 run from the slot in a row (see
/// [`Builder::lifo_polls_in_a_row`](crate::Builder::lifo_polls_in_a_row),
/// which can also turn the slot off), and a task that yields goes behind the queue. Tasks pinned with `spawn_local` / `spawn_on_loop`
/// keep asyncio's FIFO order.
///
/// # Panics
/// Outside a hive runtime (use [`Runtime::spawn`](crate::Runtime::spawn) there).
///
/// ```
/// # hive::run(async {
/// let tasks: Vec<_> = (0..4).map(|i| hive::spawn(async move { i * 10 })).collect();
/// let mut sum = 0;
/// for task in tasks { sum += task.await.unwrap(); }
/// assert_eq!(sum, 60);
/// # }).unwrap();
/// ```
#[doc(alias = "create_task")]
#[doc(alias = "asyncio.create_task")]
pub fn spawn<F>(future: F) -> Task<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    spawn_inner(&current_or_panic("hive::spawn"), future, None, None)
}

/// Spawns a task pinned to the current loop for life; it may be `!Send`
/// (hold an `Rc`, a `RefCell`, ...). asyncio's `create_task` semantics exactly.
///
/// # Errors
/// [`SpawnError::NotOnLoop`] when this thread is not a hive loop.
///
/// ```
/// use std::rc::Rc;
/// # hive::run_local(|| async {
/// let shared = Rc::new(5);
/// let task = hive::spawn_local({
///     let shared = shared.clone();
///     async move { *shared + 1 }
/// }).unwrap();
/// assert_eq!(task.await.unwrap(), 6);
/// # }).unwrap();
/// ```
#[doc(alias = "create_task")]
pub fn spawn_local<F>(future: F) -> Result<Task<F::Output>, SpawnError>
where
    F: Future + 'static,
    F::Output: 'static,
{
    super::builder::Builder::new().spawn_local(future)
}

/// Spawns a `Send` task pinned for life to loop `id`; callable from any thread
/// inside the runtime.
///
/// # Errors
/// [`SpawnError::NoSuchLoop`] for a bad id, [`SpawnError::NoRuntime`] outside a runtime.
///
/// ```
/// # hive::run(async {
/// let last = *hive::loop_ids().last().unwrap();
/// let task = hive::spawn_on_loop(last, async { hive::current_loop_id() }).unwrap();
/// assert_eq!(task.await.unwrap(), Some(last));
/// # }).unwrap();
/// ```
pub fn spawn_on_loop<F>(id: LoopId, future: F) -> Result<Task<F::Output>, SpawnError>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    super::builder::Builder::new().spawn_on_loop(id, future)
}

/// Pins a task to loop `id`, building its (possibly `!Send`) future there:
/// `make` runs on the target loop, so the future may hold `Rc`s.
///
/// # Errors
/// As [`spawn_on_loop`].
///
/// ```
/// use std::rc::Rc;
/// # hive::run(async {
/// let id = hive::loop_ids()[0];
/// let task = hive::spawn_on_loop_with(id, || async {
///     let local = Rc::new(21);
///     hive::yield_now().await;
///     *local * 2
/// }).unwrap();
/// assert_eq!(task.await.unwrap(), 42);
/// # }).unwrap();
/// ```
pub fn spawn_on_loop_with<M, F>(id: LoopId, make: M) -> Result<Task<F::Output>, SpawnError>
where
    M: FnOnce() -> F + Send + 'static,
    F: Future + 'static,
    F::Output: Send + 'static,
{
    super::builder::Builder::new().spawn_on_loop_with(id, make)
}

/// A future that is built by `make` on its first poll.
///
/// Before that poll it holds only `make` (which is `Send`), so it may be
/// moved to its loop; after it, it holds the future and never moves thread.
pub(crate) enum BuildThenRun<M, F> {
    Build(Option<M>),
    Run(F),
}

impl<M, F> Future for BuildThenRun<M, F>
where
    M: FnOnce() -> F,
    F: Future,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: the `Run` future is never moved out of its place; `Build`
        // holds only an unpinned closure, which we move out before replacing
        // the whole value in place.
        let this = unsafe { self.get_unchecked_mut() };
        if let BuildThenRun::Build(make) = this {
            let make = make
                .take()
                .expect("BuildThenRun is polled at most once in Build state");
            *this = BuildThenRun::Run(make());
        }
        match this {
            // SAFETY: see above: `Run` is structurally pinned.
            BuildThenRun::Run(future) => unsafe { Pin::new_unchecked(future) }.poll(cx),
            BuildThenRun::Build(_) => unreachable!("replaced above"),
        }
    }
}
