//! A loop's park state: how a sleeping loop is woken, and why a busy one never
//! gets a syscall.
//!
//! A loop sleeps in one of two places: in its reactor (`park`), woken by the
//! driver's waker (an eventfd under mio), or on its bell (`park_on_bell`), a
//! wait that I/O never interrupts, woken by ringing it. `unpark` always marks
//! the loop `NOTIFIED`, but wakes it (a syscall) only if it was actually
//! parked, and then in the place it sleeps. A loop about to sleep moves
//! `EMPTY -> PARKED_*` with a CAS, which fails if a notification arrived
//! first; then it returns at once instead of sleeping.

use crate::loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};

const EMPTY: usize = 0;
const PARKED: usize = 1;
const NOTIFIED: usize = 2;
const PARKED_ON_BELL: usize = 3;

/// Wakes a driver that is sleeping (or about to sleep) in `park`.
pub trait DriverWaker: Send + Sync {
    /// Makes the driver's current or next sleep return.
    fn wake(&self);

    /// Makes the current or next sleep on the loop's bell return. Drivers
    /// that have no bell sleep in the reactor there too, so by default this
    /// is [`wake`](DriverWaker::wake).
    fn ring_bell(&self) {
        self.wake();
    }
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

    /// The driver's waker.
    pub fn waker(&self) -> &W {
        &self.waker
    }

    /// Wakes the loop; returns `true` if that took a driver wake (a syscall).
    pub fn unpark(&self) -> bool {
        // A swap, not a CAS: whatever the state, the loop must see NOTIFIED
        // before its next sleep, and the old value says whether (and where)
        // it sleeps now and needs the syscall. Both sides read-modify-write
        // this one word, so they are totally ordered: either this swap
        // follows the loop's EMPTY -> PARKED CAS and sees PARKED (and wakes
        // it), or precedes it and the CAS fails on NOTIFIED. SeqCst on top
        // keeps this word in one order with the idle counters (`idle.rs`).
        match self.state.swap(NOTIFIED, SeqCst) {
            PARKED => self.waker.wake(),
            PARKED_ON_BELL => self.waker.ring_bell(),
            _ => return false,
        }
        true
    }

    /// Sleeps in the reactor (`sleep`) unless a notification is pending.
    /// Returns `true` if it actually slept. Called only by the loop that
    /// owns this parker.
    pub fn park(&self, sleep: impl FnOnce()) -> bool {
        self.park_as(PARKED, sleep)
    }

    /// Sleeps on the bell (`sleep`) unless a notification is pending: the
    /// same handshake, but `unpark` rings the bell instead of waking the
    /// reactor.
    pub fn park_on_bell(&self, sleep: impl FnOnce()) -> bool {
        self.park_as(PARKED_ON_BELL, sleep)
    }

    fn park_as(&self, parked: usize, sleep: impl FnOnce()) -> bool {
        // A notification left since the loop last parked: consume it and
        // return, the caller re-checks its queues on the way round.
        if self
            .state
            .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
            .is_ok()
        {
            return false;
        }
        if self
            .state
            .compare_exchange(EMPTY, parked, SeqCst, SeqCst)
            .is_err()
        {
            // A notification landed between the two CASes.
            self.state.swap(EMPTY, SeqCst);
            return false;
        }
        sleep();
        // Back to EMPTY whether a wake or a timeout ended the sleep: a
        // NOTIFIED that raced with the timeout is consumed here, harmlessly,
        // since the loop now runs a whole tick before it may park again.
        self.state.swap(EMPTY, SeqCst);
        true
    }

    /// For a sibling that took the driver's wake-up event while harvesting
    /// the loop's I/O: hands it back if the loop may be waiting for it in its
    /// reactor (at worst it wakes once for nothing). A loop asleep on its
    /// bell or awake does not need it: its `unpark` rang the bell or only
    /// set `NOTIFIED`.
    pub fn redeliver_wake(&self) {
        if matches!(self.state.load(SeqCst), PARKED | NOTIFIED) {
            self.waker.wake();
        }
    }

    /// Consumes a pending notification without sleeping (the loop is awake anyway).
    pub fn clear_notification(&self) {
        let _ = self.state.compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst);
    }
}
