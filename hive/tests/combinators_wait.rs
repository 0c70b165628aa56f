//! `wait`, `as_completed` and `shield`.

mod combinators_support;

use combinators_support::rt;
use hive::{Promise, ReturnWhen};
use std::time::Duration;

fn gated(gate: &Promise<()>, value: u32) -> hive::Task<u32> {
    let gate = gate.clone();
    hive::spawn(async move {
        gate.await.unwrap();
        value
    })
}

#[test]
fn wait_first_completed_returns_done_and_pending_without_cancelling() {
    rt().run(async {
        let gate = Promise::new();
        let tasks = vec![gated(&gate, 1), hive::spawn(async { 2 }), gated(&gate, 3)];
        let (done, pending) = hive::wait(tasks, ReturnWhen::FirstCompleted, None).await;
        assert_eq!(done.len(), 1);
        assert_eq!(pending.len(), 2);
        assert!(done[0].is_done());
        assert_eq!(done.into_iter().next().unwrap().await.unwrap(), 2);
        // The pending ones were not cancelled.
        gate.set_result(()).unwrap();
        let rest = hive::gather_all(pending).await.unwrap();
        assert_eq!(rest, [1, 3]);
    })
    .unwrap();
}

#[test]
fn wait_first_exception_returns_at_the_first_panic() {
    rt().run(async {
        let gate = Promise::new();
        let tasks = vec![
            gated(&gate, 1),
            hive::spawn(async { 2 }),
            hive::spawn(async {
                hive::yield_now().await;
                panic!("failed");
            }),
        ];
        let (done, pending) = hive::wait(tasks, ReturnWhen::FirstException, None).await;
        // The panicking task is done; the gated one is still pending.
        assert_eq!(pending.len(), 1);
        assert!(!pending[0].is_done());
        let mut panics = 0;
        for task in done {
            if let Err(err) = task.await {
                assert!(err.is_panic());
                panics += 1;
            }
        }
        assert_eq!(panics, 1);
        gate.set_result(()).unwrap();
        for task in pending {
            assert_eq!(task.await.unwrap(), 1);
        }
    })
    .unwrap();
}

#[test]
fn wait_first_exception_without_a_panic_waits_for_all() {
    rt().run(async {
        let cancelled = hive::spawn(std::future::pending::<u32>());
        cancelled.cancel();
        let tasks = vec![hive::spawn(async { 1 }), cancelled];
        let (done, pending) = hive::wait(tasks, ReturnWhen::FirstException, None).await;
        assert_eq!((done.len(), pending.len()), (2, 0));
    })
    .unwrap();
}

#[test]
fn wait_all_completed_and_timeout() {
    rt().run(async {
        let tasks: Vec<_> = (0..5).map(|i| hive::spawn(async move { i })).collect();
        let (done, pending) = hive::wait(tasks, ReturnWhen::AllCompleted, None).await;
        assert_eq!((done.len(), pending.len()), (5, 0));

        let gate = Promise::new();
        let tasks = vec![gated(&gate, 1)];
        let (done, pending) = hive::wait(
            tasks,
            ReturnWhen::AllCompleted,
            Some(Duration::from_millis(5)),
        )
        .await;
        assert_eq!((done.len(), pending.len()), (0, 1));
        gate.set_result(()).unwrap();
        assert_eq!(pending.into_iter().next().unwrap().await.unwrap(), 1);

        let none: Vec<hive::Task<()>> = Vec::new();
        let (done, pending) = hive::wait(none, ReturnWhen::FirstCompleted, None).await;
        assert!(done.is_empty() && pending.is_empty());
    })
    .unwrap();
}

#[test]
fn as_completed_yields_in_completion_order() {
    rt().run(async {
        let gates: Vec<Promise<()>> = (0..4).map(|_| Promise::new()).collect();
        let tasks: Vec<_> = gates
            .iter()
            .enumerate()
            .map(|(i, g)| gated(g, i as u32))
            .collect();
        let mut results = hive::as_completed(tasks);
        // Release them in the order 2, 0, 3, 1: each result arrives before
        // the next gate opens, so the order is fixed.
        let mut order = Vec::new();
        for i in [2, 0, 3, 1] {
            gates[i].set_result(()).unwrap();
            order.push(results.next().await.unwrap().unwrap());
        }
        assert_eq!(order, [2, 0, 3, 1]);
        assert!(results.next().await.is_none());
        assert!(!results.elapsed());
    })
    .unwrap();
}

#[test]
fn as_completed_timeout_ends_the_stream_and_keeps_the_rest_running() {
    rt().run(async {
        let gate = Promise::new();
        let mut results = hive::as_completed_timeout(
            [hive::spawn(async { 7 }), gated(&gate, 8)],
            Duration::from_millis(10),
        );
        assert_eq!(results.next().await.unwrap().unwrap(), 7);
        assert!(results.next().await.is_none());
        assert!(results.elapsed());
        let rest = results.into_pending();
        assert_eq!(rest.len(), 1);
        gate.set_result(()).unwrap();
        assert_eq!(rest.into_iter().next().unwrap().await.unwrap(), 8);
    })
    .unwrap();
}

#[test]
fn shield_survives_outer_cancellation() {
    rt().run(async {
        let gate = Promise::new();
        let inner = gated(&gate, 5);
        let inner_id = inner.id();
        let started = Promise::new();
        let outer = hive::spawn({
            let started = started.clone();
            async move {
                started.set_result(()).unwrap();
                hive::shield(inner).await
            }
        });
        started.await.unwrap();
        outer.cancel();
        assert!(outer.await.unwrap_err().is_cancelled());
        // The inner task is alive and finishes normally.
        let info = hive::all_tasks()
            .into_iter()
            .find(|t| t.id() == inner_id)
            .expect("the shielded task must still be running");
        assert!(!info.is_done());
        let done = Promise::new();
        let watcher = hive::spawn({
            let done = done.clone();
            async move {
                while !info.is_done() {
                    hive::yield_now().await;
                }
                done.set_result(()).unwrap();
            }
        });
        gate.set_result(()).unwrap();
        done.await.unwrap();
        watcher.await.unwrap();
    })
    .unwrap();
}

#[test]
fn shield_gives_the_inner_result_and_its_cancellation() {
    rt().run(async {
        assert_eq!(hive::shield(hive::spawn(async { 1 })).await.unwrap(), 1);
        let inner = hive::spawn(std::future::pending::<()>());
        inner.cancel();
        assert!(hive::shield(inner).await.unwrap_err().is_cancelled());
    })
    .unwrap();
}
