//! The concurrent heart of a [`TaskGroup`](crate::TaskGroup): counting live
//! children, the first failure, cancellation, and waking the joiner. Small
//! and free of the runtime so the loom model drives it directly.
//!
//! One `AtomicUsize` holds two flags and the number of live children:
//!
//! | bits | name      | meaning                                                   |
//! |------|-----------|-----------------------------------------------------------|
//! | 0    | `ABORTED` | a child failed or the group was cancelled: children are cancelled, no new ones |
//! | 1    | `CLOSED`  | the group was joined (or dropped): no new children        |
//! | 2..  | count     | children spawned and not finished                         |
//!
//! * **spawn** (`begin_spawn`): refused once `ABORTED` or `CLOSED`, else
//!   count + 1, in one CAS. The child's handle is then registered
//!   (`add_child`): under the children lock, and re-checked against
//!   `ABORTED` after it, so a child registered while an abort sweeps the
//!   list is cancelled by one side or the other.
//! * **child done** (`child_done`): a failure is recorded *before* the
//!   count drops, then the group aborts; the count drops with `AcqRel`, so
//!   a joiner that sees zero also sees every failure. The joiner is woken
//!   when the count reaches zero or on an abort.
//! * **abort**: sets `ABORTED` (the first caller sweeps: cancels every
//!   registered child) and wakes the joiner, whose body must be dropped.
//! * **join** (`poll_join`): stores the joiner's waker, then re-reads the
//!   word, so a child finishing in between is never missed. At count zero
//!   it sets `CLOSED` in the same CAS, so nothing can be spawned into a
//!   group whose join returned.

use crate::loom::sync::atomic::{AtomicUsize, Ordering::*};
use crate::loom::sync::Mutex;
use crate::task::raw::TaskRef;
use crate::task::TaskId;
use std::task::{Context, Poll, Waker};

const ABORTED: usize = 1 << 0;
const CLOSED: usize = 1 << 1;
const COUNT_ONE: usize = 1 << 2;

/// A spawned child as the group sees it: something it can cancel.
pub trait GroupChild: Send {
    /// Requests cancellation (a no-op once it finished).
    fn cancel(&self);
    /// Whether it finished (finished children are pruned from the list).
    fn is_done(&self) -> bool;
}

impl GroupChild for TaskRef {
    fn cancel(&self) {
        TaskRef::cancel(self);
    }
    fn is_done(&self) -> bool {
        TaskRef::is_done(self)
    }
}

/// Why a group refused a new child.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// A child failed or the group was cancelled.
    Aborted,
    /// The group was joined or dropped.
    Closed,
}

/// What a group learns when a child ends.
pub enum ChildEnd<F> {
    /// It finished normally.
    Finished,
    /// It was cancelled (dropped unfinished).
    Cancelled(TaskId, String),
    /// It failed; `F` describes how.
    Failed(F),
}

/// Counting, first failure and cancellation for one group. `F` is the
/// failure record, `C` the child handle.
pub struct GroupCore<F, C = TaskRef> {
    state: AtomicUsize,
    joiner: Mutex<Option<Waker>>,
    children: Mutex<Vec<C>>,
    outcome: Mutex<Outcome<F>>,
}

/// Failures, and the children the group cancelled, in the order they happened.
pub struct Outcome<F> {
    /// Every failure.
    pub failures: Vec<F>,
    /// Children cancelled after the group aborted: `(id, name)`.
    pub cancelled: Vec<(TaskId, String)>,
}

impl<F> Default for Outcome<F> {
    fn default() -> Self {
        Outcome {
            failures: Vec::new(),
            cancelled: Vec::new(),
        }
    }
}

impl<F, C: GroupChild> Default for GroupCore<F, C> {
    fn default() -> Self {
        Self::new()
    }
}

impl<F, C: GroupChild> GroupCore<F, C> {
    /// An open group with no children.
    pub fn new() -> Self {
        GroupCore {
            state: AtomicUsize::new(0),
            joiner: Mutex::new(None),
            children: Mutex::new(Vec::new()),
            outcome: Mutex::new(Outcome::default()),
        }
    }

    /// Counts a new child, unless the group is aborted or closed.
    pub fn begin_spawn(&self) -> Result<(), Refused> {
        let mut current = self.state.load(Acquire);
        loop {
            if current & ABORTED != 0 {
                return Err(Refused::Aborted);
            }
            if current & CLOSED != 0 {
                return Err(Refused::Closed);
            }
            match self
                .state
                .compare_exchange_weak(current, current + COUNT_ONE, AcqRel, Acquire)
            {
                Ok(_) => return Ok(()),
                Err(actual) => current = actual,
            }
        }
    }

    /// Registers a counted child's handle, so an abort can cancel it.
    pub fn add_child(&self, child: C) {
        let mut children = self.children.lock();
        if children.len() >= 64 && children.len() == children.capacity() {
            // Forget finished children before growing (amortised O(1)).
            children.retain(|c| !c.is_done());
        }
        children.push(child);
        let aborted = self.is_aborted();
        if aborted {
            // The abort's sweep may have run before this push: cancel it here.
            if let Some(child) = children.last() {
                child.cancel();
            }
        }
    }

    /// A counted child ended. Returns `true` if this failure aborted the group.
    pub fn child_done(&self, end: ChildEnd<F>) -> bool {
        let mut first = false;
        match end {
            ChildEnd::Finished => {}
            ChildEnd::Cancelled(id, name) => {
                if self.is_aborted() {
                    self.outcome.lock().cancelled.push((id, name));
                }
            }
            ChildEnd::Failed(failure) => {
                self.outcome.lock().failures.push(failure);
                first = self.abort();
            }
        }
        let before = self.state.fetch_sub(COUNT_ONE, AcqRel);
        debug_assert!(before >= COUNT_ONE, "a group child ended twice");
        if before >> 2 == 1 {
            self.wake_joiner();
        }
        first
    }

    /// Records a failure of the group's own body and aborts.
    pub fn body_failed(&self, failure: F) {
        self.outcome.lock().failures.push(failure);
        self.abort();
    }

    /// Cancels every child and refuses new ones. `true` for the first call.
    pub fn abort(&self) -> bool {
        let before = self.state.fetch_or(ABORTED, AcqRel);
        if before & ABORTED != 0 {
            return false;
        }
        for child in self.children.lock().iter() {
            child.cancel();
        }
        self.wake_joiner();
        true
    }

    /// Refuses new children from now on (the group's owner went away).
    pub fn close(&self) {
        self.state.fetch_or(CLOSED, AcqRel);
    }

    /// Whether the group aborted.
    pub fn is_aborted(&self) -> bool {
        self.state.load(Acquire) & ABORTED != 0
    }

    /// Live children.
    pub fn live(&self) -> usize {
        self.state.load(Acquire) >> 2
    }

    /// Ready when the group aborted; registers the joiner's waker otherwise.
    pub fn poll_aborted(&self, cx: &Context<'_>) -> Poll<()> {
        if self.is_aborted() {
            return Poll::Ready(());
        }
        self.register(cx);
        if self.is_aborted() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }

    /// Ready when no child is left, closing the group in the same step.
    pub fn poll_join(&self, cx: &Context<'_>) -> Poll<()> {
        if self.try_close() {
            return Poll::Ready(());
        }
        self.register(cx);
        if self.try_close() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }

    /// Sets `CLOSED` if no child is live.
    fn try_close(&self) -> bool {
        let mut current = self.state.load(Acquire);
        loop {
            if current >> 2 != 0 {
                return false;
            }
            if current & CLOSED != 0 {
                return true;
            }
            match self
                .state
                .compare_exchange_weak(current, current | CLOSED, AcqRel, Acquire)
            {
                Ok(_) => return true,
                Err(actual) => current = actual,
            }
        }
    }

    fn register(&self, cx: &Context<'_>) {
        let mut joiner = self.joiner.lock();
        match &*joiner {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => *joiner = Some(cx.waker().clone()),
        }
    }

    fn wake_joiner(&self) {
        let waker = self.joiner.lock().take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Takes the failures and cancellations recorded so far.
    pub fn take_outcome(&self) -> Outcome<F> {
        std::mem::take(&mut *self.outcome.lock())
    }

    /// Drops the registered child handles (after the group finished).
    pub fn clear_children(&self) {
        let children = std::mem::take(&mut *self.children.lock());
        drop(children);
    }
}
