//! The scheduler: where a runnable task goes, and where a loop finds its
//! next one. Also where a loop sleeps, and who wakes it.
//!
//! The task cell does not know this module exists: it hands a runnable task
//! to its runtime through the narrow [`Schedule`](crate::task::raw::Schedule)
//! trait (`schedule` / `requeue`), implemented for the runtime's `Shared` in
//! [`push`]. The loop's tick (`event_loop::core`) asks [`pop`] for the next
//! stealable task and `event_loop::park` to sleep.
//!
//! # Layers
//! Each layer imports only the ones before it (`runtime/tools/import_cycles.py`
//! lists the file-level cycles that are left, each within one layer):
//! 1. ground: `task/`, `loom`, `loop_id`, `error`, `exception`, `coop`,
//!    `metrics`, and the parts of the runtime's state that know nothing of
//!    it: the leaves here ([`queue`], [`idle`], [`parker`], [`bell`],
//!    [`pinned`]), the reactor's (`reactor::shared`, `watch`, `rescue`),
//!    the timer store and clock (`time::store`, `time::clock`), the
//!    blocking pool, the task registry, the signal routes;
//! 2. the scheduler: this module, the runtime's state (`shared`: `Shared`
//!    and each loop's `LoopShared`), the thread-local `context`, which
//!    names a loop thread by its [`worker`], and `call_graph`, which reads
//!    the registry for the scheduler's reports;
//! 3. the loop (`event_loop`: the tick, parking, the public `Loop`), and
//!    the public functions that find the current runtime through `context`
//!    (`to_thread`, `time::current`, `signal`, `IoSource`, combinators);
//! 4. the runtime, its builder, and `run` / `block_on`.
//!
//! # Files
//! - [`spawn`], [`builder`]: a new task's first placement (`hive::spawn`,
//!   `spawn_local`, `spawn_on_loop`, `task::Builder`, eager start);
//! - [`push`]: where a runnable task goes, and which sleeping loop is woken;
//! - [`pop`]: the order in which a loop takes stealable work, and stealing;
//! - [`worker`]: a loop thread's own queues (LIFO slot, local queue, pinned
//!   FIFO) and search state, which push and pop work on, and its registry
//!   journal (the tasks it spawned pinned to itself and those that finished
//!   on it, published once per tick: `registry::journal`);
//! - [`pinned`]: work that must run on one loop (pinned tasks, callbacks);
//! - [`inbox`]: pinned work other threads hand a loop (a mutex, and a flag
//!   the owner reads without it);
//! - [`queue`]: the local deque, its stealer, and the injector;
//! - [`idle`]: the idle set and the searcher protocol;
//! - [`parker`], [`bell`]: a loop's park state and its bell; the sleep
//!   itself (`event_loop::park`) belongs to the loop, since it waits in the
//!   loop's reactor.
//!
//! # Where a runnable task goes (push)
//! A *pinned* task (`spawn_local`, `spawn_on_loop`, and every callback) runs
//! only on its owner, in FIFO order: on the owner's thread it joins the
//! loop's FIFO directly; elsewhere it goes to the owner's inbox ([`inbox`])
//! and the owner is unparked.
//!
//! A *stealable* task woken on a loop of its runtime goes:
//! - while the loop dispatches I/O or timer wakes, to the back of the local
//!   queue, and one notification is sent after the whole batch (one
//!   `notify_one` per batch, not per event), only if two or more wait;
//! - otherwise to the loop's LIFO slot, so the task the running one just
//!   woke (or spawned) runs next on hot caches; a task already in the slot
//!   moves to the local queue, and since that one now waits behind the slot
//!   a sibling is notified. A lone task in the slot notifies nobody: waking
//!   a sibling for it would cost an eventfd write and a steal that fails;
//! - a task that woke itself while running (a yield, a spent coop budget)
//!   goes to the back of the local queue instead (`requeue`), so the others
//!   run first; it notifies a sibling if anything else is queued. A yield
//!   through the task's own waker does not even wake it: the runner reads
//!   a thread-local request after the poll and requeues the entry with the
//!   task still marked running (`task::current::yield_to_loop`), which
//!   spares three atomic operations on its state word.
//!
//! A stealable task woken off its runtime's loops (another runtime, a
//! blocking thread, a timer thread) goes to the injector, and an idle loop
//! is notified.
//!
//! # Where a loop finds its next task (pop)
//! See [`pop`]: the LIFO slot (at most `lifo_polls_in_a_row`, default 3, in
//! a row, so two tasks waking each other cannot starve the queue), every
//! `global_queue_interval`-th (61) poll the injector first, the local queue,
//! a batch from the injector, then a steal of half a random sibling's queue.
//!
//! # The notify rule (idle set and searchers)
//! `notify_one` wakes one sleeping loop, and only when no loop is
//! *searching* (looking for work to steal): a searcher is bound to find the
//! new work, because the last searcher to give up re-checks every queue
//! after it stops counting itself ([`idle`]). At most half the loops search
//! at once, so a burst does not send every idle loop at the same victims. A
//! searcher that finds work stops searching and, if it was the last one,
//! notifies another loop: there may be more work than it can take. This is
//! tokio's rule, for the same reason: a spawner pays a wake only when
//! nobody is already on the way.
//!
//! # How a loop sleeps
//! A loop with nothing to run and no stalled sibling to rescue
//! (`reactor::rescue`) first, if its last sleep was short (under 200 µs:
//! work is arriving steadily) and such yields have been finding work, gives
//! its core away once (`sched_yield`) and polls its own reactor without
//! blocking (`event_loop::yield_before_park`: a sleep and its wake cost
//! more than the next request is away). If that
//! found nothing, and neither did the last re-check, it parks in one of
//! three places (`event_loop::park`):
//! 1. **its own reactor** (`mio::Poll::poll`), when it is the only loop,
//!    when `Builder::idle_watcher(false)` is set, or where there is no root
//!    epoll instance (not Linux). Ended by I/O on its own sockets, its next
//!    timer, or an unpark (its `mio::Waker`, an eventfd write);
//! 2. **as the watcher**, in the root epoll instance that holds every loop's
//!    instance (`reactor::watch`), when it claims the single watcher role.
//!    Ended by I/O on any loop's sockets (it takes those events and runs
//!    the woken tasks itself), its own next timer, or an unpark;
//! 3. **on its bell** (a condvar) when another loop already watches. I/O
//!    never ends this sleep: the watcher takes it. Ended by a ring (an
//!    unpark) or its own next timer.
//!
//! Whichever place it is, [`parker`] records it (`PARKED` or
//! `PARKED_ON_BELL`), so that an unpark (`Shared::unpark`) costs a syscall
//! only for a loop that really sleeps, and wakes it where it sleeps; for an
//! awake loop an unpark only leaves `NOTIFIED`, which makes its next park
//! return at once. (A thread in `block_on` is not a loop: it parks with
//! `std::thread::park` and its waker unparks it.)
//!
//! With the clock paused (`time::clock`, tests) no sleep has a real-time
//! bound: the last loop to enter the idle set, finding no queued work, no
//! blocking job and no timer already due, moves the clock to the earliest
//! timer of any loop and unparks the loops it is due on
//! (`LoopCore::paused_timeout`); `time::advance` unparks them likewise.
//!
//! # Who wakes whom
//! - a spawn or wake from off the loops: the injector, then `notify_one`;
//! - a pinned task or callback for another loop: its inbox, then an unpark
//!   of that loop (always: only it may run the work);
//! - a second stealable task queued on a busy loop (LIFO slot displaced,
//!   after an I/O batch, a streak's end, a requeue): `notify_one`;
//! - the last searcher finding work: `notify_one`;
//! - a timer registered earlier than the owner's next deadline from another
//!   thread: an unpark of the owner, to shorten its sleep;
//! - a paused clock moved (auto-advance, `time::advance`): an unpark of
//!   each loop with a timer now due;
//! - readiness: the loop's own reactor, the watcher, or a rescuer, see
//!   `crate::reactor` (the three routes).
//!
//! # Orderings
//! Every atomic of the idle protocol (`idle`), the park state (`parker`)
//! and the watcher role (`reactor::watch`) is `SeqCst`: the handshakes are
//! Dekker-style ("I announce myself, then I look at yours"), which needs a
//! single total order over a store and a load on different locations;
//! acquire/release would let both sides miss each other. The loom models
//! in `loom-tests/tests/runtime_park.rs`, `runtime_watch.rs` and
//! `runtime_rescue.rs` run them.

pub(crate) mod bell;
pub(crate) mod builder;
pub(crate) mod cell_refs;
pub(crate) mod idle;
pub(crate) mod inbox;
pub(crate) mod parker;
pub(crate) mod pinned;
pub(crate) mod pop;
pub(crate) mod push;
pub(crate) mod queue;
pub(crate) mod spawn;
pub(crate) mod worker;
