//! Each loop's reactor: the mio registry other threads register with, and
//! the table from tokens to readiness state.
//!
//! A source's readiness is only seen by the loop whose `Poll` it is
//! registered with, and a woken stealable task lands in the local queue of
//! the loop that delivered the event, so tasks drift to the loop that owns
//! their sockets. Where sources are registered therefore decides the I/O
//! balance: [`IoSource::new`] picks the current loop, or round-robin
//! off-loop; [`IoSource::new_on_loop`] places it explicitly (hive-net
//! spreads accepted connections this way).
//!
//! # The three routes by which readiness reaches a task
//! Each ends in `ReactorShared::deliver`: the token is looked up in the
//! owning loop's slab, the bits are set on the source's `ScheduledIo`, and
//! the wakers stored there are woken, on whichever thread delivered. The
//! delivering loop marks itself *dispatching*, so the woken stealable tasks
//! join its local queue and one `notify_one` covers the whole batch
//! (`crate::scheduler`).
//! 1. **The loop's own poll** (`event_loop::core`, `poll_events`): while
//!    busy, every `event_interval` (61) task or callback polls, with a zero
//!    timeout; while asleep in its own reactor, blocking (sleep 1 of
//!    `crate::scheduler`). The loop counts its polls (`io_polls`),
//!    which is what route 3 watches.
//! 2. **The watcher** (`watch`): while loops are idle, one of them sleeps
//!    in a root epoll instance holding every loop's instance
//!    (edge-triggered), and the others sleep on their bells, which I/O does
//!    not ring. When a loop's instance gains events the watcher wakes, takes
//!    them (its own with a zero-timeout poll, a sibling's by harvesting it
//!    as in route 3) and runs the woken tasks; it wakes a sibling only when
//!    two or more are queued. While siblings sleep on bells and nobody
//!    watches (the watcher just woke), a busy loop looks at the root with a
//!    zero timeout every `event_interval` instead (`watch_for_sleepers`).
//! 3. **A rescue** (`rescue`): a loop that runs out of work, or a busy one
//!    at its I/O interval, unless every sibling is idle (each then sleeps
//!    in its own reactor or is watched), looks (at most every 100 µs,
//!    `RESCUE_INTERVAL_NANOS`) for a sibling whose poll count it has seen
//!    unchanged for 200 µs (`STALL_NANOS`: long against a busy loop's I/O
//!    interval, short against the milliseconds of an OS time slice a
//!    descheduled loop loses), harvests that sibling's instance through a
//!    duplicate fd with a zero timeout, runs the woken tasks, and steals half
//!    its queue. A harvest that takes the sibling's own wake-up event hands
//!    it back (`Parker::redeliver_wake`).
//!
//! epoll makes routes 2 and 3 safe alongside route 1: any number of threads
//! may wait on one instance, and each edge-triggered event goes to exactly
//! one of them; the slab lookup (under its mutex) and the generation in
//! each token make a late event for a freed token harmless.
//!
//! # Do all three routes earn their keep?
//! Route 1 is the base. Route 2 is what lets idle loops sleep without each
//! being woken by its own sockets (under light load every idle loop would
//! otherwise wake for work one of them can do); `idle_watcher(false)`
//! turns it off. Route 3 overlaps route 2: while any loop is idle on Linux
//! the watcher already sees a stalled loop's instance become ready (the
//! root holds it), so rescue's unique case is *every loop busy and one of
//! them not polling* (descheduled on an oversubscribed machine, or stuck in
//! a long poll), plus runtimes built with `idle_watcher(false)`.
//!
//! Measured (issue 15): the default echo server with and without route 3
//! (a build that returned early from `rescue_stalled_loop`), 64
//! connections of 100 B, `netload serve` + `netload drive`, 7 alternating
//! runs each, medians, on the 2-core machine with nothing else running:
//!
//! | loops | load | with rescue: msgs/s, p50, p99 | without |
//! |---|---|---|---|
//! | 4 (oversubscribed) | saturated | 139 k, 345 µs, 2.5 ms | 142 k, 337 µs, 3.2 ms |
//! | 4 | 15 k msgs/s | 236 µs, 578 µs | 207 µs, 529 µs |
//! | 2 | saturated | 160 k, 341 µs, 0.99 ms | 152 k, 348 µs, 1.16 ms |
//! | 2 | 15 k msgs/s | 256 µs, 675 µs | 241 µs, 600 µs |
//!
//! Without it paced latency is a little better and saturated throughput or
//! p99 a little worse; every difference is inside the run-to-run spread
//! (the saturated p99s ranged 1.2–4.6 ms). Not a case for removing it, so
//! it stays, made cheap instead: the poll publishes a count, not a
//! timestamp (no clock read per poll), and a loop with every sibling idle
//! does not look at all (no clock read either). That took the per-loop
//! echo server's instructions per message from 2,252 to 1,922, and the
//! default server's from 2,522 to 2,196 (server threads, `icount echo`).

mod readiness;
mod rescue;
mod shared;
mod source;
mod watch;

pub use readiness::ReadyEvent;
pub(crate) use rescue::{Harvest, RescueHandle};
pub(crate) use shared::{ReactorShared, WAKE_TOKEN};
pub use source::IoSource;
#[cfg(loom)]
pub use watch::WatchRole;
pub(crate) use watch::{ReadyLoops, Watch};
