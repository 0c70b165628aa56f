//! `as_completed` (asyncio's `as_completed`): results in completion order.

use super::ready::ReadySet;
use crate::call_graph::AwaitKind;
use crate::task::{Task, TaskError};
use crate::time::{sleep, Sleep};
use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// Yields each task's result as it finishes, first finished first (asyncio's
/// `as_completed`); see [`as_completed`].
///
/// It is a [`futures_core::Stream`] and has an inherent async
/// [`next`](AsCompleted::next). With a timeout, the stream ends early when
/// it passes: [`elapsed`](AsCompleted::elapsed) then says so and
/// [`into_pending`](AsCompleted::into_pending) gives back the unfinished
/// tasks. Nothing is ever cancelled: dropping it detaches the tasks left.
///
/// ```
/// # hive::run(async {
/// let mut results = hive::as_completed([hive::spawn(async { 1 }), hive::spawn(async { 2 })]);
/// let mut sum = 0;
/// while let Some(r) = results.next().await { sum += r.unwrap(); }
/// assert_eq!(sum, 3);
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.as_completed")]
#[must_use = "streams do nothing unless polled"]
pub struct AsCompleted<T> {
    tasks: Vec<Option<Task<T>>>,
    ready: ReadySet,
    remaining: usize,
    deadline: Option<Sleep>,
    elapsed: bool,
}

impl<T> Unpin for AsCompleted<T> {}

/// Yields the tasks' results in the order they finish (asyncio's `as_completed`).
///
/// ```
/// # hive::run(async {
/// use std::time::Duration;
/// let slow = hive::spawn(async { hive::sleep(Duration::from_millis(20)).await; "slow" });
/// let fast = hive::spawn(async { "fast" });
/// let mut done = hive::as_completed([slow, fast]);
/// assert_eq!(done.next().await.unwrap().unwrap(), "fast");
/// assert_eq!(done.next().await.unwrap().unwrap(), "slow");
/// assert!(done.next().await.is_none());
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.as_completed")]
pub fn as_completed<T>(tasks: impl IntoIterator<Item = Task<T>>) -> AsCompleted<T> {
    let tasks: Vec<_> = tasks.into_iter().map(Some).collect();
    AsCompleted {
        ready: ReadySet::new(tasks.len()),
        remaining: tasks.len(),
        tasks,
        deadline: None,
        elapsed: false,
    }
}

/// As [`as_completed`], with an overall `timeout`: once it passes the stream
/// ends, [`AsCompleted::elapsed`] is `true`, and the unfinished tasks (still
/// running) are in [`AsCompleted::into_pending`].
///
/// ```
/// # hive::run(async {
/// use std::time::Duration;
/// let never = hive::spawn(std::future::pending::<()>());
/// let mut done = hive::as_completed_timeout([never], Duration::from_millis(5));
/// assert!(done.next().await.is_none());
/// assert!(done.elapsed());
/// for task in done.into_pending() { task.cancel(); }
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.as_completed")]
pub fn as_completed_timeout<T>(
    tasks: impl IntoIterator<Item = Task<T>>,
    timeout: Duration,
) -> AsCompleted<T> {
    let mut stream = as_completed(tasks);
    stream.deadline = Some(sleep(timeout));
    stream
}

impl<T> AsCompleted<T> {
    /// The next result to arrive; `None` when every task was yielded or the
    /// timeout passed.
    ///
    /// ```
    /// # hive::run(async {
    /// let mut s = hive::as_completed([hive::spawn(async { 5 })]);
    /// assert_eq!(s.next().await.unwrap().unwrap(), 5);
    /// # }).unwrap();
    /// ```
    #[doc(alias = "__anext__")]
    pub async fn next(&mut self) -> Option<Result<T, TaskError>> {
        poll_fn(|cx| self.poll_next_result(cx)).await
    }

    /// Whether the stream ended because its timeout passed.
    ///
    /// ```
    /// # hive::run(async {
    /// let mut s = hive::as_completed([hive::spawn(async {})]);
    /// while s.next().await.is_some() {}
    /// assert!(!s.elapsed());
    /// # }).unwrap();
    /// ```
    pub fn elapsed(&self) -> bool {
        self.elapsed
    }

    /// How many tasks have not been yielded yet.
    ///
    /// ```
    /// let s = hive::as_completed(Vec::<hive::Task<()>>::new());
    /// assert_eq!(s.remaining(), 0);
    /// ```
    pub fn remaining(&self) -> usize {
        self.remaining
    }

    /// The tasks not yielded yet, in input order; they keep running.
    ///
    /// ```
    /// let s = hive::as_completed(Vec::<hive::Task<()>>::new());
    /// assert!(s.into_pending().is_empty());
    /// ```
    pub fn into_pending(mut self) -> Vec<Task<T>> {
        let tasks: Vec<_> = self.tasks.drain(..).flatten().collect();
        for task in &tasks {
            task.clear_awaiter();
        }
        tasks
    }

    fn poll_next_result(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, TaskError>>> {
        if self.remaining == 0 || self.elapsed {
            return Poll::Ready(None);
        }
        self.ready.begin(cx);
        while let Some(i) = std::task::ready!(self.ready.poll_next_due(cx)) {
            let Some(task) = self.tasks[i].as_mut() else {
                continue;
            };
            let mut child_cx = Context::from_waker(self.ready.waker(i));
            if let Poll::Ready(out) = task.poll_via(&mut child_cx, AwaitKind::AsCompleted) {
                self.tasks[i] = None;
                self.remaining -= 1;
                return Poll::Ready(Some(out));
            }
        }
        if let Some(deadline) = self.deadline.as_mut() {
            if Pin::new(deadline).poll(cx).is_ready() {
                self.elapsed = true;
                return Poll::Ready(None);
            }
        }
        Poll::Pending
    }
}

impl<T> futures_core::Stream for AsCompleted<T> {
    type Item = Result<T, TaskError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.poll_next_result(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let upper = self.remaining;
        let lower = if self.deadline.is_some() { 0 } else { upper };
        (lower, Some(upper))
    }
}

impl<T> fmt::Debug for AsCompleted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompleted")
            .field("remaining", &self.remaining)
            .field("elapsed", &self.elapsed)
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use futures_core::Stream;
    use std::future::poll_fn;
    use std::pin::Pin;

    #[test]
    fn as_completed_is_a_futures_stream() {
        let rt = crate::Runtime::builder().loops(1).build().unwrap();
        let sum = rt
            .run(async {
                let mut stream =
                    super::as_completed((0..3).map(|i| crate::spawn(async move { i })));
                assert_eq!(stream.size_hint(), (3, Some(3)));
                let mut sum = 0;
                while let Some(r) = poll_fn(|cx| Pin::new(&mut stream).poll_next(cx)).await {
                    sum += r.unwrap();
                }
                sum
            })
            .unwrap();
        assert_eq!(sum, 3);
    }
}
