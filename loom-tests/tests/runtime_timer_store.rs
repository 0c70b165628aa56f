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

/// Stand-in for the callback type (`scheduler::pinned::Callback`), which
/// `TimerAction::Call` holds.
mod scheduler {
    pub mod pinned {
        pub struct Callback;
    }
}

use hive_loom_shim::sync::Mutex;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;
use std::task::{Wake, Waker};
use std::time::{Duration, Instant};
use store::{TimerAction, TimerKey, TimerStore};

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

/// The loop's `fire_timers`: takes what is due under the lock, wakes after.
fn fire(timers: &Mutex<TimerStore>, now: Instant) -> usize {
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
fn repoll(timers: &Mutex<TimerStore>, key: TimerKey, waker: &Waker) -> bool {
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
    loom::model(|| {
        let now = Instant::now();
        let timers = Arc::new(Mutex::new(TimerStore::default()));
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
    loom::model(|| {
        let now = Instant::now();
        let timers = Arc::new(Mutex::new(TimerStore::default()));
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
