//! `timeout`, `timeout_at` and the reschedulable `Timeout` (asyncio's
//! `wait_for` and `async with timeout()`).

use super::sleep::{sleep_until, Sleep};
use crate::loom::sync::{Arc, Mutex};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
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

/// Runs `future` for at most `duration` (asyncio's `wait_for`).
///
/// On expiry the future is dropped (cancelled: its destructors run) and
/// `Err(Elapsed)` is returned. If it completes in the same poll the deadline
/// passes, its value wins, as in asyncio.
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
    timeout_at(Instant::now() + duration, future)
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
        future,
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
    future: F,
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

    /// Gives back the inner future, without its deadline.
    ///
    /// ```
    /// let t = hive::timeout(std::time::Duration::from_secs(1), async { 3 });
    /// let _inner = t.into_inner();
    /// ```
    pub fn into_inner(self) -> F {
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
        // unpinned value); they are projected as pinned fields here.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: see above: structural pinning of `future`.
        let future = unsafe { Pin::new_unchecked(&mut this.future) };
        if let Poll::Ready(value) = future.poll(cx) {
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
        match sleep.poll(cx) {
            Poll::Ready(()) => {
                let mut inner = this.shared.inner.lock();
                inner.expired = true;
                Poll::Ready(Err(Elapsed {
                    deadline: inner.deadline,
                }))
            }
            Poll::Pending => Poll::Pending,
        }
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
