//! The handles that cancel `call_soon` / `call_later` callbacks (the
//! callbacks themselves are `scheduler::pinned::Callback`).

use crate::event_loop::Loop;
use crate::loom::sync::atomic::Ordering;
use crate::scheduler::pinned::CancelFlag;
use crate::time::store::TimerKey;
use std::fmt;
use std::sync::Arc;
use std::time::Instant;

/// Cancels a callback scheduled with [`Loop::call_soon`] (asyncio's `Handle`).
///
/// ```
/// # hive::run(async {
/// let lp = hive::get_running_loop().unwrap();
/// let handle = lp.call_soon(|| unreachable!("cancelled before it ran"));
/// handle.cancel();
/// assert!(handle.is_cancelled());
/// hive::yield_now().await;
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.Handle")]
#[derive(Clone)]
pub struct Handle {
    /// Shared with the queued callback (one allocation: `scheduler::pinned`).
    pub(crate) cancelled: Arc<dyn CancelFlag>,
}

impl Handle {
    /// Stops the callback from running, if it has not run yet.
    ///
    /// ```
    /// # hive::run(async {
    /// hive::get_running_loop().unwrap().call_soon(|| ()).cancel();
    /// # }).unwrap();
    /// ```
    pub fn cancel(&self) {
        self.cancelled.flag().store(true, Ordering::Release);
    }

    /// Whether [`cancel`](Handle::cancel) was called.
    ///
    /// ```
    /// # hive::run(async {
    /// let h = hive::get_running_loop().unwrap().call_soon(|| ());
    /// assert!(!h.is_cancelled());
    /// # }).unwrap();
    /// ```
    #[doc(alias = "cancelled")]
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.flag().load(Ordering::Acquire)
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}

/// Cancels a callback scheduled with [`Loop::call_later`] or [`Loop::call_at`]
/// (asyncio's `TimerHandle`). Cancelling frees the timer at once.
///
/// ```
/// # hive::run(async {
/// let lp = hive::get_running_loop().unwrap();
/// let timer = lp.call_later(std::time::Duration::from_secs(60), || ());
/// assert!(timer.when() > lp.time());
/// timer.cancel();
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.TimerHandle")]
pub struct TimerHandle {
    pub(crate) handle: Handle,
    pub(crate) lp: Loop,
    pub(crate) key: TimerKey,
}

impl TimerHandle {
    /// Cancels the callback and removes its timer from the loop.
    ///
    /// ```
    /// # hive::run(async {
    /// let lp = hive::get_running_loop().unwrap();
    /// lp.call_later(std::time::Duration::from_secs(1), || ()).cancel();
    /// # }).unwrap();
    /// ```
    pub fn cancel(&self) {
        self.handle.cancel();
        let removed = self.lp.timers().lock().remove(self.key);
        drop(removed);
    }

    /// When the callback is due (asyncio's `TimerHandle.when()`).
    ///
    /// ```
    /// # hive::run(async {
    /// let lp = hive::get_running_loop().unwrap();
    /// let at = lp.time() + std::time::Duration::from_secs(1);
    /// assert_eq!(lp.call_at(at, || ()).when(), at);
    /// # }).unwrap();
    /// ```
    pub fn when(&self) -> Instant {
        self.key.deadline
    }

    /// Whether [`cancel`](TimerHandle::cancel) was called.
    ///
    /// ```
    /// # hive::run(async {
    /// let lp = hive::get_running_loop().unwrap();
    /// assert!(!lp.call_later(std::time::Duration::ZERO, || ()).is_cancelled());
    /// # }).unwrap();
    /// ```
    #[doc(alias = "cancelled")]
    pub fn is_cancelled(&self) -> bool {
        self.handle.is_cancelled()
    }
}

impl fmt::Debug for TimerHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimerHandle")
            .field("when", &self.key.deadline)
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}
