//! Signals as async events and loop handlers. Each test raises a different
//! signal, and only while something listens for it (a signal nobody in the
//! process listens to keeps its default action, which would end the test).

use hive::signal::{signal, SignalKind};
use std::time::Duration;

fn raise(kind: SignalKind) {
    // SAFETY: raise only sends a signal to this process; a hive subscription
    // for `kind` is alive whenever the tests call it.
    unsafe { libc::raise(kind.as_raw()) };
}

#[test]
fn every_subscriber_gets_the_signal() {
    hive::run(async {
        let kind = SignalKind::user_defined1();
        let mut a = signal(kind).unwrap();
        let mut b = signal(kind).unwrap();
        raise(kind);
        let both = async { (a.recv().await, b.recv().await) };
        assert_eq!(
            hive::timeout(Duration::from_secs(10), both).await.unwrap(),
            (Some(()), Some(()))
        );
    })
    .unwrap();
}

#[test]
fn a_loop_handler_runs_on_its_loop_and_can_be_removed() {
    let rt = hive::Runtime::builder().loops(2).build().unwrap();
    rt.run(async {
        let kind = SignalKind::user_defined2();
        let target = hive::loop_ids()[1];
        let target_loop = {
            let (tx, rx) = std::sync::mpsc::channel();
            drop(hive::spawn_on_loop(target, async move {
                tx.send(hive::get_running_loop().unwrap()).unwrap()
            }));
            rx.recv_timeout(Duration::from_secs(30)).unwrap()
        };
        let (tx, rx) = std::sync::mpsc::channel();
        target_loop
            .add_signal_handler(kind, move || {
                let _ = tx.send(std::thread::current().name().map(str::to_owned));
            })
            .unwrap();
        hive::yield_now().await; // let the handler task start listening
        raise(kind);
        let mut got = None;
        for _ in 0..10_000 {
            if let Ok(name) = rx.try_recv() {
                got = Some(name);
                break;
            }
            hive::sleep(Duration::from_millis(1)).await;
        }
        assert_eq!(got.unwrap().as_deref(), Some("hive-loop-1"));
        assert!(target_loop.remove_signal_handler(kind));
        assert!(!target_loop.remove_signal_handler(kind));
    })
    .unwrap();
}

#[test]
fn signals_a_program_cannot_handle_are_refused_with_a_reason() {
    hive::run(async {
        for raw in [libc::SIGKILL, libc::SIGSTOP, libc::SIGSEGV, 0, 99] {
            let err = signal(SignalKind::from_raw(raw)).unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{raw}");
            assert!(err.to_string().contains("cannot be handled"));
        }
    })
    .unwrap();
}

#[test]
fn a_subscription_outliving_its_runtime_ends_with_none() {
    let rt = hive::Runtime::builder().loops(1).build().unwrap();
    let mut hup = rt
        .block_on(async { signal(SignalKind::hangup()) })
        .unwrap()
        .unwrap();
    drop(rt);
    let next = futures_lite_block_on(hup.recv());
    assert_eq!(next, None);
}

#[test]
fn signal_outside_a_runtime_is_a_typed_error() {
    let err = signal(SignalKind::user_defined1()).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
}

fn futures_lite_block_on<F: std::future::Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    // Polled until ready; the deadline only turns a hang into a failure.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while std::time::Instant::now() < deadline {
        if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    panic!("future did not complete");
}
