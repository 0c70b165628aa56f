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

fn raw(data: *const ()) -> RawTask {
    // SAFETY: our wakers are only built from non-null cell pointers.
    RawTask::from_ptr(unsafe { NonNull::new_unchecked(data as *mut Header) })
}

unsafe fn clone(data: *const ()) -> RawWaker {
    raw(data).header().state.ref_inc();
    RawWaker::new(data, &VTABLE)
}

unsafe fn wake(data: *const ()) {
    let task = raw(data);
    task.wake_by_ref();
    // SAFETY: an owned waker holds one reference, given up here.
    unsafe { task.drop_ref() }
}

unsafe fn wake_by_ref(data: *const ()) {
    raw(data).wake_by_ref();
}

unsafe fn drop_waker(data: *const ()) {
    // SAFETY: an owned waker holds one reference, given up here.
    unsafe { raw(data).drop_ref() }
}
