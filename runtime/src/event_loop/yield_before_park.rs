//! Yield before parking: a busy loop that runs out of work gives its core
//! away once and looks at its reactor again before it goes to sleep.
//!
//! Why: a sleep that ends in a wake is the dearest thing a loop does. The
//! thread leaves the CPU, and whoever makes it ready (the kernel delivering
//! a packet on the peer's behalf, or a sibling's unpark) pays for the
//! wake-up and, on a VM, for the halted core's exit: 40–60 µs end to end on
//! the 2-core CI box. Under a steady stream of requests a loop drains its
//! ready sockets in a few microseconds, finds nothing, sleeps, and is woken
//! microseconds later; the sleep buys nothing and the wake costs more than
//! the requests. `sched_yield` instead lets whatever is runnable on this
//! core run now (often the very client or sibling about to hand this loop
//! its next request), and a zero-timeout poll afterwards picks the request
//! up without a sleep or a wake.
//!
//! Measured (`netload http-serve` under `wrk -t1 -c64 -d3s`, 2 loops, the
//! server and `wrk` sharing 2 cores): the per-loop HTTP server went from
//! 0.26 to 0.01 context switches per request and from about 0.8× to about
//! 1.15× tokio's requests/s, with fewer syscalls per request, not more
//! (each parking `epoll_wait` that blocked is one syscall too). A yield
//! *loop* (spin up to 10–100 µs) was no better than one yield; spinning on
//! the CPU without yielding was worse than sleeping (it keeps the core from
//! the thread that would make the work).
//!
//! When: only while the loop is in a rhythm of short sleeps (its last sleep
//! ended within [`SHORT_SLEEP_NANOS`]) and its recent yields paid off. A
//! loop that slept longer (paced or light load, or idle) parks straight
//! away as before. A yield that finds nothing costs two syscalls
//! (`sched_yield` and the poll) and, where the loops themselves are the
//! only busy threads (64 TLS handshakes with client and server on one
//! runtime: 40 % of yields found work, against 85 % under `wrk`), measurably
//! slowed the run. So each loop keeps a credit: a yield that found work
//! earns [`CREDIT_FOUND`], one that did not costs [`CREDIT_MISSED`], and
//! while the credit is negative the loop does not yield but gains one per
//! short-sleep park, to try again later. Yielding is thus sustained only
//! while at least two yields in three find work.
//! `Builder::yield_before_park(false)` turns it off.

use super::core::LoopCore;
use std::cell::Cell;
use std::time::Duration;

/// Credit a yield earns when the poll after it found work.
const CREDIT_FOUND: i32 = 4;
/// Credit a yield loses when it found nothing: twice what a success earns,
/// so yielding lasts only while at least two yields in three pay.
const CREDIT_MISSED: i32 = 8;
/// The most credit a loop banks: a run of successes buys at most a few
/// misses before it must succeed again.
const CREDIT_MAX: i32 = 16;

/// A sleep at most this long counts as short: the loop is being woken about
/// as fast as it can be (several wakes' worth of the VM's 40–60 µs), so
/// work is arriving steadily. Longer than that, the next request is likely
/// further away than a time slice of whatever a yield would let run.
pub(crate) const SHORT_SLEEP_NANOS: u64 = 200_000;

/// Whether a loop's recent yields paid off (the credit scheme above).
#[derive(Debug, Default)]
pub(crate) struct YieldCredit(Cell<i32>);

impl YieldCredit {
    /// Whether the loop may yield now.
    fn allows(&self) -> bool {
        self.0.get() >= 0
    }

    /// Books a yield's outcome: whether the poll after it found work.
    fn record(&self, found: bool) {
        let credit = if found {
            (self.0.get() + CREDIT_FOUND).min(CREDIT_MAX)
        } else {
            self.0.get() - CREDIT_MISSED
        };
        self.0.set(credit);
    }

    /// A short sleep: a loop out of credit earns one back.
    fn after_short_sleep(&self) {
        if self.0.get() < 0 {
            self.0.set(self.0.get() + 1);
        }
    }
}

impl LoopCore {
    /// Out of work: if the loop's last sleep was short and its yields have
    /// been paying off, yields the core once and polls its reactor without
    /// blocking. Returns whether that gave this loop work (its events, or
    /// work queued for it meanwhile); if not the caller parks.
    pub(crate) fn yield_before_park(&self) -> bool {
        if !self.last_sleep_was_short.get()
            || !self.worker.shared.config.yield_before_park
            || !self.yield_credit.allows()
        {
            return false;
        }
        std::thread::yield_now();
        self.poll_events(Some(Duration::ZERO));
        self.dispatch_events();
        let found = self.has_own_work() || !self.worker.shared.injector.is_empty();
        self.yield_credit.record(found);
        let counters = &self.worker.state().counters;
        counters.park_yields.add(1);
        if found {
            counters.park_yields_found_work.add(1);
        }
        found
    }

    /// Called after every sleep in `park`: remembers whether it was short.
    pub(crate) fn note_sleep(&self, slept_nanos: u64) {
        let short = slept_nanos <= SHORT_SLEEP_NANOS;
        self.last_sleep_was_short.set(short);
        if short {
            self.yield_credit.after_short_sleep();
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::YieldCredit;

    /// Yields found work `hits` times in every `of`: the share of a long run
    /// of short-sleep parks in which the loop yielded.
    fn share_yielding(hits: u32, of: u32) -> f64 {
        let credit = YieldCredit::default();
        let (mut yielded, parks) = (0, 10_000);
        for park in 0..parks {
            if credit.allows() {
                yielded += 1;
                credit.record(park % of < hits);
            } else {
                credit.after_short_sleep();
            }
        }
        f64::from(yielded) / f64::from(parks)
    }

    #[test]
    fn yields_paying_off_keep_yielding() {
        // Under wrk 85 % of yields found work; at 3 in 4 it is sustained.
        assert_eq!(share_yielding(1, 1), 1.0);
        assert!(share_yielding(3, 4) > 0.99, "{}", share_yielding(3, 4));
    }

    #[test]
    fn yields_that_miss_mostly_stop() {
        // 2 in 5 (the TLS handshake run): the loop yields rarely, but still
        // tries now and then, so it notices when yields start to pay.
        let share = share_yielding(2, 5);
        assert!(share < 0.25 && share > 0.0, "{share}");
        assert!(share_yielding(0, 1) < 0.15);
    }
}
