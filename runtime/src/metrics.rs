//! Per-loop counters, readable from [`Runtime::metrics`](crate::Runtime::metrics).

use crate::loom::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Counters one loop writes and anyone may read.
#[derive(Default)]
pub(crate) struct LoopCounters {
    pub(crate) polls: OwnCounter,
    pub(crate) steals: OwnCounter,
    pub(crate) stolen_tasks: OwnCounter,
    pub(crate) parks: OwnCounter,
    pub(crate) bell_parks: OwnCounter,
    pub(crate) watch_parks: OwnCounter,
    pub(crate) injector_pulls: OwnCounter,
    /// Also added to by a sibling that harvests this loop's events.
    pub(crate) io_events: Counter,
    /// Added to by whichever thread unparks this loop.
    pub(crate) driver_wakes: Counter,
    pub(crate) timers_fired: OwnCounter,
    pub(crate) rescued_events: OwnCounter,
    pub(crate) park_yields: OwnCounter,
    pub(crate) park_yields_found_work: OwnCounter,
}

/// A counter more than one thread adds to: an atomic read-modify-write,
/// so that no addition is lost.
#[derive(Default)]
pub(crate) struct Counter(AtomicU64);

impl Counter {
    pub(crate) fn add(&self, n: u64) {
        self.0.fetch_add(n, Relaxed);
    }
    pub(crate) fn get(&self) -> u64 {
        self.0.load(Relaxed)
    }
}

/// A counter only its loop's thread adds to: a load and a store, not a
/// read-modify-write. The poll count alone, bumped with `fetch_add` on
/// every task poll, was 5 % of a pinned ping-pong's samples (`perf
/// annotate`, `icount run hive pinned_ping_pong`): a locked instruction
/// where a plain one does. Readers on other threads see a value at most a
/// few additions old, never a torn one.
#[derive(Default)]
pub(crate) struct OwnCounter(AtomicU64);

impl OwnCounter {
    /// Only the owning loop's thread may call this (two writers would lose
    /// additions, never corrupt the value).
    pub(crate) fn add(&self, n: u64) {
        self.0.store(self.0.load(Relaxed) + n, Relaxed);
    }
    pub(crate) fn get(&self) -> u64 {
        self.0.load(Relaxed)
    }
}

/// A snapshot of one loop's counters.
///
/// ```
/// let rt = hive::Runtime::builder().loops(2).build().unwrap();
/// let metrics = rt.metrics();
/// assert_eq!(metrics.loops.len(), 2);
/// println!("loop 0 polled {} tasks", metrics.loops[0].polls);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoopMetrics {
    /// Task polls run by this loop (pinned and stealable).
    pub polls: u64,
    /// Successful steal operations from sibling loops.
    pub steals: u64,
    /// Tasks moved into this loop by those steals.
    pub stolen_tasks: u64,
    /// Times the loop went to sleep (in its reactor, watching every
    /// reactor, or on its bell).
    pub parks: u64,
    /// Of those, the times it slept on its bell while a sibling watched the
    /// reactors (see [`Builder::idle_watcher`](crate::Builder::idle_watcher)).
    pub bell_parks: u64,
    /// Of those, the times it slept as the watcher of every loop's reactor;
    /// the rest (`parks - bell_parks - watch_parks`) it slept in its own.
    pub watch_parks: u64,
    /// Tasks this loop took from the shared injector.
    pub injector_pulls: u64,
    /// I/O readiness events this loop's reactor delivered (including those
    /// a sibling took from it while this loop was stalled).
    pub io_events: u64,
    /// I/O events this loop took from a sibling's reactor and ran itself:
    /// as the idle watcher, for siblings asleep on their bells, or from a
    /// stalled sibling (one the OS descheduled, or stuck in a long task).
    pub rescued_events: u64,
    /// Times the loop, out of work soon after its last sleep, yielded its
    /// core and polled its reactor once more before parking (see
    /// [`Builder::yield_before_park`](crate::Builder::yield_before_park)).
    pub park_yields: u64,
    /// Of those, the times that found work, so the loop did not park.
    pub park_yields_found_work: u64,
    /// Times another thread had to write this loop's wake-up fd (it was asleep).
    pub driver_wakes: u64,
    /// Timers (sleeps, timeouts, `call_later`) that fired on this loop.
    pub timers_fired: u64,
    /// Timers registered on this loop and not yet fired or cancelled.
    /// Cancelling a timer removes it at once, so this falls immediately.
    pub pending_timers: usize,
}

/// A snapshot of the whole runtime's counters.
///
/// ```
/// let rt = hive::Runtime::builder().loops(1).build().unwrap();
/// assert_eq!(rt.metrics().live_tasks, 0);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RuntimeMetrics {
    /// One entry per loop, in `LoopId` order.
    pub loops: Vec<LoopMetrics>,
    /// Tasks spawned and not yet complete, as the registry has them: a
    /// busy loop publishes its pinned spawns and its completions in
    /// batches (at least every 61 ticks, and before it sleeps), so this
    /// may lag by that much.
    pub live_tasks: usize,
    /// Threads in the blocking pool right now (busy or idle).
    pub blocking_threads: usize,
}

impl LoopCounters {
    pub(crate) fn snapshot(&self) -> LoopMetrics {
        LoopMetrics {
            polls: self.polls.get(),
            steals: self.steals.get(),
            stolen_tasks: self.stolen_tasks.get(),
            parks: self.parks.get(),
            bell_parks: self.bell_parks.get(),
            watch_parks: self.watch_parks.get(),
            injector_pulls: self.injector_pulls.get(),
            io_events: self.io_events.get(),
            driver_wakes: self.driver_wakes.get(),
            timers_fired: self.timers_fired.get(),
            rescued_events: self.rescued_events.get(),
            park_yields: self.park_yields.get(),
            park_yields_found_work: self.park_yields_found_work.get(),
            pending_timers: 0,
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_loops_own_counter_adds_up_and_other_threads_read_it() {
        let counter = std::sync::Arc::new(OwnCounter::default());
        let writer = {
            let counter = counter.clone();
            std::thread::spawn(move || {
                for _ in 0..1000 {
                    counter.add(1);
                }
                counter.add(5);
            })
        };
        // A reader meanwhile sees some value in range, never a torn one.
        let seen = counter.get();
        assert!(seen <= 1005, "{seen}");
        writer.join().unwrap();
        assert_eq!(counter.get(), 1005);
    }
}
