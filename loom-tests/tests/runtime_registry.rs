//! The registry's drained handshake: shutdown (`Registry::wait_drained`)
//! waits for the last task to be removed, while tasks complete (and are
//! removed) on other threads. The live count is per shard, under each
//! shard's lock, and a removal looks whether the registry drained only
//! when a waiter has registered; the model checks that no interleaving
//! lets the waiter sleep through the last removal (loom reports the
//! deadlock; under loom the wait has no timeout to hide it).
#![cfg(loom)]

use hive_runtime::__loom::{
    new_task, task_id, Header, Notified, Registry, Schedule, Spawn, TaskError,
};
use loom::sync::Arc;
use loom::thread;

/// Tasks here are never scheduled; the registry only holds their references.
#[derive(Clone)]
struct NoScheduler;

impl Schedule for NoScheduler {
    fn schedule(&self, _task: Notified) {}
    fn release(&self, _task: &Header) {}
    fn unhandled(&self, _task: &Header, _error: TaskError) {}
}

/// A registered task: its handle reference and queue entry, kept so the
/// cell outlives the model's use of its header.
fn registered(registry: &Registry, id: u64) -> (hive_runtime::__loom::RawTask, Notified) {
    let (raw, notified, registry_ref) = new_task(
        async {},
        NoScheduler,
        Spawn {
            id: task_id(id),
            name: None,
            owner: None,
        },
    );
    registry.insert(registry_ref);
    (raw, notified)
}

#[test]
fn a_waiter_never_sleeps_through_the_last_removal() {
    loom::model(|| {
        let registry = Arc::new(Registry::new());
        // Ids 0 and 1 land in different shards: the waiter counts them
        // under different locks.
        let tasks: Vec<_> = (0..2).map(|id| registered(&registry, id)).collect();
        let removers: Vec<_> = tasks
            .into_iter()
            .map(|(raw, notified)| {
                let registry = registry.clone();
                thread::spawn(move || {
                    registry.remove(notified.header());
                    // The handle's and the queue entry's references go too.
                    drop(notified);
                    // SAFETY: the handle reference from `new_task`, dropped once.
                    drop(unsafe { hive_runtime::__loom::task_handle::<()>(raw) });
                })
            })
            .collect();
        assert!(registry.wait_drained(None));
        assert_eq!(registry.len(), 0);
        for remover in removers {
            remover.join().unwrap();
        }
    });
}
