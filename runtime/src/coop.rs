//! Cooperative budgeting: a task may make a bounded number of ready
//! operations per poll, so one busy task cannot starve its loop's I/O and timers.
//!
//! Leaf futures (sleep, readiness, task joins) call [`poll_proceed`]; when the
//! running task's budget is spent they return `Pending` after waking the task,
//! which puts it at the back of its queue.

use crate::loom::const_thread_local;
use std::cell::Cell;
use std::task::{Context, Poll};

const_thread_local! {
    /// `None` outside a loop's task poll: unlimited.
    static BUDGET: Cell<Option<u32>> = Cell::new(None);
}

/// Runs `f` with a fresh budget of `budget` operations.
pub(crate) fn with_budget<R>(budget: u32, f: impl FnOnce() -> R) -> R {
    struct Reset(Option<u32>);
    impl Drop for Reset {
        fn drop(&mut self) {
            BUDGET.with(|b| b.set(self.0));
        }
    }
    let previous = BUDGET.with(|b| b.replace(Some(budget)));
    let _reset = Reset(previous);
    f()
}

/// Spends one unit of the running task's budget, or asks it to yield.
/// Whether the running task may still make a ready operation this poll
/// (always true outside a budgeted poll). Combinators over many children
/// check it to stop early instead of polling each child only to be refused.
pub(crate) fn has_budget() -> bool {
    BUDGET.with(|b| b.get() != Some(0))
}

pub(crate) fn poll_proceed(cx: &mut Context<'_>) -> Poll<Spent> {
    BUDGET.with(|b| match b.get() {
        None => Poll::Ready(Spent { refund: false }),
        Some(0) => spent(cx),
        Some(n) => {
            b.set(Some(n - 1));
            Poll::Ready(Spent { refund: true })
        }
    })
}

/// The budget is spent: back to the loop. Out of line and cold so that
/// the common path of `poll_proceed`, run by every leaf operation, stays
/// short (inlined, it cost 4 instructions per call: callgrind,
/// `icount run hive pinned_spawn`).
#[cold]
#[inline(never)]
fn spent<T>(cx: &mut Context<'_>) -> Poll<T> {
    crate::task::current::yield_to_loop(cx.waker());
    Poll::Pending
}

/// A unit of budget spent; given back on drop unless the operation made progress.
pub(crate) struct Spent {
    refund: bool,
}

impl Spent {
    /// The operation completed: keep the unit spent.
    pub(crate) fn made_progress(mut self) {
        self.refund = false;
    }
}

impl Drop for Spent {
    fn drop(&mut self) {
        if self.refund {
            BUDGET.with(|b| {
                if let Some(n) = b.get() {
                    b.set(Some(n + 1));
                }
            });
        }
    }
}
