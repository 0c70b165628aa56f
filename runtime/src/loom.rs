//! The one place the runtime imports its concurrency primitives from.
//!
//! Normally these are `std`'s atomics and `Arc`, `parking_lot`'s locks and
//! `std::thread`. Under `--cfg loom` they come from loom, so the same code runs
//! under the model checker. Nothing else in the crate imports atomics, locks or
//! threads directly (CI greps for it).

#[cfg(not(loom))]
mod imp {
    pub(crate) mod sync {
        pub(crate) use std::sync::Arc;
        pub(crate) mod atomic {
            pub(crate) use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
        }
        pub(crate) use parking_lot::{Condvar, MutexGuard};

        /// `parking_lot::Mutex` behind the API every call site uses.
        pub(crate) type Mutex<T> = parking_lot::Mutex<T>;

        /// Waits on `condvar` for at most `timeout` (or until notified).
        pub(crate) fn wait_timeout<'a, T>(
            condvar: &Condvar,
            mut guard: MutexGuard<'a, T>,
            timeout: std::time::Duration,
        ) -> MutexGuard<'a, T> {
            condvar.wait_for(&mut guard, timeout);
            guard
        }

        /// Waits on `condvar` until notified.
        pub(crate) fn wait<'a, T>(
            condvar: &Condvar,
            mut guard: MutexGuard<'a, T>,
        ) -> MutexGuard<'a, T> {
            condvar.wait(&mut guard);
            guard
        }
    }
    pub(crate) mod cell {
        /// `UnsafeCell` with loom's closure-based access API.
        #[derive(Debug)]
        pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

        impl<T> UnsafeCell<T> {
            pub(crate) const fn new(value: T) -> Self {
                Self(std::cell::UnsafeCell::new(value))
            }
            pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
                f(self.0.get())
            }
            pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
                f(self.0.get())
            }
        }
    }
    pub(crate) use std::thread;
    pub(crate) use std::thread_local;
}

#[cfg(loom)]
mod imp {
    pub(crate) mod sync {
        pub(crate) use loom::sync::Arc;
        pub(crate) mod atomic {
            pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
        }
        pub(crate) use loom::sync::Condvar;

        /// loom's `Mutex`, with `lock` returning the guard as parking_lot's does.
        #[derive(Debug)]
        pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);
        pub(crate) type MutexGuard<'a, T> = loom::sync::MutexGuard<'a, T>;

        impl<T> Mutex<T> {
            pub(crate) fn new(value: T) -> Self {
                Self(loom::sync::Mutex::new(value))
            }
            pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
                self.0.lock().unwrap_or_else(|poison| poison.into_inner())
            }
        }

        impl<T: Default> Default for Mutex<T> {
            fn default() -> Self {
                Self::new(T::default())
            }
        }

        /// loom has no timed wait: a timed wait is an untimed one (every
        /// caller re-checks its condition in a loop, so this only narrows the
        /// behaviours explored, never adds impossible ones).
        pub(crate) fn wait_timeout<'a, T>(
            condvar: &Condvar,
            guard: MutexGuard<'a, T>,
            _timeout: std::time::Duration,
        ) -> MutexGuard<'a, T> {
            wait(condvar, guard)
        }

        /// Waits on `condvar` until notified.
        pub(crate) fn wait<'a, T>(
            condvar: &Condvar,
            guard: MutexGuard<'a, T>,
        ) -> MutexGuard<'a, T> {
            condvar
                .wait(guard)
                .unwrap_or_else(|poison| poison.into_inner())
        }
    }
    pub(crate) mod cell {
        pub(crate) use loom::cell::UnsafeCell;
    }
    pub(crate) use loom::thread;
    pub(crate) use loom::thread_local;
}

pub(crate) use imp::*;
