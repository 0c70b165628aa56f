//! hive's runtime: a pool of per-thread event loops sharing a work-stealing
//! injector, with asyncio's programming model.
//!
//! Use it through the `hive` facade crate; the docs there give the tour.
//! The architecture is described in the modules that implement it:
//! `scheduler` (where tasks go, the idle protocol, how loops sleep and who
//! wakes them), `reactor` (the three routes by which readiness reaches a
//! task), `event_loop::core` (the tick) and `task::state` (the cell's state
//! machine).
//!
//! The modules are layered; each imports only those before it:
//! 1. ground: `task` (which knows nothing of the runtime), the loom shim,
//!    ids, errors, and the pieces of a runtime's state (queues, idle set,
//!    park state, timer store, clock, reactor slab, blocking pool, registry);
//! 2. the scheduler: `scheduler`, `shared` (the runtime's state, each
//!    loop's shared half) and `context` (which loop or runtime this thread is);
//! 3. the loop: `event_loop` (the tick, parking, `Loop`), and the public
//!    functions that find the current runtime (`to_thread`, `time`, `signal`);
//! 4. `Runtime`, `Builder`, `run`.

// The internals the loom models reach are documented where they are
// defined, not as public API.
#![cfg_attr(loom, allow(missing_docs))]

mod blocking;
mod builder;
mod call_graph;
mod combinators;
mod context;
pub mod contextvars;
mod coop;
mod error;
mod event_loop;
mod exception;
mod loom;
mod loop_id;
mod metrics;
mod reactor;
mod registry;
mod runner;
mod runtime;
mod scheduler;
mod shared;
#[cfg(not(loom))]
pub mod signal;
pub mod task;
pub mod time;
mod to_thread;
mod yield_now;

pub use blocking::Blocking;
pub use builder::Builder;
pub use call_graph::{
    capture_call_graph, dump_tasks, format_call_graph, print_call_graph, AwaitKind, CallGraph,
    CallGraphNode, TaskDump, TaskState,
};
pub use combinators::as_completed::{as_completed, as_completed_timeout, AsCompleted};
pub use combinators::gather::{
    gather_all, gather_all_results, Gather, GatherAll, GatherAllResults, GatherResults,
};
pub use combinators::promise::{InvalidState, Promise, PromiseError};
pub use combinators::shield::{shield, Shield};
pub use combinators::task_group::{
    task_group, ChildFailed, ChildTask, Failure, FailureKind, TaskGroup, TaskGroupError,
    TaskGroupHandle,
};
pub use combinators::wait::{wait, ReturnWhen};
pub use error::{NoRunningLoop, RunError, SpawnError};
pub use event_loop::callback::{Handle, TimerHandle};
pub use event_loop::{current_loop_id, get_running_loop, loop_ids, Loop, LoopId};
pub use exception::{default_exception_handler, ExceptionContext};
pub use metrics::{LoopMetrics, RuntimeMetrics};
pub use reactor::{IoSource, ReadyEvent};
pub use runner::{run, run_local};
pub use runtime::{Runtime, ShutdownReport};
pub use task::{
    all_tasks, current_task, spawn, spawn_local, spawn_on_loop, spawn_on_loop_with,
    BlockingJoinError, Task, TaskError, TaskId, TaskInfo,
};
pub use time::{sleep, sleep_until, timeout, timeout_at, Elapsed, Sleep, Timeout, TimeoutHandle};
pub use to_thread::to_thread;
pub use yield_now::{yield_now, YieldNow};

/// mio, re-exported: [`IoSource`] registers `mio::event::Source`s.
pub use mio;

/// What the `gather!` macros expand to; not public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::combinators::gather::{GatherSlots, Slot};
}

/// Internals the loom models in `hive-loom-tests` drive directly.
#[cfg(loom)]
#[doc(hidden)]
pub mod __loom {
    pub use crate::blocking::{Blocking, BlockingPool};
    pub use crate::combinators::group_state::{ChildEnd, GroupChild, GroupCore, Outcome, Refused};
    pub use crate::reactor::WatchRole;
    pub use crate::registry::journal::Journal;
    pub use crate::registry::Registry;
    pub use crate::scheduler::bell::Bell;
    pub use crate::scheduler::cell_refs::{acquire, release, CountsCells, LocalCellRefs};
    pub use crate::scheduler::idle::{Idle, SearchState};
    pub use crate::scheduler::inbox::Inbox;
    pub use crate::scheduler::parker::{DriverWaker, Parker};
    pub use crate::scheduler::queue::{Injector, Local, Stealer};
    pub use crate::task::raw::{new_task, Header, Notified, RawTask, Schedule, Spawn, TaskRef};
    pub use crate::task::{Task, TaskError, TaskId};

    /// Wraps a handle reference from [`new_task`] in a typed `Task`.
    ///
    /// # Safety
    /// `raw` must be the handle reference of a task whose output is `T`.
    pub unsafe fn task_handle<T>(raw: RawTask) -> Task<T> {
        Task::from_raw(raw)
    }

    /// Runs `task` as a loop does: marked as this thread's current task,
    /// so that a yield through its own waker takes the loop's short path
    /// (`yield_to_loop`).
    pub fn run_as_current(task: Notified) {
        // SAFETY: `task`'s queue-entry reference keeps the cell alive while
        // `run` polls it; the previous value is restored right after.
        let previous = unsafe { crate::task::current::set_current_task(Some(task.as_ptr())) };
        task.run();
        // SAFETY: restores what was current before.
        unsafe { crate::task::current::set_current_task(previous) };
    }

    /// What `yield_now` and a spent budget do with the polling task's waker.
    pub fn yield_to_loop(waker: &std::task::Waker) {
        crate::task::current::yield_to_loop(waker)
    }

    /// A task id for models (ids need no runtime).
    pub fn task_id(n: u64) -> TaskId {
        TaskId(n)
    }
}
