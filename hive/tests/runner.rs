//! hive::run / Runtime: nested misuse, Runner reuse, shutdown semantics.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Far above anything a loaded machine needs: only a hang reaches it.
const HANG: Duration = Duration::from_secs(30);

#[test]
fn nested_run_is_a_typed_error_that_says_what_to_do() {
    hive::run(async {
        let err = hive::run(async {}).unwrap_err();
        assert!(matches!(err, hive::RunError::Nested));
        assert!(err.to_string().contains("await the future instead"));
        let rt = hive::Runtime::builder().loops(1).build().unwrap();
        assert!(matches!(rt.block_on(async {}), Err(hive::RunError::Nested)));
        assert!(matches!(rt.run(async {}), Err(hive::RunError::Nested)));
    })
    .unwrap();
}

#[test]
fn one_runtime_runs_several_mains_like_asyncio_runner() {
    let rt = hive::Runtime::builder().loops(2).build().unwrap();
    assert_eq!(rt.run(async { 1 }).unwrap(), 1);
    assert_eq!(rt.run_local(|| async { *std::rc::Rc::new(2) }).unwrap(), 2);
    assert_eq!(rt.block_on(async { 3 }).unwrap(), 3);
}

#[test]
fn run_cancels_leftover_tasks_and_waits_for_their_destructors() {
    struct Count(Arc<AtomicUsize>);
    impl Drop for Count {
        fn drop(&mut self) {
            // Slow destructor: run must still wait for it. The count below
            // does not depend on how long it takes.
            std::thread::sleep(Duration::from_millis(2));
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let dropped = Arc::new(AtomicUsize::new(0));
    let d = dropped.clone();
    hive::run(async move {
        for _ in 0..20 {
            let guard = Count(d.clone());
            drop(hive::spawn(async move {
                let _guard = guard;
                std::future::pending::<()>().await;
            }));
        }
        let guard = Count(d.clone());
        drop(hive::spawn_local(async move {
            let _guard = guard;
            hive::sleep(Duration::from_secs(3600)).await;
        }));
        hive::yield_now().await;
    })
    .unwrap();
    assert_eq!(dropped.load(Ordering::SeqCst), 21);
}

#[test]
fn tasks_waiting_on_each_other_are_still_cancelled_at_shutdown() {
    // A cycle no queue holds: only the registry can reach these tasks.
    let dropped = Arc::new(AtomicUsize::new(0));
    let rt = hive::Runtime::builder().loops(2).build().unwrap();
    let d = dropped.clone();
    rt.run(async move {
        let (tx_a, rx_a) = std::sync::mpsc::channel::<hive::Task<()>>();
        let d1 = d.clone();
        let started = Arc::new(hive::sync::Event::new());
        let s = started.clone();
        let a = hive::spawn(async move {
            struct G(Arc<AtomicUsize>);
            impl Drop for G {
                fn drop(&mut self) {
                    self.0.fetch_add(1, Ordering::SeqCst);
                }
            }
            let _g = G(d1);
            s.set();
            hive::sleep(Duration::from_millis(1)).await;
            let b = rx_a.recv().unwrap();
            let _ = b.await;
        });
        let b = hive::spawn(async move {
            let _ = a.await;
        });
        tx_a.send(b).unwrap();
        // `a` must hold its guard before shutdown: a task cancelled before
        // its first poll never creates it.
        hive::timeout(HANG, started.wait())
            .await
            .expect("task a never started");
    })
    .unwrap();
    let report = rt.shutdown_timeout(HANG);
    assert!(report.is_clean(), "{report:?}");
    assert_eq!(dropped.load(Ordering::SeqCst), 1);
}

#[test]
fn a_task_spawned_during_shutdown_is_cancelled_not_leaked() {
    let rt = hive::Runtime::builder().loops(1).build().unwrap();
    let ran = Arc::new(AtomicUsize::new(0));
    let r = ran.clone();
    drop(rt.spawn(async move {
        struct SpawnOnDrop(Arc<AtomicUsize>);
        impl Drop for SpawnOnDrop {
            fn drop(&mut self) {
                let r = self.0.clone();
                drop(hive::spawn(async move {
                    r.fetch_add(1, Ordering::SeqCst);
                }));
            }
        }
        let _s = SpawnOnDrop(r);
        std::future::pending::<()>().await;
    }));
    let report = rt.shutdown_timeout(HANG);
    assert!(report.is_clean(), "{report:?}");
    assert_eq!(ran.load(Ordering::SeqCst), 0);
}

#[test]
fn shutdown_timeout_reports_a_task_that_blocks_its_loop() {
    let rt = hive::Runtime::builder().loops(1).build().unwrap();
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    drop(rt.spawn(async move {
        started_tx.send(()).unwrap();
        // Misbehaving: blocks the loop until the test has its report (or,
        // should shutdown never return, until the hang bound).
        let _ = release_rx.recv_timeout(HANG);
    }));
    started_rx
        .recv_timeout(HANG)
        .expect("the blocking task never started");
    let report = rt.shutdown_timeout(Duration::from_millis(50));
    assert!(!report.is_clean(), "{report:?}");
    // Lets the detached loop finish in the background.
    release_tx.send(()).unwrap();
}

#[test]
fn a_runtime_dropped_by_its_own_task_stops_without_deadlocking() {
    // A shutdown grace far beyond the wait below: a drop that waited for
    // its tasks (the one running it among them) would hang, not just be slow.
    let rt = Arc::new(
        hive::Runtime::builder()
            .loops(2)
            .shutdown_timeout(Duration::from_secs(3600))
            .build()
            .unwrap(),
    );
    let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let inner = rt.clone();
    drop(rt.spawn(async move {
        go_rx.recv().unwrap();
        drop(inner); // the last reference: dropped on a loop of its own runtime
        done_tx.send(()).unwrap();
    }));
    drop(rt);
    go_tx.send(()).unwrap();
    done_rx
        .recv_timeout(HANG)
        .expect("dropping the runtime blocked its own loop");
}

#[test]
fn block_on_is_not_a_loop_and_its_errors_say_what_to_use() {
    let rt = hive::Runtime::builder().loops(1).build().unwrap();
    let (loop_err, spawn_err) = rt
        .block_on(async {
            (
                hive::get_running_loop().unwrap_err().to_string(),
                hive::spawn_local(async {}).unwrap_err().to_string(),
            )
        })
        .unwrap();
    assert!(loop_err.contains("Runtime::run"), "{loop_err}");
    assert!(spawn_err.contains("Runtime::run_local"), "{spawn_err}");
    // The fix the messages name works:
    let on_loop = rt
        .run(async { hive::get_running_loop().is_ok() && hive::spawn_local(async {}).is_ok() })
        .unwrap();
    assert!(on_loop);
}

/// A loop's registry journal holds a task pinned to it until it publishes;
/// a task spawned and finished before that must not keep the runtime
/// looking busy. Here the only other task is stealable (its removal takes
/// another shard's lock), so nothing but the finished child's own removal
/// can say the journal is empty: shutdown used to wait its whole timeout.
#[test]
fn shutdown_does_not_wait_for_a_pinned_task_that_already_finished() {
    let rt = hive::Runtime::builder().loops(1).build().unwrap();
    let parent = rt.spawn(async {
        hive::spawn_local(async {}).unwrap().await.unwrap();
    });
    rt.block_on(parent).unwrap().unwrap();
    let started = std::time::Instant::now();
    let report = rt.shutdown_timeout(Duration::from_secs(20));
    assert!(report.is_clean(), "{report:?}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "shutdown waited {:?} for a finished task",
        started.elapsed()
    );
}
