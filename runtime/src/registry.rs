//! Every live task of a runtime, so shutdown can cancel them all and
//! `all_tasks` (in `call_graph`, with the other listings) can list them.
//!
//! The registry holds one reference per task until it completes. That is what
//! lets shutdown reach a task that is parked on a waker cycle (two tasks
//! waiting on each other), which no queue holds.
//!
//! Every spawn inserts and every completion removes, so both are O(1) with
//! no hashing: a shard (chosen by task id) is a slab, and the task's header
//! remembers its slot.
//!
//! The number of live tasks is each shard's, under its lock, not a
//! runtime-wide atomic: that counter's two read-modify-writes per task were
//! a noticeable part of a pinned spawn (perf, `icount run hive
//! pinned_chain`), and only shutdown asks. A removal looks whether the
//! registry drained only while someone waits for it (`waiting`); the
//! handshake that makes that safe is in `wait_drained`, and the loom model
//! `loom-tests/tests/runtime_registry.rs` runs it.

use crate::loom::sync::atomic::{AtomicUsize, Ordering::Relaxed, Ordering::SeqCst};
use crate::loom::sync::{Condvar, Mutex};
use crate::task::raw::{Header, TaskRef};
use crate::task::TaskId;

const SHARDS: usize = 32;

/// One shard's tasks: occupied slots hold a reference, `free` lists the
/// empty ones for reuse.
#[derive(Default)]
struct Slab {
    slots: Vec<Option<TaskRef>>,
    free: Vec<usize>,
}

impl Slab {
    /// Stores `task` and records the slot in its header. Relaxed: the slot
    /// is written and read only under the shard's lock.
    fn insert(&mut self, task: TaskRef) {
        let slot = self.free.pop().unwrap_or(self.slots.len());
        task.header().registry_slot.store(slot, Relaxed);
        if slot == self.slots.len() {
            self.slots.push(Some(task));
        } else {
            self.slots[slot] = Some(task);
        }
    }

    /// Takes the reference in `slot` if it is task `id`'s.
    fn remove(&mut self, slot: usize, id: TaskId) -> Option<TaskRef> {
        let entry = self.slots.get_mut(slot)?;
        if entry.as_ref()?.header().id != id {
            return None;
        }
        let task = entry.take();
        self.free.push(slot);
        task
    }

    /// Occupied slots.
    fn live(&self) -> usize {
        self.slots.len() - self.free.len()
    }

    fn tasks(&self) -> impl Iterator<Item = &TaskRef> {
        self.slots.iter().flatten()
    }

    fn drain(&mut self) -> impl Iterator<Item = TaskRef> + '_ {
        self.free.clear();
        self.slots.drain(..).flatten()
    }
}

pub struct Registry {
    shards: Box<[Mutex<Slab>]>,
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
    pub fn new() -> Self {
        Registry {
            shards: (0..SHARDS).map(|_| Mutex::new(Slab::default())).collect(),
            waiting: AtomicUsize::new(0),
            drained: Condvar::new(),
            drained_lock: Mutex::new(()),
        }
    }

    fn shard(&self, id: TaskId) -> &Mutex<Slab> {
        &self.shards[(id.0 as usize) % SHARDS]
    }

    pub fn insert(&self, task: TaskRef) {
        self.shard(task.header().id).lock().insert(task);
    }

    /// Drops the registry's reference; called when the task completes.
    pub fn remove(&self, task: &Header) {
        let removed = {
            let mut shard = self.shard(task.id).lock();
            shard.remove(task.registry_slot.load(Relaxed), task.id)
        };
        // A waiter that counted this shard before our removal registered
        // in `waiting` before it locked the shard, and our lock came after
        // its unlock: we see it here. One that counted after saw the
        // removal. Either way nobody sleeps through the last removal.
        if removed.is_some() && self.waiting.load(SeqCst) != 0 {
            // The waiter holds `drained_lock` from its count until its wait
            // begins, so this notify cannot fall between the two.
            let _guard = self.drained_lock.lock();
            if self.is_empty() {
                self.drained.notify_all();
            }
        }
        drop(removed);
    }

    /// Whether no task is live (each shard looked at under its lock).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Live tasks, counted shard by shard (each under its lock).
    pub fn len(&self) -> usize {
        self.shards.iter().map(|shard| shard.lock().live()).sum()
    }

    /// A counted reference to every live task.
    pub(crate) fn snapshot(&self) -> Vec<TaskRef> {
        let mut all = Vec::with_capacity(self.len());
        for shard in self.shards.iter() {
            all.extend(shard.lock().tasks().cloned());
        }
        all.sort_by_key(|t| t.header().id);
        all
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::task::raw::{new_task, Notified, RawTask, Schedule, Spawn};
    use crate::task::{Task, TaskError};

    struct NoScheduler;
    impl Schedule for NoScheduler {
        fn schedule(&self, _: Notified) {}
        fn release(&self, _: &Header) {}
        fn unhandled(&self, _: &Header, _: TaskError) {}
    }

    /// A never-run task with id `id`: its handle (which keeps the address
    /// valid), its address, and the registry's reference.
    fn task(id: u64) -> (Task<()>, RawTask, TaskRef) {
        let spawn = Spawn {
            id: TaskId(id),
            name: None,
            owner: None,
        };
        let (raw, notified, registry_ref) = new_task(async {}, NoScheduler, spawn);
        drop(notified);
        (Task::from_raw(raw), raw, registry_ref)
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
}
