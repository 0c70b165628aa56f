//! loom model of hive-sync's `Event`: a `set` racing with waiters that are
//! registering never leaves one of them asleep.
#![cfg(loom)]

use hive_sync::Event;
use loom::future::block_on;
use loom::sync::Arc;
use loom::thread;

#[test]
fn set_wakes_every_waiter() {
    loom::model(|| {
        let event = Arc::new(Event::new());
        let waiter = {
            let event = event.clone();
            thread::spawn(move || block_on(event.wait()))
        };
        let setter = {
            let event = event.clone();
            thread::spawn(move || event.set())
        };
        block_on(event.wait());
        setter.join().unwrap();
        waiter.join().unwrap();
        assert!(event.is_set());
    });
}

#[test]
fn clear_after_set_does_not_strand_a_woken_waiter() {
    loom::model(|| {
        let event = Arc::new(Event::new());
        let setter = {
            let event = event.clone();
            thread::spawn(move || {
                event.set();
                event.clear();
                event.set();
            })
        };
        block_on(event.wait());
        setter.join().unwrap();
    });
}
