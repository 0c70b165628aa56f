//! What the current thread is: a loop thread, a thread inside `block_on`,
//! or neither; and (re-exported from the leaf `task::current`) which task
//! it is polling.

use crate::event_loop::core::LoopCore;
use crate::loom::const_thread_local;
use crate::loom::sync::Arc;
use crate::shared::Shared;
use crate::task::current;
pub(crate) use crate::task::current::set_current_task;
use std::cell::{Cell, RefCell};
use std::ptr::NonNull;

const_thread_local! {
    /// The loop this thread runs; set for the whole life of a loop thread.
    static CORE: Cell<Option<NonNull<LoopCore>>> = Cell::new(None);
    /// The runtime a non-loop thread has entered (`block_on`).
    static ENTERED: RefCell<Option<Arc<Shared>>> = RefCell::new(None);
}

/// Runs `f` with this thread's loop, if it is a loop thread.
pub(crate) fn with_core<R>(f: impl FnOnce(Option<&LoopCore>) -> R) -> R {
    let core = CORE.with(|c| c.get());
    // SAFETY: CORE is only set by `LoopCore::run`, which clears it before the
    // core is dropped, and the core is only used from its own thread.
    f(core.map(|p| unsafe { p.as_ref() }))
}

/// Marks this thread as running `core` until the guard drops.
pub(crate) fn enter_core(core: &LoopCore) -> impl Drop {
    CORE.with(|c| c.set(Some(NonNull::from(core))));
    current::set_on_loop_thread(true);
    Reset(|| {
        CORE.with(|c| c.set(None));
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
    with_core(|core| core.map(|c| c.shared.clone()))
        .or_else(|| ENTERED.with(|e| e.borrow().clone()))
}

/// Whether this thread is inside any hive runtime (loop or `block_on`).
pub(crate) fn in_runtime() -> bool {
    with_core(|core| core.is_some()) || ENTERED.with(|e| e.borrow().is_some())
}

struct Reset<F: FnMut()>(F);

impl<F: FnMut()> Drop for Reset<F> {
    fn drop(&mut self) {
        (self.0)()
    }
}
