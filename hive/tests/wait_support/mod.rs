//! Waiting on a condition instead of a duration: tests that need the runtime
//! in some state (loops parked, a spinner running) poll for that state, with
//! a deadline that only turns a hang into a failure.

#![allow(dead_code)]

use std::time::{Duration, Instant};

/// How long a condition may take before the test calls it a hang. Far above
/// anything a loaded machine needs: reaching it means the state never came.
pub const HANG: Duration = Duration::from_secs(30);

/// Polls `cond` from this (non-loop) thread until it holds, failing the test
/// with `what` and `HANG` if it never does.
pub fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + HANG;
    while !cond() {
        assert!(Instant::now() < deadline, "{what}: not within {HANG:?}");
        // Not a guess at how long anything takes: only how often to look.
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Waits until every loop of `rt` has parked at least once more than in
/// `since` (a `parks` count per loop, e.g. all zeros for a new runtime).
pub fn wait_until_every_loop_parks(rt: &hive::Runtime, since: &[u64]) {
    wait_until("every loop parks", || {
        let m = rt.metrics();
        m.loops
            .iter()
            .zip(since)
            .all(|(l, &before)| l.parks > before)
    });
}

/// Each loop's `parks` count now.
pub fn parks(rt: &hive::Runtime) -> Vec<u64> {
    rt.metrics().loops.iter().map(|l| l.parks).collect()
}

/// The sum of every loop's `driver_wakes`.
pub fn driver_wakes(rt: &hive::Runtime) -> u64 {
    rt.metrics().loops.iter().map(|l| l.driver_wakes).sum()
}
