//! `yield_now`: asyncio's `sleep(0)`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Yields to the loop once (asyncio's `await asyncio.sleep(0)`): the task
/// goes to the back of its queue and the work already queued runs first.
///
/// ```
/// # hive::run(async {
/// let lp = hive::get_running_loop().unwrap();
/// let (tx, rx) = std::sync::mpsc::channel();
/// lp.call_soon(move || tx.send("callback").unwrap());
/// hive::yield_now().await; // the callback runs before we resume
/// assert_eq!(rx.try_recv(), Ok("callback"));
/// # }).unwrap();
/// ```
#[doc(alias = "sleep(0)")]
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// The future returned by [`yield_now`].
///
/// ```
/// # hive::run(async {
/// let y: hive::YieldNow = hive::yield_now();
/// y.await;
/// # }).unwrap();
/// ```
#[must_use = "yield_now does nothing unless awaited"]
#[derive(Debug)]
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        crate::task::current::yield_to_loop(cx.waker());
        Poll::Pending
    }
}
