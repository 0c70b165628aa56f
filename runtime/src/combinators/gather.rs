//! `gather!` / `gather_all` (asyncio's `gather`): await tasks together,
//! results in input order.
//!
//! Semantics, as asyncio's:
//! * the inputs are [`Task`]s, so they run concurrently wherever the runtime
//!   puts them (asyncio wraps coroutines in tasks; in hive, spawn them first);
//! * the fail-fast forms return the first failure (a panic, or a child
//!   cancelled from elsewhere: `TaskError::Cancelled`) at once, and the
//!   other children keep running: their handles are detached, not cancelled;
//! * the `*_results` forms (`return_exceptions=True`) wait for every child
//!   and give each one's `Result`: a child cancelled from elsewhere is an
//!   `Err(Cancelled)` in its slot, and gather goes on;
//! * dropping (cancelling) a gather that has not finished cancels every
//!   child still running.
//!
//! [`TaskGroup`](crate::TaskGroup) is the form that cancels the siblings on
//! the first failure.

use super::ready::ReadySet;
use crate::call_graph::AwaitKind;
use crate::task::{Task, TaskError};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// One input of `gather!`: the task, then its result.
#[doc(hidden)]
pub enum Slot<T> {
    Pending(Task<T>),
    Done(Result<T, TaskError>),
    Taken,
}

impl<T> Slot<T> {
    #[doc(hidden)]
    pub fn new(task: Task<T>) -> Self {
        Slot::Pending(task)
    }

    /// Polls a pending slot; `Some(err)` when it just failed and `fail_fast`
    /// asks to stop at the first failure. Sets `*pending` if still running.
    fn poll_slot(
        &mut self,
        cx: &mut Context<'_>,
        fail_fast: bool,
        pending: &mut bool,
    ) -> Option<TaskError> {
        if let Slot::Pending(task) = self {
            match task.poll_via(cx, AwaitKind::Gather) {
                Poll::Pending => *pending = true,
                Poll::Ready(Err(err)) if fail_fast => {
                    *self = Slot::Taken;
                    return Some(err);
                }
                Poll::Ready(out) => *self = Slot::Done(out),
            }
        }
        None
    }

    fn cancel(&self) {
        if let Slot::Pending(task) = self {
            task.cancel();
        }
    }

    fn take(&mut self) -> Result<T, TaskError> {
        match std::mem::replace(self, Slot::Taken) {
            Slot::Done(out) => out,
            _ => unreachable!("gather takes a slot only once every task is done"),
        }
    }
}

/// The tuples of slots `gather!` works on (arity 1 to 12).
#[doc(hidden)]
pub trait GatherSlots {
    /// `(A, B, ..)`.
    type Values;
    /// `(Result<A, TaskError>, Result<B, TaskError>, ..)`.
    type Results;
    /// Polls every pending slot; `Ready(Err)` at the first failure when
    /// `fail_fast`, `Ready(Ok)` when all are done.
    fn poll_all(&mut self, cx: &mut Context<'_>, fail_fast: bool) -> Poll<Result<(), TaskError>>;
    fn cancel_pending(&self);
    /// Every slot's value; only after `poll_all` gave `Ready(Ok)` with `fail_fast`.
    fn values(&mut self) -> Self::Values;
    fn results(&mut self) -> Self::Results;
}

macro_rules! impl_gather_slots {
    ($($T:ident $s:ident),+) => {
        impl<$($T),+> GatherSlots for ($(Slot<$T>,)+) {
            type Values = ($($T,)+);
            type Results = ($(Result<$T, TaskError>,)+);

            fn poll_all(&mut self, cx: &mut Context<'_>, fail_fast: bool) -> Poll<Result<(), TaskError>> {
                let ($($s,)+) = self;
                let mut pending = false;
                $(
                    if let Some(err) = $s.poll_slot(cx, fail_fast, &mut pending) {
                        return Poll::Ready(Err(err));
                    }
                )+
                if pending { Poll::Pending } else { Poll::Ready(Ok(())) }
            }

            fn cancel_pending(&self) {
                let ($($s,)+) = self;
                $($s.cancel();)+
            }

            fn values(&mut self) -> Self::Values {
                let ($($s,)+) = self;
                ($(match $s.take() {
                    Ok(value) => value,
                    Err(_) => unreachable!("fail-fast gather returns the first error"),
                },)+)
            }

            fn results(&mut self) -> Self::Results {
                let ($($s,)+) = self;
                ($($s.take(),)+)
            }
        }
    };
}

impl_gather_slots!(A a);
impl_gather_slots!(A a, B b);
impl_gather_slots!(A a, B b, C c);
impl_gather_slots!(A a, B b, C c, D d);
impl_gather_slots!(A a, B b, C c, D d, E e);
impl_gather_slots!(A a, B b, C c, D d, E e, F f);
impl_gather_slots!(A a, B b, C c, D d, E e, F f, G g);
impl_gather_slots!(A a, B b, C c, D d, E e, F f, G g, H h);
impl_gather_slots!(A a, B b, C c, D d, E e, F f, G g, H h, I i);
impl_gather_slots!(A a, B b, C c, D d, E e, F f, G g, H h, I i, J j);
impl_gather_slots!(A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k);
impl_gather_slots!(A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k, L l);

/// The future of [`gather!`](crate::gather): every task's value as a tuple,
/// or the first failure.
///
/// ```
/// # hive::run(async {
/// let (a, b) = hive::gather!(hive::spawn(async { 1 }), hive::spawn(async { "two" })).await.unwrap();
/// assert_eq!((a, b), (1, "two"));
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.gather")]
#[must_use = "a gather does nothing unless awaited; dropping it cancels its tasks"]
pub struct Gather<S: GatherSlots> {
    slots: S,
    finished: bool,
}

impl<S: GatherSlots> Gather<S> {
    #[doc(hidden)]
    pub fn __new(slots: S) -> Self {
        Gather {
            slots,
            finished: false,
        }
    }
}

// No field is structurally pinned: slots hold `Unpin` task handles.
impl<S: GatherSlots> Unpin for Gather<S> {}

impl<S: GatherSlots> Future for Gather<S> {
    type Output = Result<S::Values, TaskError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let out = std::task::ready!(self.slots.poll_all(cx, true));
        self.finished = true;
        Poll::Ready(out.map(|()| self.slots.values()))
    }
}

impl<S: GatherSlots> Drop for Gather<S> {
    fn drop(&mut self) {
        if !self.finished {
            self.slots.cancel_pending();
        }
    }
}

/// The future of [`gather_results!`](crate::gather_results): each task's
/// `Result`, as a tuple.
///
/// ```
/// # hive::run(async {
/// let (a, b) = hive::gather_results!(hive::spawn(async { 1 }), hive::spawn(async { panic!("no") })).await;
/// assert_eq!(a.unwrap(), 1);
/// assert!(b.unwrap_err().is_panic());
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.gather")]
#[must_use = "a gather does nothing unless awaited; dropping it cancels its tasks"]
pub struct GatherResults<S: GatherSlots> {
    slots: S,
    finished: bool,
}

impl<S: GatherSlots> GatherResults<S> {
    #[doc(hidden)]
    pub fn __new(slots: S) -> Self {
        GatherResults {
            slots,
            finished: false,
        }
    }
}

impl<S: GatherSlots> Unpin for GatherResults<S> {}

impl<S: GatherSlots> Future for GatherResults<S> {
    type Output = S::Results;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let _ = std::task::ready!(self.slots.poll_all(cx, false));
        self.finished = true;
        Poll::Ready(self.slots.results())
    }
}

impl<S: GatherSlots> Drop for GatherResults<S> {
    fn drop(&mut self) {
        if !self.finished {
            self.slots.cancel_pending();
        }
    }
}

/// Awaits several [`Task`]s of any output types together: a tuple of their
/// values in input order, or the first failure (asyncio's `gather`).
///
/// The first failure (a panic, or `Cancelled` for a child cancelled from
/// elsewhere) is returned at once; the other tasks keep running (they are
/// detached). Dropping the gather before it finishes cancels every task.
/// Up to 12 tasks; for more, or a dynamic number, use [`gather_all`](crate::gather_all).
///
/// ```
/// # hive::run(async {
/// let (n, s) = hive::gather!(
///     hive::spawn(async { 40 + 2 }),
///     hive::spawn(async { String::from("hi") }),
/// ).await.unwrap();
/// assert_eq!((n, s.as_str()), (42, "hi"));
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.gather")]
#[macro_export]
macro_rules! gather {
    ($($task:expr),+ $(,)?) => {
        $crate::Gather::__new(($($crate::__private::Slot::new($task),)+))
    };
}

/// Awaits several [`Task`]s together and gives each one's `Result`, in input
/// order (asyncio's `gather(..., return_exceptions=True)`).
///
/// Failures do not stop it: a panicking child is an `Err(Panicked)` in its
/// slot, a child cancelled from elsewhere an `Err(Cancelled)`. Dropping it
/// before it finishes cancels every task still running.
///
/// ```
/// # hive::run(async {
/// let victim = hive::spawn(std::future::pending::<u8>());
/// victim.cancel();
/// let (ok, cancelled) = hive::gather_results!(hive::spawn(async { 1 }), victim).await;
/// assert_eq!(ok.unwrap(), 1);
/// assert!(cancelled.unwrap_err().is_cancelled());
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.gather")]
#[macro_export]
macro_rules! gather_results {
    ($($task:expr),+ $(,)?) => {
        $crate::GatherResults::__new(($($crate::__private::Slot::new($task),)+))
    };
}

/// The state `GatherAll` and `GatherAllResults` share.
struct AllState<T> {
    tasks: Vec<Option<Task<T>>>,
    results: Vec<Option<Result<T, TaskError>>>,
    ready: ReadySet,
    remaining: usize,
    finished: bool,
}

impl<T> AllState<T> {
    fn new(tasks: impl IntoIterator<Item = Task<T>>) -> Self {
        let tasks: Vec<_> = tasks.into_iter().map(Some).collect();
        let n = tasks.len();
        AllState {
            results: (0..n).map(|_| None).collect(),
            ready: ReadySet::new(n),
            remaining: n,
            tasks,
            finished: false,
        }
    }

    /// Polls the woken children. `Ready(Err)` at the first failure if `fail_fast`.
    fn poll(&mut self, cx: &mut Context<'_>, fail_fast: bool) -> Poll<Result<(), TaskError>> {
        self.ready.begin(cx);
        while let Some(i) = std::task::ready!(self.ready.poll_next_due(cx)) {
            let Some(task) = self.tasks[i].as_mut() else {
                continue;
            };
            // A finished task needs no waker of its own: skip allocating one.
            let polled = if task.is_done() {
                let polled = task.poll_via(cx, AwaitKind::Gather);
                if polled.is_pending() {
                    // Refused by the coop budget, which woke the parent.
                    self.ready.retry_first(i);
                    return Poll::Pending;
                }
                polled
            } else {
                task.poll_via(
                    &mut Context::from_waker(self.ready.waker(i)),
                    AwaitKind::Gather,
                )
            };
            if let Poll::Ready(out) = polled {
                self.tasks[i] = None;
                self.remaining -= 1;
                match out {
                    Err(err) if fail_fast => {
                        self.finished = true;
                        return Poll::Ready(Err(err));
                    }
                    out => self.results[i] = Some(out),
                }
            }
        }
        if self.remaining == 0 {
            self.finished = true;
            Poll::Ready(Ok(()))
        } else {
            Poll::Pending
        }
    }

    fn take_results(&mut self) -> impl Iterator<Item = Result<T, TaskError>> + '_ {
        self.results.drain(..).map(|r| match r {
            Some(r) => r,
            None => unreachable!("gather_all takes results once every task is done"),
        })
    }
}

impl<T> Drop for AllState<T> {
    fn drop(&mut self) {
        if !self.finished {
            for task in self.tasks.iter().flatten() {
                task.cancel();
            }
        }
    }
}

/// The future of [`gather_all`]: every task's value, in input order.
///
/// ```
/// # hive::run(async {
/// let all = hive::gather_all((0..3).map(|i| hive::spawn(async move { i })));
/// assert_eq!(all.await.unwrap(), [0, 1, 2]);
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.gather")]
#[must_use = "a gather does nothing unless awaited; dropping it cancels its tasks"]
pub struct GatherAll<T> {
    state: AllState<T>,
}

impl<T> Unpin for GatherAll<T> {}

impl<T> Future for GatherAll<T> {
    type Output = Result<Vec<T>, TaskError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        std::task::ready!(self.state.poll(cx, true))?;
        let values = self
            .state
            .take_results()
            .map(|r| match r {
                Ok(value) => value,
                Err(_) => unreachable!("fail-fast gather returns the first error"),
            })
            .collect();
        Poll::Ready(Ok(values))
    }
}

impl<T> fmt::Debug for GatherAll<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GatherAll")
            .field("remaining", &self.state.remaining)
            .finish()
    }
}

/// Awaits any number of [`Task`]s of one output type: their values in input
/// order, or the first failure (asyncio's `gather(*tasks)`).
///
/// As [`gather!`](crate::gather): the first failure returns at once and the
/// other tasks keep running; dropping it unfinished cancels every task. Only
/// the tasks that were woken are polled again, so a gather of many tasks
/// costs about one poll per task.
///
/// ```
/// # hive::run(async {
/// let tasks: Vec<_> = (1..=4).map(|i| hive::spawn(async move { i * i })).collect();
/// assert_eq!(hive::gather_all(tasks).await.unwrap(), [1, 4, 9, 16]);
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.gather")]
pub fn gather_all<T>(tasks: impl IntoIterator<Item = Task<T>>) -> GatherAll<T> {
    GatherAll {
        state: AllState::new(tasks),
    }
}

/// The future of [`gather_all_results`]: every task's `Result`, in input order.
///
/// ```
/// # hive::run(async {
/// let all = hive::gather_all_results([hive::spawn(async { 1 })]).await;
/// assert_eq!(all[0].as_ref().unwrap(), &1);
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.gather")]
#[must_use = "a gather does nothing unless awaited; dropping it cancels its tasks"]
pub struct GatherAllResults<T> {
    state: AllState<T>,
}

impl<T> Unpin for GatherAllResults<T> {}

impl<T> Future for GatherAllResults<T> {
    type Output = Vec<Result<T, TaskError>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let _ = std::task::ready!(self.state.poll(cx, false));
        Poll::Ready(self.state.take_results().collect())
    }
}

impl<T> fmt::Debug for GatherAllResults<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GatherAllResults")
            .field("remaining", &self.state.remaining)
            .finish()
    }
}

/// Awaits any number of [`Task`]s and gives each one's `Result` in input
/// order, failures included (asyncio's `gather(*tasks, return_exceptions=True)`).
///
/// A child cancelled from elsewhere is an `Err(Cancelled)` in its slot and the
/// others go on; dropping it unfinished cancels every task still running.
///
/// ```
/// # hive::run(async {
/// let tasks = vec![hive::spawn(async { 1 }), hive::spawn(async { panic!("x") })];
/// let results = hive::gather_all_results(tasks).await;
/// assert_eq!(*results[0].as_ref().unwrap(), 1);
/// assert!(results[1].as_ref().unwrap_err().is_panic());
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.gather")]
pub fn gather_all_results<T>(tasks: impl IntoIterator<Item = Task<T>>) -> GatherAllResults<T> {
    GatherAllResults {
        state: AllState::new(tasks),
    }
}
