//! Parking: how a loop with nothing to run goes to sleep, and in which of
//! its sleep states (see the module docs of `crate::scheduler`).

use crate::event_loop::core::LoopCore;

impl LoopCore {
    /// Sleeps until there is work: in this loop's reactor when it is the
    /// only loop (or the platform has no root instance); else as the
    /// watcher of every reactor if no sibling is, or on the bell.
    pub(crate) fn park(&self) {
        // Every sleep is bounded by this loop's next timer: nobody else
        // fires its timers (a timer registered earlier from another thread
        // unparks it to shorten this).
        let timeout = self.next_timer_timeout();
        let shared = &*self.shared;
        let state = self.state();
        let watch = &shared.watch;
        let mut watched = false;
        let parked = shared.idle.park_or_retry(
            self.index,
            &mut self.search.borrow_mut(),
            |was_last_searcher| self.has_work_anywhere(was_last_searcher),
            || {
                state.counters.parks.add(1);
                if !watch.is_enabled() {
                    state.parker.park(|| self.poll_events(timeout));
                } else if watch.role.try_claim(self.index) {
                    // Claimed only now, inside the idle set and after the
                    // last re-check: so whenever every loop sleeps, one of
                    // them watches (`reactor::watch`'s argument). Released
                    // as soon as it wakes, so a busy loop never holds it.
                    watched = state
                        .parker
                        .park(|| watch.wait(timeout, &mut self.ready_loops.borrow_mut()));
                    watch.role.release(self.index);
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
        let shared = &*self.shared;
        shared.is_stopping()
            || self.has_own_work()
            || !shared.injector.is_empty()
            || (was_last_searcher && shared.loops.iter().any(|l| !l.stealer.is_empty()))
    }
}
