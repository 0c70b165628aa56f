//! [`Condition`]: wait for a notification while atomically giving up a lock.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use crate::lock::{Lock, LockGuard};
use crate::loom::sync::Mutex;
use crate::waiters::{WaiterKey, WaiterList, WakeList};

/// A condition variable for tasks, built on its own [`Lock`].
///
/// Take the lock with [`acquire`](Condition::acquire); [`wait`](Condition::wait)
/// consumes the guard, releases the lock, waits for a notification, re-takes
/// the lock and gives a new guard back. [`notify`](Condition::notify) and
/// [`notify_all`](Condition::notify_all) take a `&LockGuard`: asyncio raises
/// `RuntimeError` when they are called without the lock, and hive makes that
/// call impossible to write instead.
///
/// Differences from asyncio, on purpose:
/// - If a `wait` future is dropped (cancelled), the lock is **not** re-taken:
///   the guard was consumed and nothing is given back. asyncio re-acquires the
///   lock even when cancelled, which Rust's drop-based cancellation cannot do.
///   A notification that had already reached the dropped waiter is passed on
///   to the next one, so it is never lost.
/// - The lock cannot be shared between conditions (asyncio's `Condition(lock)`);
///   put the state it protects next to the condition instead.
///
/// # Examples
///
/// ```
/// use std::sync::{Arc, Mutex as StdMutex};
/// use hive::sync::Condition;
///
/// hive::run(async {
///     let cond = Arc::new(Condition::new());
///     let ready = Arc::new(StdMutex::new(false));
///     let (c, r) = (cond.clone(), ready.clone());
///     std::thread::spawn(move || {
///         hive::run(async move {
///             let guard = c.acquire().await;
///             *r.lock().unwrap() = true;
///             c.notify_all(&guard);
///         })
///         .unwrap();
///     });
///     let guard = cond.acquire().await;
///     let _guard = cond.wait_for(guard, || *ready.lock().unwrap()).await;
/// })
/// .unwrap();
/// ```
#[doc(alias = "asyncio.Condition")]
pub struct Condition {
    lock: Lock,
    waiters: Mutex<WaiterList<()>>,
}

impl Condition {
    /// Creates a condition with a fresh, unlocked lock.
    ///
    /// # Examples
    ///
    /// ```
    /// let cond = hive::sync::Condition::new();
    /// assert!(!cond.locked());
    /// ```
    pub fn new() -> Self {
        Self {
            lock: Lock::new(),
            waiters: Mutex::new(WaiterList::new()),
        }
    }

    /// Waits for the condition's lock (FIFO, cancel-safe, as
    /// [`Lock::acquire`]).
    ///
    /// # Examples
    ///
    /// ```
    /// hive::run(async {
    ///     let cond = hive::sync::Condition::new();
    ///     let _guard = cond.acquire().await;
    ///     assert!(cond.locked());
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "asyncio.Condition.acquire")]
    #[doc(alias = "__aenter__")]
    pub async fn acquire(&self) -> LockGuard<'_> {
        self.lock.acquire().await
    }

    /// Takes the lock if it is free and nobody is waiting for it.
    ///
    /// # Examples
    ///
    /// ```
    /// let cond = hive::sync::Condition::new();
    /// assert!(cond.try_acquire().is_some());
    /// ```
    pub fn try_acquire(&self) -> Option<LockGuard<'_>> {
        self.lock.try_acquire()
    }

    /// Whether the condition's lock is held.
    ///
    /// # Examples
    ///
    /// ```
    /// let cond = hive::sync::Condition::new();
    /// let _guard = cond.try_acquire();
    /// assert!(cond.locked());
    /// ```
    #[doc(alias = "asyncio.Condition.locked")]
    pub fn locked(&self) -> bool {
        self.lock.locked()
    }

    /// Releases the lock, waits to be notified, then re-takes the lock.
    ///
    /// The waiter is registered before the lock is released, so a `notify`
    /// made by whoever takes the lock next cannot be missed. Notified waiters
    /// re-take the lock in FIFO order with every other acquirer.
    ///
    /// If this future is dropped, the lock is not re-taken (see the type's
    /// docs); a notification it had received goes to the next waiter.
    ///
    /// # Panics
    ///
    /// If `guard` holds another condition's lock, like
    /// `std::sync::Condvar::wait` with a second mutex.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use hive::sync::Condition;
    ///
    /// hive::run(async {
    ///     let cond = Arc::new(Condition::new());
    ///     let notifier = cond.clone();
    ///     let guard = cond.acquire().await;
    ///     std::thread::spawn(move || {
    ///         hive::run(async move {
    ///             let guard = notifier.acquire().await;
    ///             notifier.notify(&guard, 1);
    ///         })
    ///         .unwrap();
    ///     });
    ///     let _guard = cond.wait(guard).await;
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "asyncio.Condition.wait")]
    pub async fn wait<'a>(&'a self, guard: LockGuard<'a>) -> LockGuard<'a> {
        self.check_owner(&guard);
        let notified = Notified::register(self);
        drop(guard);
        notified.await;
        self.lock.acquire().await
    }

    /// Waits until `predicate` returns `true`, checking it with the lock held
    /// before each [`wait`](Condition::wait).
    ///
    /// # Panics
    ///
    /// If `guard` holds another condition's lock.
    ///
    /// # Examples
    ///
    /// ```
    /// hive::run(async {
    ///     let cond = hive::sync::Condition::new();
    ///     let guard = cond.acquire().await;
    ///     // Already true: returns without waiting.
    ///     let _guard = cond.wait_for(guard, || true).await;
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "asyncio.Condition.wait_for")]
    pub async fn wait_for<'a>(
        &'a self,
        mut guard: LockGuard<'a>,
        mut predicate: impl FnMut() -> bool,
    ) -> LockGuard<'a> {
        while !predicate() {
            guard = self.wait(guard).await;
        }
        guard
    }

    /// Wakes up to `n` waiting tasks, oldest first; returns how many.
    ///
    /// # Panics
    ///
    /// If `guard` holds another condition's lock.
    ///
    /// # Examples
    ///
    /// ```
    /// let cond = hive::sync::Condition::new();
    /// let guard = cond.try_acquire().unwrap();
    /// assert_eq!(cond.notify(&guard, 1), 0); // nobody waits
    /// ```
    #[doc(alias = "asyncio.Condition.notify")]
    pub fn notify(&self, guard: &LockGuard<'_>, n: usize) -> usize {
        self.check_owner(guard);
        self.notify_waiters(n)
    }

    /// Wakes every waiting task; returns how many.
    ///
    /// # Panics
    ///
    /// If `guard` holds another condition's lock.
    ///
    /// # Examples
    ///
    /// ```
    /// let cond = hive::sync::Condition::new();
    /// let guard = cond.try_acquire().unwrap();
    /// assert_eq!(cond.notify_all(&guard), 0);
    /// ```
    #[doc(alias = "asyncio.Condition.notify_all")]
    pub fn notify_all(&self, guard: &LockGuard<'_>) -> usize {
        self.notify(guard, usize::MAX)
    }

    fn check_owner(&self, guard: &LockGuard<'_>) {
        assert!(
            core::ptr::eq(guard.lock(), &self.lock),
            "Condition used with a guard of another lock; pass the guard returned by this condition's acquire()"
        );
    }

    fn notify_waiters(&self, n: usize) -> usize {
        let mut wakes = WakeList::new();
        let mut count = 0;
        {
            let mut waiters = self.waiters.lock();
            while count < n && waiters.notify_front(&mut wakes).is_some() {
                count += 1;
            }
        }
        wakes.wake_all();
        count
    }
}

impl Default for Condition {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condition")
            .field("locked", &self.locked())
            .field("waiters", &self.waiters.lock().len())
            .finish()
    }
}

/// A registered condition waiter; resolves once notified.
struct Notified<'a> {
    cond: &'a Condition,
    key: Option<WaiterKey>,
}

impl<'a> Notified<'a> {
    /// Registers now (before the lock is released), with no waker yet.
    fn register(cond: &'a Condition) -> Self {
        let key = cond.waiters.lock().push((), None);
        Self {
            cond,
            key: Some(key),
        }
    }
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let Some(key) = self.key else {
            return Poll::Ready(());
        };
        let ready = self.cond.waiters.lock().poll(key, cx.waker());
        if ready.is_ready() {
            self.key = None;
        }
        ready
    }
}

impl Drop for Notified<'_> {
    fn drop(&mut self) {
        let Some(key) = self.key.take() else { return };
        let notified = self.cond.waiters.lock().cancel(key).is_some();
        if notified {
            // The notification reached a waiter that will never act on it.
            self.cond.notify_waiters(1);
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::test_util::{counting_waker, poll_once};

    #[test]
    fn wait_releases_and_reacquires() {
        let cond = Condition::new();
        let (wakes, waker) = counting_waker();
        let guard = cond.try_acquire().unwrap();
        let mut waiter = Box::pin(cond.wait(guard));
        assert!(poll_once(&mut waiter, &waker).is_pending());
        assert!(!cond.locked(), "wait released the lock");
        let guard = cond.try_acquire().unwrap();
        assert_eq!(cond.notify(&guard, 1), 1);
        assert_eq!(wakes.count(), 1);
        assert!(
            poll_once(&mut waiter, &waker).is_pending(),
            "lock still held"
        );
        drop(guard);
        assert!(poll_once(&mut waiter, &waker).is_ready());
    }

    #[test]
    fn dropped_notified_waiter_passes_the_notification_on() {
        let cond = Condition::new();
        let (_, waker) = counting_waker();
        let mut first = Box::pin(cond.wait(cond.try_acquire().unwrap()));
        assert!(poll_once(&mut first, &waker).is_pending());
        let mut second = Box::pin(cond.wait(cond.try_acquire().unwrap()));
        assert!(poll_once(&mut second, &waker).is_pending());
        let guard = cond.try_acquire().unwrap();
        assert_eq!(cond.notify(&guard, 1), 1);
        drop(guard);
        drop(first);
        assert!(poll_once(&mut second, &waker).is_ready());
        assert_eq!(cond.waiters.lock().len(), 0);
    }

    #[test]
    #[should_panic(expected = "another lock")]
    fn foreign_guard_panics() {
        let a = Condition::new();
        let b = Condition::new();
        let guard = b.try_acquire().unwrap();
        a.notify(&guard, 1);
    }
}
