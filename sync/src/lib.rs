//! asyncio's synchronization primitives and queues for any executor, on any
//! number of threads.
//!
//! | asyncio | hive |
//! | --- | --- |
//! | `asyncio.Lock` | [`Lock`] (and [`Mutex<T>`], a lock that owns its data) |
//! | `asyncio.Event` | [`Event`] |
//! | `asyncio.Condition` | [`Condition`] |
//! | `asyncio.Semaphore` / `BoundedSemaphore` | [`Semaphore`] / [`BoundedSemaphore`] |
//! | `asyncio.Barrier` | [`Barrier`] |
//! | `asyncio.Queue` / `PriorityQueue` / `LifoQueue` | [`Queue`] / [`PriorityQueue`] / [`LifoQueue`] |
//! | `QueueEmpty`, `QueueFull`, `QueueShutDown`, `BrokenBarrierError` | [`QueueEmpty`], [`QueueFull`], [`QueueShutDown`], [`BrokenBarrier`] |
//!
//! # Any executor, any thread
//!
//! The primitives need nothing but a [`Waker`](core::task::Waker): they work
//! under hive's runtime, tokio, or a hand-written `block_on`. Unlike asyncio's,
//! they are thread-safe (`Send + Sync`): tasks on different loops, and plain
//! threads, can share them. Waiters are parked in one FIFO waiter list per
//! primitive, behind a short mutex that is never held across an `.await`, and
//! woken after that mutex is released. Acquiring or releasing without
//! contention allocates nothing.
//!
//! # Fairness: first come, first served, no overtaking
//!
//! Waiters are served in the order they first waited. A release *hands*
//! what it frees (the lock, permits, a queue item or slot) straight to the
//! first waiter, so a later `try_acquire`, `put_nowait` or `get_nowait` never
//! takes it first. This is stricter than asyncio, which lets a `*_nowait`
//! call (or a fresh `acquire` before the woken task runs) overtake a woken
//! waiter. One visible consequence: a queue's `get_nowait` may report
//! [`QueueEmpty`] while `qsize() > 0`, because those items are promised to
//! woken getters.
//!
//! # Cancellation
//!
//! Cancelling is dropping the future. Every waiting future here is
//! cancel-safe: dropped before it was chosen, it just leaves the queue;
//! dropped after it was chosen (woken but not yet run), it passes what it was
//! given on to the next waiter, so nothing is lost or leaked. A dropped `get`
//! never loses an item; a dropped `put` never inserted its item.
//!
//! # Differences from asyncio, on purpose
//!
//! - Guards: `acquire` returns a guard that releases on drop, so a release
//!   without an acquire cannot be written (asyncio's `RuntimeError`).
//!   [`Semaphore::release`] still adds a permit; [`BoundedSemaphore::release`]
//!   fails with [`OverRelease`] where asyncio raises `ValueError`.
//! - [`Condition::wait`] consumes the lock guard and gives a new one back; if
//!   that wait is dropped, the lock is **not** re-acquired (asyncio re-acquires
//!   it even when cancelled). `notify` takes the guard as proof that the lock
//!   is held, instead of raising `RuntimeError`.
//! - No overtaking, as above.
//! - Owned guards: `acquire_owned` / `lock_owned` (tokio's names) take the
//!   primitive by `Arc` and return a `'static` guard ([`OwnedLockGuard`],
//!   [`OwnedMutexGuard`], [`OwnedSemaphorePermit`]) that can move into a
//!   spawned task or live in a struct; they wait in the same FIFO queue.
//!   [`Condition`] has none: its `wait` ties the guard to the condition.
//! - Queues are cheap [`Clone`] handles (an `Arc` inside); the other
//!   primitives are plain values to put in an `Arc` or a `static`-like owner.
//!
//! # Examples
//!
//! ```
//! use std::sync::Arc;
//! use hive::sync::{Queue, Semaphore};
//!
//! hive::run(async {
//!     let queue = Queue::new(8);
//!     let limit = Arc::new(Semaphore::new(2));
//!     queue.put("job").await.unwrap();
//!     let _permit = limit.acquire().await;
//!     assert_eq!(queue.get().await, Ok("job"));
//! })
//! .unwrap();
//! ```

mod barrier;
mod condition;
mod error;
mod event;
mod lock;
mod loom;
mod mutex;
mod owned;
mod permits;
mod queue;
mod semaphore;
#[cfg(all(test, not(loom)))]
mod test_util;
mod waiters;

pub use barrier::Barrier;
pub use condition::Condition;
pub use error::{
    BrokenBarrier, OverRelease, QueueEmpty, QueueFull, QueueShutDown, TaskDoneError, TryGetError,
    TryPutError,
};
pub use event::{Event, EventWait};
pub use lock::{Lock, LockGuard};
pub use mutex::{Mutex, MutexGuard};
pub use owned::{OwnedLockGuard, OwnedMutexGuard, OwnedSemaphorePermit};
pub use queue::{LifoQueue, PriorityQueue, Queue};
pub use semaphore::{BoundedSemaphore, Semaphore, SemaphorePermit};
