//! A task cell's reference to its runtime's shared state, counted in blocks.
//!
//! Why: every task cell held an `Arc<Shared>` clone, so a spawn cost an
//! atomic increment of the runtime's reference count and freeing the cell
//! an atomic decrement. `perf annotate` of a pinned spawn
//! (`icount run hive pinned_spawn`) put the increment alone at 6 % of the
//! spawn's samples and the decrement at about as much, on a count every
//! loop of the runtime shares.
//!
//! Now the cells share the runtime's `Arc` through a counter of their own,
//! [`CountsCells::cell_refs`]:
//! - while the counter is above zero, the cells (with the loops' unused
//!   references, below) hold **one** strong reference of the `Arc`
//!   between them: the increment that raises the counter from zero adds
//!   it, and the decrement that brings the counter to zero drops it;
//! - a loop takes [`BLOCK`] references at a time with one `fetch_add` and
//!   hands them to the cells it spawns with plain arithmetic
//!   ([`LocalCellRefs`]); a cell freed on any loop of the same runtime
//!   gives its reference back to that loop's stock, again without an
//!   atomic; a loop returns its stock when it stops, and gives back a block
//!   whenever it holds more than two;
//! - off the loops (a spawn from another thread, a cell freed by a waker
//!   dropped elsewhere), a reference is one `fetch_add` or `fetch_sub`.
//!
//! Raising the counter from zero is safe without a race against the
//! decrement that brought it there: whoever raises it holds an `Arc` of
//! its own (a loop's, or a spawner's), so the strong count cannot reach
//! zero while the cells' reference is dropped and added back.

use crate::context;
use crate::loom::sync::atomic::{AtomicUsize, Ordering::AcqRel};
use crate::loom::sync::Arc;
use crate::scheduler::worker::Worker;
use crate::shared::Shared;
use crate::task::raw::{Header, Notified, Schedule, TaskRef};
use crate::task::TaskError;
use std::cell::Cell;
use std::ops::Deref;
use std::ptr::NonNull;

/// References a loop takes from the shared counter at a time: one atomic
/// per 256 spawns on a busy loop, and a stock small enough that a stopped
/// loop's return of it is one atomic too.
pub(crate) const BLOCK: usize = 256;

/// Shared state whose cells are counted by [`cell_refs`](CountsCells::cell_refs).
pub trait CountsCells {
    /// References held by cells and by the loops' stocks.
    fn cell_refs(&self) -> &AtomicUsize;
}

impl CountsCells for Shared {
    fn cell_refs(&self) -> &AtomicUsize {
        &self.cell_refs
    }
}

/// Adds `n` references to the counter; the first makes the cells hold a
/// strong reference of `arc`.
pub fn acquire<T: CountsCells>(arc: &Arc<T>, n: usize) {
    // AcqRel, as `release`: whichever increment follows a decrement to zero
    // must see that the cells' strong reference was dropped (and the other
    // way round), so that the two strong-count updates pair up.
    if arc.cell_refs().fetch_add(n, AcqRel) == 0 {
        // SAFETY: `arc` is a live `Arc`, so the strong count is at least one
        // and the allocation cannot be freed by this increment's absence.
        unsafe { Arc::increment_strong_count(Arc::as_ptr(arc)) };
    }
}

/// Gives back `n` references; the last drops the cells' strong reference
/// (which may free the shared state).
///
/// # Safety
/// `ptr` came from an `Arc<T>`, and the caller owns `n` counted references
/// (so the cells' strong reference keeps `*ptr` alive until this call). The
/// caller must not touch `*ptr` after it.
pub unsafe fn release<T: CountsCells>(ptr: NonNull<T>, n: usize) {
    // AcqRel: Release so that this holder's uses of the shared state happen
    // before whoever frees it; Acquire so that the holder that drops the
    // last reference (and then the strong one) sees every other's.
    // SAFETY: the caller's references keep the allocation alive here.
    let before = unsafe { ptr.as_ref() }.cell_refs().fetch_sub(n, AcqRel);
    debug_assert!(before >= n, "more cell references given back than taken");
    if before == n {
        // SAFETY: the counter reached zero: the cells' strong reference,
        // added when it left zero, is ours to drop.
        unsafe { Arc::decrement_strong_count(ptr.as_ptr().cast_const()) };
    }
}

/// A loop's stock of references for the cells it spawns (only its own
/// thread touches it).
#[derive(Default)]
pub struct LocalCellRefs {
    stock: Cell<usize>,
}

impl LocalCellRefs {
    /// Takes one reference for a new cell, refilling the stock from
    /// `arc`'s counter a block at a time.
    pub fn take<T: CountsCells>(&self, arc: &Arc<T>) {
        let stock = self.stock.get();
        if stock == 0 {
            acquire(arc, BLOCK);
            self.stock.set(BLOCK - 1);
        } else {
            self.stock.set(stock - 1);
        }
    }

    /// Takes back the reference of a cell freed on this loop; gives a
    /// block back to the counter once the stock holds more than two.
    ///
    /// # Safety
    /// As [`release`], for one reference to `ptr`, the shared state of the
    /// runtime this loop belongs to.
    pub unsafe fn give_back<T: CountsCells>(&self, ptr: NonNull<T>) {
        let stock = self.stock.get() + 1;
        if stock > 2 * BLOCK {
            self.stock.set(stock - BLOCK);
            // SAFETY: the stock keeps more than a block, so the counter
            // stays above zero and `*ptr` alive; the caller's contract does
            // the rest.
            unsafe { release(ptr, BLOCK) };
        } else {
            self.stock.set(stock);
        }
    }

    /// Returns the whole stock (the loop is stopping).
    ///
    /// # Safety
    /// As [`release`]: `ptr` is the shared state these references count.
    pub unsafe fn return_all<T: CountsCells>(&self, ptr: NonNull<T>) {
        let stock = self.stock.replace(0);
        if stock > 0 {
            // SAFETY: the caller's contract.
            unsafe { release(ptr, stock) };
        }
    }
}

/// A task cell's counted reference to its runtime: what the cell schedules
/// through (`Schedule`), in place of an `Arc<Shared>` clone.
pub(crate) struct TaskShared(NonNull<Shared>);

// SAFETY: a counted reference to `Shared`, which is `Send + Sync` (it is
// shared through `Arc`s between the loops); like an `Arc`, it may move to
// and be used from any thread.
unsafe impl Send for TaskShared {}
// SAFETY: as above.
unsafe impl Sync for TaskShared {}

impl TaskShared {
    /// A reference for a new cell of `core`'s runtime, from that loop's
    /// stock (the stock and the runtime come from the same loop, so the
    /// count cannot go to the wrong counter).
    pub(crate) fn from_loop(core: &Worker) -> TaskShared {
        core.cell_refs.take(&core.shared);
        TaskShared::counted(&core.shared)
    }

    /// A reference for a new cell of `shared`'s runtime, spawned off its
    /// loops: one atomic increment.
    pub(crate) fn acquired(shared: &Arc<Shared>) -> TaskShared {
        acquire(shared, 1);
        TaskShared::counted(shared)
    }

    fn counted(shared: &Arc<Shared>) -> TaskShared {
        // From `Arc::as_ptr`, so that the pointer may be handed back to
        // `Arc::decrement_strong_count` when the counter drops to zero.
        TaskShared(NonNull::new(Arc::as_ptr(shared).cast_mut()).expect("an Arc is never null"))
    }
}

impl Deref for TaskShared {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        // SAFETY: this counted reference keeps the cells' strong reference,
        // and so the shared state, alive.
        unsafe { self.0.as_ref() }
    }
}

impl Drop for TaskShared {
    fn drop(&mut self) {
        let ptr = self.0;
        let kept = context::with_worker(|core| match core {
            Some(core) if std::ptr::eq(Arc::as_ptr(&core.shared), ptr.as_ptr()) => {
                // SAFETY: our one reference, to this loop's runtime; it is
                // not used after.
                unsafe { core.cell_refs.give_back(ptr) };
                true
            }
            _ => false,
        });
        if !kept {
            // SAFETY: our one reference, not used after.
            unsafe { release(ptr, 1) }
        }
    }
}

impl Schedule for TaskShared {
    fn schedule(&self, task: Notified) {
        (**self).schedule(task)
    }
    fn requeue(&self, task: Notified) {
        (**self).requeue(task)
    }
    fn release(&self, task: &Header) -> Option<TaskRef> {
        (**self).release(task)
    }
    fn unhandled(&self, task: &Header, error: TaskError) {
        (**self).unhandled(task, error)
    }
}
