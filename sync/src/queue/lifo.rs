//! [`LifoQueue`]: last in, first out.

use super::Store;

/// LIFO store.
#[derive(Debug)]
pub(crate) struct Lifo<T>(Vec<T>);

impl<T> Lifo<T> {
    fn new() -> Self {
        Self(Vec::new())
    }
}

impl<T> Store for Lifo<T> {
    type Item = T;
    fn push(&mut self, item: T) {
        self.0.push(item);
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop()
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

queue_type! {
    /// A queue that hands out the most recently put item first (a stack).
    ///
    /// Everything else is as for [`Queue`](crate::Queue): bounded by
    /// `maxsize` (0 = unbounded), FIFO among waiters, a cheap `Clone` handle.
    ///
    /// # Examples
    ///
    /// ```
    /// let stack = hive::sync::LifoQueue::new(0);
    /// for i in 1..=3 {
    ///     stack.put_nowait(i).unwrap();
    /// }
    /// assert_eq!(stack.get_nowait(), Ok(3));
    /// assert_eq!(stack.get_nowait(), Ok(2));
    /// ```
    #[doc(alias = "asyncio.LifoQueue")]
    LifoQueue, Lifo, []
}
