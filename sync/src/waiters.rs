//! The one FIFO waiter list every primitive in this crate is built on.
//!
//! A waiter is a future that found it could not proceed. It registers in the
//! list (under the primitive's short mutex, never held across an `.await`),
//! gets a [`WaiterKey`], and returns `Pending`. A releaser *notifies* waiters
//! from the front: the entry is unlinked from the queue and marked notified,
//! and its waker is collected into a [`WakeList`] to be woken after the mutex
//! is released. What a notification means (a lock handed over, permits, a
//! reserved queue slot, "the event was set") is up to the primitive, which can
//! attach data `D` to each entry.
//!
//! The entry stays allocated until its owner either polls it ([`WaiterList::poll`]
//! returns the data) or is dropped ([`WaiterList::cancel`] returns the data if
//! the entry had been notified, so the primitive can pass the wake-up on).
//! Only the owner frees its entry, so a key can never be reused while its
//! owner still holds it.
//!
//! Storage is a slab (`Vec` of slots with a free list, linked by index), so no
//! `unsafe` and no pinning: waiter futures are `Unpin`. The slab only grows
//! when more waiters are parked at once than ever before, so steady-state
//! contention allocates nothing, and the uncontended paths never touch it.

use core::mem;
use core::task::{Poll, Waker};

/// "No slot": end of the queue or of the free list.
const NIL: usize = usize::MAX;

/// Names one registered waiter until it is polled to completion or cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WaiterKey(usize);

#[derive(Debug)]
enum Slot<D> {
    Free {
        next_free: usize,
    },
    Waiting {
        waker: Option<Waker>,
        data: D,
        prev: usize,
        next: usize,
    },
    Notified {
        data: D,
    },
}

/// A FIFO queue of parked waiters, each carrying data `D`.
#[derive(Debug)]
pub(crate) struct WaiterList<D> {
    slots: Vec<Slot<D>>,
    head: usize,
    tail: usize,
    free: usize,
    /// Entries linked in the queue (not yet notified).
    waiting: usize,
    /// Entries allocated: waiting plus notified-but-not-yet-collected.
    occupied: usize,
}

impl<D> Default for WaiterList<D> {
    fn default() -> Self {
        Self::new()
    }
}

impl<D> WaiterList<D> {
    /// An empty list; allocates nothing.
    pub(crate) const fn new() -> Self {
        Self {
            slots: Vec::new(),
            head: NIL,
            tail: NIL,
            free: NIL,
            waiting: 0,
            occupied: 0,
        }
    }

    /// Whether no waiter is queued (notified entries do not count).
    pub(crate) fn is_empty(&self) -> bool {
        self.waiting == 0
    }

    /// Number of queued (not yet notified) waiters.
    pub(crate) fn len(&self) -> usize {
        self.waiting
    }

    /// Queues a new waiter at the back.
    pub(crate) fn push(&mut self, data: D, waker: Option<Waker>) -> WaiterKey {
        let slot = Slot::Waiting {
            waker,
            data,
            prev: self.tail,
            next: NIL,
        };
        let index = if self.free == NIL {
            self.slots.push(slot);
            self.slots.len() - 1
        } else {
            let index = self.free;
            self.free = match self.slots[index] {
                Slot::Free { next_free } => next_free,
                _ => unreachable!("free list points at an occupied slot"),
            };
            self.slots[index] = slot;
            index
        };
        match self.tail {
            NIL => self.head = index,
            tail => self.set_next(tail, index),
        }
        self.tail = index;
        self.waiting += 1;
        self.occupied += 1;
        WaiterKey(index)
    }

    /// The data of the first queued waiter.
    pub(crate) fn front(&self) -> Option<&D> {
        match self.slots.get(self.head)? {
            Slot::Waiting { data, .. } => Some(data),
            _ => unreachable!("queue head is not a waiting slot"),
        }
    }

    /// Notifies the first queued waiter: unlinks it, marks it notified and
    /// adds its waker to `wakes`. Returns its data so the caller can record
    /// what the notification carries.
    pub(crate) fn notify_front(&mut self, wakes: &mut WakeList) -> Option<&mut D> {
        if self.head == NIL {
            return None;
        }
        let index = self.head;
        let (waker, data) = self.unlink(index);
        if let Some(waker) = waker {
            wakes.push(waker);
        }
        self.slots[index] = Slot::Notified { data };
        match &mut self.slots[index] {
            Slot::Notified { data } => Some(data),
            _ => unreachable!(),
        }
    }

    /// Notifies every queued waiter, front to back; returns how many.
    pub(crate) fn notify_all(&mut self, wakes: &mut WakeList) -> usize {
        let mut count = 0;
        while self.notify_front(wakes).is_some() {
            count += 1;
        }
        count
    }

    /// Polls the waiter `key`: if it was notified, frees its entry and
    /// returns its data (the key is then dead); otherwise stores `waker`
    /// (unless an equivalent one is already stored) and returns `Pending`.
    pub(crate) fn poll(&mut self, key: WaiterKey, waker: &Waker) -> Poll<D> {
        match &mut self.slots[key.0] {
            Slot::Waiting { waker: stored, .. } => {
                match stored {
                    Some(stored) if stored.will_wake(waker) => {}
                    _ => *stored = Some(waker.clone()),
                }
                Poll::Pending
            }
            Slot::Notified { .. } => match self.release(key.0) {
                Slot::Notified { data } => Poll::Ready(data),
                _ => unreachable!(),
            },
            Slot::Free { .. } => unreachable!("waiter polled after completion"),
        }
    }

    /// Removes the waiter `key` for good (its future is being dropped).
    /// Returns its data if it had been notified, so the caller can pass the
    /// notification on; `None` if it was still queued.
    pub(crate) fn cancel(&mut self, key: WaiterKey) -> Option<D> {
        match self.slots[key.0] {
            Slot::Waiting { .. } => {
                drop(self.unlink(key.0));
                self.release(key.0);
                None
            }
            Slot::Notified { .. } => match self.release(key.0) {
                Slot::Notified { data } => Some(data),
                _ => unreachable!(),
            },
            Slot::Free { .. } => unreachable!("waiter cancelled after completion"),
        }
    }

    fn set_next(&mut self, index: usize, to: usize) {
        match &mut self.slots[index] {
            Slot::Waiting { next, .. } => *next = to,
            _ => unreachable!("queue link points at a slot that is not waiting"),
        }
    }

    fn set_prev(&mut self, index: usize, to: usize) {
        match &mut self.slots[index] {
            Slot::Waiting { prev, .. } => *prev = to,
            _ => unreachable!("queue link points at a slot that is not waiting"),
        }
    }

    /// Takes a waiting slot out of the queue; leaves it `Free` with a
    /// dangling free-list link, so the caller must overwrite or release it.
    fn unlink(&mut self, index: usize) -> (Option<Waker>, D) {
        let slot = mem::replace(&mut self.slots[index], Slot::Free { next_free: NIL });
        let Slot::Waiting {
            waker,
            data,
            prev,
            next,
        } = slot
        else {
            unreachable!("unlinking a slot that is not waiting");
        };
        match prev {
            NIL => self.head = next,
            prev => self.set_next(prev, next),
        }
        match next {
            NIL => self.tail = prev,
            next => self.set_prev(next, prev),
        }
        self.waiting -= 1;
        (waker, data)
    }

    /// Returns a slot to the free list and hands back what it held.
    fn release(&mut self, index: usize) -> Slot<D> {
        let slot = mem::replace(
            &mut self.slots[index],
            Slot::Free {
                next_free: self.free,
            },
        );
        self.free = index;
        self.occupied -= 1;
        if self.occupied == 0 {
            // Everything is free: forget the free list (keeping capacity) so
            // the next burst of waiters fills the slab from the start.
            self.slots.clear();
            self.free = NIL;
        }
        slot
    }
}

/// Wakers collected under a primitive's mutex, woken once it is released
/// (waking under the mutex would make the woken thread contend for it).
#[derive(Debug, Default)]
pub(crate) struct WakeList {
    inline: [Option<Waker>; 4],
    len: usize,
    spill: Vec<Waker>,
}

impl WakeList {
    /// An empty list; allocates nothing.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    fn push(&mut self, waker: Waker) {
        if let Some(slot) = self.inline.get_mut(self.len) {
            *slot = Some(waker);
            self.len += 1;
        } else {
            self.spill.push(waker);
        }
    }

    /// Wakes every collected waker, in the order they were notified.
    pub(crate) fn wake_all(self) {
        let Self { inline, spill, .. } = self;
        for waker in inline.into_iter().flatten() {
            waker.wake();
        }
        for waker in spill {
            waker.wake();
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::test_util::counting_waker;

    #[test]
    fn fifo_order_and_data() {
        let mut list = WaiterList::new();
        let (_, waker) = counting_waker();
        let a = list.push(1, Some(waker.clone()));
        let b = list.push(2, Some(waker.clone()));
        let c = list.push(3, Some(waker.clone()));
        assert_eq!(list.len(), 3);
        assert_eq!(list.front(), Some(&1));
        let mut wakes = WakeList::new();
        assert_eq!(list.notify_front(&mut wakes).copied(), Some(1));
        assert_eq!(list.front(), Some(&2));
        assert_eq!(list.poll(b, &waker), Poll::Pending);
        assert_eq!(list.poll(a, &waker), Poll::Ready(1));
        assert_eq!(list.cancel(b), None);
        assert_eq!(list.front(), Some(&3));
        assert_eq!(list.notify_all(&mut wakes), 1);
        assert!(list.is_empty());
        assert_eq!(list.cancel(c), Some(3));
        assert_eq!(list.occupied, 0);
        assert!(list.slots.is_empty());
    }

    #[test]
    fn wakers_are_woken_once_per_notification_after_the_lock() {
        let mut list = WaiterList::new();
        let (counter, waker) = counting_waker();
        let keys: Vec<_> = (0..10).map(|i| list.push(i, Some(waker.clone()))).collect();
        let mut wakes = WakeList::new();
        assert_eq!(list.notify_all(&mut wakes), 10);
        assert_eq!(counter.count(), 0);
        wakes.wake_all();
        assert_eq!(counter.count(), 10);
        for (i, key) in keys.into_iter().enumerate() {
            assert_eq!(list.poll(key, &waker), Poll::Ready(i));
        }
    }

    #[test]
    fn slots_are_reused_and_middle_removal_keeps_links() {
        let mut list = WaiterList::new();
        let a = list.push('a', None);
        let b = list.push('b', None);
        let c = list.push('c', None);
        assert_eq!(list.cancel(b), None);
        let d = list.push('d', None);
        assert_eq!(d, b, "freed slot reused");
        let mut wakes = WakeList::new();
        let order: Vec<char> =
            std::iter::from_fn(|| list.notify_front(&mut wakes).copied()).collect();
        assert_eq!(order, ['a', 'c', 'd']);
        for key in [a, c, d] {
            assert!(list.cancel(key).is_some());
        }
    }

    #[test]
    fn poll_replaces_a_different_waker() {
        let mut list = WaiterList::new();
        let (first, waker1) = counting_waker();
        let (second, waker2) = counting_waker();
        let key = list.push((), Some(waker1.clone()));
        assert_eq!(list.poll(key, &waker1), Poll::Pending);
        assert_eq!(list.poll(key, &waker2), Poll::Pending);
        let mut wakes = WakeList::new();
        list.notify_front(&mut wakes);
        wakes.wake_all();
        assert_eq!(first.count(), 0);
        assert_eq!(second.count(), 1);
        assert_eq!(list.poll(key, &waker2), Poll::Ready(()));
    }
}
