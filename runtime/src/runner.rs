//! `hive::run` (asyncio's `run`) and blocking on a future from a plain thread.

use crate::context;
use crate::error::RunError;
use crate::runtime::Runtime;
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

/// Runs `main` on a new runtime and returns its output (asyncio's `run`).
///
/// Builds a runtime with one loop per CPU, runs `main` as a task pinned to
/// loop 0, then cancels every task still alive and waits for their
/// destructors, shuts the blocking pool down, and joins every thread.
///
/// # Errors
/// [`RunError::Nested`] when called from inside a running runtime (await the
/// future instead); [`RunError::Build`] if the runtime cannot start.
///
/// # Panics
/// Resumes `main`'s panic, as asyncio's `run` re-raises its exception.
///
/// ```
/// let answer = hive::run(async {
///     hive::sleep(std::time::Duration::from_millis(1)).await;
///     42
/// });
/// assert_eq!(answer.unwrap(), 42);
/// ```
#[doc(alias = "asyncio.run")]
pub fn run<F>(main: F) -> Result<F::Output, RunError>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    if context::in_runtime() {
        return Err(RunError::Nested);
    }
    Runtime::new().map_err(RunError::Build)?.run(main)
}

/// Like [`run`], but `make` builds the main future on loop 0, so it may be
/// `!Send` (hold `Rc`s across awaits). `#[hive::main]` expands to this.
///
/// # Errors
/// As [`run`].
///
/// ```
/// let out = hive::run_local(|| async {
///     let local = std::rc::Rc::new("not Send");
///     hive::yield_now().await;
///     local.len()
/// });
/// assert_eq!(out.unwrap(), 8);
/// ```
pub fn run_local<M, F>(make: M) -> Result<F::Output, RunError>
where
    M: FnOnce() -> F + Send + 'static,
    F: Future + 'static,
    F::Output: Send + 'static,
{
    if context::in_runtime() {
        return Err(RunError::Nested);
    }
    Runtime::new().map_err(RunError::Build)?.run_local(make)
}

struct ThreadWaker(std::thread::Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Polls `future` on this thread, parking between polls. `unpark` before
/// `park` makes `park` return at once, so no wake-up is lost.
pub(crate) fn block_on_thread<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let waker = Waker::from(Arc::new(ThreadWaker(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::park();
    }
}
