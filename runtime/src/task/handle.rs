//! `Task<T>`: the handle that awaits, cancels or detaches a spawned task.

use super::await_kind::AwaitKind;
use super::cancel_scope::{self, Orphan};
use super::current;
use super::error::TaskError;
use super::id::TaskId;
use super::raw::{RawTask, TaskRef};
use super::state::HandleDrop;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// A handle to a spawned task: await it for the task's `Result`.
///
/// Awaiting gives `Ok(value)`, or `Err(TaskError::Cancelled)` /
/// `Err(TaskError::Panicked(..))`. Dropping the handle **detaches** the task:
/// the loop keeps running it (unlike asyncio, where an unreferenced task may
/// vanish). Use [`Task::cancel`] to stop it.
///
/// Two drops cancel instead, as in asyncio: a handle that was being awaited
/// when a [`timeout`](crate::timeout) expired around it (`timeout(d, task)`,
/// asyncio's `wait_for(task, t)`, or `timeout(d, async { task.await })`),
/// where the timeout then reports `Err(Elapsed)` only once the task
/// finished; and one being awaited by a task that is itself cancelled
/// (cancelling the awaiter cancels the awaited task, which then finishes on
/// its own loop). [`shield`](crate::shield) keeps a task out of both.
///
/// ```
/// # hive::run(async {
/// let task = hive::spawn(async { 40 + 2 });
/// assert_eq!(task.await.unwrap(), 42);
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.Task")]
#[must_use = "a dropped Task handle detaches the task; await it to get its result"]
pub struct Task<T> {
    raw: RawTask,
    finished: bool,
    /// Polled through `Future::poll` (awaited, not shielded or gathered):
    /// a timeout cancelling the awaiter cancels the task too.
    awaited: bool,
    _output: PhantomData<T>,
}

// SAFETY: the handle only moves the output out (so `T: Send` suffices) and
// touches the cell through its atomic state protocol.
unsafe impl<T: Send> Send for Task<T> {}
// SAFETY: `&Task` only reads the state word and may request cancellation.
unsafe impl<T: Send> Sync for Task<T> {}

impl<T> Unpin for Task<T> {}

impl<T> Task<T> {
    /// Wraps the handle reference returned by `new_task`.
    pub(crate) fn from_raw(raw: RawTask) -> Self {
        Task {
            raw,
            finished: false,
            awaited: false,
            _output: PhantomData,
        }
    }

    /// Requests cancellation; returns `false` if the task already finished.
    ///
    /// The future is dropped at its next await point, on its own loop, so its
    /// destructors run there; awaiting the handle then gives
    /// `Err(TaskError::Cancelled)`. Unlike asyncio there is no `CancelledError`
    /// to catch: cleanup goes in destructors (or use scoped forms like
    /// [`timeout`](crate::timeout)).
    ///
    /// ```
    /// # hive::run(async {
    /// let task = hive::spawn(hive::sleep(std::time::Duration::from_secs(60)));
    /// assert!(task.cancel());
    /// assert!(task.await.unwrap_err().is_cancelled());
    /// # }).unwrap();
    /// ```
    #[doc(alias = "Task.cancel")]
    pub fn cancel(&self) -> bool {
        self.raw.cancel()
    }

    /// Whether the task has finished (with a value, a panic, or cancelled).
    ///
    /// ```
    /// # hive::run(async {
    /// let task = hive::spawn(async {});
    /// while !task.is_done() { hive::yield_now().await; }
    /// # }).unwrap();
    /// ```
    #[doc(alias = "done")]
    pub fn is_done(&self) -> bool {
        self.raw.header().state.load().is_complete()
    }

    /// Whether the task finished by being cancelled.
    ///
    /// ```
    /// # hive::run(async {
    /// let task = hive::spawn(std::future::pending::<()>());
    /// task.cancel();
    /// while !task.is_done() { hive::yield_now().await; }
    /// assert!(task.is_cancelled());
    /// # }).unwrap();
    /// ```
    #[doc(alias = "cancelled")]
    pub fn is_cancelled(&self) -> bool {
        let s = self.raw.header().state.load();
        s.is_complete() && s.is_cancel_requested()
    }

    /// The task's identifier.
    ///
    /// ```
    /// # hive::run(async {
    /// let task = hive::spawn(async {});
    /// println!("spawned task {}", task.id());
    /// # }).unwrap();
    /// ```
    pub fn id(&self) -> TaskId {
        self.raw.header().id
    }

    /// The task's name: the one given to [`task::Builder`](crate::task::Builder), or `Task-<id>`.
    ///
    /// ```
    /// # hive::run(async {
    /// let task = hive::task::Builder::new().name("fetcher").spawn(async {});
    /// assert_eq!(task.name(), "fetcher");
    /// # }).unwrap();
    /// ```
    #[doc(alias = "get_name")]
    pub fn name(&self) -> String {
        self.raw.header().name()
    }

    /// Waits for the task from a plain thread (not a loop): asyncio's
    /// `run_coroutine_threadsafe(...).result()`.
    ///
    /// The outer `Result` says whether the wait itself worked; the inner one
    /// is what awaiting the task would give.
    ///
    /// # Errors
    /// [`BlockingJoinError::OnLoopThread`] when called on a loop thread, where
    /// blocking could stall the very task it waits for: await it instead.
    ///
    /// ```
    /// let rt = hive::Runtime::builder().loops(1).build().unwrap();
    /// let task = rt.spawn(async { 6 * 7 });
    /// assert_eq!(task.blocking_join().unwrap().unwrap(), 42);
    /// ```
    #[doc(alias = "concurrent.futures.Future.result")]
    pub fn blocking_join(mut self) -> Result<Result<T, TaskError>, BlockingJoinError> {
        self.blocking_wait(None)
    }

    /// As [`blocking_join`](Task::blocking_join), giving up after `timeout`
    /// (asyncio's `result(timeout)`): the task keeps running and the handle
    /// stays usable, so the wait can be retried, or the task cancelled.
    ///
    /// # Errors
    /// [`BlockingJoinError::Elapsed`] when `timeout` passes first;
    /// [`BlockingJoinError::OnLoopThread`] on a loop thread.
    ///
    /// # Panics
    /// If called again after it returned the task's result.
    ///
    /// ```
    /// let rt = hive::Runtime::builder().loops(1).build().unwrap();
    /// let mut task = rt.spawn(std::future::pending::<()>());
    /// let waited = task.blocking_join_timeout(std::time::Duration::from_millis(5));
    /// assert_eq!(waited.unwrap_err(), hive::BlockingJoinError::Elapsed);
    /// task.cancel();
    /// ```
    pub fn blocking_join_timeout(
        &mut self,
        timeout: Duration,
    ) -> Result<Result<T, TaskError>, BlockingJoinError> {
        self.blocking_wait(Some(Instant::now() + timeout))
    }

    fn blocking_wait(
        &mut self,
        deadline: Option<Instant>,
    ) -> Result<Result<T, TaskError>, BlockingJoinError> {
        if current::on_loop_thread() {
            return Err(BlockingJoinError::OnLoopThread);
        }
        let waker = Waker::from(std::sync::Arc::new(ThreadWaker(std::thread::current())));
        let mut cx = Context::from_waker(&waker);
        loop {
            if let Poll::Ready(out) = Pin::new(&mut *self).poll(&mut cx) {
                return Ok(out);
            }
            match deadline {
                None => std::thread::park(),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return Err(BlockingJoinError::Elapsed);
                    }
                    std::thread::park_timeout(deadline - now);
                }
            }
        }
    }

    /// Polls for the output, recording the current task as the awaiter.
    pub(crate) fn poll_via(
        &mut self,
        cx: &mut Context<'_>,
        kind: AwaitKind,
    ) -> Poll<Result<T, TaskError>> {
        assert!(
            !self.finished,
            "a hive::Task was polled again after it returned its result"
        );
        self.note_awaiter(kind);
        let coop = std::task::ready!(crate::coop::poll_proceed(cx));
        match self.try_take(cx) {
            Some(out) => {
                coop.made_progress();
                self.finished = true;
                Poll::Ready(out)
            }
            None => Poll::Pending,
        }
    }

    /// Ready once the task completed, without taking its output.
    pub(crate) fn poll_complete(&mut self, cx: &Context<'_>, kind: AwaitKind) -> Poll<()> {
        self.note_awaiter(kind);
        let snapshot = self.raw.header().state.load();
        if snapshot.is_complete() || !self.register(cx.waker(), snapshot.has_join_waker()) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }

    /// Whether the task completed with a panic (its output not yet taken).
    pub(crate) fn is_panicked(&self) -> bool {
        // SAFETY: we are the handle and checked COMPLETE; the output type is
        // not needed to inspect the stage.
        !self.finished && self.is_done() && unsafe { self.raw.output_is_panic() }
    }

    /// Records the running task (if any) as this task's awaiter: one relaxed
    /// store, no allocation.
    fn note_awaiter(&self, kind: AwaitKind) {
        if let Some(current) = current::current_task() {
            // SAFETY: the current task's header stays alive while it is
            // being polled, which is when this runs.
            let id = unsafe { current.as_ref() }.id;
            self.raw.header().set_awaiter(Some(id), kind);
        }
    }

    /// Forgets who awaits this task (the awaiter stopped awaiting it).
    pub(crate) fn clear_awaiter(&self) {
        self.raw.header().set_awaiter(None, AwaitKind::Await);
    }

    /// Records `by` as the task awaiting this one.
    pub(crate) fn set_awaiter(&self, by: Option<super::TaskId>, kind: AwaitKind) {
        self.raw.header().set_awaiter(by, kind);
    }

    /// A counted, type-erased reference to the task (for cancelling it later).
    pub(crate) fn task_ref(&self) -> TaskRef {
        self.raw.to_task_ref()
    }

    /// Takes the output; `None` while the task runs.
    fn try_take(&mut self, cx: &Context<'_>) -> Option<Result<T, TaskError>> {
        let state = &self.raw.header().state;
        let snapshot = state.load();
        if !snapshot.is_complete() && self.register(cx.waker(), snapshot.has_join_waker()) {
            return None;
        }
        let mut out: Option<Result<T, TaskError>> = None;
        // SAFETY: we are the handle, the task is COMPLETE, and `T` is its output type.
        unsafe { self.raw.read_output(&mut out as *mut _ as *mut ()) };
        out
    }

    /// Stores `waker` for the completer; `false` if the task completed first.
    fn register(&self, waker: &Waker, has_waker: bool) -> bool {
        register_join_waker(self.raw, waker, has_waker)
    }

    /// Under a collecting drop (a timeout cancelling what it guards): cancels
    /// the task if this handle was awaiting it, and if the task is being
    /// cancelled and still runs, hands the handle's interest to the collector
    /// so the canceller can wait for the task to finish. `true` if handed over.
    fn hand_over_if_cancelled(&self) -> bool {
        if self.awaited {
            self.raw.cancel();
        }
        let snapshot = self.raw.header().state.load();
        if !snapshot.is_cancel_requested() || snapshot.is_complete() {
            return false;
        }
        forget_awaiter(self.raw);
        // The collector now owns this handle's reference and join interest;
        // if it refused (it cannot: the caller just saw it collecting), the
        // refused orphan's drop released them.
        drop(cancel_scope::adopt(Box::new(CancelledTask {
            raw: self.raw,
        })));
        true
    }
}

impl<T> Future for Task<T> {
    type Output = Result<T, TaskError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.awaited = true;
        self.poll_via(cx, AwaitKind::Await)
    }
}

impl<T> Drop for Task<T> {
    fn drop(&mut self) {
        // A handle whose result was taken is never an orphan; only the others
        // pay for the thread-local check.
        if !self.finished && cancel_scope::is_collecting() && self.hand_over_if_cancelled() {
            return;
        }
        // SAFETY: the handle owns one reference and the join interest.
        unsafe { release_handle(self.raw, self.finished) };
    }
}

/// A cancelled task's handle, kept by the timeout that cancelled it until the
/// task has finished.
struct CancelledTask {
    raw: RawTask,
}

impl Orphan for CancelledTask {
    fn poll_finished(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let snapshot = self.raw.header().state.load();
        if snapshot.is_complete()
            || !register_join_waker(self.raw, cx.waker(), snapshot.has_join_waker())
        {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl Drop for CancelledTask {
    fn drop(&mut self) {
        // SAFETY: the orphan took over the handle's reference and join
        // interest; it never read the output.
        unsafe { release_handle(self.raw, false) };
    }
}

/// Nobody awaits the task through this handle any more (a task group's link
/// is the group's, not the handle's: it stays).
fn forget_awaiter(raw: RawTask) {
    let header = raw.header();
    if header
        .awaiter()
        .is_some_and(|(_, kind)| kind != AwaitKind::TaskGroup)
    {
        header.set_awaiter(None, AwaitKind::Await);
    }
}

/// Gives up a handle: its join interest (dropping the output if the task
/// completed and `output_read` is false, else emptying the waker slot) and
/// its reference.
///
/// # Safety
/// The caller owns a handle's reference and join interest on `raw`, and
/// gives both up; `output_read` only if this handle took the output (the
/// stage holds nothing: an awaited task's usual end, which so skips a
/// vtable call that would drop nothing).
unsafe fn release_handle(raw: RawTask, output_read: bool) {
    forget_awaiter(raw);
    if raw.header().state.load().is_complete() {
        // COMPLETE with JOIN_INTEREST: the stage is ours, and the runner
        // will not touch it again. Drop the output first, then the
        // interest and our reference in one step.
        if !output_read {
            // SAFETY: the task is complete and we are the handle.
            unsafe { raw.drop_output() };
        }
        // SAFETY: we are the handle, give up its reference, and saw COMPLETE.
        unsafe { raw.drop_complete_handle() };
        return;
    }
    match raw.header().state.drop_join_interest() {
        // SAFETY: the task is complete and we are the handle.
        HandleDrop::Complete => unsafe { raw.drop_output() },
        // SAFETY: JOIN_WAKER was cleared with JOIN_INTEREST before
        // completion: the slot is ours to empty.
        HandleDrop::EmptyWakerSlot => raw.join_waker().with_mut(|w| unsafe { *w = None }),
        // The transition took the handle's reference too.
        HandleDrop::Released => return,
        HandleDrop::ReleasedLast => {
            // SAFETY: that was the last reference: nobody else can reach the cell.
            unsafe { raw.dealloc() };
            return;
        }
    }
    // SAFETY: the handle owns one reference (the caller's contract).
    unsafe { raw.drop_ref() };
}

/// Stores `waker` for the completer of `raw`; `false` if the task completed
/// first. Only the holder of the join interest calls it.
fn register_join_waker(raw: RawTask, waker: &Waker, has_waker: bool) -> bool {
    let state = &raw.header().state;
    let slot = raw.join_waker();
    if has_waker {
        // SAFETY: JOIN_WAKER is set and only the handle writes the slot, so
        // reading it here races with nothing but the completer's read.
        let same = slot.with(|w| unsafe { &*w }.as_ref().is_some_and(|w| w.will_wake(waker)));
        if same {
            return true;
        }
        if state.unset_join_waker().is_err() {
            return false;
        }
    }
    // SAFETY: JOIN_WAKER is clear and the task is not complete: the holder of
    // the join interest owns the slot.
    slot.with_mut(|w| unsafe { *w = Some(waker.clone()) });
    state.set_join_waker().is_ok()
}

impl<T> fmt::Debug for Task<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Task")
            .field("id", &self.id())
            .field("name", &self.name())
            .field("done", &self.is_done())
            .finish()
    }
}

/// Why [`Task::blocking_join`] could not wait for the task.
///
/// ```
/// let rt = hive::Runtime::builder().loops(1).build().unwrap();
/// let mut task = rt.spawn(std::future::pending::<()>());
/// let err = task.blocking_join_timeout(std::time::Duration::ZERO).unwrap_err();
/// println!("{err}");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BlockingJoinError {
    /// Called on a loop thread, where blocking could stall the task waited for.
    OnLoopThread,
    /// The timeout passed before the task finished (it keeps running).
    Elapsed,
}

impl fmt::Display for BlockingJoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlockingJoinError::OnLoopThread => f.write_str(
                "blocking_join was called on a hive loop thread, where blocking could stall \
                 the task it waits for; `.await` the task instead",
            ),
            BlockingJoinError::Elapsed => f.write_str(
                "the task did not finish before the timeout; it is still running \
                 (wait again, or cancel it)",
            ),
        }
    }
}

impl std::error::Error for BlockingJoinError {}

/// Wakes a thread parked in `blocking_join`.
struct ThreadWaker(std::thread::Thread);

impl std::task::Wake for ThreadWaker {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.unpark();
    }
    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.0.unpark();
    }
}
