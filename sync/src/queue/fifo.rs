//! [`Queue`]: first in, first out.

use std::collections::VecDeque;

use super::Store;

/// FIFO store.
#[derive(Debug)]
pub(crate) struct Fifo<T>(VecDeque<T>);

impl<T> Fifo<T> {
    fn new() -> Self {
        Self(VecDeque::new())
    }
}

impl<T> Store for Fifo<T> {
    type Item = T;
    fn push(&mut self, item: T) {
        self.0.push_back(item);
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop_front()
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

queue_type! {
    /// A multi-producer, multi-consumer FIFO queue for tasks on any thread.
    ///
    /// `maxsize` bounds it (0 = unbounded): `put` waits for room, `get` waits
    /// for an item, both first come, first served. The handle is a cheap
    /// [`Clone`] (an `Arc` inside); every clone is the same queue.
    ///
    /// Stricter than asyncio: a `put_nowait`/`get_nowait` never overtakes a
    /// waiter that was already woken for the item or slot (asyncio lets it),
    /// so `get_nowait` can report [`QueueEmpty`](crate::QueueEmpty) while
    /// [`qsize`](Queue::qsize) is not 0: those items are promised to woken
    /// getters.
    ///
    /// # Examples
    ///
    /// ```
    /// use hive::sync::Queue;
    ///
    /// hive::run(async {
    ///     let queue = Queue::new(2);
    ///     let producer = queue.clone();
    ///     std::thread::spawn(move || {
    ///         hive::run(async move {
    ///             for i in 0..5 {
    ///                 producer.put(i).await.unwrap();
    ///             }
    ///         })
    ///         .unwrap();
    ///     });
    ///     for i in 0..5 {
    ///         assert_eq!(queue.get().await, Ok(i));
    ///         queue.task_done().unwrap();
    ///     }
    ///     queue.join().await;
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "asyncio.Queue")]
    Queue, Fifo, []
}
