//! Owned guards (`acquire_owned` / `lock_owned`, tokio's names): a permit
//! or guard that moves into a spawned task or lives in a struct, released
//! on drop, FIFO with the borrowed forms, and lost by nobody when its
//! waiting task is cancelled.

use std::sync::Arc;

use hive::sync::{
    BoundedSemaphore, Event, Lock, Mutex, OwnedLockGuard, OwnedMutexGuard, OwnedSemaphorePermit,
    Semaphore,
};

#[test]
fn a_permit_moves_into_a_spawned_task_and_is_released_when_it_ends() {
    hive::run(async {
        let sem = Arc::new(Semaphore::new(2));
        let started = Arc::new(Event::new());
        let finish = Arc::new(Event::new());
        let mut workers = Vec::new();
        for _ in 0..2 {
            // Taken here, held by the worker: the spawner throttles itself.
            let permit = sem.clone().acquire_owned().await;
            let (started, finish) = (started.clone(), finish.clone());
            workers.push(hive::spawn(async move {
                let _permit = permit;
                started.set();
                finish.wait().await;
            }));
        }
        started.wait().await;
        assert_eq!(
            sem.available_permits(),
            0,
            "both permits are in the workers"
        );
        assert!(sem.clone().try_acquire_owned().is_none());
        finish.set();
        for worker in workers {
            worker.await.unwrap();
        }
        assert_eq!(sem.available_permits(), 2);
    })
    .unwrap();
}

#[test]
fn a_bounded_permit_given_back_by_drop_is_no_over_release() {
    hive::run(async {
        let sem = Arc::new(BoundedSemaphore::new(1));
        let permit = sem.clone().acquire_owned().await;
        hive::spawn(async move { drop(permit) }).await.unwrap();
        assert_eq!(sem.available_permits(), 1);
        assert!(sem.release().is_err(), "the bound still holds");
    })
    .unwrap();
}

/// A connection that holds its slot and its log for as long as it lives.
struct Connection {
    _slot: OwnedSemaphorePermit,
    _exclusive: OwnedLockGuard,
    log: OwnedMutexGuard<Vec<&'static str>>,
}

#[test]
fn guards_live_in_a_struct_and_release_when_it_drops() {
    hive::run(async {
        let slots = Arc::new(Semaphore::new(1));
        let lock = Arc::new(Lock::new());
        let log = Arc::new(Mutex::new(Vec::new()));
        let mut conn = Connection {
            _slot: slots.clone().acquire_owned().await,
            _exclusive: lock.clone().acquire_owned().await,
            log: log.clone().lock_owned().await,
        };
        conn.log.push("hello");
        // The struct (with its guards) moves to another task.
        let conn = hive::spawn(async move { conn }).await.unwrap();
        assert!(lock.locked() && log.locked() && slots.locked());
        drop(conn);
        assert!(!lock.locked() && !log.locked() && !slots.locked());
        assert_eq!(*log.lock().await, ["hello"]);
    })
    .unwrap();
}

#[test]
fn cancelling_an_owned_waiter_mid_wait_loses_nothing() {
    hive::run(async {
        let mutex = Arc::new(Mutex::new(0));
        let held = mutex.clone().lock_owned().await;
        let queued = Arc::new(Event::new());
        // First in line, on this loop: it has parked in the queue by the
        // time this task runs again. It is cancelled while waiting.
        let cancelled = hive::spawn_local({
            let (mutex, queued) = (mutex.clone(), queued.clone());
            async move {
                let wait = mutex.lock_owned();
                queued.set();
                *wait.await += 100;
            }
        })
        .unwrap();
        queued.wait().await;
        // Second in line.
        let next = hive::spawn({
            let mutex = mutex.clone();
            async move { *mutex.lock_owned().await += 1 }
        });
        cancelled.cancel();
        assert!(cancelled.await.unwrap_err().is_cancelled());
        drop(held);
        next.await.unwrap();
        assert_eq!(*mutex.lock().await, 1, "the cancelled waiter never ran");
        assert!(!mutex.locked());
    })
    .unwrap();
}

#[test]
fn cancelling_a_chosen_owned_waiter_passes_its_permit_on() {
    let sem = Arc::new(Semaphore::new(0));
    let mut first = Box::pin(sem.clone().acquire_owned());
    let mut second = Box::pin(sem.clone().acquire_owned());
    assert!(poll_once(first.as_mut()).is_pending());
    assert!(poll_once(second.as_mut()).is_pending());
    sem.release(); // handed to `first`, which has not run yet
    assert!(sem.clone().try_acquire_owned().is_none(), "no barging");
    drop(first);
    match poll_once(second.as_mut()) {
        std::task::Poll::Ready(permit) => assert_eq!(permit.num_permits(), 1),
        std::task::Poll::Pending => panic!("the cancelled waiter's permit was lost"),
    }
    assert_eq!(sem.available_permits(), 1);
}

fn poll_once<F: std::future::Future>(fut: std::pin::Pin<&mut F>) -> std::task::Poll<F::Output> {
    fut.poll(&mut std::task::Context::from_waker(std::task::Waker::noop()))
}
