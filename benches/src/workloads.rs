//! The scheduler workloads' bodies, each written once, generic over the
//! contender traits of [`contenders`](crate::contenders); the criterion
//! bench (`benches/runtime.rs`) and the instruction counter
//! (`src/bin/icount.rs`) both run these.
//!
//! ```
//! use hive_benches::contenders::{HiveLocal, PinnedContender, TokioLocalSet};
//! use hive_benches::workloads::pinned_ping_pong;
//!
//! fn ten_round_trips<R: PinnedContender>() {
//!     let rt = R::build();
//!     R::run(&rt, || pinned_ping_pong::<R>(10));
//! }
//! ten_round_trips::<HiveLocal>();
//! ten_round_trips::<TokioLocalSet>();
//! ```

use crate::contenders::{Contender, CrossContender, PinnedContender};
use crate::CountDown;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
// One channel for every contender: tokio's oneshot needs only a `Waker`, so
// it runs unchanged under hive, and the channel cost is the same on both sides.
use tokio::sync::oneshot;

/// From inside a task: spawns `count` empty tasks, then joins each.
pub async fn spawn_many<R: Contender>(count: usize) {
    let tasks: Vec<_> = (0..count).map(|_| R::spawn(async {})).collect();
    for task in tasks {
        task.await;
    }
}

/// `count` ping tasks, each spawning a pong task and bouncing one message
/// there and back through two oneshots; `latch` opens when every ping has
/// its pong. Call from inside a task (the tasks are detached).
pub fn ping_pong<R: Contender>(count: usize, latch: Arc<CountDown>) {
    for _ in 0..count {
        let latch = latch.clone();
        drop(R::spawn(async move {
            let (ping_tx, ping_rx) = oneshot::channel::<()>();
            let (pong_tx, pong_rx) = oneshot::channel::<()>();
            drop(R::spawn(async move {
                ping_rx.await.expect("ping_pong: ping lost");
                pong_tx.send(()).expect("ping_pong: ping task gone");
            }));
            ping_tx.send(()).expect("ping_pong: pong task gone");
            pong_rx.await.expect("ping_pong: pong lost");
            latch.arrive();
        }));
    }
}

/// One task yielding `yields` times.
pub async fn yielder<R: Contender>(yields: usize) {
    for _ in 0..yields {
        R::yield_now().await;
    }
}

/// Each task spawns the next, `remaining` deep; the last one sends on `done`.
pub fn chain<R: Contender>(remaining: usize, done: std::sync::mpsc::SyncSender<()>) {
    if remaining == 0 {
        done.send(())
            .expect("chained_spawn: the bench stopped waiting");
    } else {
        drop(R::spawn(async move { chain::<R>(remaining - 1, done) }));
    }
}

/// A task that keeps its loop or worker busy (yielding) until `stop`.
pub async fn spinner<R: Contender>(
    stop: Arc<AtomicBool>,
    started: Arc<CountDown>,
    stopped: Arc<CountDown>,
) {
    started.arrive();
    while !stop.load(Ordering::Relaxed) {
        R::yield_now().await;
    }
    stopped.arrive();
}

/// `count` pinned ping-pong round trips: each ping task spawns its pong
/// task, and one message goes there and back through two oneshots; then
/// every ping is joined.
pub async fn pinned_ping_pong<R: PinnedContender>(count: usize) {
    let mut pings = Vec::with_capacity(count);
    for _ in 0..count {
        pings.push(R::spawn_local(async move {
            let (ping_tx, ping_rx) = oneshot::channel::<()>();
            let (pong_tx, pong_rx) = oneshot::channel::<()>();
            drop(R::spawn_local(async move {
                ping_rx.await.expect("pinned_ping_pong: ping lost");
                pong_tx.send(()).expect("pinned_ping_pong: ping task gone");
            }));
            ping_tx.send(()).expect("pinned_ping_pong: pong task gone");
            pong_rx.await.expect("pinned_ping_pong: pong lost");
        }));
    }
    for ping in pings {
        ping.await;
    }
}

/// Spawns `count` empty pinned tasks, then joins each.
pub async fn pinned_spawn_many<R: PinnedContender>(count: usize) {
    let tasks: Vec<_> = (0..count).map(|_| R::spawn_local(async {})).collect();
    for task in tasks {
        task.await;
    }
}

/// `tasks` pinned tasks each yielding `yields` times; joins them all.
pub async fn pinned_yield_many<R: PinnedContender>(tasks: usize, yields: usize) {
    let tasks: Vec<_> = (0..tasks)
        .map(|_| {
            R::spawn_local(async move {
                for _ in 0..yields {
                    R::yield_now().await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await;
    }
}

/// Each pinned task spawns the next, `depth` deep; resolves when the last ran.
pub async fn pinned_chained_spawn<R: PinnedContender>(depth: usize) {
    fn link<R: PinnedContender>(remaining: usize, done: oneshot::Sender<()>) {
        if remaining == 0 {
            let _ = done.send(());
        } else {
            drop(R::spawn_local(
                async move { link::<R>(remaining - 1, done) },
            ));
        }
    }
    let (done, ran) = oneshot::channel();
    link::<R>(depth, done);
    ran.await.expect("pinned_chained_spawn: the chain broke");
}

/// From the origin loop: `count` empty units of work onto the other loop,
/// all in flight at once, then waits for every one to have run there.
pub async fn cross_loop<R: CrossContender>(target: &R::Target, count: usize) {
    let ran = Arc::new(AtomicUsize::new(0));
    let waits: Vec<_> = (0..count)
        .map(|_| {
            let ran = ran.clone();
            R::remote(target, move || {
                ran.fetch_add(1, Ordering::Relaxed);
            })
        })
        .collect();
    for wait in waits {
        wait.await;
    }
    assert_eq!(
        ran.load(Ordering::Relaxed),
        count,
        "cross_loop: work reported done that never ran"
    );
}
