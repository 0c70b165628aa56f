//! loom model of hive-sync's `Barrier`: parties arriving on different
//! threads are all released with distinct arrival indices, a second round
//! waits for the first to drain, and `abort` racing with an arrival never
//! leaves it waiting.
#![cfg(loom)]

use hive_sync::Barrier;
use loom::future::block_on;
use loom::sync::Arc;
use loom::thread;

#[test]
fn two_parties_meet_twice_with_distinct_indices() {
    loom::model(|| {
        let barrier = Arc::new(Barrier::new(2));
        let other = {
            let barrier = barrier.clone();
            thread::spawn(move || {
                let a = block_on(barrier.wait()).unwrap();
                let b = block_on(barrier.wait()).unwrap();
                (a, b)
            })
        };
        // Arriving for the second round while the first still drains must
        // wait for the drain, not join (and overfill) the old round.
        let mine = (
            block_on(barrier.wait()).unwrap(),
            block_on(barrier.wait()).unwrap(),
        );
        let theirs = other.join().unwrap();
        assert_eq!(mine.0 + theirs.0, 1, "round one: indices 0 and 1");
        assert_eq!(mine.1 + theirs.1, 1, "round two: indices 0 and 1");
        assert_eq!(barrier.n_waiting(), 0);
        assert!(!barrier.broken());
    });
}

#[test]
fn abort_racing_an_arrival_never_strands_it() {
    loom::model(|| {
        let barrier = Arc::new(Barrier::new(2));
        let arrival = {
            let barrier = barrier.clone();
            thread::spawn(move || block_on(barrier.wait()))
        };
        barrier.abort();
        assert!(
            arrival.join().unwrap().is_err(),
            "an aborted barrier lets nobody through"
        );
        assert!(barrier.broken());
    });
}
