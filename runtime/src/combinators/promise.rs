//! `Promise<T>` (asyncio's `Future`): a result set by hand, awaited by many.

use crate::error::NoRunningLoop;
use crate::event_loop::{get_running_loop, Loop};
use crate::loom::sync::{Arc, Mutex};
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// A value set once by hand and awaited by any number of tasks (asyncio's
/// `Future`, created with `loop.create_future()`).
///
/// Clones share one result. [`set_result`](Promise::set_result),
/// [`set_error`](Promise::set_error) or [`cancel`](Promise::cancel) settle
/// it once; settling again is an [`InvalidState`] error. Awaiting a clone
/// gives `Ok(value)` (a clone of it: `T: Clone`; wrap it in an `Arc`
/// otherwise), or `Err(PromiseError)`. Done callbacks run through the
/// loop's `call_soon`, never inside `set_result`.
///
/// ```
/// # hive::run(async {
/// let promise = hive::Promise::new();
/// let waiter = hive::spawn({
///     let p = promise.clone();
///     async move { p.await.unwrap() * 2 }
/// });
/// promise.set_result(21).unwrap();
/// assert_eq!(waiter.await.unwrap(), 42);
/// assert!(promise.set_result(0).is_err()); // already set
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.Future")]
#[doc(alias = "loop.create_future")]
pub struct Promise<T> {
    inner: Arc<Inner<T>>,
}

impl<T> Clone for Promise<T> {
    fn clone(&self) -> Self {
        Promise {
            inner: self.inner.clone(),
        }
    }
}

type Callback<T> = Box<dyn FnOnce(&Promise<T>) + Send>;

struct Inner<T> {
    state: Mutex<State<T>>,
    /// The loop done callbacks run on: the creator's, else the first
    /// `add_done_callback` caller's.
    home: Mutex<Option<Loop>>,
}

struct State<T> {
    outcome: Option<Result<T, PromiseError>>,
    waiters: Vec<Waker>,
    callbacks: Vec<Callback<T>>,
}

/// Why a [`Promise`] holds no value: cancelled, or settled with an error.
///
/// ```
/// # hive::run(async {
/// let p = hive::Promise::<u8>::new();
/// p.set_error("disk on fire").unwrap();
/// let err = p.await.unwrap_err();
/// assert!(!err.is_cancelled());
/// assert_eq!(err.to_string(), "disk on fire");
/// # }).unwrap();
/// ```
#[doc(alias = "CancelledError")]
#[derive(Clone, Debug)]
pub enum PromiseError {
    /// [`Promise::cancel`] was called.
    Cancelled,
    /// [`Promise::set_error`] was called (asyncio's `set_exception`).
    Failed(std::sync::Arc<dyn Error + Send + Sync>),
}

impl PromiseError {
    /// `true` for [`PromiseError::Cancelled`].
    ///
    /// ```
    /// assert!(hive::PromiseError::Cancelled.is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self, PromiseError::Cancelled)
    }
}

impl fmt::Display for PromiseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PromiseError::Cancelled => f.write_str("the promise was cancelled"),
            PromiseError::Failed(err) => fmt::Display::fmt(err, f),
        }
    }
}

impl Error for PromiseError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            PromiseError::Failed(err) => Some(&**err),
            PromiseError::Cancelled => None,
        }
    }
}

/// A [`Promise`] was settled twice (asyncio's `InvalidStateError`).
///
/// ```
/// let p = hive::Promise::new();
/// p.set_result(1).unwrap();
/// let err = p.set_result(2).unwrap_err();
/// assert_eq!(err, hive::InvalidState);
/// println!("{err}");
/// ```
#[doc(alias = "asyncio.InvalidStateError")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidState;

impl fmt::Display for InvalidState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "the promise is already done (set or cancelled); a promise is settled once: \
             check is_done() first, or create a new one",
        )
    }
}

impl Error for InvalidState {}

impl<T: Send + 'static> Default for Promise<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Send + 'static> Promise<T> {
    /// An unsettled promise, bound to the running loop if there is one
    /// (that loop runs its done callbacks).
    ///
    /// ```
    /// let p = hive::Promise::<()>::new();
    /// assert!(!p.is_done());
    /// ```
    #[doc(alias = "loop.create_future")]
    pub fn new() -> Self {
        Promise {
            inner: Arc::new(Inner {
                state: Mutex::new(State {
                    outcome: None,
                    waiters: Vec::new(),
                    callbacks: Vec::new(),
                }),
                home: Mutex::new(get_running_loop().ok()),
            }),
        }
    }

    fn settle(&self, outcome: Result<T, PromiseError>) -> Result<(), InvalidState> {
        let (waiters, callbacks) = {
            let mut state = self.inner.state.lock();
            if state.outcome.is_some() {
                return Err(InvalidState);
            }
            state.outcome = Some(outcome);
            (
                std::mem::take(&mut state.waiters),
                std::mem::take(&mut state.callbacks),
            )
        };
        for waker in waiters {
            waker.wake();
        }
        for callback in callbacks {
            self.schedule_callback(callback);
        }
        Ok(())
    }

    fn schedule_callback(&self, callback: Callback<T>) {
        let home = self.inner.home.lock().clone();
        if let Some(lp) = home {
            let promise = self.clone();
            lp.call_soon(move || callback(&promise));
        }
    }

    /// Settles the promise with `value`, waking every awaiter and scheduling
    /// the done callbacks (asyncio's `set_result`).
    ///
    /// # Errors
    /// [`InvalidState`] if it was already settled.
    ///
    /// ```
    /// # hive::run(async {
    /// let p = hive::Promise::new();
    /// p.set_result("ok").unwrap();
    /// assert_eq!(p.await.unwrap(), "ok");
    /// # }).unwrap();
    /// ```
    #[doc(alias = "Future.set_result")]
    pub fn set_result(&self, value: T) -> Result<(), InvalidState> {
        self.settle(Ok(value))
    }

    /// Settles the promise with an error (asyncio's `set_exception`):
    /// awaiters get `Err(PromiseError::Failed(..))`.
    ///
    /// # Errors
    /// [`InvalidState`] if it was already settled.
    ///
    /// ```
    /// # hive::run(async {
    /// let p = hive::Promise::<()>::new();
    /// p.set_error(std::io::Error::other("gone")).unwrap();
    /// assert_eq!(p.await.unwrap_err().to_string(), "gone");
    /// # }).unwrap();
    /// ```
    #[doc(alias = "Future.set_exception")]
    pub fn set_error(
        &self,
        error: impl Into<Box<dyn Error + Send + Sync>>,
    ) -> Result<(), InvalidState> {
        let error: Box<dyn Error + Send + Sync> = error.into();
        self.settle(Err(PromiseError::Failed(std::sync::Arc::from(error))))
    }

    /// Cancels the promise: awaiters get `Err(PromiseError::Cancelled)`.
    /// Returns `false` if it was already settled (asyncio's `cancel`).
    ///
    /// ```
    /// # hive::run(async {
    /// let p = hive::Promise::<()>::new();
    /// assert!(p.cancel());
    /// assert!(p.is_cancelled());
    /// assert!(p.await.unwrap_err().is_cancelled());
    /// # }).unwrap();
    /// ```
    #[doc(alias = "Future.cancel")]
    pub fn cancel(&self) -> bool {
        self.settle(Err(PromiseError::Cancelled)).is_ok()
    }

    /// Whether the promise is settled (asyncio's `done`).
    ///
    /// ```
    /// let p = hive::Promise::new();
    /// p.set_result(()).unwrap();
    /// assert!(p.is_done());
    /// ```
    #[doc(alias = "Future.done")]
    pub fn is_done(&self) -> bool {
        self.inner.state.lock().outcome.is_some()
    }

    /// Whether the promise was cancelled (asyncio's `cancelled`).
    ///
    /// ```
    /// let p = hive::Promise::<()>::new();
    /// p.cancel();
    /// assert!(p.is_cancelled());
    /// ```
    #[doc(alias = "Future.cancelled")]
    pub fn is_cancelled(&self) -> bool {
        matches!(
            self.inner.state.lock().outcome,
            Some(Err(PromiseError::Cancelled))
        )
    }

    /// Runs `callback` with the promise once it is settled, through the
    /// loop's `call_soon` (never inside `set_result`); right away (next
    /// tick) if it already is (asyncio's `add_done_callback`). The loop is
    /// the one the promise was created on, else the caller's.
    ///
    /// # Errors
    /// [`NoRunningLoop`] when neither the promise nor the caller is on a loop.
    ///
    /// ```
    /// # hive::run(async {
    /// let p = hive::Promise::new();
    /// let seen = hive::Promise::new();
    /// let s = seen.clone();
    /// p.add_done_callback(move |p: &hive::Promise<u32>| { s.set_result(p.result().unwrap().unwrap()).unwrap(); }).unwrap();
    /// p.set_result(9).unwrap();
    /// assert!(!seen.is_done()); // not run inside set_result
    /// assert_eq!(seen.await.unwrap(), 9);
    /// # }).unwrap();
    /// ```
    #[doc(alias = "Future.add_done_callback")]
    pub fn add_done_callback(
        &self,
        callback: impl FnOnce(&Promise<T>) + Send + 'static,
    ) -> Result<(), NoRunningLoop> {
        {
            let mut home = self.inner.home.lock();
            if home.is_none() {
                *home = Some(get_running_loop()?);
            }
        }
        let callback: Callback<T> = Box::new(callback);
        let run_now = {
            let mut state = self.inner.state.lock();
            if state.outcome.is_none() {
                state.callbacks.push(callback);
                None
            } else {
                Some(callback)
            }
        };
        if let Some(callback) = run_now {
            self.schedule_callback(callback);
        }
        Ok(())
    }

    /// The outcome without waiting (asyncio's `result()`): `None` while
    /// unsettled (where asyncio raises `InvalidStateError`).
    ///
    /// ```
    /// let p = hive::Promise::new();
    /// assert!(p.result().is_none());
    /// p.set_result(3).unwrap();
    /// assert_eq!(p.result().unwrap().unwrap(), 3);
    /// ```
    #[doc(alias = "Future.result")]
    #[doc(alias = "Future.exception")]
    pub fn result(&self) -> Option<Result<T, PromiseError>>
    where
        T: Clone,
    {
        self.inner.state.lock().outcome.clone()
    }
}

impl<T: Clone> Future for Promise<T> {
    type Output = Result<T, PromiseError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.inner.state.lock();
        match &state.outcome {
            Some(outcome) => Poll::Ready(outcome.clone()),
            None => {
                if !state.waiters.iter().any(|w| w.will_wake(cx.waker())) {
                    state.waiters.push(cx.waker().clone());
                }
                Poll::Pending
            }
        }
    }
}

impl<T> fmt::Debug for Promise<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.inner.state.lock();
        let status = match &state.outcome {
            None => "pending",
            Some(Ok(_)) => "done",
            Some(Err(PromiseError::Cancelled)) => "cancelled",
            Some(Err(PromiseError::Failed(_))) => "failed",
        };
        f.debug_struct("Promise").field("state", &status).finish()
    }
}
