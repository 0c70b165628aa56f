//! Parking: how a loop with nothing to run goes to sleep, and in which of
//! its sleep states (see the module docs of `crate::scheduler`).
//!
//! The loop's last step of a tick, so it lives with the loop: it composes
//! the scheduler's idle handshake (`scheduler::idle`) and park state
//! (`scheduler::parker`, `scheduler::bell`) with this loop's reactor, the
//! watcher role (`reactor::watch`) and its timers.

use super::core::LoopCore;
use std::time::{Duration, Instant};

impl LoopCore {
    /// Sleeps until there is work: in this loop's reactor when it is the
    /// only loop (or the platform has no root instance); else as the
    /// watcher of every reactor if no sibling is, or on the bell.
    pub(crate) fn park(&self) {
        // Every sleep is bounded by this loop's next timer: nobody else
        // fires its timers (a timer registered earlier from another thread
        // unparks it to shorten this).
        let timeout = self.next_timer_timeout();
        let shared = &*self.worker.shared;
        let state = self.worker.state();
        let watch = &shared.watch;
        let mut watched = false;
        // Two clock reads per sleep (vDSO, no syscall) against the yield
        // they may save: see `event_loop::yield_before_park`.
        let sleep_started = crate::task::age_clock::now_nanos();
        let parked = shared.idle.park_or_retry(
            self.worker.index,
            &mut self.worker.search.borrow_mut(),
            |was_last_searcher| self.has_work_anywhere(was_last_searcher),
            || {
                // A paused clock: no real-time bound (see `paused_timeout`).
                let timeout = if shared.clock.is_paused() {
                    self.paused_timeout()
                } else {
                    timeout
                };
                state.counters.parks.add(1);
                if !watch.is_enabled() {
                    state.parker.park(|| self.poll_events(timeout));
                } else if watch.role.try_claim(self.worker.index) {
                    state.counters.watch_parks.add(1);
                    // Claimed only now, inside the idle set and after the
                    // last re-check: so whenever every loop sleeps, one of
                    // them watches (`reactor::watch`'s argument). Released
                    // as soon as it wakes, so a busy loop never holds it.
                    watched = state
                        .parker
                        .park(|| watch.wait(timeout, &mut self.ready_loops.borrow_mut()));
                    watch.role.release(self.worker.index);
                } else {
                    state.counters.bell_parks.add(1);
                    state
                        .parker
                        .park_on_bell(|| state.parker.waker().bell.sleep(timeout));
                }
            },
        );
        // Events first: a sleep in the reactor (or the root) ended because
        // of them, and their tasks should run this coming tick.
        if parked {
            self.note_sleep(crate::task::age_clock::now_nanos().saturating_sub(sleep_started));
            // Slept: the spawn stamp is as old as the sleep.
            crate::task::age_clock::refresh_loop_stamp(true);
            self.dispatch_events();
            if watched {
                self.take_watched_events();
            }
        } else {
            // The re-check found work: any unpark that raced with it is
            // served already, so its NOTIFIED must not cut the next sleep.
            state.parker.clear_notification();
        }
    }

    /// The re-check between announcing idleness and sleeping: only the
    /// queues this loop may take from now (siblings' only as the last
    /// searcher, see `Idle::park_or_retry`), so a loop barred from stealing
    /// does not spin on work it cannot take.
    fn has_work_anywhere(&self, was_last_searcher: bool) -> bool {
        let shared = &*self.worker.shared;
        shared.is_stopping()
            || self.has_own_work()
            || !shared.injector.is_empty()
            || (was_last_searcher && shared.loops.iter().any(|l| !l.stealer.is_empty()))
    }

    /// How long to sleep while the runtime's clock is paused, where a real
    /// timeout means nothing: the last loop to go idle (every loop in the
    /// idle set, no queued work anywhere, nothing on the blocking pool, no
    /// timer already due) moves the clock to the earliest timer of any loop
    /// and wakes the loops it is due on (`time::clock`'s auto-advance). A
    /// loop with a due timer polls (zero); the others sleep until woken.
    fn paused_timeout(&self) -> Option<Duration> {
        let shared = &*self.worker.shared;
        if !shared.idle.all_idle()
            || !shared.injector.is_empty()
            || shared.blocking.has_work_in_flight()
        {
            return None;
        }
        let now = shared.clock.now();
        let mut earliest: Option<Instant> = None;
        for other in shared.loops.iter() {
            if other.inbox.is_pending() || !other.stealer.is_empty() {
                return None;
            }
            if let Some(deadline) = other.timers.lock().next_deadline() {
                earliest = Some(earliest.map_or(deadline, |e| e.min(deadline)));
            }
        }
        let earliest = earliest?;
        if earliest > now {
            shared.clock.advance_to(earliest);
        }
        self.worker
            .shared
            .wake_loops_with_due_timers(Some(self.worker.index));
        let mine = self.worker.state().timers.lock().next_deadline();
        if mine.is_some_and(|deadline| deadline <= shared.clock.now()) {
            Some(Duration::ZERO)
        } else {
            None
        }
    }
}
