//! (a) The park/unpark handshake: a loop that runs out of work announces
//! itself idle, re-checks the queues and parks, while another thread spawns.
//! The spawn must never be lost: if it were, the loop would sleep forever
//! and loom would report a deadlock.
#![cfg(loom)]

use hive_runtime::__loom::{DriverWaker, Idle, Inbox, Injector, Parker, SearchState};
use loom::sync::{Arc, Condvar, Mutex};
use loom::thread;
use std::collections::VecDeque;

/// A driver that sleeps on a condvar (what mio's poll + eventfd is in production).
#[derive(Default)]
struct Driver {
    woken: Mutex<bool>,
    condvar: Condvar,
}

struct DriverHandle(Arc<Driver>);

impl DriverWaker for DriverHandle {
    fn wake(&self) {
        *self.0.woken.lock().unwrap() = true;
        self.0.condvar.notify_one();
    }
}

impl Driver {
    fn sleep(&self) {
        let mut woken = self.woken.lock().unwrap();
        while !*woken {
            woken = self.condvar.wait(woken).unwrap();
        }
        *woken = false;
    }
}

/// Runs the loop side: take work, or go through the real park sequence.
fn run_loop_until_task(
    idle: &Idle,
    injector: &Injector<u32>,
    parker: &Parker<DriverHandle>,
    driver: &Driver,
) -> u32 {
    let mut search = SearchState::default();
    loop {
        if let Some(task) = injector.pop() {
            idle.stop_searching(&mut search);
            return task;
        }
        idle.park_or_retry(
            0,
            &mut search,
            |_| !injector.is_empty(),
            || {
                parker.park(|| driver.sleep());
            },
        );
    }
}

#[test]
fn a_spawn_from_another_thread_is_never_lost_by_a_parking_loop() {
    loom::model(|| {
        let idle = Arc::new(Idle::new(1));
        let injector = Arc::new(Injector::<u32>::new());
        let driver = Arc::new(Driver::default());
        let parker = Arc::new(Parker::new(DriverHandle(driver.clone())));

        let spawner = {
            let (idle, injector, parker) = (idle.clone(), injector.clone(), parker.clone());
            thread::spawn(move || {
                injector.push(7);
                if idle.loop_to_notify().is_some() {
                    parker.unpark();
                }
            })
        };
        assert_eq!(run_loop_until_task(&idle, &injector, &parker, &driver), 7);
        spawner.join().unwrap();
    });
}

#[test]
fn pinned_work_with_a_direct_unpark_is_never_lost() {
    // Pinned work skips the idle set: push to the loop's inbox (the
    // shipped `Inbox`, whose flag the owner reads without the lock), then
    // unpark it. The owner runs the tick's order: drain, ask whether more
    // is pending, park. Two senders, so a push can land between the
    // owner's drain and its look at the flag; every item must arrive,
    // once.
    loom::model(|| {
        let inbox = Arc::new(Inbox::<u32>::default());
        let driver = Arc::new(Driver::default());
        let parker = Arc::new(Parker::new(DriverHandle(driver.clone())));
        let senders: Vec<_> = [10, 20]
            .into_iter()
            .map(|base| {
                let (inbox, parker) = (inbox.clone(), parker.clone());
                thread::spawn(move || {
                    inbox.push(base + 1);
                    parker.unpark();
                })
            })
            .collect();
        let mut got = VecDeque::new();
        loop {
            inbox.drain_into(&mut got);
            if got.len() == 2 {
                break;
            }
            if !inbox.is_pending() {
                parker.park(|| driver.sleep());
            }
        }
        let mut got: Vec<_> = got.into_iter().collect();
        got.sort_unstable();
        assert_eq!(got, [11, 21]);
        for sender in senders {
            sender.join().unwrap();
        }
    });
}

#[test]
fn a_busy_loop_is_never_sent_a_driver_wake() {
    // The loop never parks: unpark must not write the (mock) eventfd.
    loom::model(|| {
        let driver = Arc::new(Driver::default());
        let parker = Arc::new(Parker::new(DriverHandle(driver.clone())));
        let p = parker.clone();
        let waker = thread::spawn(move || p.unpark());
        let wrote = waker.join().unwrap();
        assert!(!wrote, "a loop that is not parked got a driver wake");
        assert!(!*driver.woken.lock().unwrap());
    });
}
