//! Which children of a combinator were woken: one waker per child, so a
//! combinator over many tasks polls only the ones that made progress (a
//! gather of 10 000 tasks must not re-poll all of them on every wake-up).

use crate::loom::sync::Mutex;
use std::collections::VecDeque;
// `Waker::from` needs std's `Arc`; these wakers are never part of a loom model.
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

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

    /// The next child to poll (an index may repeat; callers skip finished
    /// ones), while the running task has coop budget left. Once the budget
    /// is spent the children stay due, the parent is woken (it runs again
    /// after its loop's other work) and this is `Pending`: polling the rest
    /// would only have each one refused, which made a gather over n
    /// finished tasks cost O(n) per poll and O(n²) in all.
    pub(crate) fn poll_next_due(&mut self, cx: &Context<'_>) -> Poll<Option<usize>> {
        if self.due.is_empty() {
            return Poll::Ready(None);
        }
        if !crate::coop::has_budget() {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        Poll::Ready(self.due.pop_front())
    }

    /// Puts `index` back at the front: it was due but could not be taken.
    pub(crate) fn retry_first(&mut self, index: usize) {
        self.due.push_front(index);
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

#[cfg(test)]
mod tests {
    use super::ReadySet;
    use crate::coop;
    use crate::loom::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::{Context, Poll, Wake, Waker};

    struct CountWakes(AtomicUsize);
    impl Wake for CountWakes {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_spent_budget_stops_the_scan_and_keeps_the_rest_due() {
        let wakes = Arc::new(CountWakes(AtomicUsize::new(0)));
        let waker = Waker::from(wakes.clone());
        let cx = Context::from_waker(&waker);
        let mut ready = ReadySet::new(3);
        ready.begin(&cx);
        coop::with_budget(1, || {
            assert_eq!(ready.poll_next_due(&cx), Poll::Ready(Some(0)));
            match coop::poll_proceed(&mut Context::from_waker(&waker)) {
                Poll::Ready(spent) => spent.made_progress(), // the last unit
                Poll::Pending => panic!("one unit of budget was left"),
            }
            assert_eq!(ready.poll_next_due(&cx), Poll::Pending);
        });
        assert_eq!(
            wakes.0.load(Ordering::SeqCst),
            1,
            "the parent is woken once"
        );
        // Next poll, with a fresh budget: the rest are still due, in order.
        coop::with_budget(8, || {
            assert_eq!(ready.poll_next_due(&cx), Poll::Ready(Some(1)));
            ready.retry_first(1);
            assert_eq!(ready.poll_next_due(&cx), Poll::Ready(Some(1)));
            assert_eq!(ready.poll_next_due(&cx), Poll::Ready(Some(2)));
            assert_eq!(ready.poll_next_due(&cx), Poll::Ready(None));
        });
    }
}
