//! The one place hive-process imports its concurrency primitives from.
//!
//! Normally `parking_lot`'s `Mutex`; under `--cfg loom`, loom's, so the
//! orphan queue's model runs the same code. Nothing else in the crate
//! imports atomics or locks directly (CI greps).

#[cfg(not(loom))]
mod imp {
    #[allow(unused_imports)]
    pub(crate) mod sync {
        pub(crate) use std::sync::Arc;
        pub(crate) mod atomic {
            pub(crate) use std::sync::atomic::{AtomicU8, Ordering};
        }
        /// `parking_lot::Mutex` behind the API every call site uses.
        pub(crate) type Mutex<T> = parking_lot::Mutex<T>;
    }
}

#[cfg(loom)]
mod imp {
    #[allow(unused_imports)]
    pub(crate) mod sync {
        pub(crate) use loom::sync::Arc;
        pub(crate) mod atomic {
            pub(crate) use loom::sync::atomic::{AtomicU8, Ordering};
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
