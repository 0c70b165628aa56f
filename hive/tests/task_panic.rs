//! Panics are caught per poll; the loop survives; nobody-read errors are reported.

use std::sync::{Arc, Mutex};
use std::time::Duration;

#[test]
fn a_panic_becomes_an_error_and_the_loop_keeps_running() {
    let rt = hive::Runtime::builder().loops(1).build().unwrap();
    let out = rt.run(async {
        let err = hive::spawn(async { panic!("kaboom") }).await.unwrap_err();
        assert_eq!(err.panic_message(), Some("kaboom"));
        // Same loop, still alive:
        hive::spawn(async { 5 }).await.unwrap()
    });
    assert_eq!(out.unwrap(), 5);
    assert_eq!(rt.run(async { 6 }).unwrap(), 6);
}

#[test]
fn an_error_nobody_retrieves_goes_to_the_exception_handler() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let rt = hive::Runtime::builder()
        .loops(1)
        .exception_handler(move |ctx: hive::ExceptionContext| {
            sink.lock().unwrap().push((
                ctx.message.clone(),
                ctx.task_name.clone(),
                ctx.error.panic_message().map(str::to_owned),
            ));
        })
        .build()
        .unwrap();
    rt.run(async {
        // Detached at once: reported when it panics.
        drop(
            hive::task::Builder::new()
                .name("lost")
                .spawn(async { panic!("detached") }),
        );
        // Held but never awaited: reported when the handle is dropped.
        let held = hive::task::Builder::new()
            .name("ignored")
            .spawn(async { panic!("held") });
        while !held.is_done() {
            hive::yield_now().await;
        }
        drop(held);
        // Awaited: not reported.
        let _ = hive::spawn(async { panic!("awaited") }).await;
        // A panicking callback is reported too.
        hive::get_running_loop()
            .unwrap()
            .call_soon(|| panic!("in callback"));
        hive::sleep(Duration::from_millis(5)).await;
    })
    .unwrap();
    let seen = seen.lock().unwrap().clone();
    let messages: Vec<_> = seen.iter().map(|(_, _, m)| m.clone().unwrap()).collect();
    assert!(messages.contains(&"detached".to_owned()), "{seen:?}");
    assert!(messages.contains(&"held".to_owned()), "{seen:?}");
    assert!(messages.contains(&"in callback".to_owned()), "{seen:?}");
    assert!(!messages.contains(&"awaited".to_owned()), "{seen:?}");
    assert!(seen
        .iter()
        .any(|(msg, name, _)| msg.contains("never retrieved") && name.as_deref() == Some("lost")));
}

#[test]
fn a_panicking_main_task_resumes_its_panic_in_the_caller() {
    let caught = std::panic::catch_unwind(|| hive::run(async { panic!("main failed") }));
    let payload = caught.unwrap_err();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"main failed"));
}

#[test]
fn a_panic_in_to_thread_is_an_error_for_the_awaiting_task() {
    hive::run(async {
        let err = hive::to_thread(|| panic!("in the pool")).await.unwrap_err();
        assert_eq!(err.panic_message(), Some("in the pool"));
    })
    .unwrap();
}
