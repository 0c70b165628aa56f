//! The shipped build: `std`'s atomics, `Arc` and threads, `parking_lot`'s
//! locks, and a zero-cost `UnsafeCell` with loom's closure-based API.

/// `Arc`, atomics, `Mutex`, `Condvar` and the condvar waits.
pub mod sync {
    pub use parking_lot::{Condvar, MutexGuard};
    pub use std::sync::Arc;

    /// Atomic integers and flags (`std::sync::atomic`).
    pub mod atomic {
        pub use std::sync::atomic::{fence, Ordering};
        pub use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicU8, AtomicUsize};
    }

    /// `parking_lot::Mutex`: `lock` returns the guard itself (no poisoning).
    ///
    /// ```
    /// let m = hive_loom_shim::sync::Mutex::new(vec![1]);
    /// m.lock().push(2);
    /// assert_eq!(*m.lock(), [1, 2]);
    /// ```
    pub type Mutex<T> = parking_lot::Mutex<T>;

    /// Waits on `condvar` for at most `timeout` (or until notified), and
    /// gives the guard back (the shape both builds can offer).
    ///
    /// ```
    /// use hive_loom_shim::sync::{wait_timeout, Condvar, Mutex};
    /// let (m, cv) = (Mutex::new(()), Condvar::new());
    /// let guard = wait_timeout(&cv, m.lock(), std::time::Duration::from_millis(1));
    /// drop(guard);
    /// ```
    pub fn wait_timeout<'a, T>(
        condvar: &Condvar,
        mut guard: MutexGuard<'a, T>,
        timeout: std::time::Duration,
    ) -> MutexGuard<'a, T> {
        condvar.wait_for(&mut guard, timeout);
        guard
    }

    /// Waits on `condvar` until notified, and gives the guard back.
    ///
    /// ```
    /// use hive_loom_shim::sync::{wait, Arc, Condvar, Mutex};
    /// let pair = Arc::new((Mutex::new(false), Condvar::new()));
    /// let other = pair.clone();
    /// let t = std::thread::spawn(move || {
    ///     *other.0.lock() = true;
    ///     other.1.notify_one();
    /// });
    /// let mut ready = pair.0.lock();
    /// while !*ready {
    ///     ready = wait(&pair.1, ready);
    /// }
    /// drop(ready);
    /// t.join().unwrap();
    /// ```
    pub fn wait<'a, T>(condvar: &Condvar, mut guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
        condvar.wait(&mut guard);
        guard
    }
}

/// `UnsafeCell` with loom's closure-based access.
pub mod cell {
    /// `std::cell::UnsafeCell` behind loom's API: every access goes through
    /// [`with`](UnsafeCell::with) or [`with_mut`](UnsafeCell::with_mut), so
    /// loom can check the accesses for races; here they compile to a plain
    /// pointer.
    ///
    /// ```
    /// let cell = hive_loom_shim::cell::UnsafeCell::new(1);
    /// // SAFETY: no other reference to the cell's contents exists.
    /// cell.with_mut(|p| unsafe { *p += 1 });
    /// assert_eq!(cell.into_inner(), 2);
    /// ```
    #[derive(Debug, Default)]
    pub struct UnsafeCell<T: ?Sized>(std::cell::UnsafeCell<T>);

    impl<T> UnsafeCell<T> {
        /// A cell holding `value`.
        pub const fn new(value: T) -> Self {
            Self(std::cell::UnsafeCell::new(value))
        }

        /// The value, consuming the cell.
        pub fn into_inner(self) -> T {
            self.0.into_inner()
        }
    }

    impl<T: ?Sized> UnsafeCell<T> {
        /// Calls `f` with a shared pointer to the contents.
        pub fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
            f(self.0.get())
        }

        /// Calls `f` with a mutable pointer to the contents.
        pub fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            f(self.0.get())
        }

        /// The contents, through an exclusive borrow of the cell.
        pub fn get_mut(&mut self) -> &mut T {
            self.0.get_mut()
        }
    }
}

pub use std::thread;
pub use std::thread_local;
