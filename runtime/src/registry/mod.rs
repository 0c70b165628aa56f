//! Every live task of a runtime, so shutdown can cancel them all and
//! `all_tasks` (in `call_graph`, with the other listings) can list them.
//!
//! The registry holds one reference per task until it completes. That is what
//! lets shutdown reach a task that is parked on a waker cycle (two tasks
//! waiting on each other), which no queue holds.
//!
//! Shards: stealable tasks land in one of [`ID_SHARDS`] shards chosen by
//! task id (they may complete on any loop); pinned tasks in their loop's
//! own shard, so a loop can publish a tick's worth of them under one lock.
//! Each shard is a slab (`slab.rs`) and the task's header remembers its
//! slot, so insert and remove are O(1) with no hashing.
//!
//! A loop does not take a lock per task: what it spawns pinned to itself
//! and what completes on it goes into its [`Journal`](journal::Journal),
//! published in batches (before the loop sleeps, at least every 61 ticks
//! while it is busy; see `journal.rs`: a pinned task spawned and finished
//! before a publication never touches a lock). Other threads insert and
//! remove directly.
//!
//! The number of live tasks is counted under the shards' locks, not kept
//! in a runtime-wide atomic: that counter's two read-modify-writes per task
//! were a noticeable part of a pinned spawn (perf, `icount run hive
//! pinned_chain`), and only shutdown asks. A count holds every shard's
//! lock at once, so it is one consistent cut: a task published before
//! another was removed is never missed (counted shard by shard, the count
//! could see the removal and not the publication, and call a live
//! registry empty). A removal looks whether the registry drained only
//! while someone waits for it (`waiting`); the handshake that makes that
//! safe is in `wait_drained`, and the loom model
//! `loom-tests/tests/runtime_registry.rs` runs it.

pub(crate) mod journal;
mod pending;
mod slab;

use crate::loom::sync::atomic::{
    AtomicBool, AtomicUsize, Ordering::Acquire, Ordering::Relaxed, Ordering::Release,
    Ordering::SeqCst,
};
use crate::loom::sync::{Condvar, Mutex};
use crate::task::raw::{Header, TaskRef};
use slab::Slab;

/// Shards for stealable tasks: enough that loops completing tasks at once
/// rarely meet on a lock.
const ID_SHARDS: usize = 32;

pub struct Registry {
    /// `ID_SHARDS` shards by task id, then one per loop for its pinned tasks.
    shards: Box<[Mutex<Slab>]>,
    /// Per loop: its journal holds tasks not yet published (set by the
    /// loop when its journal gets its first one, cleared under the loop's
    /// shard lock when it publishes them; see `journal.rs`).
    unpublished: Box<[AtomicBool]>,
    /// Threads inside `wait_drained`.
    waiting: AtomicUsize,
    /// Signalled when the last task is removed while someone waits.
    drained: Condvar,
    drained_lock: Mutex<()>,
}

impl Default for Registry {
    fn default() -> Self {
        Registry::new()
    }
}

impl Registry {
    /// A registry without loop shards (every task sharded by id).
    pub fn new() -> Self {
        Registry::with_loops(0)
    }

    /// A registry with a shard for each of `loops` loops' pinned tasks.
    pub fn with_loops(loops: usize) -> Self {
        Registry {
            shards: (0..ID_SHARDS + loops)
                .map(|_| Mutex::new(Slab::default()))
                .collect(),
            unpublished: (0..loops).map(|_| AtomicBool::new(false)).collect(),
            waiting: AtomicUsize::new(0),
            drained: Condvar::new(),
            drained_lock: Mutex::new(()),
        }
    }

    /// Which shard holds `task`: its loop's if it is pinned, else by id.
    pub(crate) fn shard_index(&self, task: &Header) -> usize {
        match task.owner {
            Some(owner) if ID_SHARDS + owner < self.shards.len() => ID_SHARDS + owner,
            _ => (task.id.0 as usize) % ID_SHARDS,
        }
    }

    /// The shard of loop `index`'s pinned tasks.
    pub(crate) fn loop_shard_index(&self, index: usize) -> usize {
        debug_assert!(ID_SHARDS + index < self.shards.len());
        ID_SHARDS + index
    }

    pub(crate) fn shard(&self, index: usize) -> &Mutex<Slab> {
        &self.shards[index]
    }

    pub fn insert(&self, task: TaskRef) {
        let shard = self.shard_index(task.header());
        self.shards[shard].lock().insert(task);
    }

    /// Drops the registry's reference; called when the task completes.
    pub fn remove(&self, task: &Header) {
        let slot = task.registry_slot.load(Relaxed);
        debug_assert_eq!(
            slot & journal::LOCAL,
            0,
            "a journaled task removed off its loop"
        );
        let removed = self.shards[self.shard_index(task)]
            .lock()
            .remove(slot, task.id);
        if removed.is_some() {
            self.notify_if_drained();
        }
        drop(removed);
    }

    /// After a removal: wakes `wait_drained` if that was the last task.
    pub(crate) fn notify_if_drained(&self) {
        // A waiter that counted before our removal registered in `waiting`
        // before it locked the shards, and our lock came after its unlock:
        // we see it here. One that counted after saw the removal. Either
        // way nobody sleeps through the last removal.
        if self.waiting.load(SeqCst) != 0 {
            // The waiter holds `drained_lock` from its count until its wait
            // begins, so this notify cannot fall between the two.
            let _guard = self.drained_lock.lock();
            if self.is_empty() {
                self.drained.notify_all();
            }
        }
    }

    /// Whether no task is live: no shard holds one and no loop's journal
    /// holds one unpublished. Looked at with every shard locked at once
    /// (in shard order, the only place that holds two), so it is one
    /// consistent cut: a task published before another was removed is
    /// never missed, and a journal's flag is read while its publication
    /// cannot be half done (it is cleared under the shard's lock).
    pub fn is_empty(&self) -> bool {
        let shards = self.lock_all();
        shards.iter().all(|shard| shard.is_empty())
            && !self.unpublished.iter().any(|flag| flag.load(Acquire))
    }

    /// Published live tasks (a loop's journal may hold more; see
    /// `journal.rs`), counted with every shard locked at once.
    pub fn len(&self) -> usize {
        self.lock_all().iter().map(|shard| shard.live()).sum()
    }

    fn lock_all(&self) -> Vec<crate::loom::sync::MutexGuard<'_, Slab>> {
        self.shards.iter().map(|shard| shard.lock()).collect()
    }

    /// Loop `index`'s journal now holds unpublished tasks.
    pub(crate) fn mark_unpublished(&self, index: usize) {
        // Relaxed: what orders this store before a count that must see it
        // is the spawning task's own later removal (a lock, or a queue
        // hand-off to another loop, then a lock); see `journal.rs`.
        self.unpublished[index].store(true, Relaxed);
    }

    /// Loop `index` published its journal; called under its shard's lock.
    pub(crate) fn mark_published(&self, index: usize) {
        // Relaxed: under the shard's lock, which every count holds too.
        self.unpublished[index].store(false, Relaxed);
    }

    /// Loop `index`'s unpublished tasks all finished before it published
    /// them: its journal holds no live task.
    pub(crate) fn mark_unpublished_gone(&self, index: usize) {
        // Release: what the finished tasks did before (a task they spawned
        // and registered, say) is visible to a count that reads `false`
        // (Acquire in `is_empty`).
        self.unpublished[index].store(false, Release);
    }

    /// A counted reference to every live task.
    pub fn snapshot(&self) -> Vec<TaskRef> {
        let mut all = Vec::new();
        for shard in self.shards.iter() {
            all.extend(shard.lock().tasks().cloned());
        }
        all.sort_by_key(|t| t.header().id);
        all
    }

    /// Requests cancellation of every task in loop `index`'s shard.
    pub(crate) fn cancel_loop_tasks(&self, index: usize) {
        let tasks: Vec<TaskRef> = self.shards[self.loop_shard_index(index)]
            .lock()
            .tasks()
            .cloned()
            .collect();
        // Outside the lock: a cancel queues the task, which may run code.
        for task in tasks {
            task.cancel();
        }
    }
    /// Waits until no task is live, or until `deadline`. Returns whether it drained.
    pub fn wait_drained(&self, deadline: Option<std::time::Instant>) -> bool {
        let mut guard = self.drained_lock.lock();
        // Registered before the first count (see `remove`), and kept until
        // this returns.
        self.waiting.fetch_add(1, SeqCst);
        let drained = loop {
            if self.is_empty() {
                break true;
            }
            let wait = match deadline {
                Some(deadline) => {
                    match deadline.checked_duration_since(std::time::Instant::now()) {
                        Some(left) if !left.is_zero() => left,
                        _ => break false,
                    }
                }
                None => std::time::Duration::from_millis(100),
            };
            // Re-checked in the loop, so a missed notify costs at most one timeout.
            guard = crate::loom::sync::wait_timeout(
                &self.drained,
                guard,
                wait.min(std::time::Duration::from_millis(100)),
            );
        };
        self.waiting.fetch_sub(1, SeqCst);
        drained
    }

    /// Forgets the remaining tasks' references instead of dropping them: used
    /// when shutdown timed out, because dropping a `!Send` future off its own
    /// loop thread would be unsound. The memory leaks; nothing else happens.
    pub(crate) fn leak_remaining(&self) -> usize {
        let mut leaked = 0;
        for shard in self.shards.iter() {
            for task in shard.lock().drain() {
                std::mem::forget(task);
                leaked += 1;
            }
        }
        leaked
    }
}

/// Never-run tasks for the registry's unit tests.
#[cfg(test)]
mod test_tasks {
    use crate::task::raw::{new_task, Header, Notified, RawTask, Schedule, Spawn, TaskRef};
    use crate::task::{Task, TaskError, TaskId};

    struct NoScheduler;
    impl Schedule for NoScheduler {
        fn schedule(&self, _: Notified) {}
        fn release(&self, _: &Header) -> Option<TaskRef> {
            None
        }
        fn unhandled(&self, _: &Header, _: TaskError) {}
    }

    /// A never-run task with id `id` pinned to `owner`: its handle (which
    /// keeps the address valid), its address, and the registry's reference.
    pub(super) fn pinned_task(id: u64, owner: Option<usize>) -> (Task<()>, RawTask, TaskRef) {
        let spawn = Spawn {
            id: TaskId(id),
            name: None,
            owner,
        };
        let (raw, notified, registry_ref) = new_task(async {}, NoScheduler, spawn);
        drop(notified);
        (Task::from_raw(raw), raw, registry_ref)
    }
}

#[cfg(test)]
mod tests {
    use super::test_tasks::pinned_task;
    use super::*;
    use crate::task::raw::RawTask;
    use crate::task::Task;

    /// A never-run task with id `id`: its handle (which keeps the address
    /// valid), its address, and the registry's reference.
    fn task(id: u64) -> (Task<()>, RawTask, TaskRef) {
        pinned_task(id, None)
    }

    fn ids(registry: &Registry) -> Vec<u64> {
        registry
            .snapshot()
            .iter()
            .map(|t| t.header().id.0)
            .collect()
    }

    #[test]
    fn removal_frees_the_slot_for_the_next_task_and_ignores_strangers() {
        let registry = Registry::new();
        // Ids 1, 33 and 65 share a shard, so they share one slab.
        let (_a, a, a_ref) = task(1);
        let (_b, b, b_ref) = task(33);
        let (_c, c, c_ref) = task(65);
        registry.insert(a_ref);
        registry.insert(b_ref);
        registry.insert(c_ref);
        assert_eq!(ids(&registry), [1, 33, 65]);
        let b_slot = b.header().registry_slot.load(Relaxed);

        registry.remove(b.header());
        registry.remove(b.header()); // a second removal finds nothing
        assert_eq!(registry.len(), 2);
        assert_eq!(ids(&registry), [1, 65]);

        let (_d, d, d_ref) = task(97);
        registry.insert(d_ref);
        assert_eq!(
            d.header().registry_slot.load(Relaxed),
            b_slot,
            "slot reused"
        );
        // `b`'s header still names the reused slot: removing it again must
        // not take `d`'s reference.
        registry.remove(b.header());
        assert_eq!(ids(&registry), [1, 65, 97]);

        for t in [a, c, d] {
            registry.remove(t.header());
        }
        assert_eq!(registry.len(), 0);
        assert!(registry.wait_drained(None));
    }

    #[test]
    fn a_journal_emptied_before_it_published_leaves_the_registry_empty() {
        use super::journal::Journal;
        use crate::loom::sync::atomic::AtomicBool;
        let registry = Registry::with_loops(1);
        let mut journal = Journal::default();
        let (_a, a, a_ref) = pinned_task(1, Some(0));
        journal.insert(&registry, 0, a_ref);
        assert!(!registry.is_empty(), "an unpublished task is live");
        // Spawned and finished before the loop published: gone at once.
        drop(journal.remove(&registry, a.header()));
        assert!(journal.is_empty());
        assert!(registry.is_empty(), "nothing is live any more");
        assert!(journal
            .publish(&registry, 0, &AtomicBool::new(false))
            .is_empty());
        assert!(registry.wait_drained(Some(std::time::Instant::now())));
    }

    #[test]
    fn a_pinned_fan_out_is_not_published_early_but_finished_cells_are() {
        use super::journal::{Journal, PUBLISH_REMOVALS, PUBLISH_TICKS};
        use crate::loom::sync::atomic::AtomicBool;
        let registry = Registry::with_loops(1);
        let mut journal = Journal::default();
        // More unpublished tasks than the removal bound: live anyway, so
        // no early publication (only the tick cadence).
        let tasks: Vec<_> = (0..2 * PUBLISH_REMOVALS as u64)
            .map(|id| pinned_task(id + 1, Some(0)))
            .collect();
        for (_, _, registry_ref) in &tasks {
            journal.insert(&registry, 0, registry_ref.clone());
        }
        assert!(!journal.publish_due(1));
        assert!(journal.publish_due(PUBLISH_TICKS));
        // Published, then finished: each removal is recorded, and at the
        // bound the finished cells are let go at the next tick end.
        assert!(journal
            .publish(&registry, 0, &AtomicBool::new(false))
            .is_empty());
        for (_, raw, _) in tasks.iter().take(PUBLISH_REMOVALS - 1) {
            assert!(journal.remove(&registry, raw.header()).is_none());
        }
        assert!(!journal.publish_due(1));
        assert!(journal
            .remove(&registry, tasks[PUBLISH_REMOVALS - 1].1.header())
            .is_none());
        assert!(journal.publish_due(1));
        let mut dropped = journal.publish(&registry, 0, &AtomicBool::new(false));
        assert_eq!(dropped.len(), PUBLISH_REMOVALS);
        dropped.clear();
        journal.recycle(dropped);
        assert_eq!(registry.len(), PUBLISH_REMOVALS);
        for (_, raw, _) in tasks.iter().skip(PUBLISH_REMOVALS) {
            registry.remove(raw.header());
        }
        assert!(registry.is_empty());
    }

    #[test]
    fn a_journal_publishes_exactly_its_live_tasks_after_its_list_was_compacted() {
        use super::journal::Journal;
        use crate::loom::sync::atomic::AtomicBool;
        let registry = Registry::with_loops(1);
        let mut journal = Journal::default();
        // Every third task lives on; the others finish before the loop
        // publishes. The pending list fills with empty slots, is compacted
        // (the survivors re-tagged) several times, and must still hand
        // the shard exactly the survivors, each found again by its slot.
        let tasks: Vec<_> = (1..=3_000).map(|id| pinned_task(id, Some(0))).collect();
        for (i, (_, raw, registry_ref)) in tasks.iter().enumerate() {
            journal.insert(&registry, 0, registry_ref.clone());
            if i % 3 != 0 {
                assert!(journal.remove(&registry, raw.header()).is_some());
            }
        }
        // Some that were moved finish too, before the publication.
        for (_, raw, _) in tasks.iter().step_by(9) {
            assert!(journal.remove(&registry, raw.header()).is_some());
        }
        assert!(journal
            .publish(&registry, 0, &AtomicBool::new(false))
            .is_empty());
        let mut listed: Vec<u64> = registry
            .snapshot()
            .iter()
            .map(|t| t.header().id.0)
            .collect();
        listed.sort_unstable();
        let survivors: Vec<u64> = (1..=3_000u64)
            .filter(|id| id % 3 == 1 && id % 9 != 1)
            .collect();
        assert_eq!(listed, survivors);
        for &id in &survivors {
            registry.remove(tasks[id as usize - 1].1.header());
        }
        assert!(registry.is_empty());
    }
}
