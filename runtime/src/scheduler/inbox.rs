//! A loop's inbox: pinned work queued by other threads, which only the
//! owner drains.
//!
//! The owner asks "anything for me?" at least once per tick (`has_own_work`,
//! then the drain), and a pinned-heavy loop ticks once per task or so: with
//! the mutex alone that was two lock/unlock pairs per tick, four atomic
//! read-modify-writes on the path of every pinned task (a spawned-and-run
//! pinned chain link spent more time there than in its own poll). A flag
//! beside the queue answers the question with one load; the lock is taken
//! only when something was pushed.
//!
//! The flag is written only under the lock, so at every unlock it says
//! whether the queue holds anything. Read without the lock it may be late:
//! a push whose flag the owner has not seen yet is still found, because a
//! pusher always unparks the owner after pushing (`Shared::push_pinned`),
//! and an unpark that finds the owner awake leaves it `NOTIFIED`, so its
//! next park returns at once and the next tick looks again (the loom
//! model `loom-tests/tests/runtime_inbox.rs` checks exactly this).

use crate::loom::sync::atomic::{AtomicBool, Ordering::Acquire, Ordering::Release};
use crate::loom::sync::Mutex;
use std::collections::VecDeque;

/// Items other threads hand to one loop.
pub struct Inbox<T> {
    items: Mutex<VecDeque<T>>,
    /// Whether `items` holds anything, as of the last unlock.
    pending: AtomicBool,
}

impl<T> Default for Inbox<T> {
    fn default() -> Self {
        Inbox {
            items: Mutex::new(VecDeque::new()),
            pending: AtomicBool::new(false),
        }
    }
}

impl<T> Inbox<T> {
    /// Queues `item`. The caller then unparks the owner.
    pub fn push(&self, item: T) {
        let mut items = self.items.lock();
        items.push_back(item);
        // Release: an owner that reads `true` (Acquire) and locks finds
        // the item; under the lock anyway, so the queue and the flag
        // change together.
        self.pending.store(true, Release);
    }

    /// Whether something may be waiting (one load; see the module docs
    /// for why a stale `false` is harmless).
    pub fn is_pending(&self) -> bool {
        self.pending.load(Acquire)
    }

    /// Moves everything queued to the back of `dest`, in order; locks only
    /// when the flag says there is something.
    pub fn drain_into(&self, dest: &mut VecDeque<T>) {
        if !self.is_pending() {
            return;
        }
        let mut items = self.items.lock();
        // Cleared under the lock: a push after this sets it again.
        self.pending.store(false, Release);
        dest.append(&mut items);
    }

    /// Drops everything queued (the loop is exiting).
    pub fn clear(&self) {
        let mut items = self.items.lock();
        self.pending.store(false, Release);
        items.clear();
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn the_flag_follows_the_queue() {
        let inbox = Inbox::default();
        let mut out = VecDeque::new();
        assert!(!inbox.is_pending());
        inbox.push(1);
        inbox.push(2);
        assert!(inbox.is_pending());
        inbox.drain_into(&mut out);
        assert_eq!(out, [1, 2]);
        assert!(!inbox.is_pending());
        inbox.push(3);
        inbox.clear();
        assert!(!inbox.is_pending());
        inbox.drain_into(&mut out);
        assert_eq!(out, [1, 2]);
    }
}
