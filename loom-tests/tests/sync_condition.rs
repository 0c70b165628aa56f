//! loom model of hive-sync's `Condition`: a notification racing with a
//! waiter that is checking its predicate or giving the lock up is never
//! lost, and one that reaches a waiter dropped (cancelled) at the same
//! moment is passed on to the next waiter.
#![cfg(loom)]

use hive_sync::Condition;
use loom::future::block_on;
use loom::sync::atomic::{AtomicBool, Ordering};
use loom::sync::Arc;
use loom::thread;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

#[test]
fn notify_all_reaches_a_waiter_checking_its_predicate() {
    loom::model(|| {
        let cond = Arc::new(Condition::new());
        let ready = Arc::new(AtomicBool::new(false));
        let notifier = {
            let (cond, ready) = (cond.clone(), ready.clone());
            thread::spawn(move || {
                let guard = block_on(cond.acquire());
                ready.store(true, Ordering::Relaxed); // under the lock
                cond.notify_all(&guard);
            })
        };
        let guard = block_on(cond.acquire());
        let guard = block_on(cond.wait_for(guard, || ready.load(Ordering::Relaxed)));
        assert!(ready.load(Ordering::Relaxed));
        drop(guard);
        notifier.join().unwrap();
        assert!(!cond.locked());
    });
}

#[test]
fn a_notification_to_a_cancelled_waiter_passes_to_the_next() {
    loom::model(|| {
        let cond = Arc::new(Condition::new());
        let mut cx = Context::from_waker(Waker::noop());
        // Two waiters register (oldest first) and give the lock up.
        let mut first = Box::pin(cond.wait(cond.try_acquire().unwrap()));
        assert!(first.as_mut().poll(&mut cx).is_pending());
        let mut second = pin!(cond.wait(cond.try_acquire().unwrap()));
        assert!(second.as_mut().poll(&mut cx).is_pending());
        let notifier = {
            let cond = cond.clone();
            thread::spawn(move || {
                let guard = block_on(cond.acquire());
                assert_eq!(cond.notify(&guard, 1), 1);
            })
        };
        // The oldest waiter is cancelled while `notify(1)` picks it (or
        // not yet): either way the second one must wake and get the lock.
        drop(first);
        let guard = block_on(second);
        drop(guard);
        notifier.join().unwrap();
    });
}

#[test]
fn poll_after_notify_sees_the_notification() {
    // A waiter notified before its task polls again finds it on the next
    // poll instead of waiting for a wake-up that already happened.
    loom::model(|| {
        let cond = Arc::new(Condition::new());
        let mut waiter = Box::pin(cond.wait(cond.try_acquire().unwrap()));
        let mut cx = Context::from_waker(Waker::noop());
        assert!(waiter.as_mut().poll(&mut cx).is_pending());
        let notifier = {
            let cond = cond.clone();
            thread::spawn(move || {
                let guard = block_on(cond.acquire());
                cond.notify_all(&guard)
            })
        };
        let woken = notifier.join().unwrap();
        assert_eq!(woken, 1);
        match waiter.as_mut().poll(&mut cx) {
            Poll::Ready(guard) => drop(guard),
            Poll::Pending => panic!("a notified waiter whose lock is free must be ready"),
        };
    });
}
