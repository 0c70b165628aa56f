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

use crate::scheduler::pinned::Callback;
use std::collections::BTreeMap;
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
}
