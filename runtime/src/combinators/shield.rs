//! `shield` (asyncio's `shield`): await a task without cancelling it when
//! the awaiting future is dropped.

use crate::call_graph::AwaitKind;
use crate::task::{Task, TaskError};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Awaits `task` so that cancelling the awaiter leaves `task` running
/// (asyncio's `shield`).
///
/// Dropping a [`Task`] handle already detaches rather than cancels in hive,
/// so `shield` states the intent and shows up as a `shield` edge in call
/// graphs; combinators that *do* cancel what they hold ([`gather!`](crate::gather),
/// [`TaskGroup`](crate::TaskGroup)) cannot reach a shielded task. To shield a
/// plain future, spawn it: `shield(hive::spawn(fut))`. A task cancelled from
/// elsewhere still ends with `Err(Cancelled)`.
///
/// ```
/// # hive::run(async {
/// use std::time::Duration;
/// let inner = hive::spawn(async { hive::sleep(Duration::from_millis(20)).await; 7 });
/// let id = inner.id();
/// // The outer await times out (is cancelled); the inner task goes on.
/// assert!(hive::timeout(Duration::from_millis(1), hive::shield(inner)).await.is_err());
/// assert!(hive::all_tasks().iter().any(|t| t.id() == id));
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.shield")]
pub fn shield<T>(task: Task<T>) -> Shield<T> {
    Shield { task }
}

/// The future of [`shield`]: the task's result; dropping it leaves the task running.
///
/// ```
/// # hive::run(async {
/// let shielded = hive::shield(hive::spawn(async { 1 }));
/// assert_eq!(shielded.await.unwrap(), 1);
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.shield")]
#[must_use = "a shield does nothing unless awaited"]
pub struct Shield<T> {
    task: Task<T>,
}

impl<T> Shield<T> {
    /// Gives the task handle back.
    ///
    /// ```
    /// # hive::run(async {
    /// let task = hive::shield(hive::spawn(async { 2 })).into_inner();
    /// assert_eq!(task.await.unwrap(), 2);
    /// # }).unwrap();
    /// ```
    pub fn into_inner(self) -> Task<T> {
        self.task
    }
}

impl<T> Future for Shield<T> {
    type Output = Result<T, TaskError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.task.poll_via(cx, AwaitKind::Shield)
    }
}

impl<T> fmt::Debug for Shield<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Shield").field(&self.task).finish()
    }
}
