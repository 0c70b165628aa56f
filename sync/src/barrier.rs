//! [`Barrier`]: wait until a fixed number of tasks have arrived (Python 3.11).

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use crate::error::BrokenBarrier;
use crate::loom::sync::Mutex;
use crate::waiters::{WaiterKey, WaiterList, WakeList};

/// A meeting point for `parties` tasks: each [`wait`](Barrier::wait) blocks
/// until `parties` tasks are waiting, then all of them go on together.
///
/// It follows asyncio's (3.11) state machine. While *filling*, arrivals wait.
/// The last arrival switches it to *draining* and wakes everyone; tasks that
/// arrive while it drains wait for the next round, which starts (back to
/// *filling*) once every released task has left `wait`. [`reset`](Barrier::reset)
/// makes current waiters fail with [`BrokenBarrier`] and then fills again;
/// [`abort`](Barrier::abort) breaks it until the next `reset`.
///
/// A `wait` future dropped while filling simply leaves (the count goes down),
/// as a cancelled asyncio task does.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use hive::sync::Barrier;
///
/// hive::run(async {
///     let barrier = Arc::new(Barrier::new(2));
///     let other = barrier.clone();
///     let thread = std::thread::spawn(move || hive::run(async move { other.wait().await }));
///     let mine = barrier.wait().await.unwrap();
///     let theirs = thread.join().unwrap().unwrap().unwrap();
///     assert_eq!(mine + theirs, 1); // arrival indices 0 and 1
/// })
/// .unwrap();
/// ```
#[doc(alias = "asyncio.Barrier")]
pub struct Barrier {
    parties: usize,
    state: Mutex<State>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Filling,
    Draining,
    Resetting,
    Broken,
}

#[derive(Debug)]
struct State {
    phase: Phase,
    /// Tasks inside `wait` (arrived and not yet left).
    count: usize,
    /// Everyone waiting for the phase to change.
    waiters: WaiterList<()>,
}

impl State {
    fn set_phase(&mut self, phase: Phase, wakes: &mut WakeList) {
        self.phase = phase;
        self.waiters.notify_all(wakes);
    }
}

impl Barrier {
    /// Creates a barrier for `parties` tasks.
    ///
    /// A barrier of 0 parties could never release anyone, so 0 is treated as
    /// 1, as `std::sync::Barrier` and tokio do (asyncio raises `ValueError`;
    /// hive does not panic on input).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(hive::sync::Barrier::new(3).parties(), 3);
    /// assert_eq!(hive::sync::Barrier::new(0).parties(), 1);
    /// ```
    pub fn new(parties: usize) -> Self {
        let parties = parties.max(1);
        Self {
            parties,
            state: Mutex::new(State {
                phase: Phase::Filling,
                count: 0,
                waiters: WaiterList::new(),
            }),
        }
    }

    /// Waits until `parties` tasks are waiting; returns this task's arrival
    /// index, `0..parties`.
    ///
    /// # Errors
    ///
    /// [`BrokenBarrier`] if the barrier is broken, or is reset or aborted
    /// while this task waits.
    ///
    /// # Examples
    ///
    /// ```
    /// hive::run(async {
    ///     let barrier = hive::sync::Barrier::new(1);
    ///     assert_eq!(barrier.wait().await, Ok(0));
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "asyncio.Barrier.wait")]
    pub async fn wait(&self) -> Result<usize, BrokenBarrier> {
        let parties = self.parties;
        // Wait out a drain or a reset, then take an arrival index.
        let (index, _inside) = PhaseChange::new(self, |state, wakes| match state.phase {
            Phase::Broken => Some(Err(BrokenBarrier)),
            Phase::Draining | Phase::Resetting => None,
            Phase::Filling => {
                let index = state.count;
                state.count += 1;
                if state.count == parties {
                    state.set_phase(Phase::Draining, wakes);
                }
                Some(Ok((index, Inside(self))))
            }
        })
        .await?;
        if index + 1 == parties {
            return Ok(index);
        }
        PhaseChange::new(self, |state, _| match state.phase {
            Phase::Filling => None,
            Phase::Draining => Some(Ok(index)),
            Phase::Resetting | Phase::Broken => Some(Err(BrokenBarrier)),
        })
        .await
    }

    /// Makes tasks waiting now fail with [`BrokenBarrier`], then returns the
    /// barrier to its empty, filling state (also un-breaking an aborted one).
    ///
    /// # Examples
    ///
    /// ```
    /// let barrier = hive::sync::Barrier::new(2);
    /// barrier.abort();
    /// barrier.reset();
    /// assert!(!barrier.broken());
    /// ```
    #[doc(alias = "asyncio.Barrier.reset")]
    pub fn reset(&self) {
        let mut wakes = WakeList::new();
        {
            let mut state = self.state.lock();
            let phase = if state.count > 0 {
                Phase::Resetting
            } else {
                Phase::Filling
            };
            state.set_phase(phase, &mut wakes);
        }
        wakes.wake_all();
    }

    /// Breaks the barrier: current and future `wait`s fail with
    /// [`BrokenBarrier`] until [`reset`](Barrier::reset).
    ///
    /// # Examples
    ///
    /// ```
    /// let barrier = hive::sync::Barrier::new(2);
    /// barrier.abort();
    /// assert!(barrier.broken());
    /// ```
    #[doc(alias = "asyncio.Barrier.abort")]
    pub fn abort(&self) {
        let mut wakes = WakeList::new();
        self.state.lock().set_phase(Phase::Broken, &mut wakes);
        wakes.wake_all();
    }

    /// The number of tasks needed to pass the barrier.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(hive::sync::Barrier::new(4).parties(), 4);
    /// ```
    #[doc(alias = "asyncio.Barrier.parties")]
    pub fn parties(&self) -> usize {
        self.parties
    }

    /// The number of tasks waiting while the barrier fills (0 otherwise).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(hive::sync::Barrier::new(2).n_waiting(), 0);
    /// ```
    #[doc(alias = "asyncio.Barrier.n_waiting")]
    pub fn n_waiting(&self) -> usize {
        let state = self.state.lock();
        match state.phase {
            Phase::Filling => state.count,
            _ => 0,
        }
    }

    /// Whether the barrier is broken (aborted and not reset since).
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!hive::sync::Barrier::new(2).broken());
    /// ```
    #[doc(alias = "asyncio.Barrier.broken")]
    pub fn broken(&self) -> bool {
        self.state.lock().phase == Phase::Broken
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.lock();
        f.debug_struct("Barrier")
            .field("parties", &self.parties)
            .field("phase", &state.phase)
            .field("count", &state.count)
            .finish()
    }
}

/// A task's presence inside `wait`: leaving (normally, by error or by being
/// dropped) lowers the count, and the last one out of a drain or a reset
/// starts the next round (asyncio's `finally: _exit()`).
struct Inside<'a>(&'a Barrier);

impl Drop for Inside<'_> {
    fn drop(&mut self) {
        let mut wakes = WakeList::new();
        {
            let mut state = self.0.state.lock();
            state.count -= 1;
            if state.count == 0 && matches!(state.phase, Phase::Draining | Phase::Resetting) {
                state.set_phase(Phase::Filling, &mut wakes);
            }
        }
        wakes.wake_all();
    }
}

/// Re-checks `check` under the state lock each time the phase changes, until
/// it returns `Some`.
struct PhaseChange<'a, F> {
    barrier: &'a Barrier,
    check: F,
    key: Option<WaiterKey>,
}

impl<'a, F> PhaseChange<'a, F> {
    fn new<R>(barrier: &'a Barrier, check: F) -> Self
    where
        F: FnMut(&mut State, &mut WakeList) -> Option<R>,
    {
        Self {
            barrier,
            check,
            key: None,
        }
    }
}

impl<F> Unpin for PhaseChange<'_, F> {}

impl<R, F: FnMut(&mut State, &mut WakeList) -> Option<R>> Future for PhaseChange<'_, F> {
    type Output = R;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<R> {
        let this = &mut *self;
        let mut wakes = WakeList::new();
        let result = {
            let mut state = this.barrier.state.lock();
            if let Some(key) = this.key {
                if state.waiters.poll(key, cx.waker()).is_pending() {
                    return Poll::Pending;
                }
                this.key = None;
            }
            let result = (this.check)(&mut state, &mut wakes);
            if result.is_none() {
                this.key = Some(state.waiters.push((), Some(cx.waker().clone())));
            }
            result
        };
        wakes.wake_all();
        result.map_or(Poll::Pending, Poll::Ready)
    }
}

impl<F> Drop for PhaseChange<'_, F> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            // Phase changes wake everyone: nothing to pass on.
            let _ = self.barrier.state.lock().waiters.cancel(key);
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::test_util::{counting_waker, poll_once};

    #[test]
    fn filling_then_draining_then_filling() {
        let barrier = Barrier::new(2);
        let (_, waker) = counting_waker();
        let mut a = Box::pin(barrier.wait());
        assert!(poll_once(&mut a, &waker).is_pending());
        assert_eq!(barrier.n_waiting(), 1);
        let mut b = Box::pin(barrier.wait());
        assert_eq!(poll_once(&mut b, &waker), Poll::Ready(Ok(1)));
        // `a` has not left yet: still draining, so a newcomer waits.
        assert_eq!(barrier.n_waiting(), 0);
        let mut c = Box::pin(barrier.wait());
        assert!(poll_once(&mut c, &waker).is_pending());
        assert_eq!(poll_once(&mut a, &waker), Poll::Ready(Ok(0)));
        // The drain is over: `c` arrives in the new round as index 0.
        assert!(poll_once(&mut c, &waker).is_pending());
        assert_eq!(barrier.n_waiting(), 1);
    }

    #[test]
    fn dropped_waiter_leaves_the_count() {
        let barrier = Barrier::new(2);
        let (_, waker) = counting_waker();
        let mut a = Box::pin(barrier.wait());
        assert!(poll_once(&mut a, &waker).is_pending());
        drop(a);
        assert_eq!(barrier.n_waiting(), 0);
    }

    #[test]
    fn reset_breaks_current_waiters_then_refills() {
        let barrier = Barrier::new(3);
        let (_, waker) = counting_waker();
        let mut a = Box::pin(barrier.wait());
        assert!(poll_once(&mut a, &waker).is_pending());
        barrier.reset();
        assert_eq!(poll_once(&mut a, &waker), Poll::Ready(Err(BrokenBarrier)));
        drop(a);
        assert!(!barrier.broken());
        assert_eq!(barrier.n_waiting(), 0);
        let mut b = Box::pin(barrier.wait());
        assert!(poll_once(&mut b, &waker).is_pending());
        assert_eq!(barrier.n_waiting(), 1);
    }
}
