//! Subprocesses: hive::process beside tokio::process.
//!
//! Group `spawn_wait_true_1000` (function ids `hive` / `tokio`): each
//! iteration starts 1,000 `true` processes and waits for every one, split
//! over one task per thread (2 loops / 2 worker threads: the machine has 2
//! cores), each task spawning its share and then awaiting them in order.
//! Both runtimes are built once, outside the measured closure. The cost is
//! mostly the kernel's (fork/exec/exit); what differs is how each runtime
//! learns of an exit and reaps. `cargo run -p hive-benches --release --bin
//! compare` prints the hive/tokio median ratio.

use criterion::{Criterion, Throughput};
use hive_benches::{recv_bounded, watchdog};
use std::sync::mpsc;
use std::time::Duration;

/// Loops (hive) and worker threads (tokio).
const THREADS: usize = 2;
/// Processes per iteration.
const CHILDREN: usize = 1_000;

fn spawn_wait(c: &mut Criterion) {
    let mut group = c.benchmark_group("spawn_wait_true_1000");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10))
        .warm_up_time(Duration::from_secs(1))
        .throughput(Throughput::Elements(CHILDREN as u64));
    {
        let rt = hive::Runtime::builder()
            .loops(THREADS)
            .build()
            .expect("cannot build the hive runtime");
        group.bench_function("hive", |b| {
            b.iter(|| {
                let _guard = watchdog("spawn_wait_true_1000/hive");
                let (tx, rx) = mpsc::channel();
                for _ in 0..THREADS {
                    let tx = tx.clone();
                    drop(rt.spawn(async move {
                        let mut children: Vec<_> = (0..CHILDREN / THREADS)
                            .map(|_| {
                                hive::process::Command::new("true")
                                    .spawn()
                                    .expect("spawn_wait_true_1000/hive: cannot spawn true")
                            })
                            .collect();
                        for child in &mut children {
                            let status = child.wait().await;
                            assert!(status.expect("spawn_wait_true_1000/hive: wait").success());
                        }
                        tx.send(()).unwrap();
                    }));
                }
                for _ in 0..THREADS {
                    recv_bounded(&rx, "spawn_wait_true_1000/hive");
                }
            })
        });
    }
    {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(THREADS)
            .enable_all()
            .build()
            .expect("cannot build the tokio runtime");
        group.bench_function("tokio", |b| {
            b.iter(|| {
                let _guard = watchdog("spawn_wait_true_1000/tokio");
                let (tx, rx) = mpsc::channel();
                for _ in 0..THREADS {
                    let tx = tx.clone();
                    drop(rt.spawn(async move {
                        let mut children: Vec<_> = (0..CHILDREN / THREADS)
                            .map(|_| {
                                tokio::process::Command::new("true")
                                    .spawn()
                                    .expect("spawn_wait_true_1000/tokio: cannot spawn true")
                            })
                            .collect();
                        for child in &mut children {
                            let status = child.wait().await;
                            assert!(status.expect("spawn_wait_true_1000/tokio: wait").success());
                        }
                        tx.send(()).unwrap();
                    }));
                }
                for _ in 0..THREADS {
                    recv_bounded(&rx, "spawn_wait_true_1000/tokio");
                }
            })
        });
    }
    group.finish();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    spawn_wait(&mut c);
    c.final_summary();
}
