//! asyncio's queues: [`Queue`] (FIFO), [`PriorityQueue`] (smallest first) and
//! [`LifoQueue`] (last in, first out).
//!
//! All three share one implementation (`shared`) and differ only in the
//! store that orders their items. A queue is a cheap [`Clone`] handle to
//! shared state (an `Arc` inside): clone it to give producers and consumers
//! their own handle, across tasks and threads.

#[macro_use]
mod handle;
mod fifo;
mod lifo;
mod priority;
mod shared;

pub use fifo::Queue;
pub use lifo::LifoQueue;
pub use priority::PriorityQueue;

/// How a queue kind orders its items.
pub(crate) trait Store {
    /// The items stored.
    type Item;
    /// Adds an item.
    fn push(&mut self, item: Self::Item);
    /// Takes the next item in this store's order.
    fn pop(&mut self) -> Option<Self::Item>;
    /// Items stored.
    fn len(&self) -> usize;
}
