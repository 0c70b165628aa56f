//! A loop's park state: how a sleeping loop is woken, and why a busy one never
//! gets a syscall.
//!
//! `unpark` always marks the loop `NOTIFIED`, but writes the driver's waker
//! (an eventfd under mio) only if the loop was actually `PARKED`. A loop about
//! to sleep moves `EMPTY -> PARKED` with a CAS, which fails if a notification
//! arrived first; then it returns at once instead of sleeping.

use crate::loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};

const EMPTY: usize = 0;
const PARKED: usize = 1;
const NOTIFIED: usize = 2;

/// Wakes a driver that is sleeping (or about to sleep) in `park`.
pub trait DriverWaker: Send + Sync {
    /// Makes the driver's current or next sleep return.
    fn wake(&self);
}

/// The shared half of a loop's park state.
pub struct Parker<W> {
    state: AtomicUsize,
    waker: W,
}

impl<W: DriverWaker> Parker<W> {
    pub fn new(waker: W) -> Self {
        Parker {
            state: AtomicUsize::new(EMPTY),
            waker,
        }
    }

    /// Wakes the loop; returns `true` if that took a driver wake (a syscall).
    pub fn unpark(&self) -> bool {
        if self.state.swap(NOTIFIED, SeqCst) == PARKED {
            self.waker.wake();
            true
        } else {
            false
        }
    }

    /// Sleeps in `sleep` unless a notification is pending. Returns `true` if
    /// it actually slept. Called only by the loop that owns this parker.
    pub fn park(&self, sleep: impl FnOnce()) -> bool {
        if self
            .state
            .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
            .is_ok()
        {
            return false;
        }
        if self
            .state
            .compare_exchange(EMPTY, PARKED, SeqCst, SeqCst)
            .is_err()
        {
            // A notification landed between the two CASes.
            self.state.swap(EMPTY, SeqCst);
            return false;
        }
        sleep();
        self.state.swap(EMPTY, SeqCst);
        true
    }

    /// Makes the driver's current or next sleep return, whatever the state:
    /// for a sibling that took the driver's wake-up event while rescuing the
    /// loop's I/O and must hand it back. At worst the loop wakes once for
    /// nothing.
    pub fn redeliver_wake(&self) {
        self.waker.wake();
    }

    /// Consumes a pending notification without sleeping (the loop is awake anyway).
    pub fn clear_notification(&self) {
        let _ = self.state.compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst);
    }
}
