//! A loop thread as the scheduler sees it: the queues and search state
//! only that thread touches.
//!
//! The loop's core (`event_loop::core`) owns one [`Worker`] and hands it to
//! the thread-local context (`crate::context`) for the life of the loop
//! thread, so the push side ([`push`](super::push)) can queue work on the
//! current loop without going through its inbox, and the pop side
//! ([`pop`](super::pop)) can take it. The core adds the loop's reactor,
//! timers firing and the tick on top (and drains these queues: the inbox
//! into the FIFO each tick, everything at exit); nothing here knows about it.

use crate::loom::sync::Arc;
use crate::registry::journal::Journal;
use crate::scheduler::cell_refs::LocalCellRefs;
use crate::scheduler::idle::SearchState;
use crate::scheduler::pinned::Pinned;
use crate::scheduler::queue::Local;
use crate::shared::{LoopShared, Shared};
use crate::task::raw::Notified;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::ptr::NonNull;

/// The scheduling half of a loop that only its own thread touches.
pub(crate) struct Worker {
    pub(crate) index: usize,
    pub(crate) shared: Arc<Shared>,
    pub(crate) local: Local<Notified>,
    /// The stealable task woken (or spawned) last by work running on this
    /// loop: it runs next, on hot caches. Siblings cannot steal it, so a
    /// loop stuck in a long poll holds it (as tokio's LIFO slot does).
    pub(crate) lifo: Cell<Option<Notified>>,
    /// Tasks run from `lifo` since the last one taken from elsewhere.
    pub(crate) lifo_streak: Cell<u32>,
    /// The pinned FIFO: pinned tasks and callbacks, in the order queued.
    pub(crate) ready: RefCell<VecDeque<Pinned>>,
    /// Set while dispatching I/O or timer wakes: local pushes then defer
    /// their sibling notification to one call after the batch.
    pub(crate) dispatching: Cell<bool>,
    pub(crate) deferred_notify: Cell<bool>,
    pub(crate) search: RefCell<SearchState>,
    pub(crate) polls: Cell<u64>,
    pub(crate) rng: Cell<u32>,
    /// Registry changes made on this loop, published in batches
    /// (`registry::journal`).
    pub(crate) journal: RefCell<Journal>,
    /// Ticks ended since the journal was last published.
    ticks_since_publish: Cell<u32>,
    /// This loop's block of task ids: the next one and the end.
    task_ids: Cell<(u64, u64)>,
    /// References for the cells spawned here (`scheduler::cell_refs`).
    pub(crate) cell_refs: LocalCellRefs,
}

impl Drop for Worker {
    fn drop(&mut self) {
        // The loop has stopped (its thread no longer names this worker, so
        // cells freed from here on give their references back directly).
        let shared =
            NonNull::new(Arc::as_ptr(&self.shared).cast_mut()).expect("an Arc is never null");
        // SAFETY: the stock counts references to this runtime's shared state.
        unsafe { self.cell_refs.return_all(shared) };
    }
}

/// Task ids a loop reserves at a time. One shared counter bumped per spawn
/// was an atomic read-modify-write per task, and with loops spawning at
/// once its cache line moved between cores on every spawn; a block costs
/// one per 256 spawns. Ids stay unique, and increase in spawn order on
/// each loop.
const TASK_ID_BLOCK: u64 = 256;

impl Worker {
    pub(crate) fn new(index: usize, shared: Arc<Shared>, local: Local<Notified>) -> Self {
        Worker {
            index,
            shared,
            local,
            lifo: Cell::new(None),
            lifo_streak: Cell::new(0),
            ready: RefCell::new(VecDeque::new()),
            dispatching: Cell::new(false),
            deferred_notify: Cell::new(false),
            search: RefCell::new(SearchState::default()),
            polls: Cell::new(0),
            rng: Cell::new(0x9E37_79B9 ^ (index as u32).wrapping_mul(0x85EB_CA6B) | 1),
            journal: RefCell::new(Journal::default()),
            ticks_since_publish: Cell::new(0),
            task_ids: Cell::new((0, 0)),
            cell_refs: LocalCellRefs::default(),
        }
    }

    /// An id for a task spawned on this loop, from its block.
    pub(crate) fn next_task_id(&self) -> u64 {
        let (next, end) = self.task_ids.get();
        let next = if next < end {
            next
        } else {
            let first = self.shared.take_task_ids(TASK_ID_BLOCK);
            self.task_ids.set((first, first + TASK_ID_BLOCK));
            first
        };
        self.task_ids.set((next + 1, self.task_ids.get().1));
        next
    }

    /// Queues pinned work on this loop from its own thread: at the back of
    /// its FIFO (asyncio's order).
    ///
    /// Inlined: called out of line, the item went through memory in two
    /// 8-byte stores and came back as one 16-byte load, a store-forwarding
    /// stall that was 6 % of a chained pinned spawn's time (perf annotate).
    #[inline]
    pub(crate) fn push_ready(&self, item: Pinned) {
        self.ready.borrow_mut().push_back(item);
    }

    /// This loop's entry in the runtime's loop table.
    pub(crate) fn state(&self) -> &LoopShared {
        &self.shared.loops[self.index]
    }

    /// At the end of a tick with more work to do: publishes the journal
    /// if it is due (every `PUBLISH_TICKS` ticks or `PUBLISH_REMOVALS`
    /// recorded removals, or at once when shutdown has begun).
    pub(crate) fn end_tick(&self) {
        let ticks = self.ticks_since_publish.get() + 1;
        self.ticks_since_publish.set(ticks);
        if self.shared.is_shutting_down() || self.journal.borrow().publish_due(ticks) {
            self.flush_registry();
        }
    }

    /// Publishes this loop's registry journal (`registry::journal`).
    pub(crate) fn flush_registry(&self) {
        self.ticks_since_publish.set(0);
        if self.journal.borrow().is_empty() {
            return;
        }
        let mut dropped = self.journal.borrow_mut().publish(
            &self.shared.registry,
            self.index,
            &self.shared.shutting_down,
        );
        // Outside the borrow: freeing a cell runs its output's destructor.
        dropped.clear();
        self.journal.borrow_mut().recycle(dropped);
    }
}
