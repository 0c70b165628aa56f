//! The blocking pool: threads for work that would stall a loop.
//!
//! One pool per runtime, shared by all loops. It grows on demand up to
//! `max_blocking_threads`, reuses idle threads, and retires a thread that has
//! been idle for `blocking_keep_alive`. Jobs queue when every thread is busy
//! and the bound is reached. Shutdown runs the queued jobs, then joins every
//! thread (up to the shutdown deadline). Threads and locks come from the
//! loom shim: `runtime_blocking.rs` models submit, hand-off and shutdown.
//!
//! Part of the runtime's state (`Shared::blocking`): it knows nothing of
//! the runtime. [`to_thread`](crate::to_thread), which finds the current
//! runtime's pool, is in `to_thread.rs`.

use crate::loom::sync::{Arc, Condvar, Mutex};
use crate::loom::thread;
use crate::task::TaskError;
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// A job runs the function and returns the waker of the task awaiting it,
/// which the pool wakes only after counting the worker idle again.
type Job = Box<dyn FnOnce() -> Option<Waker> + Send + 'static>;

/// The pool (one per runtime).
pub struct BlockingPool {
    inner: Arc<PoolInner>,
}

struct PoolInner {
    state: Mutex<PoolState>,
    work_ready: Condvar,
    /// Signalled when a worker exits (shutdown waits on it).
    exited: Condvar,
    max_threads: usize,
    keep_alive: Duration,
}

#[derive(Default)]
struct PoolState {
    queue: VecDeque<Job>,
    idle: usize,
    threads: HashMap<usize, thread::JoinHandle<()>>,
    retired: Vec<usize>,
    /// Workers still inside their work loop.
    live: usize,
    next_id: usize,
    shutdown: bool,
}

impl BlockingPool {
    /// A pool of at most `max_threads` threads, retiring after `keep_alive` idle.
    pub fn new(max_threads: usize, keep_alive: Duration) -> Self {
        BlockingPool {
            inner: Arc::new(PoolInner {
                state: Mutex::new(PoolState::default()),
                work_ready: Condvar::new(),
                exited: Condvar::new(),
                max_threads: max_threads.max(1),
                keep_alive,
            }),
        }
    }

    /// Runs `f` on the pool; the returned future gives its result.
    pub fn spawn<T, F>(&self, f: F) -> Blocking<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let slot = Arc::new(Mutex::new(Slot {
            result: None,
            waker: None,
        }));
        let filled = slot.clone();
        let job: Job = Box::new(move || {
            let result = catch_unwind(AssertUnwindSafe(f)).map_err(TaskError::Panicked);
            let mut slot = filled.lock();
            slot.result = Some(result);
            slot.waker.take()
        });
        if let Err(job) = self.submit(job) {
            drop(job);
            slot.lock().result = Some(Err(TaskError::Cancelled));
        }
        Blocking { slot }
    }

    fn submit(&self, job: Job) -> Result<(), Job> {
        let mut state = self.inner.state.lock();
        if state.shutdown {
            return Err(job);
        }
        for id in std::mem::take(&mut state.retired) {
            if let Some(handle) = state.threads.remove(&id) {
                let _ = handle.join(); // it has returned or is returning
            }
        }
        state.queue.push_back(job);
        // Each idle worker takes one queued job; only the excess needs a new
        // thread (so two quick submissions never queue behind one worker).
        if state.queue.len() <= state.idle {
            self.inner.work_ready.notify_one();
        } else if state.threads.len() < self.inner.max_threads {
            let id = state.next_id;
            state.next_id += 1;
            let inner = self.inner.clone();
            let spawned = thread::Builder::new()
                .name(format!("hive-blocking-{id}"))
                .spawn(move || inner.work(id));
            match spawned {
                Ok(handle) => {
                    state.threads.insert(id, handle);
                    state.live += 1;
                }
                // The job stays queued: a busy thread picks it up later.
                Err(err) if state.threads.is_empty() => {
                    let job = state.queue.pop_back();
                    tracing::error!("could not start a blocking-pool thread: {err}");
                    return job.map_or(Ok(()), Err);
                }
                Err(err) => tracing::warn!("could not grow the blocking pool: {err}"),
            }
        }
        Ok(())
    }

    /// Whether a job is queued or running: a paused clock does not
    /// auto-advance then (the job may be what the program waits for).
    pub(crate) fn has_work_in_flight(&self) -> bool {
        let state = self.inner.state.lock();
        !state.queue.is_empty() || state.live > state.idle
    }

    pub(crate) fn num_threads(&self) -> usize {
        self.inner.state.lock().threads.len()
    }

    /// Stops accepting jobs, lets queued ones finish, joins the threads.
    /// Returns how many threads were still running at `deadline` (those are
    /// detached: a thread cannot be interrupted).
    pub fn shutdown(&self, deadline: Option<Instant>) -> usize {
        let mut state = self.inner.state.lock();
        state.shutdown = true;
        self.inner.work_ready.notify_all();
        while state.live > 0 {
            let wait = match deadline {
                Some(deadline) => match deadline.checked_duration_since(Instant::now()) {
                    Some(left) if !left.is_zero() => left,
                    _ => break,
                },
                None => Duration::from_secs(3600),
            };
            state = crate::loom::sync::wait_timeout(&self.inner.exited, state, wait);
        }
        let stuck = state.live;
        state.retired.clear();
        let handles: Vec<_> = state.threads.drain().map(|(_, h)| h).collect();
        drop(state);
        // Every worker has left its loop (live == 0); joining reaps the OS
        // threads (the thread-leak test checks it, the loom models check
        // that the join never blocks: a worker counted out always returns).
        if stuck == 0 {
            for handle in handles {
                let _ = handle.join();
            }
        }
        stuck
    }
}

impl PoolInner {
    fn work(&self, id: usize) {
        let mut state = self.state.lock();
        loop {
            if let Some(job) = state.queue.pop_front() {
                drop(state);
                let waker = job(); // catches its own panics
                state = self.state.lock();
                // Idle before waking the awaiting task: the next job it
                // submits reuses this thread instead of starting another.
                state.idle += 1;
                drop(state);
                if let Some(waker) = waker {
                    waker.wake();
                }
                state = self.state.lock();
                state.idle -= 1;
                continue;
            }
            if state.shutdown {
                self.exit(state);
                return;
            }
            state.idle += 1;
            let idle_since = Instant::now();
            state = crate::loom::sync::wait_timeout(&self.work_ready, state, self.keep_alive);
            state.idle -= 1;
            if state.queue.is_empty() && !state.shutdown && idle_since.elapsed() >= self.keep_alive
            {
                state.retired.push(id);
                self.exit(state);
                return;
            }
        }
    }

    fn exit(&self, mut state: crate::loom::sync::MutexGuard<'_, PoolState>) {
        state.live -= 1;
        self.exited.notify_all();
    }
}

struct Slot<T> {
    result: Option<Result<T, TaskError>>,
    waker: Option<Waker>,
}

/// The result of a function run on the blocking pool: `Err(Panicked)` if it
/// panicked, `Err(Cancelled)` if the runtime was shutting down.
///
/// Dropping it does not stop the function (a thread cannot be interrupted);
/// its result is then discarded, as in asyncio.
///
/// ```
/// # hive::run(async {
/// let sum = hive::to_thread(|| (1..=10).sum::<u32>()).await.unwrap();
/// assert_eq!(sum, 55);
/// # }).unwrap();
/// ```
#[must_use = "the blocking function runs anyway; await this to get its result"]
pub struct Blocking<T> {
    slot: Arc<Mutex<Slot<T>>>,
}

impl<T> Future for Blocking<T> {
    type Output = Result<T, TaskError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut slot = self.slot.lock();
        match slot.result.take() {
            Some(result) => Poll::Ready(result),
            None => {
                slot.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

impl<T> std::fmt::Debug for Blocking<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Blocking").finish_non_exhaustive()
    }
}
