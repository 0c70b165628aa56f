//! The orphan queue: children whose `Process` was dropped before they
//! were reaped, and the hand-off that guarantees one reaper works on them.
//!
//! Any thread may [`push`](OrphanQueue::push) an orphan (a `Process` is
//! dropped wherever its task ends). At most one reaper drains the queue;
//! whoever pushes into a queue with no reaper becomes responsible for
//! starting one. The reaper gives the role up only when a pass leaves the
//! queue empty, and it checks "empty" and clears the flag under the same
//! lock a push takes, so an orphan can never land in a queue whose reaper
//! has already decided to stop (the lost-wakeup this module exists to
//! avoid; `loom-tests/tests/process_orphans.rs` checks it).
//!
//! This file depends on nothing but `crate::loom::sync::Mutex`, so the
//! model compiles it on its own (`#[path]`) under loom, without building
//! the rest of hive-process (pidfds, signals, pipes) under loom.

use crate::loom::sync::Mutex;

/// A child that can be reaped without blocking.
pub trait Reap {
    /// Tries `waitpid(WNOHANG)`; true once the child is reaped (or is
    /// gone for good, e.g. someone else reaped it): drop it from the queue.
    fn try_reap(&mut self) -> bool;
}

struct State<C> {
    orphans: Vec<C>,
    /// A reaper owns the queue until a pass leaves it empty.
    reaper: bool,
}

/// Orphans waiting to be reaped, and whether a reaper is on them.
pub struct OrphanQueue<C> {
    state: Mutex<State<C>>,
}

impl<C: Reap> OrphanQueue<C> {
    pub fn new() -> Self {
        OrphanQueue {
            state: Mutex::new(State {
                orphans: Vec::new(),
                reaper: false,
            }),
        }
    }

    /// Queues `orphan`. True if no reaper was running: the caller now owns
    /// the reaper role and must run [`reap`](OrphanQueue::reap) until it
    /// returns false (or hand the role back with
    /// [`reaper_failed`](OrphanQueue::reaper_failed)).
    pub fn push(&self, orphan: C) -> bool {
        let mut st = self.state.lock();
        st.orphans.push(orphan);
        !std::mem::replace(&mut st.reaper, true)
    }

    /// One reaper pass: reaps every orphan that has exited. Returns true
    /// while some remain (call again later); false when the queue is empty,
    /// and then the caller is no longer the reaper.
    pub fn reap(&self) -> bool {
        let mut st = self.state.lock();
        st.orphans.retain_mut(|c| !c.try_reap());
        if st.orphans.is_empty() {
            st.reaper = false;
            false
        } else {
            true
        }
    }

    /// The reaper could not be started: the next push tries again.
    pub fn reaper_failed(&self) {
        self.state.lock().reaper = false;
    }

    /// Runs `f` on every queued orphan (the reaper collects what to wait on).
    pub fn for_each(&self, mut f: impl FnMut(&C)) {
        for c in &self.state.lock().orphans {
            f(c);
        }
    }

    /// Orphans not reaped yet.
    pub fn len(&self) -> usize {
        self.state.lock().orphans.len()
    }
}

impl<C: Reap> Default for OrphanQueue<C> {
    fn default() -> Self {
        Self::new()
    }
}
