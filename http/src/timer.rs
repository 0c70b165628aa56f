//! [`HiveTimer`]: hyper's `Timer` (keep-alive, header-read and pool
//! timeouts) on hive's timer wheel.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// hyper's timer on hive's loops: each sleep is a [`hive::Sleep`](hive_runtime::Sleep)
/// registered with the loop that polls it. hyper-util's `TokioTimer`, for
/// hive.
///
/// ```
/// use hyper::rt::Timer;
/// # hive::run(async {
/// let start = std::time::Instant::now();
/// hive::http::HiveTimer::new().sleep(std::time::Duration::from_millis(5)).await;
/// assert!(start.elapsed() >= std::time::Duration::from_millis(5));
/// # }).unwrap();
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct HiveTimer;

impl HiveTimer {
    /// The timer.
    ///
    /// ```
    /// let _timer = hive::http::HiveTimer::new();
    /// ```
    pub fn new() -> HiveTimer {
        HiveTimer
    }
}

impl hyper::rt::Timer for HiveTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(HiveSleep(hive_runtime::sleep(duration)))
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(HiveSleep(hive_runtime::sleep_until(deadline)))
    }

    /// Moves a sleep of ours in place (no new allocation); anything else
    /// is replaced.
    fn reset(&self, sleep: &mut Pin<Box<dyn hyper::rt::Sleep>>, deadline: Instant) {
        match sleep.as_mut().downcast_mut_pin::<HiveSleep>() {
            Some(ours) => Pin::new(&mut ours.get_mut().0).reset(deadline),
            None => *sleep = self.sleep_until(deadline),
        }
    }
}

/// A hive sleep as hyper's `Sleep`.
struct HiveSleep(hive_runtime::Sleep);

impl Future for HiveSleep {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.0).poll(cx)
    }
}

impl hyper::rt::Sleep for HiveSleep {}
