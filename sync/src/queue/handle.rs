//! The public handle shared by every queue kind, written once as a macro so
//! each kind gets its own type (and its own `new`) with the same API.

/// Defines a queue handle type `$name` over the store `$store`.
macro_rules! queue_type {
    ($(#[$attr:meta])* $name:ident, $store:ident, [$($bound:tt)*]) => {
        $(#[$attr])*
        pub struct $name<T> {
            shared: $crate::loom::sync::Arc<$crate::queue::shared::Shared<$store<T>>>,
        }

        impl<T: $($bound)*> $name<T> {
            #[doc = concat!("Creates an empty ", stringify!($name), " holding at most `maxsize` items (0 = unbounded).")]
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let queue = hive::sync::", stringify!($name), "::<u32>::new(10);")]
            /// assert_eq!(queue.maxsize(), 10);
            /// assert!(queue.empty());
            /// ```
            pub fn new(maxsize: usize) -> Self {
                Self {
                    shared: $crate::loom::sync::Arc::new($crate::queue::shared::Shared::new(
                        $store::new(),
                        maxsize,
                    )),
                }
            }

            /// Waits for room (if the queue is bounded and full), then adds
            /// `item`.
            ///
            /// Putters are served first come, first served. Cancel-safe:
            /// dropping the future before it completes never half-inserts
            /// the item (it is dropped with the future), and a slot that was
            /// already set aside for it goes to the next putter.
            ///
            /// # Errors
            ///
            /// [`QueueShutDown`](crate::QueueShutDown), carrying the item back,
            /// if the queue is (or gets, while this waits) shut down.
            ///
            /// # Examples
            ///
            /// ```
            /// hive::run(async {
            #[doc = concat!("    let queue = hive::sync::", stringify!($name), "::new(1);")]
            ///     queue.put(1).await.unwrap();
            ///     assert_eq!(queue.qsize(), 1);
            /// })
            /// .unwrap();
            /// ```
            #[doc(alias = "asyncio.Queue.put")]
            pub async fn put(&self, item: T) -> Result<(), $crate::QueueShutDown<T>> {
                self.shared.put(item).await
            }

            /// Adds `item` if there is room now, without waiting.
            ///
            /// Slots already promised to woken putters do not count as room.
            ///
            /// # Errors
            ///
            /// [`TryPutError::Full`](crate::TryPutError::Full) if the queue is
            /// full, [`TryPutError::ShutDown`](crate::TryPutError::ShutDown) if
            /// it was shut down; both give the item back.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let queue = hive::sync::", stringify!($name), "::new(1);")]
            /// assert!(queue.put_nowait(1).is_ok());
            /// assert_eq!(queue.put_nowait(2).unwrap_err().into_inner(), 2);
            /// ```
            #[doc(alias = "asyncio.Queue.put_nowait")]
            pub fn put_nowait(&self, item: T) -> Result<(), $crate::TryPutError<T>> {
                self.shared.try_put(item)
            }

            /// Waits for an item and takes it.
            ///
            /// Getters are served first come, first served. Cancel-safe:
            /// dropping the future never loses an item (an item set aside for
            /// it goes to the next getter, or stays in the queue).
            ///
            /// # Errors
            ///
            /// [`QueueShutDown`](crate::QueueShutDown) once the queue is shut
            /// down and empty (at once after `shutdown(true)`).
            ///
            /// # Examples
            ///
            /// ```
            /// hive::run(async {
            #[doc = concat!("    let queue = hive::sync::", stringify!($name), "::new(0);")]
            ///     queue.put_nowait("job").unwrap();
            ///     assert_eq!(queue.get().await, Ok("job"));
            /// })
            /// .unwrap();
            /// ```
            #[doc(alias = "asyncio.Queue.get")]
            pub async fn get(&self) -> Result<T, $crate::QueueShutDown> {
                self.shared.get().await
            }

            /// Takes an item if one is available now, without waiting.
            ///
            /// Items already promised to woken getters are not available.
            ///
            /// # Errors
            ///
            /// [`TryGetError::Empty`](crate::TryGetError::Empty) if no item is
            /// available, [`TryGetError::ShutDown`](crate::TryGetError::ShutDown)
            /// if the queue is shut down and empty.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let queue = hive::sync::", stringify!($name), "::new(0);")]
            /// assert!(queue.get_nowait().is_err());
            /// queue.put_nowait(7).unwrap();
            /// assert_eq!(queue.get_nowait(), Ok(7));
            /// ```
            #[doc(alias = "asyncio.Queue.get_nowait")]
            pub fn get_nowait(&self) -> Result<T, $crate::TryGetError> {
                self.shared.try_get()
            }

            /// Marks one item taken with `get` as fully processed, for
            /// [`join`](Self::join).
            ///
            /// # Errors
            ///
            /// [`TaskDoneError`](crate::TaskDoneError) if called more times
            /// than items were put (asyncio's `ValueError`).
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let queue = hive::sync::", stringify!($name), "::new(0);")]
            /// queue.put_nowait(1).unwrap();
            /// queue.get_nowait().unwrap();
            /// assert!(queue.task_done().is_ok());
            /// assert!(queue.task_done().is_err());
            /// ```
            #[doc(alias = "asyncio.Queue.task_done")]
            pub fn task_done(&self) -> Result<(), $crate::TaskDoneError> {
                self.shared.task_done()
            }

            /// Waits until every item ever put has been marked done with
            /// [`task_done`](Self::task_done) (or drained by
            /// `shutdown(true)`).
            ///
            /// # Examples
            ///
            /// ```
            /// hive::run(async {
            #[doc = concat!("    let queue = hive::sync::", stringify!($name), "::new(0);")]
            ///     queue.put(1).await.unwrap();
            ///     queue.get().await.unwrap();
            ///     queue.task_done().unwrap();
            ///     queue.join().await;
            /// })
            /// .unwrap();
            /// ```
            #[doc(alias = "asyncio.Queue.join")]
            pub async fn join(&self) {
                self.shared.join().await
            }

            /// Shuts the queue down, as Python 3.13's `Queue.shutdown`.
            ///
            /// Every later `put` fails with [`QueueShutDown`](crate::QueueShutDown).
            /// `get` keeps returning the items left and fails once the queue
            /// is empty; with `immediate = true` the items left are dropped
            /// (each counted as done for `join`) and `get` fails at once.
            /// Every blocked `put` and `get` is woken to see the shutdown.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let queue = hive::sync::", stringify!($name), "::new(0);")]
            /// queue.put_nowait(1).unwrap();
            /// queue.shutdown(false);
            /// assert!(queue.put_nowait(2).is_err());
            /// assert_eq!(queue.get_nowait(), Ok(1));
            /// assert!(queue.get_nowait().unwrap_err().is_shut_down());
            /// ```
            #[doc(alias = "asyncio.Queue.shutdown")]
            pub fn shutdown(&self, immediate: bool) {
                self.shared.shutdown(immediate)
            }

            /// The number of items in the queue.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let queue = hive::sync::", stringify!($name), "::new(0);")]
            /// queue.put_nowait(1).unwrap();
            /// assert_eq!(queue.qsize(), 1);
            /// ```
            #[doc(alias = "asyncio.Queue.qsize")]
            #[doc(alias = "len")]
            pub fn qsize(&self) -> usize {
                self.shared.qsize()
            }

            /// Whether the queue holds no item.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let queue = hive::sync::", stringify!($name), "::<u8>::new(0);")]
            /// assert!(queue.empty());
            /// ```
            #[doc(alias = "asyncio.Queue.empty")]
            #[doc(alias = "is_empty")]
            pub fn empty(&self) -> bool {
                self.shared.qsize() == 0
            }

            /// Whether the queue holds `maxsize` items (never, if unbounded).
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let queue = hive::sync::", stringify!($name), "::new(1);")]
            /// queue.put_nowait(1).unwrap();
            /// assert!(queue.full());
            /// ```
            #[doc(alias = "asyncio.Queue.full")]
            pub fn full(&self) -> bool {
                self.shared.full()
            }

            /// The bound given at creation (0 = unbounded).
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("assert_eq!(hive::sync::", stringify!($name), "::<u8>::new(3).maxsize(), 3);")]
            /// ```
            #[doc(alias = "asyncio.Queue.maxsize")]
            pub fn maxsize(&self) -> usize {
                self.shared.maxsize()
            }

            /// Whether [`shutdown`](Self::shutdown) was called.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let queue = hive::sync::", stringify!($name), "::<u8>::new(0);")]
            /// queue.shutdown(false);
            /// assert!(queue.is_shut_down());
            /// ```
            pub fn is_shut_down(&self) -> bool {
                self.shared.is_shut_down()
            }
        }

        impl<T> Clone for $name<T> {
            /// Another handle to the same queue.
            fn clone(&self) -> Self {
                Self {
                    shared: self.shared.clone(),
                }
            }
        }

        impl<T: $($bound)*> ::core::fmt::Debug for $name<T> {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("qsize", &self.qsize())
                    .field("maxsize", &self.maxsize())
                    .field("shut_down", &self.is_shut_down())
                    .finish()
            }
        }
    };
}
