//! The registry's drained handshake: shutdown (`Registry::wait_drained`)
//! waits for the last task to be removed, while tasks complete (and are
//! removed) on other threads. The live count is per shard, under each
//! shard's lock, and a removal looks whether the registry drained only
//! when a waiter has registered; the model checks that no interleaving
//! lets the waiter sleep through the last removal (loom reports the
//! deadlock; under loom the wait has no timeout to hide it).
#![cfg(loom)]

use hive_runtime::__loom::{
    new_task, task_id, Header, Notified, Registry, Schedule, Spawn, TaskError, TaskRef,
};
use loom::sync::Arc;
use loom::thread;

/// Tasks here are never scheduled; the registry only holds their references.
#[derive(Clone)]
struct NoScheduler;

impl Schedule for NoScheduler {
    fn schedule(&self, _task: Notified) {}
    fn release(&self, _task: &Header) -> Option<TaskRef> {
        None
    }
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

/// A loop publishes its journal (a pinned task it spawned) while
/// another thread shuts down: sets the flag, then cancels every task its
/// snapshot lists. Whatever the order, the task is cancelled: the snapshot
/// lists it, or `Journal::publish` sees the flag after publishing and
/// cancels it itself.
#[test]
fn shutdown_reaches_a_task_published_while_it_runs() {
    use hive_runtime::__loom::Journal;
    use loom::sync::atomic::{AtomicBool, Ordering::Release};
    loom::model(|| {
        let registry = Arc::new(Registry::with_loops(1));
        let shutting_down = Arc::new(AtomicBool::new(false));
        let (raw, notified, registry_ref) = new_task(
            async {},
            NoScheduler,
            Spawn {
                id: task_id(7),
                name: None,
                owner: Some(0),
            },
        );
        let spawner = {
            let (registry, shutting_down) = (registry.clone(), shutting_down.clone());
            thread::spawn(move || {
                let mut journal = Journal::default();
                journal.insert(&registry, 0, registry_ref);
                let dropped = journal.publish(&registry, 0, &shutting_down);
                assert!(dropped.is_empty());
            })
        };
        shutting_down.store(true, Release);
        for task in registry.snapshot() {
            task.cancel();
        }
        spawner.join().unwrap();
        // The loop runs the task's queue entry: a cancelled task completes
        // as cancelled without being polled.
        notified.run();
        // SAFETY: the handle reference from `new_task`, used once.
        let handle = unsafe { hive_runtime::__loom::task_handle::<()>(raw) };
        assert!(handle.is_cancelled(), "shutdown missed a published task");
        // Completion removes it from the registry.
        for task in registry.snapshot() {
            registry.remove(task.header());
        }
        assert!(registry.is_empty());
    });
}

/// A stealable task running on loop 0 spawns a task pinned to loop 0 (into
/// loop 0's journal, unpublished), then finishes on loop 1, which
/// publishes its removal while loop 0 has not published yet. A count
/// taken meanwhile must not call the registry empty: the child is alive.
/// (Without loop 0's `unpublished` flag, or with the flag read outside
/// the shard locks, the count sees neither task.)
#[test]
fn a_count_never_calls_a_live_registry_empty() {
    use hive_runtime::__loom::Journal;
    use loom::sync::atomic::{AtomicBool, Ordering::Acquire, Ordering::Release};
    loom::model(|| {
        let registry = Arc::new(Registry::with_loops(2));
        let never = Arc::new(AtomicBool::new(false));
        // The spawner: stealable, published (id 3's shard).
        let (spawner_raw, spawner_entry) = registered(&registry, 3);
        let (child_raw, child_entry, child_ref) = new_task(
            async {},
            NoScheduler,
            Spawn {
                id: task_id(4),
                name: None,
                owner: Some(0),
            },
        );
        // The queue that carries the spawner from loop 0 to loop 1.
        let handed_over = Arc::new(AtomicBool::new(false));
        let loop0 = {
            let (registry, never, handed_over) =
                (registry.clone(), never.clone(), handed_over.clone());
            thread::spawn(move || {
                let mut journal = Journal::default();
                journal.insert(&registry, 0, child_ref);
                handed_over.store(true, Release);
                let dropped = journal.publish(&registry, 0, &never);
                assert!(dropped.is_empty());
            })
        };
        let loop1 = {
            let (registry, never, handed_over) =
                (registry.clone(), never.clone(), handed_over.clone());
            thread::spawn(move || {
                while !handed_over.load(Acquire) {
                    thread::yield_now();
                }
                let mut journal = Journal::default();
                assert!(journal.remove(&registry, spawner_entry.header()).is_none());
                let mut dropped = journal.publish(&registry, 1, &never);
                assert_eq!(dropped.len(), 1);
                dropped.clear();
                spawner_entry
            })
        };
        assert!(!registry.is_empty(), "a live child was missed");
        loop0.join().unwrap();
        let spawner_entry = loop1.join().unwrap();
        // Clean up: the child completes and is removed.
        for task in registry.snapshot() {
            registry.remove(task.header());
        }
        assert!(registry.is_empty());
        drop((spawner_entry, child_entry));
        // SAFETY: the handle references from `new_task`, each dropped once.
        unsafe {
            drop(hive_runtime::__loom::task_handle::<()>(spawner_raw));
            drop(hive_runtime::__loom::task_handle::<()>(child_raw));
        }
    });
}
