//! Event: set wakes every current waiter; clear; cross-thread.

mod common;

use std::sync::Arc;
use std::thread;

use common::{block_on, parked};
use hive_sync::Event;

#[test]
fn set_wakes_all_current_waiters() {
    let event = Event::new();
    let mut waiters: Vec<_> = (0..3).map(|_| parked(event.wait())).collect();
    event.set();
    for waiter in &mut waiters {
        assert_eq!(waiter.woken(), 1);
        waiter.ready();
    }
    // Already set: resolves at once.
    let mut late = common::Probe::new(event.wait());
    late.ready();
}

#[test]
fn clear_makes_new_waiters_block_but_woken_ones_still_finish() {
    let event = Event::new();
    let mut woken = parked(event.wait());
    event.set();
    event.clear();
    assert!(!event.is_set());
    woken.ready();
    let mut blocked = parked(event.wait());
    blocked.pending();
    event.set();
    blocked.ready();
}

#[test]
fn dropped_waiter_is_forgotten() {
    let event = Event::new();
    let gone = parked(event.wait());
    let mut kept = parked(event.wait());
    drop(gone);
    event.set();
    assert_eq!(kept.woken(), 1);
    kept.ready();
}

#[test]
fn set_from_another_thread() {
    for _ in 0..100 {
        let event = Arc::new(Event::new());
        let setter = event.clone();
        let handle = thread::spawn(move || setter.set());
        block_on(event.wait());
        handle.join().unwrap();
        assert!(event.is_set());
    }
}
