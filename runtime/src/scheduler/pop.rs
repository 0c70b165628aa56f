//! The pop side: where a loop finds its next stealable task.
//!
//! Order, each time the tick asks (`next_stealable`):
//! 1. the LIFO slot, at most `lifo_polls_in_a_row` times in a row;
//! 2. every `global_queue_interval`-th poll, the injector first, so that a
//!    loop whose local queue never empties still takes outside work;
//! 3. the local queue;
//! 4. a batch from the injector (half of it, up to the local queue's room);
//! 5. a steal of half of a random sibling's local queue, as a *searcher*
//!    (`idle.rs` caps searchers at half the loops).
//!
//! These are methods of the loop's [`Worker`] because it owns the state
//! (the slot, the streak, the local queue, the search token); the tick in
//! `event_loop::core` only calls `next_stealable`.

use crate::scheduler::worker::Worker;
use crate::task::raw::Notified;

impl Worker {
    /// Whether the LIFO slot holds a task (a read, where `take` + `set`
    /// would write twice on every scheduling decision).
    pub(crate) fn has_lifo_task(&self) -> bool {
        // SAFETY: a `Worker` is used only by its own thread and no
        // reference into the cell is alive across this read (the cell's
        // contents are only ever moved in and out by value).
        unsafe { (*self.lifo.as_ptr()).is_some() }
    }

    // `inline`: the tick calls it for every stealable task it runs; it
    // was inlined there while it was a method of the loop's core, and
    // without the hint that depends on how codegen splits the crate.
    #[inline]
    pub(crate) fn next_stealable(&self) -> Option<Notified> {
        if self.has_lifo_task() {
            let task = self.lifo.take()?;
            let streak = self.lifo_streak.get();
            if streak < self.shared.config.lifo_polls_in_a_row {
                self.lifo_streak.set(streak + 1);
                return Some(task);
            }
            self.end_lifo_streak(task);
        }
        // Any task from elsewhere ends the streak (a read first: this runs
        // on every pop, and the streak is usually already zero).
        if self.lifo_streak.get() != 0 {
            self.lifo_streak.set(0);
        }
        let shared = &*self.shared;
        let counters = &self.state().counters;
        // Injector first now and then, or a loop whose local queue never
        // empties would starve outside work (tokio's global_queue_interval).
        if self.polls.get() % u64::from(shared.config.global_queue_interval) == 0 {
            if let Some(task) = shared.injector.pop() {
                counters.injector_pulls.add(1);
                return Some(self.found_work(task));
            }
        }
        if let Some(task) = self.local.pop() {
            return Some(self.found_work(task));
        }
        // A batch, not one: the local queue is empty, and taking several at
        // once spares the injector's contended head and lets siblings steal
        // from us instead.
        if !shared.injector.is_empty() {
            if let Some(task) = shared.injector.pop_batch_into(&self.local) {
                counters.injector_pulls.add(1 + self.local.len() as u64);
                return Some(self.found_work(task));
            }
        }
        self.steal()
    }

    /// The slot's task has had its turns in a row: it waits behind the
    /// queue, where a sibling may take it.
    #[cold]
    fn end_lifo_streak(&self, task: Notified) {
        self.local.push(task);
        if self.local.len() > 1 {
            self.shared.notify_one();
        }
    }

    #[inline] // as next_stealable, which it is part of
    fn steal(&self) -> Option<Notified> {
        let shared = &*self.shared;
        let loops = shared.loops.len();
        if loops == 1
            || !shared
                .idle
                .try_start_searching(&mut self.search.borrow_mut())
        {
            return None;
        }
        let start = self.next_random() as usize % loops;
        for offset in 0..loops {
            let victim = (start + offset) % loops;
            if victim == self.index {
                continue;
            }
            let stealer = &shared.loops[victim].stealer;
            // Look before stealing: crossbeam's steal pins its epoch (a
            // thread-local handle and a fence, ~50 instructions) before it
            // learns the victim's queue is empty, as it mostly is.
            if stealer.is_empty() {
                continue;
            }
            let before = self.local.len();
            if let Some(task) = stealer.steal_half_into(&self.local) {
                let counters = &self.state().counters;
                counters.steals.add(1);
                counters
                    .stolen_tasks
                    .add(1 + (self.local.len() - before) as u64);
                return Some(self.found_work(task));
            }
        }
        None
    }

    /// A searcher that finds work stops searching; if it was the last one it
    /// wakes another loop, since there may be more work than it can take.
    fn found_work(&self, task: Notified) -> Notified {
        let last = self
            .shared
            .idle
            .stop_searching(&mut self.search.borrow_mut());
        if last {
            self.shared.notify_one();
        }
        task
    }

    pub(crate) fn next_random(&self) -> u32 {
        // xorshift32: cheap, and only spreads steal victims.
        let mut x = self.rng.get();
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.rng.set(x);
        x
    }
}
