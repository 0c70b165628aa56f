//! loom models of hive-sync's `Semaphore`: permits are never lost, and a
//! waiter cancelled after being chosen hands its permit to the next waiter.
#![cfg(loom)]

use std::future::Future;
use std::task::{Context, Wake, Waker};

use hive_sync::Semaphore;
use loom::future::block_on;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;

#[test]
fn cancelled_chosen_waiter_passes_its_permit_on() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(0));
        // `first` queues by hand before anyone else.
        let wakes = std::sync::Arc::new(Counter::default());
        let waker = Waker::from(wakes.clone());
        let mut first = Box::pin(sem.acquire());
        assert!(first
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending());

        let releaser = {
            let sem = sem.clone();
            thread::spawn(move || sem.release())
        };
        let second = {
            let sem = sem.clone();
            thread::spawn(move || block_on(async { drop(sem.acquire().await) }))
        };
        // Cancelled before or after the release chose it: either way the one
        // permit must reach `second` (a lost permit deadlocks the model).
        drop(first);
        releaser.join().unwrap();
        second.join().unwrap();
        assert!(wakes.0.load(Ordering::SeqCst) <= 1);
        assert_eq!(sem.available_permits(), 1);
    });
}

#[test]
fn two_acquirers_share_one_permit() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(1));
        let inside = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let (sem, inside) = (sem.clone(), inside.clone());
                thread::spawn(move || {
                    block_on(async {
                        let _permit = sem.acquire().await;
                        assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0);
                        inside.fetch_sub(1, Ordering::SeqCst);
                    })
                })
            })
            .collect();
        for handle in handles {
            handle.join().unwrap();
        }
        assert_eq!(sem.available_permits(), 1);
    });
}

#[derive(Default)]
struct Counter(AtomicUsize);

impl Wake for Counter {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}
