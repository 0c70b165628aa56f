//! Spawning: stealable, local, pinned; names, ids, current_task, all_tasks.

use std::rc::Rc;
use std::time::Duration;

fn rt(loops: usize) -> hive::Runtime {
    hive::Runtime::builder().loops(loops).build().unwrap()
}

#[test]
fn spawned_tasks_return_their_values() {
    let out = rt(2).run(async {
        let tasks: Vec<_> = (0..100u64)
            .map(|i| hive::spawn(async move { i * 2 }))
            .collect();
        let mut sum = 0;
        for task in tasks {
            sum += task.await.unwrap();
        }
        sum
    });
    assert_eq!(out.unwrap(), 9900);
}

#[test]
fn spawn_local_accepts_rc_and_stays_on_its_loop() {
    rt(2)
        .run_local(|| async {
            let counter = Rc::new(std::cell::Cell::new(0));
            let home = hive::current_loop_id();
            let mut tasks = Vec::new();
            for _ in 0..10 {
                let counter = counter.clone();
                tasks.push(
                    hive::spawn_local(async move {
                        for _ in 0..10 {
                            hive::yield_now().await;
                            assert_eq!(hive::current_loop_id(), home);
                            counter.set(counter.get() + 1);
                        }
                    })
                    .unwrap(),
                );
            }
            for task in tasks {
                task.await.unwrap();
            }
            assert_eq!(counter.get(), 100);
        })
        .unwrap();
}

#[test]
fn spawn_local_off_a_loop_is_a_typed_error_with_advice() {
    let err = hive::spawn_local(async {}).unwrap_err();
    assert_eq!(err, hive::SpawnError::NotOnLoop);
    assert!(err.to_string().contains("spawn_on_loop"));
    // Inside block_on the thread is in the runtime but not on a loop.
    let rt = rt(1);
    let inside = rt
        .block_on(async { hive::spawn_local(async {}).map(drop) })
        .unwrap();
    assert_eq!(inside.unwrap_err(), hive::SpawnError::NotOnLoop);
}

#[test]
fn a_pinned_task_stays_on_one_thread_for_its_whole_life() {
    let rt = rt(2);
    for id in rt.loop_ids() {
        let task = rt
            .spawn_on_loop(id, async move {
                let thread = std::thread::current().id();
                for i in 0..200 {
                    if i % 3 == 0 {
                        hive::sleep(Duration::from_micros(50)).await;
                    } else {
                        hive::yield_now().await;
                    }
                    // Wake it from another thread too: it must come back home.
                    let _ = hive::to_thread(|| ()).await;
                    assert_eq!(std::thread::current().id(), thread);
                    assert_eq!(hive::current_loop_id(), Some(id));
                }
                std::thread::current().name().map(str::to_owned)
            })
            .unwrap();
        let name = rt.block_on(task).unwrap().unwrap();
        assert_eq!(
            name.as_deref(),
            Some(format!("hive-loop-{}", id.index()).as_str())
        );
    }
}

#[test]
fn spawn_on_loop_with_builds_a_non_send_future_on_the_target_loop() {
    let rt = rt(2);
    let target = rt.loop_ids()[1];
    let task = rt
        .spawn_on_loop_with(target, move || async move {
            let local = Rc::new(41);
            hive::yield_now().await;
            (*local + 1, hive::current_loop_id())
        })
        .unwrap();
    assert_eq!(rt.block_on(task).unwrap().unwrap(), (42, Some(target)));
}

#[test]
fn a_bad_loop_id_is_refused() {
    let small = rt(1);
    let big = rt(3);
    let foreign = big.loop_ids()[2];
    let err = small.spawn_on_loop(foreign, async {}).unwrap_err();
    assert!(matches!(err, hive::SpawnError::NoSuchLoop { loops: 1, .. }));
    assert!(err.to_string().contains("loop_ids"));
}

#[test]
fn names_ids_current_task_and_all_tasks() {
    rt(1)
        .run(async {
            let named = hive::task::Builder::new()
                .name("fetcher")
                .spawn(async { hive::current_task().unwrap().name() });
            assert_eq!(named.name(), "fetcher");
            let unnamed = hive::spawn(std::future::pending::<()>());
            assert_eq!(unnamed.name(), format!("Task-{}", unnamed.id()));
            let live: Vec<_> = hive::all_tasks().iter().map(|t| t.id()).collect();
            assert!(live.contains(&unnamed.id()));
            assert_eq!(hive::current_task().unwrap().name(), "main");
            assert_eq!(named.await.unwrap(), "fetcher");
            unnamed.cancel();
            assert!(unnamed.await.unwrap_err().is_cancelled());
        })
        .unwrap();
}

#[test]
fn a_detached_task_keeps_running() {
    let rt = rt(2);
    let (tx, rx) = std::sync::mpsc::channel();
    rt.run(async move {
        drop(hive::spawn(async move {
            hive::sleep(Duration::from_millis(5)).await;
            tx.send("still ran").unwrap();
        }));
    })
    .unwrap();
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(30)).unwrap(),
        "still ran"
    );
}

#[test]
fn runtime_spawn_from_a_foreign_thread_is_joinable() {
    let rt = std::sync::Arc::new(rt(2));
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let rt = rt.clone();
            std::thread::spawn(move || {
                let task = rt.spawn(async move { i + 1 });
                rt.block_on(task).unwrap().unwrap()
            })
        })
        .collect();
    let sum: i32 = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(sum, 10);
}

#[test]
fn start_on_places_a_stealable_task_on_the_chosen_loop() {
    let rt = rt(2);
    rt.run(async {
        let target = hive::loop_ids()[1];
        let (tx, rx) = std::sync::mpsc::channel();
        let task = hive::task::Builder::new()
            .start_on(target)
            .spawn(async move {
                tx.send(hive::current_loop_id()).unwrap();
            });
        // Keep loop 0 busy (no await) so it cannot steal the task first.
        let first = rx.recv_timeout(Duration::from_secs(30)).unwrap();
        assert_eq!(first, Some(target));
        task.await.unwrap();
        assert!(hive::current_task().unwrap().loop_id().is_some()); // main stays pinned
    })
    .unwrap();
}
