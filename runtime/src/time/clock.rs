//! A runtime's clock: the real monotonic clock, or a paused (virtual) one
//! for tests (tokio's `time::pause`, asyncio's test loops with a virtual
//! clock).
//!
//! While paused, time stands still except when `time::advance` moves it, or
//! when every loop of the runtime is idle with timers pending: then the
//! last loop to go idle moves the clock to the earliest timer (auto-advance,
//! `event_loop::park`), so `sleep(1 hour)` in a test returns at once and in
//! order. Work on the blocking pool counts as not idle. I/O does not: a
//! paused test that waits on a real socket may see its timeouts fire first.
//!
//! Every reading of "now" that decides timers goes through `time::current::now`: sleeps,
//! timeouts, `call_later`, `Loop::time`, and the loop firing its timers.
//! Code that reads `std::time::Instant::now()` directly sees real time.
//!
//! [`Clock`] is part of the runtime's state (`Shared::clock`); the
//! functions that find the current runtime's clock (`now`, `pause`,
//! `advance`, ...) are in `time::current`, above the scheduler.

use crate::loom::sync::atomic::{AtomicBool, Ordering::Acquire, Ordering::Release};
use crate::loom::sync::Mutex;
use std::fmt;
use std::time::{Duration, Instant};

/// One runtime's clock.
pub(crate) struct Clock {
    /// Set once the clock was ever paused; until then `now` is one load and
    /// `Instant::now()`. Release/Acquire: a reader that sees it set also
    /// sees the state it guards (written under the mutex before the store).
    virtual_time: AtomicBool,
    state: Mutex<State>,
}

struct State {
    /// The clock's reading when it was last paused or resumed, and the real
    /// instant of that moment: while running, now = `at + (real now − since)`.
    at: Instant,
    since: Instant,
    paused: bool,
}

impl Clock {
    pub(crate) fn new(start_paused: bool) -> Clock {
        let real = Instant::now();
        Clock {
            virtual_time: AtomicBool::new(start_paused),
            state: Mutex::new(State {
                at: real,
                since: real,
                paused: start_paused,
            }),
        }
    }

    /// The runtime's current time.
    pub(crate) fn now(&self) -> Instant {
        if !self.virtual_time.load(Acquire) {
            return Instant::now();
        }
        let state = self.state.lock();
        if state.paused {
            state.at
        } else {
            state.at + state.since.elapsed()
        }
    }

    /// Whether the clock stands still.
    pub(crate) fn is_paused(&self) -> bool {
        self.virtual_time.load(Acquire) && self.state.lock().paused
    }

    pub(crate) fn pause(&self) -> Result<(), TimeError> {
        let mut state = self.state.lock();
        if state.paused {
            return Err(TimeError::AlreadyPaused);
        }
        let ran = state.since.elapsed();
        state.at += ran;
        state.paused = true;
        self.virtual_time.store(true, Release);
        Ok(())
    }

    pub(crate) fn resume(&self) -> Result<(), TimeError> {
        let mut state = self.state.lock();
        if !state.paused {
            return Err(TimeError::NotPaused);
        }
        state.since = Instant::now();
        state.paused = false;
        Ok(())
    }

    pub(crate) fn advance(&self, by: Duration) -> Result<(), TimeError> {
        let mut state = self.state.lock();
        if !state.paused {
            return Err(TimeError::NotPaused);
        }
        state.at += by;
        Ok(())
    }

    /// Auto-advance: moves a paused clock forward to `to` (never back).
    pub(crate) fn advance_to(&self, to: Instant) {
        let mut state = self.state.lock();
        if state.paused && to > state.at {
            state.at = to;
        }
    }
}

/// Why [`pause`](super::pause), [`resume`](super::resume) or
/// [`advance`](super::advance) did nothing.
///
/// ```
/// let err = hive::time::resume().unwrap_err();
/// println!("{err}");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeError {
    /// Called off a loop thread: the clock belongs to a runtime.
    NoRuntime,
    /// `pause` on a paused clock.
    AlreadyPaused,
    /// `resume` or `advance` on a running clock.
    NotPaused,
}

impl fmt::Display for TimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeError::NoRuntime => {
                "the clock belongs to a hive runtime: call this from a task on one of its loops"
            }
            TimeError::AlreadyPaused => "the clock is already paused",
            TimeError::NotPaused => {
                "the clock is not paused: call hive::time::pause() first (or build the \
                 runtime with Builder::start_paused(true))"
            }
        })
    }
}

impl std::error::Error for TimeError {}
