//! [`Event`]: a flag tasks can wait on.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use crate::loom::sync::atomic::{AtomicBool, Ordering};
use crate::loom::sync::Mutex;
use crate::waiters::{WaiterKey, WaiterList, WakeList};

/// A flag that starts cleared; [`wait`](Event::wait) resolves once it is set.
///
/// [`set`](Event::set) wakes every task waiting at that moment; a waiter woken
/// by a `set` completes even if the event is cleared again before it runs
/// (as in asyncio).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use hive::sync::Event;
///
/// hive::run(async {
///     let ready = Arc::new(Event::new());
///     let setter = ready.clone();
///     std::thread::spawn(move || setter.set());
///     ready.wait().await;
///     assert!(ready.is_set());
/// })
/// .unwrap();
/// ```
#[doc(alias = "asyncio.Event")]
pub struct Event {
    state: Mutex<State>,
    /// The flag. Written only under `state`'s lock, with `Release`; read
    /// without it by [`is_set`](Event::is_set) with `Acquire` (a served HTTP
    /// connection asks its shutdown event on every wake), so a reader that
    /// sees `true` also sees what the setter wrote before `set`. A waiter
    /// reads it under the lock and registers in the same critical section
    /// that saw it clear, so no wake-up is lost between the two.
    is_set: AtomicBool,
}

#[derive(Debug)]
struct State {
    waiters: WaiterList<()>,
}

impl Event {
    /// Creates a cleared event.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!hive::sync::Event::new().is_set());
    /// ```
    pub fn new() -> Self {
        Self {
            state: Mutex::new(State {
                waiters: WaiterList::new(),
            }),
            is_set: AtomicBool::new(false),
        }
    }

    /// Sets the flag and wakes every waiting task.
    ///
    /// # Examples
    ///
    /// ```
    /// let event = hive::sync::Event::new();
    /// event.set();
    /// assert!(event.is_set());
    /// ```
    #[doc(alias = "asyncio.Event.set")]
    pub fn set(&self) {
        let mut wakes = WakeList::new();
        {
            let mut state = self.state.lock();
            self.is_set.store(true, Ordering::Release);
            state.waiters.notify_all(&mut wakes);
        }
        wakes.wake_all();
    }

    /// Clears the flag: later `wait`s block until the next `set`.
    ///
    /// # Examples
    ///
    /// ```
    /// let event = hive::sync::Event::new();
    /// event.set();
    /// event.clear();
    /// assert!(!event.is_set());
    /// ```
    #[doc(alias = "asyncio.Event.clear")]
    pub fn clear(&self) {
        let _state = self.state.lock();
        self.is_set.store(false, Ordering::Release);
    }

    /// Whether the flag is set. Lock-free: cheap to ask on every poll.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!hive::sync::Event::new().is_set());
    /// ```
    #[doc(alias = "asyncio.Event.is_set")]
    pub fn is_set(&self) -> bool {
        self.is_set.load(Ordering::Acquire)
    }

    /// Waits until the flag is set; resolves at once if it already is.
    ///
    /// Cancel-safe: dropping the future just leaves the waiter list.
    ///
    /// # Examples
    ///
    /// ```
    /// hive::run(async {
    ///     let event = hive::sync::Event::new();
    ///     event.set();
    ///     event.wait().await;
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "asyncio.Event.wait")]
    pub fn wait(&self) -> EventWait<'_> {
        EventWait {
            event: self,
            key: None,
        }
    }
}

impl Default for Event {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("set", &self.is_set())
            .finish()
    }
}

/// Future returned by [`Event::wait`].
///
/// # Examples
///
/// ```
/// hive::run(async {
///     let event = hive::sync::Event::new();
///     let wait: hive::sync::EventWait<'_> = event.wait();
///     event.set();
///     wait.await;
/// })
/// .unwrap();
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct EventWait<'a> {
    event: &'a Event,
    key: Option<WaiterKey>,
}

impl Future for EventWait<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let mut state = this.event.state.lock();
        match this.key {
            Some(key) => {
                let ready = state.waiters.poll(key, cx.waker());
                if ready.is_ready() {
                    this.key = None;
                }
                ready
            }
            // Under the lock: `set` and `clear` write it only while holding it.
            None if this.event.is_set.load(Ordering::Relaxed) => Poll::Ready(()),
            None => {
                this.key = Some(state.waiters.push((), Some(cx.waker().clone())));
                Poll::Pending
            }
        }
    }
}

impl Drop for EventWait<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            // A `set` wakes everyone: there is nothing to pass on.
            let _ = self.event.state.lock().waiters.cancel(key);
        }
    }
}

impl fmt::Debug for EventWait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventWait")
            .field("registered", &self.key.is_some())
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::test_util::{counting_waker, poll_once};

    #[test]
    fn set_wakes_current_waiters_even_if_cleared_after() {
        let event = Event::new();
        let (wakes, waker) = counting_waker();
        let mut a = event.wait();
        let mut b = event.wait();
        assert!(poll_once(&mut a, &waker).is_pending());
        assert!(poll_once(&mut b, &waker).is_pending());
        event.set();
        event.clear();
        assert_eq!(wakes.count(), 2);
        assert!(poll_once(&mut a, &waker).is_ready());
        assert!(poll_once(&mut b, &waker).is_ready());
        let mut c = event.wait();
        assert!(poll_once(&mut c, &waker).is_pending());
        drop(c);
        event.set();
        assert_eq!(wakes.count(), 2, "a dropped waiter is not woken");
    }
}
