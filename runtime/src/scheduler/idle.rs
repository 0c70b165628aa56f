//! The idle-loop set and the searching protocol.
//!
//! A loop that runs out of work becomes a *searcher* (at most half the loops
//! search at once), tries to steal, and only then parks. A spawner wakes an
//! idle loop only when no loop is searching: a searcher is bound to find the
//! new work, because the last searcher to give up re-checks every queue after
//! it stops counting itself (the SeqCst order of the counter and the queue
//! pushes makes one of the two sides see the other).
//!
//! [`Idle::park_or_retry`] is the loop's side of the handshake; the loom model
//! `runtime_park.rs` runs this very function against a spawning thread.

use crate::loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use crate::loom::sync::Mutex;

/// The shared idle set of one runtime.
pub struct Idle {
    num_searching: AtomicUsize,
    num_sleepers: AtomicUsize,
    sleepers: Mutex<Vec<usize>>,
    num_loops: usize,
}

/// What a loop's search state is: counted in `num_searching` or not.
#[derive(Debug, Default)]
pub struct SearchState {
    pub searching: bool,
}

impl Idle {
    pub fn new(num_loops: usize) -> Self {
        Idle {
            num_searching: AtomicUsize::new(0),
            num_sleepers: AtomicUsize::new(0),
            sleepers: Mutex::new(Vec::with_capacity(num_loops)),
            num_loops,
        }
    }

    /// Picks a sleeping loop to wake for new stealable work, if one should be
    /// woken: none when a searcher exists or nobody sleeps. The chosen loop is
    /// counted as searching before it wakes.
    pub fn loop_to_notify(&self) -> Option<usize> {
        // The caller pushed its task before this call. SeqCst orders that
        // push before these loads and, on the parking side, the searcher's
        // decrement before its re-check of the queues: whichever comes
        // second in the total order sees the other (the task, or a zero
        // count). The unlocked check keeps the common case (a searcher
        // exists, or nobody sleeps) free of the mutex.
        if self.num_searching.load(SeqCst) != 0 || self.num_sleepers.load(SeqCst) == 0 {
            return None;
        }
        let mut sleepers = self.sleepers.lock();
        // Again under the lock: another spawner may have chosen a loop (and
        // counted it as searching) since the check above; one wake is enough.
        if self.num_searching.load(SeqCst) != 0 {
            return None;
        }
        let chosen = sleepers.pop()?;
        self.num_sleepers.fetch_sub(1, SeqCst);
        self.num_searching.fetch_add(1, SeqCst);
        Some(chosen)
    }

    /// Whether every loop is in the idle set (a paused clock may then jump
    /// to the next timer, `event_loop::park`).
    pub fn all_idle(&self) -> bool {
        self.num_sleepers.load(SeqCst) == self.num_loops
    }

    /// How many loops are in the idle set (asleep or about to be).
    pub fn sleepers(&self) -> usize {
        self.num_sleepers.load(SeqCst)
    }

    /// Whether any loop is in the idle set (asleep or about to be).
    pub fn has_sleepers(&self) -> bool {
        self.num_sleepers.load(SeqCst) != 0
    }

    /// Tries to start searching; fails when half the loops already search.
    pub fn try_start_searching(&self, me: &mut SearchState) -> bool {
        if me.searching {
            return true;
        }
        // Load-then-add is not atomic, so the cap can be overshot by racing
        // loops; it only limits contention on the victims, so that is fine.
        let current = self.num_searching.load(SeqCst);
        if 2 * current >= self.num_loops.max(2) {
            return false;
        }
        self.num_searching.fetch_add(1, SeqCst);
        me.searching = true;
        true
    }

    /// Stops searching because work was found. Returns `true` if this was
    /// the last searcher, in which case the caller should wake another loop
    /// (there may be more work than one loop can take).
    pub fn stop_searching(&self, me: &mut SearchState) -> bool {
        if !me.searching {
            return false;
        }
        me.searching = false;
        self.num_searching.fetch_sub(1, SeqCst) == 1
    }

    fn remove_sleeper(&self, me: usize) -> bool {
        let mut sleepers = self.sleepers.lock();
        match sleepers.iter().position(|&i| i == me) {
            Some(pos) => {
                sleepers.swap_remove(pos);
                self.num_sleepers.fetch_sub(1, SeqCst);
                true
            }
            None => false,
        }
    }

    /// The loop's way to sleep: announce itself idle, stop searching, re-check
    /// the queues (`has_work`), and only then `park`. Returns whether it parked.
    ///
    /// `has_work` gets `true` when this loop was the last searcher: it must
    /// then also look at its siblings' queues, because spawners skipped waking
    /// anyone while it searched. Other loops re-check only the queues they can
    /// take from without searching (so a loop barred from stealing never spins).
    ///
    /// After waking it leaves the idle set; if a spawner had already taken it
    /// out (`loop_to_notify`), it was counted as a searcher and is one now.
    pub fn park_or_retry(
        &self,
        me: usize,
        search: &mut SearchState,
        has_work: impl FnOnce(bool) -> bool,
        park: impl FnOnce(),
    ) -> bool {
        // Announce first, then stop searching, then look: a spawner that
        // pushes after our look reads `num_sleepers != 0` and
        // `num_searching == 0` (both stored before the look, SeqCst), so it
        // wakes someone; one that pushed before is seen by the look.
        {
            let mut sleepers = self.sleepers.lock();
            sleepers.push(me);
            self.num_sleepers.fetch_add(1, SeqCst);
        }
        let was_last_searcher = search.searching && {
            search.searching = false;
            self.num_searching.fetch_sub(1, SeqCst) == 1
        };
        let parked = if has_work(was_last_searcher) {
            false
        } else {
            park();
            true
        };
        if !self.remove_sleeper(me) {
            // A spawner chose us and counted us as searching.
            search.searching = true;
        }
        parked
    }
}
