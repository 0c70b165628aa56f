//! The LIFO slot: a stealable task woken or spawned by the running task runs
//! next on that loop, but only a few times in a row, and never ahead of the
//! queue when it merely yielded.

use std::sync::{Arc, Mutex};

fn one_loop() -> hive::Runtime {
    hive::Runtime::builder().loops(1).build().unwrap()
}

/// The order in which three tasks spawned one after another by one task ran.
fn order_of_three_spawns(rt: hive::Runtime) -> Vec<i32> {
    let order = Arc::new(Mutex::new(Vec::new()));
    let o = order.clone();
    rt.run(async move {
        let tasks: Vec<_> = (1..=3)
            .map(|i| {
                let o = o.clone();
                hive::spawn(async move { o.lock().unwrap().push(i) })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
    })
    .unwrap();
    let order = order.lock().unwrap().clone();
    order
}

#[test]
fn the_task_spawned_last_runs_next_and_the_others_keep_their_order() {
    // 3 was in the slot when the spawner gave up the loop; 1 and 2 had been
    // pushed out of it, in order, into the queue.
    assert_eq!(order_of_three_spawns(one_loop()), [3, 1, 2]);
}

#[test]
fn without_the_slot_spawned_tasks_run_in_spawn_order() {
    let rt = hive::Runtime::builder()
        .loops(1)
        .lifo_polls_in_a_row(0)
        .build()
        .unwrap();
    assert_eq!(order_of_three_spawns(rt), [1, 2, 3]);
}

#[test]
fn two_tasks_waking_each_other_cannot_starve_a_queued_task() {
    let rt = one_loop();
    let rounds = rt
        .run(async {
            let ping = hive::sync::Queue::<u32>::new(0);
            let pong = hive::sync::Queue::<u32>::new(0);
            let bystander_ran = Arc::new(Mutex::new(false));
            let b = bystander_ran.clone();
            // Its timer puts it in the local queue while the two below hand
            // the loop to each other through the slot.
            let bystander = hive::spawn(async move {
                hive::sleep(std::time::Duration::from_millis(1)).await;
                *b.lock().unwrap() = true;
            });
            let (ping2, pong2) = (ping.clone(), pong.clone());
            let echo = hive::spawn(async move {
                while let Ok(n) = ping2.get().await {
                    if pong2.put(n).await.is_err() {
                        return;
                    }
                }
            });
            let pinger = hive::spawn(async move {
                // Bounded: without the cap on the slot this never ends early.
                for round in 0..200_000 {
                    ping.put(round).await.unwrap();
                    assert_eq!(pong.get().await.unwrap(), round);
                    if *bystander_ran.lock().unwrap() {
                        ping.shutdown(true);
                        return Some(round);
                    }
                }
                ping.shutdown(true);
                None
            });
            let rounds = pinger.await.unwrap();
            echo.await.unwrap();
            bystander.await.unwrap();
            rounds
        })
        .unwrap();
    assert!(
        rounds.is_some(),
        "the queued task never ran during 200000 ping-pong rounds"
    );
}

#[test]
fn a_yielding_task_goes_behind_the_queue_not_into_the_slot() {
    let rt = one_loop();
    let order = Arc::new(Mutex::new(Vec::new()));
    let o = order.clone();
    rt.run(async move {
        let log = |what: &'static str| {
            let o = o.clone();
            move || o.lock().unwrap().push(what)
        };
        let (starts, resumes, z1, z2) = (log("Y starts"), log("Y resumes"), log("Z1"), log("Z2"));
        let yielder = hive::spawn(async move {
            starts();
            // Z1 goes to the slot, then Z2 pushes it into the queue.
            let z1 = hive::spawn(async move { z1() });
            let z2 = hive::spawn(async move { z2() });
            hive::yield_now().await;
            resumes();
            z1.await.unwrap();
            z2.await.unwrap();
        });
        yielder.await.unwrap();
    })
    .unwrap();
    // The yield queued Y behind Z1; Z2, in the slot, ran first.
    assert_eq!(
        *order.lock().unwrap(),
        ["Y starts", "Z2", "Z1", "Y resumes"]
    );
}
