//! hive beside tokio on the scheduler workloads of tokio's own
//! `rt_multi_threaded` benches (spawning, yielding, ping-pong, timers), their
//! pinned forms, and cross-loop hand-offs.
//!
//! Each criterion group is one workload; its function ids are the
//! contenders, run on the same input with the same number of threads.
//! `cargo run -p hive-benches --release --bin compare` prints the hive/peer
//! median ratios.
//!
//! Every workload is written once, generic over a contender trait of
//! `hive_benches::contenders`; the `each!` line in `multi`, `pinned` and
//! `cross` below names the runtimes each kind runs on. Adding a workload
//! is one impl here; adding a runtime is one impl there and one line here.
//!
//! What each kind includes:
//! * multi-threaded groups (`spawn_many_local` ... `timers_*`; `hive` /
//!   `tokio`): the bench thread hands each iteration to the runtime and
//!   blocks on a latch or channel; that hand-off is in the time, for both.
//! * `handoff` (`hive` / `tokio`): that hand-off alone, an empty unit of
//!   work from the bench thread and a blocking wait for it: hive's
//!   `Runtime::run_local` (what the pinned path used to fold in) against
//!   tokio's `Handle::spawn` + `Runtime::block_on` of the join handle.
//! * pinned groups (`pinned_*`; `hive` / `tokio-local` /
//!   `tokio-localruntime`): every task on one thread, timed *inside* the
//!   running loop (criterion's `iter_custom`; the clock starts and stops in
//!   the loop's own task), so no contender pays for getting onto the loop.
//!   hive: one loop, `run_local` + `hive::spawn_local`; tokio: a `LocalSet`
//!   on a current-thread runtime, and `LocalRuntime`, with
//!   `tokio::task::spawn_local`.
//! * cross-loop groups (`cross_loop_*`; `hive` / `tokio-handle` /
//!   `tokio-spawn_pinned`): from a task on one loop, `CROSS_UNITS` empty
//!   units of work onto another loop (another thread), all in flight, then
//!   a wait for each; timed inside the origin loop. hive: loop 0 to loop 1
//!   with `spawn_on_loop` (`cross_loop_spawn`) or `call_soon_threadsafe`
//!   plus a oneshot back (`cross_loop_call_soon`); tokio, the same in both
//!   groups: from a `LocalSet`, `Handle::spawn` onto a second runtime, and
//!   tokio-util's `LocalPoolHandle::spawn_pinned` (tokio has no callbacks,
//!   so its nearest to `call_soon_threadsafe` is a spawn).
//!
//! Each runtime is built once per group, outside the measured closure. Every
//! wait is bounded (see `hive_benches::WAIT_LIMIT` and `watchdog`): a hang is a
//! runtime bug and fails the run with the workload's name.

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion};
use hive_benches::contenders::{
    Contender, CrossContender, Hive, HiveCallSoon, HiveLocal, HiveSpawnOnLoop, PinnedContender,
    Tokio, TokioHandle, TokioLocalRuntime, TokioLocalSet, TokioSpawnPinned, THREADS,
};
use hive_benches::workloads;
use hive_benches::{poll_once, recv_bounded, spread_deadline, watchdog, CountDown, Spawners};
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

/// Tasks spawned per iteration by the `spawn_many_*` workloads.
const NUM_SPAWN: usize = 10_000;
/// Ping-pong round trips per iteration.
const NUM_PINGS: usize = 1_000;
/// Tasks in `yield_many`, each yielding `NUM_YIELDS` times.
const YIELD_TASKS: usize = 200;
/// Yields per task in `yield_many`.
const NUM_YIELDS: usize = 1_000;
/// Length of the spawn chain in `chained_spawn`.
const CHAIN_DEPTH: usize = 1_000;
/// Foreign-thread counts for `remote_spawn_{n}`.
const REMOTE_THREADS: [usize; 3] = [1, 2, 4];
/// Tasks each foreign thread spawns per iteration in `remote_spawn_{n}`.
const REMOTE_SPAWNS_PER_THREAD: usize = 1_000;
/// Timers per iteration in `timers_*`.
const TIMERS: usize = 100_000;
/// Tasks the timers are split over (so every loop/worker takes a share).
const TIMER_TASKS: usize = 10;
/// `timers_create_fire` deadlines are spread evenly over `0..=TIMER_SPREAD`.
const TIMER_SPREAD: Duration = Duration::from_millis(5);
/// `timers_create_cancel` deadlines: far enough never to fire.
const TIMER_FAR: Duration = Duration::from_secs(3600);
/// Units of work per iteration in the `cross_loop_*` workloads.
const CROSS_UNITS: usize = 1_000;

type Group<'a> = BenchmarkGroup<'a, WallTime>;

fn group<'a>(c: &'a mut Criterion, name: &str) -> Group<'a> {
    let mut group = c.benchmark_group(name);
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500));
    group
}

/// `group/contender`, for the watchdog and panic messages (made once per
/// benchmark, so leaking it costs a few bytes per run).
fn label(group: &str, contender: &str) -> &'static str {
    Box::leak(format!("{group}/{contender}").into_boxed_str())
}

// ---------------------------------------------------------------------------
// The contender lists: one line per runtime.

/// A workload on the multi-threaded runtimes.
trait Multi {
    /// The criterion group.
    fn name(&self) -> String;
    /// Adds contender `R` to `group`.
    fn bench<R: Contender>(&self, group: &mut Group<'_>, what: &'static str);
}

/// Runs `workload` on every multi-threaded contender.
fn multi(c: &mut Criterion, workload: impl Multi) {
    let name = workload.name();
    let mut group = group(c, &name);
    macro_rules! each {
        ($($r:ty),*) => {$( workload.bench::<$r>(&mut group, label(&name, <$r>::ID)); )*};
    }
    each!(Hive, Tokio);
    group.finish();
}

/// A workload on the pinned runtimes: the future one iteration awaits.
trait Pinned {
    /// The criterion group.
    const NAME: &'static str;
    /// One iteration, on the loop.
    fn once<R: PinnedContender>() -> impl Future<Output = ()>;
}

/// Runs `W` on every pinned contender, timed inside the loop.
fn pinned<W: Pinned>(c: &mut Criterion) {
    let mut group = group(c, W::NAME);
    fn bench<W: Pinned, R: PinnedContender>(group: &mut Group<'_>) {
        let what = label(W::NAME, R::ID);
        let rt = R::build();
        group.bench_function(R::ID, |b| {
            b.iter_custom(|iters| {
                let _guard = watchdog(what);
                R::run(&rt, move || async move {
                    let start = Instant::now();
                    for _ in 0..iters {
                        W::once::<R>().await;
                    }
                    start.elapsed()
                })
            })
        });
    }
    macro_rules! each {
        ($($r:ty),*) => {$( bench::<W, $r>(&mut group); )*};
    }
    each!(HiveLocal, TokioLocalSet, TokioLocalRuntime);
    group.finish();
}

/// Runs the cross-loop workload on every cross-loop contender, with `H` as
/// hive's form (`spawn_on_loop` or `call_soon_threadsafe`).
fn cross<H: CrossContender>(c: &mut Criterion, name: &'static str) {
    let mut group = group(c, name);
    fn bench<R: CrossContender>(group: &mut Group<'_>, name: &str) {
        let what = label(name, R::ID);
        let rt = R::build();
        group.bench_function(R::ID, |b| {
            b.iter_custom(|iters| {
                let _guard = watchdog(what);
                R::run(&rt, move |target| async move {
                    let start = Instant::now();
                    for _ in 0..iters {
                        workloads::cross_loop::<R>(&target, CROSS_UNITS).await;
                    }
                    start.elapsed()
                })
            })
        });
    }
    macro_rules! each {
        ($($r:ty),*) => {$( bench::<$r>(&mut group, name); )*};
    }
    each!(H, TokioHandle, TokioSpawnPinned);
    group.finish();
}

// ---------------------------------------------------------------------------
// Multi-threaded workloads.

/// One task spawns NUM_SPAWN trivial tasks and awaits them.
struct SpawnManyLocal;

impl Multi for SpawnManyLocal {
    fn name(&self) -> String {
        "spawn_many_local".into()
    }
    fn bench<R: Contender>(&self, group: &mut Group<'_>, what: &'static str) {
        let rt = R::build();
        let (tx, rx) = mpsc::sync_channel(1);
        group.bench_function(R::ID, |b| {
            b.iter(|| {
                let _guard = watchdog(what);
                let tx = tx.clone();
                R::detach(&rt, async move {
                    workloads::spawn_many::<R>(NUM_SPAWN).await;
                    tx.send(()).unwrap();
                });
                recv_bounded(&rx, what);
            })
        });
    }
}

/// The bench thread spawns NUM_SPAWN tasks into an idle runtime; each task
/// counts down a latch the bench thread waits on.
struct SpawnManyRemoteIdle;

impl Multi for SpawnManyRemoteIdle {
    fn name(&self) -> String {
        "spawn_many_remote_idle".into()
    }
    fn bench<R: Contender>(&self, group: &mut Group<'_>, what: &'static str) {
        let rt = R::build();
        let latch = Arc::new(CountDown::new(0));
        group.bench_function(R::ID, |b| {
            b.iter(|| {
                let _guard = watchdog(what);
                spawn_remote_round::<R>(&rt, &latch, what);
            })
        });
    }
}

fn spawn_remote_round<R: Contender>(rt: &R::Rt, latch: &Arc<CountDown>, what: &str) {
    latch.reset(NUM_SPAWN);
    for _ in 0..NUM_SPAWN {
        let latch = latch.clone();
        R::detach(rt, async move { latch.arrive() });
    }
    latch.wait(what);
}

/// As `SpawnManyRemoteIdle`, while THREADS spinning tasks keep every
/// loop/worker busy. Spinners start before the timed part of each sample and
/// are stopped (and waited for) after it, so none outlives its sample.
struct SpawnManyRemoteBusy;

impl Multi for SpawnManyRemoteBusy {
    fn name(&self) -> String {
        "spawn_many_remote_busy".into()
    }
    fn bench<R: Contender>(&self, group: &mut Group<'_>, what: &'static str) {
        let rt = R::build();
        let latch = Arc::new(CountDown::new(0));
        group.bench_function(R::ID, |b| {
            b.iter_custom(|iters| {
                let _guard = watchdog(what);
                let stop = Arc::new(AtomicBool::new(false));
                let started = Arc::new(CountDown::new(THREADS));
                let stopped = Arc::new(CountDown::new(THREADS));
                R::spawn_busy(&rt, || {
                    workloads::spinner::<R>(stop.clone(), started.clone(), stopped.clone())
                });
                started.wait(what);
                let start = Instant::now();
                for _ in 0..iters {
                    spawn_remote_round::<R>(&rt, &latch, what);
                }
                let elapsed = start.elapsed();
                stop.store(true, Ordering::Relaxed);
                stopped.wait(what);
                elapsed
            })
        });
    }
}

/// NUM_PINGS ping tasks, each spawning a pong task and bouncing one message
/// there and back through two oneshots.
struct PingPong;

impl Multi for PingPong {
    fn name(&self) -> String {
        "ping_pong".into()
    }
    fn bench<R: Contender>(&self, group: &mut Group<'_>, what: &'static str) {
        let rt = R::build();
        let latch = Arc::new(CountDown::new(0));
        group.bench_function(R::ID, |b| {
            b.iter(|| {
                let _guard = watchdog(what);
                latch.reset(NUM_PINGS);
                let latch2 = latch.clone();
                R::detach(
                    &rt,
                    async move { workloads::ping_pong::<R>(NUM_PINGS, latch2) },
                );
                latch.wait(what);
            })
        });
    }
}

/// YIELD_TASKS tasks each yield NUM_YIELDS times.
struct YieldMany;

impl Multi for YieldMany {
    fn name(&self) -> String {
        "yield_many".into()
    }
    fn bench<R: Contender>(&self, group: &mut Group<'_>, what: &'static str) {
        let rt = R::build();
        let latch = Arc::new(CountDown::new(0));
        group.bench_function(R::ID, |b| {
            b.iter(|| {
                let _guard = watchdog(what);
                latch.reset(YIELD_TASKS);
                for _ in 0..YIELD_TASKS {
                    let latch = latch.clone();
                    R::detach(&rt, async move {
                        workloads::yielder::<R>(NUM_YIELDS).await;
                        latch.arrive();
                    });
                }
                latch.wait(what);
            })
        });
    }
}

/// Each task spawns the next, CHAIN_DEPTH deep; the last one reports.
struct ChainedSpawn;

impl Multi for ChainedSpawn {
    fn name(&self) -> String {
        "chained_spawn".into()
    }
    fn bench<R: Contender>(&self, group: &mut Group<'_>, what: &'static str) {
        let rt = R::build();
        let (tx, rx) = mpsc::sync_channel(1);
        group.bench_function(R::ID, |b| {
            b.iter(|| {
                let _guard = watchdog(what);
                let tx = tx.clone();
                R::detach(&rt, async move { workloads::chain::<R>(CHAIN_DEPTH, tx) });
                recv_bounded(&rx, what);
            })
        });
    }
}

/// n foreign OS threads (alive for the whole group) each spawn
/// REMOTE_SPAWNS_PER_THREAD tasks through the shared runtime.
struct RemoteSpawn(usize);

impl Multi for RemoteSpawn {
    fn name(&self) -> String {
        format!("remote_spawn_{}", self.0)
    }
    fn bench<R: Contender>(&self, group: &mut Group<'_>, what: &'static str) {
        let threads = self.0;
        let rt = Arc::new(R::build());
        let latch = Arc::new(CountDown::new(0));
        let spawners = Spawners::new(threads, {
            let rt = rt.clone();
            let latch = latch.clone();
            move |_| {
                for _ in 0..REMOTE_SPAWNS_PER_THREAD {
                    let latch = latch.clone();
                    R::detach(&rt, async move { latch.arrive() });
                }
            }
        });
        group.bench_function(R::ID, |b| {
            b.iter(|| {
                let _guard = watchdog(what);
                latch.reset(threads * REMOTE_SPAWNS_PER_THREAD);
                spawners.go();
                latch.wait(what);
            })
        });
        // Joins the threads, so the runtime is dropped after, on this thread.
        drop(spawners);
    }
}

/// The bench thread's hand-off alone (see the module docs).
struct Handoff;

impl Multi for Handoff {
    fn name(&self) -> String {
        "handoff".into()
    }
    fn bench<R: Contender>(&self, group: &mut Group<'_>, what: &'static str) {
        let rt = R::build();
        group.bench_function(R::ID, |b| {
            b.iter(|| {
                let _guard = watchdog(what);
                R::handoff(&rt);
            })
        });
    }
}

// Timers: TIMERS sleeps split over TIMER_TASKS tasks. Each task polls all of
// its sleeps once (registering them all at once), then awaits or drops them.

/// The deadlines of task `task`'s share of the timers, interleaved so every
/// task spans the whole spread.
fn timer_share(task: usize) -> impl Iterator<Item = Duration> {
    (task..TIMERS)
        .step_by(TIMER_TASKS)
        .map(|i| spread_deadline(i, TIMERS, TIMER_SPREAD))
}

/// Polls every sleep once with the task's context, so each is registered.
async fn register_all<F: Future>(sleeps: &mut [Pin<Box<F>>]) {
    poll_fn(|cx| {
        for sleep in sleeps.iter_mut() {
            poll_once(sleep.as_mut(), cx);
        }
        Poll::Ready(())
    })
    .await
}

/// Sleeps that fire (`true`) or are dropped unfired (`false`).
struct Timers {
    fire: bool,
}

impl Multi for Timers {
    fn name(&self) -> String {
        if self.fire {
            "timers_create_fire".into()
        } else {
            "timers_create_cancel".into()
        }
    }
    fn bench<R: Contender>(&self, group: &mut Group<'_>, what: &'static str) {
        let fire = self.fire;
        let rt = R::build();
        let latch = Arc::new(CountDown::new(0));
        group.bench_function(R::ID, |b| {
            b.iter(|| {
                let _guard = watchdog(what);
                latch.reset(TIMER_TASKS);
                for task in 0..TIMER_TASKS {
                    let latch = latch.clone();
                    R::detach(&rt, async move {
                        let mut sleeps: Vec<_> = if fire {
                            timer_share(task).map(|d| Box::pin(R::sleep(d))).collect()
                        } else {
                            (0..TIMERS / TIMER_TASKS)
                                .map(|_| Box::pin(R::sleep(TIMER_FAR)))
                                .collect()
                        };
                        register_all(&mut sleeps).await;
                        if fire {
                            for sleep in sleeps {
                                sleep.await;
                            }
                        }
                        latch.arrive();
                    });
                }
                latch.wait(what);
            })
        });
    }
}

// ---------------------------------------------------------------------------
// Pinned workloads (the pinned forms of the ones above).

/// NUM_PINGS pinned ping-pong round trips.
struct PinnedPingPong;

impl Pinned for PinnedPingPong {
    const NAME: &'static str = "pinned_ping_pong";
    fn once<R: PinnedContender>() -> impl Future<Output = ()> {
        workloads::pinned_ping_pong::<R>(NUM_PINGS)
    }
}

/// NUM_SPAWN pinned tasks spawned, then joined.
struct PinnedSpawnMany;

impl Pinned for PinnedSpawnMany {
    const NAME: &'static str = "pinned_spawn_many";
    fn once<R: PinnedContender>() -> impl Future<Output = ()> {
        workloads::pinned_spawn_many::<R>(NUM_SPAWN)
    }
}

/// YIELD_TASKS pinned tasks each yielding NUM_YIELDS times.
struct PinnedYieldMany;

impl Pinned for PinnedYieldMany {
    const NAME: &'static str = "pinned_yield_many";
    fn once<R: PinnedContender>() -> impl Future<Output = ()> {
        workloads::pinned_yield_many::<R>(YIELD_TASKS, NUM_YIELDS)
    }
}

/// A CHAIN_DEPTH-deep chain of pinned spawns.
struct PinnedChainedSpawn;

impl Pinned for PinnedChainedSpawn {
    const NAME: &'static str = "pinned_chained_spawn";
    fn once<R: PinnedContender>() -> impl Future<Output = ()> {
        workloads::pinned_chained_spawn::<R>(CHAIN_DEPTH)
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    multi(&mut c, SpawnManyLocal);
    multi(&mut c, SpawnManyRemoteIdle);
    multi(&mut c, SpawnManyRemoteBusy);
    multi(&mut c, PingPong);
    multi(&mut c, YieldMany);
    multi(&mut c, ChainedSpawn);
    for threads in REMOTE_THREADS {
        multi(&mut c, RemoteSpawn(threads));
    }
    multi(&mut c, Timers { fire: true });
    multi(&mut c, Timers { fire: false });
    multi(&mut c, Handoff);
    pinned::<PinnedPingPong>(&mut c);
    pinned::<PinnedSpawnMany>(&mut c);
    pinned::<PinnedYieldMany>(&mut c);
    pinned::<PinnedChainedSpawn>(&mut c);
    cross::<HiveSpawnOnLoop>(&mut c, "cross_loop_spawn");
    cross::<HiveCallSoon>(&mut c, "cross_loop_call_soon");
    c.final_summary();
}
