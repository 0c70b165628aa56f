//! Eager start, and blocking joins from foreign threads
//! (asyncio's `run_coroutine_threadsafe(...).result(timeout)`).

use hive::{BlockingJoinError, Promise};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

#[test]
fn an_eager_task_that_finishes_at_once_is_never_scheduled() {
    let rt = hive::Runtime::builder().loops(1).build().unwrap();
    rt.run(async {
        let ran = Arc::new(AtomicBool::new(false));
        let r = ran.clone();
        let task = hive::task::Builder::new().eager(true).spawn(async move {
            r.store(true, Ordering::SeqCst);
            5
        });
        // It ran synchronously inside spawn and is already complete.
        assert!(ran.load(Ordering::SeqCst));
        assert!(task.is_done());
        assert_eq!(task.await.unwrap(), 5);
    })
    .unwrap();
    // One loop, one poll: main's. The eager task was never queued.
    assert_eq!(rt.metrics().loops[0].polls, 1);
}

#[test]
fn an_eager_task_runs_until_its_first_suspension_then_continues_normally() {
    hive::run(async {
        let steps = Arc::new(AtomicUsize::new(0));
        let gate = Promise::new();
        let task = hive::task::Builder::new().eager(true).spawn({
            let (steps, gate) = (steps.clone(), gate.clone());
            async move {
                steps.fetch_add(1, Ordering::SeqCst);
                gate.await.unwrap();
                steps.fetch_add(1, Ordering::SeqCst);
                hive::current_task().unwrap().name()
            }
        });
        assert_eq!(steps.load(Ordering::SeqCst), 1);
        assert!(!task.is_done());
        gate.set_result(()).unwrap();
        assert!(task.await.unwrap().starts_with("Task-"));
        assert_eq!(steps.load(Ordering::SeqCst), 2);
    })
    .unwrap();
}

#[test]
fn eager_spawn_sees_itself_as_current_task_and_restores_the_spawner() {
    hive::run(async {
        let me = hive::current_task().unwrap().id();
        let task = hive::task::Builder::new()
            .name("eager")
            .eager(true)
            .spawn(async { hive::current_task().unwrap().name() });
        assert_eq!(hive::current_task().unwrap().id(), me);
        assert_eq!(task.await.unwrap(), "eager");
        // A panic in the eager poll is the task's result, not the spawner's.
        let task = hive::task::Builder::new()
            .eager(true)
            .spawn(async { panic!("eager boom") });
        assert!(task.await.unwrap_err().is_panic());
    })
    .unwrap();
}

#[test]
fn eager_off_a_loop_thread_queues_the_task_as_usual() {
    let rt = hive::Runtime::builder().loops(1).build().unwrap();
    let task = rt
        .block_on(async {
            let task = hive::task::Builder::new()
                .eager(true)
                .spawn(async { hive::current_loop_id() });
            Some(task)
        })
        .unwrap()
        .unwrap();
    assert_eq!(
        task.blocking_join().unwrap().unwrap(),
        Some(rt.loop_ids()[0])
    );
}

#[test]
fn blocking_join_from_a_foreign_thread() {
    let rt = hive::Runtime::builder().loops(2).build().unwrap();
    let task = rt.spawn(async {
        hive::yield_now().await;
        "done"
    });
    let from_thread = std::thread::spawn(move || task.blocking_join())
        .join()
        .unwrap();
    assert_eq!(from_thread.unwrap().unwrap(), "done");
}

#[test]
fn blocking_join_timeout_leaves_the_task_running_and_can_be_retried() {
    let rt = hive::Runtime::builder().loops(1).build().unwrap();
    let gate = Promise::new();
    let mut task = rt.spawn({
        let gate = gate.clone();
        async move {
            gate.await.unwrap();
            9
        }
    });
    assert!(matches!(
        task.blocking_join_timeout(Duration::from_millis(5)),
        Err(BlockingJoinError::Elapsed)
    ));
    assert!(!task.is_done());
    gate.set_result(()).unwrap();
    let out = task.blocking_join_timeout(Duration::from_secs(30)).unwrap();
    assert_eq!(out.unwrap(), 9);
}

#[test]
fn blocking_join_on_a_loop_thread_is_refused() {
    hive::run(async {
        let task = hive::spawn(async { 1 });
        let err = task.blocking_join().unwrap_err();
        assert_eq!(err, BlockingJoinError::OnLoopThread);
        assert!(err.to_string().contains("await"));
    })
    .unwrap();
}
