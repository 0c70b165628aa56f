//! Counted permits handed out in strict FIFO order: the machinery under
//! [`Lock`](crate::Lock), [`Mutex`](crate::Mutex), [`Semaphore`](crate::Semaphore)
//! and [`BoundedSemaphore`](crate::BoundedSemaphore).
//!
//! Permits are *handed off*: a release gives its permits straight to the
//! waiters at the front of the queue (as many as can be fully served, in
//! order), so a later `try_acquire` never barges past a parked waiter. A
//! waiter wanting `n` permits blocks everyone behind it until `n` are free
//! (no overtaking, as in asyncio 3.11+ and tokio). A waiter dropped after it
//! was handed permits gives them back, which serves the next waiter.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use crate::error::OverRelease;
use crate::loom::sync::Mutex;
use crate::waiters::{WaiterKey, WaiterList, WakeList};

/// A pool of permits with a FIFO queue of waiters.
#[derive(Debug)]
pub(crate) struct Permits {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// Permits nobody holds.
    available: usize,
    /// Permits held by guards or handed to waiters that have not yet woken.
    held: usize,
    /// Parked acquirers, each with the number of permits it wants.
    waiters: WaiterList<usize>,
}

impl State {
    /// Serves the front waiters while their whole demand can be met.
    fn assign(&mut self, wakes: &mut WakeList) {
        while let Some(&wanted) = self.waiters.front() {
            if wanted > self.available {
                break;
            }
            self.available -= wanted;
            self.held += wanted;
            self.waiters.notify_front(wakes);
        }
    }

    fn give_back(&mut self, n: usize, wakes: &mut WakeList) {
        self.held -= n;
        self.available += n;
        self.assign(wakes);
    }
}

impl Permits {
    /// A pool holding `available` permits.
    pub(crate) fn new(available: usize) -> Self {
        Self {
            state: Mutex::new(State {
                available,
                held: 0,
                waiters: WaiterList::new(),
            }),
        }
    }

    /// Takes `n` permits now if they are free and nobody is queued.
    pub(crate) fn try_acquire(&self, n: usize) -> bool {
        let mut state = self.state.lock();
        if state.waiters.is_empty() && state.available >= n {
            state.available -= n;
            state.held += n;
            true
        } else {
            false
        }
    }

    /// Waits (FIFO) for `n` permits.
    pub(crate) fn acquire(&self, n: usize) -> Acquire<'_> {
        Acquire {
            permits: self,
            wanted: n,
            key: None,
        }
    }

    /// Gives back `n` held permits (a guard was dropped).
    pub(crate) fn release(&self, n: usize) {
        let mut wakes = WakeList::new();
        self.state.lock().give_back(n, &mut wakes);
        wakes.wake_all();
    }

    /// Adds `n` new permits; with a `bound`, fails if that would make more
    /// permits exist (free or held) than the bound.
    pub(crate) fn add(&self, n: usize, bound: Option<usize>) -> Result<(), OverRelease> {
        let mut wakes = WakeList::new();
        {
            let mut state = self.state.lock();
            if let Some(bound) = bound {
                let total = state.available.saturating_add(state.held);
                if total.saturating_add(n) > bound {
                    return Err(OverRelease);
                }
            }
            state.available = state.available.saturating_add(n);
            state.assign(&mut wakes);
        }
        wakes.wake_all();
        Ok(())
    }

    /// Forgets `n` held permits: they are never given back.
    pub(crate) fn forget(&self, n: usize) {
        self.state.lock().held -= n;
    }

    /// Permits free right now.
    pub(crate) fn available(&self) -> usize {
        self.state.lock().available
    }

    /// Whether an `acquire(1)` would have to wait.
    pub(crate) fn would_block(&self) -> bool {
        let state = self.state.lock();
        state.available == 0 || !state.waiters.is_empty()
    }
}

/// Future of [`Permits::acquire`]; resolves once the permits are owned.
///
/// Dropped before completion it leaves the queue; dropped after being handed
/// its permits (woken but not yet polled) it gives them back to the next
/// waiter, so nothing is lost.
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub(crate) struct Acquire<'a> {
    permits: &'a Permits,
    wanted: usize,
    key: Option<WaiterKey>,
}

impl Future for Acquire<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let mut state = this.permits.state.lock();
        match this.key {
            Some(key) => match state.waiters.poll(key, cx.waker()) {
                Poll::Ready(_) => {
                    this.key = None;
                    Poll::Ready(())
                }
                Poll::Pending => Poll::Pending,
            },
            None => {
                if state.waiters.is_empty() && state.available >= this.wanted {
                    state.available -= this.wanted;
                    state.held += this.wanted;
                    Poll::Ready(())
                } else {
                    this.key = Some(state.waiters.push(this.wanted, Some(cx.waker().clone())));
                    Poll::Pending
                }
            }
        }
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        let Some(key) = self.key.take() else { return };
        let mut wakes = WakeList::new();
        {
            let mut state = self.permits.state.lock();
            match state.waiters.cancel(key) {
                // Handed permits it will never use: pass them on.
                Some(granted) => state.give_back(granted, &mut wakes),
                // Left the queue: if it was the front, the next may now fit.
                None => state.assign(&mut wakes),
            }
        }
        wakes.wake_all();
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::test_util::{counting_waker, poll_once};

    #[test]
    fn uncontended_acquire_is_immediate() {
        let permits = Permits::new(2);
        let (_, waker) = counting_waker();
        assert!(poll_once(&mut permits.acquire(2), &waker).is_ready());
        assert_eq!(permits.available(), 0);
        permits.release(2);
        assert_eq!(permits.available(), 2);
    }

    #[test]
    fn large_front_waiter_blocks_later_small_ones() {
        let permits = Permits::new(1);
        let (_, waker) = counting_waker();
        let mut big = permits.acquire(3);
        let mut small = permits.acquire(1);
        assert!(poll_once(&mut big, &waker).is_pending());
        assert!(poll_once(&mut small, &waker).is_pending(), "no overtaking");
        assert!(!permits.try_acquire(1));
        // The big one leaves: the small one now fits.
        drop(big);
        assert!(poll_once(&mut small, &waker).is_ready());
    }

    #[test]
    fn dropped_chosen_waiter_passes_its_permits_on() {
        let permits = Permits::new(0);
        let (first_wakes, waker1) = counting_waker();
        let (second_wakes, waker2) = counting_waker();
        let mut first = permits.acquire(1);
        let mut second = permits.acquire(1);
        assert!(poll_once(&mut first, &waker1).is_pending());
        assert!(poll_once(&mut second, &waker2).is_pending());
        permits.add(1, None).unwrap();
        assert_eq!(first_wakes.count(), 1);
        drop(first);
        assert_eq!(second_wakes.count(), 1);
        assert!(poll_once(&mut second, &waker2).is_ready());
        assert_eq!(permits.available(), 0);
    }

    #[test]
    fn bound_counts_held_permits() {
        let permits = Permits::new(1);
        assert!(permits.try_acquire(1));
        assert_eq!(permits.add(1, Some(1)), Err(OverRelease));
        permits.forget(1);
        assert_eq!(permits.add(1, Some(1)), Ok(()));
        assert_eq!(permits.add(1, Some(1)), Err(OverRelease));
    }
}
