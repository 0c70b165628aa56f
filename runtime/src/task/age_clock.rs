//! The clock behind a task's age (`dump_tasks`): read on every spawn, so it
//! must be cheap.
//!
//! On Linux the spawn stamp comes from `CLOCK_MONOTONIC_COARSE`, which the
//! vDSO answers from memory without reading the hardware clock (a precise
//! read cost about 4% of a spawn-heavy benchmark). It lags the precise
//! monotonic clock by at most one scheduler tick (1 to 10 ms), so an age is
//! never under-reported and is over-reported by at most that much.
//! Elsewhere both reads use `Instant`.
//!
//! Even the coarse read was a tenth of a spawned-and-run pinned task's
//! time (perf, `icount run hive pinned_chain`), so a loop thread keeps the
//! coarse time in a thread-local, refreshed whenever it polls its reactor
//! (every `event_interval` polls while busy) and whenever it wakes from a
//! park; its spawns read that. A stamp taken there lags by at most the
//! time since the loop's last refresh (one batch of polls; longer only
//! while a task blocks the loop) on top of the coarse clock's own lag.
//! Threads that are not loops read the clock.

crate::loom::const_thread_local! {
    /// A loop thread's cached coarse time (0: none, read the clock).
    static LOOP_STAMP: std::cell::Cell<u64> = std::cell::Cell::new(0);
}

/// A spawn stamp: the loop's cached coarse time on a loop thread, else
/// [`coarse_now_nanos`].
pub(crate) fn spawn_stamp() -> u64 {
    match LOOP_STAMP.with(|s| s.get()) {
        0 => coarse_now_nanos(),
        cached => cached,
    }
}

/// Refreshes this loop thread's cached time (`on`), or drops the cache
/// (the loop stopped).
pub(crate) fn refresh_loop_stamp(on: bool) {
    let now = if on { coarse_now_nanos() } else { 0 };
    LOOP_STAMP.with(|s| s.set(now));
}

/// Monotonic nanoseconds, at coarse resolution where cheap.
pub(crate) fn coarse_now_nanos() -> u64 {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        read(libc::CLOCK_MONOTONIC_COARSE)
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        now_nanos()
    }
}

/// Monotonic nanoseconds on the same clock as [`coarse_now_nanos`], precise.
pub(crate) fn now_nanos() -> u64 {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        read(libc::CLOCK_MONOTONIC)
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        static EPOCH: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
        EPOCH
            .get_or_init(std::time::Instant::now)
            .elapsed()
            .as_nanos() as u64
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn read(clock: libc::clockid_t) -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the call's duration;
    // both clock ids exist on every Linux this crate supports (2.6.32+).
    let rc = unsafe { libc::clock_gettime(clock, &mut ts) };
    debug_assert_eq!(rc, 0, "clock_gettime({clock}) failed");
    (ts.tv_sec as u64) * 1_000_000_000 + ts.tv_nsec as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_coarse_stamp_is_on_the_precise_clock_and_never_ahead_of_it() {
        for _ in 0..1000 {
            let before = now_nanos();
            let stamp = coarse_now_nanos();
            let after = now_nanos();
            assert!(stamp <= after, "stamp {stamp} ahead of the clock {after}");
            // The lag is one scheduler tick; a second only checks that both
            // read the same clock (a different base would be off by far more).
            assert!(
                stamp + 1_000_000_000 >= before,
                "stamp {stamp} far behind {before}"
            );
        }
    }
}
