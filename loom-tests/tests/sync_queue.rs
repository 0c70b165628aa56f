//! loom models of hive-sync's `Queue`: put/get racing with `shutdown`. Every
//! blocked caller must be woken (a lost wake-up deadlocks the model) and the
//! accounting must be exact.
#![cfg(loom)]

use hive_sync::{Queue, QueueShutDown};
use loom::future::block_on;
use loom::thread;

#[test]
fn graceful_shutdown_loses_no_item() {
    loom::model(|| {
        let queue = Queue::new(1);
        let producer = {
            let queue = queue.clone();
            thread::spawn(move || {
                block_on(async {
                    let mut sent = 0;
                    for i in 0..2 {
                        match queue.put(i).await {
                            Ok(()) => sent += 1,
                            Err(QueueShutDown(item)) => assert_eq!(item, i),
                        }
                    }
                    sent
                })
            })
        };
        let consumer = {
            let queue = queue.clone();
            thread::spawn(move || {
                block_on(async {
                    let mut got = 0;
                    while queue.get().await.is_ok() {
                        got += 1;
                    }
                    got
                })
            })
        };
        queue.shutdown(false);
        let sent = producer.join().unwrap();
        let got = consumer.join().unwrap();
        assert_eq!(sent, got, "every item put was got");
        assert!(queue.empty());
    });
}

#[test]
fn immediate_shutdown_wakes_a_blocked_getter_and_settles_join() {
    loom::model(|| {
        let queue = Queue::new(1);
        let consumer = {
            let queue = queue.clone();
            thread::spawn(move || {
                block_on(async {
                    let mut got = 0;
                    while queue.get().await.is_ok() {
                        got += 1;
                        queue.task_done().unwrap();
                    }
                    got
                })
            })
        };
        let sent = usize::from(queue.put_nowait(7).is_ok());
        let stopper = {
            let queue = queue.clone();
            thread::spawn(move || queue.shutdown(true))
        };
        stopper.join().unwrap();
        let got = consumer.join().unwrap();
        assert!(got <= sent);
        // Items drained by the shutdown count as done: join cannot hang.
        block_on(queue.join());
        assert!(queue.empty());
    });
}
