//! (c) The task cell under every interleaving: wake while running, wakes from
//! two threads at once, a wake by value racing the run, cancel while
//! running, join after completion, the handle dropped concurrently with
//! completion, and a yield's entry (queued with `RUNNING` kept) racing a
//! wake or a cancel. loom checks the cell's
//! `UnsafeCell` accesses and reports any leaked `Arc` (so a leaked cell, which
//! owns one through its future, fails the model).
#![cfg(loom)]

use hive_runtime::__loom::{
    new_task, run_as_current, task_handle, task_id, yield_to_loop, Header, Notified, Schedule,
    Spawn, Task, TaskError, TaskRef,
};
use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use loom::sync::{Arc, Mutex};
use loom::thread;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// A run queue and a registry, as the runtime keeps them.
#[derive(Default)]
struct MockScheduler {
    queue: Mutex<VecDeque<Notified>>,
    registry: Mutex<Option<TaskRef>>,
    released: AtomicUsize,
}

#[derive(Clone, Default)]
struct Sched(Arc<MockScheduler>);

impl Schedule for Sched {
    fn schedule(&self, task: Notified) {
        self.0.queue.lock().unwrap().push_back(task);
    }
    fn release(&self, task: &Header) -> Option<TaskRef> {
        self.0.released.fetch_add(1, SeqCst);
        // Handed back, as the loop's journal does for a task it never
        // published: the runner drops it with its own reference.
        // (The mock keeps the last spawned task's reference only.)
        let mut registry = self.0.registry.lock().unwrap();
        if registry
            .as_ref()
            .is_some_and(|r| std::ptr::eq(r.header(), task))
        {
            registry.take()
        } else {
            None
        }
    }
    fn unhandled(&self, _task: &Header, _error: TaskError) {}
}

impl Sched {
    fn run_all(&self) -> usize {
        let mut ran = 0;
        loop {
            let next = self.0.queue.lock().unwrap().pop_front();
            match next {
                Some(task) => {
                    task.run();
                    ran += 1;
                }
                None => return ran,
            }
        }
    }

    /// As `run_all`, with each entry run as the loop runs it (the task
    /// marked current, so a yield takes the loop's short path).
    fn run_all_as_loop(&self) -> usize {
        let mut ran = 0;
        loop {
            let next = self.0.queue.lock().unwrap().pop_front();
            match next {
                Some(task) => {
                    run_as_current(task);
                    ran += 1;
                }
                None => return ran,
            }
        }
    }
}

/// Pending until `go` is set; stores its waker for whoever sets `go`.
/// With `yield_first`, its first poll also yields to the loop.
struct Gate {
    go: Arc<AtomicBool>,
    waker: Arc<Mutex<Option<Waker>>>,
    drops: Arc<AtomicUsize>,
    yield_first: bool,
}

impl Future for Gate {
    type Output = u32;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        if self.go.load(SeqCst) {
            return Poll::Ready(42);
        }
        *self.waker.lock().unwrap() = Some(cx.waker().clone());
        if std::mem::take(&mut self.yield_first) {
            yield_to_loop(cx.waker());
            return Poll::Pending;
        }
        if self.go.load(SeqCst) {
            Poll::Ready(42)
        } else {
            Poll::Pending
        }
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        self.drops.fetch_add(1, SeqCst);
    }
}

struct Fixture {
    sched: Sched,
    go: Arc<AtomicBool>,
    waker: Arc<Mutex<Option<Waker>>>,
    drops: Arc<AtomicUsize>,
}

fn spawn_gate() -> (Fixture, Task<u32>, Notified) {
    spawn_gate_with(false)
}

fn spawn_gate_with(yield_first: bool) -> (Fixture, Task<u32>, Notified) {
    let sched = Sched::default();
    let go = Arc::new(AtomicBool::new(false));
    let waker = Arc::new(Mutex::new(None));
    let drops = Arc::new(AtomicUsize::new(0));
    let gate = Gate {
        go: go.clone(),
        waker: waker.clone(),
        drops: drops.clone(),
        yield_first,
    };
    let (raw, notified, registry) = new_task(
        gate,
        sched.clone(),
        Spawn {
            id: task_id(1),
            name: None,
            owner: None,
        },
    );
    *sched.0.registry.lock().unwrap() = Some(registry);
    // SAFETY: `raw` is the handle reference of a task whose output is u32.
    let handle = unsafe { task_handle::<u32>(raw) };
    (
        Fixture {
            sched,
            go,
            waker,
            drops,
        },
        handle,
        notified,
    )
}

fn open_gate(go: &AtomicBool, waker: &Mutex<Option<Waker>>) {
    go.store(true, SeqCst);
    let waker = waker.lock().unwrap().take();
    if let Some(waker) = waker {
        waker.wake();
    }
}

#[test]
fn wake_while_running() {
    loom::model(|| {
        let (fx, handle, first) = spawn_gate();
        let (go, waker) = (fx.go.clone(), fx.waker.clone());
        let waker_thread = thread::spawn(move || open_gate(&go, &waker));
        first.run();
        waker_thread.join().unwrap();
        fx.sched.run_all();
        assert_eq!(loom::future::block_on(handle).unwrap(), 42);
        assert_eq!(fx.drops.load(SeqCst), 1);
        assert_eq!(fx.sched.0.released.load(SeqCst), 1);
    });
}

#[test]
fn wakes_from_two_threads_queue_the_task_once() {
    loom::model(|| {
        let (fx, handle, first) = spawn_gate();
        first.run(); // registers its waker, Pending
        let w1 = fx.waker.lock().unwrap().clone().unwrap();
        let w2 = w1.clone();
        let a = thread::spawn(move || w1.wake());
        let b = thread::spawn(move || w2.wake_by_ref());
        a.join().unwrap();
        b.join().unwrap();
        assert_eq!(
            fx.sched.0.queue.lock().unwrap().len(),
            1,
            "two wakes, one queue entry"
        );
        open_gate(&fx.go, &fx.waker);
        fx.sched.run_all();
        assert_eq!(loom::future::block_on(handle).unwrap(), 42);
    });
}

/// A wake by value (`Waker::wake`) spends its waker's reference in the
/// same compare-and-swap that decides what the wake does: queued, it
/// becomes the entry's; running or already queued, it is dropped. Here
/// one races the task's run to completion: whatever the order, the task
/// runs to its end once, and the cell is freed once (loom reports the
/// gate's `Arc`s if it leaks; a double free would drop them twice).
#[test]
fn a_wake_by_value_racing_the_run_spends_its_reference_once() {
    loom::model(|| {
        let (fx, handle, first) = spawn_gate();
        first.run(); // registers its waker, Pending
        let stored = fx.waker.lock().unwrap().take().unwrap();
        let racing = stored.clone();
        fx.go.store(true, SeqCst);
        stored.wake(); // idle: queued, its reference is the entry's
        let waker = thread::spawn(move || racing.wake());
        fx.sched.run_all();
        waker.join().unwrap();
        fx.sched.run_all();
        assert_eq!(loom::future::block_on(handle).unwrap(), 42);
        assert_eq!(fx.drops.load(SeqCst), 1);
        assert!(fx.sched.0.queue.lock().unwrap().is_empty());
    });
}

#[test]
fn cancel_while_running() {
    loom::model(|| {
        let (fx, handle, first) = spawn_gate();
        let handle = Arc::new(handle);
        let h = handle.clone();
        let canceller = thread::spawn(move || h.cancel());
        first.run();
        assert!(canceller.join().unwrap());
        fx.sched.run_all();
        let handle = Arc::try_unwrap(handle).ok().unwrap();
        assert!(loom::future::block_on(handle).unwrap_err().is_cancelled());
        assert_eq!(
            fx.drops.load(SeqCst),
            1,
            "the future is dropped exactly once"
        );
        // The gate's waker may still be stored; dropping it frees the cell.
        drop(fx.waker.lock().unwrap().take());
    });
}

#[test]
fn join_racing_completion() {
    loom::model(|| {
        let (fx, handle, first) = spawn_gate();
        fx.go.store(true, SeqCst);
        let runner = thread::spawn(move || first.run());
        assert_eq!(loom::future::block_on(handle).unwrap(), 42);
        runner.join().unwrap();
        assert_eq!(fx.sched.0.released.load(SeqCst), 1);
    });
}

/// An output that counts its drops, to see who drops it and how often.
struct Output(Arc<AtomicUsize>);

impl Drop for Output {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

#[test]
fn handle_dropped_while_the_task_completes() {
    loom::model(|| {
        let sched = Sched::default();
        let output_drops = Arc::new(AtomicUsize::new(0));
        let od = output_drops.clone();
        let future = async move { Output(od) };
        let (raw, notified, registry) = new_task(
            future,
            sched.clone(),
            Spawn {
                id: task_id(2),
                name: None,
                owner: None,
            },
        );
        *sched.0.registry.lock().unwrap() = Some(registry);
        // SAFETY: the task's output is `Output`.
        let handle = unsafe { task_handle::<Output>(raw) };
        let runner = thread::spawn(move || notified.run());
        drop(handle);
        runner.join().unwrap();
        assert_eq!(
            output_drops.load(SeqCst),
            1,
            "output dropped exactly once, by one side"
        );
    });
}

#[test]
fn a_wake_racing_a_yield_is_not_lost() {
    // The gate's first poll stores its waker and yields; the gate opens on
    // another thread at any point: during that poll, while the yield's
    // entry is queued with RUNNING kept, or during the resumed poll.
    loom::model(|| {
        let (fx, handle, first) = spawn_gate_with(true);
        let (go, waker) = (fx.go.clone(), fx.waker.clone());
        let waker_thread = thread::spawn(move || open_gate(&go, &waker));
        run_as_current(first);
        fx.sched.run_all_as_loop();
        waker_thread.join().unwrap();
        fx.sched.run_all_as_loop();
        assert_eq!(loom::future::block_on(handle).unwrap(), 42);
        assert_eq!(fx.drops.load(SeqCst), 1);
        assert_eq!(fx.sched.0.released.load(SeqCst), 1);
    });
}

#[test]
fn a_cancel_racing_the_resume_of_a_yield_on_another_thread() {
    // One thread polls and yields; the entry is resumed on another (a
    // stolen stealable task) while a third cancels. The future is dropped
    // exactly once and the handle sees the cancellation.
    loom::model(|| {
        let (fx, handle, first) = spawn_gate_with(true);
        let yielder = thread::spawn(move || run_as_current(first));
        yielder.join().unwrap();
        let handle = Arc::new(handle);
        let h = handle.clone();
        let canceller = thread::spawn(move || h.cancel());
        fx.sched.run_all_as_loop();
        assert!(canceller.join().unwrap());
        fx.sched.run_all_as_loop();
        let handle = Arc::try_unwrap(handle).ok().unwrap();
        assert!(loom::future::block_on(handle).unwrap_err().is_cancelled());
        assert_eq!(
            fx.drops.load(SeqCst),
            1,
            "the future is dropped exactly once"
        );
        assert_eq!(fx.sched.0.released.load(SeqCst), 1);
        drop(fx.waker.lock().unwrap().take());
    });
}
