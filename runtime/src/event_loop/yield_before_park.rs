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
//! When: only while the loop is in a rhythm of short sleeps, that is its
//! last sleep ended within [`SHORT_SLEEP_NANOS`]. A loop that slept longer
//! (paced or light load, or idle) parks straight away as before, so it pays
//! no extra syscalls: a yield that finds nothing costs two (`sched_yield`
//! and the poll), which would add about one syscall per message to a
//! server paced in 1 ms bursts. `Builder::yield_before_park(false)` turns
//! it off.

use super::core::LoopCore;
use std::time::Duration;

/// A sleep at most this long counts as short: the loop is being woken about
/// as fast as it can be (several wakes' worth of the VM's 40–60 µs), so
/// work is arriving steadily. Longer than that, the next request is likely
/// further away than a time slice of whatever a yield would let run.
pub(crate) const SHORT_SLEEP_NANOS: u64 = 200_000;

impl LoopCore {
    /// Out of work: if the loop's last sleep was short, yields the core once
    /// and polls its reactor without blocking. Returns whether that gave
    /// this loop work (its events, or work queued for it meanwhile); if not
    /// the caller parks.
    pub(crate) fn yield_before_park(&self) -> bool {
        if !self.last_sleep_was_short.get() || !self.worker.shared.config.yield_before_park {
            return false;
        }
        std::thread::yield_now();
        self.poll_events(Some(Duration::ZERO));
        self.dispatch_events();
        self.has_own_work() || !self.worker.shared.injector.is_empty()
    }

    /// Called around every sleep in `park`: remembers whether it was short.
    pub(crate) fn note_sleep(&self, slept_nanos: u64) {
        self.last_sleep_was_short
            .set(slept_nanos <= SHORT_SLEEP_NANOS);
    }
}
