//! The current runtime's clock: the time every timer reads ([`now`]), and
//! the test controls of a paused clock ([`pause`], [`resume`],
//! [`advance`]); see `time::clock` for how a paused clock moves.

use super::clock::{Clock, TimeError};
use crate::context;
use std::time::{Duration, Instant};

/// The current runtime's time; the real clock outside a runtime.
pub(crate) fn now() -> Instant {
    if let Some(now) = context::with_worker(|core| core.map(|c| c.shared.clock.now())) {
        return now;
    }
    match context::current_shared() {
        Some(shared) => shared.clock.now(),
        None => Instant::now(),
    }
}

fn with_clock<R>(f: impl FnOnce(&Clock) -> R) -> Result<R, TimeError> {
    if let Some(out) = context::with_worker(|core| core.map(|c| f(&c.shared.clock))) {
        return Ok(out);
    }
    Err(TimeError::NoRuntime)
}

/// Stops the current runtime's clock (tokio's `time::pause`): sleeps and
/// timeouts then only end when [`advance`] moves the clock, or when every
/// loop is idle (the clock jumps to the earliest timer).
///
/// # Errors
/// [`TimeError::NoRuntime`] off a loop thread, [`TimeError::AlreadyPaused`].
///
/// ```
/// # hive::run(async {
/// use std::time::Duration;
/// hive::time::pause().unwrap();
/// let start = hive::get_running_loop().unwrap().time();
/// hive::sleep(Duration::from_secs(3600)).await; // returns at once
/// let took = hive::get_running_loop().unwrap().time() - start;
/// assert!(took >= Duration::from_secs(3600));
/// # }).unwrap();
/// ```
pub fn pause() -> Result<(), TimeError> {
    with_clock(Clock::pause)?
}

/// Lets the current runtime's clock run again, from where it stood.
///
/// # Errors
/// [`TimeError::NoRuntime`] off a loop thread, [`TimeError::NotPaused`].
///
/// ```
/// # hive::run(async {
/// hive::time::pause().unwrap();
/// hive::time::resume().unwrap();
/// # }).unwrap();
/// ```
pub fn resume() -> Result<(), TimeError> {
    with_clock(Clock::resume)?
}

/// Moves the paused clock forward by `by`, then yields so the timers that
/// came due run (tokio's `time::advance`).
///
/// # Errors
/// [`TimeError::NoRuntime`] off a loop thread, [`TimeError::NotPaused`].
///
/// ```
/// # hive::run(async {
/// use std::time::Duration;
/// hive::time::pause().unwrap();
/// let timer = hive::spawn(hive::sleep(Duration::from_secs(10)));
/// hive::time::advance(Duration::from_secs(10)).await.unwrap();
/// timer.await.unwrap();
/// # }).unwrap();
/// ```
pub async fn advance(by: Duration) -> Result<(), TimeError> {
    context::with_worker(|core| match core {
        Some(core) => {
            core.shared.clock.advance(by)?;
            // Loops asleep without a timeout (the clock is paused) must
            // look at their timers now.
            core.shared.wake_loops_with_due_timers(Some(core.index));
            Ok(())
        }
        None => Err(TimeError::NoRuntime),
    })?;
    crate::yield_now().await;
    Ok(())
}

/// Whether the current runtime's clock is paused; `false` off a loop.
///
/// ```
/// # hive::run(async {
/// assert!(!hive::time::is_paused());
/// # }).unwrap();
/// ```
pub fn is_paused() -> bool {
    with_clock(Clock::is_paused).unwrap_or(false)
}
