//! Cancellation: destructors run on the task's own loop, at its await point.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Far above anything a loaded machine needs: only a hang reaches it.
const HANG: Duration = Duration::from_secs(30);

struct OnDrop<F: FnMut()>(F);
impl<F: FnMut()> Drop for OnDrop<F> {
    fn drop(&mut self) {
        (self.0)()
    }
}

#[test]
fn cancel_drops_the_future_and_runs_destructors_on_its_loop() {
    let rt = hive::Runtime::builder().loops(2).build().unwrap();
    let home = rt.loop_ids()[1];
    let (tx, rx) = std::sync::mpsc::channel();
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let task = rt
        .spawn_on_loop(home, async move {
            let _guard = OnDrop(move || tx.send(hive::current_loop_id()).unwrap());
            started_tx.send(()).unwrap();
            hive::sleep(Duration::from_secs(3600)).await;
        })
        .unwrap();
    // The guard exists only once the task ran: cancelling it before its
    // first poll would drop the future without it.
    started_rx
        .recv_timeout(HANG)
        .expect("the task never started");
    assert!(task.cancel());
    let err = rt.block_on(task).unwrap().unwrap_err();
    assert!(err.is_cancelled());
    assert_eq!(rx.recv_timeout(HANG).unwrap(), Some(home));
}

#[test]
fn cancel_of_a_finished_task_returns_false() {
    hive::run(async {
        let task = hive::spawn(async { 3 });
        while !task.is_done() {
            hive::yield_now().await;
        }
        assert!(!task.cancel());
        assert!(!task.is_cancelled());
        assert_eq!(task.await.unwrap(), 3);
    })
    .unwrap();
}

#[test]
fn a_task_cancelled_before_its_first_poll_never_runs() {
    let ran = Arc::new(AtomicUsize::new(0));
    let seen = ran.clone();
    hive::run(async move {
        let task = hive::spawn(async move {
            seen.fetch_add(1, Ordering::SeqCst);
        });
        task.cancel();
        assert!(task.await.unwrap_err().is_cancelled());
    })
    .unwrap();
    assert_eq!(ran.load(Ordering::SeqCst), 0);
}

#[test]
fn a_task_can_cancel_itself_and_stops_at_its_next_await() {
    let reached = Arc::new(AtomicUsize::new(0));
    let r = reached.clone();
    hive::run(async move {
        let task = hive::spawn(async move {
            hive::current_task().unwrap().cancel();
            r.fetch_add(1, Ordering::SeqCst); // still runs: cancel is a request
            hive::yield_now().await;
            r.fetch_add(100, Ordering::SeqCst); // never reached
        });
        assert!(task.await.unwrap_err().is_cancelled());
    })
    .unwrap();
    assert_eq!(reached.load(Ordering::SeqCst), 1);
}

#[test]
fn many_concurrent_cancels_from_other_threads_complete_every_task_once() {
    let rt = Arc::new(hive::Runtime::builder().loops(2).build().unwrap());
    let drops = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let drops = drops.clone();
            // Built before the task starts, so even a task cancelled before
            // its first poll drops it exactly once.
            let guard = OnDrop(move || {
                drops.fetch_add(1, Ordering::SeqCst);
            });
            rt.spawn(async move {
                let _guard = guard;
                loop {
                    hive::yield_now().await;
                }
            })
        })
        .collect();
    let tasks = Arc::new(tasks);
    let cancellers: Vec<_> = (0..2)
        .map(|_| {
            let tasks = tasks.clone();
            std::thread::spawn(move || {
                tasks.iter().for_each(|t| {
                    t.cancel();
                })
            })
        })
        .collect();
    cancellers.into_iter().for_each(|c| c.join().unwrap());
    let tasks = Arc::try_unwrap(tasks).unwrap();
    for task in tasks {
        assert!(rt.block_on(task).unwrap().unwrap_err().is_cancelled());
    }
    assert_eq!(drops.load(Ordering::SeqCst), 200);
}
