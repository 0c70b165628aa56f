//! TaskGroup: first failure cancels the rest and the body, every failure is
//! reported, the parent's cancellation reaches the children, no child
//! outlives the group.

mod combinators_support;

use combinators_support::{rt, SignalOnDrop};
use hive::{Promise, TaskGroup};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

#[test]
fn a_group_of_successful_children_joins_ok() {
    rt().run(async {
        let group = TaskGroup::<String>::new();
        let handles: Vec<_> = (0..10).map(|i| group.spawn(async move { Ok(i) })).collect();
        group.join().await.unwrap();
        let mut sum = 0;
        for h in handles {
            assert!(h.is_done(), "join returned before a child finished");
            sum += h.await.unwrap().unwrap();
        }
        assert_eq!(sum, 45);
    })
    .unwrap();
}

#[test]
fn second_child_panicking_cancels_the_first_and_reports_both_causes() {
    rt().run(async {
        let first_dropped = Promise::new();
        let guard = SignalOnDrop(first_dropped.clone());
        let started = Promise::new();
        let err = hive::task_group(|tg| {
            let started = started.clone();
            async move {
                let signal = started.clone();
                tg.spawn_named("sleeper", async move {
                    let _guard = guard;
                    signal.set_result(()).unwrap();
                    std::future::pending::<Result<(), String>>().await
                });
                started.await.unwrap();
                tg.spawn_named("crasher", async {
                    if true {
                        panic!("second child panicked");
                    }
                    Ok(())
                });
                Ok(())
            }
        })
        .await
        .unwrap_err();
        // Cause 1: the panic, with the child's name.
        assert_eq!(err.failures().len(), 1, "{err:?}");
        let failure = err.first();
        assert!(failure.is_panic());
        assert_eq!(failure.name, "crasher");
        assert_eq!(failure.panic_message(), Some("second child panicked"));
        // Cause 2: the first child, cancelled because of it.
        assert_eq!(err.cancelled().len(), 1, "{err:?}");
        assert_eq!(err.cancelled()[0].1, "sleeper");
        // Its destructor already ran: the group waited for it.
        assert!(first_dropped.is_done());
        let text = err.to_string();
        assert!(
            text.contains("crasher panicked: second child panicked"),
            "{text}"
        );
    })
    .unwrap();
}

#[test]
fn every_failure_is_reported_together() {
    rt().run(async {
        let both_started = Arc::new(AtomicUsize::new(0));
        let go = Promise::new();
        let err = hive::task_group(|tg| {
            let go = go.clone();
            async move {
                for i in 0..2 {
                    let (both_started, go) = (both_started.clone(), go.clone());
                    tg.spawn_named(format!("failer-{i}"), async move {
                        if both_started.fetch_add(1, Ordering::SeqCst) == 1 {
                            go.set_result(()).unwrap();
                        }
                        // Both fail at the same moment; whichever goes second
                        // may already be cancelled, unless it fails in its poll.
                        go.await.unwrap();
                        Err::<(), _>(format!("error {i}"))
                    });
                }
                Ok(())
            }
        })
        .await
        .unwrap_err();
        assert!(!err.failures().is_empty());
        for f in err.failures() {
            assert!(f.error().unwrap().starts_with("error "));
        }
        assert_eq!(err.failures().len() + err.cancelled().len(), 2, "{err:?}");
    })
    .unwrap();
}

#[test]
fn a_body_awaiting_a_failed_child_is_cancelled_and_a_failing_body_is_reported() {
    rt().run(async {
        let err = hive::task_group(|tg| async move {
            let a = tg.spawn(async { Err::<(), _>("returned") });
            // The child's failure usually cancels the body here; if the child
            // finishes while the body is being polled on another loop, the
            // body's own error is reported second.
            let _ = a.await;
            Err::<(), _>("body failed")
        })
        .await
        .unwrap_err();
        assert_eq!(err.first().error(), Some(&"returned"), "{err:?}");
        assert!(err.failures().len() <= 2, "{err:?}");

        // A body that fails on its own: its error is reported, children cancelled.
        let err = hive::task_group(|tg| async move {
            tg.spawn(std::future::pending::<Result<(), &str>>());
            Err::<(), _>("body failed")
        })
        .await
        .unwrap_err();
        assert_eq!(err.first().task, None);
        assert_eq!(err.first().error(), Some(&"body failed"));
        assert_eq!(err.cancelled().len(), 1);
    })
    .unwrap();
}

#[test]
fn the_first_failure_cancels_the_body() {
    rt().run(async {
        let body_dropped = Promise::new();
        let guard = SignalOnDrop(body_dropped.clone());
        let err = hive::task_group(|tg| async move {
            let _guard = guard;
            tg.spawn(async { Err::<(), _>(42) });
            std::future::pending::<()>().await;
            Ok(())
        })
        .await
        .unwrap_err();
        assert_eq!(err.first().error(), Some(&42));
        assert!(body_dropped.is_done());
    })
    .unwrap();
}

#[test]
fn a_panicking_body_is_a_failure_and_cancels_the_children() {
    rt().run(async {
        let child_dropped = Promise::new();
        let guard = SignalOnDrop(child_dropped.clone());
        let err = hive::task_group(|tg| async move {
            tg.spawn(async move {
                let _guard = guard;
                std::future::pending::<Result<(), ()>>().await
            });
            hive::yield_now().await;
            if true {
                panic!("body blew up");
            }
            Ok(())
        })
        .await
        .unwrap_err();
        assert_eq!(err.first().task, None);
        assert_eq!(err.first().panic_message(), Some("body blew up"));
        assert!(child_dropped.is_done());
    })
    .unwrap();
}

#[test]
fn a_child_cancelled_on_its_own_is_not_a_failure() {
    rt().run(async {
        let value = hive::task_group(|tg| async move {
            let victim = tg.spawn(std::future::pending::<Result<(), ()>>());
            victim.cancel();
            assert!(victim.await.unwrap_err().is_cancelled());
            tg.spawn(async { Ok(()) });
            Ok(5)
        })
        .await
        .unwrap();
        assert_eq!(value, 5);
    })
    .unwrap();
}

#[test]
fn cancelling_the_parent_cancels_the_children() {
    rt().run(async {
        let dropped: Vec<Promise<()>> = (0..3).map(|_| Promise::new()).collect();
        let started = Promise::new();
        let parent = hive::spawn({
            let dropped = dropped.clone();
            let started = started.clone();
            async move {
                hive::task_group(|tg| async move {
                    for p in &dropped {
                        let guard = SignalOnDrop(p.clone());
                        tg.spawn(async move {
                            let _guard = guard;
                            std::future::pending::<Result<(), ()>>().await
                        });
                    }
                    started.set_result(()).unwrap();
                    std::future::pending::<()>().await;
                    Ok(())
                })
                .await
            }
        });
        started.await.unwrap();
        parent.cancel();
        assert!(parent.await.unwrap_err().is_cancelled());
        for p in dropped {
            p.await.unwrap();
        }
    })
    .unwrap();
}

#[test]
fn dropping_a_task_group_cancels_its_children_and_refuses_new_ones() {
    rt().run(async {
        let dropped = Promise::new();
        let group = TaskGroup::<()>::new();
        let handle = group.handle();
        let guard = SignalOnDrop(dropped.clone());
        let child = group.spawn(async move {
            let _guard = guard;
            std::future::pending::<Result<(), ()>>().await
        });
        drop(group);
        assert!(child.await.unwrap_err().is_cancelled());
        dropped.await.unwrap();
        // Spawning through a handle of a dead group: cancelled before running.
        let ran = Arc::new(AtomicUsize::new(0));
        let late = handle.spawn({
            let ran = ran.clone();
            async move {
                ran.fetch_add(1, Ordering::SeqCst);
                Ok(())
            }
        });
        assert!(late.await.unwrap_err().is_cancelled());
        assert_eq!(ran.load(Ordering::SeqCst), 0);
    })
    .unwrap();
}

#[test]
fn children_can_spawn_siblings_and_join_waits_for_them() {
    rt().run(async {
        let count = Arc::new(AtomicUsize::new(0));
        let c = count.clone();
        hive::task_group(|tg| async move {
            let inner = tg.clone();
            tg.spawn(async move {
                for _ in 0..10 {
                    let c = c.clone();
                    inner.spawn(async move {
                        hive::yield_now().await;
                        c.fetch_add(1, Ordering::SeqCst);
                        Ok::<_, ()>(())
                    });
                }
                Ok(())
            });
            Ok(())
        })
        .await
        .unwrap();
        assert_eq!(count.load(Ordering::SeqCst), 10);
    })
    .unwrap();
}

#[test]
fn a_failed_childs_own_handle_says_child_failed() {
    rt().run(async {
        let group = TaskGroup::new();
        let child = group.spawn(async { Err::<u8, _>("nope") });
        let err = group.join().await.unwrap_err();
        assert_eq!(err.first().error(), Some(&"nope"));
        assert_eq!(child.await.unwrap(), Err(hive::ChildFailed));
    })
    .unwrap();
}
