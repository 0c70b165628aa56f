//! `gather!`, `gather_results!`, `gather_all`, `gather_all_results`:
//! input order, fail-fast without cancelling siblings, both cancel paths.

mod combinators_support;

use combinators_support::{rt, SignalOnDrop};
use hive::{Promise, TaskError};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

#[test]
fn gather_macro_returns_heterogeneous_values_in_input_order() {
    rt().run(async {
        let gate = Promise::new();
        let slow = hive::spawn({
            let gate = gate.clone();
            async move {
                gate.await.unwrap();
                1u8
            }
        });
        let fast = hive::spawn(async { "fast" });
        let third = hive::spawn(async { vec![3] });
        let opener = hive::spawn(async move { gate.set_result(()).unwrap() });
        let (a, b, c) = hive::gather!(slow, fast, third).await.unwrap();
        assert_eq!((a, b, c), (1, "fast", vec![3]));
        opener.await.unwrap();
    })
    .unwrap();
}

#[test]
fn gather_all_returns_values_in_input_order_not_completion_order() {
    rt().run(async {
        let gates: Vec<Promise<()>> = (0..5).map(|_| Promise::new()).collect();
        let tasks: Vec<_> = gates
            .iter()
            .enumerate()
            .map(|(i, g)| {
                let g = g.clone();
                hive::spawn(async move {
                    g.await.unwrap();
                    i
                })
            })
            .collect();
        // Finish them in reverse order.
        for g in gates.iter().rev() {
            g.set_result(()).unwrap();
            hive::yield_now().await;
        }
        assert_eq!(hive::gather_all(tasks).await.unwrap(), [0, 1, 2, 3, 4]);
    })
    .unwrap();
}

#[test]
fn first_failure_returns_at_once_and_siblings_keep_running() {
    rt().run(async {
        let gate = Promise::new();
        let finished = Promise::new();
        let sibling = hive::spawn({
            let (gate, finished) = (gate.clone(), finished.clone());
            async move {
                gate.await.unwrap();
                finished.set_result(()).unwrap();
                1
            }
        });
        let failing = hive::spawn(async {
            panic!("child failed");
        });
        let err = hive::gather!(sibling, failing).await.unwrap_err();
        assert_eq!(err.panic_message(), Some("child failed"));
        // The sibling was not cancelled: it still runs to completion.
        gate.set_result(()).unwrap();
        finished.await.unwrap();
    })
    .unwrap();
}

#[test]
fn gather_all_fail_fast_leaves_the_others_running() {
    rt().run(async {
        let gate = Promise::new();
        let ran = Arc::new(AtomicUsize::new(0));
        let all_done = Promise::new();
        let mut tasks = Vec::new();
        for _ in 0..3 {
            let (gate, ran, all_done) = (gate.clone(), ran.clone(), all_done.clone());
            tasks.push(hive::spawn(async move {
                gate.await.unwrap();
                if ran.fetch_add(1, Ordering::SeqCst) == 2 {
                    all_done.set_result(()).unwrap();
                }
            }));
        }
        tasks.push(hive::spawn(async { panic!("boom") }));
        assert!(hive::gather_all(tasks).await.unwrap_err().is_panic());
        gate.set_result(()).unwrap();
        all_done.await.unwrap();
        assert_eq!(ran.load(Ordering::SeqCst), 3);
    })
    .unwrap();
}

#[test]
fn a_child_cancelled_from_elsewhere_is_a_cancelled_result_and_gather_goes_on() {
    rt().run(async {
        let gate = Promise::new();
        let victim = hive::spawn(std::future::pending::<u32>());
        let victim_id = victim.id();
        let other = hive::spawn({
            let gate = gate.clone();
            async move {
                gate.await.unwrap();
                7
            }
        });
        let gathering = hive::spawn(hive::gather_results!(victim, other));
        // Cancel the victim from elsewhere, by id, while gather waits on it.
        let info = hive::all_tasks()
            .into_iter()
            .find(|t| t.id() == victim_id)
            .unwrap();
        assert!(info.cancel());
        gate.set_result(()).unwrap();
        let (a, b) = gathering.await.unwrap();
        assert!(matches!(a, Err(TaskError::Cancelled)));
        assert_eq!(b.unwrap(), 7);

        // The Vec form behaves the same.
        let victim = hive::spawn(std::future::pending::<u32>());
        victim.cancel();
        let results = hive::gather_all_results([victim, hive::spawn(async { 8 })]).await;
        assert!(results[0].as_ref().unwrap_err().is_cancelled());
        assert_eq!(*results[1].as_ref().unwrap(), 8);
    })
    .unwrap();
}

#[test]
fn the_fail_fast_gather_reports_a_child_cancelled_from_elsewhere() {
    rt().run(async {
        let victim = hive::spawn(std::future::pending::<u32>());
        victim.cancel();
        let err = hive::gather!(victim, hive::spawn(async { 1 }))
            .await
            .unwrap_err();
        assert!(err.is_cancelled());
    })
    .unwrap();
}

#[test]
fn cancelling_the_gather_cancels_every_child() {
    rt().run(async {
        let dropped: Vec<Promise<()>> = (0..3).map(|_| Promise::new()).collect();
        let spawn_child = |p: &Promise<()>| {
            let guard = SignalOnDrop(p.clone());
            hive::spawn(async move {
                let _guard = guard;
                std::future::pending::<u32>().await
            })
        };
        let (a, b, c) = (
            spawn_child(&dropped[0]),
            spawn_child(&dropped[1]),
            spawn_child(&dropped[2]),
        );
        let started = Promise::new();
        let outer = hive::spawn({
            let started = started.clone();
            async move {
                started.set_result(()).unwrap();
                hive::gather!(a, b, c).await
            }
        });
        started.await.unwrap();
        assert!(outer.cancel());
        assert!(outer.await.unwrap_err().is_cancelled());
        for p in dropped {
            p.await.unwrap();
        }
    })
    .unwrap();
}

#[test]
fn dropping_gather_all_cancels_every_child_even_with_return_exceptions() {
    rt().run(async {
        let dropped: Vec<Promise<()>> = (0..4).map(|_| Promise::new()).collect();
        let tasks: Vec<_> = dropped
            .iter()
            .map(|p| {
                let guard = SignalOnDrop(p.clone());
                hive::spawn(async move {
                    let _guard = guard;
                    std::future::pending::<()>().await
                })
            })
            .collect();
        let outer = hive::spawn(hive::gather_all_results(tasks));
        hive::yield_now().await;
        outer.cancel();
        // The gather reports its own cancellation, not results.
        assert!(outer.await.unwrap_err().is_cancelled());
        for p in dropped {
            p.await.unwrap();
        }
    })
    .unwrap();
}

#[test]
fn gather_all_of_many_tasks_and_of_none() {
    rt().run(async {
        let tasks: Vec<_> = (0..2000u64)
            .map(|i| hive::spawn(async move { i }))
            .collect();
        let values = hive::gather_all(tasks).await.unwrap();
        assert_eq!(values.iter().sum::<u64>(), (0..2000).sum());
        let none: Vec<hive::Task<u8>> = Vec::new();
        assert!(hive::gather_all(none).await.unwrap().is_empty());
    })
    .unwrap();
}
