//! Helpers shared by hive's criterion benchmarks: bounded waits, a
//! count-down latch, persistent foreign spawner threads, a watchdog, and
//! the TCP echo servers and load generator of the network benchmarks
//! ([`net`]), the TLS contenders ([`tls`]), and the HTTP servers and `wrk`
//! driver ([`http`]); the scheduler benchmarks' runtimes ([`contenders`])
//! and workload bodies ([`workloads`]), each written once and run on every
//! runtime by both the criterion bench `runtime` and the `icount` binary.
//!
//! # Instruction counts
//!
//! Wall-clock ratios on this 2-core shared VM move by 20–30 % between runs;
//! instruction counts do not. `target/release/icount table` (after `cargo
//! build -p hive-benches --release --bin icount`) runs each workload under
//! `valgrind --tool=callgrind` with N = 2000 and N = 12000 units (the median
//! of 3 runs each) and prints (Ir(12000) − Ir(2000)) / 10000, all threads
//! counted, setup cancelled. The pinned rows repeat to the instruction; the
//! multi-threaded ones (`spawn`, `cross_loop`, `echo`) move by a few percent.
//! Measured 2026-12-05 (hive at 7ea532b, tokio 1.54.1):
//!
//! | workload (per unit) | hive | tokio | hive/tokio |
//! |---|---:|---:|---:|
//! | spawn: spawned-and-joined task (2 loops / 2 workers) | 1526 | 2683 | 0.57 |
//! | pinned_spawn: pinned task spawned and joined (`LocalSet`) | 926 | 1753 | 0.53 |
//! | pinned_ping_pong: pinned ping-pong round trip (`LocalSet`) | 3388 | 5049 | 0.67 |
//! | pinned_yield: pinned `yield_now` (`LocalSet`) | 328 | 489 | 0.67 |
//! | pinned_chain: link of a pinned spawn chain (`LocalSet`) | 956 | 1626 | 0.59 |
//! | cross_loop: `spawn_on_loop` and join vs `Handle::spawn` from a `LocalSet` | 1181 | 2089 | 0.57 |
//! | echo: 64-byte message echoed, tokio client included | 4772 | 5467 | 0.87 |
//! | http: keep-alive GET to hyper's hello world, std client included | 10571 | 10723 | 0.99 |
//! | http_per_loop: the same, hive's per-loop server | 10147 | 10748 | 0.94 |
//! | tls_handshake: connect, handshake, 1-byte echo, close (N / 20) | 3888423 | 3891889 | 1.00 |
//! | tls_echo: 100-byte message echoed over TLS, client included | 15170 | 17475 | 0.87 |
//!
//! Since be6eb11 (the table before): a finished output is written over
//! the consumed stage instead of assigned (d0a10f2: pinned_ping_pong 3455
//! → 3388 here, 3,371 → 3,344 at the bench's batch, pinned_spawn 942 →
//! 926), and `tls_echo` is new (7ea532b): ring's
//! AES-GCM is the same ~2,500 instructions in both; tokio spends more in
//! `memcpy`, its I/O registration and its clock. The other rows moved by
//! less than the spread the multi-threaded ones show between runs. Echo
//! servers' own threads (`icount echo`): hive 2,235, tokio 2,911, hive
//! per-loop 1,689, tokio thread-per-core 3,007, monoio on epoll 1,326.
//!
//! The table at be6eb11: spawn 1457 / 2541, pinned_spawn 942 / 1753,
//! pinned_ping_pong 3455 / 5049, pinned_yield 328 / 489, pinned_chain 952
//! / 1626, cross_loop 1248 / 2113, echo 4840 / 5438, http 10722 / 10742,
//! http_per_loop 10281 / 10931, tls_handshake 3887114 / 3894427.
//!
//! From 471f0b2 to be6eb11: the registry journal keeps the tasks
//! it has not published in a list that only grows between publications
//! instead of a slab with a free list (`registry::pending`; d9091a9), the
//! cell cache's hit path is inlined (b7e4864, be6eb11), and a handle that
//! took its task's output no longer makes the call that would drop it
//! (17eb4d2, after this table: pinned_ping_pong at the bench's batch 3,486
//! → 3,449). pinned_spawn 982 → 942, pinned_ping_pong 3663 → 3455,
//! pinned_chain 1055 → 952, spawn 1603 → 1457. At the criterion benches'
//! batches (`ICOUNT_BATCH`, below) pinned_ping_pong went 3,681 → 3,449 over
//! the four changes and its time fell by a tenth (`icount run hive
//! pinned_ping_pong 2000000` at `ICOUNT_BATCH=1000`, five alternating runs:
//! 0.79–0.90 s → 0.72–0.93 s, medians 0.81 → 0.73 s; tokio's `LocalSet`
//! 1.67–2.01 s). The echo and HTTP rows fell by 2–4 % (echo 5005 → 4840,
//! http 10919 → 10722, http_per_loop 10678 → 10281), inside the spread
//! the multi-threaded rows show between runs; tls_handshake is unchanged.
//!
//! At 471f0b2 the pinned rows fell (6cead96 → 471f0b2: pinned_spawn 1126 →
//! 982, pinned_ping_pong 3937 → 3663, pinned_chain 1209 → 1055): the cell
//! is written in place instead of built and moved (a `memcpy` call per
//! spawn), a spawn looks up its loop once instead of four or five times,
//! a finished task gives up its references in the completion's own
//! compare-and-swap, and an unread `()` output skips its unwinding frame.
//! `spawn` (stealable, 2 loops) rose by about 90 instructions over
//! 7edfc93 (the completion's extra look at the state word, functions now
//! out of line) while its time fell by a third (`icount run hive spawn
//! 2000000`, 7 alternating runs: 0.57–0.91 s → 0.37–0.60 s).
//!
//! The table batches 100 units; the criterion benches spawn 10,000 pinned
//! tasks, or 1,000 ping-pong pairs, at a time, and a bound of the runtime's
//! may tell those apart (`ICOUNT_BATCH=B` sets the batch). At 26e7dda the
//! registry journal stopped publishing a large pinned fan-out before it
//! finished: pinned_spawn at `ICOUNT_BATCH=10000` 1152 → 1051 (tokio
//! 1815), pinned_ping_pong at 1000 3857 → 3695 (tokio 5306), the rows
//! above unchanged.
//!
//! At 6cead96 **the pinned rows rose, on purpose** (8ce9d70 → 6cead96:
//! pinned_spawn 1071 → 1126, pinned_ping_pong 3833 → 3937, pinned_yield
//! 326 → 339, pinned_chain 1155 → 1209) while their time fell by a
//! sixth to a half (`icount run hive W 2000000`, alternating with the
//! build before: pinned_spawn 0.21 → 0.17 s, pinned_chain 0.21 → 0.18 s,
//! pinned_ping_pong 0.81 → 0.68 s, pinned_yield 0.08 → 0.03 s). Each
//! change swapped locked instructions for plain ones: a yield through the
//! task's own waker is a thread-local note instead of three atomic
//! operations on the state word (`task::current::yield_to_loop`); a cell's
//! reference to the runtime is drawn from its loop's block instead of an
//! `Arc` clone and drop (`scheduler::cell_refs`); loop counters that only
//! their loop writes are a load and a store (`metrics::OwnCounter`); and
//! completion drops the runner's and an unpublished registry reference in
//! one subtraction. The thread-local look-ups that make this possible are
//! the added instructions.
//!
//! They had risen the same way at 8ce9d70 from 3a4074d (pinned_spawn 1024,
//! pinned_chain 1076) while the time fell: the registry journal
//! (`runtime/src/registry/journal.rs`) replaced two shard locks per task,
//! four atomic read-modify-writes, with plain bookkeeping published under
//! one lock per batch (`icount run {hive,tokio} pinned_spawn 2000000`:
//! 0.30 s against tokio's 0.26 s before, 0.21 s against 0.25 s after).
//! The echo rows moved with the yield before parking (a `sched_yield` and
//! a zero-timeout poll per park that pays), not with the journal (`icount
//! run hive echo` at b27ec43 and at 8ce9d70: 4980 and 5000).
//!
//! `target/release/icount echo` counts the echo servers alone too, monoio's
//! included (the servers' threads: every thread but the client's, from
//! callgrind's `--separate-threads=yes`). Same run, a 64-byte message on
//! one connection (monoio 0.2.4):
//!
//! | echo server | all threads | server threads | hive peer / this (server) |
//! |---|---:|---:|---:|
//! | hive (default) | 4840 | 2238 | |
//! | tokio (multi-thread) | 5438 | 2918 | 0.77 (hive) |
//! | hive per-loop | 4695 | 1934 | |
//! | tokio-tpc | 5768 | 3008 | 0.64 (hive per-loop) |
//! | monoio-legacy (epoll) | 4121 | 1361 | 1.42 (hive per-loop) |
//!
//! The multi-threaded rows move between runs by more than the few percent
//! above: an earlier run of the same build counted hive per-loop's server
//! threads at 1697 and tokio's client-included echo at 5386.
//!
//! `monoio-uring` is not counted: under valgrind 3.19 its run deadlocks
//! (the thread blocked in `io_uring_enter` keeps valgrind's lock), and
//! callgrind would miss the work it moves into the kernel anyway. Fewer
//! instructions are not fewer syscalls: monoio's epoll driver tries each
//! read before it waits for readiness, so it makes two `recvfrom` per
//! message (one fails with `EAGAIN`) against hive per-loop's one, 3.2
//! syscalls per message against 2.2 (`perf` on the syscall tracepoints,
//! `bash benches/syscalls.sh 64 100 1000`), and in `netload` the two
//! servers' CPU time per message comes out even.
//!
//! Instructions are not time. callgrind counts an atomic read-modify-write,
//! a fence or a vDSO clock read as one instruction each, and on this VM each
//! costs tens of cycles: at 0.71 of tokio's instructions, a pinned spawn
//! chain took 1.7 times tokio's time (`icount run {hive,tokio}
//! pinned_chain 2000000`: 0.41 s against 0.24 s). `perf record -e
//! cpu-clock` (sampling works here, hardware counters do not) put the time
//! in the inbox's and the timer store's locks (taken on every tick), the
//! registry's runtime-wide counter, a clock read per tick and per spawn, and
//! an `Arc` clone per `spawn_local`; with those gone (0b7a0f9) it takes
//! 0.28 s against 0.24 s, and with the registry journal, task id blocks and
//! the one-step handle release (310129f–78445ea) 0.21 s against 0.22 s;
//! with the yield note, the block-counted runtime references and the
//! single-writer counters (d0ae187–6cead96) 0.17 s against 0.22 s, at
//! more instructions than before; with the cell written in place, one
//! look-up per spawn and the completion's folded release (fea013e–471f0b2)
//! 0.14 s against 0.23–0.25 s. Check a change to those paths with perf
//! or the clock, not with the counts alone.
//!
//! Sleeps are not free either, and no instruction count shows them. A
//! thread that hands the runtime a task and sleeps until it is done
//! (`icount run hive handoff`: `run_local` from a plain thread) took 46 µs
//! a hand-off on two vCPUs, 32 µs of it system time, and 4 µs with both
//! threads on one CPU (`taskset -c 0`): the cost was waking the caller on
//! an idle core. `block_on` now yields for up to 50 µs before it parks
//! (`runtime/src/runner.rs`): 2–3 µs, against tokio's 13 µs. Under
//! `wrk` (one thread, on the same 2 cores) the per-loop HTTP server's loops
//! drained their sockets, slept in `epoll_wait` and were woken again a few
//! microseconds later, 0.26 times per request, and each wake costs 40–60 µs
//! end to end on this VM: it served 0.8 of tokio's requests/s. Since
//! 086a7bd a loop whose last sleep was short yields its core once and polls
//! again before it parks (`runtime/src/event_loop/yield_before_park.rs`):
//! 0.01 switches per request. `netload http-serve KIND` runs one HTTP
//! server alone for `wrk`, `strace -c -f` or `perf stat` by hand; its
//! `NETLOAD_METRICS=1` prints the runtime's counters (parks, rescued
//! events) when it stops. Measured 2026-12-04, medians of 5 alternating
//! runs, hive/peer (`netload repeat 5` at 086a7bd, before yields had to
//! pay for themselves, which under this load they do 85 % of the time):
//!
//! | workload | hive default / tokio | hive per-loop / monoio-legacy | per-loop CPU per message / monoio's |
//! |---|---:|---:|---:|
//! | `netload` echo 64c × 100 B, saturated | 1.25 | 1.47 | 0.76 |
//! | `netload` echo 64c × 16 KiB, saturated | 1.19 | 1.49 | 0.84 |
//! | `netload` echo 512c × 100 B, saturated | 1.09 | 1.19 | 0.91 |
//! | `netload` echo 512c × 16 KiB, saturated | 1.22 | 1.03 | 0.98 |
//! | `http` bench, 64c (requests/s; per-loop against tokio) | 1.10–1.15 | 1.03–1.25 | |
//! | `http` bench, 512c | 0.91–1.02 | 0.88–1.16 | |
//!
//! The `http` rows are four runs of the bench (5 rounds each, at 086a7bd,
//! 3a607d7, c20e5e3 and 2433e30); the box's noise is in the per-run ranges
//! the bench prints (tokio alone moved 104–138 k requests/s within one).
//! Before the change, the same bench gave 0.96 / 0.81 at 64c and 0.93 /
//! 0.98 at 512c.
//!
//! Every wait here is bounded by [`WAIT_LIMIT`]: a benchmark that hangs is a
//! runtime bug, and it should panic (or abort) with a message naming the
//! workload rather than hang the bench run.

pub mod contenders;
pub mod http;
#[cfg(target_os = "linux")]
pub mod monoio_servers;
pub mod net;
pub mod paced;
pub mod sched;
pub mod tls;
pub mod workloads;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::task::Context;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long any single benchmark iteration may wait before it is declared hung.
pub const WAIT_LIMIT: Duration = Duration::from_secs(30);

/// A latch that opens when `arrive` has been called `count` times.
///
/// Tasks call [`arrive`](CountDown::arrive) (cheap: one atomic decrement,
/// a lock only for the last one); an OS thread outside the runtime calls
/// [`wait`](CountDown::wait).
#[derive(Debug)]
pub struct CountDown {
    remaining: AtomicUsize,
    open: Mutex<bool>,
    opened: Condvar,
}

impl CountDown {
    /// A latch that opens after `count` arrivals.
    pub fn new(count: usize) -> Self {
        CountDown {
            remaining: AtomicUsize::new(count),
            open: Mutex::new(count == 0),
            opened: Condvar::new(),
        }
    }

    /// Re-arms the latch for another `count` arrivals; call only once it has opened.
    pub fn reset(&self, count: usize) {
        *self.open.lock().unwrap() = count == 0;
        self.remaining.store(count, Ordering::Release);
    }

    /// Records one arrival; the last one opens the latch.
    pub fn arrive(&self) {
        if self.remaining.fetch_sub(1, Ordering::AcqRel) == 1 {
            *self.open.lock().unwrap() = true;
            self.opened.notify_all();
        }
    }

    /// Blocks this OS thread until the latch opens.
    ///
    /// # Panics
    /// After [`WAIT_LIMIT`], naming `what` and how many arrivals are missing.
    pub fn wait(&self, what: &str) {
        let deadline = Instant::now() + WAIT_LIMIT;
        let mut open = self.open.lock().unwrap();
        while !*open {
            let now = Instant::now();
            if now >= deadline {
                panic!(
                    "{what}: still waiting for {} of the spawned tasks after {WAIT_LIMIT:?}; the runtime hung",
                    self.remaining.load(Ordering::Acquire)
                );
            }
            open = self.opened.wait_timeout(open, deadline - now).unwrap().0;
        }
    }
}

/// Receives one message from `rx`, panicking with `what` after [`WAIT_LIMIT`].
///
/// # Panics
/// When nothing arrives in time, or every sender is gone (a task panicked or
/// was dropped without reporting).
pub fn recv_bounded<T>(rx: &mpsc::Receiver<T>, what: &str) -> T {
    match rx.recv_timeout(WAIT_LIMIT) {
        Ok(value) => value,
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what}: no completion after {WAIT_LIMIT:?}; the runtime hung")
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            panic!("{what}: the completion channel closed without a message (a task panicked or was dropped)")
        }
    }
}

/// Threads outside any runtime that run `round` each time [`go`](Spawners::go) is called.
///
/// They live as long as the value, so a benchmark iteration pays for waking
/// them, not for creating OS threads.
pub struct Spawners {
    starts: Vec<mpsc::Sender<()>>,
    threads: Vec<JoinHandle<()>>,
}

impl Spawners {
    /// Starts `count` threads; thread `i` calls `round(i)` once per [`go`](Spawners::go).
    pub fn new(count: usize, round: impl Fn(usize) + Send + Sync + 'static) -> Self {
        let round = Arc::new(round);
        let mut starts = Vec::with_capacity(count);
        let mut threads = Vec::with_capacity(count);
        for i in 0..count {
            let (tx, rx) = mpsc::channel::<()>();
            let round = round.clone();
            let thread = std::thread::Builder::new()
                .name(format!("bench-spawner-{i}"))
                .spawn(move || {
                    while rx.recv().is_ok() {
                        round(i);
                    }
                })
                .expect("cannot start a spawner thread");
            starts.push(tx);
            threads.push(thread);
        }
        Spawners { starts, threads }
    }

    /// Tells every thread to run one round (it does not wait for them).
    pub fn go(&self) {
        for start in &self.starts {
            start
                .send(())
                .expect("a spawner thread died (its round panicked)");
        }
    }
}

impl Drop for Spawners {
    fn drop(&mut self) {
        self.starts.clear();
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

/// Polls `future` once with the caller's context, ignoring the result; used
/// to register a timer without waiting for it.
pub fn poll_once<F: Future + ?Sized>(future: Pin<&mut F>, cx: &mut Context<'_>) -> bool {
    future.poll(cx).is_ready()
}

/// The deadline of the `i`-th of `count` timers spread evenly over `0..=spread`.
pub fn spread_deadline(i: usize, count: usize, spread: Duration) -> Duration {
    if count <= 1 {
        return Duration::ZERO;
    }
    let nanos = spread.as_nanos() * i as u128 / (count as u128 - 1);
    Duration::from_nanos(nanos as u64)
}

/// A guard from [`watchdog`]: the process aborts if it lives past its limit.
#[must_use = "the watchdog is disarmed as soon as the guard is dropped"]
#[derive(Debug)]
pub struct WatchdogGuard {
    armed_at: u64,
}

struct WatchdogState {
    armed: Mutex<Option<(u64, Instant, &'static str)>>,
    generation: AtomicUsize,
}

fn watchdog_state() -> &'static WatchdogState {
    static STATE: OnceLock<WatchdogState> = OnceLock::new();
    STATE.get_or_init(|| {
        std::thread::Builder::new()
            .name("bench-watchdog".into())
            .spawn(|| loop {
                std::thread::sleep(Duration::from_millis(250));
                let armed = *watchdog_state().armed.lock().unwrap();
                if let Some((_, deadline, what)) = armed {
                    if Instant::now() >= deadline {
                        eprintln!(
                            "watchdog: `{what}` ran past {:?} (an iteration hung, likely in a blocking wait or in Runtime drop); aborting",
                            WAIT_LIMIT * 2
                        );
                        std::process::abort();
                    }
                }
            })
            .expect("cannot start the watchdog thread");
        WatchdogState { armed: Mutex::new(None), generation: AtomicUsize::new(0) }
    })
}

/// Arms a process-wide watchdog for one benchmark iteration named `what`.
///
/// A last resort for waits that cannot time out themselves (a `block_on`, a
/// runtime's `Drop`): if the guard is not dropped within twice
/// [`WAIT_LIMIT`], the process prints `what` and aborts.
pub fn watchdog(what: &'static str) -> WatchdogGuard {
    let state = watchdog_state();
    let generation = state.generation.fetch_add(1, Ordering::Relaxed) as u64;
    *state.armed.lock().unwrap() = Some((generation, Instant::now() + WAIT_LIMIT * 2, what));
    WatchdogGuard {
        armed_at: generation,
    }
}

impl Drop for WatchdogGuard {
    fn drop(&mut self) {
        let mut armed = watchdog_state().armed.lock().unwrap();
        if armed.is_some_and(|(generation, _, _)| generation == self.armed_at) {
            *armed = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_down_opens_after_the_last_arrival() {
        let latch = Arc::new(CountDown::new(3));
        let threads: Vec<_> = (0..3)
            .map(|_| {
                let latch = latch.clone();
                std::thread::spawn(move || latch.arrive())
            })
            .collect();
        latch.wait("test");
        for t in threads {
            t.join().unwrap();
        }
        latch.reset(1);
        latch.arrive();
        latch.wait("test again");
    }

    #[test]
    fn spread_deadlines_cover_the_range() {
        let spread = Duration::from_millis(5);
        assert_eq!(spread_deadline(0, 100, spread), Duration::ZERO);
        assert_eq!(spread_deadline(99, 100, spread), spread);
        assert!(spread_deadline(50, 100, spread) < spread);
        assert_eq!(spread_deadline(0, 1, spread), Duration::ZERO);
    }

    #[test]
    fn spawners_run_one_round_per_go() {
        let latch = Arc::new(CountDown::new(4));
        let spawners = Spawners::new(4, {
            let latch = latch.clone();
            move |_| latch.arrive()
        });
        spawners.go();
        latch.wait("round 1");
        latch.reset(4);
        spawners.go();
        latch.wait("round 2");
    }

    #[test]
    fn watchdog_guard_disarms() {
        let guard = watchdog("test");
        drop(guard);
        assert!(watchdog_state().armed.lock().unwrap().is_none());
    }
}
