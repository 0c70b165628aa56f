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

/// `is_set` reads a lock-free mirror of the flag: a reader that sees it set
/// must also see what the setter wrote before `set` (and a `clear` that
/// follows is seen only after the `set` it follows).
#[test]
fn is_set_without_the_lock_sees_what_came_before_the_set() {
    loom::model(|| {
        use loom::sync::atomic::{AtomicUsize, Ordering::Relaxed};
        let event = Arc::new(Event::new());
        let data = Arc::new(AtomicUsize::new(0));
        let setter = {
            let (event, data) = (event.clone(), data.clone());
            thread::spawn(move || {
                data.store(1, Relaxed);
                event.set();
            })
        };
        if event.is_set() {
            assert_eq!(data.load(Relaxed), 1);
        }
        setter.join().unwrap();
        assert!(event.is_set());
    });
}
