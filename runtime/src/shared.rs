//! State shared by every loop of one runtime, and where wakes are routed.
//!
//! This is the scheduler layer (see `crate::scheduler`): the runtime's
//! loop table holds, for each loop, the part of it other threads touch
//! ([`LoopShared`]: its stealer, inbox, park state, timers, reactor
//! handle). The loop's thread-owned half (`event_loop::core`) sits above
//! and only reads this.

use crate::blocking::BlockingPool;
use crate::exception::{ExceptionContext, ExceptionHandler};
use crate::loom::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use crate::loom::sync::Mutex;
use crate::loop_id::LoopId;
use crate::metrics::LoopCounters;
use crate::reactor::{ReactorShared, RescueHandle, Watch};
use crate::registry::Registry;
use crate::scheduler::bell::Bell;
use crate::scheduler::idle::Idle;
use crate::scheduler::inbox::Inbox;
use crate::scheduler::parker::{DriverWaker, Parker};
use crate::scheduler::pinned::Pinned;
use crate::scheduler::queue::{Injector, Stealer};
use crate::task::raw::Notified;
use crate::task::TaskError;
use crate::time::store::Timers;
use std::time::{Duration, Instant};

/// Tunables, fixed when the runtime is built.
#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub(crate) debug: bool,
    pub(crate) slow_callback_duration: Duration,
    pub(crate) global_queue_interval: u32,
    pub(crate) event_interval: u32,
    pub(crate) coop_budget: u32,
    pub(crate) max_stealable_per_tick: u32,
    /// Tasks a loop may run from its LIFO slot in a row; 0 turns the slot off.
    pub(crate) lifo_polls_in_a_row: u32,
    /// Idle loops elect one watcher of every reactor (`reactor::watch`).
    pub(crate) idle_watcher: bool,
    /// A busy loop out of work yields once before it parks
    /// (`event_loop::yield_before_park`).
    pub(crate) yield_before_park: bool,
    /// The clock starts paused (`time::clock`).
    pub(crate) start_paused: bool,
}

pub(crate) struct Shared {
    pub(crate) injector: Injector<Notified>,
    pub(crate) loops: Box<[LoopShared]>,
    pub(crate) idle: Idle,
    /// Which idle loop watches every reactor (see `reactor::watch`).
    pub(crate) watch: Watch,
    pub(crate) registry: Registry,
    pub(crate) config: Config,
    pub(crate) blocking: BlockingPool,
    /// The runtime's time: real, or paused for tests (`time::clock`).
    pub(crate) clock: crate::time::clock::Clock,
    pub(crate) exception_handler: Mutex<ExceptionHandler>,
    #[cfg(not(loom))]
    pub(crate) signals: crate::signal::registry::RuntimeSignals,
    next_task_id: AtomicU64,
    /// References held by task cells and the loops' stocks of them
    /// (`scheduler::cell_refs`).
    pub(crate) cell_refs: AtomicUsize,
    next_io_loop: AtomicUsize,
    /// New tasks are cancelled at once (the runtime is shutting down).
    pub(crate) shutting_down: AtomicBool,
    /// Loops leave their run loop.
    stopping: AtomicBool,
    /// Loops leave their run loop once no task is live.
    stop_when_drained: AtomicBool,
    /// Zero of [`Shared::clock_nanos`].
    epoch: Instant,
}

/// The part of a loop any thread may touch.
pub(crate) struct LoopShared {
    pub(crate) stealer: Stealer<Notified>,
    /// Pinned work sent from other threads; moved into the worker's FIFO each tick.
    pub(crate) inbox: Inbox<Pinned>,
    pub(crate) parker: Parker<LoopWaker>,
    pub(crate) timers: Timers,
    pub(crate) reactor: ReactorShared,
    /// Lets a sibling take this loop's I/O events when it stops polling.
    pub(crate) rescue: RescueHandle,
    /// How many times this loop has polled its reactor (only it writes):
    /// a rescuer that sees the count unchanged for `STALL_NANOS` of its
    /// own clock takes this loop's events. A count, not a timestamp, so
    /// the poll itself reads no clock (that cost ~90 instructions per
    /// echoed message on the per-loop server, callgrind).
    pub(crate) io_polls: AtomicU64,
    pub(crate) counters: LoopCounters,
    pub(crate) thread: Mutex<Option<std::thread::ThreadId>>,
}

/// The two ways to wake a parked loop: through its reactor, or its bell.
pub(crate) struct LoopWaker {
    pub(crate) reactor: mio::Waker,
    pub(crate) bell: Bell,
}

impl DriverWaker for LoopWaker {
    fn wake(&self) {
        // A failed eventfd write means the counter is saturated, i.e. a wake
        // is already pending: nothing is lost by ignoring it.
        let _ = self.reactor.wake();
    }

    fn ring_bell(&self) {
        self.bell.ring();
    }
}

impl Shared {
    pub(crate) fn new(
        loops: Box<[LoopShared]>,
        watch: Watch,
        config: Config,
        blocking: BlockingPool,
        exception_handler: ExceptionHandler,
    ) -> Self {
        let n = loops.len();
        Shared {
            injector: Injector::new(),
            loops,
            idle: Idle::new(n),
            watch,
            registry: Registry::with_loops(n),
            clock: crate::time::clock::Clock::new(config.start_paused),
            config,
            blocking,
            exception_handler: Mutex::new(exception_handler),
            #[cfg(not(loom))]
            signals: Default::default(),
            next_task_id: AtomicU64::new(1),
            cell_refs: AtomicUsize::new(0),
            next_io_loop: AtomicUsize::new(0),
            shutting_down: AtomicBool::new(false),
            stopping: AtomicBool::new(false),
            stop_when_drained: AtomicBool::new(false),
            epoch: Instant::now(),
        }
    }

    /// Nanoseconds since the runtime was built: a clock that fits an atomic.
    pub(crate) fn clock_nanos(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    /// A task id for a spawn from a thread that is not one of this
    /// runtime's loops (a loop draws from its own block: `take_task_ids`).
    pub(crate) fn next_task_id(&self) -> u64 {
        self.take_task_ids(1)
    }

    /// Reserves `n` consecutive task ids; returns the first. Relaxed: ids
    /// need only be unique, and the counter publishes nothing.
    pub(crate) fn take_task_ids(&self, n: u64) -> u64 {
        self.next_task_id.fetch_add(n, Ordering::Relaxed)
    }

    /// Round-robin choice of a loop for work that has no loop of its own.
    pub(crate) fn next_io_loop(&self) -> usize {
        self.next_io_loop.fetch_add(1, Ordering::Relaxed) % self.loops.len()
    }

    pub(crate) fn loop_ids(&self) -> Vec<LoopId> {
        (0..self.loops.len()).map(LoopId).collect()
    }

    /// Every registered task (see `Registry::snapshot`). On one of this
    /// runtime's loops, that loop's journal is published first, so the
    /// caller sees what it spawned this tick.
    pub(crate) fn task_snapshot(&self) -> Vec<crate::task::raw::TaskRef> {
        crate::context::with_worker(|core| {
            if let Some(core) = core {
                if std::ptr::eq(crate::loom::sync::Arc::as_ptr(&core.shared), self) {
                    core.flush_registry();
                }
            }
        });
        self.registry.snapshot()
    }

    pub(crate) fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::Acquire)
    }

    pub(crate) fn begin_shutdown(&self) {
        self.shutting_down.store(true, Ordering::Release);
    }

    pub(crate) fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::Acquire)
            || (self.stop_when_drained.load(Ordering::Acquire) && self.registry.is_empty())
    }

    /// Lets the loops stop by themselves once every task has finished
    /// cancelling (used when shutdown cannot wait on this thread).
    pub(crate) fn stop_loops_when_drained(&self) {
        self.stop_when_drained.store(true, Ordering::Release);
        for index in 0..self.loops.len() {
            self.unpark(index);
        }
    }

    pub(crate) fn stop_loops(&self) {
        self.stopping.store(true, Ordering::Release);
        for index in 0..self.loops.len() {
            self.unpark(index);
        }
    }

    /// The runtime's own tasks, which the listings (`all_tasks`,
    /// `dump_tasks`) leave out (none under loom, whose builds have no
    /// signals).
    pub(crate) fn internal_tasks(&self) -> Vec<crate::task::TaskId> {
        #[cfg(not(loom))]
        return self.signals.internal_tasks();
        #[cfg(loom)]
        Vec::new()
    }

    /// Hands an error to the exception handler, which must not take the loop down.
    pub(crate) fn report(&self, context: ExceptionContext) {
        let handler = self.exception_handler.lock().clone();
        if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handler(context))).is_err() {
            tracing::error!(
                "the hive exception handler itself panicked; the error it was given is lost"
            );
        }
    }

    pub(crate) fn report_callback_panic(&self, index: usize, error: TaskError) {
        self.report(ExceptionContext {
            message: "exception in callback".into(),
            task_id: None,
            task_name: None,
            loop_id: Some(LoopId(index)),
            error,
            call_graph: None,
        });
    }
}
