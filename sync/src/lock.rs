//! [`Lock`]: asyncio's mutual-exclusion lock, fair and thread-safe.

use core::fmt;

use crate::permits::Permits;

/// A lock that one task at a time may hold; waiters get it in arrival order.
///
/// `acquire` resolves to a [`LockGuard`], and dropping the guard releases the
/// lock, so a lock can never be released by someone who does not hold it
/// (asyncio's `RuntimeError` for that case cannot happen). A release hands
/// the lock straight to the first waiter: a later
/// [`try_acquire`](Lock::try_acquire) cannot take it first. For a lock that
/// guards data, use [`Mutex`](crate::Mutex).
///
/// # Examples
///
/// ```
/// use hive::sync::Lock;
///
/// hive::run(async {
///     let lock = Lock::new();
///     let guard = lock.acquire().await;
///     assert!(lock.locked());
///     drop(guard);
///     assert!(!lock.locked());
/// })
/// .unwrap();
/// ```
#[doc(alias = "asyncio.Lock")]
pub struct Lock {
    pub(crate) permits: Permits,
}

impl Lock {
    /// Creates an unlocked lock.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = hive::sync::Lock::new();
    /// assert!(!lock.locked());
    /// ```
    pub fn new() -> Self {
        Self {
            permits: Permits::new(1),
        }
    }

    /// Waits until the lock is free, takes it, and returns the guard that
    /// releases it.
    ///
    /// Waiters are served first come, first served. Cancel-safe: dropping
    /// this future before it completes leaves the queue, and if the lock had
    /// already been handed to it, passes the lock on to the next waiter.
    ///
    /// # Examples
    ///
    /// ```
    /// use hive::sync::Lock;
    ///
    /// hive::run(async {
    ///     let lock = Lock::new();
    ///     {
    ///         let _guard = lock.acquire().await;
    ///         // ... critical section ...
    ///     }
    ///     assert!(lock.try_acquire().is_some());
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "asyncio.Lock.acquire")]
    #[doc(alias = "__aenter__")]
    pub async fn acquire(&self) -> LockGuard<'_> {
        self.permits.acquire(1).await;
        LockGuard { lock: self }
    }

    /// Takes the lock if it is free and nobody is waiting for it.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = hive::sync::Lock::new();
    /// let guard = lock.try_acquire().expect("the lock is free");
    /// assert!(lock.try_acquire().is_none());
    /// drop(guard);
    /// ```
    pub fn try_acquire(&self) -> Option<LockGuard<'_>> {
        self.permits
            .try_acquire(1)
            .then(|| LockGuard { lock: self })
    }

    /// Whether someone holds the lock.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = hive::sync::Lock::new();
    /// let _guard = lock.try_acquire();
    /// assert!(lock.locked());
    /// ```
    #[doc(alias = "asyncio.Lock.locked")]
    pub fn locked(&self) -> bool {
        self.permits.available() == 0
    }
}

impl Default for Lock {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Lock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lock")
            .field("locked", &self.locked())
            .finish()
    }
}

/// Proof that the lock is held; dropping it releases the lock.
///
/// # Examples
///
/// ```
/// use hive::sync::Lock;
///
/// let lock = Lock::new();
/// let guard = lock.try_acquire().unwrap();
/// guard.release();
/// assert!(!lock.locked());
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct LockGuard<'a> {
    lock: &'a Lock,
}

impl<'a> LockGuard<'a> {
    /// Releases the lock now (the same as dropping the guard).
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = hive::sync::Lock::new();
    /// lock.try_acquire().unwrap().release();
    /// assert!(!lock.locked());
    /// ```
    #[doc(alias = "asyncio.Lock.release")]
    #[doc(alias = "__aexit__")]
    pub fn release(self) {}

    /// The lock this guard holds.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = hive::sync::Lock::new();
    /// let guard = lock.try_acquire().unwrap();
    /// assert!(std::ptr::eq(guard.lock(), &lock));
    /// ```
    pub fn lock(&self) -> &'a Lock {
        self.lock
    }
}

impl Drop for LockGuard<'_> {
    fn drop(&mut self) {
        self.lock.permits.release(1);
    }
}

impl fmt::Debug for LockGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LockGuard").finish_non_exhaustive()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::test_util::{counting_waker, poll_once};

    #[test]
    fn release_hands_off_to_the_first_waiter() {
        let lock = Lock::new();
        let (_, waker) = counting_waker();
        let guard = lock.try_acquire().unwrap();
        let mut waiter = Box::pin(lock.acquire());
        assert!(poll_once(&mut waiter, &waker).is_pending());
        drop(guard);
        assert!(lock.locked(), "handed off, not unlocked");
        assert!(lock.try_acquire().is_none(), "no barging");
        let guard = poll_once(&mut waiter, &waker);
        assert!(guard.is_ready());
        drop(guard);
        assert!(!lock.locked());
    }

    #[test]
    fn guards_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Lock>();
        check::<LockGuard<'static>>();
    }
}
