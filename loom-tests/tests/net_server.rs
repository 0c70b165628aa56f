//! loom model of hive-net's `Server::wait_closed`: connection handlers and
//! accept loops ending on other threads, racing with `close`, never leave
//! a `wait_closed` asleep, and it never returns while one is still counted.
#![cfg(loom)]

use hive_net::__loom::server_with_guards;
use loom::future::block_on;
use loom::thread;

#[test]
fn the_last_guard_to_go_wakes_wait_closed() {
    loom::model(|| {
        let (server, mut guards) = server_with_guards(1);
        let client = guards.pop().unwrap();
        let accept = guards.pop().unwrap();
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
        let (server, mut guards) = server_with_guards(2);
        drop(guards.remove(0)); // the accept loop already stopped
        server.close();
        let second = guards.pop().unwrap();
        let first = guards.pop().unwrap();
        let a = thread::spawn(move || drop(first));
        let b = thread::spawn(move || drop(second));
        block_on(server.wait_closed());
        assert_eq!(server.connections(), 0, "returned with a handler running");
        a.join().unwrap();
        b.join().unwrap();
    });
}
