//! Signals and children together. `hive/tests/signal.rs` covers delivery
//! of raised signals; this adds signals that come from a child process,
//! and checks that watching children does not take SIGCHLD away from the
//! program's own handlers.

mod process_support;

use hive::process::Command;
use hive::signal::SignalKind;
use process_support::bounded;

/// Waits (on a blocking thread, bounded) for what a loop handler sent.
async fn next<T: Send + 'static>(rx: std::sync::mpsc::Receiver<T>) -> T {
    hive::to_thread(move || rx.recv_timeout(process_support::LIMIT))
        .await
        .unwrap()
        .expect("the signal handler never ran")
}

/// The loop object of loop `index` (for `add_signal_handler`).
async fn loop_at(index: usize) -> hive::Loop {
    let id = hive::loop_ids()[index];
    let task = hive::spawn_on_loop(id, async { hive::get_running_loop().unwrap() });
    bounded("spawn_on_loop", task.unwrap()).await.unwrap()
}

#[test]
fn a_signal_from_a_child_reaches_the_handler_on_its_loop() {
    let rt = hive::Runtime::builder().loops(2).build().unwrap();
    rt.run(async {
        let kind = SignalKind::user_defined2();
        let target = loop_at(1).await;
        let (tx, rx) = std::sync::mpsc::channel();
        target
            .add_signal_handler(kind, move || {
                let _ = tx.send(std::thread::current().name().map(str::to_owned));
            })
            .unwrap();
        hive::yield_now().await; // let the handler task start listening
        let mut child = Command::new("sh")
            .args(["-c", "kill -USR2 $PPID"])
            .spawn()
            .unwrap();
        assert!(bounded("wait", child.wait()).await.unwrap().success());
        assert_eq!(next(rx).await.as_deref(), Some("hive-loop-1"));
        assert!(target.remove_signal_handler(kind));
    })
    .unwrap();
}

#[test]
fn sigchld_handlers_still_see_children_exit() {
    let rt = hive::Runtime::builder().loops(2).build().unwrap();
    rt.run(async {
        let kind = SignalKind::from_raw(libc::SIGCHLD);
        let target = loop_at(0).await;
        let (tx, rx) = std::sync::mpsc::channel();
        target
            .add_signal_handler(kind, move || {
                let _ = tx.send(std::thread::current().name().map(str::to_owned));
            })
            .unwrap();
        hive::yield_now().await;
        let mut child = Command::new("true").spawn().unwrap();
        assert!(bounded("wait", child.wait()).await.unwrap().success());
        assert_eq!(next(rx).await.as_deref(), Some("hive-loop-0"));
        assert!(target.remove_signal_handler(kind));
    })
    .unwrap();
}
