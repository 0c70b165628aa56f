//! loom model of hive-process's orphan queue: a `Process` dropped on one
//! thread hands its child to the queue while the reaper, on another,
//! finishes what may be its last pass. Whoever ends up holding the reaper
//! role must see every orphan: none is stranded in a queue nobody reaps,
//! and none is reaped twice.
#![cfg(loom)]

// The shipped file itself, compiled here on its own: it needs only
// `crate::loom::sync::Mutex`, which `mod loom` below supplies from the same
// shim hive-process uses, so hive-process need not build under loom
// (`::loom` below is the loom crate, `loom` this module).
#[path = "../../process/src/orphan.rs"]
#[allow(dead_code)] // the reaper thread's `for_each`, `len`, `reaper_failed`
mod orphan;
mod loom {
    pub(crate) use hive_loom_shim::*;
}

use ::loom::sync::atomic::{AtomicBool, Ordering};
use ::loom::sync::Arc;
use ::loom::thread;
use orphan::{OrphanQueue, Reap};

/// A child: exits when `exited` is set; `reaped` records the one reap.
struct Child {
    exited: Arc<AtomicBool>,
    reaped: Arc<AtomicBool>,
}

impl Reap for Child {
    fn try_reap(&mut self) -> bool {
        if !self.exited.load(Ordering::SeqCst) {
            return false;
        }
        assert!(!self.reaped.swap(true, Ordering::SeqCst), "reaped twice");
        true
    }
}

fn child(exited: bool) -> (Child, Arc<AtomicBool>, Arc<AtomicBool>) {
    let e = Arc::new(AtomicBool::new(exited));
    let r = Arc::new(AtomicBool::new(false));
    (
        Child {
            exited: e.clone(),
            reaped: r.clone(),
        },
        e,
        r,
    )
}

/// What the reaper thread does (sleeps become yields).
fn reaper(queue: &OrphanQueue<Child>) {
    while queue.reap() {
        thread::yield_now();
    }
}

#[test]
fn an_orphan_pushed_while_the_reaper_stops_is_not_stranded() {
    ::loom::model(|| {
        let queue = Arc::new(OrphanQueue::new());
        let (first, _, first_reaped) = child(true);
        assert!(queue.push(first), "an empty queue has no reaper");
        let r = {
            let queue = queue.clone();
            thread::spawn(move || reaper(&queue))
        };
        let (second, _, second_reaped) = child(true);
        let p = {
            let queue = queue.clone();
            thread::spawn(move || {
                // The real code starts a reaper thread when push says so.
                if queue.push(second) {
                    reaper(&queue);
                }
            })
        };
        r.join().unwrap();
        p.join().unwrap();
        assert!(first_reaped.load(Ordering::SeqCst));
        assert!(second_reaped.load(Ordering::SeqCst), "orphan stranded");
        assert_eq!(queue.len(), 0);
    });
}

#[test]
fn the_reaper_waits_for_a_child_that_exits_later() {
    ::loom::model(|| {
        let queue = Arc::new(OrphanQueue::new());
        let (slow, exited, reaped) = child(false);
        assert!(queue.push(slow));
        let r = {
            let queue = queue.clone();
            thread::spawn(move || reaper(&queue))
        };
        let exit = thread::spawn(move || exited.store(true, Ordering::SeqCst));
        let (quick, _, quick_reaped) = child(true);
        let started = queue.push(quick);
        if started {
            reaper(&queue);
        }
        exit.join().unwrap();
        r.join().unwrap();
        assert!(reaped.load(Ordering::SeqCst) && quick_reaped.load(Ordering::SeqCst));
        assert_eq!(queue.len(), 0);
    });
}

#[test]
fn a_reaper_that_cannot_start_hands_the_role_back() {
    ::loom::model(|| {
        let queue = Arc::new(OrphanQueue::new());
        let (a, _, a_reaped) = child(true);
        assert!(queue.push(a));
        queue.reaper_failed(); // the thread could not be spawned
        let (b, _, b_reaped) = child(true);
        let p = {
            let queue = queue.clone();
            thread::spawn(move || {
                if queue.push(b) {
                    reaper(&queue);
                }
            })
        };
        p.join().unwrap();
        assert!(a_reaped.load(Ordering::SeqCst) && b_reaped.load(Ordering::SeqCst));
    });
}
