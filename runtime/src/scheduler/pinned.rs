//! Work that must run on one loop, in FIFO order: pinned tasks and
//! `call_soon` / `call_later` callbacks.
//!
//! A loop's pinned FIFO (`Worker::ready`) and its inbox
//! (`LoopShared::inbox`) hold [`Pinned`] items; a timer that fires a
//! callback (`time::store`) holds a [`Callback`] until it is due. The
//! handles that cancel callbacks (`Handle`, `TimerHandle`) are the loop's
//! public API and live in `event_loop::callback`.

use crate::loom::sync::atomic::{AtomicBool, Ordering};
use crate::loom::sync::Arc;
use crate::task::raw::Notified;

/// Work that must run on one loop, in FIFO order: pinned tasks and callbacks.
pub(crate) enum Pinned {
    Task(Notified),
    Callback(Callback),
    /// A new stealable task that should start on this loop (e.g. next to
    /// the socket it serves): it joins the local queue, where siblings may
    /// still steal it.
    Start(Notified),
}

/// A queued callback and its cancellation flag.
pub(crate) struct Callback {
    pub(crate) run: Box<dyn FnOnce() + Send + 'static>,
    pub(crate) cancelled: Arc<AtomicBool>,
}

impl Callback {
    pub(crate) fn new(run: impl FnOnce() + Send + 'static) -> (Callback, Arc<AtomicBool>) {
        let cancelled = Arc::new(AtomicBool::new(false));
        (
            Callback {
                run: Box::new(run),
                cancelled: cancelled.clone(),
            },
            cancelled,
        )
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Acquire)
    }
}
