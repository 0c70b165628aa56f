//! What the current thread is: a loop thread, a thread inside `block_on`,
//! or neither; and (re-exported from the leaf `task::current`) which task
//! it is polling.

use crate::loom::const_thread_local;
use crate::loom::sync::Arc;
use crate::scheduler::worker::Worker;
use crate::shared::Shared;
use crate::task::current;
pub(crate) use crate::task::current::set_current_task;
use std::cell::{Cell, RefCell};
use std::ptr::NonNull;

const_thread_local! {
    /// The loop this thread runs (its scheduling half); set for the whole
    /// life of a loop thread.
    static WORKER: Cell<Option<NonNull<Worker>>> = Cell::new(None);
    /// The runtime a non-loop thread has entered (`block_on`).
    static ENTERED: RefCell<Option<Arc<Shared>>> = RefCell::new(None);
}

/// Runs `f` with this thread's loop, if it is a loop thread.
///
/// Inlined: it is a thread-local read around `f`, and `f` is often a whole
/// spawn (`scheduler::spawn`), which must not become a call of its own.
#[inline]
pub(crate) fn with_worker<R>(f: impl FnOnce(Option<&Worker>) -> R) -> R {
    let worker = WORKER.with(|c| c.get());
    // SAFETY: WORKER is only set by `LoopCore::run`, which clears it before
    // the core (which owns the worker) is dropped, and the worker is only
    // used from its own thread.
    f(worker.map(|p| unsafe { p.as_ref() }))
}

/// Marks this thread as running `worker`'s loop until the guard drops.
pub(crate) fn enter_worker(worker: &Worker) -> impl Drop {
    WORKER.with(|c| c.set(Some(NonNull::from(worker))));
    current::set_on_loop_thread(true);
    Reset(|| {
        WORKER.with(|c| c.set(None));
        current::set_on_loop_thread(false);
    })
}

/// Marks this (non-loop) thread as inside `shared`'s runtime until the guard drops.
pub(crate) fn enter_runtime(shared: Arc<Shared>) -> impl Drop {
    ENTERED.with(|e| *e.borrow_mut() = Some(shared));
    Reset(|| ENTERED.with(|e| *e.borrow_mut() = None))
}

/// The runtime this thread belongs to, if any.
pub(crate) fn current_shared() -> Option<Arc<Shared>> {
    with_worker(|worker| worker.map(|w| w.shared.clone()))
        .or_else(|| ENTERED.with(|e| e.borrow().clone()))
}

/// Whether this thread is inside any hive runtime (loop or `block_on`).
pub(crate) fn in_runtime() -> bool {
    with_worker(|worker| worker.is_some()) || ENTERED.with(|e| e.borrow().is_some())
}

struct Reset<F: FnMut()>(F);

impl<F: FnMut()> Drop for Reset<F> {
    fn drop(&mut self) {
        (self.0)()
    }
}
