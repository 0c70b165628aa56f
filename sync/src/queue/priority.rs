//! [`PriorityQueue`]: smallest item first.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::Store;

/// Min-heap store.
#[derive(Debug)]
pub(crate) struct Priority<T>(BinaryHeap<Reverse<T>>);

impl<T: Ord> Priority<T> {
    fn new() -> Self {
        Self(BinaryHeap::new())
    }
}

impl<T: Ord> Store for Priority<T> {
    type Item = T;
    fn push(&mut self, item: T) {
        self.0.push(Reverse(item));
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop().map(|Reverse(item)| item)
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

queue_type! {
    /// A queue that hands out its smallest item first (by [`Ord`]).
    ///
    /// As with asyncio's (a `heapq`), equal items come out in no particular
    /// order; put `(priority, sequence_number, item)` tuples to make ties
    /// FIFO. Everything else is as for [`Queue`](crate::Queue).
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = hive::sync::PriorityQueue::new(0);
    /// for job in [(2, "later"), (1, "first"), (3, "last")] {
    ///     queue.put_nowait(job).unwrap();
    /// }
    /// assert_eq!(queue.get_nowait(), Ok((1, "first")));
    /// assert_eq!(queue.get_nowait(), Ok((2, "later")));
    /// ```
    #[doc(alias = "asyncio.PriorityQueue")]
    PriorityQueue, Priority, [Ord]
}
