//! The clock behind a task's age (`dump_tasks`): read on every spawn, so it
//! must be cheap.
//!
//! On Linux the spawn stamp comes from `CLOCK_MONOTONIC_COARSE`, which the
//! vDSO answers from memory without reading the hardware clock (a precise
//! read cost about 4% of a spawn-heavy benchmark). It lags the precise
//! monotonic clock by at most one scheduler tick (1 to 10 ms), so an age is
//! never under-reported and is over-reported by at most that much.
//! Elsewhere both reads use `Instant`.

/// A spawn stamp: monotonic nanoseconds, at coarse resolution where cheap.
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
