//! A loop's registry changes, kept on its own thread and published in
//! batches.
//!
//! Registering a task and removing it took a shard lock each: two
//! uncontended lock/unlock pairs, four atomic read-modify-writes, about a
//! fifth of a pinned spawn's time (`perf record -e cpu-clock`, `icount run
//! hive pinned_spawn`). The journal takes that off the per-task path:
//!
//! * a pinned task spawned on its own loop goes into the journal's
//!   `pending` list (its header's slot tagged [`LOCAL`], `registry::pending`),
//!   and the loop's `unpublished` flag in the registry is set;
//! * a task that completes on a loop is removed from `pending` at once if
//!   it is there (no lock at all), else its removal is recorded;
//! * [`Journal::publish`] moves `pending` into the loop's shard (clearing
//!   the flag under the shard's lock) and then applies the removals, one
//!   lock per shard touched. The loop publishes before it sleeps, every
//!   [`PUBLISH_TICKS`] ticks or [`PUBLISH_REMOVALS`] recorded removals, as
//!   soon as shutdown has begun, when it lists tasks itself, and when it
//!   exits (`Worker::flush_registry`): a spawn chain, one task per tick,
//!   takes one lock per 61 links instead of two per link.
//!
//! What this changes for readers on other threads: a task spawned on a
//! busy loop is listed (`all_tasks`, `Registry::len`) once that loop
//! publishes, and one that finished there stays listed, as done, until
//! then. Nothing is lost:
//! * **Shutdown reaches every task.** Shutdown sets its flag and then
//!   takes its snapshot shard by shard; a publish looks at the flag after
//!   the unlock that published. Either the snapshot sees the new tasks, or
//!   the publish sees the flag and cancels them (the loom model
//!   `loom-tests/tests/runtime_registry.rs` runs both orders). A loop
//!   publishes at its first tick end after the flag is set.
//! * **A live registry is never called empty.** `Registry::is_empty` holds
//!   every shard lock at once and reads the `unpublished` flags under them.
//!   A publish inserts before it removes, and every removal made on a loop
//!   goes through its journal; a task spawned on one loop whose spawner
//!   completes on another is covered by the flag, which was set before
//!   the spawner's next poll and so before its removal (the loom model
//!   runs that too).
//!
//! Only the loop's own thread touches its journal (it lives in the loop's
//! `Worker`), so nothing here is atomic except the header's slot word,
//! which the journal's owner alone reads and writes while it is tagged,
//! and the registry's flag.

use super::pending::Pending;
use super::slab::Slab;
use super::Registry;
use crate::loom::sync::atomic::{AtomicBool, Ordering::Acquire, Ordering::Relaxed};
use crate::task::raw::{Header, TaskRef};
use crate::task::TaskId;

/// Ticks a loop may go without publishing while it has work; the same
/// cadence as its reactor polls (`event_interval`), so a listing from
/// another thread is at most that many ticks behind.
pub(crate) const PUBLISH_TICKS: u32 = 61;

/// Recorded removals after which a loop publishes at its next tick end:
/// bounds the finished cells the shards keep alive for a journal.
///
/// Unpublished tasks do not count: they are live anyway, and a fan-out of
/// pinned tasks that finish before the next publication should never touch
/// a lock. Counted with them (1,024 entries), a batch of 1,000 pinned
/// ping-pong pairs published all 2,000 tasks at the end of the tick that
/// spawned them, then recorded and applied each removal: 161 instructions
/// per round trip more (`icount run hive pinned_ping_pong` with the bench's
/// 1,000-pair batches, callgrind: 3,857 against 3,695).
pub(crate) const PUBLISH_REMOVALS: usize = 1024;

/// The slot tag of a task in a journal's `pending` list rather than in a
/// shard: the top bit, which no real slot index reaches.
pub(crate) const LOCAL: usize = 1 << (usize::BITS - 1);

/// One loop's unpublished registry changes.
#[derive(Default)]
pub struct Journal {
    pending: Pending,
    /// Removals waiting, by shard index: `(slot, id)` pairs. Bucketed as
    /// they come, so a publish takes each shard's lock once without
    /// sorting (a sort was 190 instructions per stealable task).
    removals: Vec<Vec<(usize, TaskId)>>,
    /// The shards whose bucket is not empty, in the order they filled.
    touched: Vec<usize>,
    /// Removals waiting, all buckets together.
    removal_count: usize,
    /// Spare storage for the references a flush hands back (kept so a
    /// flush does not allocate).
    spare: Vec<TaskRef>,
}

impl Journal {
    /// Whether there is nothing to publish.
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty() && self.removal_count == 0
    }

    /// Whether a loop that has ended `ticks` ticks since it last published
    /// should publish now (shutdown aside): every [`PUBLISH_TICKS`] ticks,
    /// or once [`PUBLISH_REMOVALS`] removals wait. Unpublished tasks do not
    /// count (see [`PUBLISH_REMOVALS`]).
    pub fn publish_due(&self, ticks: u32) -> bool {
        ticks >= PUBLISH_TICKS || self.removal_count >= PUBLISH_REMOVALS
    }

    /// Registers a task pinned to loop `index` (this journal's), spawned on it.
    #[inline]
    pub fn insert(&mut self, registry: &Registry, index: usize, task: TaskRef) {
        if self.pending.is_empty() {
            registry.mark_unpublished(index);
        }
        self.pending.insert(task);
    }

    /// Removes a task that completed on this journal's loop. Returns the
    /// registry's reference if the task was never published (drop it
    /// outside the journal's borrow); otherwise records the removal.
    #[inline]
    pub fn remove(&mut self, registry: &Registry, task: &Header) -> Option<TaskRef> {
        let slot = task.registry_slot.load(Relaxed);
        if slot & LOCAL != 0 {
            let unpublished = self.pending.remove(slot & !LOCAL, task);
            if self.pending.is_empty() {
                // Nothing unpublished is left: clear the flag now, or a
                // count would see a live task until the next publication
                // that takes the shard's lock (shutdown waited its whole
                // timeout for it). A tagged task is pinned to this loop.
                if let Some(index) = task.owner {
                    registry.mark_unpublished_gone(index);
                    registry.notify_if_drained();
                }
            }
            return unpublished;
        }
        self.record_removal(registry, slot, task);
        None
    }

    /// Records the removal of a task a shard holds, for the next publish.
    fn record_removal(&mut self, registry: &Registry, slot: usize, task: &Header) {
        let shard = registry.shard_index(task);
        if self.removals.len() <= shard {
            self.removals.resize_with(shard + 1, Vec::new);
        }
        let bucket = &mut self.removals[shard];
        if bucket.is_empty() {
            self.touched.push(shard);
        }
        bucket.push((slot, task.id));
        self.removal_count += 1;
    }

    /// Publishes the pending tasks into loop `index`'s shard, then applies
    /// the removals, one lock per shard touched. If `shutting_down` is set
    /// once the new tasks are published, cancels them: shutdown's snapshot
    /// may have passed this shard before they were in it.
    ///
    /// Returns the registry's references to the removed tasks. Drop them
    /// after the journal's borrow ends (the last reference frees the cell,
    /// whose output's destructor may spawn), then hand the vector back
    /// with [`recycle`](Self::recycle).
    pub fn publish(
        &mut self,
        registry: &Registry,
        index: usize,
        shutting_down: &AtomicBool,
    ) -> Vec<TaskRef> {
        let own = registry.loop_shard_index(index);
        let published = !self.pending.is_empty();
        let mut dropped = std::mem::take(&mut self.spare);
        // The loop's own shard first, so new tasks are in place before any
        // removal is visible (see the module docs).
        let own_removals = self.removals.get_mut(own).filter(|b| !b.is_empty());
        if published || own_removals.is_some() {
            let mut shard = registry.shard(own).lock();
            for task in self.pending.drain() {
                shard.insert(task);
            }
            registry.mark_published(index);
            if let Some(bucket) = own_removals {
                remove_all(&mut shard, bucket, &mut dropped);
            }
        }
        // After the unlock that published. If shutdown's snapshot locked
        // this shard before us, the flag's store came before its unlock,
        // which our lock followed, so this load sees the flag and we
        // cancel; if the snapshot came after, it lists the tasks itself.
        // The lock is what orders this (Acquire matches the flag's other
        // readers); reading the flag before publishing would miss the task
        // in one order (the loom model catches it).
        if published && shutting_down.load(Acquire) {
            registry.cancel_loop_tasks(index);
        }
        for shard in self.touched.drain(..) {
            let bucket = &mut self.removals[shard];
            if !bucket.is_empty() {
                remove_all(&mut registry.shard(shard).lock(), bucket, &mut dropped);
            }
        }
        self.removal_count = 0;
        if !dropped.is_empty() {
            registry.notify_if_drained();
        }
        dropped
    }

    /// Takes back the (emptied) vector a flush handed out.
    pub fn recycle(&mut self, mut spare: Vec<TaskRef>) {
        debug_assert!(spare.is_empty());
        spare.clear();
        if spare.capacity() > self.spare.capacity() {
            self.spare = spare;
        }
    }
}

/// Applies (and empties) one shard's bucket of removals, `slab` locked.
fn remove_all(slab: &mut Slab, bucket: &mut Vec<(usize, TaskId)>, dropped: &mut Vec<TaskRef>) {
    for (slot, id) in bucket.drain(..) {
        dropped.extend(slab.remove(slot, id));
    }
}
