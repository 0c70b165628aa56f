//! The one place this crate imports its concurrency primitives from.
//!
//! Normally these are `std`'s `Arc`, `parking_lot`'s `Mutex` and a thin
//! `UnsafeCell`. Under `--cfg loom` they come from loom, so the same code runs
//! under the model checker. Nothing else in the crate imports atomics, locks
//! or cells directly (CI greps for it).

#[cfg(not(loom))]
mod imp {
    pub(crate) mod sync {
        pub(crate) use std::sync::Arc;

        /// `parking_lot::Mutex`: `lock` returns the guard directly.
        pub(crate) type Mutex<T> = parking_lot::Mutex<T>;
    }

    pub(crate) mod cell {
        /// `UnsafeCell` with loom's closure-based access API.
        #[derive(Debug)]
        pub(crate) struct UnsafeCell<T: ?Sized>(std::cell::UnsafeCell<T>);

        impl<T> UnsafeCell<T> {
            pub(crate) const fn new(value: T) -> Self {
                Self(std::cell::UnsafeCell::new(value))
            }
            pub(crate) fn into_inner(self) -> T {
                self.0.into_inner()
            }
        }

        impl<T: ?Sized> UnsafeCell<T> {
            pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
                f(self.0.get())
            }
            pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
                f(self.0.get())
            }
            pub(crate) fn get_mut(&mut self) -> &mut T {
                self.0.get_mut()
            }
        }
    }
}

#[cfg(loom)]
mod imp {
    pub(crate) mod sync {
        pub(crate) use loom::sync::Arc;

        /// loom's `Mutex`, with `lock` returning the guard as parking_lot's does.
        #[derive(Debug, Default)]
        pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);

        impl<T> Mutex<T> {
            pub(crate) fn new(value: T) -> Self {
                Self(loom::sync::Mutex::new(value))
            }
            pub(crate) fn lock(&self) -> loom::sync::MutexGuard<'_, T> {
                // Nothing in this crate panics while holding a lock, so
                // poisoning cannot carry meaning here.
                self.0.lock().unwrap_or_else(|poison| poison.into_inner())
            }
        }
    }

    pub(crate) mod cell {
        /// loom's `UnsafeCell`, plus the two std methods the crate uses.
        #[derive(Debug)]
        pub(crate) struct UnsafeCell<T>(loom::cell::UnsafeCell<T>);

        impl<T> UnsafeCell<T> {
            pub(crate) fn new(value: T) -> Self {
                Self(loom::cell::UnsafeCell::new(value))
            }
            pub(crate) fn into_inner(self) -> T {
                self.0.into_inner()
            }
            pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
                self.0.with(f)
            }
            pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
                self.0.with_mut(f)
            }
            pub(crate) fn get_mut(&mut self) -> &mut T {
                // SAFETY: `&mut self` proves no other access exists.
                self.0.with_mut(|ptr| unsafe { &mut *ptr })
            }
        }
    }
}

pub(crate) use imp::*;
