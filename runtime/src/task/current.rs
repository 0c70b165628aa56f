//! The thread-local facts the task cell and its handle need: which task this
//! thread is polling, whether that task asked to be put back in its queue
//! (a yield), and whether this is a loop thread.
//!
//! A leaf (it names only the cell's `Header`), so that `task/` needs nothing
//! from `context`, which sits above the loop and the runtime's shared state.
//! `context` re-exports these and sets `on_loop_thread` with the loop's core.

use super::raw::Header;
use crate::loom::const_thread_local;
use std::cell::Cell;
use std::ptr::NonNull;
use std::task::Waker;

const_thread_local! {
    /// The task being polled right now.
    static CURRENT_TASK: Cell<Option<NonNull<Header>>> = Cell::new(None);
    /// The task whose poll asked, through [`yield_to_loop`], to be queued
    /// again when it returns `Pending`.
    static YIELD_REQUEST: Cell<Option<NonNull<Header>>> = Cell::new(None);
    /// Whether this thread runs a loop (for its whole life).
    static LOOP_THREAD: Cell<bool> = Cell::new(false);
}

/// Marks `task` as the one being polled; returns the previous one to restore.
///
/// # Safety
/// `task`, if some, is a live task cell's pointer with the cell's provenance
/// (from `Notified::as_ptr`), kept alive for as long as code on this thread
/// may call `current_task` (in practice: while the task is polled), and the
/// caller restores the previous value before any other code runs here.
/// `current_task`'s pointer goes to `TaskRef::clone_from_ptr`, behind the
/// safe `hive::current_task`.
// Inline: called twice per task poll from the loop, which sits in another
// codegen unit; out of line, the thread-local access cost a call each time.
#[inline]
pub(crate) unsafe fn set_current_task(task: Option<NonNull<Header>>) -> Option<NonNull<Header>> {
    CURRENT_TASK.with(|c| c.replace(task))
}

/// The task this thread is polling, if any.
#[inline]
pub(crate) fn current_task() -> Option<NonNull<Header>> {
    CURRENT_TASK.with(|c| c.get())
}

/// Puts the task polled with `waker` at the back of its queue once this
/// poll returns `Pending`, as `waker.wake_by_ref()` does: [`yield_now`]
/// and a spent [`coop`] budget call it.
///
/// Why not just wake: a wake during the task's own poll costs three
/// read-modify-writes of its state word (the wake sets `SCHEDULED`, the
/// runner's idle transition sees it and keeps the entry, the next run
/// clears it), a third of a pinned `yield_now` (callgrind, `icount run
/// hive pinned_yield`). When `waker` is the waker of the task this thread
/// is polling right now, the request is a thread-local note instead: the
/// runner (`raw::run`) reads it after the poll and queues its entry again
/// with `RUNNING` still set, and the next run of that entry finds `RUNNING`
/// and polls without a compare-and-swap (`State::transition_to_running`).
/// Any other waker (a combinator's own, another task's, a waker used off
/// its loop) is woken as usual, and so is a second request while one from
/// an outer poll is pending (a task started eagerly inside another's poll
/// yields through its waker, so the outer request is never overwritten).
///
/// [`yield_now`]: crate::yield_now
/// [`coop`]: crate::coop
pub(crate) fn yield_to_loop(waker: &Waker) {
    let requested = current_task().is_some_and(|task| {
        super::waker::is_waker_of(waker, task)
            && YIELD_REQUEST.with(|slot| match slot.get() {
                None => {
                    slot.set(Some(task));
                    true
                }
                Some(pending) => pending == task,
            })
    });
    if !requested {
        waker.wake_by_ref();
    }
}

/// Whether `task`'s poll, which just returned, asked to be queued again
/// ([`yield_to_loop`]); clears the request. The runner calls it after
/// every poll, whatever it returned, so no request outlives its poll.
#[inline]
pub(crate) fn take_yield_request(task: NonNull<Header>) -> bool {
    YIELD_REQUEST.with(|slot| {
        let requested = slot.get() == Some(task);
        if requested {
            slot.set(None);
        }
        requested
    })
}

/// Whether this thread is a hive loop thread (a blocking join there would
/// block every task of the loop).
pub(crate) fn on_loop_thread() -> bool {
    LOOP_THREAD.with(|c| c.get())
}

/// Set by `context::enter_worker` for the life of a loop thread.
/// A loop thread also caches freed task cells (`cell_cache`) while it runs.
pub(crate) fn set_on_loop_thread(on: bool) {
    LOOP_THREAD.with(|c| c.set(on));
    super::cell_cache::set_enabled(on);
    super::age_clock::refresh_loop_stamp(on);
}
