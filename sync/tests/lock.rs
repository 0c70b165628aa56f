//! Lock and Mutex: FIFO hand-off, no barging, cancellation, threads.

mod common;

use std::sync::Arc;
use std::thread;

use common::{block_on, parked};
use hive_sync::{Lock, Mutex};

#[test]
fn waiters_get_the_lock_in_arrival_order() {
    let lock = Lock::new();
    let first = lock.try_acquire().unwrap();
    let mut waiters: Vec<_> = (0..5).map(|_| parked(lock.acquire())).collect();
    drop(first);
    for i in 0..waiters.len() {
        for later in &mut waiters[i + 1..] {
            later.pending();
        }
        assert_eq!(waiters[i].woken(), 1, "waiter {i} woken exactly once");
        let guard = waiters[i].ready();
        assert!(
            lock.try_acquire().is_none(),
            "no barging past waiter {}",
            i + 1
        );
        drop(guard);
    }
    assert!(!lock.locked());
}

#[test]
fn dropping_the_chosen_waiter_passes_the_lock_on() {
    let lock = Lock::new();
    let held = lock.try_acquire().unwrap();
    let first = parked(lock.acquire());
    let mut second = parked(lock.acquire());
    drop(held); // hands the lock to `first`
    assert_eq!(first.woken(), 1);
    assert_eq!(second.woken(), 0);
    drop(first); // cancelled after being chosen
    assert_eq!(second.woken(), 1);
    let guard = second.ready();
    drop(guard);
    assert!(!lock.locked());
}

#[test]
fn dropping_a_queued_waiter_skips_it() {
    let lock = Lock::new();
    let held = lock.try_acquire().unwrap();
    let first = parked(lock.acquire());
    let mut second = parked(lock.acquire());
    drop(first);
    drop(held);
    assert_eq!(second.woken(), 1);
    drop(second.ready());
    assert!(!lock.locked());
}

#[test]
fn mutex_guard_derefs_and_hands_off() {
    let mutex = Mutex::new(Vec::new());
    let mut guard = mutex.try_lock().unwrap();
    guard.push(1);
    let mut waiter = parked(mutex.lock());
    drop(guard);
    let mut guard = waiter.ready();
    guard.push(2);
    drop(guard);
    drop(waiter);
    assert_eq!(mutex.into_inner(), [1, 2]);
}

#[test]
fn threads_contend_with_exact_accounting() {
    const THREADS: usize = 4;
    const OPS: usize = 1000;
    let counter = Arc::new(Mutex::new(0usize));
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let counter = counter.clone();
            thread::spawn(move || {
                block_on(async {
                    for _ in 0..OPS {
                        let mut guard = counter.lock().await;
                        // A non-atomic read-modify-write: torn if exclusion fails.
                        let seen = *guard;
                        std::hint::black_box(&mut *guard);
                        *guard = seen + 1;
                    }
                })
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
    assert_eq!(*counter.try_lock().unwrap(), THREADS * OPS);
    assert!(!counter.locked());
}

#[test]
fn primitives_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Lock>();
    check::<Mutex<Vec<u8>>>();
    check::<hive_sync::MutexGuard<'static, Vec<u8>>>();
    check::<hive_sync::LockGuard<'static>>();
}
