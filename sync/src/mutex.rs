//! [`Mutex`]: a [`Lock`](crate::Lock) that owns the data it protects.

use core::fmt;
use core::ops::{Deref, DerefMut};

use crate::loom::cell::UnsafeCell;
use crate::permits::Permits;

/// A fair async lock around a value of type `T`; the guard derefs to it.
///
/// It is the [`Lock`](crate::Lock) machinery (FIFO hand-off, cancel-safe
/// acquire) with the data inside, the Rust way to say which data a lock
/// protects. The guard may be held across `.await`s and sent between threads.
///
/// # Examples
///
/// ```
/// use hive::sync::Mutex;
///
/// hive::run(async {
///     let counter = Mutex::new(0);
///     *counter.lock().await += 1;
///     assert_eq!(*counter.lock().await, 1);
/// })
/// .unwrap();
/// ```
pub struct Mutex<T> {
    pub(crate) permits: Permits,
    pub(crate) data: UnsafeCell<T>,
}

// SAFETY: the mutex hands out access to `T` to one guard at a time (one
// permit), so sharing the mutex between threads only ever moves `T`'s
// exclusive use between them: `T: Send` is all that is required, as for
// `std::sync::Mutex`.
unsafe impl<T: Send> Sync for Mutex<T> {}
// SAFETY: owning the mutex is owning the `T`.
unsafe impl<T: Send> Send for Mutex<T> {}

impl<T> Mutex<T> {
    /// Creates an unlocked mutex holding `value`.
    ///
    /// # Examples
    ///
    /// ```
    /// let names = hive::sync::Mutex::new(Vec::<String>::new());
    /// assert!(!names.locked());
    /// ```
    pub fn new(value: T) -> Self {
        Self {
            permits: Permits::new(1),
            data: UnsafeCell::new(value),
        }
    }

    /// Waits (first come, first served) for the mutex and returns the guard.
    ///
    /// Cancel-safe in the same way as [`Lock::acquire`](crate::Lock::acquire).
    ///
    /// # Examples
    ///
    /// ```
    /// hive::run(async {
    ///     let names = hive::sync::Mutex::new(Vec::new());
    ///     names.lock().await.push("ada");
    ///     assert_eq!(names.lock().await.len(), 1);
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "acquire")]
    pub async fn lock(&self) -> MutexGuard<'_, T> {
        self.permits.acquire(1).await;
        MutexGuard { mutex: self }
    }

    /// Takes the mutex if it is free and nobody is waiting for it.
    ///
    /// # Examples
    ///
    /// ```
    /// let value = hive::sync::Mutex::new(5);
    /// let guard = value.try_lock().unwrap();
    /// assert!(value.try_lock().is_none());
    /// assert_eq!(*guard, 5);
    /// ```
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        self.permits
            .try_acquire(1)
            .then(|| MutexGuard { mutex: self })
    }

    /// Whether a guard is alive.
    ///
    /// # Examples
    ///
    /// ```
    /// let value = hive::sync::Mutex::new(());
    /// let _guard = value.try_lock();
    /// assert!(value.locked());
    /// ```
    pub fn locked(&self) -> bool {
        self.permits.available() == 0
    }

    /// Borrows the data mutably without locking: `&mut self` proves no guard
    /// exists.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut value = hive::sync::Mutex::new(1);
    /// *value.get_mut() += 1;
    /// assert_eq!(value.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }

    /// Takes the data out of the mutex.
    ///
    /// # Examples
    ///
    /// ```
    /// let value = hive::sync::Mutex::new("data");
    /// assert_eq!(value.into_inner(), "data");
    /// ```
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T> From<T> for Mutex<T> {
    fn from(value: T) -> Self {
        Self::new(value)
    }
}

impl<T> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mutex")
            .field("locked", &self.locked())
            .finish_non_exhaustive()
    }
}

/// Exclusive access to a [`Mutex`]'s data; dropping it unlocks the mutex.
///
/// # Examples
///
/// ```
/// hive::run(async {
///     let value = hive::sync::Mutex::new(String::from("a"));
///     let mut guard = value.lock().await;
///     guard.push('b');
///     assert_eq!(&*guard, "ab");
/// })
/// .unwrap();
/// ```
#[must_use = "the mutex is unlocked as soon as the guard is dropped"]
pub struct MutexGuard<'a, T> {
    mutex: &'a Mutex<T>,
}

// SAFETY: a shared guard only gives out `&T`, so sharing it between threads
// needs `T: Sync`; `Send` is derived from `&Mutex<T>` (needs `T: Send`).
unsafe impl<T: Sync> Sync for MutexGuard<'_, T> {}

impl<T> Deref for MutexGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: this guard owns the mutex's only permit until dropped, so
        // no `&mut T` exists elsewhere while the returned `&T` lives (it
        // borrows the guard).
        self.mutex.data.with(|ptr| unsafe { &*ptr })
    }
}

impl<T> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: this guard owns the mutex's only permit until dropped, and
        // `&mut self` makes the returned `&mut T` the only reference to it.
        self.mutex.data.with_mut(|ptr| unsafe { &mut *ptr })
    }
}

impl<T> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        self.mutex.permits.release(1);
    }
}

impl<T: fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::test_util::{counting_waker, poll_once};

    #[test]
    fn guard_gives_exclusive_access_and_hands_off() {
        let mutex = Mutex::new(vec![1]);
        let (wakes, waker) = counting_waker();
        let mut guard = mutex.try_lock().unwrap();
        guard.push(2);
        let mut waiter = Box::pin(mutex.lock());
        assert!(poll_once(&mut waiter, &waker).is_pending());
        drop(guard);
        assert_eq!(wakes.count(), 1);
        assert!(mutex.try_lock().is_none());
        match poll_once(&mut waiter, &waker) {
            core::task::Poll::Ready(guard) => assert_eq!(*guard, [1, 2]),
            core::task::Poll::Pending => panic!("the lock was handed off"),
        };
    }
}
