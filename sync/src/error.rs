//! The errors of this crate, named after their asyncio twins.
//!
//! Each `Display` says what went wrong and what to do about it. Errors that
//! stop an item from entering a queue give the item back.

use core::fmt;

/// [`get_nowait`](crate::Queue::get_nowait) found no item to take.
///
/// # Examples
///
/// ```
/// use hive::sync::{Queue, QueueEmpty, TryGetError};
///
/// let queue = Queue::<u32>::new(0);
/// assert_eq!(queue.get_nowait(), Err(TryGetError::Empty(QueueEmpty)));
/// ```
#[doc(alias = "asyncio.QueueEmpty")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct QueueEmpty;

impl fmt::Display for QueueEmpty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the queue is empty; await `get()` to wait for an item")
    }
}

impl std::error::Error for QueueEmpty {}

/// [`put_nowait`](crate::Queue::put_nowait) found the queue at its `maxsize`;
/// the item is handed back in field `0`.
///
/// # Examples
///
/// ```
/// use hive::sync::{Queue, TryPutError};
///
/// let queue = Queue::new(1);
/// queue.put_nowait("a").unwrap();
/// match queue.put_nowait("b") {
///     Err(TryPutError::Full(full)) => assert_eq!(full.into_inner(), "b"),
///     other => panic!("expected a full queue, got {other:?}"),
/// }
/// ```
#[doc(alias = "asyncio.QueueFull")]
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct QueueFull<T>(pub T);

impl<T> QueueFull<T> {
    /// Gives back the item that could not be put.
    ///
    /// # Examples
    ///
    /// ```
    /// let full = hive::sync::QueueFull(7);
    /// assert_eq!(full.into_inner(), 7);
    /// ```
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for QueueFull<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueueFull").finish_non_exhaustive()
    }
}

impl<T> fmt::Display for QueueFull<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "the queue is full; await `put()` to wait for room, or create it with a larger maxsize",
        )
    }
}

impl<T> std::error::Error for QueueFull<T> {}

/// The queue was [shut down](crate::Queue::shutdown): a `put` fails (and the
/// item comes back in field `0`), a `get` fails once no item is left.
///
/// # Examples
///
/// ```
/// use hive::sync::{Queue, QueueShutDown};
///
/// hive::run(async {
///     let queue = Queue::new(0);
///     queue.shutdown(false);
///     assert_eq!(queue.put(5).await, Err(QueueShutDown(5)));
///     assert_eq!(queue.get().await, Err(QueueShutDown(())));
/// })
/// .unwrap();
/// ```
#[doc(alias = "asyncio.QueueShutDown")]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct QueueShutDown<T = ()>(pub T);

impl<T> QueueShutDown<T> {
    /// Gives back the item that could not be put (`()` for a failed `get`).
    ///
    /// # Examples
    ///
    /// ```
    /// let err = hive::sync::QueueShutDown("late");
    /// assert_eq!(err.into_inner(), "late");
    /// ```
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for QueueShutDown<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueueShutDown").finish_non_exhaustive()
    }
}

impl<T> fmt::Display for QueueShutDown<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the queue was shut down; no item will come or go through it again, so stop producing or consuming")
    }
}

impl<T> std::error::Error for QueueShutDown<T> {}

/// Why [`get_nowait`](crate::Queue::get_nowait) returned no item.
///
/// # Examples
///
/// ```
/// use hive::sync::{Queue, TryGetError};
///
/// let queue = Queue::<u8>::new(0);
/// assert!(queue.get_nowait().unwrap_err().is_empty());
/// queue.shutdown(false);
/// assert!(queue.get_nowait().unwrap_err().is_shut_down());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TryGetError {
    /// No item is available now; a later `get` may succeed.
    Empty(QueueEmpty),
    /// The queue was shut down and no item is left (or it was shut down
    /// with `immediate = true`).
    ShutDown(QueueShutDown),
}

impl TryGetError {
    /// Whether the queue was merely empty.
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = hive::sync::Queue::<u8>::new(0);
    /// assert!(queue.get_nowait().unwrap_err().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        matches!(self, Self::Empty(_))
    }

    /// Whether the queue was shut down.
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = hive::sync::Queue::<u8>::new(0);
    /// queue.shutdown(true);
    /// assert!(queue.get_nowait().unwrap_err().is_shut_down());
    /// ```
    pub fn is_shut_down(&self) -> bool {
        matches!(self, Self::ShutDown(_))
    }
}

impl fmt::Display for TryGetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty(e) => e.fmt(f),
            Self::ShutDown(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for TryGetError {}

impl From<QueueEmpty> for TryGetError {
    fn from(e: QueueEmpty) -> Self {
        Self::Empty(e)
    }
}

impl From<QueueShutDown> for TryGetError {
    fn from(e: QueueShutDown) -> Self {
        Self::ShutDown(e)
    }
}

/// Why [`put_nowait`](crate::Queue::put_nowait) did not put the item; either
/// way the item comes back.
///
/// # Examples
///
/// ```
/// use hive::sync::Queue;
///
/// let queue = Queue::new(1);
/// queue.put_nowait(1).unwrap();
/// let err = queue.put_nowait(2).unwrap_err();
/// assert!(err.is_full());
/// assert_eq!(err.into_inner(), 2);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum TryPutError<T> {
    /// The queue is at its `maxsize`.
    Full(QueueFull<T>),
    /// The queue was shut down.
    ShutDown(QueueShutDown<T>),
}

impl<T> TryPutError<T> {
    /// Gives back the item that could not be put.
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = hive::sync::Queue::new(0);
    /// queue.shutdown(false);
    /// assert_eq!(queue.put_nowait('x').unwrap_err().into_inner(), 'x');
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            Self::Full(QueueFull(item)) | Self::ShutDown(QueueShutDown(item)) => item,
        }
    }

    /// Whether the queue was full.
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = hive::sync::Queue::new(1);
    /// queue.put_nowait(0).unwrap();
    /// assert!(queue.put_nowait(1).unwrap_err().is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        matches!(self, Self::Full(_))
    }

    /// Whether the queue was shut down.
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = hive::sync::Queue::new(0);
    /// queue.shutdown(false);
    /// assert!(queue.put_nowait(0).unwrap_err().is_shut_down());
    /// ```
    pub fn is_shut_down(&self) -> bool {
        matches!(self, Self::ShutDown(_))
    }
}

impl<T> fmt::Debug for TryPutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full(e) => f.debug_tuple("Full").field(e).finish(),
            Self::ShutDown(e) => f.debug_tuple("ShutDown").field(e).finish(),
        }
    }
}

impl<T> fmt::Display for TryPutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full(e) => e.fmt(f),
            Self::ShutDown(e) => e.fmt(f),
        }
    }
}

impl<T> std::error::Error for TryPutError<T> {}

impl<T> From<QueueFull<T>> for TryPutError<T> {
    fn from(e: QueueFull<T>) -> Self {
        Self::Full(e)
    }
}

impl<T> From<QueueShutDown<T>> for TryPutError<T> {
    fn from(e: QueueShutDown<T>) -> Self {
        Self::ShutDown(e)
    }
}

/// [`task_done`](crate::Queue::task_done) was called more times than items
/// were put in the queue (asyncio raises `ValueError`).
///
/// # Examples
///
/// ```
/// use hive::sync::{Queue, TaskDoneError};
///
/// let queue = Queue::<u8>::new(0);
/// assert_eq!(queue.task_done(), Err(TaskDoneError));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TaskDoneError;

impl fmt::Display for TaskDoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task_done() called more times than there were items; call it exactly once per item taken with get()")
    }
}

impl std::error::Error for TaskDoneError {}

/// A [`Barrier`](crate::Barrier) was aborted or reset while this task was
/// waiting on it, or is still broken after an abort.
///
/// # Examples
///
/// ```
/// use hive::sync::{Barrier, BrokenBarrier};
///
/// hive::run(async {
///     let barrier = Barrier::new(2);
///     barrier.abort();
///     assert_eq!(barrier.wait().await, Err(BrokenBarrier));
/// })
/// .unwrap();
/// ```
#[doc(alias = "asyncio.BrokenBarrierError")]
#[doc(alias = "BrokenBarrierError")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct BrokenBarrier;

impl fmt::Display for BrokenBarrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the barrier is broken (it was aborted, or reset while tasks waited); call reset() before using it again")
    }
}

impl std::error::Error for BrokenBarrier {}

/// A [`BoundedSemaphore`](crate::BoundedSemaphore) was released more times
/// than it was acquired (asyncio raises `ValueError`).
///
/// # Examples
///
/// ```
/// use hive::sync::{BoundedSemaphore, OverRelease};
///
/// let sem = BoundedSemaphore::new(1);
/// assert_eq!(sem.release(), Err(OverRelease));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct OverRelease;

impl fmt::Display for OverRelease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BoundedSemaphore released too many times; release() may only give back permits that were acquired and then forgotten")
    }
}

impl std::error::Error for OverRelease {}
