//! hive beside tokio on the scheduler workloads of tokio's own
//! `rt_multi_threaded` benches (spawning, yielding, ping-pong, timers).
//!
//! Each criterion group is one workload; its function ids are the contenders
//! (`hive`, `tokio`, `tokio-local`, `tokio-localruntime`), run on the same
//! input with the same number of threads. `cargo run -p hive-benches
//! --release --bin compare` prints the hive/peer median ratios.
//!
//! Each runtime is built once per group, outside the measured closure. Every
//! wait is bounded (see `hive_benches::WAIT_LIMIT` and `watchdog`): a hang is a
//! runtime bug and fails the run with the workload's name.

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion};
use hive_benches::{
    poll_once, recv_bounded, spread_deadline, watchdog, CountDown, Spawners, WAIT_LIMIT,
};
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};
// One channel for every contender: tokio's oneshot needs only a `Waker`, so
// it runs unchanged under hive, and the channel cost is the same on both sides.
use tokio::sync::oneshot;

/// Loops (hive) and worker threads (tokio): the machine has 2 cores.
const THREADS: usize = 2;
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

fn group<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut group = c.benchmark_group(name);
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500));
    group
}

fn hive_rt() -> hive::Runtime {
    hive::Runtime::builder()
        .loops(THREADS)
        .build()
        .expect("cannot build the hive runtime")
}

fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(THREADS)
        .enable_all()
        .build()
        .expect("cannot build the tokio runtime")
}

fn tokio_current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("cannot build the tokio runtime")
}

// ---------------------------------------------------------------------------
// 1. spawn_many_local: one task spawns NUM_SPAWN trivial tasks and awaits them.

fn spawn_many_local(c: &mut Criterion) {
    let mut group = group(c, "spawn_many_local");
    {
        let rt = hive_rt();
        let (tx, rx) = mpsc::sync_channel(1);
        group.bench_function("hive", |b| {
            b.iter(|| {
                let _guard = watchdog("spawn_many_local/hive");
                let tx = tx.clone();
                drop(rt.spawn(async move {
                    let tasks: Vec<_> = (0..NUM_SPAWN).map(|_| hive::spawn(async {})).collect();
                    for task in tasks {
                        task.await.expect("spawn_many_local/hive: a task failed");
                    }
                    tx.send(()).unwrap();
                }));
                recv_bounded(&rx, "spawn_many_local/hive");
            })
        });
    }
    {
        let rt = tokio_rt();
        let (tx, rx) = mpsc::sync_channel(1);
        group.bench_function("tokio", |b| {
            b.iter(|| {
                let _guard = watchdog("spawn_many_local/tokio");
                let tx = tx.clone();
                drop(rt.spawn(async move {
                    let tasks: Vec<_> = (0..NUM_SPAWN).map(|_| tokio::spawn(async {})).collect();
                    for task in tasks {
                        task.await.expect("spawn_many_local/tokio: a task failed");
                    }
                    tx.send(()).unwrap();
                }));
                recv_bounded(&rx, "spawn_many_local/tokio");
            })
        });
    }
    group.finish();
}

// ---------------------------------------------------------------------------
// 2. spawn_many_remote_idle: the bench thread spawns NUM_SPAWN tasks into an
//    idle runtime; each task counts down a latch the bench thread waits on.

fn spawn_many_remote_idle(c: &mut Criterion) {
    let mut group = group(c, "spawn_many_remote_idle");
    {
        let rt = hive_rt();
        let latch = Arc::new(CountDown::new(0));
        group.bench_function("hive", |b| {
            b.iter(|| {
                let _guard = watchdog("spawn_many_remote_idle/hive");
                latch.reset(NUM_SPAWN);
                for _ in 0..NUM_SPAWN {
                    let latch = latch.clone();
                    drop(rt.spawn(async move { latch.arrive() }));
                }
                latch.wait("spawn_many_remote_idle/hive");
            })
        });
    }
    {
        let rt = tokio_rt();
        let latch = Arc::new(CountDown::new(0));
        group.bench_function("tokio", |b| {
            b.iter(|| {
                let _guard = watchdog("spawn_many_remote_idle/tokio");
                latch.reset(NUM_SPAWN);
                for _ in 0..NUM_SPAWN {
                    let latch = latch.clone();
                    drop(rt.spawn(async move { latch.arrive() }));
                }
                latch.wait("spawn_many_remote_idle/tokio");
            })
        });
    }
    group.finish();
}

// ---------------------------------------------------------------------------
// 3. spawn_many_remote_busy: as (2), while THREADS spinning tasks keep every
//    loop/worker busy. Spinners start before the timed part of each sample and
//    are stopped (and waited for) after it, so none outlives its sample.

async fn hive_spinner(stop: Arc<AtomicBool>, started: Arc<CountDown>, stopped: Arc<CountDown>) {
    started.arrive();
    while !stop.load(Ordering::Relaxed) {
        hive::yield_now().await;
    }
    stopped.arrive();
}

async fn tokio_spinner(stop: Arc<AtomicBool>, started: Arc<CountDown>, stopped: Arc<CountDown>) {
    started.arrive();
    while !stop.load(Ordering::Relaxed) {
        tokio::task::yield_now().await;
    }
    stopped.arrive();
}

fn spawn_many_remote_busy(c: &mut Criterion) {
    let mut group = group(c, "spawn_many_remote_busy");
    {
        let rt = hive_rt();
        let latch = Arc::new(CountDown::new(0));
        group.bench_function("hive", |b| {
            b.iter_custom(|iters| {
                let _guard = watchdog("spawn_many_remote_busy/hive");
                let stop = Arc::new(AtomicBool::new(false));
                let started = Arc::new(CountDown::new(THREADS));
                let stopped = Arc::new(CountDown::new(THREADS));
                // One spinner pinned to each loop, so each one is certainly busy.
                for id in rt.loop_ids() {
                    let spinner = hive_spinner(stop.clone(), started.clone(), stopped.clone());
                    drop(rt.spawn_on_loop(id, spinner).expect("no such loop"));
                }
                started.wait("spawn_many_remote_busy/hive: spinners starting");
                let start = Instant::now();
                for _ in 0..iters {
                    latch.reset(NUM_SPAWN);
                    for _ in 0..NUM_SPAWN {
                        let latch = latch.clone();
                        drop(rt.spawn(async move { latch.arrive() }));
                    }
                    latch.wait("spawn_many_remote_busy/hive");
                }
                let elapsed = start.elapsed();
                stop.store(true, Ordering::Relaxed);
                stopped.wait("spawn_many_remote_busy/hive: spinners stopping");
                elapsed
            })
        });
    }
    {
        let rt = tokio_rt();
        let latch = Arc::new(CountDown::new(0));
        group.bench_function("tokio", |b| {
            b.iter_custom(|iters| {
                let _guard = watchdog("spawn_many_remote_busy/tokio");
                let stop = Arc::new(AtomicBool::new(false));
                let started = Arc::new(CountDown::new(THREADS));
                let stopped = Arc::new(CountDown::new(THREADS));
                // tokio cannot pin a task to a worker: spawn one spinner per
                // worker and let its scheduler spread them (as its own bench does).
                for _ in 0..THREADS {
                    drop(rt.spawn(tokio_spinner(
                        stop.clone(),
                        started.clone(),
                        stopped.clone(),
                    )));
                }
                started.wait("spawn_many_remote_busy/tokio: spinners starting");
                let start = Instant::now();
                for _ in 0..iters {
                    latch.reset(NUM_SPAWN);
                    for _ in 0..NUM_SPAWN {
                        let latch = latch.clone();
                        drop(rt.spawn(async move { latch.arrive() }));
                    }
                    latch.wait("spawn_many_remote_busy/tokio");
                }
                let elapsed = start.elapsed();
                stop.store(true, Ordering::Relaxed);
                stopped.wait("spawn_many_remote_busy/tokio: spinners stopping");
                elapsed
            })
        });
    }
    group.finish();
}

// ---------------------------------------------------------------------------
// 4. ping_pong: NUM_PINGS ping tasks, each spawning a pong task and bouncing
//    one message there and back through two oneshots.

fn ping_pong(c: &mut Criterion) {
    let mut group = group(c, "ping_pong");
    {
        let rt = hive_rt();
        let latch = Arc::new(CountDown::new(0));
        group.bench_function("hive", |b| {
            b.iter(|| {
                let _guard = watchdog("ping_pong/hive");
                latch.reset(NUM_PINGS);
                let latch2 = latch.clone();
                drop(rt.spawn(async move {
                    for _ in 0..NUM_PINGS {
                        let latch = latch2.clone();
                        drop(hive::spawn(async move {
                            let (ping_tx, ping_rx) = oneshot::channel::<()>();
                            let (pong_tx, pong_rx) = oneshot::channel::<()>();
                            drop(hive::spawn(async move {
                                ping_rx.await.expect("ping_pong/hive: ping lost");
                                pong_tx.send(()).expect("ping_pong/hive: ping task gone");
                            }));
                            ping_tx.send(()).expect("ping_pong/hive: pong task gone");
                            pong_rx.await.expect("ping_pong/hive: pong lost");
                            latch.arrive();
                        }));
                    }
                }));
                latch.wait("ping_pong/hive");
            })
        });
    }
    {
        let rt = tokio_rt();
        let latch = Arc::new(CountDown::new(0));
        group.bench_function("tokio", |b| {
            b.iter(|| {
                let _guard = watchdog("ping_pong/tokio");
                latch.reset(NUM_PINGS);
                let latch2 = latch.clone();
                drop(rt.spawn(async move {
                    for _ in 0..NUM_PINGS {
                        let latch = latch2.clone();
                        drop(tokio::spawn(async move {
                            let (ping_tx, ping_rx) = oneshot::channel::<()>();
                            let (pong_tx, pong_rx) = oneshot::channel::<()>();
                            drop(tokio::spawn(async move {
                                ping_rx.await.expect("ping_pong/tokio: ping lost");
                                pong_tx.send(()).expect("ping_pong/tokio: ping task gone");
                            }));
                            ping_tx.send(()).expect("ping_pong/tokio: pong task gone");
                            pong_rx.await.expect("ping_pong/tokio: pong lost");
                            latch.arrive();
                        }));
                    }
                }));
                latch.wait("ping_pong/tokio");
            })
        });
    }
    group.finish();
}

// ---------------------------------------------------------------------------
// 5. yield_many: YIELD_TASKS tasks each yield NUM_YIELDS times.

fn yield_many(c: &mut Criterion) {
    let mut group = group(c, "yield_many");
    {
        let rt = hive_rt();
        let latch = Arc::new(CountDown::new(0));
        group.bench_function("hive", |b| {
            b.iter(|| {
                let _guard = watchdog("yield_many/hive");
                latch.reset(YIELD_TASKS);
                for _ in 0..YIELD_TASKS {
                    let latch = latch.clone();
                    drop(rt.spawn(async move {
                        for _ in 0..NUM_YIELDS {
                            hive::yield_now().await;
                        }
                        latch.arrive();
                    }));
                }
                latch.wait("yield_many/hive");
            })
        });
    }
    {
        let rt = tokio_rt();
        let latch = Arc::new(CountDown::new(0));
        group.bench_function("tokio", |b| {
            b.iter(|| {
                let _guard = watchdog("yield_many/tokio");
                latch.reset(YIELD_TASKS);
                for _ in 0..YIELD_TASKS {
                    let latch = latch.clone();
                    drop(rt.spawn(async move {
                        for _ in 0..NUM_YIELDS {
                            tokio::task::yield_now().await;
                        }
                        latch.arrive();
                    }));
                }
                latch.wait("yield_many/tokio");
            })
        });
    }
    group.finish();
}

// ---------------------------------------------------------------------------
// 6. chained_spawn: each task spawns the next, CHAIN_DEPTH deep; the last one
//    reports completion.

fn hive_chain(remaining: usize, done: mpsc::SyncSender<()>) {
    if remaining == 0 {
        done.send(())
            .expect("chained_spawn/hive: the bench stopped waiting");
    } else {
        drop(hive::spawn(async move { hive_chain(remaining - 1, done) }));
    }
}

fn tokio_chain(remaining: usize, done: mpsc::SyncSender<()>) {
    if remaining == 0 {
        done.send(())
            .expect("chained_spawn/tokio: the bench stopped waiting");
    } else {
        drop(tokio::spawn(
            async move { tokio_chain(remaining - 1, done) },
        ));
    }
}

fn chained_spawn(c: &mut Criterion) {
    let mut group = group(c, "chained_spawn");
    {
        let rt = hive_rt();
        let (tx, rx) = mpsc::sync_channel(1);
        group.bench_function("hive", |b| {
            b.iter(|| {
                let _guard = watchdog("chained_spawn/hive");
                let tx = tx.clone();
                drop(rt.spawn(async move { hive_chain(CHAIN_DEPTH, tx) }));
                recv_bounded(&rx, "chained_spawn/hive");
            })
        });
    }
    {
        let rt = tokio_rt();
        let (tx, rx) = mpsc::sync_channel(1);
        group.bench_function("tokio", |b| {
            b.iter(|| {
                let _guard = watchdog("chained_spawn/tokio");
                let tx = tx.clone();
                drop(rt.spawn(async move { tokio_chain(CHAIN_DEPTH, tx) }));
                recv_bounded(&rx, "chained_spawn/tokio");
            })
        });
    }
    group.finish();
}

// ---------------------------------------------------------------------------
// 7. pinned_ping_pong: ping_pong with every task pinned to one thread.
//
// hive: a `run_local` main task on loop 0 of the THREADS-loop runtime, its
// pings and pongs made with `hive::spawn_local` (loop 1 idles). The bench
// thread hands the main task to loop 0 and is woken at the end, a cross-thread
// round trip tokio's contenders do not pay: they drive the tasks on the bench
// thread itself.
// tokio-local: a `LocalSet` on a current_thread runtime (`tokio::task::spawn_local`).
// tokio-localruntime: `tokio::runtime::LocalRuntime`, stable (no
// `tokio_unstable` cfg needed) in the tokio version in Cargo.lock (1.54).

/// The pinned ping-pong body, generic over the `spawn_local` of each runtime.
async fn pinned_pings<S, P, H>(spawn_local: S, join: fn(H) -> P)
where
    S: Fn(Pin<Box<dyn Future<Output = ()>>>) -> H + Clone + 'static,
    P: Future<Output = ()>,
{
    let mut pings = Vec::with_capacity(NUM_PINGS);
    for _ in 0..NUM_PINGS {
        let spawn_pong = spawn_local.clone();
        pings.push(spawn_local(Box::pin(async move {
            let (ping_tx, ping_rx) = oneshot::channel::<()>();
            let (pong_tx, pong_rx) = oneshot::channel::<()>();
            drop(spawn_pong(Box::pin(async move {
                ping_rx.await.expect("pinned_ping_pong: ping lost");
                pong_tx.send(()).expect("pinned_ping_pong: ping task gone");
            })));
            ping_tx.send(()).expect("pinned_ping_pong: pong task gone");
            pong_rx.await.expect("pinned_ping_pong: pong lost");
        })));
    }
    for ping in pings {
        join(ping).await;
    }
}

/// Awaits `future` for at most `WAIT_LIMIT` on hive, panicking with `what` on expiry.
async fn hive_bounded<F: Future>(what: &str, future: F) -> F::Output {
    hive::timeout(WAIT_LIMIT, future)
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}; the runtime hung"))
}

/// Awaits `future` for at most `WAIT_LIMIT` on tokio (the timer is created
/// on first poll, inside the runtime), panicking with `what` on expiry.
async fn tokio_bounded<F: Future>(what: &str, future: F) -> F::Output {
    tokio::time::timeout(WAIT_LIMIT, future)
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}; the runtime hung"))
}

fn hive_spawn_local(future: Pin<Box<dyn Future<Output = ()>>>) -> hive::Task<()> {
    hive::spawn_local(future).expect("pinned_ping_pong/hive: not on a loop")
}

async fn hive_join(task: hive::Task<()>) {
    task.await.expect("pinned_ping_pong/hive: a task failed");
}

fn tokio_spawn_local(future: Pin<Box<dyn Future<Output = ()>>>) -> tokio::task::JoinHandle<()> {
    tokio::task::spawn_local(future)
}

async fn tokio_join(task: tokio::task::JoinHandle<()>) {
    task.await.expect("pinned_ping_pong/tokio: a task failed");
}

fn pinned_ping_pong(c: &mut Criterion) {
    let mut group = group(c, "pinned_ping_pong");
    {
        let rt = hive_rt();
        group.bench_function("hive", |b| {
            b.iter(|| {
                let _guard = watchdog("pinned_ping_pong/hive");
                rt.run_local(|| {
                    hive_bounded(
                        "pinned_ping_pong/hive",
                        pinned_pings(hive_spawn_local, hive_join),
                    )
                })
                .expect("pinned_ping_pong/hive: run_local failed");
            })
        });
    }
    {
        let rt = tokio_current_thread();
        let local = tokio::task::LocalSet::new();
        group.bench_function("tokio-local", |b| {
            b.iter(|| {
                let _guard = watchdog("pinned_ping_pong/tokio-local");
                local.block_on(
                    &rt,
                    tokio_bounded(
                        "pinned_ping_pong/tokio-local",
                        pinned_pings(tokio_spawn_local, tokio_join),
                    ),
                );
            })
        });
    }
    {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build_local(Default::default())
            .expect("cannot build the tokio LocalRuntime");
        group.bench_function("tokio-localruntime", |b| {
            b.iter(|| {
                let _guard = watchdog("pinned_ping_pong/tokio-localruntime");
                rt.block_on(tokio_bounded(
                    "pinned_ping_pong/tokio-localruntime",
                    pinned_pings(tokio_spawn_local, tokio_join),
                ));
            })
        });
    }
    group.finish();
}

// ---------------------------------------------------------------------------
// 8. remote_spawn_{n}: n foreign OS threads (alive for the whole group) each
//    spawn REMOTE_SPAWNS_PER_THREAD tasks through a shared handle.

fn remote_spawn(c: &mut Criterion) {
    for threads in REMOTE_THREADS {
        let mut group = group(c, &format!("remote_spawn_{threads}"));
        let total = threads * REMOTE_SPAWNS_PER_THREAD;
        {
            let rt = Arc::new(hive_rt());
            let latch = Arc::new(CountDown::new(0));
            let spawners = Spawners::new(threads, {
                let rt = rt.clone();
                let latch = latch.clone();
                move |_| {
                    for _ in 0..REMOTE_SPAWNS_PER_THREAD {
                        let latch = latch.clone();
                        drop(rt.spawn(async move { latch.arrive() }));
                    }
                }
            });
            group.bench_function("hive", |b| {
                b.iter(|| {
                    let _guard = watchdog("remote_spawn/hive");
                    latch.reset(total);
                    spawners.go();
                    latch.wait("remote_spawn/hive");
                })
            });
            // Joins the threads, so the runtime is dropped here, on this thread.
            drop(spawners);
        }
        {
            let rt = tokio_rt();
            let latch = Arc::new(CountDown::new(0));
            let spawners = Spawners::new(threads, {
                let handle = rt.handle().clone();
                let latch = latch.clone();
                move |_| {
                    for _ in 0..REMOTE_SPAWNS_PER_THREAD {
                        let latch = latch.clone();
                        drop(handle.spawn(async move { latch.arrive() }));
                    }
                }
            });
            group.bench_function("tokio", |b| {
                b.iter(|| {
                    let _guard = watchdog("remote_spawn/tokio");
                    latch.reset(total);
                    spawners.go();
                    latch.wait("remote_spawn/tokio");
                })
            });
            drop(spawners);
        }
        group.finish();
    }
}

// ---------------------------------------------------------------------------
// 9. Timers: TIMERS sleeps split over TIMER_TASKS tasks. Each task polls all
//    of its sleeps once (registering them all at once), then awaits or drops them.

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

fn timers_create_fire(c: &mut Criterion) {
    let mut group = group(c, "timers_create_fire");
    {
        let rt = hive_rt();
        let latch = Arc::new(CountDown::new(0));
        group.bench_function("hive", |b| {
            b.iter(|| {
                let _guard = watchdog("timers_create_fire/hive");
                latch.reset(TIMER_TASKS);
                for task in 0..TIMER_TASKS {
                    let latch = latch.clone();
                    drop(rt.spawn(async move {
                        let mut sleeps: Vec<_> = timer_share(task)
                            .map(|d| Box::pin(hive::sleep(d)))
                            .collect();
                        register_all(&mut sleeps).await;
                        for sleep in sleeps {
                            sleep.await;
                        }
                        latch.arrive();
                    }));
                }
                latch.wait("timers_create_fire/hive");
            })
        });
    }
    {
        let rt = tokio_rt();
        let latch = Arc::new(CountDown::new(0));
        group.bench_function("tokio", |b| {
            b.iter(|| {
                let _guard = watchdog("timers_create_fire/tokio");
                latch.reset(TIMER_TASKS);
                for task in 0..TIMER_TASKS {
                    let latch = latch.clone();
                    drop(rt.spawn(async move {
                        let mut sleeps: Vec<_> = timer_share(task)
                            .map(|d| Box::pin(tokio::time::sleep(d)))
                            .collect();
                        register_all(&mut sleeps).await;
                        for sleep in sleeps {
                            sleep.await;
                        }
                        latch.arrive();
                    }));
                }
                latch.wait("timers_create_fire/tokio");
            })
        });
    }
    group.finish();
}

fn timers_create_cancel(c: &mut Criterion) {
    let mut group = group(c, "timers_create_cancel");
    {
        let rt = hive_rt();
        let latch = Arc::new(CountDown::new(0));
        group.bench_function("hive", |b| {
            b.iter(|| {
                let _guard = watchdog("timers_create_cancel/hive");
                latch.reset(TIMER_TASKS);
                for _ in 0..TIMER_TASKS {
                    let latch = latch.clone();
                    drop(rt.spawn(async move {
                        let mut sleeps: Vec<_> = (0..TIMERS / TIMER_TASKS)
                            .map(|_| Box::pin(hive::sleep(TIMER_FAR)))
                            .collect();
                        register_all(&mut sleeps).await;
                        drop(sleeps);
                        latch.arrive();
                    }));
                }
                latch.wait("timers_create_cancel/hive");
            })
        });
    }
    {
        let rt = tokio_rt();
        let latch = Arc::new(CountDown::new(0));
        group.bench_function("tokio", |b| {
            b.iter(|| {
                let _guard = watchdog("timers_create_cancel/tokio");
                latch.reset(TIMER_TASKS);
                for _ in 0..TIMER_TASKS {
                    let latch = latch.clone();
                    drop(rt.spawn(async move {
                        let mut sleeps: Vec<_> = (0..TIMERS / TIMER_TASKS)
                            .map(|_| Box::pin(tokio::time::sleep(TIMER_FAR)))
                            .collect();
                        register_all(&mut sleeps).await;
                        drop(sleeps);
                        latch.arrive();
                    }));
                }
                latch.wait("timers_create_cancel/tokio");
            })
        });
    }
    group.finish();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    spawn_many_local(&mut c);
    spawn_many_remote_idle(&mut c);
    spawn_many_remote_busy(&mut c);
    ping_pong(&mut c);
    yield_many(&mut c);
    chained_spawn(&mut c);
    pinned_ping_pong(&mut c);
    remote_spawn(&mut c);
    timers_create_fire(&mut c);
    timers_create_cancel(&mut c);
    c.final_summary();
}
