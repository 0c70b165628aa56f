//! A timeout cancels what it guards and waits for it, as asyncio's
//! `wait_for` and `timeout` do; nested timeouts that expire together are
//! reported by the outermost one.

use hive::sync::Event;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Counts its drop: proves a task's destructors ran.
struct CountDrop(Arc<AtomicUsize>);

impl Drop for CountDrop {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// A task that never finishes on its own and counts its destruction; it
/// spends a moment in its destructor-free sleep first so that cancelling it
/// is not instant.
fn endless(drops: &Arc<AtomicUsize>) -> hive::Task<()> {
    let guard = CountDrop(drops.clone());
    hive::spawn(async move {
        let _guard = guard;
        std::future::pending::<()>().await;
    })
}

fn runtime() -> hive::Runtime {
    hive::Runtime::builder().loops(2).build().unwrap()
}

const SHORT: Duration = Duration::from_millis(20);

#[test]
fn wait_for_a_task_cancels_it_and_waits_for_its_destructors() {
    runtime()
        .run(async {
            let drops = Arc::new(AtomicUsize::new(0));
            let task = endless(&drops);
            assert!(hive::timeout(SHORT, task).await.is_err());
            // asyncio's wait_for: the task was cancelled, and the timeout
            // returned only after it finished.
            assert_eq!(drops.load(SeqCst), 1);
        })
        .unwrap();
}

#[test]
fn a_task_awaited_inside_the_guarded_future_is_cancelled_too() {
    runtime()
        .run(async {
            let drops = Arc::new(AtomicUsize::new(0));
            let task = endless(&drops);
            let body = async move {
                hive::yield_now().await;
                task.await
            };
            assert!(hive::timeout(SHORT, body).await.is_err());
            assert_eq!(drops.load(SeqCst), 1);
        })
        .unwrap();
}

#[test]
fn a_task_only_held_by_the_guarded_future_keeps_running() {
    runtime()
        .run(async {
            let go = Arc::new(Event::new());
            let finished = Arc::new(Event::new());
            let task = {
                let (go, finished) = (go.clone(), finished.clone());
                hive::spawn(async move {
                    go.wait().await;
                    finished.set();
                })
            };
            // The body holds the handle but never awaits it: as in asyncio,
            // the task is not the timeout's to cancel.
            let body = async move {
                let _held = task;
                std::future::pending::<()>().await;
            };
            assert!(hive::timeout(SHORT, body).await.is_err());
            go.set();
            hive::timeout(Duration::from_secs(10), finished.wait())
                .await
                .expect("the detached task ran to its end");
        })
        .unwrap();
}

#[test]
fn a_shielded_task_survives_the_timeout() {
    runtime()
        .run(async {
            let drops = Arc::new(AtomicUsize::new(0));
            let task = endless(&drops);
            let id = task.id();
            assert!(hive::timeout(SHORT, hive::shield(task)).await.is_err());
            assert_eq!(drops.load(SeqCst), 0);
            let survivor = hive::all_tasks().into_iter().find(|t| t.id() == id);
            assert!(survivor.is_some(), "the shielded task still runs");
        })
        .unwrap();
}

#[test]
fn a_task_that_finishes_in_time_gives_its_value() {
    runtime()
        .run(async {
            let task = hive::spawn(async { 7 });
            let got = hive::timeout(Duration::from_secs(10), task).await;
            assert_eq!(got.unwrap().unwrap(), 7);
        })
        .unwrap();
}

#[test]
fn gather_all_under_a_timeout_returns_after_every_task_finished() {
    runtime()
        .run(async {
            let drops = Arc::new(AtomicUsize::new(0));
            let tasks: Vec<_> = (0..8).map(|_| endless(&drops)).collect();
            assert!(hive::timeout(SHORT, hive::gather_all(tasks)).await.is_err());
            assert_eq!(drops.load(SeqCst), 8);
        })
        .unwrap();
}

#[test]
fn gather_macro_under_a_timeout_returns_after_every_task_finished() {
    runtime()
        .run(async {
            let drops = Arc::new(AtomicUsize::new(0));
            let gathered = hive::gather!(endless(&drops), endless(&drops), endless(&drops));
            assert!(hive::timeout(SHORT, gathered).await.is_err());
            assert_eq!(drops.load(SeqCst), 3);
        })
        .unwrap();
}

#[test]
fn task_group_under_a_timeout_returns_after_every_child_finished() {
    runtime()
        .run(async {
            let drops = Arc::new(AtomicUsize::new(0));
            let group = {
                let drops = drops.clone();
                hive::task_group(move |tg| async move {
                    for _ in 0..6 {
                        let guard = CountDrop(drops.clone());
                        tg.spawn(async move {
                            let _guard = guard;
                            std::future::pending::<Result<(), ()>>().await
                        });
                    }
                    std::future::pending::<Result<(), ()>>().await
                })
            };
            assert!(hive::timeout(SHORT, group).await.is_err());
            // asyncio's TaskGroup: no child outlives the group.
            assert_eq!(drops.load(SeqCst), 6);
        })
        .unwrap();
}

#[test]
fn task_group_object_under_a_timeout_returns_after_every_child_finished() {
    runtime()
        .run(async {
            let drops = Arc::new(AtomicUsize::new(0));
            let group = hive::TaskGroup::<()>::new();
            for _ in 0..4 {
                let guard = CountDrop(drops.clone());
                group.spawn(async move {
                    let _guard = guard;
                    std::future::pending::<Result<(), ()>>().await
                });
            }
            assert!(hive::timeout(SHORT, group.join()).await.is_err());
            assert_eq!(drops.load(SeqCst), 4);
        })
        .unwrap();
}

#[test]
fn a_failing_child_cancels_the_body_and_what_it_awaited_before_the_group_returns() {
    runtime()
        .run(async {
            let drops = Arc::new(AtomicUsize::new(0));
            let awaited = endless(&drops);
            let result = hive::task_group(|tg| async move {
                tg.spawn(async {
                    hive::sleep(Duration::from_millis(5)).await;
                    Err::<(), _>("child failed")
                });
                awaited.await.ok();
                Ok(())
            })
            .await;
            assert!(result.is_err());
            assert_eq!(
                drops.load(SeqCst),
                1,
                "the task the body awaited finished first"
            );
        })
        .unwrap();
}

#[test]
fn nested_timeouts_with_one_deadline_report_on_the_outermost() {
    runtime()
        .run(async {
            let deadline = Instant::now() + SHORT;
            let inner = hive::timeout_at(deadline, std::future::pending::<()>());
            let outer = hive::timeout_at(deadline, inner).await;
            // asyncio: the inner scope does not claim an expiry its
            // enclosing scope reached too.
            assert!(outer.is_err(), "got {outer:?}");
        })
        .unwrap();
}

#[test]
fn nested_timeouts_report_on_the_one_that_expired() {
    runtime()
        .run(async {
            let now = Instant::now();
            let inner_first = hive::timeout_at(
                now + Duration::from_secs(30),
                hive::timeout_at(now + SHORT, std::future::pending::<()>()),
            )
            .await;
            assert!(matches!(inner_first, Ok(Err(_))), "got {inner_first:?}");

            let now = Instant::now();
            let outer_first = hive::timeout_at(
                now + SHORT,
                hive::timeout_at(now + Duration::from_secs(30), std::future::pending::<()>()),
            )
            .await;
            assert!(outer_first.is_err(), "got {outer_first:?}");
        })
        .unwrap();
}

#[test]
fn nested_timeouts_both_past_when_first_polled_report_on_the_outermost() {
    runtime()
        .run(async {
            let past = Instant::now();
            let earlier = past - Duration::from_millis(1);
            // The inner deadline is earlier, but both have passed by the
            // first poll: asyncio runs both expiries in one loop pass and
            // the outer scope claims it.
            let got = hive::timeout_at(
                past,
                hive::timeout_at(earlier, std::future::pending::<()>()),
            )
            .await;
            assert!(got.is_err(), "got {got:?}");
        })
        .unwrap();
}

#[test]
fn cancelling_a_task_cancels_the_task_it_awaits_but_not_a_shielded_one() {
    runtime()
        .run(async {
            let drops = Arc::new(AtomicUsize::new(0));
            let inner = endless(&drops);
            let inner_id = inner.id();
            // The block is the point: a task whose body awaits `inner`.
            #[allow(clippy::redundant_async_block)]
            let outer = hive::spawn(async move { inner.await });
            // Let the outer task start awaiting.
            while !hive::all_tasks().iter().any(|t| t.id() == inner_id) {
                hive::yield_now().await;
            }
            for _ in 0..10 {
                hive::yield_now().await;
            }
            outer.cancel();
            assert!(outer.await.unwrap_err().is_cancelled());
            // asyncio: cancelling the awaiter cancels the awaited task. It
            // finishes on its own loop (nobody can wait inside a destructor).
            let deadline = Instant::now() + Duration::from_secs(30);
            while drops.load(SeqCst) == 0 {
                assert!(
                    Instant::now() < deadline,
                    "the awaited task was not cancelled"
                );
                hive::yield_now().await;
            }

            let shielded = endless(&drops);
            let shielded_id = shielded.id();
            let outer = hive::spawn(async move { hive::shield(shielded).await });
            for _ in 0..10 {
                hive::yield_now().await;
            }
            outer.cancel();
            assert!(outer.await.unwrap_err().is_cancelled());
            for _ in 0..10 {
                hive::yield_now().await;
            }
            assert_eq!(drops.load(SeqCst), 1, "the shielded task runs on");
            assert!(hive::all_tasks().iter().any(|t| t.id() == shielded_id));
        })
        .unwrap();
}
