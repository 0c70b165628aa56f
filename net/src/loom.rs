//! The one place hive-net imports its concurrency primitives from.
//!
//! Normally `std`'s atomics and `Arc` and `parking_lot`'s `Mutex`; under
//! `--cfg loom`, loom's atomics and `Mutex` (and still std's `Arc`), so the
//! same code runs under the model checker.
//! Nothing else in the crate imports atomics or locks directly (CI greps).

#[cfg(not(loom))]
mod imp {
    #[allow(unused_imports)]
    pub(crate) mod sync {
        pub(crate) use std::sync::Arc;
        pub(crate) mod atomic {
            pub(crate) use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
        }
        /// `parking_lot::Mutex` behind the API every call site uses.
        pub(crate) type Mutex<T> = parking_lot::Mutex<T>;
    }
}

#[cfg(loom)]
mod imp {
    #[allow(unused_imports)]
    pub(crate) mod sync {
        // std's `Arc` even under loom: hive-net uses `self: &Arc<Self>`
        // receivers and `Arc<dyn Fn>` handlers, which loom's `Arc` cannot
        // express. It is only a reference count; the atomics and locks that
        // order the shared state are loom's.
        pub(crate) use std::sync::Arc;
        pub(crate) mod atomic {
            pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
        }

        /// loom's `Mutex`, with `lock` returning the guard as parking_lot's does.
        #[derive(Debug, Default)]
        pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);

        impl<T> Mutex<T> {
            pub(crate) fn new(value: T) -> Self {
                Self(loom::sync::Mutex::new(value))
            }
            pub(crate) fn lock(&self) -> loom::sync::MutexGuard<'_, T> {
                self.0.lock().unwrap_or_else(|poison| poison.into_inner())
            }
        }
    }
}

pub(crate) use imp::*;
