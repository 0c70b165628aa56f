//! The thread-owned half of a loop and its tick (asyncio's `_run_once`).
//!
//! One tick (`run_once`), in this order:
//! 1. fire expired timers (wakers wake; `call_later` callbacks join the
//!    pinned FIFO);
//! 2. move the inbox (pinned work from other threads) into the FIFO, then run
//!    exactly the pinned work that is queued now: work queued during the tick
//!    runs next tick, as in asyncio;
//! 3. run up to `max_stealable_per_tick` (61) stealable tasks, in the order
//!    `crate::scheduler::pop` gives them (LIFO slot, local queue, injector,
//!    a steal);
//! 4. if this loop still has work: every `event_interval` (61) polls, poll
//!    the reactor with a zero timeout and dispatch its events, look at the
//!    root instance for sleeping siblings when nobody watches, and look for
//!    a stalled sibling to rescue. With no work: rescue a stalled sibling
//!    if there is one, else, if the last sleep was short and such yields
//!    have been paying, yield the core once and poll the reactor
//!    (`event_loop::yield_before_park`), else (or if that found nothing)
//!    park (`event_loop::park`).
//!
//! The scheduling decisions live in `crate::scheduler`, the readiness routes
//! in `crate::reactor`'s module docs; this file runs tasks and callbacks and
//! does the loop's I/O.

use crate::context;
use crate::coop;
use crate::loom::sync::atomic::Ordering;
use crate::loom::sync::Arc;
use crate::reactor::{Harvest, ReadyLoops, RescueHandle, WAKE_TOKEN};
use crate::scheduler::pinned::{Callback, Pinned};
use crate::scheduler::queue::Local;
use crate::scheduler::worker::Worker;
use crate::shared::Shared;
use crate::task::raw::{Header, Notified, TaskRef};
use crate::task::TaskError;
use crate::time::store::TimerAction;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

/// How long a loop may go without polling its reactor before a sibling
/// takes its ready events: long enough that a busy loop is left alone, short
/// against an OS time slice (milliseconds) that a descheduled loop loses.
const STALL_NANOS: u64 = 200_000;

/// How often a loop looks for a stalled sibling (each look may cost one
/// `epoll_wait` with a zero timeout).
const RESCUE_INTERVAL_NANOS: u64 = 100_000;

/// Everything only the loop's own thread touches: its scheduling half
/// (`scheduler::worker`), its reactor and its timers' firing.
pub(crate) struct LoopCore {
    pub(crate) worker: Worker,
    polls_since_io: Cell<u32>,
    poll: RefCell<mio::Poll>,
    events: RefCell<mio::Events>,
    have_events: Cell<bool>,
    harvest: RefCell<Harvest>,
    /// Loops the root instance reported ready while this loop watched.
    pub(crate) ready_loops: RefCell<ReadyLoops>,
    /// `Shared::clock_nanos` before which this loop does not look for
    /// stalled siblings again.
    next_rescue_at: Cell<u64>,
    /// This loop's reactor polls so far (published as `io_polls`).
    io_polls: Cell<u64>,
    /// Per sibling: the poll count this loop last saw, and when it first
    /// saw that count (`Shared::clock_nanos`).
    sibling_polls: RefCell<Vec<(u64, u64)>>,
    fired: RefCell<Vec<TimerAction>>,
    /// Whether this loop's last sleep in `park` was short
    /// (`event_loop::yield_before_park`).
    pub(crate) last_sleep_was_short: Cell<bool>,
    /// Whether this loop's recent yields before parking paid off
    /// (`event_loop::yield_before_park`).
    pub(crate) yield_credit: super::yield_before_park::YieldCredit,
}

impl LoopCore {
    pub(crate) fn new(
        index: usize,
        shared: Arc<Shared>,
        local: Local<Notified>,
        poll: mio::Poll,
    ) -> Self {
        LoopCore {
            worker: Worker::new(index, shared, local),
            polls_since_io: Cell::new(0),
            poll: RefCell::new(poll),
            events: RefCell::new(mio::Events::with_capacity(1024)),
            have_events: Cell::new(false),
            harvest: RefCell::new(Harvest::new()),
            ready_loops: RefCell::new(ReadyLoops::new()),
            next_rescue_at: Cell::new(0),
            io_polls: Cell::new(0),
            sibling_polls: RefCell::new(Vec::new()),
            fired: RefCell::new(Vec::new()),
            last_sleep_was_short: Cell::new(false),
            yield_credit: Default::default(),
        }
    }

    /// The loop thread's body: ticks until the runtime stops it.
    pub(crate) fn run(&self) {
        let _entered = context::enter_worker(&self.worker);
        *self.worker.state().thread.lock() = Some(std::thread::current().id());
        tracing::debug!(loop_id = self.worker.index, "hive loop started");
        while !self.worker.shared.is_stopping() {
            self.run_once();
        }
        self.drain_on_exit();
        tracing::debug!(loop_id = self.worker.index, "hive loop stopped");
    }

    fn run_once(&self) {
        self.fire_timers();
        self.drain_inbox();
        let pinned = self.worker.ready.borrow().len();
        for _ in 0..pinned {
            let item = self.worker.ready.borrow_mut().pop_front();
            match item {
                Some(Pinned::Task(task)) => self.run_task(task),
                Some(Pinned::Callback(callback)) => self.run_callback(callback),
                Some(Pinned::Start(task)) => self.worker.local.push(task),
                None => break,
            }
        }
        for _ in 0..self.worker.shared.config.max_stealable_per_tick {
            match self.worker.next_stealable() {
                Some(task) => self.run_task(task),
                None => break,
            }
        }
        if self.has_own_work() {
            self.worker.end_tick();
            if self.polls_since_io.get() >= self.worker.shared.config.event_interval {
                self.poll_events(Some(Duration::ZERO));
                self.dispatch_events();
                self.watch_for_sleepers();
                self.rescue_stalled_loop();
            }
        } else {
            // Before this loop may sleep, the registry's readers see what
            // it spawned and finished (`registry::journal`).
            self.worker.flush_registry();
            if !self.rescue_stalled_loop() && !self.yield_before_park() {
                self.park();
            }
        }
    }

    pub(crate) fn has_own_work(&self) -> bool {
        !self.worker.ready.borrow().is_empty()
            || self.worker.has_lifo_task()
            || !self.worker.local.is_empty()
            || self.worker.state().inbox.is_pending()
    }

    fn drain_inbox(&self) {
        self.worker
            .state()
            .inbox
            .drain_into(&mut self.worker.ready.borrow_mut());
    }

    // ---- running work --------------------------------------------------------

    fn run_task(&self, task: Notified) {
        let _ = self
            .worker
            .shared
            .idle
            .stop_searching(&mut self.worker.search.borrow_mut());
        self.worker.polls.set(self.worker.polls.get() + 1);
        self.polls_since_io.set(self.polls_since_io.get() + 1);
        self.worker.state().counters.polls.add(1);
        let header = task.header();
        // SAFETY: `task`'s queue-entry reference keeps the cell alive while
        // `task.run()` polls it, the only code that may read the pointer;
        // the previous value is restored right after the poll.
        let previous = unsafe { context::set_current_task(Some(task.as_ptr())) };
        let span = tracing::trace_span!("task", task.id = header.id.0, task.name = %TaskName(header), loop_id = self.worker.index);
        let _span = span.enter();
        let budget = self.worker.shared.config.coop_budget;
        if self.worker.shared.config.debug {
            // SAFETY: the queue entry `task` keeps the cell alive; its pointer
            // carries the allocation's provenance.
            let task_ref = unsafe { TaskRef::clone_from_ptr(task.as_ptr()) };
            let started = Instant::now();
            coop::with_budget(budget, || task.run());
            self.warn_if_slow(started.elapsed(), task_ref.header());
        } else {
            coop::with_budget(budget, || task.run());
        }
        // SAFETY: restores what was current before (a task still being
        // polled further up this thread's stack, or none).
        unsafe { context::set_current_task(previous) };
    }

    fn warn_if_slow(&self, took: Duration, header: &Header) {
        if took >= self.worker.shared.config.slow_callback_duration {
            tracing::warn!(
                task.id = header.id.0,
                task.name = %TaskName(header),
                loop_id = self.worker.index,
                call_graph = %crate::call_graph::describe(&self.worker.shared, header),
                "executing task {} took {:.3} seconds",
                TaskName(header),
                took.as_secs_f64()
            );
        }
    }

    fn run_callback(&self, callback: Callback) {
        if callback.is_cancelled() {
            return;
        }
        // Callbacks count toward the I/O interval too: a loop kept busy by
        // callbacks alone must still poll its reactor.
        self.polls_since_io.set(self.polls_since_io.get() + 1);
        let started = self.worker.shared.config.debug.then(Instant::now);
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| callback.run())) {
            self.worker
                .shared
                .report_callback_panic(self.worker.index, TaskError::Panicked(payload));
        }
        if let Some(started) = started {
            let took = started.elapsed();
            if took >= self.worker.shared.config.slow_callback_duration {
                tracing::warn!(
                    loop_id = self.worker.index,
                    "executing a callback took {:.3} seconds",
                    took.as_secs_f64()
                );
            }
        }
    }

    // ---- timers and I/O ------------------------------------------------------

    fn fire_timers(&self) {
        // Without the lock or the clock while nothing can be due (see
        // `Timers::next_deadline_hint` for why a stale answer loses nothing).
        let Some(next) = self.worker.state().timers.next_deadline_hint() else {
            return;
        };
        let now = self.worker.shared.clock.now();
        if next > now {
            return;
        }
        let mut fired = std::mem::take(&mut *self.fired.borrow_mut());
        {
            let mut timers = self.worker.state().timers.lock();
            match timers.next_deadline() {
                Some(deadline) if deadline <= now => timers.take_expired(now, &mut fired),
                _ => return,
            }
        }
        self.worker
            .state()
            .counters
            .timers_fired
            .add(fired.len() as u64);
        self.worker.dispatching.set(true);
        for action in fired.drain(..) {
            match action {
                TimerAction::Wake(Some(waker)) => waker.wake(),
                TimerAction::Wake(None) => {}
                TimerAction::Call(callback) => self
                    .worker
                    .ready
                    .borrow_mut()
                    .push_back(Pinned::Callback(callback)),
            }
        }
        self.end_dispatch();
        *self.fired.borrow_mut() = fired;
    }

    pub(crate) fn next_timer_timeout(&self) -> Option<Duration> {
        let deadline = self.worker.state().timers.lock().next_deadline()?;
        Some(deadline.saturating_duration_since(self.worker.shared.clock.now()))
    }

    pub(crate) fn poll_events(&self, timeout: Option<Duration>) {
        let mut events = self.events.borrow_mut();
        if let Err(err) = self.poll.borrow_mut().poll(&mut events, timeout) {
            if err.kind() != std::io::ErrorKind::Interrupted {
                tracing::error!(
                    loop_id = self.worker.index,
                    "polling the reactor failed: {err}"
                );
            }
        }
        self.polls_since_io.set(0);
        self.have_events.set(true);
        crate::task::age_clock::refresh_loop_stamp(true);
        // Relaxed: a heuristic for rescuers, not a handshake. A stale read
        // costs at worst one needless zero-timeout harvest, or one rescue
        // interval of delay; the events themselves are safe either way
        // (each edge goes to exactly one waiter).
        let polls = self.io_polls.get() + 1;
        self.io_polls.set(polls);
        self.worker.state().io_polls.store(polls, Ordering::Relaxed);
    }

    /// Looks (at most every `RESCUE_INTERVAL_NANOS`) for a sibling that has not
    /// polled its reactor for `STALL_NANOS` and takes its ready I/O events and half
    /// of its queue, so its connections run here instead of waiting for it.
    /// Returns whether that gave this loop work.
    fn rescue_stalled_loop(&self) -> bool {
        let shared = &*self.worker.shared;
        let loops = shared.loops.len();
        // Every sibling idle (asleep or about to be): each either sleeps
        // in its own reactor, woken by its own I/O, or is watched; there is
        // no busy loop to rescue. Asked first: it costs no clock read.
        if loops == 1 || shared.idle.sleepers() + 1 >= loops {
            return false;
        }
        let now = shared.clock_nanos();
        // Throttled: each look may cost an epoll_wait syscall, and a loop
        // about to park calls this on every tick.
        if now < self.next_rescue_at.get() {
            return false;
        }
        self.next_rescue_at.set(now + RESCUE_INTERVAL_NANOS);
        // Every sibling's count is looked at (not only up to the first
        // stalled one), so that each "unchanged since" stays true.
        let start = self.worker.next_random() as usize % loops;
        let mut seen = self.sibling_polls.borrow_mut();
        seen.resize(loops, (0, 0));
        let mut victim = None;
        for i in (0..loops).map(|i| (start + i) % loops) {
            if i == self.worker.index {
                continue;
            }
            let polls = shared.loops[i].io_polls.load(Ordering::Relaxed);
            let (last, since) = &mut seen[i];
            if polls != *last {
                (*last, *since) = (polls, now);
            } else if victim.is_none() && now.saturating_sub(*since) >= STALL_NANOS {
                victim = Some(i);
            }
        }
        drop(seen);
        let Some(victim) = victim else {
            return false;
        };
        // A sibling asleep in its reactor also looks stalled; for it the
        // harvest finds nothing (or takes events it was slow to wake for).
        let sibling = &shared.loops[victim];
        let before = self.worker.local.len();
        self.harvest_sibling(victim);
        // Looked at first: an empty queue's steal still pins crossbeam's epoch.
        if !sibling.stealer.is_empty() {
            if let Some(task) = sibling.stealer.steal_half_into(&self.worker.local) {
                self.worker.local.push(task);
            }
        }
        self.worker.local.len() > before
    }

    /// Takes every event ready in sibling `victim`'s instance and runs the
    /// woken tasks here.
    fn harvest_sibling(&self, victim: usize) {
        let sibling = &self.worker.shared.loops[victim];
        let mut harvest = self.harvest.borrow_mut();
        // Repeat while a harvest fills its batch: more may be waiting, and
        // the owner is not polling.
        loop {
            let took_wake = sibling.rescue.harvest(WAKE_TOKEN, &mut harvest);
            if took_wake {
                // The wake was meant for the owner (an unpark); it must not
                // be swallowed here, or a loop asleep in its reactor misses it.
                sibling.parker.redeliver_wake();
            }
            if harvest.is_empty() {
                break;
            }
            // Delivered through the sibling's slab (the tokens are its), but
            // woken here: the tasks join this loop's queue, which is the point.
            self.worker.dispatching.set(true);
            let delivered = sibling.reactor.dispatch_harvest(&harvest);
            sibling.counters.io_events.add(delivered as u64);
            self.worker
                .state()
                .counters
                .rescued_events
                .add(delivered as u64);
            self.end_dispatch();
            if !RescueHandle::was_full(&harvest, took_wake) {
                break;
            }
        }
    }

    /// Takes the events of every loop the root instance reported ready
    /// (after watching it, or in a busy loop's periodic look for sleepers).
    pub(crate) fn take_watched_events(&self) {
        let ready = std::mem::take(&mut *self.ready_loops.borrow_mut());
        for &index in &ready {
            if index == self.worker.index {
                self.poll_events(Some(Duration::ZERO));
                self.dispatch_events();
            } else {
                self.harvest_sibling(index);
            }
        }
        *self.ready_loops.borrow_mut() = ready;
    }

    /// A busy loop's stand-in for the watcher: while siblings sleep on their
    /// bells and none watches, their sockets are looked at here each
    /// `event_interval` (as tokio's busy workers poll its shared driver).
    fn watch_for_sleepers(&self) {
        let shared = &*self.worker.shared;
        if !shared.watch.is_enabled() || shared.watch.role.is_held() || !shared.idle.has_sleepers()
        {
            return;
        }
        shared
            .watch
            .wait(Some(Duration::ZERO), &mut self.ready_loops.borrow_mut());
        self.take_watched_events();
    }

    pub(crate) fn dispatch_events(&self) {
        if !self.have_events.replace(false) {
            return;
        }
        let events = self.events.borrow();
        self.worker.dispatching.set(true);
        let delivered = self.worker.state().reactor.dispatch(&events);
        self.worker.state().counters.io_events.add(delivered as u64);
        self.end_dispatch();
    }

    fn end_dispatch(&self) {
        self.worker.dispatching.set(false);
        // One woken task is the next thing this loop runs: waking a sibling
        // for it would cost an eventfd write and a futile steal (tokio keeps
        // it in a LIFO slot for the same reason). With two or more queued,
        // a sibling has real work to take.
        if self.worker.deferred_notify.replace(false) && self.worker.local.len() > 1 {
            self.worker.shared.notify_one();
        }
    }

    fn drain_on_exit(&self) {
        // Every task is complete (or shutdown gave up on it): what is left in
        // the queues are references to finished or abandoned tasks.
        self.worker.flush_registry();
        self.worker.ready.borrow_mut().clear();
        self.worker.state().inbox.clear();
        drop(self.worker.lifo.take());
        while self.worker.local.pop().is_some() {}
    }
}

/// Displays a task's name without allocating when it was given one.
struct TaskName<'a>(&'a Header);

impl fmt::Display for TaskName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0.name {
            Some(name) => f.write_str(name),
            None => write!(f, "Task-{}", self.0.id.0),
        }
    }
}
