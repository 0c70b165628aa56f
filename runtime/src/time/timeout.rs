//! `timeout`, `timeout_at` and the reschedulable `Timeout` (asyncio's
//! `wait_for` and `async with timeout()`).

use super::sleep::{sleep_until, Sleep};
use crate::loom::sync::{Arc, Mutex};
use crate::task::cancel_scope::{collect_orphans, Orphans};
use crate::task::raw::Header;
use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// The deadline passed before the future completed (asyncio's `TimeoutError`).
///
/// ```
/// # hive::run(async {
/// let err = hive::timeout(std::time::Duration::ZERO, std::future::pending::<()>()).await.unwrap_err();
/// println!("{err}");
/// # }).unwrap();
/// ```
#[doc(alias = "TimeoutError")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elapsed {
    deadline: Instant,
}

impl Elapsed {
    /// The deadline that passed.
    ///
    /// ```
    /// # hive::run(async {
    /// let at = std::time::Instant::now();
    /// let err = hive::timeout_at(at, std::future::pending::<()>()).await.unwrap_err();
    /// assert_eq!(err.deadline(), at);
    /// # }).unwrap();
    /// ```
    pub fn deadline(&self) -> Instant {
        self.deadline
    }
}

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "deadline elapsed before the future completed; raise the timeout or \
             reschedule it with TimeoutHandle::reschedule",
        )
    }
}

impl std::error::Error for Elapsed {}

/// Runs `future` for at most `duration` (asyncio's `wait_for` and
/// `async with timeout()`).
///
/// On expiry the future is dropped (cancelled: its destructors run) and
/// `Err(Elapsed)` is returned. If it completes in the same poll the deadline
/// passes, its value wins, as in asyncio.
///
/// Like asyncio's, a timeout waits for what it cancelled. A [`Task`](crate::Task)
/// being awaited inside it (`timeout(d, task)`, or `task.await` anywhere in
/// the guarded future) is cancelled, not detached, and so are the tasks of a
/// [`gather!`](crate::gather) / [`gather_all`](crate::gather_all) and the
/// children of a [`task_group`](crate::task_group) it cancels; `Err(Elapsed)`
/// comes only once every one of them has finished and run its destructors.
/// A task merely held (spawned, not awaited) is left running, as in asyncio;
/// so is one behind [`shield`](crate::shield).
///
/// Nested timeouts that expire together are reported by the outermost one,
/// as in asyncio: the inner one does not claim an expiry its enclosing
/// timeout (in the same task) also reached.
///
/// ```
/// # hive::run(async {
/// use std::time::Duration;
/// let fast = hive::timeout(Duration::from_secs(5), async { 1 }).await;
/// assert_eq!(fast, Ok(1));
/// let slow = hive::timeout(Duration::from_millis(10), hive::sleep(Duration::from_secs(60))).await;
/// assert!(slow.is_err());
/// # }).unwrap();
/// ```
#[doc(alias = "wait_for")]
#[doc(alias = "asyncio.timeout")]
pub fn timeout<F: Future>(duration: Duration, future: F) -> Timeout<F> {
    timeout_at(super::current::now() + duration, future)
}

/// Runs `future` until `deadline` at most (asyncio's `timeout_at`).
///
/// ```
/// # hive::run(async {
/// let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
/// assert_eq!(hive::timeout_at(deadline, async { "done" }).await, Ok("done"));
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.timeout_at")]
pub fn timeout_at<F: Future>(deadline: Instant, future: F) -> Timeout<F> {
    Timeout {
        future: Some(future),
        orphans: Orphans::none(),
        sleep: sleep_until(deadline),
        shared: Arc::new(Shared {
            inner: Mutex::new(Inner {
                deadline,
                expired: false,
                changed: false,
                waker: None,
            }),
        }),
    }
}

struct Shared {
    inner: Mutex<Inner>,
}

struct Inner {
    deadline: Instant,
    expired: bool,
    /// `reschedule` was called since the last poll.
    changed: bool,
    waker: Option<Waker>,
}

/// A future with a deadline that can be moved while it runs.
///
/// Get a [`TimeoutHandle`] with [`Timeout::handle`] to reschedule it from
/// inside the body, as asyncio's `async with timeout(...) as cm:
/// cm.reschedule(...)` does.
///
/// ```
/// # hive::run(async {
/// use std::time::{Duration, Instant};
/// let mut guarded = hive::timeout(Duration::from_millis(5), hive::sleep(Duration::from_millis(30)));
/// guarded.handle().reschedule(Instant::now() + Duration::from_secs(5));
/// assert!(guarded.await.is_ok());
/// # }).unwrap();
/// ```
#[must_use = "a Timeout does nothing unless awaited"]
pub struct Timeout<F> {
    /// The guarded future; `None` once the deadline cancelled it.
    future: Option<F>,
    /// The tasks cancelling `future` left running: the expiry is reported
    /// once they finished.
    orphans: Orphans,
    sleep: Sleep,
    shared: Arc<Shared>,
}

/// Moves or inspects a running [`Timeout`]'s deadline; cheap to clone, `Send`.
///
/// ```
/// # hive::run(async {
/// use std::time::{Duration, Instant};
/// let guarded = hive::timeout(Duration::from_secs(1), async {});
/// let handle = guarded.handle();
/// assert!(!handle.expired());
/// handle.reschedule(Instant::now() + Duration::from_secs(2));
/// guarded.await.unwrap();
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct TimeoutHandle {
    shared: Arc<Shared>,
}

impl<F> Timeout<F> {
    /// A handle that can reschedule this timeout from anywhere.
    ///
    /// ```
    /// let t = hive::timeout(std::time::Duration::from_secs(1), async {});
    /// let _handle = t.handle();
    /// ```
    pub fn handle(&self) -> TimeoutHandle {
        TimeoutHandle {
            shared: self.shared.clone(),
        }
    }

    /// The current deadline.
    ///
    /// ```
    /// let at = std::time::Instant::now();
    /// assert_eq!(hive::timeout_at(at, async {}).deadline(), at);
    /// ```
    #[doc(alias = "when")]
    pub fn deadline(&self) -> Instant {
        self.shared.inner.lock().deadline
    }

    /// Gives back the inner future, without its deadline; `None` once the
    /// deadline passed (the future was cancelled then).
    ///
    /// ```
    /// let t = hive::timeout(std::time::Duration::from_secs(1), async { 3 });
    /// assert!(t.into_inner().is_some());
    /// ```
    pub fn into_inner(self) -> Option<F> {
        self.future
    }
}

impl TimeoutHandle {
    /// Moves the deadline (asyncio's `Timeout.reschedule`).
    ///
    /// ```
    /// let t = hive::timeout(std::time::Duration::from_secs(1), async {});
    /// t.handle().reschedule(std::time::Instant::now() + std::time::Duration::from_secs(9));
    /// ```
    #[doc(alias = "Timeout.reschedule")]
    pub fn reschedule(&self, deadline: Instant) {
        let waker = {
            let mut inner = self.shared.inner.lock();
            inner.deadline = deadline;
            inner.changed = true;
            inner.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// The current deadline (asyncio's `Timeout.when`).
    ///
    /// ```
    /// let at = std::time::Instant::now();
    /// assert_eq!(hive::timeout_at(at, async {}).handle().deadline(), at);
    /// ```
    #[doc(alias = "when")]
    pub fn deadline(&self) -> Instant {
        self.shared.inner.lock().deadline
    }

    /// Whether the deadline passed and the future was cancelled by it.
    ///
    /// ```
    /// # hive::run(async {
    /// let t = hive::timeout(std::time::Duration::ZERO, std::future::pending::<()>());
    /// let handle = t.handle();
    /// assert!(t.await.is_err());
    /// assert!(handle.expired());
    /// # }).unwrap();
    /// ```
    #[doc(alias = "Timeout.expired")]
    pub fn expired(&self) -> bool {
        self.shared.inner.lock().expired
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `future` and `sleep` are never moved out of the pinned
        // Timeout (into_inner takes it by value, which requires Unpin or an
        // unpinned value); they are projected as pinned fields here, and
        // `future` is only ever dropped in place (set to `None`).
        let this = unsafe { self.get_unchecked_mut() };
        let Some(future) = this.future.as_mut() else {
            // Expired: report it once what the cancellation left has finished.
            return match this.orphans.poll_finished(cx) {
                Poll::Ready(()) => Poll::Ready(Err(this.elapsed())),
                Poll::Pending => Poll::Pending,
            };
        };
        // SAFETY: see above: structural pinning of `future`.
        let future = unsafe { Pin::new_unchecked(future) };
        let polled = {
            let _scope = EnclosingDeadline::enter(this.sleep.deadline());
            future.poll(cx)
        };
        if let Poll::Ready(value) = polled {
            return Poll::Ready(Ok(value));
        }
        // SAFETY: see above: structural pinning of `sleep`.
        let mut sleep = unsafe { Pin::new_unchecked(&mut this.sleep) };
        let deadline = {
            let mut inner = this.shared.inner.lock();
            inner.waker = Some(cx.waker().clone());
            if inner.changed {
                inner.changed = false;
                Some(inner.deadline)
            } else {
                None
            }
        };
        if let Some(deadline) = deadline {
            sleep.as_mut().reset(deadline);
        }
        if sleep.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        if EnclosingDeadline::reached(sleep.deadline()) {
            // An enclosing timeout of this task expired too: asyncio reports
            // that on the outermost scope, which checks its own deadline
            // right after this returns (or when its timer fires).
            return Poll::Pending;
        }
        this.shared.inner.lock().expired = true;
        this.orphans = collect_orphans(|| this.future = None);
        match this.orphans.poll_finished(cx) {
            Poll::Ready(()) => Poll::Ready(Err(this.elapsed())),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<F> Timeout<F> {
    fn elapsed(&self) -> Elapsed {
        Elapsed {
            deadline: self.shared.inner.lock().deadline,
        }
    }
}

mod enclosing {
    use super::{Cell, Header, Instant, NonNull};
    use crate::loom::const_thread_local;

    const_thread_local! {
        /// While a timeout polls its future: the earliest deadline among the
        /// timeouts doing so on this thread, and the task they run in (an
        /// eager child task polled inside its parent's poll is not enclosed).
        pub(super) static ENCLOSING: Cell<Option<(Option<NonNull<Header>>, Instant)>> =
            Cell::new(None);
    }
}

/// Marks a timeout's deadline as enclosing the futures it polls, until dropped.
struct EnclosingDeadline {
    previous: Option<(Option<NonNull<Header>>, Instant)>,
}

impl EnclosingDeadline {
    fn enter(deadline: Instant) -> Self {
        let task = crate::task::current::current_task();
        enclosing::ENCLOSING.with(|cell| {
            let previous = cell.get();
            let earliest = match previous {
                Some((outer_task, outer)) if outer_task == task => outer.min(deadline),
                _ => deadline,
            };
            cell.set(Some((task, earliest)));
            EnclosingDeadline { previous }
        })
    }

    /// Whether a timeout enclosing the caller, in the same task, has reached
    /// its deadline (the caller's own deadline `own` has passed).
    fn reached(own: Instant) -> bool {
        let Some((task, outer)) = enclosing::ENCLOSING.with(Cell::get) else {
            return false;
        };
        task == crate::task::current::current_task() && outer <= own.max(super::current::now())
    }
}

impl Drop for EnclosingDeadline {
    fn drop(&mut self) {
        enclosing::ENCLOSING.with(|cell| cell.set(self.previous));
    }
}

impl<F> fmt::Debug for Timeout<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timeout")
            .field("deadline", &self.deadline())
            .finish()
    }
}

impl fmt::Debug for TimeoutHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimeoutHandle")
            .field("deadline", &self.deadline())
            .finish()
    }
}
