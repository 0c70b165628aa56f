//! loom model of hive-net's `Server::wait_closed`: connection handlers and
//! accept loops ending on other threads, racing with `close`, never leave
//! a `wait_closed` asleep, and it never returns while one is still counted.
//!
//! It runs the shipped `net/src/server_life.rs` (compiled here on its own
//! with `#[path]`: it needs only `std`), behind the shim `Mutex` that
//! `Server` keeps it in. `Server` below does, one critical section each,
//! what `net/src/server.rs` does: `close` marks it closed, `wait_closed`
//! polls `poll_done`, and the guards' drops end their counts.
#![cfg(loom)]

#[path = "../../net/src/server_life.rs"]
#[allow(dead_code)] // `poll_closed` is serve_forever's, not modelled
mod server_life;

use hive_loom_shim::sync::Mutex;
use loom::future::block_on;
use loom::sync::Arc;
use loom::thread;
use server_life::ServerLife;
use std::future::poll_fn;

/// The server's state lock, as `ServerShared::state` holds it.
#[derive(Default)]
struct Server(Mutex<ServerLife>);

impl Server {
    fn close(&self) {
        self.0.lock().close();
    }

    async fn wait_closed(&self) {
        poll_fn(|cx| self.0.lock().poll_done(cx.waker())).await
    }

    fn connections(&self) -> usize {
        self.0.lock().connections()
    }

    fn is_serving(&self) -> bool {
        !self.0.lock().is_closed()
    }
}

/// `AcceptGuard`: counts an accept loop until dropped.
struct AcceptGuard(Arc<Server>);

impl AcceptGuard {
    fn new(server: &Arc<Server>) -> Self {
        server.0.lock().start_accept();
        AcceptGuard(server.clone())
    }
}

impl Drop for AcceptGuard {
    fn drop(&mut self) {
        self.0 .0.lock().end_accept();
    }
}

/// `ClientGuard`: counts a connection handler until dropped.
struct ClientGuard(Arc<Server>);

impl ClientGuard {
    fn new(server: &Arc<Server>) -> Self {
        server.0.lock().start_client();
        ClientGuard(server.clone())
    }
}

impl Drop for ClientGuard {
    fn drop(&mut self) {
        self.0 .0.lock().end_client();
    }
}

#[test]
fn the_last_guard_to_go_wakes_wait_closed() {
    loom::model(|| {
        let server = Arc::new(Server::default());
        let accept = AcceptGuard::new(&server);
        let client = ClientGuard::new(&server);
        let ending = thread::spawn(move || drop(client));
        let closing = {
            let server = server.clone();
            thread::spawn(move || {
                server.close();
                drop(accept); // the accept loop stops once closed
            })
        };
        block_on(server.wait_closed());
        assert_eq!(server.connections(), 0);
        assert!(!server.is_serving());
        ending.join().unwrap();
        closing.join().unwrap();
    });
}

#[test]
fn wait_closed_waits_for_every_connection() {
    loom::model(|| {
        let server = Arc::new(Server::default());
        drop(AcceptGuard::new(&server)); // the accept loop already stopped
        let first = ClientGuard::new(&server);
        let second = ClientGuard::new(&server);
        server.close();
        let a = thread::spawn(move || drop(first));
        let b = thread::spawn(move || drop(second));
        block_on(server.wait_closed());
        assert_eq!(server.connections(), 0, "returned with a handler running");
        a.join().unwrap();
        b.join().unwrap();
    });
}
