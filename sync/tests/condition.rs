//! Condition: notify order, wait_for, cancellation, threads.

mod common;

use std::sync::{Arc, Mutex as StdMutex};
use std::thread;

use common::{block_on, parked, Probe};
use hive_sync::Condition;

#[test]
fn notify_wakes_the_oldest_waiters_first() {
    let cond = Condition::new();
    let mut waiters: Vec<_> = (0..3)
        .map(|_| parked(cond.wait(cond.try_acquire().unwrap())))
        .collect();
    assert!(!cond.locked(), "every wait released the lock");
    let guard = cond.try_acquire().unwrap();
    assert_eq!(cond.notify(&guard, 2), 2);
    assert_eq!(waiters[0].woken(), 1);
    assert_eq!(waiters[1].woken(), 1);
    assert_eq!(waiters[2].woken(), 0);
    drop(guard);
    // Notified waiters re-take the lock one at a time, in order.
    let g0 = waiters[0].ready();
    waiters[1].pending();
    drop(g0);
    let g1 = waiters[1].ready();
    assert_eq!(cond.notify_all(&g1), 1);
    drop(g1);
    drop(waiters[2].ready());
    assert!(!cond.locked());
}

#[test]
fn a_notified_waiter_that_is_dropped_passes_the_notification_on() {
    let cond = Condition::new();
    let first = parked(cond.wait(cond.try_acquire().unwrap()));
    let mut second = parked(cond.wait(cond.try_acquire().unwrap()));
    let guard = cond.try_acquire().unwrap();
    cond.notify(&guard, 1);
    drop(guard);
    drop(first);
    assert_eq!(second.woken(), 1);
    drop(second.ready());
}

#[test]
fn a_dropped_wait_does_not_reacquire_the_lock() {
    let cond = Condition::new();
    let mut waiter = parked(cond.wait(cond.try_acquire().unwrap()));
    let guard = cond.try_acquire().unwrap();
    cond.notify(&guard, 1);
    waiter.pending(); // now queued on the lock
    drop(waiter);
    drop(guard);
    assert!(!cond.locked(), "the dropped wait did not take the lock");
    assert!(cond.try_acquire().is_some());
}

#[test]
fn wait_for_checks_the_predicate_under_the_lock() {
    let cond = Arc::new(Condition::new());
    let value = Arc::new(StdMutex::new(0usize));
    let (c, v) = (cond.clone(), value.clone());
    let producer = thread::spawn(move || {
        block_on(async {
            for _ in 0..50 {
                let guard = c.acquire().await;
                *v.lock().unwrap() += 1;
                c.notify_all(&guard);
            }
        })
    });
    let guard = block_on(cond.acquire());
    let guard = block_on(cond.wait_for(guard, || *value.lock().unwrap() == 50));
    assert_eq!(*value.lock().unwrap(), 50);
    drop(guard);
    producer.join().unwrap();
}

#[test]
fn wait_for_with_a_true_predicate_does_not_wait() {
    let cond = Condition::new();
    let mut probe = Probe::new(cond.wait_for(cond.try_acquire().unwrap(), || true));
    let guard = probe.ready();
    assert!(cond.locked());
    drop(guard);
}
