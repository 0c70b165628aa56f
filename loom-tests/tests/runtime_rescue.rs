//! A sibling rescuing a stalled loop harvests that loop's epoll instance
//! concurrently with the loop itself, and so may take the loop's own wake-up
//! event. It hands it back with `Parker::redeliver_wake`; the models check
//! that a loop parked (or parking) while that happens still wakes for the
//! work it was sent, and that every I/O event is delivered exactly once.
#![cfg(loom)]

use hive_runtime::__loom::{DriverWaker, Injector, Parker};
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::{Arc, Condvar, Mutex};
use loom::thread;

const WAKE: u32 = 0;
const IO: u32 = 1;

/// An epoll instance: ready events, each taken by exactly one waiter. A
/// waiter whose events another thread took keeps sleeping, as in the kernel.
#[derive(Default)]
struct Epoll {
    ready: Mutex<Vec<u32>>,
    condvar: Condvar,
}

impl Epoll {
    fn post(&self, event: u32) {
        self.ready.lock().unwrap().push(event);
        self.condvar.notify_all();
    }

    /// The owner's `epoll_wait` with no timeout.
    fn wait(&self) -> Vec<u32> {
        let mut ready = self.ready.lock().unwrap();
        while ready.is_empty() {
            ready = self.condvar.wait(ready).unwrap();
        }
        std::mem::take(&mut *ready)
    }

    /// A rescuer's `epoll_wait` with a zero timeout.
    fn harvest(&self) -> Vec<u32> {
        std::mem::take(&mut *self.ready.lock().unwrap())
    }
}

struct Waker(Arc<Epoll>);

impl DriverWaker for Waker {
    fn wake(&self) {
        self.0.post(WAKE);
    }
}

/// What a rescuer does with a harvest: deliver the I/O, hand back the wake.
fn rescue(epoll: &Epoll, parker: &Parker<Waker>, delivered: &AtomicUsize) {
    for event in epoll.harvest() {
        match event {
            WAKE => parker.redeliver_wake(),
            _ => {
                delivered.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

#[test]
fn a_wake_taken_by_a_rescuer_still_wakes_the_parked_loop() {
    loom::model(|| {
        let epoll = Arc::new(Epoll::default());
        let parker = Arc::new(Parker::new(Waker(epoll.clone())));
        let inbox = Arc::new(Injector::<u32>::new());
        let delivered = Arc::new(AtomicUsize::new(0));

        let sender = {
            let (inbox, parker) = (inbox.clone(), parker.clone());
            thread::spawn(move || {
                inbox.push(7);
                parker.unpark();
            })
        };
        let rescuer = {
            let (epoll, parker, delivered) = (epoll.clone(), parker.clone(), delivered.clone());
            thread::spawn(move || rescue(&epoll, &parker, &delivered))
        };
        // The owner: run the work, or park in its epoll until woken. If the
        // rescuer kept the wake, this would sleep forever (loom reports it).
        loop {
            if let Some(task) = inbox.pop() {
                assert_eq!(task, 7);
                break;
            }
            parker.park(|| {
                for event in epoll.wait() {
                    assert_eq!(event, WAKE, "only wakes are posted in this model");
                }
            });
        }
        sender.join().unwrap();
        rescuer.join().unwrap();
        assert_eq!(delivered.load(Ordering::Relaxed), 0);
    });
}

#[test]
fn an_io_event_goes_to_exactly_one_of_owner_and_rescuer() {
    loom::model(|| {
        let epoll = Arc::new(Epoll::default());
        let parker = Arc::new(Parker::new(Waker(epoll.clone())));
        let delivered = Arc::new(AtomicUsize::new(0));

        let rescuer = {
            let (epoll, parker, delivered) = (epoll.clone(), parker.clone(), delivered.clone());
            thread::spawn(move || rescue(&epoll, &parker, &delivered))
        };
        epoll.post(IO);
        // The owner polls once without waiting, as a busy loop does.
        for event in epoll.harvest() {
            if event == IO {
                delivered.fetch_add(1, Ordering::Relaxed);
            }
        }
        rescuer.join().unwrap();
        assert_eq!(delivered.load(Ordering::Relaxed), 1);
    });
}
