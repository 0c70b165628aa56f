//! The runtimes every scheduler workload runs on, behind three traits, so a
//! workload is written once (generic over the trait) and a runtime is added
//! in one place (one impl, one line in the bench's contender list).
//!
//! * [`Contender`]: a multi-threaded runtime with stealable tasks (hive's
//!   loops, tokio's workers), driven from the bench thread.
//! * [`PinnedContender`]: every task on one thread (hive's `spawn_local` on
//!   a loop, tokio's `LocalSet` and `LocalRuntime`); the work is timed
//!   *inside* the running loop, so no contender pays a cross-thread hand-off.
//! * [`CrossContender`]: tasks on one loop handing work to another loop
//!   (hive's `spawn_on_loop` and `call_soon_threadsafe`, tokio's
//!   `Handle::spawn` onto another runtime and tokio-util's `spawn_pinned`),
//!   timed inside the origin loop.
//!
//! ```
//! use hive_benches::contenders::{Contender, Hive, Tokio};
//! use std::sync::mpsc;
//!
//! fn one_task<R: Contender>() {
//!     let rt = R::build();
//!     let (tx, rx) = mpsc::sync_channel(1);
//!     R::detach(&rt, async move {
//!         let answer = R::spawn(async { 42 }).await;
//!         tx.send(answer).unwrap();
//!     });
//!     assert_eq!(rx.recv().unwrap(), 42);
//! }
//! one_task::<Hive>();
//! one_task::<Tokio>();
//! ```

use std::future::Future;
use std::time::Duration;
use tokio::sync::oneshot;

/// Loops (hive) and worker threads (tokio): the machine has 2 cores.
pub const THREADS: usize = 2;

/// A multi-threaded runtime whose tasks any thread may run.
pub trait Contender: 'static {
    /// The criterion function id (`compare` reads `hive` against the rest).
    const ID: &'static str;
    /// The runtime, built once per benchmark group.
    type Rt: Send + Sync + 'static;
    /// A runtime with [`THREADS`] loops or workers.
    fn build() -> Self::Rt;
    /// Spawns `future` from a thread outside the runtime and lets it run
    /// detached (the bench thread waits on a latch or channel instead).
    fn detach<F>(rt: &Self::Rt, future: F)
    where
        F: Future<Output = ()> + Send + 'static;
    /// Spawns a stealable task from inside the runtime; the returned future
    /// is its join (dropping it detaches the task).
    fn spawn<F>(future: F) -> impl Future<Output = F::Output> + Send + 'static
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;
    /// The runtime's `yield_now`.
    fn yield_now() -> impl Future<Output = ()> + Send;
    /// The runtime's `sleep`.
    fn sleep(duration: Duration) -> impl Future<Output = ()> + Send;
    /// Starts `make()` once per loop or worker, each keeping one busy
    /// (hive pins one to each loop; tokio cannot pin, so it spawns
    /// [`THREADS`] and lets its scheduler spread them, as its own bench does).
    fn spawn_busy<F>(rt: &Self::Rt, make: impl Fn() -> F)
    where
        F: Future<Output = ()> + Send + 'static;
    /// From the bench thread: hand one empty unit of work to the runtime and
    /// block until it has run, the way a program outside the runtime enters
    /// it (hive: `Runtime::run_local`, the hand-off every `run_local` pays;
    /// tokio: `Handle::spawn`, then `Runtime::block_on` on the join handle).
    fn handoff(rt: &Self::Rt);
}

/// hive's pool of [`THREADS`] loops, stealable tasks.
#[derive(Debug)]
pub struct Hive;

/// tokio's multi-thread runtime with [`THREADS`] workers.
#[derive(Debug)]
pub struct Tokio;

impl Contender for Hive {
    const ID: &'static str = "hive";
    type Rt = hive::Runtime;

    fn build() -> hive::Runtime {
        hive::Runtime::builder()
            .loops(THREADS)
            .build()
            .expect("cannot build the hive runtime")
    }

    fn detach<F>(rt: &hive::Runtime, future: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        drop(rt.spawn(future));
    }

    fn spawn<F>(future: F) -> impl Future<Output = F::Output> + Send + 'static
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let task = hive::spawn(future);
        async move { task.await.expect("hive: a spawned task failed") }
    }

    fn yield_now() -> impl Future<Output = ()> + Send {
        hive::yield_now()
    }

    fn sleep(duration: Duration) -> impl Future<Output = ()> + Send {
        hive::sleep(duration)
    }

    fn spawn_busy<F>(rt: &hive::Runtime, make: impl Fn() -> F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        for id in rt.loop_ids() {
            drop(rt.spawn_on_loop(id, make()).expect("no such loop"));
        }
    }

    fn handoff(rt: &hive::Runtime) {
        rt.run_local(|| async {})
            .expect("handoff/hive: run_local failed");
    }
}

impl Contender for Tokio {
    const ID: &'static str = "tokio";
    type Rt = tokio::runtime::Runtime;

    fn build() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(THREADS)
            .enable_all()
            .build()
            .expect("cannot build the tokio runtime")
    }

    fn detach<F>(rt: &tokio::runtime::Runtime, future: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        drop(rt.spawn(future));
    }

    fn spawn<F>(future: F) -> impl Future<Output = F::Output> + Send + 'static
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let task = tokio::spawn(future);
        async move { task.await.expect("tokio: a spawned task failed") }
    }

    fn yield_now() -> impl Future<Output = ()> + Send {
        tokio::task::yield_now()
    }

    fn sleep(duration: Duration) -> impl Future<Output = ()> + Send {
        tokio::time::sleep(duration)
    }

    fn spawn_busy<F>(rt: &tokio::runtime::Runtime, make: impl Fn() -> F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        for _ in 0..THREADS {
            drop(rt.spawn(make()));
        }
    }

    fn handoff(rt: &tokio::runtime::Runtime) {
        let task = rt.handle().spawn(async {});
        rt.block_on(task).expect("handoff/tokio: the task failed");
    }
}

/// A runtime whose tasks all stay on the thread that runs them.
pub trait PinnedContender: 'static {
    /// The criterion function id.
    const ID: &'static str;
    /// The runtime, built once per benchmark group.
    type Rt: 'static;
    /// A runtime with one loop (hive) or a current-thread runtime (tokio).
    fn build() -> Self::Rt;
    /// Runs `make()`'s future on the runtime's loop and returns its output.
    /// What the future times itself is the measurement; the cost of getting
    /// onto the loop (a cross-thread hand-off for hive's `run_local`, none
    /// for tokio's `block_on` on the calling thread) is outside it.
    fn run<M, F>(rt: &Self::Rt, make: M) -> F::Output
    where
        M: FnOnce() -> F + Send + 'static,
        F: Future + 'static,
        F::Output: Send + 'static;
    /// Spawns a task pinned to the current thread (`!Send` allowed); the
    /// returned future is its join (dropping it detaches the task).
    fn spawn_local<F>(future: F) -> impl Future<Output = F::Output> + 'static
    where
        F: Future + 'static,
        F::Output: 'static;
    /// The runtime's `yield_now`.
    fn yield_now() -> impl Future<Output = ()>;
}

/// hive: one loop, the work on it through `Runtime::run_local`, tasks made
/// with `hive::spawn_local`.
#[derive(Debug)]
pub struct HiveLocal;

/// tokio: a `LocalSet` on a current-thread runtime (`LocalSet::block_on`,
/// tasks made with `tokio::task::spawn_local`).
#[derive(Debug)]
pub struct TokioLocalSet;

/// tokio: `tokio::runtime::LocalRuntime` (stable, no `tokio_unstable` cfg
/// needed, in the tokio of Cargo.lock, 1.54), tasks made with
/// `tokio::task::spawn_local`.
#[derive(Debug)]
pub struct TokioLocalRuntime;

impl PinnedContender for HiveLocal {
    const ID: &'static str = "hive";
    type Rt = hive::Runtime;

    fn build() -> hive::Runtime {
        hive::Runtime::builder()
            .loops(1)
            .build()
            .expect("cannot build the hive runtime")
    }

    fn run<M, F>(rt: &hive::Runtime, make: M) -> F::Output
    where
        M: FnOnce() -> F + Send + 'static,
        F: Future + 'static,
        F::Output: Send + 'static,
    {
        rt.run_local(make).expect("hive: run_local failed")
    }

    fn spawn_local<F>(future: F) -> impl Future<Output = F::Output> + 'static
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let task = hive::spawn_local(future).expect("hive: spawn_local off a loop");
        async move { task.await.expect("hive: a local task failed") }
    }

    fn yield_now() -> impl Future<Output = ()> {
        hive::yield_now()
    }
}

impl PinnedContender for TokioLocalSet {
    const ID: &'static str = "tokio-local";
    type Rt = (tokio::runtime::Runtime, tokio::task::LocalSet);

    fn build() -> Self::Rt {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("cannot build the tokio runtime");
        (rt, tokio::task::LocalSet::new())
    }

    fn run<M, F>((rt, local): &Self::Rt, make: M) -> F::Output
    where
        M: FnOnce() -> F + Send + 'static,
        F: Future + 'static,
        F::Output: Send + 'static,
    {
        local.block_on(rt, make())
    }

    fn spawn_local<F>(future: F) -> impl Future<Output = F::Output> + 'static
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        tokio_local_join(tokio::task::spawn_local(future))
    }

    fn yield_now() -> impl Future<Output = ()> {
        tokio::task::yield_now()
    }
}

impl PinnedContender for TokioLocalRuntime {
    const ID: &'static str = "tokio-localruntime";
    type Rt = tokio::runtime::LocalRuntime;

    fn build() -> tokio::runtime::LocalRuntime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build_local(Default::default())
            .expect("cannot build the tokio LocalRuntime")
    }

    fn run<M, F>(rt: &tokio::runtime::LocalRuntime, make: M) -> F::Output
    where
        M: FnOnce() -> F + Send + 'static,
        F: Future + 'static,
        F::Output: Send + 'static,
    {
        rt.block_on(make())
    }

    fn spawn_local<F>(future: F) -> impl Future<Output = F::Output> + 'static
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        tokio_local_join(tokio::task::spawn_local(future))
    }

    fn yield_now() -> impl Future<Output = ()> {
        tokio::task::yield_now()
    }
}

async fn tokio_local_join<T>(task: tokio::task::JoinHandle<T>) -> T {
    task.await.expect("tokio: a local task failed")
}

/// Tasks on one loop handing work to another loop (another thread).
pub trait CrossContender: 'static {
    /// The criterion function id.
    const ID: &'static str;
    /// The runtime(s), built once per benchmark group.
    type Rt: 'static;
    /// What the origin needs to reach the other loop.
    type Target: Clone + Send + 'static;
    /// The origin loop and the other one.
    fn build() -> Self::Rt;
    /// Runs `make(target)`'s future on the origin loop (as
    /// [`PinnedContender::run`]: the future times itself).
    fn run<M, F>(rt: &Self::Rt, make: M) -> F::Output
    where
        M: FnOnce(Self::Target) -> F + Send + 'static,
        F: Future + 'static,
        F::Output: Send + 'static;
    /// Has `work` run on the other loop; the returned future resolves once
    /// it has (dropping it does not cancel the work).
    fn remote(
        target: &Self::Target,
        work: impl FnOnce() + Send + 'static,
    ) -> impl Future<Output = ()> + 'static;
}

/// hive: from a `run_local` task on loop 0, `hive::spawn_on_loop` onto loop 1.
#[derive(Debug)]
pub struct HiveSpawnOnLoop;

/// hive: from a `run_local` task on loop 0, `Loop::call_soon_threadsafe`
/// onto loop 1; the callback answers through a oneshot.
#[derive(Debug)]
pub struct HiveCallSoon;

/// tokio: from a `LocalSet` on a current-thread runtime, `Handle::spawn`
/// onto a second runtime (multi-thread, one worker: it drives itself).
#[derive(Debug)]
pub struct TokioHandle;

/// tokio: from a `LocalSet` on a current-thread runtime,
/// `tokio_util::task::LocalPoolHandle::spawn_pinned` onto a pool of one
/// thread.
#[derive(Debug)]
pub struct TokioSpawnPinned;

fn hive_two_loops() -> hive::Runtime {
    hive::Runtime::builder()
        .loops(2)
        .build()
        .expect("cannot build the hive runtime")
}

fn run_on_hive_loop_0<M, F, T>(rt: &hive::Runtime, target: T, make: M) -> F::Output
where
    M: FnOnce(T) -> F + Send + 'static,
    F: Future + 'static,
    F::Output: Send + 'static,
    T: Send + 'static,
{
    rt.run_local(move || make(target))
        .expect("hive: run_local failed")
}

impl CrossContender for HiveSpawnOnLoop {
    const ID: &'static str = "hive";
    type Rt = hive::Runtime;
    type Target = hive::LoopId;

    fn build() -> hive::Runtime {
        hive_two_loops()
    }

    fn run<M, F>(rt: &hive::Runtime, make: M) -> F::Output
    where
        M: FnOnce(hive::LoopId) -> F + Send + 'static,
        F: Future + 'static,
        F::Output: Send + 'static,
    {
        run_on_hive_loop_0(rt, rt.loop_ids()[1], make)
    }

    fn remote(
        target: &hive::LoopId,
        work: impl FnOnce() + Send + 'static,
    ) -> impl Future<Output = ()> + 'static {
        let task = hive::spawn_on_loop(*target, async move { work() })
            .expect("hive: spawn_on_loop to a loop that is not there");
        async move { task.await.expect("hive: a cross-loop task failed") }
    }
}

impl CrossContender for HiveCallSoon {
    const ID: &'static str = "hive";
    type Rt = hive::Runtime;
    type Target = hive::Loop;

    fn build() -> hive::Runtime {
        hive_two_loops()
    }

    fn run<M, F>(rt: &hive::Runtime, make: M) -> F::Output
    where
        M: FnOnce(hive::Loop) -> F + Send + 'static,
        F: Future + 'static,
        F::Output: Send + 'static,
    {
        let other = rt.get_loop(rt.loop_ids()[1]).expect("loop 1 is there");
        run_on_hive_loop_0(rt, other, make)
    }

    fn remote(
        target: &hive::Loop,
        work: impl FnOnce() + Send + 'static,
    ) -> impl Future<Output = ()> + 'static {
        let (done, ran) = oneshot::channel();
        drop(target.call_soon_threadsafe(move || {
            work();
            let _ = done.send(());
        }));
        async move { ran.await.expect("hive: a callback was dropped unrun") }
    }
}

/// The origin of tokio's cross-loop contenders: a `LocalSet` on a
/// current-thread runtime on the bench thread.
fn tokio_origin() -> (tokio::runtime::Runtime, tokio::task::LocalSet) {
    TokioLocalSet::build()
}

impl CrossContender for TokioHandle {
    const ID: &'static str = "tokio-handle";
    type Rt = (
        (tokio::runtime::Runtime, tokio::task::LocalSet),
        tokio::runtime::Runtime,
    );
    type Target = tokio::runtime::Handle;

    fn build() -> Self::Rt {
        let other = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("cannot build the tokio runtime");
        (tokio_origin(), other)
    }

    fn run<M, F>(((rt, local), other): &Self::Rt, make: M) -> F::Output
    where
        M: FnOnce(tokio::runtime::Handle) -> F + Send + 'static,
        F: Future + 'static,
        F::Output: Send + 'static,
    {
        local.block_on(rt, make(other.handle().clone()))
    }

    fn remote(
        target: &tokio::runtime::Handle,
        work: impl FnOnce() + Send + 'static,
    ) -> impl Future<Output = ()> + 'static {
        let task = target.spawn(async move { work() });
        async move { task.await.expect("tokio: a cross-runtime task failed") }
    }
}

impl CrossContender for TokioSpawnPinned {
    const ID: &'static str = "tokio-spawn_pinned";
    type Rt = (
        (tokio::runtime::Runtime, tokio::task::LocalSet),
        tokio_util::task::LocalPoolHandle,
    );
    type Target = tokio_util::task::LocalPoolHandle;

    fn build() -> Self::Rt {
        (tokio_origin(), tokio_util::task::LocalPoolHandle::new(1))
    }

    fn run<M, F>(((rt, local), pool): &Self::Rt, make: M) -> F::Output
    where
        M: FnOnce(tokio_util::task::LocalPoolHandle) -> F + Send + 'static,
        F: Future + 'static,
        F::Output: Send + 'static,
    {
        local.block_on(rt, make(pool.clone()))
    }

    fn remote(
        target: &tokio_util::task::LocalPoolHandle,
        work: impl FnOnce() + Send + 'static,
    ) -> impl Future<Output = ()> + 'static {
        let task = target.spawn_pinned(move || async move { work() });
        async move { task.await.expect("tokio: a spawn_pinned task failed") }
    }
}
