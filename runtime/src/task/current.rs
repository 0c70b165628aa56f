//! The thread-local facts the task cell and its handle need: which task this
//! thread is polling, and whether it is a loop thread.
//!
//! A leaf (it names only the cell's `Header`), so that `task/` needs nothing
//! from `context`, which sits above the loop and the runtime's shared state.
//! `context` re-exports these and sets `on_loop_thread` with the loop's core.

use super::raw::Header;
use crate::loom::const_thread_local;
use std::cell::Cell;
use std::ptr::NonNull;

const_thread_local! {
    /// The task being polled right now.
    static CURRENT_TASK: Cell<Option<NonNull<Header>>> = Cell::new(None);
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
