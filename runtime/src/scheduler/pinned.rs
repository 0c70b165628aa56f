//! Work that must run on one loop, in FIFO order: pinned tasks and
//! `call_soon` / `call_later` callbacks.
//!
//! A loop's pinned FIFO (`Worker::ready`) and its inbox
//! (`LoopShared::inbox`) hold [`Pinned`] items; a timer that fires a
//! callback (`time::store`) holds a [`Callback`] until it is due. The
//! handles that cancel callbacks (`Handle`, `TimerHandle`) are the loop's
//! public API and live in `event_loop::callback`.

use crate::loom::cell::UnsafeCell;
use crate::loom::sync::atomic::{AtomicBool, Ordering};
use crate::task::raw::Notified;
// std's `Arc`, not the shim's: loom's cannot become an `Arc<dyn _>`, and
// what it would model here is a reference count no loom model reaches
// (callbacks run on their loop's thread; a `Handle` only flips the flag).
use std::sync::Arc;

/// Work that must run on one loop, in FIFO order: pinned tasks and callbacks.
pub(crate) enum Pinned {
    Task(Notified),
    Callback(Callback),
    /// A new stealable task that should start on this loop (e.g. next to
    /// the socket it serves): it joins the local queue, where siblings may
    /// still steal it.
    Start(Notified),
}

/// A queued callback: the closure and its cancellation flag in one
/// allocation, shared with the callback's [`Handle`]s.
///
/// Why one allocation: a `call_soon` made two, a `Box` for the closure and
/// an `Arc` for the flag, both freed on the loop that runs the callback
/// (usually another thread's, for `call_soon_threadsafe`).
///
/// [`Handle`]: crate::Handle
pub(crate) struct Callback(Arc<dyn CallbackSlot>);

/// What a callback's handle reaches: the flag, never the closure.
pub(crate) trait CancelFlag: Send + Sync {
    fn flag(&self) -> &AtomicBool;
}

trait CallbackSlot: CancelFlag {
    /// Takes the closure out and runs it.
    ///
    /// # Safety
    /// Called at most once per slot, by its one `Callback` (which is not
    /// `Clone` and is consumed by the call).
    unsafe fn run_once(&self);
}

struct Slot<F> {
    cancelled: AtomicBool,
    run: UnsafeCell<Option<F>>,
}

// SAFETY: a `&Slot` on another thread (a `Handle`'s) reaches only the
// atomic flag: the closure is touched by `run_once` alone, whose contract
// gives it to one caller, once; and `F: Send` lets it run on the loop's
// thread whichever thread made it.
unsafe impl<F: Send> Sync for Slot<F> {}

impl<F: FnOnce() + Send> CancelFlag for Slot<F> {
    fn flag(&self) -> &AtomicBool {
        &self.cancelled
    }
}

impl<F: FnOnce() + Send> CallbackSlot for Slot<F> {
    unsafe fn run_once(&self) {
        // SAFETY: the one call this slot gets (the contract above), so no
        // other reference to the closure exists.
        let run = self.run.with_mut(|run| unsafe { (*run).take() });
        if let Some(run) = run {
            run();
        }
    }
}

impl Callback {
    /// The callback, and the flag its handles share.
    pub(crate) fn new(run: impl FnOnce() + Send + 'static) -> (Callback, Arc<dyn CancelFlag>) {
        let slot = Arc::new(Slot {
            cancelled: AtomicBool::new(false),
            run: UnsafeCell::new(Some(run)),
        });
        let flag: Arc<dyn CancelFlag> = slot.clone();
        (Callback(slot), flag)
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        self.0.flag().load(Ordering::Acquire)
    }

    /// Runs the closure (the caller checked `is_cancelled`).
    pub(crate) fn run(self) {
        // SAFETY: `self` is the slot's one `Callback`, consumed here.
        unsafe { self.0.run_once() }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::loom::sync::atomic::AtomicUsize;

    /// Counts its drops: the closure's captures must be dropped exactly
    /// once however the callback ends.
    struct Capture(Arc<AtomicUsize>);
    impl Drop for Capture {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn callback(
        drops: &Arc<AtomicUsize>,
        ran: &Arc<AtomicUsize>,
    ) -> (Callback, Arc<dyn CancelFlag>) {
        let (capture, ran) = (Capture(drops.clone()), ran.clone());
        Callback::new(move || {
            let _capture = capture;
            ran.fetch_add(1, Ordering::SeqCst);
        })
    }

    #[test]
    fn a_run_callback_runs_once_and_drops_its_captures_once() {
        let (drops, ran) = (Arc::default(), Arc::default());
        let (cb, flag) = callback(&drops, &ran);
        assert!(!cb.is_cancelled());
        cb.run();
        assert_eq!(ran.load(Ordering::SeqCst), 1);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        // The handle's side outlives the callback and still works.
        flag.flag().store(true, Ordering::Release);
    }

    #[test]
    fn a_cancel_from_another_thread_is_seen_and_the_closure_dropped_unrun() {
        let (drops, ran) = (Arc::default(), Arc::default());
        let (cb, flag) = callback(&drops, &ran);
        std::thread::spawn(move || flag.flag().store(true, Ordering::Release))
            .join()
            .unwrap();
        assert!(cb.is_cancelled());
        drop(cb);
        assert_eq!(ran.load(Ordering::SeqCst), 0);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn the_captures_go_when_the_last_of_callback_and_handle_goes() {
        let (drops, ran) = (Arc::default(), Arc::default());
        let (cb, flag) = callback(&drops, &ran);
        drop(flag);
        assert_eq!(drops.load(Ordering::SeqCst), 0, "still queued");
        drop(cb);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    }
}
