//! Which children of a combinator were woken: one waker per child, so a
//! combinator over many tasks polls only the ones that made progress (a
//! gather of 10 000 tasks must not re-poll all of them on every wake-up).

use crate::loom::sync::Mutex;
use std::collections::VecDeque;
// `Waker::from` needs std's `Arc`; these wakers are never part of a loom model.
use std::sync::Arc;
use std::task::{Context, Wake, Waker};

/// The woken children's indices, and the parent's waker.
#[derive(Default)]
struct Shared {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    woken: Vec<usize>,
    parent: Option<Waker>,
}

/// The waker handed to child `index`: records the index, wakes the parent.
struct ChildWaker {
    shared: Arc<Shared>,
    index: usize,
}

impl Wake for ChildWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        let parent = {
            let mut inner = self.shared.inner.lock();
            inner.woken.push(self.index);
            inner.parent.take()
        };
        if let Some(parent) = parent {
            parent.wake();
        }
    }
}

/// A set of child indices `0..n` and which of them are due for a poll.
pub(crate) struct ReadySet {
    shared: Arc<Shared>,
    wakers: Vec<Option<Waker>>,
    /// Indices to poll during this parent poll, in wake order.
    due: VecDeque<usize>,
}

impl ReadySet {
    /// `n` children, every one due for its first poll.
    pub(crate) fn new(n: usize) -> Self {
        ReadySet {
            shared: Arc::default(),
            wakers: (0..n).map(|_| None).collect(),
            due: (0..n).collect(),
        }
    }

    /// Stores the parent's waker, then moves the indices woken since the
    /// last call into the due list. Call once per parent poll, before
    /// [`pop`](Self::pop): children re-woken while being polled (a spent
    /// coop budget) are then left for the next parent poll, which their
    /// wake already scheduled.
    pub(crate) fn begin(&mut self, cx: &Context<'_>) {
        let mut inner = self.shared.inner.lock();
        match &inner.parent {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => inner.parent = Some(cx.waker().clone()),
        }
        self.due.extend(inner.woken.drain(..));
    }

    /// The next child to poll (an index may repeat; callers skip finished ones).
    pub(crate) fn pop(&mut self) -> Option<usize> {
        self.due.pop_front()
    }

    /// Makes `index` due on the next parent poll (which the caller made sure
    /// will happen, e.g. a spent coop budget woke the parent).
    pub(crate) fn defer(&mut self, index: usize) {
        self.shared.inner.lock().woken.push(index);
    }

    /// The waker for child `index`.
    pub(crate) fn waker(&mut self, index: usize) -> &Waker {
        let shared = &self.shared;
        self.wakers[index].get_or_insert_with(|| {
            Waker::from(Arc::new(ChildWaker {
                shared: shared.clone(),
                index,
            }))
        })
    }
}
