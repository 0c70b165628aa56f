//! `Promise` (asyncio.Future): settle once, many awaiters, callbacks via call_soon.

mod combinators_support;

use combinators_support::rt;
use hive::{InvalidState, Promise};
use std::sync::{Arc, Mutex};

#[test]
fn every_awaiter_gets_the_result_and_setting_twice_is_invalid_state() {
    rt().run(async {
        let p = Promise::new();
        let waiters: Vec<_> = (0..4)
            .map(|_| {
                let p = p.clone();
                hive::spawn(async move { p.await.unwrap() })
            })
            .collect();
        hive::yield_now().await;
        assert!(!p.is_done());
        p.set_result(String::from("v")).unwrap();
        assert_eq!(p.set_result(String::from("w")), Err(InvalidState));
        assert_eq!(p.set_error("late"), Err(InvalidState));
        assert!(!p.cancel());
        for w in waiters {
            assert_eq!(w.await.unwrap(), "v");
        }
        assert_eq!(p.result().unwrap().unwrap(), "v");
    })
    .unwrap();
}

#[test]
fn errors_and_cancellation_reach_awaiters() {
    rt().run(async {
        let p = Promise::<u8>::new();
        let w = hive::spawn({
            let p = p.clone();
            async move { p.await.map(u32::from) }
        });
        p.set_error(std::io::Error::other("broken pipe")).unwrap();
        let err = w.await.unwrap().unwrap_err();
        assert!(!err.is_cancelled());
        assert_eq!(err.to_string(), "broken pipe");
        assert!(std::error::Error::source(&err).is_some());

        let p = Promise::<u8>::new();
        assert!(p.cancel());
        assert!(p.is_cancelled() && p.is_done());
        assert!(p.await.unwrap_err().is_cancelled());
    })
    .unwrap();
}

#[test]
fn done_callbacks_run_via_call_soon_in_order_never_inside_set_result() {
    rt().run(async {
        let log = Arc::new(Mutex::new(Vec::new()));
        let p = Promise::new();
        for i in 0..3 {
            let log = log.clone();
            p.add_done_callback(move |p: &Promise<u32>| {
                log.lock().unwrap().push((i, p.result().unwrap().unwrap()));
            })
            .unwrap();
        }
        let finished = Promise::new();
        let f = finished.clone();
        p.add_done_callback(move |_| f.set_result(()).unwrap())
            .unwrap();
        p.set_result(7).unwrap();
        assert!(log.lock().unwrap().is_empty(), "ran inside set_result");
        finished.await.unwrap();
        assert_eq!(*log.lock().unwrap(), [(0, 7), (1, 7), (2, 7)]);

        // Added after it is done: scheduled at once (still not inline).
        let again = Promise::new();
        let a = again.clone();
        p.add_done_callback(move |_| a.set_result(()).unwrap())
            .unwrap();
        assert!(!again.is_done());
        again.await.unwrap();
    })
    .unwrap();
}

#[test]
fn a_promise_set_from_a_foreign_thread_wakes_its_awaiter() {
    let rt = rt();
    let p = Promise::new();
    let waiter = rt.spawn({
        let p = p.clone();
        async move { p.await.unwrap() }
    });
    std::thread::spawn(move || p.set_result(3).unwrap())
        .join()
        .unwrap();
    assert_eq!(waiter.blocking_join().unwrap().unwrap(), 3);
}

#[test]
fn add_done_callback_off_any_loop_is_a_typed_error() {
    let p = Promise::<()>::new();
    let err = p.add_done_callback(|_| {}).unwrap_err();
    assert!(err.to_string().contains("no running event loop"));
}
