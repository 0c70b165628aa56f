//! loom model of a loop's timer store shared across threads: a stealable
//! task re-polls or drops its `Sleep` on another loop (another thread)
//! while the owning loop fires the store's due timers. The shipped
//! `runtime/src/time/store.rs` is compiled here as it is (`#[path]`; it
//! needs only `Callback`, which no step below uses, so a stand-in type
//! takes its place), behind the same shim `Mutex` the loop keeps it in.
//! Each thread does, under that lock, what the runtime does:
//! `fire` is `EventLoopCore::fire_timers` (take what is due, wake outside
//! the lock), `repoll` and `cancel` are `Sleep::poll`'s re-registration
//! and `Sleep::drop` (`runtime/src/time/sleep.rs`).
//!
//! What must hold: a timer fires at most once; a `Sleep` re-polled by a
//! new task is either woken through the new task's waker or sees its timer
//! gone and completes (never both, never neither: a lost wake-up); a
//! `Sleep` dropped while its timer fires is either fired or removed.
#![cfg(loom)]

#[path = "../../runtime/src/time/store.rs"]
#[allow(dead_code)] // `len`, `is_first` and `Call` are the loop's, not the model's
mod store;

/// The runtime's `crate::loom`: the shim, as in every crate.
mod loom {
    pub use hive_loom_shim::*;
}

/// Stand-in for the callback type (`scheduler::pinned::Callback`), which
/// `TimerAction::Call` holds.
mod scheduler {
    pub mod pinned {
        pub struct Callback;
    }
}

use ::loom::sync::atomic::{AtomicUsize, Ordering};
use ::loom::sync::Arc;
use ::loom::thread;
use hive_loom_shim::sync::Mutex;
use hive_runtime::__loom::{DriverWaker, Parker};
use std::task::{Wake, Waker};
use std::time::{Duration, Instant};
use store::{TimerAction, TimerKey, Timers};

/// A task's waker: counts its wake-ups.
struct Task(AtomicUsize);

impl Wake for Task {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn task() -> (std::sync::Arc<Task>, Waker) {
    let task = std::sync::Arc::new(Task(AtomicUsize::new(0)));
    (task.clone(), Waker::from(task))
}

/// The loop's `fire_timers`: nothing without the lock while the published
/// earliest deadline is not due; else takes what is due under the lock,
/// wakes after.
fn fire(timers: &Timers, now: Instant) -> usize {
    match timers.next_deadline_hint() {
        Some(next) if next <= now => {}
        _ => return 0,
    }
    let mut fired = Vec::new();
    {
        let mut store = timers.lock();
        match store.next_deadline() {
            Some(deadline) if deadline <= now => store.take_expired(now, &mut fired),
            _ => return 0,
        }
    }
    let n = fired.len();
    for action in fired {
        if let TimerAction::Wake(Some(waker)) = action {
            waker.wake();
        }
    }
    n
}

/// `Sleep::poll` from another task: installs its waker if the timer is
/// still registered (pending), or finds it fired (ready).
fn repoll(timers: &Timers, key: TimerKey, waker: &Waker) -> bool {
    let mut store = timers.lock();
    match store.get_mut(key) {
        Some(TimerAction::Wake(slot)) => {
            slot.replace(waker.clone());
            false
        }
        _ => true,
    }
}

#[test]
fn a_sleep_moved_to_another_task_while_firing_is_woken_or_ready() {
    ::loom::model(|| {
        let now = Instant::now();
        let timers = Arc::new(Timers::new(now));
        let (old, old_waker) = task();
        let key = timers
            .lock()
            .insert(now, TimerAction::Wake(Some(old_waker)));
        let owner = {
            let timers = timers.clone();
            thread::spawn(move || fire(&timers, now))
        };
        let (new, new_waker) = task();
        let ready = repoll(&timers, key, &new_waker);
        assert_eq!(owner.join().unwrap(), 1, "a due timer fires exactly once");
        let (old, new) = (old.0.load(Ordering::SeqCst), new.0.load(Ordering::SeqCst));
        if ready {
            assert_eq!(
                (old, new),
                (1, 0),
                "fired before the move: the old task was woken"
            );
        } else {
            assert_eq!(
                (old, new),
                (0, 1),
                "moved before firing: the new task is woken"
            );
        }
        assert_eq!(timers.lock().next_deadline(), None);
    });
}

#[test]
fn a_sleep_dropped_while_firing_is_fired_or_removed_once() {
    ::loom::model(|| {
        let now = Instant::now();
        let timers = Arc::new(Timers::new(now));
        let (woken, waker) = task();
        let key = timers.lock().insert(now, TimerAction::Wake(Some(waker)));
        // A later timer stays registered: firing must not take it.
        let later = timers
            .lock()
            .insert(now + Duration::from_secs(60), TimerAction::Wake(None));
        let owner = {
            let timers = timers.clone();
            thread::spawn(move || fire(&timers, now))
        };
        let removed = timers.lock().remove(key).is_some(); // `Sleep::drop`
        let fired = owner.join().unwrap();
        assert_eq!(
            fired + usize::from(removed),
            1,
            "fired or removed, exactly once"
        );
        assert_eq!(woken.0.load(Ordering::SeqCst), fired);
        assert_eq!(timers.lock().next_deadline(), Some(later.deadline));
    });
}

/// A driver that sleeps on a condvar (the loop's reactor in production).
#[derive(Default)]
struct Driver {
    woken: Mutex<bool>,
    condvar: hive_loom_shim::sync::Condvar,
}

struct DriverHandle(Arc<Driver>);

impl DriverWaker for DriverHandle {
    fn wake(&self) {
        *self.0.woken.lock() = true;
        self.0.condvar.notify_one();
    }
}

#[test]
fn a_timer_stored_from_another_thread_is_fired_by_the_owner_tick() {
    // The owner's tick reads the published earliest deadline without the
    // lock and parks when nothing is due; another thread stores a timer
    // that is already due and, as it is the earliest, unparks the owner
    // (`Sleep`'s registration). The owner must fire it: a stale hint may
    // cost a tick, never the timer (loom reports a deadlock if it is lost).
    ::loom::model(|| {
        let now = Instant::now();
        let timers = Arc::new(Timers::new(now));
        let driver = Arc::new(Driver::default());
        let parker = Arc::new(Parker::new(DriverHandle(driver.clone())));
        let (woken, waker) = task();
        let other = {
            let (timers, parker) = (timers.clone(), parker.clone());
            thread::spawn(move || {
                let first = {
                    let mut store = timers.lock();
                    let key = store.insert(now, TimerAction::Wake(Some(waker)));
                    store.is_first(key)
                };
                if first {
                    parker.unpark();
                }
            })
        };
        while fire(&timers, now) == 0 {
            parker.park(|| {
                let mut woken = driver.woken.lock();
                while !*woken {
                    woken = hive_loom_shim::sync::wait(&driver.condvar, woken);
                }
                *woken = false;
            });
        }
        other.join().unwrap();
        assert_eq!(woken.0.load(Ordering::SeqCst), 1);
    });
}
