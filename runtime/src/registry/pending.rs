//! A journal's unpublished tasks: a list that only grows between
//! publications, indexed by the slot each task's header names.
//!
//! Why not a [`Slab`](super::slab::Slab): a pinned task spawned and finished
//! between two publications (the common case on a busy loop) paid for a
//! free list it never needed: the slab's insert and remove, out of line,
//! cost about 110 instructions per task (callgrind, `icount run hive
//! pinned_ping_pong` at the bench's 1,000-pair batches). Here an insert is
//! a push and a remove empties the slot; slots are not reused until the
//! list is empty again (cleared on the last removal, or drained by a
//! publication), so a slot tagged in a header can only name that task.
//!
//! Bounded: when the list is full and at least half of it is empty slots,
//! it is compacted instead of grown (the moved tasks' headers get their new
//! slot), so it holds at most about twice the live tasks plus what one
//! publication interval spawned.

use super::journal::LOCAL;
use crate::loom::sync::atomic::Ordering::Relaxed;
use crate::task::raw::{Header, TaskRef};

/// The shortest list worth compacting: below this, growing is cheaper.
const MIN_COMPACT: usize = 64;

#[derive(Default)]
pub(crate) struct Pending {
    /// The registry's references, by slot; `None` once removed.
    slots: Vec<Option<TaskRef>>,
    /// Slots still holding a task.
    live: usize,
}

impl Pending {
    /// Whether no task is waiting to be published.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Stores `task` and tags its header with its slot. Relaxed: the word is
    /// read and written only by the journal's own loop thread while tagged.
    #[inline]
    pub(crate) fn insert(&mut self, task: TaskRef) {
        if self.slots.len() == self.slots.capacity() && self.slots.len() >= MIN_COMPACT {
            self.compact_if_sparse();
        }
        task.header()
            .registry_slot
            .store(self.slots.len() | LOCAL, Relaxed);
        self.slots.push(Some(task));
        self.live += 1;
    }

    /// Takes the reference in `slot` if it is `task`'s.
    #[inline]
    pub(crate) fn remove(&mut self, slot: usize, task: &Header) -> Option<TaskRef> {
        let entry = self.slots.get_mut(slot)?;
        if !entry
            .as_ref()
            .is_some_and(|held| std::ptr::eq(held.header(), task))
        {
            return None;
        }
        let taken = entry.take();
        self.live -= 1;
        if self.live == 0 {
            // Every slot is empty: start again from the front.
            self.slots.clear();
        }
        taken
    }

    /// Empties the list, handing out every reference it held.
    pub(crate) fn drain(&mut self) -> impl Iterator<Item = TaskRef> + '_ {
        self.live = 0;
        self.slots.drain(..).flatten()
    }

    /// Moves the live tasks to the front if at least half the slots are
    /// empty (each header gets its new slot); otherwise leaves the list to
    /// grow. Called only when the list is full, so each compaction is paid
    /// for by the removals that emptied half of it.
    #[cold]
    fn compact_if_sparse(&mut self) {
        if self.live * 2 > self.slots.len() {
            return;
        }
        self.slots.retain(Option::is_some);
        for (slot, task) in self.slots.iter().enumerate() {
            if let Some(task) = task {
                task.header().registry_slot.store(slot | LOCAL, Relaxed);
            }
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::registry::test_tasks::pinned_task;
    use crate::task::raw::RawTask;
    use crate::task::Task;

    /// A never-run task pinned to loop 0.
    fn task(id: u64) -> (Task<()>, RawTask, TaskRef) {
        pinned_task(id, Some(0))
    }

    fn slot(raw: &RawTask) -> usize {
        let tagged = raw.header().registry_slot.load(Relaxed);
        assert_ne!(tagged & LOCAL, 0, "a pending task's slot is tagged");
        tagged & !LOCAL
    }

    #[test]
    fn a_slot_names_its_own_task_only_and_is_not_reused_while_others_live() {
        let mut pending = Pending::default();
        let (_a, a, a_ref) = task(1);
        let (_b, b, b_ref) = task(2);
        pending.insert(a_ref);
        pending.insert(b_ref);
        assert_eq!((slot(&a), slot(&b)), (0, 1));
        // `b` in `a`'s slot is a stranger: nothing is taken.
        assert!(pending.remove(slot(&a), b.header()).is_none());
        assert!(pending.remove(slot(&a), a.header()).is_some());
        assert!(pending.remove(0, a.header()).is_none(), "removed twice");
        let (_c, c, c_ref) = task(3);
        pending.insert(c_ref);
        assert_eq!(slot(&c), 2, "a freed slot is not reused while `b` lives");
        assert!(pending.remove(slot(&b), b.header()).is_some());
        assert!(!pending.is_empty());
        assert!(pending.remove(slot(&c), c.header()).is_some());
        assert!(pending.is_empty());
        let (_d, d, d_ref) = task(4);
        pending.insert(d_ref);
        assert_eq!(slot(&d), 0, "an emptied list starts again at the front");
        assert_eq!(pending.drain().count(), 1);
        assert!(pending.is_empty());
    }

    #[test]
    fn a_full_list_mostly_empty_is_compacted_and_the_moved_tasks_learn_their_slot() {
        let mut pending = Pending::default();
        // One long-lived task, then short-lived ones that finish before the
        // next publication: the list must not grow with them.
        let (_first, first, first_ref) = task(0);
        let (_keep, keep, keep_ref) = task(1);
        pending.insert(first_ref);
        pending.insert(keep_ref);
        assert!(pending.remove(slot(&first), first.header()).is_some());
        assert_eq!(slot(&keep), 1);
        let mut capacity = 0;
        for id in 2..10_000 {
            let (_t, t, t_ref) = task(id);
            pending.insert(t_ref);
            assert!(pending.remove(slot(&t), t.header()).is_some());
            capacity = capacity.max(pending.slots.capacity());
        }
        assert!(capacity <= 2 * MIN_COMPACT, "grew to {capacity} slots");
        // The long-lived task moved to the front and can still be found.
        assert_eq!(slot(&keep), 0);
        assert!(pending.remove(slot(&keep), keep.header()).is_some());
        assert!(pending.is_empty());
    }
}
