//! The state every queue kind shares, and its `get`/`put`/`join` futures.
//!
//! Waiters never overtake: while getters are parked, every item in the queue
//! is already *reserved* for a getter that was notified and has yet to run;
//! while putters are parked, every free slot is reserved for a notified
//! putter. A `*_nowait` call only counts unreserved items and slots. A
//! notified waiter that is dropped gives its reservation back, which serves
//! the next waiter. Items never sit inside a waiter: a dropped `get` cannot
//! lose one, a dropped `put` never inserted its item.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::Store;
use crate::error::{QueueEmpty, QueueFull, QueueShutDown, TaskDoneError, TryGetError, TryPutError};
use crate::loom::sync::Mutex;
use crate::waiters::{WaiterKey, WaiterList, WakeList};

/// One queue, shared by all its handles.
#[derive(Debug)]
pub(crate) struct Shared<S> {
    state: Mutex<State<S>>,
}

#[derive(Debug)]
struct State<S> {
    items: S,
    /// 0 means unbounded.
    maxsize: usize,
    /// Items put and not yet marked done.
    unfinished: usize,
    shutdown: bool,
    /// Items promised to notified getters that have not run yet.
    get_reserved: usize,
    /// Slots promised to notified putters that have not run yet.
    put_reserved: usize,
    /// Parked getters; the data says whether the notification reserved an item.
    getters: WaiterList<bool>,
    /// Parked putters; the data says whether the notification reserved a slot.
    putters: WaiterList<bool>,
    joiners: WaiterList<()>,
}

impl<S: Store> State<S> {
    fn unreserved_items(&self) -> usize {
        self.items.len().saturating_sub(self.get_reserved)
    }

    fn has_room(&self) -> bool {
        self.maxsize == 0 || self.items.len() + self.put_reserved < self.maxsize
    }

    /// Reserves unreserved items for parked getters, oldest first.
    fn serve_getters(&mut self, wakes: &mut WakeList) {
        while self.unreserved_items() > 0 {
            let Some(reserved) = self.getters.notify_front(wakes) else {
                break;
            };
            *reserved = true;
            self.get_reserved += 1;
        }
    }

    /// Reserves free slots for parked putters, oldest first.
    fn serve_putters(&mut self, wakes: &mut WakeList) {
        while !self.shutdown && self.has_room() {
            let Some(reserved) = self.putters.notify_front(wakes) else {
                break;
            };
            *reserved = true;
            self.put_reserved += 1;
        }
    }

    fn take(&mut self, wakes: &mut WakeList) -> Option<S::Item> {
        let item = self.items.pop()?;
        self.serve_putters(wakes);
        Some(item)
    }

    fn insert(&mut self, item: S::Item, wakes: &mut WakeList) {
        self.items.push(item);
        self.unfinished += 1;
        self.serve_getters(wakes);
    }

    /// A get that may proceed now (it is first in line, or was notified).
    fn try_get(&mut self, wakes: &mut WakeList) -> Result<S::Item, TryGetError> {
        if self.unreserved_items() > 0 {
            if let Some(item) = self.take(wakes) {
                return Ok(item);
            }
        }
        if self.shutdown {
            Err(QueueShutDown(()).into())
        } else {
            Err(QueueEmpty.into())
        }
    }

    /// A put that may proceed now (it is first in line, or was notified).
    fn try_put(&mut self, item: S::Item, wakes: &mut WakeList) -> Result<(), TryPutError<S::Item>> {
        if self.shutdown {
            Err(QueueShutDown(item).into())
        } else if self.has_room() {
            self.insert(item, wakes);
            Ok(())
        } else {
            Err(QueueFull(item).into())
        }
    }
}

impl<S: Store> Shared<S> {
    pub(crate) fn new(items: S, maxsize: usize) -> Self {
        Self {
            state: Mutex::new(State {
                items,
                maxsize,
                unfinished: 0,
                shutdown: false,
                get_reserved: 0,
                put_reserved: 0,
                getters: WaiterList::new(),
                putters: WaiterList::new(),
                joiners: WaiterList::new(),
            }),
        }
    }

    pub(crate) fn try_get(&self) -> Result<S::Item, TryGetError> {
        let mut wakes = WakeList::new();
        let result = self.state.lock().try_get(&mut wakes);
        wakes.wake_all();
        result
    }

    pub(crate) fn try_put(&self, item: S::Item) -> Result<(), TryPutError<S::Item>> {
        let mut wakes = WakeList::new();
        let result = self.state.lock().try_put(item, &mut wakes);
        wakes.wake_all();
        result
    }

    pub(crate) fn get(&self) -> Get<'_, S> {
        Get {
            shared: self,
            key: None,
        }
    }

    pub(crate) fn put(&self, item: S::Item) -> Put<'_, S> {
        Put {
            shared: self,
            item: Some(item),
            key: None,
        }
    }

    pub(crate) fn join(&self) -> Join<'_, S> {
        Join {
            shared: self,
            key: None,
        }
    }

    pub(crate) fn qsize(&self) -> usize {
        self.state.lock().items.len()
    }

    pub(crate) fn maxsize(&self) -> usize {
        self.state.lock().maxsize
    }

    pub(crate) fn full(&self) -> bool {
        let state = self.state.lock();
        state.maxsize > 0 && state.items.len() >= state.maxsize
    }

    pub(crate) fn is_shut_down(&self) -> bool {
        self.state.lock().shutdown
    }

    pub(crate) fn task_done(&self) -> Result<(), TaskDoneError> {
        let mut wakes = WakeList::new();
        {
            let mut state = self.state.lock();
            if state.unfinished == 0 {
                return Err(TaskDoneError);
            }
            state.unfinished -= 1;
            if state.unfinished == 0 {
                state.joiners.notify_all(&mut wakes);
            }
        }
        wakes.wake_all();
        Ok(())
    }

    pub(crate) fn shutdown(&self, immediate: bool) {
        let mut wakes = WakeList::new();
        // Drained items are dropped after the lock is released: their
        // destructors may do anything, including touching this queue.
        let mut drained = Vec::new();
        {
            let mut state = self.state.lock();
            state.shutdown = true;
            if immediate {
                while let Some(item) = state.items.pop() {
                    drained.push(item);
                    state.unfinished = state.unfinished.saturating_sub(1);
                }
                if state.unfinished == 0 {
                    state.joiners.notify_all(&mut wakes);
                }
            }
            // Woken without a reservation: they re-check and see the shutdown.
            state.getters.notify_all(&mut wakes);
            state.putters.notify_all(&mut wakes);
        }
        wakes.wake_all();
        drop(drained);
    }
}

/// Future of `get`: resolves to the next item, or `QueueShutDown`.
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub(crate) struct Get<'a, S: Store> {
    shared: &'a Shared<S>,
    key: Option<WaiterKey>,
}

impl<S: Store> Future for Get<'_, S> {
    type Output = Result<S::Item, QueueShutDown>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let mut wakes = WakeList::new();
        let result = {
            let mut state = this.shared.state.lock();
            if let Some(key) = this.key {
                match state.getters.poll(key, cx.waker()) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(reserved) => {
                        this.key = None;
                        if reserved {
                            state.get_reserved -= 1;
                        }
                    }
                }
            }
            match state.try_get(&mut wakes) {
                Ok(item) => Poll::Ready(Ok(item)),
                Err(TryGetError::ShutDown(e)) => Poll::Ready(Err(e)),
                Err(TryGetError::Empty(_)) => {
                    this.key = Some(state.getters.push(false, Some(cx.waker().clone())));
                    Poll::Pending
                }
            }
        };
        wakes.wake_all();
        result
    }
}

impl<S: Store> Drop for Get<'_, S> {
    fn drop(&mut self) {
        let Some(key) = self.key.take() else { return };
        let mut wakes = WakeList::new();
        {
            let mut state = self.shared.state.lock();
            if state.getters.cancel(key) == Some(true) {
                // An item was set aside for this getter: offer it to the next.
                state.get_reserved -= 1;
                state.serve_getters(&mut wakes);
            }
        }
        wakes.wake_all();
    }
}

/// Future of `put`: resolves once the item is in the queue, or gives it back
/// in `QueueShutDown`.
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub(crate) struct Put<'a, S: Store> {
    shared: &'a Shared<S>,
    item: Option<S::Item>,
    key: Option<WaiterKey>,
}

// The item is moved, never pinned in place.
impl<S: Store> Unpin for Put<'_, S> {}

impl<S: Store> Future for Put<'_, S> {
    type Output = Result<(), QueueShutDown<S::Item>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let Some(item) = this.item.take() else {
            return Poll::Ready(Ok(()));
        };
        let mut wakes = WakeList::new();
        let result = {
            let mut state = this.shared.state.lock();
            if let Some(key) = this.key {
                match state.putters.poll(key, cx.waker()) {
                    Poll::Pending => {
                        this.item = Some(item);
                        return Poll::Pending;
                    }
                    Poll::Ready(reserved) => {
                        this.key = None;
                        if reserved {
                            state.put_reserved -= 1;
                        }
                    }
                }
            }
            match state.try_put(item, &mut wakes) {
                Ok(()) => Poll::Ready(Ok(())),
                Err(TryPutError::ShutDown(e)) => Poll::Ready(Err(e)),
                Err(TryPutError::Full(QueueFull(item))) => {
                    this.item = Some(item);
                    this.key = Some(state.putters.push(false, Some(cx.waker().clone())));
                    Poll::Pending
                }
            }
        };
        wakes.wake_all();
        result
    }
}

impl<S: Store> Drop for Put<'_, S> {
    fn drop(&mut self) {
        let Some(key) = self.key.take() else { return };
        let mut wakes = WakeList::new();
        {
            let mut state = self.shared.state.lock();
            if state.putters.cancel(key) == Some(true) {
                // A slot was set aside for this putter: offer it to the next.
                state.put_reserved -= 1;
                state.serve_putters(&mut wakes);
            }
        }
        wakes.wake_all();
        // `self.item` (never inserted) is dropped after the lock.
    }
}

/// Future of `join`: resolves once every item put has been marked done.
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub(crate) struct Join<'a, S> {
    shared: &'a Shared<S>,
    key: Option<WaiterKey>,
}

impl<S: Store> Future for Join<'_, S> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let mut state = this.shared.state.lock();
        match this.key {
            Some(key) => {
                let ready = state.joiners.poll(key, cx.waker());
                if ready.is_ready() {
                    this.key = None;
                }
                ready
            }
            None if state.unfinished == 0 => Poll::Ready(()),
            None => {
                this.key = Some(state.joiners.push((), Some(cx.waker().clone())));
                Poll::Pending
            }
        }
    }
}

impl<S> Drop for Join<'_, S> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            let _ = self.shared.state.lock().joiners.cancel(key);
        }
    }
}
