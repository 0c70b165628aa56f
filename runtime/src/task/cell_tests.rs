//! Unit tests of the task cell with a mock scheduler, single-threaded so
//! Miri can check every pointer and `UnsafeCell` access
//! (`cargo +nightly miri test -p hive-runtime --lib task::`).

use super::error::TaskError;
use super::handle::Task;
use super::id::TaskId;
use super::raw::{new_task, Header, Notified, Schedule, Spawn, TaskRef};
use crate::loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::cell::Cell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

#[derive(Default)]
struct Mock {
    queue: Mutex<VecDeque<Notified>>,
    registry: Mutex<Option<TaskRef>>,
    released: AtomicUsize,
    unhandled: Mutex<Vec<String>>,
}

#[derive(Clone, Default)]
struct Sched(Arc<Mock>);

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
    fn unhandled(&self, _: &Header, error: TaskError) {
        self.0.unhandled.lock().unwrap().push(error.to_string());
    }
}

impl Sched {
    fn run_all(&self) -> usize {
        let mut n = 0;
        while let Some(task) = {
            let next = self.0.queue.lock().unwrap().pop_front();
            next
        } {
            task.run();
            n += 1;
        }
        n
    }
    fn queued(&self) -> usize {
        self.0.queue.lock().unwrap().len()
    }
}

fn spawn<F: Future + 'static>(sched: &Sched, future: F) -> Task<F::Output> {
    let (raw, notified, registry) = new_task(
        future,
        sched.clone(),
        Spawn {
            id: TaskId(1),
            name: Some("t".into()),
            owner: None,
        },
    );
    *sched.0.registry.lock().unwrap() = Some(registry);
    sched.schedule(notified);
    Task::from_raw(raw)
}

struct CountWake(AtomicUsize);
impl Wake for CountWake {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn poll_handle<T>(task: &mut Task<T>) -> (Poll<Result<T, TaskError>>, Arc<CountWake>) {
    let counter = Arc::new(CountWake(AtomicUsize::new(0)));
    let waker = Waker::from(counter.clone());
    let poll = Pin::new(task).poll(&mut Context::from_waker(&waker));
    (poll, counter)
}

/// Pending until `open` is set; keeps the last waker.
#[derive(Clone, Default)]
struct Gate(Rc<(Cell<bool>, std::cell::RefCell<Option<Waker>>)>);

impl Gate {
    fn open(&self) {
        self.0 .0.set(true);
        if let Some(w) = self.0 .1.borrow_mut().take() {
            w.wake();
        }
    }
    fn wait(&self) -> impl Future<Output = ()> {
        let gate = self.clone();
        std::future::poll_fn(move |cx| {
            if gate.0 .0.get() {
                Poll::Ready(())
            } else {
                *gate.0 .1.borrow_mut() = Some(cx.waker().clone());
                Poll::Pending
            }
        })
    }
}

#[test]
fn runs_to_completion_and_hands_the_output_to_the_handle() {
    let sched = Sched::default();
    let mut task = spawn(&sched, async { 7 });
    assert!(matches!(poll_handle(&mut task).0, Poll::Pending));
    assert_eq!(sched.run_all(), 1);
    assert!(task.is_done());
    assert!(matches!(poll_handle(&mut task).0, Poll::Ready(Ok(7))));
    assert_eq!(sched.0.released.load(SeqCst), 1);
}

#[test]
fn the_join_waker_is_woken_on_completion() {
    let sched = Sched::default();
    let gate = Gate::default();
    let wait = gate.wait();
    let mut task = spawn(&sched, async move {
        wait.await;
        "done"
    });
    sched.run_all();
    let (poll, woken) = poll_handle(&mut task);
    assert!(poll.is_pending());
    gate.open();
    assert_eq!(sched.queued(), 1);
    sched.run_all();
    assert_eq!(woken.0.load(SeqCst), 1);
    assert!(matches!(poll_handle(&mut task).0, Poll::Ready(Ok("done"))));
}

#[test]
fn a_wake_during_the_poll_requeues_instead_of_double_queueing() {
    let sched = Sched::default();
    let polls = Rc::new(Cell::new(0));
    let p = polls.clone();
    let task = spawn(
        &sched,
        std::future::poll_fn(move |cx| {
            p.set(p.get() + 1);
            if p.get() < 3 {
                cx.waker().wake_by_ref();
                cx.waker().wake_by_ref();
                Poll::Pending
            } else {
                Poll::Ready(())
            }
        }),
    );
    assert_eq!(sched.run_all(), 3);
    assert_eq!(polls.get(), 3);
    drop(task);
}

#[test]
fn cancel_drops_the_future_once_and_reports_cancelled() {
    let sched = Sched::default();
    let drops = Rc::new(Cell::new(0));
    struct D(Rc<Cell<u32>>);
    impl Drop for D {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }
    let d = D(drops.clone());
    let mut task = spawn(&sched, async move {
        let _d = d;
        std::future::pending::<()>().await
    });
    sched.run_all();
    assert!(task.cancel());
    assert!(task.cancel(), "a second request is harmless");
    sched.run_all();
    assert_eq!(drops.get(), 1);
    assert!(task.is_cancelled());
    assert!(matches!(
        poll_handle(&mut task).0,
        Poll::Ready(Err(TaskError::Cancelled))
    ));
    assert!(!task.cancel(), "done: nothing to cancel");
}

#[test]
fn a_panic_is_caught_and_kept_for_the_handle() {
    let sched = Sched::default();
    let mut task = spawn(&sched, async { panic!("boom") });
    sched.run_all();
    match poll_handle(&mut task).0 {
        Poll::Ready(Err(err)) => assert_eq!(err.panic_message(), Some("boom")),
        _ => panic!("expected the panic"),
    }
    assert!(sched.0.unhandled.lock().unwrap().is_empty());
}

#[test]
fn a_panic_nobody_reads_is_reported_when_the_handle_goes() {
    let sched = Sched::default();
    let task = spawn(&sched, async { panic!("lost") });
    sched.run_all();
    drop(task);
    assert_eq!(*sched.0.unhandled.lock().unwrap(), ["task panicked: lost"]);
    let detached = spawn(&sched, async { panic!("detached") });
    drop(detached);
    sched.run_all();
    assert_eq!(sched.0.unhandled.lock().unwrap().len(), 2);
}

#[test]
fn outputs_are_dropped_exactly_once_whoever_goes_first() {
    let drops = Rc::new(Cell::new(0));
    struct Out(Rc<Cell<u32>>);
    impl Drop for Out {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }
    // Handle dropped before completion: the runner drops the output.
    let sched = Sched::default();
    let d = drops.clone();
    drop(spawn(&sched, async move { Out(d) }));
    sched.run_all();
    assert_eq!(drops.get(), 1);
    // Handle dropped after completion without reading: the handle drops it.
    let d = drops.clone();
    let task = spawn(&sched, async move { Out(d) });
    sched.run_all();
    assert_eq!(drops.get(), 1);
    drop(task);
    assert_eq!(drops.get(), 2);
    // Read by the handle: dropped by the reader.
    let d = drops.clone();
    let mut task = spawn(&sched, async move { Out(d) });
    sched.run_all();
    if let (Poll::Ready(Ok(out)), _) = poll_handle(&mut task) {
        drop(out);
    }
    drop(task);
    assert_eq!(drops.get(), 3);
}

#[test]
fn a_detached_tasks_output_is_dropped_before_the_scheduler_lets_it_go() {
    // The destructor is the task's code too: it runs while the registry
    // still lists the task (what shutdown waits on), as the future's does.
    struct Out {
        sched: Sched,
        released_then: Rc<Cell<Option<usize>>>,
    }
    impl Drop for Out {
        fn drop(&mut self) {
            self.released_then
                .set(Some(self.sched.0.released.load(SeqCst)));
        }
    }
    let sched = Sched::default();
    let released_then = Rc::new(Cell::new(None));
    let out = Out {
        sched: sched.clone(),
        released_then: released_then.clone(),
    };
    drop(spawn(&sched, async move { out }));
    sched.run_all();
    assert_eq!(released_then.get(), Some(0), "dropped after the release");
    assert_eq!(sched.0.released.load(SeqCst), 1);
}

#[test]
fn task_refs_and_wakers_keep_the_cell_alive_until_the_last_goes() {
    let sched = Sched::default();
    let gate = Gate::default();
    let wait = gate.wait();
    let task = spawn(&sched, wait);
    sched.run_all();
    let info = sched.0.registry.lock().unwrap().clone().unwrap();
    assert_eq!(info.header().name(), "t");
    drop(task);
    gate.open();
    sched.run_all();
    assert!(info.is_done());
    drop(info); // last reference: the cell is freed here (Miri checks it)
}

#[test]
fn poll_complete_and_the_panic_peek_leave_the_output_to_the_handle() {
    use super::await_kind::AwaitKind;
    let sched = Sched::default();
    let gate = Gate::default();
    let wait = gate.wait();
    let mut task = spawn(&sched, async move {
        wait.await;
        panic!("late panic");
    });
    sched.run_all();
    let counter = Arc::new(CountWake(AtomicUsize::new(0)));
    let waker = Waker::from(counter.clone());
    let cx = Context::from_waker(&waker);
    assert!(task.poll_complete(&cx, AwaitKind::Wait).is_pending());
    assert!(!task.is_panicked());
    gate.open();
    sched.run_all();
    assert_eq!(counter.0.load(SeqCst), 1);
    assert!(task.poll_complete(&cx, AwaitKind::Wait).is_ready());
    assert!(task.is_panicked());
    let (poll, _) = poll_handle(&mut task);
    assert!(matches!(poll, Poll::Ready(Err(TaskError::Panicked(_)))));
}

#[test]
fn a_task_ref_from_a_handle_outlives_it_and_frees_the_cell() {
    use super::await_kind::AwaitKind;
    let sched = Sched::default();
    let task = spawn(&sched, async { String::from("out") });
    task.set_awaiter(Some(TaskId(9)), AwaitKind::TaskGroup);
    let task_ref = task.task_ref();
    assert_eq!(
        task_ref.header().awaiter(),
        Some((TaskId(9), AwaitKind::TaskGroup))
    );
    // A task group's link survives the handle; any other is cleared by it.
    drop(task);
    assert!(task_ref.header().awaiter().is_some());
    sched.run_all();
    assert!(task_ref.is_done());
    assert!(!task_ref.cancel());
    drop(task_ref); // the last reference: frees the cell and the output
}

#[test]
fn the_future_is_dropped_where_it_lies_so_self_borrows_stay_valid() {
    // A destructor that follows a borrow into its own async block: if the
    // runner moved the future out before dropping it, the borrow would
    // dangle (Miri reports it; natively the length reads garbage).
    struct ReadsOnDrop<'a>(&'a Vec<u32>, Rc<Cell<usize>>);
    impl Drop for ReadsOnDrop<'_> {
        fn drop(&mut self) {
            self.1.set(self.0.iter().sum::<u32>() as usize);
        }
    }
    for cancel in [true, false] {
        let sched = Sched::default();
        let seen = Rc::new(Cell::new(0));
        let gate = Gate::default();
        let (s, wait) = (seen.clone(), gate.wait());
        let task = spawn(&sched, async move {
            let numbers = vec![1, 2, 3, 4];
            let _reader = ReadsOnDrop(&numbers, s);
            wait.await;
        });
        sched.run_all();
        if cancel {
            task.cancel();
        } else {
            gate.open();
        }
        sched.run_all();
        assert_eq!(seen.get(), 10, "cancel = {cancel}");
        drop(task);
    }
}

#[test]
fn a_destructor_that_panics_while_cancelled_still_frees_the_rest() {
    struct Boom;
    impl Drop for Boom {
        fn drop(&mut self) {
            panic!("drop boom");
        }
    }
    let sched = Sched::default();
    let other = Rc::new(());
    let (b, o) = (Boom, other.clone());
    let mut task = spawn(&sched, async move {
        let _o = o;
        let _b = b;
        std::future::pending::<()>().await
    });
    sched.run_all();
    task.cancel();
    sched.run_all();
    assert_eq!(Rc::strong_count(&other), 1, "the sibling local was dropped");
    match poll_handle(&mut task).0 {
        Poll::Ready(Err(err)) => assert_eq!(err.panic_message(), Some("drop boom")),
        _ => panic!("expected the destructor's panic"),
    }
}

// ---- yields: the runner queues the entry again without a wake ---------------

impl Sched {
    /// Runs every queued entry as a loop does: as this thread's current
    /// task, so that `yield_to_loop` takes its short path.
    fn run_all_as_loop(&self) -> usize {
        let mut n = 0;
        while let Some(task) = {
            let next = self.0.queue.lock().unwrap().pop_front();
            next
        } {
            run_as_current(task);
            n += 1;
        }
        n
    }
    fn run_one_as_loop(&self) {
        let task = self.0.queue.lock().unwrap().pop_front().expect("an entry");
        run_as_current(task);
    }
    /// The state word of the one queued entry's task.
    fn queued_state(&self) -> super::state::Snapshot {
        let queue = self.0.queue.lock().unwrap();
        assert_eq!(queue.len(), 1, "one entry queued");
        queue[0].header().state.load()
    }
}

fn run_as_current(task: Notified) {
    // SAFETY: the entry keeps the cell alive while `run` polls it; the
    // previous value is restored right after.
    let previous = unsafe { super::current::set_current_task(Some(task.as_ptr())) };
    task.run();
    // SAFETY: restores what was current before.
    unsafe { super::current::set_current_task(previous) };
}

/// Yields through `yield_to_loop` on each of its first `yields` polls
/// (keeping a clone of its waker in `kept`), then is ready with the number
/// of polls.
fn yielder(
    yields: usize,
    kept: Rc<std::cell::RefCell<Option<Waker>>>,
) -> impl Future<Output = usize> {
    let mut polls = 0;
    std::future::poll_fn(move |cx| {
        polls += 1;
        if polls > yields {
            return Poll::Ready(polls);
        }
        *kept.borrow_mut() = Some(cx.waker().clone());
        super::current::yield_to_loop(cx.waker());
        Poll::Pending
    })
}

#[test]
fn a_yield_queues_the_task_again_with_its_turn_kept() {
    let sched = Sched::default();
    let kept = Rc::default();
    let mut task = spawn(&sched, yielder(2, kept));
    sched.run_one_as_loop();
    let s = sched.queued_state();
    assert!(s.is_running() && !s.is_scheduled(), "{s:?}");
    assert_eq!(sched.run_all_as_loop(), 2);
    assert!(matches!(poll_handle(&mut task).0, Poll::Ready(Ok(3))));
    assert_eq!(sched.0.released.load(SeqCst), 1);
}

#[test]
fn a_wake_while_the_yield_is_queued_adds_no_entry_and_is_not_lost() {
    let sched = Sched::default();
    let kept: Rc<std::cell::RefCell<Option<Waker>>> = Rc::default();
    let mut task = spawn(&sched, yielder(1, kept.clone()));
    sched.run_one_as_loop();
    let waker = kept.borrow_mut().take().unwrap();
    waker.wake_by_ref();
    let s = sched.queued_state();
    assert!(s.is_running() && s.is_scheduled(), "{s:?}");
    // The resumed run clears SCHEDULED: the wake is covered by that poll.
    sched.run_one_as_loop();
    assert_eq!(sched.queued(), 0);
    assert!(matches!(poll_handle(&mut task).0, Poll::Ready(Ok(2))));
    // A wake of a finished task queues nothing and frees nothing early.
    waker.wake();
    assert_eq!(sched.queued(), 0);
}

#[test]
fn a_resumed_task_that_waits_goes_idle_and_a_later_wake_queues_it() {
    let sched = Sched::default();
    let gate = Gate::default();
    let wait = gate.wait();
    let mut task = spawn(&sched, async move {
        crate::yield_now().await;
        wait.await;
        5
    });
    sched.run_one_as_loop();
    assert!(sched.queued_state().is_running());
    sched.run_one_as_loop();
    assert_eq!(sched.queued(), 0, "waiting on the gate: idle, not queued");
    gate.open();
    assert_eq!(sched.queued(), 1);
    let s = sched.queued_state();
    assert!(!s.is_running() && s.is_scheduled(), "{s:?}");
    sched.run_all_as_loop();
    assert!(matches!(poll_handle(&mut task).0, Poll::Ready(Ok(5))));
}

#[test]
fn a_cancel_while_the_yield_is_queued_drops_the_future_on_its_turn() {
    let sched = Sched::default();
    let drops = Rc::new(Cell::new(0));
    let kept = Rc::default();
    let guard = DropCount(drops.clone());
    let inner = yielder(usize::MAX, kept);
    let mut task = spawn(&sched, async move {
        let _guard = guard;
        inner.await
    });
    sched.run_one_as_loop();
    assert!(task.cancel());
    assert_eq!(sched.queued(), 1, "the yield's entry is the one turn");
    sched.run_all_as_loop();
    assert_eq!(drops.get(), 1);
    match poll_handle(&mut task).0 {
        Poll::Ready(Err(e)) => assert!(e.is_cancelled()),
        other => panic!(
            "expected a cancelled task, got {:?}",
            other.map(|r| r.map(|_| ()))
        ),
    }
}

#[test]
fn a_yield_through_a_waker_not_the_tasks_own_wakes_that_waker() {
    let sched = Sched::default();
    let counter = Arc::new(CountWake(AtomicUsize::new(0)));
    let foreign = Waker::from(counter.clone());
    let mut polled = false;
    let task = spawn(
        &sched,
        std::future::poll_fn(move |_cx| {
            if polled {
                return Poll::Ready(());
            }
            polled = true;
            super::current::yield_to_loop(&foreign);
            Poll::Pending
        }),
    );
    sched.run_all_as_loop();
    assert_eq!(counter.0.load(SeqCst), 1, "the foreign waker was woken");
    assert_eq!(sched.queued(), 0, "the task itself was not queued");
    // Finish it, so that the registry lets go of the cell.
    assert!(task.cancel());
    sched.run_all_as_loop();
    assert_eq!(sched.0.released.load(SeqCst), 1);
}

#[test]
fn off_the_loop_a_yield_is_an_ordinary_wake() {
    let sched = Sched::default();
    let kept = Rc::default();
    let mut task = spawn(&sched, yielder(1, kept));
    // `run`, not `run_as_current`: nothing marks the task current.
    let entry = sched.0.queue.lock().unwrap().pop_front().unwrap();
    entry.run();
    let s = sched.queued_state();
    assert!(!s.is_running() && s.is_scheduled(), "{s:?}");
    sched.run_all();
    assert!(matches!(poll_handle(&mut task).0, Poll::Ready(Ok(2))));
}

#[test]
fn a_task_run_inside_another_poll_keeps_both_yields() {
    // An eager start runs a new task inside its spawner's poll: both may
    // yield in that poll, and neither request may be lost.
    let sched = Sched::default();
    let inner_sched = sched.clone();
    let inner_kept = Rc::default();
    let mut inner = Some(spawn(&sched, yielder(1, inner_kept)));
    let inner_entry = sched.0.queue.lock().unwrap().pop_front();
    let mut inner_entry = inner_entry;
    let outer_kept = Rc::default();
    let mut outer_yield = yielder(1, outer_kept);
    let mut outer = spawn(
        &sched,
        std::future::poll_fn(move |cx| {
            // SAFETY: not moved while pinned here; it lives in this closure.
            let polled = unsafe { Pin::new_unchecked(&mut outer_yield) }.poll(cx);
            if let Some(entry) = inner_entry.take() {
                run_as_current(entry);
                assert_eq!(inner_sched.queued(), 1, "the inner task's yield queued it");
            }
            polled
        }),
    );
    sched.run_all_as_loop();
    assert!(matches!(poll_handle(&mut outer).0, Poll::Ready(Ok(2))));
    let mut inner = inner.take().unwrap();
    assert!(matches!(poll_handle(&mut inner).0, Poll::Ready(Ok(2))));
}

struct DropCount(Rc<Cell<usize>>);
impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}
