//! `wait` (asyncio's `asyncio.wait`): wait for some tasks to finish, and
//! get the finished and unfinished ones back, cancelling nothing.

use super::ready::ReadySet;
use crate::call_graph::AwaitKind;
use crate::task::Task;
use crate::time::{sleep, Sleep};
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

/// When [`wait`] returns (asyncio's `return_when`).
///
/// ```
/// let when = hive::ReturnWhen::FirstCompleted;
/// assert_ne!(when, hive::ReturnWhen::AllCompleted);
/// ```
#[doc(alias = "asyncio.FIRST_COMPLETED")]
#[doc(alias = "asyncio.FIRST_EXCEPTION")]
#[doc(alias = "asyncio.ALL_COMPLETED")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ReturnWhen {
    /// As soon as any task finishes (or is cancelled).
    FirstCompleted,
    /// As soon as any task panics (asyncio's "raises an exception"; a
    /// cancelled task or one returning `Err` is not an exception here), or
    /// when all have finished.
    FirstException,
    /// When every task has finished.
    #[default]
    AllCompleted,
}

/// Waits until `return_when` holds or `timeout` passes, then gives back
/// `(done, pending)`: the finished tasks (awaiting them gives their result
/// at once) and the unfinished ones, which keep running (asyncio's `wait`).
///
/// Both lists keep the input order. Nothing is cancelled, not even on
/// timeout. An empty input returns at once with two empty lists (asyncio
/// raises `ValueError`). Dropping the future detaches every task it holds.
///
/// ```
/// # hive::run(async {
/// use std::time::Duration;
/// let fast = hive::spawn(async { 1 });
/// let slow = hive::spawn(std::future::pending::<i32>());
/// let (done, pending) = hive::wait([fast, slow], hive::ReturnWhen::FirstCompleted, None).await;
/// assert_eq!(done.len(), 1);
/// assert_eq!(pending.len(), 1);
/// for task in done { assert_eq!(task.await.unwrap(), 1); }
/// for task in &pending { task.cancel(); }
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.wait")]
pub async fn wait<T>(
    tasks: impl IntoIterator<Item = Task<T>>,
    return_when: ReturnWhen,
    timeout: Option<Duration>,
) -> (Vec<Task<T>>, Vec<Task<T>>) {
    let mut tasks: Vec<Task<T>> = tasks.into_iter().collect();
    let mut done = vec![false; tasks.len()];
    let mut remaining = tasks.len();
    let mut ready = ReadySet::new(tasks.len());
    let mut deadline: Option<Sleep> = timeout.map(sleep);
    if remaining > 0 {
        poll_fn(|cx| {
            ready.begin(cx);
            let mut stop = false;
            // poll_complete spends no coop budget: this yields only when the
            // poll began with none left.
            while let Some(i) = std::task::ready!(ready.poll_next_due(cx)) {
                if done[i] {
                    continue;
                }
                let child_cx = std::task::Context::from_waker(ready.waker(i));
                if tasks[i]
                    .poll_complete(&child_cx, AwaitKind::Wait)
                    .is_ready()
                {
                    done[i] = true;
                    remaining -= 1;
                    stop |= match return_when {
                        ReturnWhen::FirstCompleted => true,
                        ReturnWhen::FirstException => tasks[i].is_panicked(),
                        ReturnWhen::AllCompleted => false,
                    };
                }
            }
            if stop || remaining == 0 {
                return Poll::Ready(());
            }
            match deadline.as_mut() {
                Some(sleep) => Pin::new(sleep).poll(cx),
                None => Poll::Pending,
            }
        })
        .await;
    }
    let mut finished = Vec::with_capacity(tasks.len() - remaining);
    let mut pending = Vec::with_capacity(remaining);
    for (task, done) in tasks.drain(..).zip(done) {
        task.clear_awaiter();
        if done {
            finished.push(task);
        } else {
            pending.push(task);
        }
    }
    (finished, pending)
}
