//! Cancellation that waits: the tasks a cancelling drop leaves behind.
//!
//! Rust cancels a future by dropping it, and a destructor cannot wait.
//! asyncio's `wait_for`, `timeout` and `TaskGroup` do wait: they raise only
//! once the tasks they cancelled have finished. hive gets the same by
//! letting a canceller *collect* what its drop cancelled:
//!
//! 1. The canceller (today: [`Timeout`](crate::Timeout) on expiry) drops
//!    the future it guards inside [`collect_orphans`].
//! 2. While that drop runs, whatever cancels a task hands over a way to
//!    wait for it ([`adopt`]): a [`Task`](crate::Task) handle that was being
//!    awaited cancels its task (asyncio's "cancelling the awaiter cancels
//!    the awaited task") and hands over its join interest, and so does any
//!    handle whose task a `gather` just cancelled; a dropped `TaskGroup`
//!    hands over its count of live children.
//! 3. The canceller awaits the returned [`Orphans`] before it reports the
//!    cancellation.
//!
//! Outside a collecting drop nothing changes: a dropped handle detaches, and
//! what a drop cancelled finishes on its own loop a moment later. The
//! collector is a thread-local, so only drops on the canceller's own stack
//! take part; it costs a handle one thread-local read, and only when the
//! handle is dropped before its task's result was taken.

use crate::loom::const_thread_local;
use std::cell::RefCell;
use std::fmt;
use std::task::{Context, Poll};

/// Cancelled work someone can wait for.
pub(crate) trait Orphan: Send + Sync {
    /// Ready once the work has finished (its destructors ran).
    fn poll_finished(&mut self, cx: &mut Context<'_>) -> Poll<()>;
}

const_thread_local! {
    /// The orphans of the collecting drop running on this thread, if any.
    static COLLECTOR: RefCell<Option<Vec<Box<dyn Orphan>>>> = RefCell::new(None);
}

/// Runs `drop_it` (a drop that cancels), gathering the work it cancelled.
///
/// Nests: a collecting drop inside another one keeps its own orphans, and
/// the outer collector's list is put back afterwards (also on a panic).
pub(crate) fn collect_orphans(drop_it: impl FnOnce()) -> Orphans {
    struct Restore(Option<Option<Vec<Box<dyn Orphan>>>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            if let Some(saved) = self.0.take() {
                // On unwind the orphans gathered so far are dropped here,
                // after the outer list is back, so they detach (or go to
                // the outer collector) rather than being lost.
                let ours = COLLECTOR.with(|c| c.replace(saved));
                drop(Orphans(ours.unwrap_or_default()));
            }
        }
    }
    let mut restore = Restore(Some(COLLECTOR.with(|c| c.replace(Some(Vec::new())))));
    drop_it();
    let saved = restore.0.take().unwrap_or_default();
    let ours = COLLECTOR.with(|c| c.replace(saved));
    Orphans(ours.unwrap_or_default())
}

/// Whether a collecting drop is running on this thread.
pub(crate) fn is_collecting() -> bool {
    COLLECTOR.with(|c| c.try_borrow().is_ok_and(|list| list.is_some()))
}

/// Hands `orphan` to the collecting drop on this thread; gives it back when
/// there is none.
pub(crate) fn adopt(orphan: Box<dyn Orphan>) -> Result<(), Box<dyn Orphan>> {
    COLLECTOR.with(|c| match c.try_borrow_mut() {
        Ok(mut list) => match list.as_mut() {
            Some(list) => {
                list.push(orphan);
                Ok(())
            }
            None => Err(orphan),
        },
        Err(_) => Err(orphan),
    })
}

/// Work a cancelling drop left behind, to be awaited before reporting it.
pub(crate) struct Orphans(Vec<Box<dyn Orphan>>);

impl Orphans {
    /// Nothing to wait for.
    pub(crate) fn none() -> Self {
        Orphans(Vec::new())
    }

    /// Ready once every orphan finished; finished ones are let go at once.
    pub(crate) fn poll_finished(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        self.0
            .retain_mut(|orphan| orphan.poll_finished(cx).is_pending());
        if self.0.is_empty() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl Drop for Orphans {
    fn drop(&mut self) {
        // A waiter dropped while a collecting drop runs (a timeout that was
        // itself draining, inside a future an outer timeout cancels) passes
        // what it waited for on, so the outer one waits for it too.
        for orphan in self.0.drain(..) {
            drop(adopt(orphan));
        }
    }
}

impl fmt::Debug for Orphans {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Orphans")
            .field("waiting_for", &self.0.len())
            .finish()
    }
}
