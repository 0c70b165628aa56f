//! Every live task of a runtime, so shutdown can cancel them all and
//! `all_tasks` can list them.
//!
//! The registry holds one reference per task until it completes. That is what
//! lets shutdown reach a task that is parked on a waker cycle (two tasks
//! waiting on each other), which no queue holds.

use crate::loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use crate::loom::sync::{Condvar, Mutex};
use crate::task::raw::TaskRef;
use crate::task::TaskId;
use std::collections::HashMap;

const SHARDS: usize = 32;

pub(crate) struct Registry {
    shards: Box<[Mutex<HashMap<TaskId, TaskRef>>]>,
    live: AtomicUsize,
    /// Signalled when `live` drops to zero (shutdown waits on it).
    drained: Condvar,
    drained_lock: Mutex<()>,
}

impl Registry {
    pub(crate) fn new() -> Self {
        Registry {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            live: AtomicUsize::new(0),
            drained: Condvar::new(),
            drained_lock: Mutex::new(()),
        }
    }

    fn shard(&self, id: TaskId) -> &Mutex<HashMap<TaskId, TaskRef>> {
        &self.shards[(id.0 as usize) % SHARDS]
    }

    pub(crate) fn insert(&self, task: TaskRef) {
        self.live.fetch_add(1, SeqCst);
        let id = task.header().id;
        self.shard(id).lock().insert(id, task);
    }

    /// Drops the registry's reference; called when the task completes.
    pub(crate) fn remove(&self, id: TaskId) {
        let removed = self.shard(id).lock().remove(&id);
        if removed.is_some() && self.live.fetch_sub(1, SeqCst) == 1 {
            let _guard = self.drained_lock.lock();
            self.drained.notify_all();
        }
        drop(removed);
    }

    pub(crate) fn len(&self) -> usize {
        self.live.load(SeqCst)
    }

    /// A counted reference to every live task.
    pub(crate) fn snapshot(&self) -> Vec<TaskRef> {
        let mut all = Vec::with_capacity(self.len());
        for shard in self.shards.iter() {
            all.extend(shard.lock().values().cloned());
        }
        all.sort_by_key(|t| t.header().id);
        all
    }

    /// Waits until no task is live, or until `deadline`. Returns whether it drained.
    pub(crate) fn wait_drained(&self, deadline: Option<std::time::Instant>) -> bool {
        let mut guard = self.drained_lock.lock();
        loop {
            if self.len() == 0 {
                return true;
            }
            let wait = match deadline {
                Some(deadline) => {
                    match deadline.checked_duration_since(std::time::Instant::now()) {
                        Some(left) if !left.is_zero() => left,
                        _ => return false,
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
        }
    }

    /// Forgets the remaining tasks' references instead of dropping them: used
    /// when shutdown timed out, because dropping a `!Send` future off its own
    /// loop thread would be unsound. The memory leaks; nothing else happens.
    pub(crate) fn leak_remaining(&self) -> usize {
        let mut leaked = 0;
        for shard in self.shards.iter() {
            for (_, task) in shard.lock().drain() {
                std::mem::forget(task);
                leaked += 1;
            }
        }
        leaked
    }
}
