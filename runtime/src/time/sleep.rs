//! `sleep` and `sleep_until`.

use super::store::{TimerAction, TimerKey};
use crate::event_loop::Loop as LoopRef;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// Waits for `duration` (asyncio's `sleep`).
///
/// The timer lives on the loop that first polls it. A zero duration still
/// yields once, like `asyncio.sleep(0)`; prefer [`yield_now`](crate::yield_now)
/// to say that.
///
/// # Panics
/// When polled outside a hive runtime.
///
/// ```
/// # hive::run(async {
/// let start = std::time::Instant::now();
/// hive::sleep(std::time::Duration::from_millis(20)).await;
/// assert!(start.elapsed() >= std::time::Duration::from_millis(20));
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.sleep")]
pub fn sleep(duration: Duration) -> Sleep {
    sleep_until(super::current::now() + duration)
}

/// Waits until `deadline`.
///
/// ```
/// # hive::run(async {
/// let deadline = std::time::Instant::now() + std::time::Duration::from_millis(5);
/// hive::sleep_until(deadline).await;
/// assert!(std::time::Instant::now() >= deadline);
/// # }).unwrap();
/// ```
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep {
        deadline,
        entry: None,
        registered: None,
        state: SleepState::New,
    }
}

/// The future returned by [`sleep`] and [`sleep_until`].
///
/// ```
/// # hive::run(async {
/// let mut nap = std::pin::pin!(hive::sleep(std::time::Duration::from_secs(60)));
/// nap.as_mut().reset(std::time::Instant::now());
/// nap.await;
/// # }).unwrap();
/// ```
#[must_use = "a Sleep does nothing unless awaited"]
pub struct Sleep {
    deadline: Instant,
    entry: Option<(LoopRef, TimerKey)>,
    /// The waker the store holds for this sleep: a poll by the same task
    /// before the deadline need not lock the store to learn nothing.
    registered: Option<Waker>,
    state: SleepState,
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum SleepState {
    New,
    Registered,
    Fired,
}

impl Sleep {
    /// When this sleep ends.
    ///
    /// ```
    /// let deadline = std::time::Instant::now();
    /// assert_eq!(hive::sleep_until(deadline).deadline(), deadline);
    /// ```
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Whether the deadline has passed (the timer fired or is due).
    ///
    /// ```
    /// assert!(hive::sleep(std::time::Duration::ZERO).is_elapsed());
    /// ```
    pub fn is_elapsed(&self) -> bool {
        self.state == SleepState::Fired || super::current::now() >= self.deadline
    }

    /// Moves the deadline (earlier or later), re-arming a fired sleep.
    ///
    /// Moved later before it fired, the sleep keeps its stored timer and
    /// may wake the task once at the old deadline (as tokio's does); a
    /// poll then stores the new one. So poll it on every wake: a caller
    /// that polls it only once [`deadline`](Self::deadline) has passed
    /// would take that early wake for another and never see the timer
    /// again (make a new sleep with [`sleep_until`] instead).
    ///
    /// ```
    /// # hive::run(async {
    /// let mut nap = Box::pin(hive::sleep(std::time::Duration::from_secs(3600)));
    /// nap.as_mut().reset(std::time::Instant::now() + std::time::Duration::from_millis(1));
    /// nap.await;
    /// # }).unwrap();
    /// ```
    pub fn reset(self: Pin<&mut Self>, deadline: Instant) {
        let this = self.get_mut();
        this.deadline = deadline;
        let stored_earlier = matches!(&this.entry, Some((_, key)) if key.deadline <= deadline);
        if this.state == SleepState::Registered && stored_earlier {
            // Moved later: the stored entry stays, and when it fires, the
            // next poll stores the new deadline instead of completing
            // (tokio's timer does the same). A deadline pushed back on
            // every event (hyper's per-request header timer, an idle
            // timer) then costs no store operation per push; the price is
            // one early wake per stored deadline that is reached.
            return;
        }
        this.cancel_timer();
        this.state = SleepState::New;
    }

    /// Stores this sleep's deadline in `lp`'s timers, to wake `cx`'s task.
    fn register(&mut self, lp: LoopRef, cx: &Context<'_>) {
        let waker = cx.waker().clone();
        let (key, first) = {
            let mut store = lp.timers().lock();
            let key = store.insert(self.deadline, TimerAction::Wake(Some(waker.clone())));
            (key, store.is_first(key))
        };
        if first && !lp.is_current() {
            lp.unpark(); // the owner must recompute how long it sleeps
        }
        self.registered = Some(waker);
        self.entry = Some((lp, key));
        self.state = SleepState::Registered;
    }

    fn cancel_timer(&mut self) {
        self.registered = None;
        if let Some((lp, key)) = self.entry.take() {
            if self.state == SleepState::Registered {
                let removed = lp.timers().lock().remove(key);
                drop(removed);
            }
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        if this.state == SleepState::Fired {
            return Poll::Ready(());
        }
        let coop = std::task::ready!(crate::coop::poll_proceed(cx));
        let Some((lp, key)) = &this.entry else {
            this.register(LoopRef::for_timers(), cx);
            return Poll::Pending;
        };
        // The loop fires a timer only once its clock reaches the stored
        // deadline, so before it the entry is still there; with the same
        // waker registered there is nothing to update. (Every poll of
        // hyper's per-request header timer and of a connection's idle
        // timer takes this path.)
        let same_task = this
            .registered
            .as_ref()
            .is_some_and(|w| w.will_wake(cx.waker()));
        let now = super::current::now();
        if same_task && now < key.deadline {
            return Poll::Pending;
        }
        let mut store = lp.timers().lock();
        match store.get_mut(*key) {
            Some(TimerAction::Wake(waker)) => {
                if !same_task {
                    let waker_now = cx.waker().clone();
                    waker.replace(waker_now.clone());
                    this.registered = Some(waker_now);
                }
                Poll::Pending
            }
            // Fired, at a deadline `reset` has since moved later.
            _ if now < this.deadline => {
                drop(store);
                if let Some((lp, _)) = this.entry.take() {
                    this.register(lp, cx);
                }
                Poll::Pending
            }
            _ => {
                drop(store);
                this.state = SleepState::Fired;
                coop.made_progress();
                Poll::Ready(())
            }
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.cancel_timer();
    }
}

impl std::fmt::Debug for Sleep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline)
            .finish()
    }
}
