//! TaskGroup's counting core under every interleaving: children finishing
//! and failing while the group is cancelled and joined, and a spawn racing
//! an abort. The model drives `GroupCore` directly with mock children that
//! only record whether they were cancelled.
#![cfg(loom)]

use hive_runtime::__loom::{task_id, ChildEnd, GroupChild, GroupCore};
use loom::sync::atomic::{AtomicBool, Ordering::SeqCst};
use loom::sync::Arc;
use loom::thread;
use std::future::poll_fn;

#[derive(Clone, Default)]
struct MockChild {
    cancelled: Arc<AtomicBool>,
}

impl GroupChild for MockChild {
    fn cancel(&self) {
        self.cancelled.store(true, SeqCst);
    }
    fn is_done(&self) -> bool {
        false
    }
}

type Core = GroupCore<u32, MockChild>;

fn spawn_child(core: &Core) -> MockChild {
    core.begin_spawn().expect("an open group accepts children");
    let child = MockChild::default();
    core.add_child(child.clone());
    child
}

/// One child finishes, one fails, and someone cancels the group, all at
/// once, while the owner joins: the join returns exactly when both children
/// ended, sees the failure, and closes the group.
#[test]
fn completion_counting_races_failure_cancellation_and_join() {
    loom::model(|| {
        let core = Arc::new(Core::new());
        let a = spawn_child(&core);
        let b = spawn_child(&core);

        let finisher = {
            let core = core.clone();
            thread::spawn(move || {
                core.child_done(ChildEnd::Finished);
            })
        };
        let failer = {
            let core = core.clone();
            thread::spawn(move || {
                core.child_done(ChildEnd::Failed(7));
                // A cancel from outside racing the failure's own abort.
                core.abort();
            })
        };

        loom::future::block_on(poll_fn(|cx| core.poll_join(cx)));
        assert_eq!(core.live(), 0);
        let outcome = core.take_outcome();
        assert_eq!(outcome.failures, [7]);
        assert!(core.is_aborted());
        // The abort reached every registered child.
        assert!(a.cancelled.load(SeqCst) && b.cancelled.load(SeqCst));
        // The joined group takes no more children.
        assert!(core.begin_spawn().is_err());

        finisher.join().unwrap();
        failer.join().unwrap();
    });
}

/// The joiner must not miss the last child's wake-up, and a cancelled child
/// ending by cancellation is counted (it is not a failure).
#[test]
fn the_last_child_cancelled_by_the_group_wakes_the_joiner() {
    loom::model(|| {
        let core = Arc::new(Core::new());
        let child = spawn_child(&core);

        let canceller = {
            let core = core.clone();
            thread::spawn(move || {
                core.abort();
            })
        };
        let runner = {
            let core = core.clone();
            let child = child.clone();
            thread::spawn(move || {
                // The child ends: by cancellation if it saw the request.
                if child.cancelled.load(SeqCst) {
                    core.child_done(ChildEnd::Cancelled(task_id(2), "child".into()));
                } else {
                    core.child_done(ChildEnd::Finished);
                }
            })
        };

        loom::future::block_on(poll_fn(|cx| core.poll_join(cx)));
        assert_eq!(core.live(), 0);
        assert!(core.take_outcome().failures.is_empty());

        canceller.join().unwrap();
        runner.join().unwrap();
        assert!(child.cancelled.load(SeqCst));
    });
}

/// A spawn racing an abort: either the group refuses the child, or the
/// child is registered and cancelled (by the abort's sweep or by
/// `add_child`'s re-check); it is never left running in an aborted group.
#[test]
fn a_spawn_racing_an_abort_is_refused_or_cancelled() {
    loom::model(|| {
        let core = Arc::new(Core::new());
        let child = MockChild::default();

        let spawner = {
            let core = core.clone();
            let child = child.clone();
            thread::spawn(move || {
                if core.begin_spawn().is_ok() {
                    core.add_child(child);
                    true
                } else {
                    false
                }
            })
        };
        let aborter = {
            let core = core.clone();
            thread::spawn(move || {
                core.abort();
            })
        };

        let accepted = spawner.join().unwrap();
        aborter.join().unwrap();
        if accepted {
            assert!(child.cancelled.load(SeqCst), "a child escaped the abort");
            assert_eq!(core.live(), 1);
            core.child_done(ChildEnd::Cancelled(task_id(2), "child".into()));
        }
        loom::future::block_on(poll_fn(|cx| core.poll_join(cx)));
        assert_eq!(core.live(), 0);
    });
}
