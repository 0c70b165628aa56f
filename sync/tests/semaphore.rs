//! Semaphore and BoundedSemaphore: FIFO permits, cancellation, over-release.

mod common;

use std::sync::{Arc, Mutex as StdMutex};
use std::thread;

use common::{block_on, parked};
use hive_sync::{BoundedSemaphore, OverRelease, Semaphore};

#[test]
fn permits_go_to_waiters_in_arrival_order() {
    let sem = Semaphore::new(0);
    let mut waiters: Vec<_> = (0..4).map(|_| parked(sem.acquire())).collect();
    for i in 0..waiters.len() {
        sem.release();
        assert_eq!(waiters[i].woken(), 1);
        for later in &mut waiters[i + 1..] {
            assert_eq!(later.woken(), 0);
            later.pending();
        }
        waiters[i].ready().forget();
    }
    assert_eq!(sem.available_permits(), 0);
}

#[test]
fn a_large_request_is_not_overtaken() {
    let sem = Semaphore::new(1);
    let mut big = parked(sem.acquire_many(3));
    let mut small = parked(sem.acquire());
    assert!(sem.try_acquire().is_none(), "try_acquire may not overtake");
    assert!(sem.locked());
    sem.release();
    sem.release();
    assert_eq!(big.woken(), 1);
    let permit = big.ready();
    assert_eq!(permit.num_permits(), 3);
    small.pending();
    drop(permit);
    assert_eq!(small.woken(), 1);
    drop(small.ready());
    assert_eq!(sem.available_permits(), 3);
}

#[test]
fn dropping_the_chosen_waiter_passes_the_permit_on() {
    let sem = Semaphore::new(0);
    let first = parked(sem.acquire());
    let mut second = parked(sem.acquire());
    sem.release();
    assert_eq!(first.woken(), 1);
    drop(first);
    assert_eq!(second.woken(), 1);
    drop(second.ready());
    assert_eq!(sem.available_permits(), 1);
}

#[test]
fn dropping_a_blocking_front_waiter_unblocks_the_next() {
    let sem = Semaphore::new(1);
    let big = parked(sem.acquire_many(2));
    let mut small = parked(sem.acquire());
    drop(big);
    assert_eq!(small.woken(), 1);
    drop(small.ready());
}

#[test]
fn bounded_semaphore_refuses_over_release() {
    let sem = BoundedSemaphore::new(2);
    assert_eq!(sem.release(), Err(OverRelease));
    let permit = sem.try_acquire().unwrap();
    assert_eq!(sem.release(), Err(OverRelease), "held permits still count");
    permit.forget();
    assert_eq!(sem.release(), Ok(()));
    assert_eq!(sem.release(), Err(OverRelease));
    assert_eq!(sem.available_permits(), 2);
    assert!(OverRelease.to_string().contains("released too many times"));
}

#[test]
fn threads_never_exceed_the_permits() {
    const THREADS: usize = 4;
    const OPS: usize = 1000;
    const PERMITS: usize = 3;
    let sem = Arc::new(Semaphore::new(PERMITS));
    // (inside now, most ever inside, total entries)
    let stats = Arc::new(StdMutex::new((0usize, 0usize, 0usize)));
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let (sem, stats) = (sem.clone(), stats.clone());
            thread::spawn(move || {
                block_on(async {
                    for _ in 0..OPS {
                        let _permit = sem.acquire().await;
                        {
                            let mut s = stats.lock().unwrap();
                            s.0 += 1;
                            s.1 = s.1.max(s.0);
                            s.2 += 1;
                        }
                        thread::yield_now();
                        stats.lock().unwrap().0 -= 1;
                    }
                })
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
    let (inside, most, total) = *stats.lock().unwrap();
    assert_eq!(inside, 0);
    assert!(most <= PERMITS, "{most} holders at once");
    assert_eq!(total, THREADS * OPS);
    assert_eq!(sem.available_permits(), PERMITS);
}
