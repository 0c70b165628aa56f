//! One event loop per thread: its public handle ([`Loop`]) and its
//! thread-owned core (the tick).
//!
//! The part of a loop other threads touch (`shared::LoopShared`: inbox,
//! stealer, park state, timers, reactor handle) belongs to the scheduler
//! layer below, as does the pinned work it queues (`scheduler::pinned`).

pub(crate) mod callback;
pub(crate) mod core;
mod park;
mod yield_before_park;

use crate::blocking::Blocking;
use crate::context;
use crate::error::NoRunningLoop;
use crate::loom::sync::Arc;
pub use crate::loop_id::LoopId;
use crate::scheduler::pinned::{Callback, Pinned};
use crate::shared::{LoopShared, Shared};
use crate::time::store::{TimerAction, Timers};
use callback::{Handle, TimerHandle};
use std::fmt;
use std::time::{Duration, Instant};

/// A handle to one event loop (asyncio's `AbstractEventLoop`): clonable and
/// `Send`, so other threads can schedule work on it.
///
/// Callbacks run on the loop's own thread in FIFO order; a callback queued
/// while the loop is running its callbacks runs on the next tick, as in asyncio.
///
/// ```
/// # hive::run(async {
/// let lp = hive::get_running_loop().unwrap();
/// let (tx, rx) = std::sync::mpsc::channel();
/// for i in 0..3 {
///     let tx = tx.clone();
///     lp.call_soon(move || tx.send(i).unwrap());
/// }
/// hive::yield_now().await;
/// assert_eq!(rx.try_iter().collect::<Vec<_>>(), [0, 1, 2]);
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.AbstractEventLoop")]
#[derive(Clone)]
pub struct Loop {
    pub(crate) shared: Arc<Shared>,
    pub(crate) index: usize,
}

/// The loop this thread runs (asyncio's `get_running_loop`).
///
/// # Errors
/// [`NoRunningLoop`] when called off a loop thread.
///
/// ```
/// # hive::run(async {
/// let lp = hive::get_running_loop().unwrap();
/// assert_eq!(Some(lp.id()), hive::current_loop_id());
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.get_running_loop")]
pub fn get_running_loop() -> Result<Loop, NoRunningLoop> {
    context::with_worker(|core| {
        core.map(|c| Loop {
            shared: c.shared.clone(),
            index: c.index,
        })
    })
    .ok_or(NoRunningLoop)
}

/// The id of the loop this thread runs, if it is a loop thread.
///
/// ```
/// assert_eq!(hive::current_loop_id(), None); // not on a loop here
/// ```
pub fn current_loop_id() -> Option<LoopId> {
    context::with_worker(|core| core.map(|c| LoopId(c.index)))
}

/// Every loop of the current runtime; empty outside one.
///
/// ```
/// let ids = hive::Runtime::builder().loops(3).build().unwrap().loop_ids();
/// assert_eq!(ids.len(), 3);
/// ```
pub fn loop_ids() -> Vec<LoopId> {
    context::current_shared()
        .map(|s| s.loop_ids())
        .unwrap_or_default()
}

impl Loop {
    /// This loop's id.
    ///
    /// ```
    /// # hive::run(async {
    /// assert_eq!(hive::get_running_loop().unwrap().id().index(), 0);
    /// # }).unwrap();
    /// ```
    pub fn id(&self) -> LoopId {
        LoopId(self.index)
    }

    fn state(&self) -> &LoopShared {
        &self.shared.loops[self.index]
    }

    pub(crate) fn timers(&self) -> &Timers {
        &self.state().timers
    }

    pub(crate) fn unpark(&self) {
        self.shared.unpark(self.index);
    }

    /// Whether the calling thread is this loop's thread.
    pub(crate) fn is_current(&self) -> bool {
        context::with_worker(|core| {
            core.is_some_and(|c| c.index == self.index && Arc::ptr_eq(&c.shared, &self.shared))
        })
    }

    /// The loop a timer should live on: this thread's loop, or (off-loop,
    /// inside `block_on`) a loop of the entered runtime.
    ///
    /// # Panics
    /// Outside any hive runtime.
    pub(crate) fn for_timers() -> Loop {
        if let Some(lp) = context::with_worker(|c| {
            c.map(|c| Loop {
                shared: c.shared.clone(),
                index: c.index,
            })
        }) {
            return lp;
        }
        match context::current_shared() {
            Some(shared) => Loop {
                index: shared.next_io_loop(),
                shared,
            },
            None => panic!(
                "a hive timer (sleep/timeout) was polled outside a hive runtime; \
                 run it inside hive::run or Runtime::block_on"
            ),
        }
    }

    /// Schedules `callback` to run on this loop's next tick (asyncio's
    /// `call_soon`). Callbacks run in the order they were scheduled.
    ///
    /// Unlike asyncio, this is safe from any thread; calling it from another
    /// thread is exactly [`call_soon_threadsafe`](Loop::call_soon_threadsafe).
    ///
    /// ```
    /// # hive::run(async {
    /// let lp = hive::get_running_loop().unwrap();
    /// let handle = lp.call_soon(|| println!("next tick"));
    /// # let _ = handle;
    /// hive::yield_now().await;
    /// # }).unwrap();
    /// ```
    #[doc(alias = "loop.call_soon")]
    pub fn call_soon(&self, callback: impl FnOnce() + Send + 'static) -> Handle {
        let (callback, cancelled) = Callback::new(crate::contextvars::carry(callback));
        self.shared
            .push_pinned(self.index, Pinned::Callback(callback));
        Handle { cancelled }
    }

    /// Schedules `callback` from any thread and wakes the loop (asyncio's
    /// `call_soon_threadsafe`).
    ///
    /// ```
    /// # hive::run(async {
    /// let lp = hive::get_running_loop().unwrap();
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// std::thread::spawn(move || { lp.call_soon_threadsafe(move || tx.send(1).unwrap()); });
    /// while rx.try_recv().is_err() { hive::sleep(std::time::Duration::from_millis(1)).await; }
    /// # }).unwrap();
    /// ```
    #[doc(alias = "loop.call_soon_threadsafe")]
    pub fn call_soon_threadsafe(&self, callback: impl FnOnce() + Send + 'static) -> Handle {
        self.call_soon(callback)
    }

    /// Runs `callback` on this loop after `delay` (asyncio's `call_later`).
    ///
    /// ```
    /// # hive::run(async {
    /// let lp = hive::get_running_loop().unwrap();
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// lp.call_later(std::time::Duration::from_millis(5), move || tx.send(()).unwrap());
    /// hive::sleep(std::time::Duration::from_millis(50)).await;
    /// assert!(rx.try_recv().is_ok());
    /// # }).unwrap();
    /// ```
    #[doc(alias = "loop.call_later")]
    pub fn call_later(
        &self,
        delay: Duration,
        callback: impl FnOnce() + Send + 'static,
    ) -> TimerHandle {
        self.call_at(self.shared.clock.now() + delay, callback)
    }

    /// Runs `callback` on this loop at `when` (asyncio's `call_at`).
    ///
    /// ```
    /// # hive::run(async {
    /// let lp = hive::get_running_loop().unwrap();
    /// let timer = lp.call_at(lp.time(), || println!("due now"));
    /// # let _ = timer;
    /// hive::sleep(std::time::Duration::from_millis(5)).await;
    /// # }).unwrap();
    /// ```
    #[doc(alias = "loop.call_at")]
    pub fn call_at(&self, when: Instant, callback: impl FnOnce() + Send + 'static) -> TimerHandle {
        let (callback, cancelled) = Callback::new(crate::contextvars::carry(callback));
        let (key, first) = {
            let mut timers = self.timers().lock();
            let key = timers.insert(when, TimerAction::Call(callback));
            (key, timers.is_first(key))
        };
        if first && !self.is_current() {
            self.unpark();
        }
        TimerHandle {
            handle: Handle { cancelled },
            lp: self.clone(),
            key,
        }
    }

    /// The runtime's clock (asyncio's `loop.time()`): monotonic; real time,
    /// unless the clock is paused for a test ([`time::pause`](crate::time::pause)),
    /// when it moves only as the paused clock does.
    ///
    /// ```
    /// # hive::run(async {
    /// let lp = hive::get_running_loop().unwrap();
    /// assert!(lp.time() <= std::time::Instant::now());
    /// # }).unwrap();
    /// ```
    #[doc(alias = "loop.time")]
    pub fn time(&self) -> Instant {
        self.shared.clock.now()
    }

    /// Runs blocking `f` on the runtime's blocking pool (asyncio's
    /// `run_in_executor(None, f)`); same as [`to_thread`](crate::to_thread).
    ///
    /// ```
    /// # hive::run(async {
    /// let lp = hive::get_running_loop().unwrap();
    /// assert_eq!(lp.run_in_executor(|| 6 * 7).await.unwrap(), 42);
    /// # }).unwrap();
    /// ```
    #[doc(alias = "loop.run_in_executor")]
    pub fn run_in_executor<T, F>(&self, f: F) -> Blocking<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        self.shared.blocking.spawn(crate::contextvars::carry(f))
    }
}

#[cfg(not(loom))]
impl Loop {
    /// Runs `callback` on this loop each time `signal` arrives (asyncio's
    /// `loop.add_signal_handler`); replaces this loop's previous handler for
    /// that signal. A panicking callback is reported to the exception
    /// handler and the handler stays installed.
    ///
    /// # Errors
    /// As [`hive::signal::signal`](crate::signal::signal).
    ///
    /// ```
    /// # hive::run(async {
    /// let lp = hive::get_running_loop().unwrap();
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// lp.add_signal_handler(hive::signal::SignalKind::user_defined1(), move || {
    ///     let _ = tx.send(hive::current_loop_id());
    /// })
    /// .unwrap();
    /// // SAFETY: raising a signal this process handles.
    /// unsafe { libc::raise(libc::SIGUSR1) };
    /// while rx.try_recv().is_err() { hive::sleep(std::time::Duration::from_millis(1)).await; }
    /// assert!(lp.remove_signal_handler(hive::signal::SignalKind::user_defined1()));
    /// # }).unwrap();
    /// ```
    #[doc(alias = "loop.add_signal_handler")]
    pub fn add_signal_handler(
        &self,
        signal: crate::signal::SignalKind,
        callback: impl Fn() + Send + 'static,
    ) -> std::io::Result<()> {
        let mut deliveries = crate::signal::signal_in(&self.shared, signal)?;
        let shared = self.shared.clone();
        let index = self.index;
        let handler = async move {
            while deliveries.recv().await.is_some() {
                let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(&callback));
                if let Err(payload) = ran {
                    shared.report_callback_panic(index, crate::task::TaskError::Panicked(payload));
                }
            }
        };
        let name = format!("signal handler {signal}");
        let task = crate::scheduler::spawn::spawn_inner(
            &self.shared,
            handler,
            Some(name.into()),
            Some(self.index),
        );
        let replaced = self
            .shared
            .signals
            .handlers
            .lock()
            .insert((self.index, signal.as_raw()), task);
        if let Some(old) = replaced {
            old.cancel();
        }
        Ok(())
    }

    /// Removes this loop's handler for `signal` (asyncio's
    /// `loop.remove_signal_handler`); `false` if there was none.
    ///
    /// ```
    /// # hive::run(async {
    /// let lp = hive::get_running_loop().unwrap();
    /// assert!(!lp.remove_signal_handler(hive::signal::SignalKind::hangup()));
    /// # }).unwrap();
    /// ```
    #[doc(alias = "loop.remove_signal_handler")]
    pub fn remove_signal_handler(&self, signal: crate::signal::SignalKind) -> bool {
        let removed = self
            .shared
            .signals
            .handlers
            .lock()
            .remove(&(self.index, signal.as_raw()));
        match removed {
            Some(task) => {
                task.cancel();
                true
            }
            None => false,
        }
    }
}

impl fmt::Debug for Loop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Loop").field("id", &self.index).finish()
    }
}
