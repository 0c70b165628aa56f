//! A loop's bell: a sleep that only an explicit ring (or the timeout) ends.
//!
//! Loops that sleep while a sibling watches every reactor (see
//! `reactor::watch`) sleep here, so socket readiness wakes the one watcher
//! instead of every idle loop.

use crate::loom::sync::{wait_timeout, Condvar, Mutex};
use std::time::{Duration, Instant};

/// A wake-only sleep with a timeout.
#[derive(Default)]
pub struct Bell {
    rung: Mutex<bool>,
    condvar: Condvar,
}

impl Bell {
    /// Ends the current or next `sleep`.
    pub fn ring(&self) {
        // The flag, set under the mutex the sleeper checks it under, is what
        // makes a ring before `sleep` count: a bare condvar notify with no
        // waiter yet would be lost.
        *self.rung.lock() = true;
        self.condvar.notify_one();
    }

    /// Sleeps until rung or until `timeout` passes (`None`: no limit).
    /// A ring that arrived before the call ends it at once.
    pub fn sleep(&self, timeout: Option<Duration>) {
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut rung = self.rung.lock();
        while !*rung {
            match deadline {
                None => rung = crate::loom::sync::wait(&self.condvar, rung),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        break;
                    }
                    rung = wait_timeout(&self.condvar, rung, deadline - now);
                }
            }
        }
        *rung = false;
    }
}
