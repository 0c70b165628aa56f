//! loom models of hive-sync's `Lock`/`Mutex`: mutual exclusion with no lost
//! wake-up, and a waiter cancelled after being handed the lock passing it on.
#![cfg(loom)]

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Wake, Waker};

use hive_sync::{Lock, Mutex};
use loom::future::block_on;
use loom::sync::Arc;
use loom::thread;

#[test]
fn two_tasks_increment_under_the_mutex() {
    loom::model(|| {
        let counter = Arc::new(Mutex::new(0usize));
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let counter = counter.clone();
                thread::spawn(move || block_on(async { *counter.lock().await += 1 }))
            })
            .collect();
        for handle in handles {
            handle.join().unwrap();
        }
        assert_eq!(*counter.try_lock().expect("unlocked at the end"), 2);
    });
}

#[test]
fn cancelled_chosen_waiter_passes_the_lock_on() {
    loom::model(|| {
        let lock = Arc::new(Lock::new());
        let guard = lock.try_acquire().expect("fresh lock");
        // A waiter polled by hand, queued before the other thread's.
        let mut first = Box::pin(lock.acquire());
        let waker = noop_waker();
        let mut cx = Context::from_waker(&waker);
        assert!(first.as_mut().poll(&mut cx).is_pending());

        let other = {
            let lock = lock.clone();
            thread::spawn(move || block_on(async { drop(lock.acquire().await) }))
        };
        // Hand the lock to `first`, then cancel it: `other` must still get it.
        drop(guard);
        drop(first);
        other.join().unwrap();
        assert!(!lock.locked());
    });
}

#[test]
fn try_acquire_never_barges_past_a_handed_off_waiter() {
    loom::model(|| {
        let lock = Arc::new(Lock::new());
        let guard = lock.try_acquire().expect("fresh lock");
        let mut waiter = pin!(lock.acquire());
        let waker = noop_waker();
        let mut cx = Context::from_waker(&waker);
        assert!(waiter.as_mut().poll(&mut cx).is_pending());
        let barger = {
            let lock = lock.clone();
            thread::spawn(move || lock.try_acquire().is_some())
        };
        // Before the release the lock is held; after it, it belongs to the
        // queued waiter: the concurrent try_acquire fails either way.
        drop(guard);
        assert!(
            !barger.join().unwrap(),
            "try_acquire took the lock from a queued waiter"
        );
        match waiter.as_mut().poll(&mut cx) {
            Poll::Ready(guard) => drop(guard),
            Poll::Pending => panic!("the release handed the lock over"),
        }
        assert!(!lock.locked());
    });
}

/// A waker that does nothing (the model polls by hand).
fn noop_waker() -> Waker {
    struct Noop;
    impl Wake for Noop {
        fn wake(self: std::sync::Arc<Self>) {}
    }
    Waker::from(std::sync::Arc::new(Noop))
}

#[test]
fn owned_guard_released_on_another_thread_hands_off_to_the_waiter() {
    loom::model(|| {
        // The owned forms take a `std` Arc (their receiver type); the
        // permits inside are loom's.
        let mutex = std::sync::Arc::new(Mutex::new(0usize));
        let guard = mutex.clone().try_lock_owned().expect("fresh mutex");
        let mut waiter = Box::pin(mutex.clone().lock_owned());
        let waker = noop_waker();
        let mut cx = Context::from_waker(&waker);
        assert!(waiter.as_mut().poll(&mut cx).is_pending());
        // The guard moves to another thread, which writes and releases.
        let writer = thread::spawn(move || {
            let mut guard = guard;
            *guard += 1;
        });
        writer.join().unwrap();
        match waiter.as_mut().poll(&mut cx) {
            Poll::Ready(guard) => assert_eq!(*guard, 1),
            Poll::Pending => panic!("the release on the other thread handed the mutex over"),
        }
        assert!(!mutex.locked());
    });
}
