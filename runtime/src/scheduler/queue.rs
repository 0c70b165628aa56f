//! Run queues: a loop's local queue, its stealer, and the shared injector.
//!
//! Normally these are `crossbeam-deque`'s FIFO `Worker`, `Stealer` and
//! `Injector`. crossbeam is not instrumented for loom, so under `--cfg loom`
//! the same API is backed by a mutex-protected `VecDeque`: the models then
//! check how the scheduler *uses* the queues (every task run exactly once,
//! no wake-up lost), which is the part hive wrote.

#[cfg(not(loom))]
mod imp {
    use crossbeam_deque::Steal;

    /// The owning loop's end of its local run queue (FIFO).
    pub struct Local<T>(crossbeam_deque::Worker<T>);

    /// Another loop's handle for stealing from a local queue.
    pub struct Stealer<T>(crossbeam_deque::Stealer<T>);

    /// The queue shared by every loop, for work no loop owns yet.
    pub struct Injector<T>(crossbeam_deque::Injector<T>);

    /// Retries a steal until it succeeds or finds the source empty.
    fn settle<T>(mut attempt: impl FnMut() -> Steal<T>) -> Option<T> {
        loop {
            match attempt() {
                Steal::Success(item) => return Some(item),
                Steal::Empty => return None,
                Steal::Retry => std::hint::spin_loop(),
            }
        }
    }

    impl<T> Local<T> {
        pub fn new() -> (Self, Stealer<T>) {
            let worker = crossbeam_deque::Worker::new_fifo();
            let stealer = worker.stealer();
            (Self(worker), Stealer(stealer))
        }
        pub fn push(&self, item: T) {
            self.0.push(item)
        }
        pub fn pop(&self) -> Option<T> {
            self.0.pop()
        }
        pub fn len(&self) -> usize {
            self.0.len()
        }
        pub fn is_empty(&self) -> bool {
            self.0.is_empty()
        }
    }

    impl<T> Stealer<T> {
        /// Moves about half of the victim's tasks into `dest`, returning one.
        pub fn steal_half_into(&self, dest: &Local<T>) -> Option<T> {
            settle(|| self.0.steal_batch_and_pop(&dest.0))
        }
        pub fn is_empty(&self) -> bool {
            self.0.is_empty()
        }
    }

    impl<T> Clone for Stealer<T> {
        fn clone(&self) -> Self {
            Self(self.0.clone())
        }
    }

    impl<T> Injector<T> {
        pub fn new() -> Self {
            Self(crossbeam_deque::Injector::new())
        }
        pub fn push(&self, item: T) {
            self.0.push(item)
        }
        /// Takes one task.
        pub fn pop(&self) -> Option<T> {
            settle(|| self.0.steal())
        }
        /// Moves a batch into `dest`, returning one task.
        pub fn pop_batch_into(&self, dest: &Local<T>) -> Option<T> {
            settle(|| self.0.steal_batch_and_pop(&dest.0))
        }
        pub fn is_empty(&self) -> bool {
            self.0.is_empty()
        }
    }
}

#[cfg(loom)]
mod imp {
    use crate::loom::sync::{Arc, Mutex};
    use std::collections::VecDeque;

    /// The owning loop's end of its local run queue (FIFO).
    pub struct Local<T>(Arc<Mutex<VecDeque<T>>>);
    /// Another loop's handle for stealing from a local queue.
    pub struct Stealer<T>(Arc<Mutex<VecDeque<T>>>);
    /// The queue shared by every loop, for work no loop owns yet.
    pub struct Injector<T>(Mutex<VecDeque<T>>);

    /// Small batches keep the models' state space small.
    const MAX_BATCH: usize = 2;

    fn move_batch<T>(src: &mut VecDeque<T>, dest: &Mutex<VecDeque<T>>, limit: usize) -> Option<T> {
        let first = src.pop_front()?;
        let extra = (src.len().div_ceil(2)).min(limit.saturating_sub(1));
        if extra > 0 {
            let mut dest = dest.lock();
            dest.extend(src.drain(..extra));
        }
        Some(first)
    }

    impl<T> Local<T> {
        pub fn new() -> (Self, Stealer<T>) {
            let queue = Arc::new(Mutex::new(VecDeque::new()));
            (Self(queue.clone()), Stealer(queue))
        }
        pub fn push(&self, item: T) {
            self.0.lock().push_back(item)
        }
        pub fn pop(&self) -> Option<T> {
            self.0.lock().pop_front()
        }
        pub fn len(&self) -> usize {
            self.0.lock().len()
        }
        pub fn is_empty(&self) -> bool {
            self.0.lock().is_empty()
        }
    }

    impl<T> Stealer<T> {
        pub fn steal_half_into(&self, dest: &Local<T>) -> Option<T> {
            if Arc::ptr_eq(&self.0, &dest.0) {
                return None;
            }
            let mut src = self.0.lock();
            move_batch(&mut src, &dest.0, MAX_BATCH)
        }
        pub fn is_empty(&self) -> bool {
            self.0.lock().is_empty()
        }
    }

    impl<T> Clone for Stealer<T> {
        fn clone(&self) -> Self {
            Self(self.0.clone())
        }
    }

    impl<T> Default for Injector<T> {
        fn default() -> Self {
            Self::new()
        }
    }

    impl<T> Injector<T> {
        pub fn new() -> Self {
            Self(Mutex::new(VecDeque::new()))
        }
        pub fn push(&self, item: T) {
            self.0.lock().push_back(item)
        }
        pub fn pop(&self) -> Option<T> {
            self.0.lock().pop_front()
        }
        pub fn pop_batch_into(&self, dest: &Local<T>) -> Option<T> {
            let mut src = self.0.lock();
            move_batch(&mut src, &dest.0, MAX_BATCH)
        }
        pub fn is_empty(&self) -> bool {
            self.0.lock().is_empty()
        }
    }
}

pub use imp::{Injector, Local, Stealer};
