//! loom model of `Transport::start_tls`'s hand-over to the protocol task
//! (net/src/protocol.rs `drive`, net/src/tls/start_tls.rs): the upgrader
//! sets the successor under the writer's state lock, then resumes reading
//! (Release); the protocol task reads the pause flag (Acquire) before it
//! takes the state lock. Whatever the interleaving, a protocol task that
//! sees reading resumed also sees the successor, so it never reads the
//! TLS session's records off the plain socket.
//!
//! Unlike `net_server` and `net_write_buffer`, this model restates the
//! two orders instead of compiling the shipped code: they are the order of
//! statements in `start_tls` (an async fn over a TLS handshake on a real
//! socket) and in `drive` (the protocol task's loop over the reactor), and
//! neither can be cut out of hive-net without the runtime, the reactor and
//! rustls. What the model checks is that these two orders are enough, with
//! the flag and the lock as the shipped code has them; the comments at
//! both places in net point here.
#![cfg(loom)]

use loom::sync::atomic::{AtomicBool, Ordering};
use loom::sync::{Arc, Mutex};
use loom::thread;

/// What `drive` consults each iteration, as it consults it.
struct Shared {
    reading_paused: AtomicBool,
    /// `WriteState::successor`: `true` once handed over.
    successor: Mutex<bool>,
}

#[test]
fn reading_resumed_implies_the_successor_is_visible() {
    loom::model(|| {
        // start_tls has paused reading before its handshake.
        let shared = Arc::new(Shared {
            reading_paused: AtomicBool::new(true),
            successor: Mutex::new(false),
        });
        let upgrader = {
            let shared = shared.clone();
            thread::spawn(move || {
                *shared.successor.lock().unwrap() = true; // core.hand_over(next)
                shared.reading_paused.store(false, Ordering::Release); // resume_reading
            })
        };
        // Two iterations of the protocol task's loop.
        for _ in 0..2 {
            let reading = !shared.reading_paused.load(Ordering::Acquire);
            let handed_over = *shared.successor.lock().unwrap();
            if reading {
                assert!(handed_over, "read the plain socket after the upgrade");
            }
        }
        upgrader.join().unwrap();
    });
}
