//! The `Waker` of a task: a pointer to its cell, one reference per waker.

use super::raw::{Header, RawTask};
use std::ptr::NonNull;
use std::task::{RawWaker, RawWakerVTable, Waker};

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

/// A waker that borrows the caller's reference: the caller must not drop it
/// (wrap it in `ManuallyDrop`), and must keep its reference alive meanwhile.
///
/// # Safety
/// `ptr` is a live task cell on which the caller holds a reference.
pub(crate) unsafe fn borrowed(ptr: NonNull<Header>) -> Waker {
    // SAFETY: VTABLE's functions treat the data pointer as a task cell, which it is.
    unsafe { Waker::from_raw(RawWaker::new(ptr.as_ptr() as *const (), &VTABLE)) }
}

/// Whether `waker` is one of `task`'s own wakers (its runner's, or a clone).
pub(crate) fn is_waker_of(waker: &Waker, task: NonNull<Header>) -> bool {
    // `VTABLE` is a `static`: one address, so comparing it is exact.
    std::ptr::eq(waker.vtable(), &VTABLE) && std::ptr::eq(waker.data(), task.as_ptr() as *const ())
}

/// The task behind a waker's data pointer.
///
/// # Safety
/// `data` is the data pointer of one of our wakers (built by [`borrowed`]
/// or [`clone`] from a cell pointer), and that waker's reference, owned or
/// borrowed, keeps the cell alive while the result is used.
unsafe fn raw(data: *const ()) -> RawTask {
    // SAFETY: our wakers are only built from non-null cell pointers that
    // carry the cell's provenance, and the waker keeps the cell alive.
    unsafe { RawTask::from_ptr(NonNull::new_unchecked(data as *mut Header)) }
}

/// `Waker::clone`: a new owned waker, with a reference of its own.
///
/// # Safety
/// `data` comes from a live waker of ours (the std `RawWakerVTable` contract).
unsafe fn clone(data: *const ()) -> RawWaker {
    // SAFETY: `data` is a live waker's, per this function's contract.
    unsafe { raw(data) }.header().state.ref_inc();
    RawWaker::new(data, &VTABLE)
}

/// `Waker::wake`: schedules the task and gives up the waker's reference.
///
/// # Safety
/// `data` comes from an owned waker of ours, consumed by this call.
unsafe fn wake(data: *const ()) {
    // SAFETY: `data` is an owned waker's, per this function's contract;
    // its reference is given up to `wake_by_val`.
    unsafe { raw(data).wake_by_val() }
}

/// `Waker::wake_by_ref`: schedules the task; the waker keeps its reference.
///
/// # Safety
/// `data` comes from a live waker of ours.
unsafe fn wake_by_ref(data: *const ()) {
    // SAFETY: the caller's waker keeps the cell alive through the call.
    unsafe { raw(data) }.wake_by_ref();
}

/// `Waker::drop`: gives up the waker's reference.
///
/// # Safety
/// `data` comes from an owned waker of ours, dropped by this call.
unsafe fn drop_waker(data: *const ()) {
    // SAFETY: an owned waker holds one reference, given up here.
    unsafe { raw(data).drop_ref() }
}
