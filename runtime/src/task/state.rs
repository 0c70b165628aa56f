//! The task cell's state word: every transition, in one place.
//!
//! One `AtomicUsize` holds six flags and a reference count:
//!
//! | bit      | name            | meaning                                                 |
//! |----------|-----------------|---------------------------------------------------------|
//! | 0        | `RUNNING`       | a loop is polling (or cancelling) the future, or it yielded and its queue entry keeps the turn |
//! | 1        | `SCHEDULED`     | the task sits in a run queue, or was woken while running |
//! | 2        | `COMPLETE`      | the output (or error) is stored; the future is gone     |
//! | 3        | `CANCELLED`     | cancellation was requested; the next run drops the future |
//! | 4        | `JOIN_INTEREST` | the `Task` handle is alive                              |
//! | 5        | `JOIN_WAKER`    | the handle stored a waker the completer must wake       |
//! | 6..      | refcount        | handle + registry + queue entry + every waker           |
//!
//! Transitions (each is a single compare-and-swap, so each is atomic):
//!
//! * **wake** (`transition_to_notified`): complete or already scheduled: nothing
//!   to do. Running: set `SCHEDULED` only; the runner re-queues the task when
//!   its poll returns, reusing its own reference. Idle: set `SCHEDULED` and
//!   add the reference the run queue will own; the caller submits the task.
//! * **cancel** (`transition_to_cancelled`): complete: nothing. Otherwise set
//!   `CANCELLED`, then behave as a wake, so an idle task is queued and a running
//!   or queued one sees the flag on its next run.
//! * **run** (`transition_to_running`): only the holder of a queue entry may
//!   call it. Clears `SCHEDULED`, sets `RUNNING`, and reports whether
//!   `CANCELLED` is set (then the runner drops the future instead of polling).
//!   An entry the runner queued again after a yield (`current::yield_to_loop`)
//!   finds `RUNNING` still set: it clears `SCHEDULED` if a wake or a cancel
//!   set it meanwhile, and otherwise changes nothing (no compare-and-swap).
//! * **yield** (no transition): a task that yields through its own waker
//!   returns `Pending` with the request noted on its thread; the runner puts
//!   its entry back in the queue with `RUNNING` set. Wakes and cancels
//!   meanwhile see `RUNNING` and only set flags, as during a poll: the
//!   queued entry is the task's one turn.
//! * **idle** (`transition_to_idle`): after `Poll::Pending`. Clears `RUNNING`;
//!   if `SCHEDULED` was set meanwhile, the runner re-queues its entry,
//!   otherwise the same compare-and-swap drops the entry's reference (one
//!   read-modify-write per idle poll, not two).
//! * **complete** (`transition_to_complete`): after the output is written
//!   (or dropped, when the handle was already gone: nobody can read it).
//!   Sets `COMPLETE`, clears `RUNNING` and `SCHEDULED`. What it saw decides
//!   what the runner still does: if `JOIN_INTEREST` was clear and the
//!   output was stored, the runner drops it (on the task's own loop); if
//!   `JOIN_WAKER` is set, the runner wakes the stored waker; then it drops
//!   its references. Otherwise nothing of the cell is left for the runner
//!   to touch, and its references (its entry's, and the registry's when
//!   the scheduler handed that back) go in the same compare-and-swap: a
//!   finished task costs one read-modify-write here, not two.
//! * **handle drop** (`drop_join_interest`): complete: the handle drops the
//!   output itself. Otherwise clear `JOIN_INTEREST` and `JOIN_WAKER` together,
//!   and the runner will drop the output when it completes.
//! * **join waker** (`set_join_waker` / `unset_join_waker`): the handle owns
//!   the waker slot while `JOIN_WAKER` is clear and the task is not complete;
//!   the runner owns it (read-only) once both `COMPLETE` and `JOIN_WAKER` are set.
//! * **references**: `ref_inc` / `ref_dec`; the cell is freed by whoever drops
//!   the last one.

use crate::loom::sync::atomic::{AtomicUsize, Ordering::*};

const RUNNING: usize = 1 << 0;
const SCHEDULED: usize = 1 << 1;
const COMPLETE: usize = 1 << 2;
const CANCELLED: usize = 1 << 3;
const JOIN_INTEREST: usize = 1 << 4;
const JOIN_WAKER: usize = 1 << 5;
const REF_SHIFT: usize = 6;
const REF_ONE: usize = 1 << REF_SHIFT;

/// The atomic state word of one task.
pub(crate) struct State(AtomicUsize);

/// A copy of the state word, read at one instant.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Snapshot(usize);

impl Snapshot {
    pub(crate) fn is_running(self) -> bool {
        self.0 & RUNNING != 0
    }
    pub(crate) fn is_scheduled(self) -> bool {
        self.0 & SCHEDULED != 0
    }
    pub(crate) fn is_complete(self) -> bool {
        self.0 & COMPLETE != 0
    }
    pub(crate) fn is_cancel_requested(self) -> bool {
        self.0 & CANCELLED != 0
    }
    pub(crate) fn has_join_interest(self) -> bool {
        self.0 & JOIN_INTEREST != 0
    }
    pub(crate) fn has_join_waker(self) -> bool {
        self.0 & JOIN_WAKER != 0
    }
    pub(crate) fn ref_count(self) -> usize {
        self.0 >> REF_SHIFT
    }
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("running", &self.is_running())
            .field("scheduled", &self.is_scheduled())
            .field("complete", &self.is_complete())
            .field("cancelled", &self.is_cancel_requested())
            .field("join_interest", &self.has_join_interest())
            .field("join_waker", &self.has_join_waker())
            .field("refs", &self.ref_count())
            .finish()
    }
}

/// What a wake asks of its caller.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Notify {
    /// Submit the task to a run queue: a new reference was taken for it.
    Submit,
    /// Nothing to queue (running, already queued, or complete).
    Nothing,
}

/// What a wake by value asks of its caller.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum NotifyByVal {
    /// Submit the task to a run queue: the waker's reference is the entry's.
    Submit,
    /// Nothing to queue; the waker's reference was dropped.
    Released,
    /// As `Released`, and it was the last: free the cell.
    ReleasedLast,
}

/// What a runner should do with the entry it popped.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Run {
    Poll,
    Cancel,
}

/// What a task handle that goes away must still do (`drop_join_interest`).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum HandleDrop {
    /// The task is complete: the handle drops the output, then its reference.
    Complete,
    /// Not complete, and a waker was stored: the handle empties the slot,
    /// then drops its reference.
    EmptyWakerSlot,
    /// Not complete, no waker: the transition dropped the reference too.
    Released,
    /// As `Released`, and that was the last reference: free the cell.
    ReleasedLast,
}

/// What a runner still does after `transition_to_complete`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Completed {
    /// Nothing: the transition dropped the runner's references.
    Released,
    /// As `Released`, and they were the last: free the cell.
    ReleasedLast,
    /// The handle is gone and the output was stored: the runner drops the
    /// output, then its references.
    DropOutput,
    /// The handle stored a waker: the runner wakes it, then drops its
    /// references.
    WakeJoiner,
}

/// What a runner does after a `Pending` poll.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Idle {
    /// Woken while running: put the entry back in a queue.
    Requeue,
    /// Nobody woke it: the transition dropped the entry's reference.
    Released,
    /// As `Released`, and that was the last reference: free the cell.
    ReleasedLast,
}

impl State {
    /// A new task: scheduled (its first queue entry), with a live handle, and
    /// `refs` references (handle, registry, queue entry).
    pub(crate) fn new(refs: usize) -> Self {
        State(AtomicUsize::new(
            SCHEDULED | JOIN_INTEREST | (refs * REF_ONE),
        ))
    }

    pub(crate) fn load(&self) -> Snapshot {
        // Acquire: a reader that sees COMPLETE (a handle checking for its
        // output) must also see the output the completer wrote before its
        // Release of the word.
        Snapshot(self.0.load(Acquire))
    }

    /// Applies `f` in a CAS loop; `f` returns the new word and a result, or
    /// `None` for "leave it as it is" with that result.
    fn update<R>(&self, mut f: impl FnMut(Snapshot) -> (Option<usize>, R)) -> R {
        // Acquire on every read of the word (the first load, a failed CAS):
        // `f` may decide from it to touch data another thread published
        // with its transition (the output behind COMPLETE, the join waker
        // behind JOIN_WAKER). Release on success: our own writes before the
        // transition (the output, the stored waker, the future dropped)
        // travel with it to whoever acquires the word next. Weak: a
        // spurious failure only costs another turn of this loop.
        let mut current = self.0.load(Acquire);
        loop {
            let (next, result) = f(Snapshot(current));
            let Some(next) = next else { return result };
            match self.0.compare_exchange_weak(current, next, AcqRel, Acquire) {
                Ok(_) => return result,
                Err(actual) => current = actual,
            }
        }
    }

    pub(crate) fn transition_to_notified(&self) -> Notify {
        self.update(|s| {
            if s.is_complete() || s.is_scheduled() {
                (None, Notify::Nothing)
            } else if s.is_running() {
                (Some(s.0 | SCHEDULED), Notify::Nothing)
            } else {
                (Some((s.0 | SCHEDULED) + REF_ONE), Notify::Submit)
            }
        })
    }

    /// A wake that consumes its waker (`Waker::wake`): as
    /// `transition_to_notified`, but the waker's reference is spent in the
    /// same step: it becomes the queue entry's when the task must be
    /// submitted, and is dropped otherwise (one read-modify-write where a
    /// wake by reference followed by `ref_dec` made two). AcqRel on
    /// success, as `ref_dec`, for the dropping cases.
    pub(crate) fn transition_to_notified_by_val(&self) -> NotifyByVal {
        self.update(|s| {
            debug_assert!(s.ref_count() >= 1);
            if s.is_complete() || s.is_scheduled() {
                let next = s.0 - REF_ONE;
                let notify = if Snapshot(next).ref_count() == 0 {
                    NotifyByVal::ReleasedLast
                } else {
                    NotifyByVal::Released
                };
                (Some(next), notify)
            } else if s.is_running() {
                // The runner holds a reference: this one is never the last.
                (Some((s.0 | SCHEDULED) - REF_ONE), NotifyByVal::Released)
            } else {
                (Some(s.0 | SCHEDULED), NotifyByVal::Submit)
            }
        })
    }

    pub(crate) fn transition_to_cancelled(&self) -> Notify {
        self.update(|s| {
            if s.is_complete() {
                (None, Notify::Nothing)
            } else if s.is_scheduled() || s.is_running() {
                (Some(s.0 | CANCELLED | SCHEDULED), Notify::Nothing)
            } else {
                (
                    Some((s.0 | CANCELLED | SCHEDULED) + REF_ONE),
                    Notify::Submit,
                )
            }
        })
    }

    pub(crate) fn transition_to_running(&self) -> Run {
        // Clearing SCHEDULED before the poll (not after) is what makes a
        // wake during the poll visible: it sets SCHEDULED again, and
        // `transition_to_idle` sees it and re-queues instead of releasing.
        self.update(|s| {
            debug_assert!(!s.is_complete());
            let run = if s.is_cancel_requested() {
                Run::Cancel
            } else {
                Run::Poll
            };
            if s.is_running() {
                // An entry queued by a yield kept RUNNING (`raw::run`): its
                // holder still owns the future. Nothing to change unless a
                // wake or a cancel came meanwhile and set SCHEDULED, which
                // is cleared as above (a wake after this load sets it again).
                if !s.is_scheduled() {
                    return (None, run);
                }
                return (Some(s.0 & !SCHEDULED), run);
            }
            debug_assert!(s.is_scheduled());
            (Some((s.0 & !SCHEDULED) | RUNNING), run)
        })
    }

    /// Clears `RUNNING` after a `Pending` poll. Not woken meanwhile: the
    /// runner's queue entry is done, and its reference goes in the same
    /// step (the success ordering, AcqRel, is `ref_dec`'s: Release for the
    /// poll's writes, Acquire for a runner that frees the cell).
    pub(crate) fn transition_to_idle(&self) -> Idle {
        self.update(|s| {
            debug_assert!(s.is_running() && s.ref_count() >= 1);
            if s.is_scheduled() {
                return (Some(s.0 & !RUNNING), Idle::Requeue);
            }
            let next = (s.0 & !RUNNING) - REF_ONE;
            let idle = if Snapshot(next).ref_count() == 0 {
                Idle::ReleasedLast
            } else {
                Idle::Released
            };
            (Some(next), idle)
        })
    }

    /// Publishes completion; `refs` is how many references the runner
    /// holds (its entry's, plus the registry's if handed back), and
    /// `output_stored` whether the stage holds an output (the runner drops
    /// it before this when it saw the handle gone). `cancelled` says
    /// whether the task ended by cancellation: `CANCELLED` stays set only
    /// then, so a completed task reports `is_cancelled` truthfully even if
    /// a cancel arrived during its last, successful poll.
    ///
    /// The success ordering, AcqRel, serves both halves: Release publishes
    /// the output to the handle (which loads the word with Acquire) and is
    /// `ref_dec`'s Release when the references go too; Acquire is for a
    /// runner that drops the last reference and frees the cell.
    pub(crate) fn transition_to_complete(
        &self,
        cancelled: bool,
        refs: usize,
        output_stored: bool,
    ) -> Completed {
        self.update(|s| {
            debug_assert!(s.is_running() && !s.is_complete() && s.ref_count() >= refs);
            let mut next = (s.0 & !(RUNNING | SCHEDULED)) | COMPLETE;
            if !cancelled {
                next &= !CANCELLED;
            }
            if s.has_join_waker() {
                // The waker is read after COMPLETE is public: the runner
                // keeps its references until it has woken it.
                return (Some(next), Completed::WakeJoiner);
            }
            if !s.has_join_interest() && output_stored {
                // The handle left after the runner looked: the output is
                // the runner's to drop, after COMPLETE says so.
                return (Some(next), Completed::DropOutput);
            }
            // Nothing left for the runner: the handle (if any) owns the
            // output from here, and holds a reference of its own.
            next -= refs * REF_ONE;
            let completed = if Snapshot(next).ref_count() == 0 {
                Completed::ReleasedLast
            } else {
                Completed::Released
            };
            (Some(next), completed)
        })
    }

    /// The handle is going away. Returns `true` if the task is complete, in
    /// which case the handle must drop the output itself.
    pub(crate) fn drop_join_interest(&self) -> HandleDrop {
        self.update(|s| {
            debug_assert!(s.has_join_interest());
            if s.is_complete() {
                (Some(s.0 & !JOIN_INTEREST), HandleDrop::Complete)
            } else if s.has_join_waker() {
                (
                    Some(s.0 & !(JOIN_INTEREST | JOIN_WAKER)),
                    HandleDrop::EmptyWakerSlot,
                )
            } else {
                // Nothing of the cell left to touch (a handle dropped before
                // it was ever awaited, as a detached spawn's is): its
                // reference goes in the same step, one read-modify-write
                // instead of two. AcqRel on success, as `ref_dec`.
                let next = (s.0 & !JOIN_INTEREST) - REF_ONE;
                let released = if Snapshot(next).ref_count() == 0 {
                    HandleDrop::ReleasedLast
                } else {
                    HandleDrop::Released
                };
                (Some(next), released)
            }
        })
    }

    /// The handle of a complete task, having dropped the output, goes
    /// away: clears `JOIN_INTEREST` and drops the handle's reference in one
    /// step (one read-modify-write where `drop_join_interest` and `ref_dec`
    /// were two). Returns `true` if that was the last reference.
    pub(crate) fn drop_complete_join_interest_and_ref(&self) -> bool {
        // Both bits are known set (COMPLETE is never cleared, and only the
        // handle clears JOIN_INTEREST), so subtracting them clears them.
        // AcqRel for the reference, as in `ref_dec`.
        let prev = Snapshot(self.0.fetch_sub(REF_ONE | JOIN_INTEREST, AcqRel));
        debug_assert!(prev.is_complete() && prev.has_join_interest() && prev.ref_count() >= 1);
        prev.ref_count() == 1
    }

    /// Publishes the waker the handle just wrote. `Err` if the task completed
    /// first (the runner will not read the slot; the output is ready).
    pub(crate) fn set_join_waker(&self) -> Result<(), Snapshot> {
        self.update(|s| {
            debug_assert!(s.has_join_interest() && !s.has_join_waker());
            if s.is_complete() {
                (None, Err(s))
            } else {
                (Some(s.0 | JOIN_WAKER), Ok(()))
            }
        })
    }

    /// Takes the slot back so the handle can replace its waker. `Err` if the
    /// task completed first.
    pub(crate) fn unset_join_waker(&self) -> Result<(), Snapshot> {
        self.update(|s| {
            debug_assert!(s.has_join_interest() && s.has_join_waker());
            if s.is_complete() {
                (None, Err(s))
            } else {
                (Some(s.0 & !JOIN_WAKER), Ok(()))
            }
        })
    }

    pub(crate) fn ref_inc(&self) {
        // Relaxed is enough: a new reference is always made from an existing
        // one, so the count cannot concurrently reach zero.
        let prev = self.0.fetch_add(REF_ONE, Relaxed);
        if prev > usize::MAX / 2 {
            std::process::abort(); // more clones than memory could hold: a leak loop
        }
    }

    /// Drops one reference; `true` if it was the last.
    pub(crate) fn ref_dec(&self) -> bool {
        // AcqRel: Release so every use of the cell through this reference
        // happens before the free; Acquire so the thread that drops the
        // last one (and frees) sees every other holder's uses (Arc's rule).
        let prev = Snapshot(self.0.fetch_sub(REF_ONE, AcqRel));
        debug_assert!(prev.ref_count() >= 1);
        prev.ref_count() == 1
    }

    /// Drops two references at once (the runner's and the registry's, at
    /// completion); `true` if they were the last. Orderings as `ref_dec`.
    pub(crate) fn ref_dec_twice(&self) -> bool {
        let prev = Snapshot(self.0.fetch_sub(2 * REF_ONE, AcqRel));
        debug_assert!(prev.ref_count() >= 2);
        prev.ref_count() == 2
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_new_task_is_scheduled_with_its_references() {
        let state = State::new(3);
        let s = state.load();
        assert!(s.is_scheduled() && s.has_join_interest() && !s.is_running());
        assert_eq!(s.ref_count(), 3);
    }

    #[test]
    fn a_wake_while_running_requeues_instead_of_submitting() {
        // The queue entry's reference and the handle's.
        let state = State::new(2);
        assert_eq!(state.transition_to_running(), Run::Poll);
        assert_eq!(state.transition_to_notified(), Notify::Nothing);
        assert_eq!(state.transition_to_idle(), Idle::Requeue);
        assert_eq!(state.transition_to_running(), Run::Poll);
        // Not woken: the entry's reference goes with the transition.
        assert_eq!(state.transition_to_idle(), Idle::Released);
        assert_eq!(state.load().ref_count(), 1);
        assert_eq!(state.transition_to_notified(), Notify::Submit);
        assert_eq!(state.load().ref_count(), 2);
    }

    #[test]
    fn an_idle_transition_that_drops_the_last_reference_says_so() {
        let state = State::new(1);
        state.transition_to_running();
        assert_eq!(state.transition_to_idle(), Idle::ReleasedLast);
    }

    #[test]
    fn a_wake_by_value_spends_the_wakers_reference_whatever_it_finds() {
        // Handle and runner; then a waker's reference.
        let state = State::new(2);
        state.transition_to_running();
        state.ref_inc();
        // Running: flagged for a requeue, the waker's reference dropped.
        assert_eq!(state.transition_to_notified_by_val(), NotifyByVal::Released);
        assert_eq!(state.load().ref_count(), 2);
        assert_eq!(state.transition_to_idle(), Idle::Requeue);
        state.transition_to_running();
        assert_eq!(state.transition_to_idle(), Idle::Released);
        // Idle: the waker's reference becomes the queue entry's.
        state.ref_inc();
        assert_eq!(state.transition_to_notified_by_val(), NotifyByVal::Submit);
        assert_eq!(state.load().ref_count(), 2);
        // Already queued: dropped.
        state.ref_inc();
        assert_eq!(state.transition_to_notified_by_val(), NotifyByVal::Released);
        assert_eq!(state.load().ref_count(), 2);
    }

    #[test]
    fn a_wake_by_value_of_a_finished_task_may_free_it() {
        // Handle and runner.
        let state = State::new(2);
        state.transition_to_running();
        assert_eq!(state.drop_join_interest(), HandleDrop::Released);
        state.ref_inc(); // a waker
        assert_eq!(
            state.transition_to_complete(false, 1, false),
            Completed::Released
        );
        assert_eq!(
            state.transition_to_notified_by_val(),
            NotifyByVal::ReleasedLast
        );
    }

    #[test]
    fn cancel_of_an_idle_task_submits_it_once() {
        let state = State::new(2);
        state.transition_to_running();
        state.transition_to_idle();
        assert_eq!(state.transition_to_cancelled(), Notify::Submit);
        assert_eq!(state.transition_to_cancelled(), Notify::Nothing);
        assert_eq!(state.transition_to_running(), Run::Cancel);
    }

    #[test]
    fn completion_after_the_handle_left_tells_the_runner_to_drop_the_output() {
        let state = State::new(2);
        state.transition_to_running();
        assert_eq!(state.drop_join_interest(), HandleDrop::Released);
        assert_eq!(
            state.load().ref_count(),
            1,
            "the handle's reference went with it"
        );
        assert_eq!(
            state.transition_to_complete(false, 1, true),
            Completed::DropOutput,
            "a stored output with no handle is the runner's to drop"
        );
        assert_eq!(
            state.load().ref_count(),
            1,
            "kept until the output is dropped"
        );
        assert_eq!(state.transition_to_notified(), Notify::Nothing);
    }

    #[test]
    fn join_waker_cannot_be_set_after_completion() {
        let state = State::new(2);
        state.transition_to_running();
        assert_eq!(
            state.transition_to_complete(false, 1, true),
            Completed::Released
        );
        assert_eq!(
            state.load().ref_count(),
            1,
            "the runner's went with the transition"
        );
        assert!(state.set_join_waker().is_err());
        assert_eq!(state.drop_join_interest(), HandleDrop::Complete);
    }

    #[test]
    fn completion_keeps_the_runners_references_while_a_join_waker_waits() {
        // Handle, registry, runner.
        let state = State::new(3);
        state.transition_to_running();
        assert!(state.set_join_waker().is_ok());
        assert_eq!(
            state.transition_to_complete(false, 2, true),
            Completed::WakeJoiner
        );
        assert_eq!(state.load().ref_count(), 3);
    }

    #[test]
    fn completion_of_a_detached_task_whose_output_was_dropped_frees_it() {
        // Registry and runner; the handle already went.
        let state = State::new(3);
        state.transition_to_running();
        assert_eq!(state.drop_join_interest(), HandleDrop::Released);
        assert_eq!(
            state.transition_to_complete(false, 2, false),
            Completed::ReleasedLast
        );
    }
}
