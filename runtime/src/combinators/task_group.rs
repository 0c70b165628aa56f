//! `TaskGroup` (asyncio 3.11's `TaskGroup`): structured concurrency.
//!
//! Children return `Result<T, E>`, where `E` is the group's error type: an
//! `Err` (or a panic) is a failure. The first failure cancels every other
//! child and, in the scoped form [`task_group`], the group's body; the group
//! then waits for every child and returns all failures together in a
//! [`TaskGroupError`] (asyncio's `ExceptionGroup`). A child cancelled on its
//! own (`task.cancel()`) is not a failure. Joining waits for every child.
//! What is guaranteed when the group is cancelled instead:
//!
//! * under an expiring [`timeout`](crate::timeout), the timeout reports
//!   `Err(Elapsed)` only once every child has finished (its destructors
//!   ran), as asyncio's `TaskGroup` does, and the same holds for tasks the
//!   group's body was awaiting when a failing child cancelled it;
//! * any other drop of the group (in a `select`, or of a task that is
//!   itself cancelled) cancels the children still running, and they finish
//!   on their loops a moment later: a destructor cannot wait.
//!
//! The counting and cancellation live in [`GroupCore`], which the loom model
//! drives directly.

use super::group_state::{ChildEnd, GroupCore, Refused};
use crate::call_graph::AwaitKind;
use crate::loom::sync::Arc;
use crate::task::cancel_scope::{self, collect_orphans, Orphan, Orphans};
use crate::task::{Task, TaskId};
use std::any::Any;
use std::fmt;
use std::future::{poll_fn, Future};
use std::mem::ManuallyDrop;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::{pin, Pin};
use std::task::{Context, Poll};

/// How one member of a group failed.
///
/// ```
/// # hive::run(async {
/// let err = hive::task_group(|tg| async move {
///     tg.spawn(async { Err::<(), _>("bad input") });
///     Ok(())
/// }).await.unwrap_err();
/// let failure = &err.failures()[0];
/// assert_eq!(failure.error(), Some(&"bad input"));
/// # }).unwrap();
/// ```
#[non_exhaustive]
pub struct Failure<E> {
    /// The failed child's id; `None` for the group's body.
    pub task: Option<TaskId>,
    /// The failed child's name (`"task group body"` for the body).
    pub name: String,
    /// What went wrong.
    pub kind: FailureKind<E>,
}

/// What a [`Failure`] was: a returned error or a panic.
///
/// ```
/// let kind: hive::FailureKind<&str> = hive::FailureKind::Error("oops");
/// assert!(matches!(kind, hive::FailureKind::Error(_)));
/// ```
pub enum FailureKind<E> {
    /// The child returned `Err`.
    Error(E),
    /// The child panicked; the payload is kept.
    Panic(Box<dyn Any + Send + 'static>),
}

impl<E> Failure<E> {
    /// The error the child returned, if it returned one (rather than panicking).
    ///
    /// ```
    /// # hive::run(async {
    /// let err = hive::task_group(|tg| async move {
    ///     tg.spawn(async { Err::<(), _>(7) });
    ///     Ok(())
    /// }).await.unwrap_err();
    /// assert_eq!(err.failures()[0].error(), Some(&7));
    /// # }).unwrap();
    /// ```
    pub fn error(&self) -> Option<&E> {
        match &self.kind {
            FailureKind::Error(e) => Some(e),
            FailureKind::Panic(_) => None,
        }
    }

    /// Whether the child panicked.
    ///
    /// ```
    /// # hive::run(async {
    /// let err = hive::task_group(|tg| async move {
    ///     tg.spawn(async { if true { panic!("boom") } Ok::<(), ()>(()) });
    ///     Ok(())
    /// }).await.unwrap_err();
    /// assert!(err.failures()[0].is_panic());
    /// # }).unwrap();
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self.kind, FailureKind::Panic(_))
    }

    /// The panic message, when the child panicked with a string.
    ///
    /// ```
    /// # hive::run(async {
    /// let err = hive::task_group(|tg| async move {
    ///     tg.spawn(async { if true { panic!("boom") } Ok::<(), ()>(()) });
    ///     Ok(())
    /// }).await.unwrap_err();
    /// assert_eq!(err.failures()[0].panic_message(), Some("boom"));
    /// # }).unwrap();
    /// ```
    pub fn panic_message(&self) -> Option<&str> {
        match &self.kind {
            FailureKind::Panic(payload) => crate::task::error::payload_message(payload.as_ref()),
            FailureKind::Error(_) => None,
        }
    }
}

impl<E: fmt::Debug> fmt::Debug for Failure<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Failure");
        d.field("task", &self.task).field("name", &self.name);
        match &self.kind {
            FailureKind::Error(e) => d.field("error", e),
            FailureKind::Panic(_) => d.field("panic", &self.panic_message().unwrap_or("..")),
        };
        d.finish()
    }
}

impl<E: fmt::Display> fmt::Display for Failure<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            FailureKind::Error(e) => write!(f, "{} failed: {e}", self.name),
            FailureKind::Panic(_) => match self.panic_message() {
                Some(msg) => write!(f, "{} panicked: {msg}", self.name),
                None => write!(f, "{} panicked", self.name),
            },
        }
    }
}

/// Every failure of a task group, in the order they happened (asyncio's
/// `ExceptionGroup`), and the children the group cancelled because of them.
///
/// ```
/// # hive::run(async {
/// let err = hive::task_group(|tg| async move {
///     tg.spawn(async { Err::<(), _>("first") });
///     Ok(())
/// }).await.unwrap_err();
/// assert_eq!(err.failures().len(), 1);
/// println!("{err}");
/// # }).unwrap();
/// ```
#[doc(alias = "ExceptionGroup")]
pub struct TaskGroupError<E> {
    failures: Vec<Failure<E>>,
    cancelled: Vec<(TaskId, String)>,
}

impl<E> TaskGroupError<E> {
    /// The failures, first first (never empty).
    ///
    /// ```
    /// # hive::run(async {
    /// let err = hive::task_group(|tg| async move { tg.spawn(async { Err::<(), _>(1) }); Ok(()) }).await.unwrap_err();
    /// assert_eq!(err.failures()[0].error(), Some(&1));
    /// # }).unwrap();
    /// ```
    #[doc(alias = "exceptions")]
    pub fn failures(&self) -> &[Failure<E>] {
        &self.failures
    }

    /// Takes the failures out.
    ///
    /// ```
    /// # hive::run(async {
    /// let err = hive::task_group(|tg| async move { tg.spawn(async { Err::<(), _>(1) }); Ok(()) }).await.unwrap_err();
    /// assert_eq!(err.into_failures().len(), 1);
    /// # }).unwrap();
    /// ```
    pub fn into_failures(self) -> Vec<Failure<E>> {
        self.failures
    }

    /// The children cancelled because of the failures: `(id, name)`.
    ///
    /// ```
    /// # hive::run(async {
    /// let err = hive::task_group(|tg| async move {
    ///     tg.spawn(async { std::future::pending::<Result<(), &str>>().await });
    ///     tg.spawn(async { Err::<(), _>("fail") });
    ///     Ok(())
    /// }).await.unwrap_err();
    /// assert_eq!(err.cancelled().len(), 1);
    /// # }).unwrap();
    /// ```
    pub fn cancelled(&self) -> &[(TaskId, String)] {
        &self.cancelled
    }

    /// The first failure (the one that cancelled the others).
    ///
    /// ```
    /// # hive::run(async {
    /// let err = hive::task_group(|tg| async move { tg.spawn(async { Err::<(), _>(3) }); Ok(()) }).await.unwrap_err();
    /// assert_eq!(err.first().error(), Some(&3));
    /// # }).unwrap();
    /// ```
    pub fn first(&self) -> &Failure<E> {
        &self.failures[0]
    }
}

impl<E: fmt::Debug> fmt::Debug for TaskGroupError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskGroupError")
            .field("failures", &self.failures)
            .field("cancelled", &self.cancelled)
            .finish()
    }
}

impl<E: fmt::Display> fmt::Display for TaskGroupError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.failures.len();
        write!(
            f,
            "task group failed ({n} failure{}",
            if n == 1 { "" } else { "s" }
        )?;
        if !self.cancelled.is_empty() {
            write!(f, ", {} other children cancelled", self.cancelled.len())?;
        }
        f.write_str(")")?;
        for failure in &self.failures {
            write!(f, "; {failure}")?;
        }
        Ok(())
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for TaskGroupError<E> {}

/// What a group child's own [`Task`] handle gives when the child failed: the
/// failure itself went to the group's [`TaskGroupError`].
///
/// ```
/// # hive::run(async {
/// let group = hive::TaskGroup::<&str>::new();
/// let child = group.spawn(async { Err::<(), _>("no") });
/// assert!(group.join().await.is_err());
/// assert_eq!(child.await.unwrap(), Err(hive::ChildFailed));
/// # }).unwrap();
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChildFailed;

impl fmt::Display for ChildFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "this task group child failed; its error is in the group's TaskGroupError \
             (returned by join or task_group)",
        )
    }
}

impl std::error::Error for ChildFailed {}

type Core<E> = GroupCore<Failure<E>>;

/// A set of tasks that live and die together (asyncio's `TaskGroup`).
///
/// [`spawn`](TaskGroup::spawn) children (futures returning `Result<T, E>`),
/// then [`join`](TaskGroup::join): it waits for every child and returns
/// every failure. The first failure cancels the other children. Dropping the
/// group (or cancelling the task awaiting `join`) cancels every child still
/// running. The scoped form [`task_group`] also cancels the group's body.
///
/// Children are spawned with [`hive::spawn`](crate::spawn) (any loop may
/// run them), so they must be `Send + 'static`.
///
/// ```
/// # hive::run(async {
/// let group = hive::TaskGroup::<std::io::Error>::new();
/// let a = group.spawn(async { Ok(1) });
/// let b = group.spawn(async { Ok(2) });
/// group.join().await.unwrap();
/// assert_eq!(a.await.unwrap().unwrap() + b.await.unwrap().unwrap(), 3);
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.TaskGroup")]
pub struct TaskGroup<E> {
    handle: TaskGroupHandle<E>,
    /// Makes the waiter a cancelling timeout keeps for the children this
    /// group's drop cancelled (a function pointer: `Drop` cannot require
    /// the `E: Send + 'static` that boxing the core needs).
    drain: fn(&Arc<Core<E>>) -> Box<dyn Orphan>,
}

/// Waits for a dropped group's cancelled children to finish.
struct ChildrenDrain<E>(Arc<Core<E>>);

impl<E: Send + 'static> Orphan for ChildrenDrain<E> {
    fn poll_finished(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        self.0.poll_join(cx)
    }
}

fn children_drain<E: Send + 'static>(core: &Arc<Core<E>>) -> Box<dyn Orphan> {
    Box::new(ChildrenDrain(core.clone()))
}

/// A clonable handle that spawns into a [`TaskGroup`]; children may hold
/// one to spawn siblings. It does not keep the group open: once the group
/// is joined, dropped or aborted, spawning through it gives a task that is
/// cancelled before it runs.
///
/// ```
/// # hive::run(async {
/// hive::task_group(|tg| async move {
///     let inner = tg.clone();
///     tg.spawn(async move { inner.spawn(async { Ok::<_, ()>(()) }); Ok(()) });
///     Ok(())
/// }).await.unwrap();
/// # }).unwrap();
/// ```
pub struct TaskGroupHandle<E> {
    core: Arc<Core<E>>,
    /// The task that created the group: the children's awaiter in call graphs.
    owner: Option<TaskId>,
}

impl<E> Clone for TaskGroupHandle<E> {
    fn clone(&self) -> Self {
        TaskGroupHandle {
            core: self.core.clone(),
            owner: self.owner,
        }
    }
}

impl<E: Send + 'static> Default for TaskGroup<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Send + 'static> TaskGroup<E> {
    /// An empty group; the current task (if any) is its owner in call graphs.
    ///
    /// ```
    /// let group = hive::TaskGroup::<()>::new();
    /// # drop(group);
    /// ```
    pub fn new() -> Self {
        TaskGroup {
            handle: TaskGroupHandle {
                core: Arc::new(GroupCore::new()),
                owner: crate::current_task().map(|t| t.id()),
            },
            drain: children_drain::<E>,
        }
    }

    /// Spawns a child; see [`TaskGroupHandle::spawn`].
    ///
    /// ```
    /// # hive::run(async {
    /// let group = hive::TaskGroup::<()>::new();
    /// let child = group.spawn(async { Ok(5) });
    /// group.join().await.unwrap();
    /// assert_eq!(child.await.unwrap(), Ok(5));
    /// # }).unwrap();
    /// ```
    #[doc(alias = "TaskGroup.create_task")]
    pub fn spawn<F, T>(&self, future: F) -> ChildTask<T>
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
        T: Send + 'static,
    {
        self.handle.spawn(future)
    }

    /// Spawns a named child; see [`TaskGroupHandle::spawn_named`].
    ///
    /// ```
    /// # hive::run(async {
    /// let group = hive::TaskGroup::<()>::new();
    /// let child = group.spawn_named("worker", async { Ok(()) });
    /// assert_eq!(child.name(), "worker");
    /// group.join().await.unwrap();
    /// # }).unwrap();
    /// ```
    pub fn spawn_named<F, T>(&self, name: impl Into<String>, future: F) -> ChildTask<T>
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
        T: Send + 'static,
    {
        self.handle.spawn_named(name, future)
    }

    /// A clonable handle that spawns into this group.
    ///
    /// ```
    /// let group = hive::TaskGroup::<()>::new();
    /// let handle = group.handle();
    /// # drop((handle, group));
    /// ```
    pub fn handle(&self) -> TaskGroupHandle<E> {
        self.handle.clone()
    }

    /// Cancels every child and refuses new ones, as a failure would (the
    /// group's `join` then returns `Ok` if nothing failed).
    ///
    /// ```
    /// # hive::run(async {
    /// let group = hive::TaskGroup::<()>::new();
    /// let child = group.spawn(std::future::pending::<Result<(), ()>>());
    /// group.cancel();
    /// group.join().await.unwrap();
    /// assert!(child.await.unwrap_err().is_cancelled());
    /// # }).unwrap();
    /// ```
    #[doc(alias = "TaskGroup._abort")]
    pub fn cancel(&self) {
        self.handle.core.abort();
    }

    /// Waits for every child (including children spawned meanwhile), then
    /// returns every failure together, or `Ok` if none failed (asyncio's
    /// `async with` exit). Dropping the future cancels every child.
    ///
    /// # Errors
    /// A [`TaskGroupError`] with every failure, first first.
    ///
    /// ```
    /// # hive::run(async {
    /// let group = hive::TaskGroup::new();
    /// group.spawn(async { Err::<(), _>("x") });
    /// let err = group.join().await.unwrap_err();
    /// assert_eq!(err.failures()[0].error(), Some(&"x"));
    /// # }).unwrap();
    /// ```
    #[doc(alias = "TaskGroup.__aexit__")]
    pub async fn join(self) -> Result<(), TaskGroupError<E>> {
        poll_fn(|cx| self.handle.core.poll_join(cx)).await;
        self.finish()
    }

    fn finish(&self) -> Result<(), TaskGroupError<E>> {
        self.handle.core.clear_children();
        let outcome = self.handle.core.take_outcome();
        if outcome.failures.is_empty() {
            Ok(())
        } else {
            Err(TaskGroupError {
                failures: outcome.failures,
                cancelled: outcome.cancelled,
            })
        }
    }
}

impl<E> Drop for TaskGroup<E> {
    fn drop(&mut self) {
        let core = &self.handle.core;
        core.close();
        if core.live() > 0 {
            core.abort();
            if cancel_scope::is_collecting() {
                // A timeout is cancelling the group: it waits for the
                // children (asyncio's TaskGroup never lets one outlive it).
                drop(cancel_scope::adopt((self.drain)(core)));
            }
        }
        core.clear_children();
    }
}

impl<E> fmt::Debug for TaskGroup<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskGroup")
            .field("live", &self.handle.core.live())
            .field("aborted", &self.handle.core.is_aborted())
            .finish()
    }
}

impl<E> fmt::Debug for TaskGroupHandle<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskGroupHandle")
            .field("live", &self.core.live())
            .finish()
    }
}

impl<E: Send + 'static> TaskGroupHandle<E> {
    /// Spawns a child (asyncio's `TaskGroup.create_task`): a stealable task
    /// whose `Err` or panic is a failure of the group.
    ///
    /// The returned handle gives `Ok(Ok(value))` on success,
    /// `Ok(Err(ChildFailed))` if the child failed (the failure itself is in
    /// the group's error), `Err(Cancelled)` if it was cancelled. Once the
    /// group is aborted, joined or dropped, the child is cancelled before it
    /// ever runs.
    ///
    /// # Panics
    /// Outside a hive runtime.
    ///
    /// ```
    /// # hive::run(async {
    /// hive::task_group(|tg| async move {
    ///     let child = tg.spawn(async { Ok::<_, ()>(3) });
    ///     assert_eq!(child.await.unwrap(), Ok(3));
    ///     Ok(())
    /// }).await.unwrap();
    /// # }).unwrap();
    /// ```
    #[doc(alias = "TaskGroup.create_task")]
    pub fn spawn<F, T>(&self, future: F) -> ChildTask<T>
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
        T: Send + 'static,
    {
        self.spawn_inner(None, future)
    }

    /// As [`spawn`](TaskGroupHandle::spawn), naming the child.
    ///
    /// # Panics
    /// Outside a hive runtime.
    ///
    /// ```
    /// # hive::run(async {
    /// hive::task_group(|tg| async move {
    ///     assert_eq!(tg.spawn_named("fetch", async { Ok::<_, ()>(()) }).name(), "fetch");
    ///     Ok(())
    /// }).await.unwrap();
    /// # }).unwrap();
    /// ```
    pub fn spawn_named<F, T>(&self, name: impl Into<String>, future: F) -> ChildTask<T>
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
        T: Send + 'static,
    {
        self.spawn_inner(Some(name.into()), future)
    }

    fn spawn_inner<F, T>(&self, name: Option<String>, future: F) -> ChildTask<T>
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
        T: Send + 'static,
    {
        let counted = self.core.begin_spawn();
        let child = Child {
            future: ManuallyDrop::new(future),
            alive: true,
            core: counted.ok().map(|()| self.core.clone()),
            refused: counted.is_err(),
        };
        let mut builder = crate::task::Builder::new();
        if let Some(name) = name {
            builder = builder.name(name);
        }
        let task = builder.spawn(child);
        match counted {
            Ok(()) => {
                task.set_awaiter(self.owner, AwaitKind::TaskGroup);
                self.core.add_child(task.task_ref());
            }
            Err(Refused::Aborted | Refused::Closed) => {
                task.cancel();
            }
        }
        ChildTask { task }
    }
}

/// The handle of a [`TaskGroup`] child: a [`Task`] (it derefs to one) whose
/// output says whether the child succeeded. Unlike a plain `Task` it may be
/// dropped without a warning: the group owns its children.
///
/// Awaiting gives `Ok(Ok(value))`, `Ok(Err(ChildFailed))` if the child failed
/// (the failure is in the group's error), or `Err(TaskError::Cancelled)`.
///
/// ```
/// # hive::run(async {
/// let group = hive::TaskGroup::<()>::new();
/// let child = group.spawn(async { Ok(1) });
/// println!("spawned {}", child.name());
/// group.join().await.unwrap();
/// assert_eq!(child.await.unwrap(), Ok(1));
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.Task")]
pub struct ChildTask<T> {
    task: Task<Result<T, ChildFailed>>,
}

impl<T> ChildTask<T> {
    /// The plain task handle.
    ///
    /// ```
    /// # hive::run(async {
    /// let group = hive::TaskGroup::<()>::new();
    /// let task: hive::Task<Result<u8, hive::ChildFailed>> = group.spawn(async { Ok(1) }).into_task();
    /// group.join().await.unwrap();
    /// assert_eq!(task.await.unwrap(), Ok(1));
    /// # }).unwrap();
    /// ```
    pub fn into_task(self) -> Task<Result<T, ChildFailed>> {
        self.task
    }
}

impl<T> std::ops::Deref for ChildTask<T> {
    type Target = Task<Result<T, ChildFailed>>;
    fn deref(&self) -> &Self::Target {
        &self.task
    }
}

impl<T> Future for ChildTask<T> {
    type Output = Result<Result<T, ChildFailed>, crate::task::TaskError>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.task).poll(cx)
    }
}

impl<T> fmt::Debug for ChildTask<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.task, f)
    }
}

/// A group child: runs the user's future, reports how it ended to the group.
struct Child<F, E> {
    /// Dropped in place (it is pinned) before the group hears the child ended,
    /// so its destructors run before `join` can return.
    future: ManuallyDrop<F>,
    alive: bool,
    /// `None` if the group refused the child (it is cancelled before running).
    core: Option<Arc<Core<E>>>,
    /// The group refused it: the spawner cancels it right after spawning,
    /// and a loop that steals it first must not run the user's future.
    refused: bool,
}

impl<F, E> Child<F, E> {
    /// Drops the user's future in place; a panic in its destructor is caught.
    fn drop_future(&mut self) -> Option<Box<dyn Any + Send>> {
        if !std::mem::replace(&mut self.alive, false) {
            return None;
        }
        // SAFETY: `alive` was true, so the future was not dropped yet, and it
        // is never touched again; dropping in place keeps the pin promise.
        catch_unwind(AssertUnwindSafe(|| unsafe {
            ManuallyDrop::drop(&mut self.future)
        }))
        .err()
    }
}

/// The running child's id and name (the child is the current task).
fn me() -> (Option<TaskId>, String) {
    match crate::current_task() {
        Some(t) => (Some(t.id()), t.name()),
        None => (None, String::from("?")),
    }
}

impl<F, T, E> Future for Child<F, E>
where
    F: Future<Output = Result<T, E>>,
{
    type Output = Result<T, ChildFailed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `future` is structurally pinned (never moved; dropped in
        // place); the other fields are plain data we may move.
        let this = unsafe { self.get_unchecked_mut() };
        assert!(
            this.alive,
            "a task group child was polled after it finished"
        );
        if this.refused {
            // The spawner's `cancel` is on its way and will end the task.
            return Poll::Pending;
        }
        // SAFETY: as above: the future stays where it is.
        let future = unsafe { Pin::new_unchecked(&mut *this.future) };
        let polled = catch_unwind(AssertUnwindSafe(|| future.poll(cx)));
        let (out, kind) = match polled {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(Ok(value))) => (Ok(value), None),
            Ok(Poll::Ready(Err(error))) => (Err(ChildFailed), Some(FailureKind::Error(error))),
            Err(payload) => (Err(ChildFailed), Some(FailureKind::Panic(payload))),
        };
        let drop_panic = this.drop_future();
        let kind = kind.or(drop_panic.map(FailureKind::Panic));
        let out = if kind.is_some() {
            Err(ChildFailed)
        } else {
            out
        };
        if let Some(core) = this.core.take() {
            let end = match kind {
                None => ChildEnd::Finished,
                Some(kind) => {
                    let (task, name) = me();
                    ChildEnd::Failed(Failure { task, name, kind })
                }
            };
            core.child_done(end);
        }
        Poll::Ready(out)
    }
}

impl<F, E> Drop for Child<F, E> {
    fn drop(&mut self) {
        // Dropped unfinished: the child was cancelled (or never ran).
        let drop_panic = self.drop_future();
        if let Some(core) = self.core.take() {
            let (task, name) = me();
            let end = match drop_panic {
                Some(payload) => ChildEnd::Failed(Failure {
                    task,
                    name,
                    kind: FailureKind::Panic(payload),
                }),
                None => ChildEnd::Cancelled(task.unwrap_or(TaskId(0)), name),
            };
            core.child_done(end);
        }
    }
}

/// Runs `body` with a [`TaskGroupHandle`] to spawn children, then waits for
/// every child (asyncio's `async with TaskGroup() as tg:`).
///
/// The body runs inside the calling task. The first failure of a child or
/// of the body (an `Err` or a panic) cancels every other child and drops
/// the body at its current await; the group still waits for every child,
/// then returns every failure in a [`TaskGroupError`]. Dropping this future
/// (cancelling the task awaiting it) drops the body and cancels every child.
///
/// # Errors
/// A [`TaskGroupError`] with every failure, first first.
///
/// ```
/// # hive::run(async {
/// let total = hive::task_group(|tg| async move {
///     let a = tg.spawn(async { Ok::<_, std::io::Error>(20) });
///     let b = tg.spawn(async { Ok(22) });
///     Ok(a.await.unwrap().unwrap() + b.await.unwrap().unwrap())
/// }).await.unwrap();
/// assert_eq!(total, 42);
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.TaskGroup")]
pub async fn task_group<E, R, B, Fut>(body: B) -> Result<R, TaskGroupError<E>>
where
    E: Send + 'static,
    B: FnOnce(TaskGroupHandle<E>) -> Fut,
    Fut: Future<Output = Result<R, E>>,
{
    let group = TaskGroup::<E>::new();
    let mut body = pin!(Some(body(group.handle())));
    let mut value = None;
    // What cancelling the body left running (tasks it was awaiting): the
    // group reports once they finished too, as asyncio's does.
    let mut body_orphans = Orphans::none();
    let core = &group.handle.core;
    poll_fn(|cx| {
        if let Some(running) = body.as_mut().as_pin_mut() {
            if core.poll_aborted(cx).is_ready() {
                // A child failed: cancel the body.
                body_orphans = collect_orphans(|| body.set(None));
            } else {
                match catch_unwind(AssertUnwindSafe(|| running.poll(cx))) {
                    Ok(Poll::Pending) => return Poll::Pending,
                    Ok(Poll::Ready(Ok(v))) => value = Some(v),
                    Ok(Poll::Ready(Err(error))) => {
                        core.body_failed(body_failure(FailureKind::Error(error)))
                    }
                    Err(payload) => core.body_failed(body_failure(FailureKind::Panic(payload))),
                }
                body.set(None);
            }
        }
        std::task::ready!(body_orphans.poll_finished(cx));
        core.poll_join(cx)
    })
    .await;
    group.finish().map(|()| match value {
        Some(v) => v,
        None => unreachable!("a group whose body did not finish has a failure"),
    })
}

fn body_failure<E>(kind: FailureKind<E>) -> Failure<E> {
    Failure {
        task: None,
        name: String::from("task group body"),
        kind,
    }
}
