//! The model-checked build (`--cfg loom`): loom's primitives behind the
//! same API as `std_impl.rs`.

/// `Arc`, atomics, `Mutex`, `Condvar` and the condvar waits.
pub mod sync {
    pub use loom::sync::{Arc, Condvar, MutexGuard};

    /// Atomic integers and flags (loom's).
    pub mod atomic {
        pub use loom::sync::atomic::{fence, Ordering};
        pub use loom::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicU8, AtomicUsize};
    }

    /// loom's `Mutex`, with `lock` returning the guard as `parking_lot`'s
    /// does.
    #[derive(Debug, Default)]
    pub struct Mutex<T>(loom::sync::Mutex<T>);

    impl<T> Mutex<T> {
        /// A mutex holding `value`.
        pub fn new(value: T) -> Self {
            Self(loom::sync::Mutex::new(value))
        }

        /// Locks. No hive code panics while holding a lock, so poisoning
        /// carries no meaning and is ignored, as `parking_lot` has none.
        pub fn lock(&self) -> MutexGuard<'_, T> {
            self.0.lock().unwrap_or_else(|poison| poison.into_inner())
        }
    }

    /// loom has no timed wait, so a timed wait is an untimed one. Every
    /// caller re-checks its condition in a loop, so this only narrows the
    /// behaviours explored (a timeout firing first is not), never adds
    /// impossible ones.
    pub fn wait_timeout<'a, T>(
        condvar: &Condvar,
        guard: MutexGuard<'a, T>,
        _timeout: std::time::Duration,
    ) -> MutexGuard<'a, T> {
        wait(condvar, guard)
    }

    /// Waits on `condvar` until notified, and gives the guard back.
    pub fn wait<'a, T>(condvar: &Condvar, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
        condvar
            .wait(guard)
            .unwrap_or_else(|poison| poison.into_inner())
    }
}

/// loom's `UnsafeCell`, plus the std methods hive uses.
pub mod cell {
    /// loom's `UnsafeCell`: loom checks every `with`/`with_mut` for races.
    #[derive(Debug, Default)]
    pub struct UnsafeCell<T: ?Sized>(loom::cell::UnsafeCell<T>);

    impl<T> UnsafeCell<T> {
        /// A cell holding `value`.
        pub fn new(value: T) -> Self {
            Self(loom::cell::UnsafeCell::new(value))
        }

        /// The value, consuming the cell.
        pub fn into_inner(self) -> T {
            self.0.into_inner()
        }
    }

    impl<T: ?Sized> UnsafeCell<T> {
        /// Calls `f` with a shared pointer to the contents.
        pub fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
            self.0.with(f)
        }

        /// Calls `f` with a mutable pointer to the contents.
        pub fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            self.0.with_mut(f)
        }

        /// The contents, through an exclusive borrow of the cell.
        pub fn get_mut(&mut self) -> &mut T {
            // SAFETY: `&mut self` proves no other access to the contents
            // exists for as long as the returned borrow lives.
            self.0.with_mut(|ptr| unsafe { &mut *ptr })
        }
    }
}

pub use loom::thread;
pub use loom::thread_local;
