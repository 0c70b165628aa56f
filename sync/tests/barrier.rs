//! Barrier: arrival indices, rounds, abort, reset, cancellation.

mod common;

use std::sync::Arc;
use std::thread;

use common::{block_on, parked};
use hive_sync::{Barrier, BrokenBarrier};

#[test]
fn indices_are_arrival_order() {
    let barrier = Barrier::new(3);
    let mut a = parked(barrier.wait());
    let mut b = parked(barrier.wait());
    assert_eq!(barrier.n_waiting(), 2);
    let mut c = common::Probe::new(barrier.wait());
    assert_eq!(c.ready(), Ok(2));
    assert_eq!(a.woken(), 1);
    assert_eq!(b.woken(), 1);
    assert_eq!(a.ready(), Ok(0));
    assert_eq!(b.ready(), Ok(1));
    assert_eq!(barrier.n_waiting(), 0);
    assert!(!barrier.broken());
}

#[test]
fn abort_breaks_current_and_later_waits_until_reset() {
    let barrier = Barrier::new(3);
    let mut a = parked(barrier.wait());
    barrier.abort();
    assert!(barrier.broken());
    assert_eq!(a.ready(), Err(BrokenBarrier));
    drop(a);
    assert_eq!(block_on(barrier.wait()), Err(BrokenBarrier));
    barrier.reset();
    assert!(!barrier.broken());
    let _b = parked(barrier.wait());
    assert_eq!(barrier.n_waiting(), 1);
}

#[test]
fn newcomers_wait_for_the_drain_to_finish() {
    let barrier = Barrier::new(2);
    let mut a = parked(barrier.wait());
    assert_eq!(block_on(barrier.wait()), Ok(1));
    // `a` is released but has not left: the next round must wait for it.
    let mut c = parked(barrier.wait());
    assert_eq!(a.ready(), Ok(0));
    assert_eq!(c.woken(), 1);
    c.pending(); // now filling the second round
    assert_eq!(barrier.n_waiting(), 1);
    assert_eq!(block_on(barrier.wait()), Ok(1));
    assert_eq!(c.ready(), Ok(0));
}

#[test]
fn dropped_waiter_lowers_the_count() {
    let barrier = Barrier::new(2);
    let a = parked(barrier.wait());
    assert_eq!(barrier.n_waiting(), 1);
    drop(a);
    assert_eq!(barrier.n_waiting(), 0);
    let _b = parked(barrier.wait());
    assert_eq!(barrier.n_waiting(), 1);
}

#[test]
fn threads_pass_many_rounds() {
    const PARTIES: usize = 3;
    const ROUNDS: usize = 200;
    let barrier = Arc::new(Barrier::new(PARTIES));
    let handles: Vec<_> = (0..PARTIES)
        .map(|_| {
            let barrier = barrier.clone();
            thread::spawn(move || {
                block_on(async {
                    let mut last = 0;
                    for _ in 0..ROUNDS {
                        let index = barrier.wait().await.unwrap();
                        assert!(index < PARTIES);
                        last += usize::from(index == PARTIES - 1);
                    }
                    last
                })
            })
        })
        .collect();
    let lasts: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(lasts, ROUNDS, "exactly one last arrival per round");
}
