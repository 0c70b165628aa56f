//! Helpers for unit tests: a waker that counts its wakes and a one-shot poll.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

/// Counts how often its waker was woken.
#[derive(Debug, Default)]
pub(crate) struct Counter(Mutex<usize>);

impl Counter {
    /// Wakes so far.
    pub(crate) fn count(&self) -> usize {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Wake for Counter {
    fn wake(self: Arc<Self>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) += 1;
    }
}

/// A fresh counter and a waker that bumps it.
pub(crate) fn counting_waker() -> (Arc<Counter>, Waker) {
    let counter = Arc::new(Counter::default());
    (counter.clone(), Waker::from(counter))
}

/// Polls `future` once with `waker`.
pub(crate) fn poll_once<F: Future + Unpin>(future: &mut F, waker: &Waker) -> Poll<F::Output> {
    Pin::new(future).poll(&mut Context::from_waker(waker))
}
