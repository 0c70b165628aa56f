//! A loop's timers, ordered by deadline.
//!
//! A `BTreeMap` keyed by `(deadline, sequence)`: the sequence keeps equal
//! deadlines in insertion order (asyncio fires them FIFO), removal on cancel
//! is `O(log n)` and frees the entry at once, and the map's nodes hold many
//! entries each, so inserting is not an allocation per timer.
//!
//! The store sits behind a mutex because a stealable task may drop or reset
//! its `Sleep` on another loop than the one it registered with; the owning
//! loop is the only one that fires it.
//!
//! [`Timers`] is that mutex plus the earliest deadline, republished by
//! every unlock, so the loop's tick learns "nothing due" with one load: no
//! lock and no clock read per tick while no timer is due. Both had cost
//! a pinned task that spawns the next one (a tick per task) more than its
//! own poll (perf, `icount run hive pinned_chain`).

use crate::loom::sync::atomic::{AtomicU64, Ordering::Acquire, Ordering::Release};
use crate::loom::sync::{Mutex, MutexGuard};
use crate::scheduler::pinned::Callback;
use std::collections::BTreeMap;
use std::ops::{Deref, DerefMut};
use std::task::Waker;
use std::time::Instant;

/// Identifies one registered timer in its loop's store.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub(crate) struct TimerKey {
    pub(crate) deadline: Instant,
    seq: u64,
}

/// What happens when a timer fires.
pub(crate) enum TimerAction {
    /// Wake a sleeping future (`None` until it is first polled).
    Wake(Option<Waker>),
    /// Queue a `call_later` callback on the loop.
    Call(Callback),
}

#[derive(Default)]
pub(crate) struct TimerStore {
    timers: BTreeMap<TimerKey, TimerAction>,
    next_seq: u64,
}

impl TimerStore {
    pub(crate) fn insert(&mut self, deadline: Instant, action: TimerAction) -> TimerKey {
        let key = TimerKey {
            deadline,
            seq: self.next_seq,
        };
        self.next_seq += 1;
        self.timers.insert(key, action);
        key
    }

    pub(crate) fn remove(&mut self, key: TimerKey) -> Option<TimerAction> {
        self.timers.remove(&key)
    }

    pub(crate) fn get_mut(&mut self, key: TimerKey) -> Option<&mut TimerAction> {
        self.timers.get_mut(&key)
    }

    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.timers.first_key_value().map(|(key, _)| key.deadline)
    }

    /// Whether `key` is now the earliest timer (the loop may need waking).
    pub(crate) fn is_first(&self, key: TimerKey) -> bool {
        self.timers
            .first_key_value()
            .is_some_and(|(first, _)| *first == key)
    }

    pub(crate) fn len(&self) -> usize {
        self.timers.len()
    }

    /// Moves every timer due at `now` into `fired`, earliest first.
    pub(crate) fn take_expired(&mut self, now: Instant, fired: &mut Vec<TimerAction>) {
        while let Some(entry) = self.timers.first_entry() {
            if entry.key().deadline > now {
                break;
            }
            fired.push(entry.remove());
        }
    }
}

/// `Timers::next` when the store is empty.
const NONE: u64 = u64::MAX;

/// A loop's timer store behind its lock, with its earliest deadline
/// readable without the lock.
pub(crate) struct Timers {
    store: Mutex<TimerStore>,
    /// The earliest deadline, in nanoseconds after `epoch` (`NONE`: no
    /// timer), as of the last unlock.
    next: AtomicU64,
    epoch: Instant,
}

impl Timers {
    /// An empty store; deadlines are published relative to `epoch` (any
    /// instant not after the runtime's first deadline; earlier ones count
    /// as due at once).
    pub(crate) fn new(epoch: Instant) -> Timers {
        Timers {
            store: Mutex::new(TimerStore::default()),
            next: AtomicU64::new(NONE),
            epoch,
        }
    }

    pub(crate) fn lock(&self) -> TimersGuard<'_> {
        TimersGuard {
            store: self.store.lock(),
            timers: self,
        }
    }

    /// The earliest deadline, as of the last unlock, without the lock.
    ///
    /// A timer inserted by another thread may not be seen yet: that thread
    /// unparks the owner when its timer became the earliest (`Sleep`'s
    /// registration, `call_at`), so the owner's next park returns at once
    /// and the tick after sees it; a timer that is not the earliest is
    /// behind one that is seen.
    pub(crate) fn next_deadline_hint(&self) -> Option<Instant> {
        // Acquire: pairs with the unlock's Release store, so a deadline
        // seen here belongs to a store state at least that new.
        match self.next.load(Acquire) {
            NONE => None,
            nanos => Some(self.epoch + std::time::Duration::from_nanos(nanos)),
        }
    }
}

/// The locked store; republishes the earliest deadline when unlocked.
pub(crate) struct TimersGuard<'a> {
    store: MutexGuard<'a, TimerStore>,
    timers: &'a Timers,
}

impl Deref for TimersGuard<'_> {
    type Target = TimerStore;
    fn deref(&self) -> &TimerStore {
        &self.store
    }
}

impl DerefMut for TimersGuard<'_> {
    fn deref_mut(&mut self) -> &mut TimerStore {
        &mut self.store
    }
}

impl Drop for TimersGuard<'_> {
    fn drop(&mut self) {
        // Still under the lock, so publications happen in lock order and
        // the last one is the store's state. A deadline before the epoch
        // is published as 0 (due); one past u64 nanoseconds as the
        // largest that fits.
        let next = self.store.next_deadline().map_or(NONE, |deadline| {
            let nanos = deadline
                .saturating_duration_since(self.timers.epoch)
                .as_nanos();
            u64::try_from(nanos).unwrap_or(NONE - 1).min(NONE - 1)
        });
        self.timers.next.store(next, Release);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn equal_deadlines_fire_in_insertion_order_and_cancel_frees_at_once() {
        let mut store = TimerStore::default();
        let now = Instant::now();
        let a = store.insert(now, TimerAction::Wake(None));
        let b = store.insert(now, TimerAction::Wake(None));
        let later = store.insert(now + Duration::from_secs(5), TimerAction::Wake(None));
        assert!(store.is_first(a));
        assert!(store.remove(b).is_some());
        assert_eq!(store.timers.len(), 2);
        let mut fired = Vec::new();
        store.take_expired(now, &mut fired);
        assert_eq!(fired.len(), 1);
        assert_eq!(store.next_deadline(), Some(later.deadline));
    }

    #[test]
    fn every_unlock_publishes_the_earliest_deadline() {
        let epoch = Instant::now();
        let timers = Timers::new(epoch);
        assert_eq!(timers.next_deadline_hint(), None);
        let at = epoch + Duration::from_millis(7);
        let key = timers.lock().insert(at, TimerAction::Wake(None));
        assert_eq!(timers.next_deadline_hint(), Some(at));
        let earlier = timers
            .lock()
            .insert(epoch + Duration::from_millis(3), TimerAction::Wake(None));
        assert_eq!(timers.next_deadline_hint(), Some(earlier.deadline));
        timers.lock().remove(earlier);
        timers.lock().remove(key);
        assert_eq!(timers.next_deadline_hint(), None);
    }
}
