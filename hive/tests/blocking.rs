//! The blocking pool: results, panics, bound, reuse, idle retirement.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

/// Far above anything a loaded machine needs: only a hang reaches it.
const HANG: Duration = Duration::from_secs(30);

#[test]
fn to_thread_runs_off_the_loop_and_returns_the_value() {
    hive::run(async {
        let loop_thread = std::thread::current().id();
        let (value, thread) = hive::to_thread(|| (42, std::thread::current().id()))
            .await
            .unwrap();
        assert_eq!(value, 42);
        assert_ne!(thread, loop_thread);
        let lp = hive::get_running_loop().unwrap();
        assert_eq!(lp.run_in_executor(|| "exec").await.unwrap(), "exec");
    })
    .unwrap();
}

#[test]
fn the_pool_grows_to_its_bound_and_queues_the_rest() {
    let rt = hive::Runtime::builder()
        .loops(1)
        .max_blocking_threads(3)
        .build()
        .unwrap();
    let peak = Arc::new(AtomicUsize::new(0));
    let running = Arc::new(AtomicUsize::new(0));
    let (p, r) = (peak.clone(), running.clone());
    rt.run(async move {
        let deadline = Instant::now() + HANG;
        let jobs: Vec<_> = (0..12)
            .map(|_| {
                let (p, r) = (p.clone(), r.clone());
                hive::to_thread(move || {
                    let now = r.fetch_add(1, Ordering::SeqCst) + 1;
                    p.fetch_max(now, Ordering::SeqCst);
                    // Each job holds its thread until three ran at once, so
                    // the peak cannot depend on how fast threads start; a
                    // pool that never reaches three fails after `HANG`.
                    while p.load(Ordering::SeqCst) < 3 && Instant::now() < deadline {
                        std::thread::sleep(Duration::from_millis(1));
                    }
                    r.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        for j in jobs {
            j.await.unwrap();
        }
    })
    .unwrap();
    assert_eq!(peak.load(Ordering::SeqCst), 3);
    assert_eq!(rt.metrics().blocking_threads, 3);
}

#[test]
fn an_idle_thread_is_reused() {
    // A long keep-alive: the thread cannot retire between the jobs.
    let rt = hive::Runtime::builder()
        .loops(1)
        .blocking_keep_alive(Duration::from_secs(600))
        .build()
        .unwrap();
    let ids = rt
        .run(async {
            let mut ids = Vec::new();
            for _ in 0..5 {
                ids.push(
                    hive::to_thread(|| std::thread::current().id())
                        .await
                        .unwrap(),
                );
            }
            ids
        })
        .unwrap();
    assert!(
        ids.windows(2).all(|w| w[0] == w[1]),
        "sequential jobs should reuse one thread"
    );
    assert_eq!(rt.metrics().blocking_threads, 1);
}

#[test]
fn an_idle_thread_retires_after_its_keep_alive() {
    let rt = hive::Runtime::builder()
        .loops(1)
        .blocking_keep_alive(Duration::from_millis(20))
        .build()
        .unwrap();
    let first = rt
        .run(async {
            hive::to_thread(|| std::thread::current().id())
                .await
                .unwrap()
        })
        .unwrap();
    // Retried until it retired, not a timing assert: each pause outlasts the
    // keep-alive (that is what lets the thread retire), and only a thread
    // that never retires within `HANG` fails.
    let deadline = Instant::now() + HANG;
    loop {
        std::thread::sleep(Duration::from_millis(60));
        let now = rt
            .run(async {
                hive::to_thread(|| std::thread::current().id())
                    .await
                    .unwrap()
            })
            .unwrap();
        if now != first {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the idle blocking thread never retired"
        );
    }
    // Retired threads are reaped (joined) on the next submission.
    assert_eq!(rt.metrics().blocking_threads, 1);
}

#[test]
fn concurrent_blocking_jobs_really_run_in_parallel() {
    hive::run(async {
        let barrier = Arc::new(Barrier::new(4));
        let jobs: Vec<_> = (0..4)
            .map(|_| {
                let b = barrier.clone();
                hive::to_thread(move || {
                    b.wait(); // deadlocks unless all four run at once
                })
            })
            .collect();
        for j in jobs {
            hive::timeout(Duration::from_secs(10), j)
                .await
                .expect("jobs ran serially")
                .unwrap();
        }
    })
    .unwrap();
}
