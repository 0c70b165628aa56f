//! The push side: where a runnable task goes, and which loop is woken for it.
//!
//! See the module docs of `crate::scheduler` for the whole story; this file
//! is its first half (the loop's tick in `pop.rs` is the second).

use crate::context;
use crate::exception::ExceptionContext;
use crate::loom::sync::Arc;
use crate::loop_id::LoopId;
use crate::scheduler::pinned::Pinned;
use crate::shared::Shared;
use crate::task::raw::{Header, Notified, Schedule, TaskRef};
use crate::task::TaskError;

impl Shared {
    /// Wakes loop `index` (a syscall only if it sleeps).
    pub(crate) fn unpark(&self, index: usize) {
        let state = &self.loops[index];
        if state.parker.unpark() {
            state.counters.driver_wakes.add(1);
        }
    }

    /// Wakes one idle loop to look for stealable work, unless one is searching.
    pub(crate) fn notify_one(&self) {
        if let Some(index) = self.idle.loop_to_notify() {
            self.unpark(index);
        }
    }

    /// Whether a loop core belongs to this runtime (a loop of one runtime
    /// may wake a task of another, which must not land in its queues).
    fn is_own(&self, core_shared: &Arc<Shared>) -> bool {
        std::ptr::eq(Arc::as_ptr(core_shared), self)
    }

    /// Queues pinned work on loop `owner`: straight into its FIFO when called
    /// on that loop, else through its inbox plus an unpark.
    pub(crate) fn push_pinned(&self, owner: usize, item: Pinned) {
        let item = context::with_worker(|core| match core {
            Some(core) if core.index == owner && self.is_own(&core.shared) => {
                core.push_ready(item);
                None
            }
            _ => Some(item),
        });
        if let Some(item) = item {
            // The inbox mutex publishes the item; the unpark after it makes
            // the owner's next park return (or wakes it) so it drains the
            // inbox. Only the owner may run pinned work, so no notify rule:
            // it is always woken.
            self.loops[owner].inbox.push(item);
            self.unpark(owner);
        }
    }

    /// Queues a stealable task: on a loop of this runtime, into its LIFO
    /// slot (woken or spawned by the running task, it runs next) or, while
    /// the loop dispatches I/O or timers, into its local queue; elsewhere
    /// into the injector, waking an idle loop. Siblings may steal from the
    /// local queue, never the slot; an idle one is woken once a task waits
    /// behind the one that runs next.
    pub(crate) fn push_stealable(&self, task: Notified) {
        let task = context::with_worker(|core| match core {
            Some(core) if self.is_own(&core.shared) => {
                if core.dispatching.get() {
                    core.local.push(task);
                    core.deferred_notify.set(true);
                } else if self.config.lifo_polls_in_a_row == 0 {
                    core.local.push(task);
                    // A lone queued task is what this loop runs next.
                    if core.local.len() > 1 {
                        self.notify_one();
                    }
                } else if let Some(displaced) = core.lifo.replace(Some(task)) {
                    // The slot's task is what this loop runs next; a lone
                    // one is not worth waking a sibling for (an eventfd
                    // write and a futile steal). The displaced one is.
                    core.local.push(displaced);
                    self.notify_one();
                }
                None
            }
            _ => Some(task),
        });
        if let Some(task) = task {
            // Push before notify: `notify_one` may decide nobody needs
            // waking (a searcher exists), which is only sound if that
            // searcher can already see the task (`idle::loop_to_notify`).
            self.injector.push(task);
            self.notify_one();
        }
    }

    /// Queues a stealable task that woke itself while it ran (a yield or a
    /// spent budget) at the back of its loop's local queue, so that it
    /// lets the others run first; elsewhere as [`push_stealable`](Self::push_stealable).
    fn requeue_stealable(&self, task: Notified) {
        let task = context::with_worker(|core| match core {
            Some(core) if self.is_own(&core.shared) && !core.dispatching.get() => {
                core.local.push(task);
                if core.local.len() > 1 || core.has_lifo_task() {
                    self.notify_one();
                }
                None
            }
            _ => Some(task),
        });
        if let Some(task) = task {
            self.push_stealable(task);
        }
    }

    /// Wakes every loop (but `except`) with a timer due on the runtime's
    /// clock: after the paused clock moved (`time::advance`, auto-advance),
    /// loops asleep without a timeout must look at their timers.
    pub(crate) fn wake_loops_with_due_timers(&self, except: Option<usize>) {
        let now = self.clock.now();
        for (index, other) in self.loops.iter().enumerate() {
            if Some(index) == except {
                continue;
            }
            let due = other
                .timers
                .lock()
                .next_deadline()
                .is_some_and(|deadline| deadline <= now);
            if due {
                self.unpark(index);
            }
        }
    }
}

impl Schedule for Shared {
    fn schedule(&self, task: Notified) {
        match task.header().owner {
            Some(owner) => self.push_pinned(owner, Pinned::Task(task)),
            None => self.push_stealable(task),
        }
    }

    fn requeue(&self, task: Notified) {
        match task.header().owner {
            Some(owner) => self.push_pinned(owner, Pinned::Task(task)),
            None => self.requeue_stealable(task),
        }
    }

    fn release(&self, task: &Header) -> Option<TaskRef> {
        // On a loop of this runtime the removal goes into the loop's
        // journal (published in batches, `registry::journal`).
        let journaled = context::with_worker(|core| match core {
            Some(core) if self.is_own(&core.shared) => {
                Some(core.journal.borrow_mut().remove(&self.registry, task))
            }
            _ => None,
        });
        match journaled {
            // A task the journal never published: its reference goes back
            // to the runner, which drops it with its own in the completion's
            // compare-and-swap (after the journal's borrow ended).
            Some(unpublished) => unpublished,
            None => {
                self.registry.remove(task);
                None
            }
        }
    }

    fn unhandled(&self, task: &Header, error: TaskError) {
        self.report(ExceptionContext {
            message: "Task exception was never retrieved".into(),
            task_id: Some(task.id),
            task_name: Some(task.name()),
            loop_id: task
                .owner
                .map(LoopId)
                .or_else(|| context::with_worker(|w| w.map(|w| LoopId(w.index)))),
            error,
            call_graph: self
                .config
                .debug
                .then(|| crate::call_graph::describe(self, task)),
        });
    }
}
