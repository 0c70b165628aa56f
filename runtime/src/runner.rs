//! `hive::run` (asyncio's `run`) and blocking on a future from a plain thread.

use crate::context;
use crate::error::RunError;
use crate::loom::sync::atomic::{
    AtomicBool, Ordering::Acquire, Ordering::Relaxed, Ordering::Release,
};
use crate::runtime::Runtime;
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

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

/// Wakes the thread blocked in [`block_on_thread`]: marks it woken (what
/// its short wait before parking looks at), then unparks it (a syscall only
/// if it already sleeps).
struct ThreadWaker {
    thread: std::thread::Thread,
    woken: AtomicBool,
}

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        // Release: the waker's writes (the result it woke us for) are
        // visible to the Acquire load that sees the flag.
        self.woken.store(true, Release);
        self.thread.unpark();
    }
}

/// How long a blocked thread keeps yielding, waiting for a wake, before it
/// parks. A wake of a thread asleep on an idle CPU costs a cross-CPU
/// interrupt: tens of microseconds on a VM (`icount run hive handoff`,
/// 2 vCPUs: 46 µs a hand-off, of which 32 µs system time, against 4 µs
/// with both threads on one CPU). A hand-off that comes back within this
/// window never pays it. Yielding (not spinning) lets a loop thread that
/// shares this CPU run meanwhile.
const YIELD_BEFORE_PARK: Duration = Duration::from_micros(50);

/// Polls `future` on this thread, waiting between polls: yields for up to
/// [`YIELD_BEFORE_PARK`], then parks. `unpark` before `park` makes `park`
/// return at once, so no wake-up is lost.
pub(crate) fn block_on_thread<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let waker = Arc::new(ThreadWaker {
        thread: std::thread::current(),
        woken: AtomicBool::new(false),
    });
    let flag = waker.clone();
    let waker = Waker::from(waker);
    let mut cx = Context::from_waker(&waker);
    loop {
        // Cleared before the poll, so a wake during the poll is seen below.
        flag.woken.store(false, Relaxed);
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        if !wait_briefly(&flag.woken) {
            std::thread::park();
        }
    }
}

/// Yields until `woken` is set or [`YIELD_BEFORE_PARK`] has passed;
/// whether it was set. Under loom, no timed wait (a model's threads only
/// switch at loom's own operations): one look, then park.
fn wait_briefly(woken: &AtomicBool) -> bool {
    let start = Instant::now();
    loop {
        if woken.load(Acquire) {
            return true;
        }
        if cfg!(loom) || start.elapsed() >= YIELD_BEFORE_PARK {
            return false;
        }
        std::thread::yield_now();
    }
}
