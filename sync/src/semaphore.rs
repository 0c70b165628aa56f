//! [`Semaphore`] and [`BoundedSemaphore`]: counted permits, FIFO and
//! thread-safe.

use core::fmt;

use crate::error::OverRelease;
use crate::permits::Permits;

/// A pool of permits; `acquire` waits (first come, first served) for one.
///
/// `acquire` resolves to a [`SemaphorePermit`] that gives the permit back
/// when dropped. [`release`](Semaphore::release) adds a permit, as asyncio's
/// does, and works together with [`SemaphorePermit::forget`] for the
/// asyncio-style "acquire here, release there" pattern.
///
/// FIFO is strict: a release hands its permits to the waiters at the front of
/// the queue, and a waiter asking for several permits holds back everyone
/// behind it until it can be served; `try_acquire` never overtakes a waiter.
///
/// # Examples
///
/// ```
/// use hive::sync::Semaphore;
///
/// hive::run(async {
///     let sem = Semaphore::new(2);
///     let a = sem.acquire().await;
///     let _b = sem.acquire().await;
///     assert!(sem.locked());
///     drop(a);
///     assert_eq!(sem.available_permits(), 1);
/// })
/// .unwrap();
/// ```
#[doc(alias = "asyncio.Semaphore")]
pub struct Semaphore {
    pub(crate) permits: Permits,
}

impl Semaphore {
    /// Creates a semaphore holding `permits` permits.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = hive::sync::Semaphore::new(3);
    /// assert_eq!(sem.available_permits(), 3);
    /// ```
    pub fn new(permits: usize) -> Self {
        Self {
            permits: Permits::new(permits),
        }
    }

    /// Waits for one permit; the returned guard gives it back when dropped.
    ///
    /// Cancel-safe: dropping the future leaves the queue, and if a permit had
    /// already been handed to it, the permit goes to the next waiter.
    ///
    /// # Examples
    ///
    /// ```
    /// hive::run(async {
    ///     let sem = hive::sync::Semaphore::new(1);
    ///     let permit = sem.acquire().await;
    ///     assert_eq!(permit.num_permits(), 1);
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "asyncio.Semaphore.acquire")]
    #[doc(alias = "__aenter__")]
    pub async fn acquire(&self) -> SemaphorePermit<'_> {
        self.acquire_many(1).await
    }

    /// Waits until `n` permits can be taken at once, in FIFO order.
    ///
    /// A waiter for more permits than will ever be free waits forever (and
    /// holds back the waiters behind it); drop it to give up.
    ///
    /// # Examples
    ///
    /// ```
    /// hive::run(async {
    ///     let sem = hive::sync::Semaphore::new(4);
    ///     let permit = sem.acquire_many(3).await;
    ///     assert_eq!(sem.available_permits(), 1);
    ///     drop(permit);
    ///     assert_eq!(sem.available_permits(), 4);
    /// })
    /// .unwrap();
    /// ```
    pub async fn acquire_many(&self, n: usize) -> SemaphorePermit<'_> {
        self.permits.acquire(n).await;
        SemaphorePermit::new(&self.permits, n)
    }

    /// Takes one permit if one is free and nobody is waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = hive::sync::Semaphore::new(1);
    /// let permit = sem.try_acquire().unwrap();
    /// assert!(sem.try_acquire().is_none());
    /// drop(permit);
    /// ```
    pub fn try_acquire(&self) -> Option<SemaphorePermit<'_>> {
        self.try_acquire_many(1)
    }

    /// Takes `n` permits if they are free and nobody is waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = hive::sync::Semaphore::new(2);
    /// assert!(sem.try_acquire_many(3).is_none());
    /// assert!(sem.try_acquire_many(2).is_some());
    /// ```
    pub fn try_acquire_many(&self, n: usize) -> Option<SemaphorePermit<'_>> {
        self.permits
            .try_acquire(n)
            .then(|| SemaphorePermit::new(&self.permits, n))
    }

    /// Adds one permit, waking the first waiter if it can now be served.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = hive::sync::Semaphore::new(0);
    /// sem.release();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    #[doc(alias = "asyncio.Semaphore.release")]
    pub fn release(&self) {
        // Unbounded: `add` only fails with a bound.
        let _ = self.permits.add(1, None);
    }

    /// Permits free right now.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = hive::sync::Semaphore::new(2);
    /// let _permit = sem.try_acquire();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    pub fn available_permits(&self) -> usize {
        self.permits.available()
    }

    /// Whether `acquire` would have to wait (no free permit, or waiters queued).
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = hive::sync::Semaphore::new(1);
    /// assert!(!sem.locked());
    /// let _permit = sem.try_acquire();
    /// assert!(sem.locked());
    /// ```
    #[doc(alias = "asyncio.Semaphore.locked")]
    pub fn locked(&self) -> bool {
        self.permits.would_block()
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("available_permits", &self.available_permits())
            .finish()
    }
}

/// A [`Semaphore`] that refuses to hold more permits than it started with.
///
/// [`release`](BoundedSemaphore::release) fails with [`OverRelease`] when it
/// would push the number of permits in existence (free plus held) above the
/// initial value; asyncio raises `ValueError` there. Permits given back by a
/// dropped [`SemaphorePermit`] never count as an over-release.
///
/// # Examples
///
/// ```
/// use hive::sync::{BoundedSemaphore, OverRelease};
///
/// hive::run(async {
///     let sem = BoundedSemaphore::new(1);
///     sem.acquire().await.forget();
///     assert_eq!(sem.release(), Ok(()));
///     assert_eq!(sem.release(), Err(OverRelease));
/// })
/// .unwrap();
/// ```
#[doc(alias = "asyncio.BoundedSemaphore")]
pub struct BoundedSemaphore {
    pub(crate) permits: Permits,
    bound: usize,
}

impl BoundedSemaphore {
    /// Creates a semaphore holding (and bounded by) `permits` permits.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = hive::sync::BoundedSemaphore::new(2);
    /// assert_eq!(sem.bound(), 2);
    /// ```
    pub fn new(permits: usize) -> Self {
        Self {
            permits: Permits::new(permits),
            bound: permits,
        }
    }

    /// Waits for one permit; the returned guard gives it back when dropped.
    ///
    /// Cancel-safe, as [`Semaphore::acquire`].
    ///
    /// # Examples
    ///
    /// ```
    /// hive::run(async {
    ///     let sem = hive::sync::BoundedSemaphore::new(1);
    ///     let _permit = sem.acquire().await;
    ///     assert!(sem.locked());
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "asyncio.BoundedSemaphore.acquire")]
    #[doc(alias = "__aenter__")]
    pub async fn acquire(&self) -> SemaphorePermit<'_> {
        self.acquire_many(1).await
    }

    /// Waits until `n` permits can be taken at once, in FIFO order.
    ///
    /// Asking for more than [`bound`](BoundedSemaphore::bound) permits waits
    /// forever; drop the future to give up.
    ///
    /// # Examples
    ///
    /// ```
    /// hive::run(async {
    ///     let sem = hive::sync::BoundedSemaphore::new(2);
    ///     let _both = sem.acquire_many(2).await;
    ///     assert_eq!(sem.available_permits(), 0);
    /// })
    /// .unwrap();
    /// ```
    pub async fn acquire_many(&self, n: usize) -> SemaphorePermit<'_> {
        self.permits.acquire(n).await;
        SemaphorePermit::new(&self.permits, n)
    }

    /// Takes one permit if one is free and nobody is waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = hive::sync::BoundedSemaphore::new(1);
    /// assert!(sem.try_acquire().is_some());
    /// ```
    pub fn try_acquire(&self) -> Option<SemaphorePermit<'_>> {
        self.try_acquire_many(1)
    }

    /// Takes `n` permits if they are free and nobody is waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = hive::sync::BoundedSemaphore::new(3);
    /// assert!(sem.try_acquire_many(2).is_some());
    /// ```
    pub fn try_acquire_many(&self, n: usize) -> Option<SemaphorePermit<'_>> {
        self.permits
            .try_acquire(n)
            .then(|| SemaphorePermit::new(&self.permits, n))
    }

    /// Adds back one permit that was acquired and then
    /// [forgotten](SemaphorePermit::forget).
    ///
    /// # Errors
    ///
    /// [`OverRelease`] if every permit already exists (free or held), which
    /// means this release has no matching acquire.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = hive::sync::BoundedSemaphore::new(1);
    /// sem.try_acquire().unwrap().forget();
    /// assert!(sem.release().is_ok());
    /// assert!(sem.release().is_err());
    /// ```
    #[doc(alias = "asyncio.BoundedSemaphore.release")]
    pub fn release(&self) -> Result<(), OverRelease> {
        self.permits.add(1, Some(self.bound))
    }

    /// Permits free right now.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = hive::sync::BoundedSemaphore::new(2);
    /// assert_eq!(sem.available_permits(), 2);
    /// ```
    pub fn available_permits(&self) -> usize {
        self.permits.available()
    }

    /// The initial (and maximal) number of permits.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(hive::sync::BoundedSemaphore::new(5).bound(), 5);
    /// ```
    pub fn bound(&self) -> usize {
        self.bound
    }

    /// Whether `acquire` would have to wait (no free permit, or waiters queued).
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = hive::sync::BoundedSemaphore::new(0);
    /// assert!(sem.locked());
    /// ```
    #[doc(alias = "asyncio.BoundedSemaphore.locked")]
    pub fn locked(&self) -> bool {
        self.permits.would_block()
    }
}

impl fmt::Debug for BoundedSemaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoundedSemaphore")
            .field("available_permits", &self.available_permits())
            .field("bound", &self.bound)
            .finish()
    }
}

/// Permits taken from a [`Semaphore`] or [`BoundedSemaphore`]; dropping it
/// gives them back.
///
/// # Examples
///
/// ```
/// let sem = hive::sync::Semaphore::new(1);
/// let permit = sem.try_acquire().unwrap();
/// drop(permit);
/// assert_eq!(sem.available_permits(), 1);
/// ```
#[must_use = "the permits are given back as soon as the guard is dropped"]
pub struct SemaphorePermit<'a> {
    permits: &'a Permits,
    n: usize,
}

impl<'a> SemaphorePermit<'a> {
    fn new(permits: &'a Permits, n: usize) -> Self {
        Self { permits, n }
    }

    /// How many permits this guard holds.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = hive::sync::Semaphore::new(3);
    /// assert_eq!(sem.try_acquire_many(2).unwrap().num_permits(), 2);
    /// ```
    pub fn num_permits(&self) -> usize {
        self.n
    }

    /// Keeps the permits taken for good: they are not given back on drop.
    ///
    /// Pair it with `release` to acquire in one place and release in another,
    /// as asyncio code does with `acquire()`/`release()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = hive::sync::Semaphore::new(1);
    /// sem.try_acquire().unwrap().forget();
    /// assert_eq!(sem.available_permits(), 0);
    /// sem.release();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    pub fn forget(mut self) {
        self.permits.forget(self.n);
        self.n = 0;
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        if self.n > 0 {
            self.permits.release(self.n);
        }
    }
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("permits", &self.n)
            .finish()
    }
}
