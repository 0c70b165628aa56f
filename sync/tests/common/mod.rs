//! Shared helpers for the integration tests: a tiny `block_on`, a counting
//! waker and a one-shot poll. No sleeps, no timers: every test is
//! deterministic or bounded by its own work.
#![allow(dead_code)]

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

struct Unparker(Thread);

impl Wake for Unparker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs `future` to completion on this thread, parking between polls.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let waker = Waker::from(Arc::new(Unparker(thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        thread::park();
    }
}

/// Counts how often its waker was woken.
#[derive(Debug, Default)]
pub struct Counter(Mutex<usize>);

impl Counter {
    /// Wakes so far.
    pub fn count(&self) -> usize {
        *self.0.lock().unwrap()
    }
}

impl Wake for Counter {
    fn wake(self: Arc<Self>) {
        *self.0.lock().unwrap() += 1;
    }
}

/// A fresh counter and a waker that bumps it.
pub fn counting_waker() -> (Arc<Counter>, Waker) {
    let counter = Arc::new(Counter::default());
    (counter.clone(), Waker::from(counter))
}

/// Polls `future` once with `waker`.
pub fn poll_once<F: Future + ?Sized>(future: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(waker))
}

/// A boxed future with a counting waker of its own: poll it by hand.
pub struct Probe<F: Future> {
    pub future: Pin<Box<F>>,
    pub wakes: Arc<Counter>,
    waker: Waker,
}

impl<F: Future> Probe<F> {
    /// Wraps `future`; nothing is polled yet.
    pub fn new(future: F) -> Self {
        let (wakes, waker) = counting_waker();
        Self {
            future: Box::pin(future),
            wakes,
            waker,
        }
    }

    /// Polls once.
    pub fn poll(&mut self) -> Poll<F::Output> {
        poll_once(self.future.as_mut(), &self.waker)
    }

    /// Polls once and expects `Pending`.
    #[track_caller]
    pub fn pending(&mut self) {
        assert!(
            self.poll().is_pending(),
            "expected the future to be pending"
        );
    }

    /// Polls once and expects a value.
    #[track_caller]
    pub fn ready(&mut self) -> F::Output {
        match self.poll() {
            Poll::Ready(out) => out,
            Poll::Pending => panic!("expected the future to be ready"),
        }
    }

    /// How often it was woken.
    pub fn woken(&self) -> usize {
        self.wakes.count()
    }
}

/// Starts a probe and checks it parks.
#[track_caller]
pub fn parked<F: Future>(future: F) -> Probe<F> {
    let mut probe = Probe::new(future);
    probe.pending();
    probe
}
