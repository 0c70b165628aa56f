//! hive's combinators beside tokio's `JoinSet`: a gather of 10k trivial
//! tasks and a TaskGroup of 10k tasks (tokio multi-thread with 2 workers,
//! hive with 2 loops).
//!
//! Criterion group = workload (`gather_10k`, `taskgroup_10k`), function id =
//! contender (`hive`, `tokio`), as `cargo run -p hive-benches --release
//! --bin compare` expects. Each iteration runs inside one spawned task on
//! its runtime and reports back over a channel; every wait is bounded.

use criterion::Criterion;
use hive_benches::{recv_bounded, watchdog};
use std::future::Future;
use std::pin::Pin;
use std::sync::mpsc;
use std::time::Duration;

/// Loops (hive) and worker threads (tokio): the machine has 2 cores.
const THREADS: usize = 2;
/// Tasks per iteration.
const TASKS: usize = 10_000;

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

/// tokio's closest form of both workloads: a `JoinSet` drained to the end,
/// results put back in input order.
async fn tokio_join_set() -> usize {
    let mut set = tokio::task::JoinSet::new();
    for i in 0..TASKS {
        set.spawn(async move { i });
    }
    let mut out = vec![0; TASKS];
    while let Some(r) = set.join_next().await {
        let i = r.expect("a tokio task failed");
        out[i] = i;
    }
    out.len()
}

/// One hive iteration's work, run inside a task.
type Work = Pin<Box<dyn Future<Output = usize> + Send>>;
type Workload = fn() -> Work;

fn bench(c: &mut Criterion, name: &'static str, hive_body: Workload) {
    let mut group = c.benchmark_group(name);
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500));
    {
        let rt = hive_rt();
        let (tx, rx) = mpsc::sync_channel(1);
        group.bench_function("hive", |b| {
            b.iter(|| {
                let _guard = watchdog(name);
                let tx = tx.clone();
                drop(rt.spawn(async move {
                    tx.send(hive_body().await).unwrap();
                }));
                assert_eq!(recv_bounded(&rx, name), TASKS);
            })
        });
    }
    {
        let rt = tokio_rt();
        let (tx, rx) = mpsc::sync_channel(1);
        group.bench_function("tokio", |b| {
            b.iter(|| {
                let _guard = watchdog(name);
                let tx = tx.clone();
                drop(rt.spawn(async move {
                    tx.send(tokio_join_set().await).unwrap();
                }));
                assert_eq!(recv_bounded(&rx, name), TASKS);
            })
        });
    }
    group.finish();
}

fn hive_gather() -> Work {
    Box::pin(async {
        let tasks: Vec<_> = (0..TASKS).map(|i| hive::spawn(async move { i })).collect();
        hive::gather_all(tasks)
            .await
            .expect("gather_10k/hive: a task failed")
            .len()
    })
}

fn hive_task_group() -> Work {
    Box::pin(async {
        let group = hive::TaskGroup::<()>::new();
        for i in 0..TASKS {
            group.spawn(async move { Ok(i) });
        }
        group
            .join()
            .await
            .expect("taskgroup_10k/hive: a task failed");
        TASKS
    })
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c, "gather_10k", hive_gather);
    bench(&mut c, "taskgroup_10k", hive_task_group);
    c.final_summary();
}
