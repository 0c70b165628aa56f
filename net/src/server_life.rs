//! A server's life as `wait_closed` sees it: whether it is closed, how many
//! accept loops and connection handlers still run, and the tasks waiting
//! for that to reach zero.
//!
//! `Server` keeps a `ServerLife` inside its state mutex, so every check
//! and every count change below happens under that one lock: a waiter
//! registers in the same critical section that saw "not done yet", and the
//! guard that ends the last count wakes in the critical section that
//! counted it out, so no wake-up is lost between the two. The file needs
//! nothing but `std`, so the loom model (`loom-tests/tests/net_server.rs`)
//! compiles it on its own and runs it behind the same shim `Mutex`.

use std::task::{Poll, Waker};

/// Closed flag, running counts and waiters of one server.
#[derive(Default)]
pub(crate) struct ServerLife {
    closed: bool,
    accept_running: usize,
    live: usize,
    next_client: u64,
    waiters: Vec<Waker>,
}

impl ServerLife {
    /// An accept loop starts.
    pub(crate) fn start_accept(&mut self) {
        self.accept_running += 1;
    }

    /// An accept loop ended.
    pub(crate) fn end_accept(&mut self) {
        self.accept_running -= 1;
        self.wake();
    }

    /// A connection handler starts; returns its id.
    pub(crate) fn start_client(&mut self) -> u64 {
        self.live += 1;
        let id = self.next_client;
        self.next_client += 1;
        id
    }

    /// A connection handler returned.
    pub(crate) fn end_client(&mut self) {
        self.live -= 1;
        self.wake();
    }

    /// Marks the server closed; false if it already was.
    pub(crate) fn close(&mut self) -> bool {
        if std::mem::replace(&mut self.closed, true) {
            return false;
        }
        self.wake();
        true
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed
    }

    /// Connection handlers still running.
    pub(crate) fn connections(&self) -> usize {
        self.live
    }

    /// Ready once closed with no accept loop or handler left
    /// (`wait_closed`); otherwise `waker` is woken at the next change.
    pub(crate) fn poll_done(&mut self, waker: &Waker) -> Poll<()> {
        if self.closed && self.accept_running == 0 && self.live == 0 {
            Poll::Ready(())
        } else {
            self.waiters.push(waker.clone());
            Poll::Pending
        }
    }

    /// Ready once closed (`serve_forever`); otherwise `waker` is woken at
    /// the next change.
    pub(crate) fn poll_closed(&mut self, waker: &Waker) -> Poll<()> {
        if self.closed {
            Poll::Ready(())
        } else {
            self.waiters.push(waker.clone());
            Poll::Pending
        }
    }

    fn wake(&mut self) {
        for w in self.waiters.drain(..) {
            w.wake();
        }
    }
}
