//! The task cell: one allocation holding a header, the scheduler handle and
//! the future (later its output), and the type-erased references to it.
//!
//! The state word's transitions are documented in [`super::state`]; this file
//! is the code that acts on them: polling, cancelling, completing, and freeing.

use super::await_kind::AwaitKind;
use super::error::TaskError;
use super::id::TaskId;
use super::state::{Completed, Idle, Notify, NotifyByVal, Run, State};
use super::waker;
use crate::loom::cell::UnsafeCell;
use crate::loom::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::alloc::Layout;
use std::future::Future;
use std::mem::{self, ManuallyDrop};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::ptr::{self, NonNull};
use std::task::{Context, Poll, Waker};

/// Where the runtime routes a task's wake-ups; a mock in the loom models.
pub trait Schedule: Send + Sync + 'static {
    /// Puts a woken (or new) task in a run queue.
    fn schedule(&self, task: Notified);
    /// Puts back a task that was woken while it ran (it yielded, or used up
    /// its budget): behind the work already queued, never ahead of it.
    fn requeue(&self, task: Notified) {
        self.schedule(task)
    }
    /// The task is finishing (its future is gone; `COMPLETE` is published
    /// right after this returns): drop the scheduler's bookkeeping for it.
    /// The registry's reference to `task` may come back instead of being
    /// dropped: the runner then gives it up together with its own, in the
    /// completion's compare-and-swap (a pinned task that finished before
    /// its loop published it, `registry::journal`).
    fn release(&self, task: &Header) -> Option<TaskRef>;
    /// A task failed and nobody will ever read the error.
    fn unhandled(&self, task: &Header, error: TaskError);
}

/// The part of the cell every reference can read without knowing its types.
pub struct Header {
    pub(crate) state: State,
    vtable: &'static Vtable,
    pub(crate) id: TaskId,
    pub(crate) name: Option<Box<str>>,
    /// The loop a pinned task belongs to; `None` for stealable tasks.
    pub(crate) owner: Option<usize>,
    /// Written by the handle while it owns the slot; see `state.rs`.
    join_waker: UnsafeCell<Option<Waker>>,
    /// Who awaits this task, for call graphs: `(awaiter id << 3) | kind`, or
    /// 0 for nobody. Only ever read for diagnostics, so every access is
    /// `Relaxed`: one store per poll of a handle, no allocation.
    awaiter: AtomicU64,
    /// When the task was spawned, in `age_clock` nanoseconds (its age in
    /// `dump_tasks`).
    pub(crate) spawned_at: u64,
    /// Its slot in the runtime's registry shard (see `registry.rs`); only
    /// accessed under that shard's lock.
    pub(crate) registry_slot: AtomicUsize,
    /// Its context variables (`contextvars.rs`): written before its first
    /// run, then only by the thread polling it.
    pub(crate) context: super::context_slot::Slot,
}

// SAFETY: the header's only interior-mutable fields are the atomic state,
// the join-waker slot, whose access is serialised by the JOIN_WAKER protocol,
// and the context slot, touched only by the spawner before the task is
// queued and then by the one thread polling it (RUNNING is exclusive).
unsafe impl Send for Header {}
// SAFETY: as above.
unsafe impl Sync for Header {}

#[cfg_attr(not(loom), allow(dead_code))] // used by the loom models
impl Header {
    /// The task's identifier.
    pub fn id(&self) -> TaskId {
        self.id
    }
    /// The name given at spawn, or `Task-<id>`.
    pub fn name(&self) -> String {
        match &self.name {
            Some(name) => name.to_string(),
            None => format!("Task-{}", self.id.0),
        }
    }
    /// The pinned task's loop index, `None` if stealable.
    pub fn owner(&self) -> Option<usize> {
        self.owner
    }
    /// Records that task `by` awaits this one (through `kind`); `None` clears it.
    pub(crate) fn set_awaiter(&self, by: Option<TaskId>, kind: AwaitKind) {
        let word = match by {
            Some(id) => (id.0 << 3) | kind as u64,
            None => 0,
        };
        // Relaxed: introspection only (call graphs, `dump_tasks`); nothing
        // is published through this word, and a reader on another thread
        // may see the previous awaiter, which is as true as a snapshot gets.
        self.awaiter.store(word, Relaxed);
    }
    /// Who awaits this task, as last recorded.
    pub(crate) fn awaiter(&self) -> Option<(TaskId, AwaitKind)> {
        let word = self.awaiter.load(Relaxed);
        let kind = AwaitKind::from_bits(word & 0b111)?;
        Some((TaskId(word >> 3), kind))
    }
}

/// The type-erased operations of one `Cell<F, S>`; installed by
/// [`new_task`], so each function may cast the header back to that cell.
///
/// Every entry is an `unsafe fn` whose contract is "`ptr` is the header of
/// the `Cell<F, S>` this vtable was made for, and is alive", plus what each
/// function's own `# Safety` section adds.
struct Vtable {
    run: unsafe fn(NonNull<Header>),
    schedule: unsafe fn(NonNull<Header>),
    read_output: unsafe fn(NonNull<Header>, *mut ()),
    output_is_panic: unsafe fn(NonNull<Header>) -> bool,
    drop_output: unsafe fn(NonNull<Header>),
    dealloc: unsafe fn(NonNull<Header>),
}

enum Stage<F: Future> {
    Running(F),
    Finished(Result<F::Output, TaskError>),
    Consumed,
}

#[repr(C)]
struct Cell<F: Future, S> {
    header: Header, // first, so a cell pointer is a header pointer
    scheduler: S,
    stage: UnsafeCell<Stage<F>>,
}

impl<F: Future + 'static, S: Schedule> Cell<F, S> {
    const VTABLE: Vtable = Vtable {
        run: run::<F, S>,
        schedule: schedule::<F, S>,
        read_output: read_output::<F, S>,
        output_is_panic: output_is_panic::<F, S>,
        drop_output: drop_output::<F, S>,
        dealloc: dealloc::<F, S>,
    };
}

/// Who a task is, at spawn time.
pub struct Spawn {
    /// Its identifier.
    pub id: TaskId,
    /// Its name, if the user gave one.
    pub name: Option<Box<str>>,
    /// The loop it is pinned to, if any.
    pub owner: Option<usize>,
}

/// Allocates a task. Returns its handle, its first queue entry, and the
/// registry's reference, in that order.
///
/// The future need not be `Send`: callers that allow `!Send` futures must pin
/// the task to the loop that creates it (the scheduler only runs it there).
pub fn new_task<F, S>(future: F, scheduler: S, spawn: Spawn) -> (RawTask, Notified, TaskRef)
where
    F: Future + 'static,
    S: Schedule,
{
    // The block is taken first and the cell written straight into it: a
    // cell built first and then moved was one `memcpy` call per spawn
    // (4 % of a pinned spawn's time, perf).
    // The block may be a freed cell of the same layout (`cell_cache`).
    let block = super::cell_cache::allocate(Layout::new::<Cell<F, S>>()).cast::<Cell<F, S>>();
    let cell = Cell {
        header: Header {
            state: State::new(3),
            vtable: &Cell::<F, S>::VTABLE,
            id: spawn.id,
            name: spawn.name,
            owner: spawn.owner,
            join_waker: UnsafeCell::new(None),
            awaiter: AtomicU64::new(0),
            spawned_at: super::age_clock::spawn_stamp(),
            registry_slot: AtomicUsize::new(usize::MAX),
            context: Default::default(),
        },
        scheduler,
        stage: UnsafeCell::new(Stage::Running(future)),
    };
    // SAFETY: `block` is unused memory with `Cell<F, S>`'s layout.
    unsafe { block.as_ptr().write(cell) };
    let ptr = block.cast::<Header>();
    let raw = RawTask { ptr };
    (raw, Notified(raw), TaskRef(raw))
}

/// An untyped pointer to a task cell; owns nothing by itself.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct RawTask {
    ptr: NonNull<Header>,
}

// SAFETY: a RawTask is only an address; what may be done through it is
// governed by the owning wrapper (Notified, TaskRef, Task) and the state word.
unsafe impl Send for RawTask {}
// SAFETY: as above.
unsafe impl Sync for RawTask {}

impl RawTask {
    pub(crate) fn header(&self) -> &Header {
        // SAFETY: every RawTask in circulation is backed by a live reference
        // (its wrapper's), so the cell has not been freed.
        unsafe { self.ptr.as_ref() }
    }
    /// Rebuilds a `RawTask` from the address a waker carries.
    ///
    /// `header` (and every method) dereferences the pointer, so this is
    /// unsafe: a `RawTask` in circulation promises a live cell.
    ///
    /// # Safety
    /// `ptr` points to a task cell made by [`new_task`], carries its
    /// provenance, and the cell stays alive (some reference to it is held,
    /// by the caller or on its behalf) for as long as the result is used.
    pub(crate) unsafe fn from_ptr(ptr: NonNull<Header>) -> RawTask {
        RawTask { ptr }
    }

    /// Drops one reference, freeing the cell if it was the last.
    ///
    /// # Safety
    /// The caller owns one reference and gives it up.
    pub(crate) unsafe fn drop_ref(self) {
        if self.header().state.ref_dec() {
            // SAFETY: that was the last reference: nobody else can reach the cell.
            unsafe { self.dealloc() }
        }
    }

    /// Drops `n` (1 or 2) references in one atomic subtraction, freeing
    /// the cell if they were the last.
    ///
    /// # Safety
    /// The caller owns `n` references to this task and gives them up.
    unsafe fn drop_refs(self, n: usize) {
        let last = if n == 2 {
            self.header().state.ref_dec_twice()
        } else {
            debug_assert_eq!(n, 1);
            self.header().state.ref_dec()
        };
        if last {
            // SAFETY: that was the last reference: nobody else can reach the cell.
            unsafe { self.dealloc() }
        }
    }

    /// Drops the handle's join interest and reference together; the task
    /// is complete and its output dropped (or read).
    ///
    /// # Safety
    /// The caller is the task's one handle, gives up its reference, and
    /// saw `COMPLETE` (so it owned the stage and is done with it).
    pub(crate) unsafe fn drop_complete_handle(self) {
        if self.header().state.drop_complete_join_interest_and_ref() {
            // SAFETY: that was the last reference: nobody else can reach the cell.
            unsafe { self.dealloc() }
        }
    }

    /// Frees the cell.
    ///
    /// # Safety
    /// The caller's transition dropped the last reference: nobody else can
    /// reach the cell.
    pub(crate) unsafe fn dealloc(self) {
        // SAFETY: the caller's contract.
        unsafe { (self.header().vtable.dealloc)(self.ptr) }
    }

    /// Submits the task to its scheduler. The caller already took the
    /// reference the queue entry will own (a `Notify::Submit` transition).
    ///
    /// # Safety
    /// The caller took a new reference for the queue entry.
    pub(crate) unsafe fn schedule(self) {
        // SAFETY: the vtable matches the cell; the reference is passed on.
        unsafe { (self.header().vtable.schedule)(self.ptr) }
    }

    /// Wakes the task, spending one reference the caller owns (a waker's):
    /// it becomes the queue entry's, or is dropped in the same step.
    ///
    /// # Safety
    /// The caller owns one reference and gives it up.
    pub(crate) unsafe fn wake_by_val(self) {
        match self.header().state.transition_to_notified_by_val() {
            // SAFETY: the caller's reference is the one the queue will own.
            NotifyByVal::Submit => unsafe { self.schedule() },
            NotifyByVal::Released => {}
            // SAFETY: that was the last reference: nobody else can reach the cell.
            NotifyByVal::ReleasedLast => unsafe { self.dealloc() },
        }
    }

    /// Wakes the task without consuming a reference.
    pub(crate) fn wake_by_ref(self) {
        if self.header().state.transition_to_notified() == Notify::Submit {
            // SAFETY: the transition took the reference the queue will own.
            unsafe { self.schedule() }
        }
    }

    /// Requests cancellation; `false` if the task already completed.
    pub(crate) fn cancel(self) -> bool {
        let state = &self.header().state;
        if state.load().is_complete() {
            return false;
        }
        if state.transition_to_cancelled() == Notify::Submit {
            // SAFETY: the transition took the reference the queue will own.
            unsafe { self.schedule() }
        }
        true
    }

    /// Moves the output into `dst` (a `*mut Option<Result<T, TaskError>>`).
    ///
    /// # Safety
    /// The caller is the join handle, saw `COMPLETE`, and `T` is the output type.
    pub(crate) unsafe fn read_output(self, dst: *mut ()) {
        // SAFETY: guaranteed by the caller.
        unsafe { (self.header().vtable.read_output)(self.ptr, dst) }
    }

    /// Whether the stored output is a panic; `false` once it was read.
    ///
    /// # Safety
    /// The caller is the join handle and saw `COMPLETE`.
    pub(crate) unsafe fn output_is_panic(self) -> bool {
        // SAFETY: guaranteed by the caller.
        unsafe { (self.header().vtable.output_is_panic)(self.ptr) }
    }

    /// A new counted reference to this task.
    ///
    /// The caller must hold some reference to the task meanwhile (every
    /// `RawTask` in circulation is backed by one).
    pub(crate) fn to_task_ref(self) -> TaskRef {
        self.header().state.ref_inc();
        // `self.ptr` came from `new_task`'s allocation: it carries the
        // block's provenance, so the new reference may free the cell.
        TaskRef(self)
    }

    /// Drops an output the handle will never read.
    ///
    /// # Safety
    /// The caller is the join handle and saw `COMPLETE` when giving up interest.
    pub(crate) unsafe fn drop_output(self) {
        // SAFETY: guaranteed by the caller.
        unsafe { (self.header().vtable.drop_output)(self.ptr) }
    }

    /// The join-waker slot. Who may touch it is decided by `state.rs`.
    pub(crate) fn join_waker(&self) -> &UnsafeCell<Option<Waker>> {
        &self.header().join_waker
    }
}

/// A task in a run queue: owns one reference and the right to run it once.
pub struct Notified(RawTask);

// SAFETY: a Notified of a `!Send` task is only ever routed to (and run by)
// the loop that owns it; see `Schedule` implementations.
unsafe impl Send for Notified {}

impl Notified {
    /// The task's header.
    pub fn header(&self) -> &Header {
        self.0.header()
    }
    /// The cell's address, with the allocation's own provenance (a pointer
    /// made from `&Header` could not be used to free the cell).
    pub(crate) fn as_ptr(&self) -> NonNull<Header> {
        self.0.ptr
    }
    /// Runs the task once: polls it, or drops it if cancelled.
    pub fn run(self) {
        let raw = ManuallyDrop::new(self).0;
        // SAFETY: the vtable matches the cell; our reference is passed on.
        unsafe { (raw.header().vtable.run)(raw.ptr) }
    }
    /// Rebuilds an entry from a reference the caller owns.
    ///
    /// # Safety
    /// The caller owns one reference and a right to run (a `Submit` transition).
    pub(crate) unsafe fn from_raw(raw: RawTask) -> Notified {
        Notified(raw)
    }
}

impl Drop for Notified {
    fn drop(&mut self) {
        // SAFETY: a Notified owns one reference.
        unsafe { self.0.drop_ref() }
    }
}

/// A counted reference to a task of unknown type: for the registry and for
/// `all_tasks` / `current_task`.
pub struct TaskRef(RawTask);

impl TaskRef {
    /// The task's header.
    pub fn header(&self) -> &Header {
        self.0.header()
    }
    /// Requests cancellation; `false` if already complete.
    pub fn cancel(&self) -> bool {
        self.0.cancel()
    }
    /// Whether the task has completed.
    pub fn is_done(&self) -> bool {
        self.header().state.load().is_complete()
    }
    /// A new counted reference to the task at `ptr`.
    ///
    /// # Safety
    /// `ptr` carries the cell's own provenance (from [`Notified::as_ptr`])
    /// and the cell is kept alive by some other reference meanwhile.
    pub(crate) unsafe fn clone_from_ptr(ptr: NonNull<Header>) -> TaskRef {
        let raw = RawTask { ptr };
        raw.header().state.ref_inc();
        TaskRef(raw)
    }
}

impl Clone for TaskRef {
    fn clone(&self) -> Self {
        self.header().state.ref_inc();
        TaskRef(self.0)
    }
}

impl Drop for TaskRef {
    fn drop(&mut self) {
        // SAFETY: a TaskRef owns one reference.
        unsafe { self.0.drop_ref() }
    }
}

// ---- the vtable's functions --------------------------------------------------

/// # Safety
/// `ptr` points to a live `Cell<F, S>`.
unsafe fn cell<'a, F: Future, S>(ptr: NonNull<Header>) -> &'a Cell<F, S> {
    // SAFETY: guaranteed by the caller; Cell is repr(C) with the header first.
    unsafe { ptr.cast::<Cell<F, S>>().as_ref() }
}

/// Polls the task once (the queue entry's turn), then settles what the
/// entry's reference becomes: dropped, requeued, or handed back to the
/// scheduler.
///
/// # Safety
/// `ptr` is the header of a live `Cell<F, S>`, and the caller gives up one
/// queue-entry reference (a `Notified`) with the right to run it.
unsafe fn run<F: Future + 'static, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the vtable is only installed on a Cell<F, S>; the caller's
    // queue entry keeps it alive until we drop that reference below.
    let cell = unsafe { cell::<F, S>(ptr) };
    let raw = RawTask { ptr };
    match cell.header.state.transition_to_running() {
        Run::Cancel => {
            // Dropped as a cancellation: a task this one was awaiting is
            // cancelled with it (asyncio cancels the awaited task; see
            // `cancel_scope`). Nobody can wait for it here (the cell's
            // stage has no room for that), so it finishes on its own loop.
            let mut dropped = Ok(());
            drop(super::cancel_scope::collect_orphans(|| {
                dropped = drop_future(cell);
            }));
            let error = match dropped {
                Ok(()) => TaskError::Cancelled,
                Err(panic) => panic,
            };
            // SAFETY: we are the runner, holding the entry's reference; the
            // future is gone. `cell` is not used after this.
            unsafe { complete::<F, S>(ptr, Err(error), true) }
        }
        Run::Poll => {
            // SAFETY: this waker borrows the queue entry's reference and is
            // never dropped (ManuallyDrop); clones take their own references.
            let waker = ManuallyDrop::new(unsafe { waker::borrowed(ptr) });
            let mut cx = Context::from_waker(&waker);
            let polled = catch_unwind(AssertUnwindSafe(|| {
                cell.stage.with_mut(|stage| {
                    // SAFETY: RUNNING gives this thread exclusive access to the
                    // stage, and the future is never moved once in the cell.
                    match unsafe { &mut *stage } {
                        Stage::Running(future) => {
                            // SAFETY: the future lives in the heap cell and is
                            // never moved until it is dropped in place.
                            unsafe { Pin::new_unchecked(future) }.poll(&mut cx)
                        }
                        _ => unreachable!("a task is only run while its future is alive"),
                    }
                })
            }));
            // Taken whatever the poll returned, so that no request outlives it.
            let yielded = super::current::take_yield_request(ptr);
            match polled {
                // The task asked to go to the back of its queue (a yield):
                // the entry goes back with RUNNING still set, which keeps
                // its turn and lets its next run skip the compare-and-swap
                // (`current::yield_to_loop`, `State::transition_to_running`).
                Ok(Poll::Pending) if yielded => {
                    // SAFETY: the entry's reference and right to run carry over.
                    let entry = unsafe { Notified::from_raw(raw) };
                    cell.scheduler.requeue(entry)
                }
                Ok(Poll::Pending) => match cell.header.state.transition_to_idle() {
                    // SAFETY: the entry's reference and right to run carry over.
                    Idle::Requeue => cell.scheduler.requeue(unsafe { Notified::from_raw(raw) }),
                    // The transition dropped the entry's reference.
                    Idle::Released => {}
                    // SAFETY: and it was the last: nobody else can reach the cell.
                    Idle::ReleasedLast => unsafe { raw.dealloc() },
                },
                Ok(Poll::Ready(output)) => {
                    let output = drop_future(cell).map(|()| output);
                    // SAFETY: as in the cancel branch.
                    unsafe { complete::<F, S>(ptr, output, false) }
                }
                Err(payload) => {
                    let _ = drop_future(cell);
                    let error = Err(TaskError::Panicked(payload));
                    // SAFETY: as in the cancel branch.
                    unsafe { complete::<F, S>(ptr, error, false) }
                }
            }
        }
    }
}

/// Drops the future where it lies (it may panic in `Drop`); the stage becomes
/// `Consumed`. Moving it out first would break the pin promise: an async
/// block may hold references into itself that its destructors still follow.
fn drop_future<F: Future, S>(cell: &Cell<F, S>) -> Result<(), TaskError> {
    /// Writes `Consumed` over the dropped stage, even when a destructor
    /// unwinds (drop glue still drops the remaining fields first).
    struct MarkConsumed<F: Future>(*mut Stage<F>);
    impl<F: Future> Drop for MarkConsumed<F> {
        fn drop(&mut self) {
            // SAFETY: the old value was dropped in place just before; writing
            // without reading it avoids a second drop.
            unsafe { ptr::write(self.0, Stage::Consumed) }
        }
    }
    cell.stage.with_mut(|stage| {
        catch_unwind(AssertUnwindSafe(|| {
            let _mark = MarkConsumed(stage);
            // SAFETY: only the runner calls this, holding RUNNING, so it has
            // the stage to itself; `_mark` makes it valid again afterwards.
            unsafe { ptr::drop_in_place(stage) }
        }))
        .map_err(TaskError::Panicked)
    })
}

/// Finishes the task: stores the output (or drops it, when the handle is
/// already gone), publishes `COMPLETE`, and gives up the runner's
/// queue-entry reference, with the registry's when the scheduler hands
/// that back. The cell may be freed (by this thread or another) as soon as
/// the transition has dropped those references, so nothing here holds a
/// `&Cell` across it as an argument: only `ptr`.
///
/// # Safety
/// `ptr` is the header of a live `Cell<F, S>` whose runner (holding
/// `RUNNING` and the queue entry's reference) is the caller, and its
/// future was already dropped (the stage is `Consumed`, `drop_future`).
unsafe fn complete<F: Future, S: Schedule>(
    ptr: NonNull<Header>,
    output: Result<F::Output, TaskError>,
    cancelled: bool,
) {
    // SAFETY: the caller's contract; the entry's reference keeps it alive
    // until the transition below.
    let cell = unsafe { cell::<F, S>(ptr) };
    let raw = RawTask { ptr };
    // A handle that is gone never comes back: nobody can read the output,
    // so it is dropped now, on the task's loop, and the transition leaves
    // the runner nothing to do (a detached task's usual end). Dropped
    // before the release below, as the future was: user code the task
    // runs (a destructor that spawns, say) runs while the registry still
    // lists it, so shutdown's wait for an empty registry covers it.
    let handle_gone = !cell.header.state.load().has_join_interest();
    if handle_gone {
        drop_unread_output(cell, output);
    } else {
        // Written over, not assigned: the stage is `Consumed` (the caller
        // dropped the future), and an assignment called the stage's drop
        // glue, out of line for a large future, to drop nothing (~20
        // instructions per task).
        cell.stage.with_mut(|stage| {
            // SAFETY: RUNNING is still set: the runner owns the stage.
            debug_assert!(matches!(unsafe { &*stage }, Stage::Consumed));
            // SAFETY: as above; `Consumed` holds nothing, so nothing leaks.
            unsafe { ptr::write(stage, Stage::Finished(output)) }
        });
    }
    // The scheduler's bookkeeping goes before the transition, so that the
    // registry's reference, when handed back, goes in the completion's own
    // read-modify-write. (Nobody learns from the registry that a task is
    // complete: readers of it ask the state word.)
    let refs = match cell.scheduler.release(&cell.header) {
        Some(registry) => {
            debug_assert_eq!(registry.0.ptr, ptr, "another task's reference came back");
            // Its count goes in the transition below.
            mem::forget(registry);
            2
        }
        None => 1,
    };
    match cell
        .header
        .state
        .transition_to_complete(cancelled, refs, !handle_gone)
    {
        // The references went with the transition; the cell is not ours
        // to touch any more.
        Completed::Released => return,
        // SAFETY: and they were the last: nobody else can reach the cell.
        Completed::ReleasedLast => return unsafe { raw.dealloc() },
        // The handle went between the look above and the transition (a
        // race with another thread): the output is dropped here, after the
        // release, the one case where a task's code runs unlisted.
        Completed::DropOutput => {
            // SAFETY: COMPLETE without JOIN_INTEREST: nobody else touches the stage.
            let finished = cell
                .stage
                .with_mut(|stage| unsafe { mem::replace(&mut *stage, Stage::Consumed) });
            report_or_drop(cell, finished);
        }
        Completed::WakeJoiner => {
            // SAFETY: COMPLETE with JOIN_WAKER set: the handle no longer writes the slot.
            cell.header.join_waker.with(|slot| {
                // SAFETY: as above: the slot is stable and only read here.
                if let Some(waker) = unsafe { &*slot } {
                    waker.wake_by_ref();
                }
            });
        }
    }
    // SAFETY: the runner still holds `refs` references and gives them up
    // last, after its final use of the cell.
    unsafe { raw.drop_refs(refs) }
}

fn report_or_drop<F: Future, S: Schedule>(cell: &Cell<F, S>, stage: Stage<F>) {
    match stage {
        Stage::Finished(output) => drop_unread_output(cell, output),
        // The future itself (a task cancelled before it finished): its
        // destructor is the task's own code and may panic.
        Stage::Running(_) => {
            let _ = catch_unwind(AssertUnwindSafe(move || drop(stage)));
        }
        Stage::Consumed => {}
    }
}

/// Disposes of an output nobody will read: a panic is reported (asyncio's
/// "Task exception was never retrieved"), a value is dropped, its
/// destructor's panic kept from unwinding into the loop.
fn drop_unread_output<F: Future, S: Schedule>(
    cell: &Cell<F, S>,
    output: Result<F::Output, TaskError>,
) {
    match output {
        Err(error @ TaskError::Panicked(_)) => cell.scheduler.unhandled(&cell.header, error),
        Err(TaskError::Cancelled) => {}
        // Checked so that an output with no destructor (a detached
        // task's `()`, the usual case) costs no unwinding frame.
        Ok(value) if mem::needs_drop::<F::Output>() => {
            let _ = catch_unwind(AssertUnwindSafe(move || drop(value)));
        }
        Ok(_) => {}
    }
}

/// Hands the cell to its scheduler as a new queue entry.
///
/// # Safety
/// `ptr` is the header of a live `Cell<F, S>`, and the caller passes on one
/// reference that the state word's NOTIFIED transition gave it.
unsafe fn schedule<F: Future + 'static, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: vtable matches; the caller passes a queue reference on.
    let cell = unsafe { cell::<F, S>(ptr) };
    cell.scheduler.schedule(Notified(RawTask { ptr }));
}

/// Moves the finished output into the handle's slot.
///
/// # Safety
/// `ptr` is the header of a live `Cell<F, S>` whose state is COMPLETE with
/// JOIN_INTEREST, the caller is its one `Task` handle, and `dst` points to a
/// valid `Option<Result<F::Output, TaskError>>`.
unsafe fn read_output<F: Future + 'static, S: Schedule>(ptr: NonNull<Header>, dst: *mut ()) {
    // SAFETY: vtable matches; the caller is the handle and saw COMPLETE.
    let cell = unsafe { cell::<F, S>(ptr) };
    let dst = dst.cast::<Option<Result<F::Output, TaskError>>>();
    // SAFETY: COMPLETE with JOIN_INTEREST: the handle owns the stage.
    let stage = cell
        .stage
        .with_mut(|stage| unsafe { mem::replace(&mut *stage, Stage::Consumed) });
    if let Stage::Finished(output) = stage {
        // SAFETY: dst is the handle's `Option<Result<T, TaskError>>`.
        unsafe { *dst = Some(output) };
    }
}

/// Whether the finished output is a panic (read without moving it).
///
/// # Safety
/// As [`read_output`] (less `dst`): COMPLETE with JOIN_INTEREST, called by
/// the handle.
unsafe fn output_is_panic<F: Future + 'static, S: Schedule>(ptr: NonNull<Header>) -> bool {
    // SAFETY: vtable matches; the caller is the handle and saw COMPLETE.
    let cell = unsafe { cell::<F, S>(ptr) };
    cell.stage.with(|stage| {
        // SAFETY: COMPLETE with JOIN_INTEREST: the handle owns the stage, and
        // this only reads it.
        let stage = unsafe { &*stage };
        matches!(stage, Stage::Finished(Err(TaskError::Panicked(_))))
    })
}

/// Drops the finished output in place (a detached or dropped handle).
///
/// # Safety
/// As [`read_output`] (less `dst`): COMPLETE with JOIN_INTEREST, called by
/// the handle, which then gives up its claim on the output.
unsafe fn drop_output<F: Future + 'static, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: vtable matches; the caller is the handle and saw COMPLETE.
    let cell = unsafe { cell::<F, S>(ptr) };
    // SAFETY: as in read_output.
    let stage = cell
        .stage
        .with_mut(|stage| unsafe { mem::replace(&mut *stage, Stage::Consumed) });
    report_or_drop(cell, stage);
}

/// Frees the cell.
///
/// # Safety
/// `ptr` is the header of a `Cell<F, S>` made by [`new_task`] whose last
/// reference was just dropped: nothing can reach it any more.
unsafe fn dealloc<F: Future + 'static, S: Schedule>(ptr: NonNull<Header>) {
    let cell = ptr.cast::<Cell<F, S>>();
    // SAFETY: the last reference is gone, so nothing reaches the cell; it
    // was written by `new_task` into a block from `cell_cache::allocate`
    // with this layout, and is dropped once, here, before the block goes.
    unsafe {
        ptr::drop_in_place(cell.as_ptr());
        super::cell_cache::release(cell.cast::<u8>(), Layout::new::<Cell<F, S>>());
    }
}
