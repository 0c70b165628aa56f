//! Queue, PriorityQueue, LifoQueue: order, fairness, cancellation, shutdown,
//! join/task_done, misuse, threads.

mod common;

use std::collections::HashSet;
use std::thread;

use common::{block_on, parked, Probe};
use hive_sync::{
    LifoQueue, PriorityQueue, Queue, QueueEmpty, QueueShutDown, TaskDoneError, TryGetError,
    TryPutError,
};

#[test]
fn each_kind_has_its_order() {
    let fifo = Queue::new(0);
    let lifo = LifoQueue::new(0);
    let prio = PriorityQueue::new(0);
    for i in [3, 1, 2] {
        fifo.put_nowait(i).unwrap();
        lifo.put_nowait(i).unwrap();
        prio.put_nowait(i).unwrap();
    }
    let drain = |get: &dyn Fn() -> Result<i32, TryGetError>| -> Vec<i32> {
        std::iter::from_fn(|| get().ok()).collect()
    };
    assert_eq!(drain(&|| fifo.get_nowait()), [3, 1, 2]);
    assert_eq!(drain(&|| lifo.get_nowait()), [2, 1, 3]);
    assert_eq!(drain(&|| prio.get_nowait()), [1, 2, 3]);
}

#[test]
fn nowait_errors_and_sizes() {
    let queue = Queue::new(2);
    assert_eq!(queue.get_nowait(), Err(TryGetError::Empty(QueueEmpty)));
    queue.put_nowait('a').unwrap();
    queue.put_nowait('b').unwrap();
    assert!(queue.full());
    assert_eq!(queue.qsize(), 2);
    match queue.put_nowait('c') {
        Err(TryPutError::Full(full)) => assert_eq!(full.into_inner(), 'c'),
        other => panic!("{other:?}"),
    }
    assert_eq!(queue.maxsize(), 2);
    let unbounded = Queue::new(0);
    for i in 0..1000 {
        unbounded.put_nowait(i).unwrap();
    }
    assert!(!unbounded.full());
}

#[test]
fn getters_are_served_in_order_and_cannot_be_overtaken() {
    let queue = Queue::new(0);
    let mut g1 = parked(queue.get());
    let mut g2 = parked(queue.get());
    queue.put_nowait(1).unwrap();
    assert_eq!(g1.woken(), 1);
    assert_eq!(g2.woken(), 0);
    // The item is promised to g1: get_nowait may not take it.
    assert_eq!(queue.qsize(), 1);
    assert!(queue.get_nowait().unwrap_err().is_empty());
    queue.put_nowait(2).unwrap();
    assert_eq!(g2.woken(), 1);
    assert_eq!(g2.ready(), Ok(1), "FIFO store: g2 takes the oldest item");
    assert_eq!(g1.ready(), Ok(2));
}

#[test]
fn putters_are_served_in_order_and_cannot_be_overtaken() {
    let queue = Queue::new(1);
    queue.put_nowait(0).unwrap();
    let mut p1 = parked(queue.put(1));
    let mut p2 = parked(queue.put(2));
    assert_eq!(queue.get_nowait(), Ok(0));
    assert_eq!(p1.woken(), 1);
    assert_eq!(p2.woken(), 0);
    // The slot is promised to p1.
    assert!(queue.put_nowait(9).unwrap_err().is_full());
    assert_eq!(p1.ready(), Ok(()));
    p2.pending();
    assert_eq!(queue.get_nowait(), Ok(1));
    assert_eq!(p2.ready(), Ok(()));
    assert_eq!(queue.get_nowait(), Ok(2));
}

#[test]
fn a_chosen_getter_that_is_dropped_passes_the_item_on() {
    let queue = Queue::new(0);
    let g1 = parked(queue.get());
    let mut g2 = parked(queue.get());
    queue.put_nowait("x").unwrap();
    assert_eq!(g1.woken(), 1);
    drop(g1);
    assert_eq!(g2.woken(), 1);
    assert_eq!(g2.ready(), Ok("x"));
    assert!(queue.empty());
}

#[test]
fn a_dropped_getter_never_loses_the_item() {
    let queue = Queue::new(0);
    let g1 = parked(queue.get());
    queue.put_nowait(5).unwrap();
    drop(g1);
    assert_eq!(queue.get_nowait(), Ok(5), "the item stayed in the queue");
}

#[test]
fn a_chosen_putter_that_is_dropped_passes_the_slot_on_and_inserts_nothing() {
    let queue = Queue::new(1);
    queue.put_nowait(0).unwrap();
    let p1 = parked(queue.put(1));
    let mut p2 = parked(queue.put(2));
    assert_eq!(queue.get_nowait(), Ok(0));
    assert_eq!(p1.woken(), 1);
    drop(p1);
    assert_eq!(p2.woken(), 1);
    assert_eq!(p2.ready(), Ok(()));
    assert_eq!(queue.get_nowait(), Ok(2));
    assert!(queue.empty());
}

#[test]
fn immediate_shutdown_wakes_everyone_and_drains() {
    let queue = Queue::new(1);
    queue.put_nowait(0).unwrap();
    let mut putters: Vec<_> = (1..4).map(|i| parked(queue.put(i))).collect();
    let mut join = parked(queue.join());
    queue.shutdown(true);
    assert!(queue.empty(), "drained");
    for (i, p) in putters.iter_mut().enumerate() {
        assert_eq!(p.woken(), 1);
        assert_eq!(
            p.ready(),
            Err(QueueShutDown(i as i32 + 1)),
            "item comes back"
        );
    }
    assert_eq!(join.woken(), 1, "drained items count as done");
    join.ready();

    let empty = Queue::<u8>::new(0);
    let mut getters: Vec<_> = (0..3).map(|_| parked(empty.get())).collect();
    empty.shutdown(true);
    for g in &mut getters {
        assert_eq!(g.woken(), 1);
        assert_eq!(g.ready(), Err(QueueShutDown(())));
    }
    assert!(empty.put_nowait(1).unwrap_err().is_shut_down());
    assert!(empty.get_nowait().unwrap_err().is_shut_down());
}

#[test]
fn immediate_shutdown_beats_a_promised_item() {
    let queue = Queue::new(0);
    let mut g1 = parked(queue.get());
    queue.put_nowait(1).unwrap(); // promised to g1
    queue.shutdown(true);
    assert_eq!(g1.ready(), Err(QueueShutDown(())));
    assert_eq!(block_on(queue.join()), ());
}

#[test]
fn graceful_shutdown_lets_gets_finish_the_items() {
    let queue = Queue::new(0);
    queue.put_nowait(1).unwrap();
    queue.put_nowait(2).unwrap();
    queue.shutdown(false);
    assert!(queue.is_shut_down());
    assert_eq!(block_on(queue.put(3)), Err(QueueShutDown(3)));
    assert_eq!(block_on(queue.get()), Ok(1));
    assert_eq!(queue.get_nowait(), Ok(2));
    assert_eq!(block_on(queue.get()), Err(QueueShutDown(())));
    // join still waits for the two items to be marked done.
    let mut join = parked(queue.join());
    queue.task_done().unwrap();
    join.pending();
    queue.task_done().unwrap();
    assert_eq!(join.woken(), 1);
    join.ready();
}

#[test]
fn join_waits_for_every_task_done() {
    let queue = Queue::new(0);
    block_on(queue.join()); // nothing put: returns at once
    for i in 0..3 {
        queue.put_nowait(i).unwrap();
    }
    let mut join = parked(queue.join());
    for _ in 0..3 {
        queue.get_nowait().unwrap();
    }
    join.pending();
    queue.task_done().unwrap();
    queue.task_done().unwrap();
    join.pending();
    assert_eq!(join.woken(), 0);
    queue.task_done().unwrap();
    assert_eq!(join.woken(), 1);
    join.ready();
    assert_eq!(queue.task_done(), Err(TaskDoneError));
    assert!(TaskDoneError.to_string().contains("once per item"));
}

#[test]
fn handles_are_clone_send_sync() {
    fn check<T: Clone + Send + Sync + 'static>() {}
    check::<Queue<String>>();
    check::<PriorityQueue<u64>>();
    check::<LifoQueue<Vec<u8>>>();
    let queue = Queue::new(0);
    let other = queue.clone();
    other.put_nowait(1).unwrap();
    assert_eq!(queue.qsize(), 1);
    let _ = Probe::new(queue.get()).ready();
}

#[test]
fn producers_and_consumers_on_threads_account_exactly() {
    const PRODUCERS: usize = 4;
    const CONSUMERS: usize = 4;
    const ITEMS: usize = 1000;
    let queue = Queue::new(4);
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let queue = queue.clone();
            thread::spawn(move || {
                block_on(async {
                    for i in 0..ITEMS {
                        queue.put(p * ITEMS + i).await.unwrap();
                    }
                })
            })
        })
        .collect();
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|_| {
            let queue = queue.clone();
            thread::spawn(move || {
                block_on(async {
                    let mut got = Vec::new();
                    while let Ok(item) = queue.get().await {
                        got.push(item);
                        queue.task_done().unwrap();
                    }
                    got
                })
            })
        })
        .collect();
    for p in producers {
        p.join().unwrap();
    }
    block_on(queue.join());
    queue.shutdown(false);
    let mut seen = HashSet::new();
    for c in consumers {
        let got = c.join().unwrap();
        // Per producer, a consumer sees its items in order (FIFO).
        for w in got.windows(2) {
            if w[0] / ITEMS == w[1] / ITEMS {
                assert!(w[0] < w[1]);
            }
        }
        for item in got {
            assert!(seen.insert(item), "{item} delivered twice");
        }
    }
    assert_eq!(seen.len(), PRODUCERS * ITEMS);
    assert!(queue.empty());
}
