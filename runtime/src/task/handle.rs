//! `Task<T>`: the handle that awaits, cancels or detaches a spawned task.

use super::error::TaskError;
use super::id::TaskId;
use super::raw::RawTask;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// A handle to a spawned task: await it for the task's `Result`.
///
/// Awaiting gives `Ok(value)`, or `Err(TaskError::Cancelled)` /
/// `Err(TaskError::Panicked(..))`. Dropping the handle **detaches** the task:
/// the loop keeps running it (unlike asyncio, where an unreferenced task may
/// vanish). Use [`Task::cancel`] to stop it.
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
        let state = &self.raw.header().state;
        let slot = self.raw.join_waker();
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
        // SAFETY: JOIN_WAKER is clear and the task is not complete: the handle
        // owns the slot.
        slot.with_mut(|w| unsafe { *w = Some(waker.clone()) });
        state.set_join_waker().is_ok()
    }
}

impl<T> Future for Task<T> {
    type Output = Result<T, TaskError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        assert!(
            !self.finished,
            "a hive::Task was polled again after it returned its result"
        );
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
}

impl<T> Drop for Task<T> {
    fn drop(&mut self) {
        let header = self.raw.header();
        if header.state.drop_join_interest() {
            // SAFETY: the task is complete and we are the handle.
            unsafe { self.raw.drop_output() };
        } else {
            // SAFETY: JOIN_WAKER was cleared with JOIN_INTEREST before
            // completion: the slot is ours to empty.
            self.raw.join_waker().with_mut(|w| unsafe { *w = None });
        }
        // SAFETY: the handle owns one reference.
        unsafe { self.raw.drop_ref() };
    }
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
