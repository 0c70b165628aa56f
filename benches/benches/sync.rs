//! hive-sync's primitives beside tokio's, async-lock's and async-channel's,
//! all driven by the same executor (a tokio multi-thread runtime with two
//! workers), so the ratios isolate the primitive.
//!
//! Group names are the workloads; function ids are the contenders (`hive`,
//! `tokio`, `async-lock`, `async-channel`): the compare binary pairs them.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{criterion_main, BenchmarkGroup, Criterion};

/// Tasks contending in the lock and semaphore workloads.
const TASKS: usize = 4;
/// Operations per task.
const OPS: usize = 1_000;
/// Items sent through a queue per iteration, over all producers.
const ITEMS: usize = 10_000;
/// Bound of the queues.
const CAPACITY: usize = 64;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

fn group<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut group = c.benchmark_group(name);
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    group
}

/// Spawns `tasks` copies of `task(i)` on `rt` and waits for all of them.
fn run_tasks<F, Fut>(rt: &tokio::runtime::Runtime, tasks: usize, task: F)
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    rt.block_on(async {
        let handles: Vec<_> = (0..tasks).map(|i| tokio::spawn(task(i))).collect();
        for handle in handles {
            handle.await.expect("bench task");
        }
    });
}

fn lock_contended(c: &mut Criterion) {
    let rt = runtime();
    let mut group = group(c, "sync_lock_contended");
    group.bench_function("hive", |b| {
        let m = Arc::new(hive::sync::Mutex::new(0u64));
        b.iter(|| {
            run_tasks(&rt, TASKS, |_| {
                let m = m.clone();
                async move {
                    for _ in 0..OPS {
                        *m.lock().await += 1;
                    }
                }
            })
        })
    });
    group.bench_function("tokio", |b| {
        let m = Arc::new(tokio::sync::Mutex::new(0u64));
        b.iter(|| {
            run_tasks(&rt, TASKS, |_| {
                let m = m.clone();
                async move {
                    for _ in 0..OPS {
                        *m.lock().await += 1;
                    }
                }
            })
        })
    });
    group.bench_function("async-lock", |b| {
        let m = Arc::new(async_lock::Mutex::new(0u64));
        b.iter(|| {
            run_tasks(&rt, TASKS, |_| {
                let m = m.clone();
                async move {
                    for _ in 0..OPS {
                        *m.lock().await += 1;
                    }
                }
            })
        })
    });
    group.finish();
}

fn lock_uncontended(c: &mut Criterion) {
    let rt = runtime();
    let mut group = group(c, "sync_lock_uncontended");
    group.bench_function("hive", |b| {
        let m = Arc::new(hive::sync::Mutex::new(0u64));
        b.iter(|| {
            run_tasks(&rt, 1, |_| {
                let m = m.clone();
                async move {
                    for _ in 0..OPS {
                        *m.lock().await += 1;
                    }
                }
            })
        })
    });
    group.bench_function("tokio", |b| {
        let m = Arc::new(tokio::sync::Mutex::new(0u64));
        b.iter(|| {
            run_tasks(&rt, 1, |_| {
                let m = m.clone();
                async move {
                    for _ in 0..OPS {
                        *m.lock().await += 1;
                    }
                }
            })
        })
    });
    group.bench_function("async-lock", |b| {
        let m = Arc::new(async_lock::Mutex::new(0u64));
        b.iter(|| {
            run_tasks(&rt, 1, |_| {
                let m = m.clone();
                async move {
                    for _ in 0..OPS {
                        *m.lock().await += 1;
                    }
                }
            })
        })
    });
    group.finish();
}

fn semaphore_contended(c: &mut Criterion) {
    let rt = runtime();
    let mut group = group(c, "sync_semaphore_contended");
    group.bench_function("hive", |b| {
        let sem = Arc::new(hive::sync::Semaphore::new(2));
        b.iter(|| {
            run_tasks(&rt, TASKS, |_| {
                let sem = sem.clone();
                async move {
                    for _ in 0..OPS {
                        let _permit = sem.acquire().await;
                        tokio::task::yield_now().await;
                    }
                }
            })
        })
    });
    group.bench_function("tokio", |b| {
        let sem = Arc::new(tokio::sync::Semaphore::new(2));
        b.iter(|| {
            run_tasks(&rt, TASKS, |_| {
                let sem = sem.clone();
                async move {
                    for _ in 0..OPS {
                        let _permit = sem.acquire().await.expect("never closed");
                        tokio::task::yield_now().await;
                    }
                }
            })
        })
    });
    group.bench_function("async-lock", |b| {
        let sem = Arc::new(async_lock::Semaphore::new(2));
        b.iter(|| {
            run_tasks(&rt, TASKS, |_| {
                let sem = sem.clone();
                async move {
                    for _ in 0..OPS {
                        let _permit = sem.acquire().await;
                        tokio::task::yield_now().await;
                    }
                }
            })
        })
    });
    group.finish();
}

/// `producers` tasks send `ITEMS` in all through a bounded queue to one
/// consumer task.
fn queue_bounded(c: &mut Criterion, name: &str, producers: usize) {
    let rt = runtime();
    let per_producer = ITEMS / producers;
    let mut group = group(c, name);
    group.bench_function("hive", |b| {
        b.iter(|| {
            let queue = hive::sync::Queue::new(CAPACITY);
            rt.block_on(async {
                let senders: Vec<_> = (0..producers)
                    .map(|_| {
                        let queue = queue.clone();
                        tokio::spawn(async move {
                            for i in 0..per_producer {
                                queue.put(i).await.expect("open");
                            }
                        })
                    })
                    .collect();
                let consumer = tokio::spawn(async move {
                    for _ in 0..per_producer * producers {
                        queue.get().await.expect("open");
                    }
                });
                for sender in senders {
                    sender.await.expect("producer");
                }
                consumer.await.expect("consumer");
            })
        })
    });
    group.bench_function("tokio", |b| {
        b.iter(|| {
            let (tx, mut rx) = tokio::sync::mpsc::channel(CAPACITY);
            rt.block_on(async {
                let senders: Vec<_> = (0..producers)
                    .map(|_| {
                        let tx = tx.clone();
                        tokio::spawn(async move {
                            for i in 0..per_producer {
                                tx.send(i).await.expect("open");
                            }
                        })
                    })
                    .collect();
                drop(tx);
                let consumer = tokio::spawn(async move {
                    for _ in 0..per_producer * producers {
                        rx.recv().await.expect("open");
                    }
                });
                for sender in senders {
                    sender.await.expect("producer");
                }
                consumer.await.expect("consumer");
            })
        })
    });
    group.bench_function("async-channel", |b| {
        b.iter(|| {
            let (tx, rx) = async_channel::bounded(CAPACITY);
            rt.block_on(async {
                let senders: Vec<_> = (0..producers)
                    .map(|_| {
                        let tx = tx.clone();
                        tokio::spawn(async move {
                            for i in 0..per_producer {
                                tx.send(i).await.expect("open");
                            }
                        })
                    })
                    .collect();
                drop(tx);
                let consumer = tokio::spawn(async move {
                    for _ in 0..per_producer * producers {
                        rx.recv().await.expect("open");
                    }
                });
                for sender in senders {
                    sender.await.expect("producer");
                }
                consumer.await.expect("consumer");
            })
        })
    });
    group.finish();
}

fn queue_bounded_1p(c: &mut Criterion) {
    queue_bounded(c, "sync_queue_bounded_1p", 1);
}

fn queue_bounded_4p(c: &mut Criterion) {
    queue_bounded(c, "sync_queue_bounded_4p", 4);
}

/// Every sync workload, in one run.
fn benches() {
    let mut c = Criterion::default().configure_from_args();
    lock_contended(&mut c);
    lock_uncontended(&mut c);
    semaphore_contended(&mut c);
    queue_bounded_1p(&mut c);
    queue_bounded_4p(&mut c);
}

criterion_main!(benches);
