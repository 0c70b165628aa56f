//! Owned guards: the `*_owned` forms of `acquire`/`lock`, which take the
//! primitive by `Arc` and return a guard that keeps that `Arc`, so the guard
//! is `'static` and can be moved into a spawned task or stored in a struct
//! (tokio's `acquire_owned` / `lock_owned`).
//!
//! They wait through the very same [`Permits`] queue as the borrowed forms,
//! so FIFO order, hand-off and cancel-safety are the same: the owned future
//! is the borrowed one plus the `Arc` it borrows from.

use core::fmt;
use core::ops::{Deref, DerefMut};
use std::sync::Arc;

use crate::lock::Lock;
use crate::mutex::Mutex;
use crate::permits::Permits;
use crate::semaphore::{BoundedSemaphore, Semaphore};

impl Semaphore {
    /// [`acquire`](Semaphore::acquire) through an `Arc`: the permit keeps the
    /// semaphore alive and borrows nothing, so it can move into a spawned
    /// task or live in a struct.
    ///
    /// FIFO and cancel-safe exactly as `acquire`: dropping the future leaves
    /// the queue, or passes a permit it was already handed to the next
    /// waiter.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use hive::sync::Semaphore;
    ///
    /// hive::run(async {
    ///     let sem = Arc::new(Semaphore::new(1));
    ///     let permit = sem.clone().acquire_owned().await;
    ///     let job = hive::spawn(async move {
    ///         let _permit = permit; // released when this task ends
    ///     });
    ///     job.await.unwrap();
    ///     assert_eq!(sem.available_permits(), 1);
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "asyncio.Semaphore.acquire")]
    pub async fn acquire_owned(self: Arc<Self>) -> OwnedSemaphorePermit {
        self.acquire_many_owned(1).await
    }

    /// [`acquire_many`](Semaphore::acquire_many) through an `Arc`: waits
    /// until `n` permits can be taken at once, and returns an owned permit.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// hive::run(async {
    ///     let sem = Arc::new(hive::sync::Semaphore::new(3));
    ///     let permit = sem.clone().acquire_many_owned(2).await;
    ///     assert_eq!(permit.num_permits(), 2);
    ///     assert_eq!(sem.available_permits(), 1);
    /// })
    /// .unwrap();
    /// ```
    pub async fn acquire_many_owned(self: Arc<Self>, n: usize) -> OwnedSemaphorePermit {
        self.permits.acquire(n).await;
        OwnedSemaphorePermit::new(Source::Plain(self), n)
    }

    /// [`try_acquire`](Semaphore::try_acquire) through an `Arc`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let sem = Arc::new(hive::sync::Semaphore::new(1));
    /// let permit = sem.clone().try_acquire_owned().unwrap();
    /// assert!(sem.clone().try_acquire_owned().is_none());
    /// drop(permit);
    /// assert!(sem.try_acquire_owned().is_some());
    /// ```
    pub fn try_acquire_owned(self: Arc<Self>) -> Option<OwnedSemaphorePermit> {
        self.try_acquire_many_owned(1)
    }

    /// [`try_acquire_many`](Semaphore::try_acquire_many) through an `Arc`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let sem = Arc::new(hive::sync::Semaphore::new(2));
    /// assert!(sem.clone().try_acquire_many_owned(3).is_none());
    /// assert!(sem.try_acquire_many_owned(2).is_some());
    /// ```
    pub fn try_acquire_many_owned(self: Arc<Self>, n: usize) -> Option<OwnedSemaphorePermit> {
        self.permits
            .try_acquire(n)
            .then(|| OwnedSemaphorePermit::new(Source::Plain(self), n))
    }
}

impl BoundedSemaphore {
    /// [`acquire`](BoundedSemaphore::acquire) through an `Arc`; the permit
    /// is `'static` (see [`Semaphore::acquire_owned`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// hive::run(async {
    ///     let sem = Arc::new(hive::sync::BoundedSemaphore::new(1));
    ///     let permit = sem.clone().acquire_owned().await;
    ///     hive::spawn(async move { drop(permit) }).await.unwrap();
    ///     assert_eq!(sem.available_permits(), 1);
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "asyncio.BoundedSemaphore.acquire")]
    pub async fn acquire_owned(self: Arc<Self>) -> OwnedSemaphorePermit {
        self.acquire_many_owned(1).await
    }

    /// [`acquire_many`](BoundedSemaphore::acquire_many) through an `Arc`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// hive::run(async {
    ///     let sem = Arc::new(hive::sync::BoundedSemaphore::new(2));
    ///     let both = sem.clone().acquire_many_owned(2).await;
    ///     assert_eq!((both.num_permits(), sem.available_permits()), (2, 0));
    /// })
    /// .unwrap();
    /// ```
    pub async fn acquire_many_owned(self: Arc<Self>, n: usize) -> OwnedSemaphorePermit {
        self.permits.acquire(n).await;
        OwnedSemaphorePermit::new(Source::Bounded(self), n)
    }

    /// [`try_acquire`](BoundedSemaphore::try_acquire) through an `Arc`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let sem = Arc::new(hive::sync::BoundedSemaphore::new(1));
    /// assert!(sem.try_acquire_owned().is_some());
    /// ```
    pub fn try_acquire_owned(self: Arc<Self>) -> Option<OwnedSemaphorePermit> {
        self.try_acquire_many_owned(1)
    }

    /// [`try_acquire_many`](BoundedSemaphore::try_acquire_many) through an
    /// `Arc`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let sem = Arc::new(hive::sync::BoundedSemaphore::new(3));
    /// assert!(sem.try_acquire_many_owned(2).is_some());
    /// ```
    pub fn try_acquire_many_owned(self: Arc<Self>, n: usize) -> Option<OwnedSemaphorePermit> {
        self.permits
            .try_acquire(n)
            .then(|| OwnedSemaphorePermit::new(Source::Bounded(self), n))
    }
}

/// Which semaphore an owned permit came from (one permit type serves both,
/// as [`SemaphorePermit`](crate::SemaphorePermit) does).
enum Source {
    Plain(Arc<Semaphore>),
    Bounded(Arc<BoundedSemaphore>),
}

impl Source {
    fn permits(&self) -> &Permits {
        match self {
            Source::Plain(sem) => &sem.permits,
            Source::Bounded(sem) => &sem.permits,
        }
    }
}

/// Permits taken from an `Arc<Semaphore>` or `Arc<BoundedSemaphore>`;
/// dropping it gives them back. Unlike
/// [`SemaphorePermit`](crate::SemaphorePermit) it borrows nothing: it is
/// `Send + 'static`, so it can move into a spawned task or live in a struct.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use hive::sync::{OwnedSemaphorePermit, Semaphore};
///
/// struct Job {
///     _slot: OwnedSemaphorePermit, // the job holds its slot while it lives
/// }
///
/// let sem = Arc::new(Semaphore::new(1));
/// let job = Job { _slot: sem.clone().try_acquire_owned().unwrap() };
/// assert_eq!(sem.available_permits(), 0);
/// drop(job);
/// assert_eq!(sem.available_permits(), 1);
/// ```
#[must_use = "the permits are given back as soon as the guard is dropped"]
pub struct OwnedSemaphorePermit {
    source: Source,
    n: usize,
}

impl OwnedSemaphorePermit {
    fn new(source: Source, n: usize) -> Self {
        Self { source, n }
    }

    /// How many permits this guard holds.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = std::sync::Arc::new(hive::sync::Semaphore::new(3));
    /// assert_eq!(sem.try_acquire_many_owned(2).unwrap().num_permits(), 2);
    /// ```
    pub fn num_permits(&self) -> usize {
        self.n
    }

    /// Keeps the permits taken for good: they are not given back on drop
    /// (pair it with `release`, as [`SemaphorePermit::forget`](crate::SemaphorePermit::forget)).
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = std::sync::Arc::new(hive::sync::Semaphore::new(1));
    /// sem.clone().try_acquire_owned().unwrap().forget();
    /// assert_eq!(sem.available_permits(), 0);
    /// sem.release();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    pub fn forget(mut self) {
        self.source.permits().forget(self.n);
        self.n = 0;
    }
}

impl Drop for OwnedSemaphorePermit {
    fn drop(&mut self) {
        if self.n > 0 {
            self.source.permits().release(self.n);
        }
    }
}

impl fmt::Debug for OwnedSemaphorePermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedSemaphorePermit")
            .field("permits", &self.n)
            .finish()
    }
}

impl Lock {
    /// [`acquire`](Lock::acquire) through an `Arc`: the guard keeps the lock
    /// alive and borrows nothing, so it can move into a spawned task or be
    /// stored in a struct. FIFO and cancel-safe as `acquire`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use hive::sync::Lock;
    ///
    /// hive::run(async {
    ///     let lock = Arc::new(Lock::new());
    ///     let guard = lock.clone().acquire_owned().await;
    ///     hive::spawn(async move { guard.release() }).await.unwrap();
    ///     assert!(!lock.locked());
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "asyncio.Lock.acquire")]
    pub async fn acquire_owned(self: Arc<Self>) -> OwnedLockGuard {
        self.permits.acquire(1).await;
        OwnedLockGuard { lock: self }
    }

    /// [`try_acquire`](Lock::try_acquire) through an `Arc`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let lock = Arc::new(hive::sync::Lock::new());
    /// let guard = lock.clone().try_acquire_owned().unwrap();
    /// assert!(lock.clone().try_acquire_owned().is_none());
    /// drop(guard);
    /// assert!(!lock.locked());
    /// ```
    pub fn try_acquire_owned(self: Arc<Self>) -> Option<OwnedLockGuard> {
        self.permits
            .try_acquire(1)
            .then(|| OwnedLockGuard { lock: self })
    }
}

/// Proof that an `Arc<Lock>` is held, owning that `Arc`; dropping it
/// releases the lock. `Send + 'static`.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
///
/// let lock = Arc::new(hive::sync::Lock::new());
/// let guard = lock.clone().try_acquire_owned().unwrap();
/// assert!(Arc::ptr_eq(guard.lock(), &lock));
/// guard.release();
/// assert!(!lock.locked());
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct OwnedLockGuard {
    lock: Arc<Lock>,
}

impl OwnedLockGuard {
    /// Releases the lock now (the same as dropping the guard).
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = std::sync::Arc::new(hive::sync::Lock::new());
    /// lock.clone().try_acquire_owned().unwrap().release();
    /// assert!(!lock.locked());
    /// ```
    #[doc(alias = "asyncio.Lock.release")]
    pub fn release(self) {}

    /// The lock this guard holds.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = std::sync::Arc::new(hive::sync::Lock::new());
    /// let guard = lock.clone().try_acquire_owned().unwrap();
    /// assert!(guard.lock().locked());
    /// ```
    pub fn lock(&self) -> &Arc<Lock> {
        &self.lock
    }
}

impl Drop for OwnedLockGuard {
    fn drop(&mut self) {
        self.lock.permits.release(1);
    }
}

impl fmt::Debug for OwnedLockGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedLockGuard").finish_non_exhaustive()
    }
}

impl<T> Mutex<T> {
    /// [`lock`](Mutex::lock) through an `Arc`: the guard keeps the mutex
    /// alive and borrows nothing, so it is `Send + 'static` when `T: Send`
    /// and can move into a spawned task or live in a struct. FIFO and
    /// cancel-safe as `lock`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// hive::run(async {
    ///     let names = Arc::new(hive::sync::Mutex::new(Vec::new()));
    ///     let mut guard = names.clone().lock_owned().await;
    ///     hive::spawn(async move { guard.push("ada") }).await.unwrap();
    ///     assert_eq!(*names.lock().await, ["ada"]);
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "acquire")]
    pub async fn lock_owned(self: Arc<Self>) -> OwnedMutexGuard<T> {
        self.permits.acquire(1).await;
        OwnedMutexGuard { mutex: self }
    }

    /// [`try_lock`](Mutex::try_lock) through an `Arc`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let value = Arc::new(hive::sync::Mutex::new(5));
    /// let guard = value.clone().try_lock_owned().unwrap();
    /// assert!(value.clone().try_lock_owned().is_none());
    /// assert_eq!(*guard, 5);
    /// ```
    pub fn try_lock_owned(self: Arc<Self>) -> Option<OwnedMutexGuard<T>> {
        self.permits
            .try_acquire(1)
            .then(|| OwnedMutexGuard { mutex: self })
    }
}

/// Exclusive access to the data of an `Arc<Mutex<T>>`, owning that `Arc`;
/// dropping it unlocks the mutex. `Send + 'static` when `T: Send + 'static`.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use hive::sync::{Mutex, OwnedMutexGuard};
///
/// struct Session {
///     log: OwnedMutexGuard<Vec<String>>, // the session holds the log
/// }
///
/// let log = Arc::new(Mutex::new(Vec::new()));
/// let mut s = Session { log: log.clone().try_lock_owned().unwrap() };
/// s.log.push("hello".into());
/// drop(s);
/// assert_eq!(log.try_lock().unwrap().len(), 1);
/// ```
#[must_use = "the mutex is unlocked as soon as the guard is dropped"]
pub struct OwnedMutexGuard<T> {
    mutex: Arc<Mutex<T>>,
}

// SAFETY: a shared guard only gives out `&T`, so sharing it between threads
// needs `T: Sync`; `T: Send` as well because the `Arc<Mutex<T>>` it holds
// may be the last one, dropping `T` on whichever thread drops the guard.
// (`Send` is derived from `Arc<Mutex<T>>`, which needs `T: Send`.)
unsafe impl<T: Send + Sync> Sync for OwnedMutexGuard<T> {}

impl<T> OwnedMutexGuard<T> {
    /// The mutex this guard holds.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = std::sync::Arc::new(hive::sync::Mutex::new(0));
    /// let guard = m.clone().try_lock_owned().unwrap();
    /// assert!(std::sync::Arc::ptr_eq(guard.mutex(), &m));
    /// ```
    pub fn mutex(&self) -> &Arc<Mutex<T>> {
        &self.mutex
    }
}

impl<T> Deref for OwnedMutexGuard<T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: this guard owns the mutex's only permit until dropped, so
        // no `&mut T` exists elsewhere while the returned `&T` lives (it
        // borrows the guard).
        self.mutex.data.with(|ptr| unsafe { &*ptr })
    }
}

impl<T> DerefMut for OwnedMutexGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: this guard owns the mutex's only permit until dropped, and
        // `&mut self` makes the returned `&mut T` the only reference to it.
        self.mutex.data.with_mut(|ptr| unsafe { &mut *ptr })
    }
}

impl<T> Drop for OwnedMutexGuard<T> {
    fn drop(&mut self) {
        self.mutex.permits.release(1);
    }
}

impl<T: fmt::Debug> fmt::Debug for OwnedMutexGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::test_util::{counting_waker, poll_once};

    #[test]
    fn owned_guards_are_send_and_static() {
        fn check<T: Send + Sync + 'static>() {}
        check::<OwnedSemaphorePermit>();
        check::<OwnedLockGuard>();
        check::<OwnedMutexGuard<Vec<u8>>>();
        fn send_static<T: Send + 'static>() {}
        // `Cell` is `Send` but not `Sync`: the guard may move, not be shared.
        send_static::<OwnedMutexGuard<core::cell::Cell<u8>>>();
    }

    #[test]
    fn cancelled_chosen_owned_waiter_passes_the_permit_on() {
        let sem = Arc::new(Semaphore::new(0));
        let (first_wakes, waker1) = counting_waker();
        let (second_wakes, waker2) = counting_waker();
        let mut first = Box::pin(sem.clone().acquire_owned());
        let mut second = Box::pin(sem.clone().acquire_owned());
        assert!(poll_once(&mut first, &waker1).is_pending());
        assert!(poll_once(&mut second, &waker2).is_pending());
        sem.release();
        assert_eq!(first_wakes.count(), 1, "the front waiter is chosen");
        drop(first);
        assert_eq!(second_wakes.count(), 1, "its permit is passed on");
        let permit = poll_once(&mut second, &waker2);
        assert!(permit.is_ready());
        assert_eq!(sem.available_permits(), 0, "held by `second`");
    }

    #[test]
    fn owned_and_borrowed_share_one_fifo_queue() {
        let mutex = Arc::new(Mutex::new(0));
        let (_, waker) = counting_waker();
        let held = mutex.clone().try_lock_owned().unwrap();
        let mut borrowed = Box::pin(mutex.lock());
        let mut owned = Box::pin(mutex.clone().lock_owned());
        assert!(poll_once(&mut borrowed, &waker).is_pending());
        assert!(poll_once(&mut owned, &waker).is_pending());
        drop(held);
        assert!(poll_once(&mut owned, &waker).is_pending(), "no overtaking");
        match poll_once(&mut borrowed, &waker) {
            core::task::Poll::Ready(mut guard) => *guard += 1,
            core::task::Poll::Pending => panic!("the lock was handed to the first waiter"),
        }
        match poll_once(&mut owned, &waker) {
            core::task::Poll::Ready(guard) => assert_eq!(*guard, 1),
            core::task::Poll::Pending => panic!("then to the second"),
        }
    }
}
