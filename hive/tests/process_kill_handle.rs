//! `Process::kill_handle`: asyncio's `proc.kill()` from another task while
//! `communicate()` or `wait()` is pending, and the `ProcessLookup` error
//! once the child was reaped, never a signal to a recycled pid.

mod process_support;

use hive::process::{Command, KillHandle, ProcessLookup, Stdio};
use hive::signal::SignalKind;
use process_support::{bounded, wait_until_gone};
use std::os::unix::process::ExitStatusExt;

#[test]
fn kill_from_another_task_ends_a_pending_communicate() {
    hive::run(async {
        // The child says it runs (on stderr), then sleeps with stdout open:
        // communicate() waits for stdout's EOF, i.e. for the child's end.
        let mut p = Command::new("sh")
            .args(["-c", "echo running >&2; exec sleep 30"])
            .stdout(Stdio::Piped)
            .stderr(Stdio::Piped)
            .spawn()
            .unwrap();
        let mut stderr = p.stderr.take().unwrap();
        let killer = p.kill_handle();
        // Pinned to this loop: it first runs once communicate() below is
        // pending, and kills only a child known to be running.
        let kill = hive::spawn_local(async move {
            assert_eq!(stderr.readline().await.unwrap(), b"running\n");
            killer.kill()
        })
        .unwrap();
        let out = bounded("communicate", p.communicate(None)).await.unwrap();
        kill.await.unwrap().unwrap();
        assert_eq!(out.status.signal(), Some(libc::SIGKILL));
        assert!(out.stdout.is_empty());
        assert_eq!(p.returncode(), Some(-libc::SIGKILL));
    })
    .unwrap();
}

#[test]
fn a_stealable_task_terminates_a_pending_wait_through_a_cloned_handle() {
    hive::run(async {
        let mut p = Command::new("sleep").arg("30").spawn().unwrap();
        let handle = p.kill_handle();
        assert_eq!(handle.pid(), p.pid());
        let clone = handle.clone();
        let stopper = hive::spawn(async move { clone.terminate() });
        let status = bounded("wait", p.wait()).await.unwrap();
        stopper.await.unwrap().unwrap();
        assert_eq!(status.signal(), Some(libc::SIGTERM));
    })
    .unwrap();
}

fn assert_lookup(err: std::io::Error, pid: u32) -> ProcessLookup {
    assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    let lookup = *err
        .get_ref()
        .and_then(|e| e.downcast_ref::<ProcessLookup>())
        .expect("a ProcessLookup inside");
    assert_eq!(lookup.pid, pid);
    lookup
}

#[test]
fn kill_after_the_child_was_reaped_is_a_process_lookup_error() {
    hive::run(async {
        let mut p = Command::new("sh").args(["-c", "exit 3"]).spawn().unwrap();
        let handle = p.kill_handle();
        bounded("wait", p.wait()).await.unwrap();
        let lookup = assert_lookup(handle.kill().unwrap_err(), p.pid());
        assert_eq!(lookup.status.code(), Some(3));
        assert!(handle.terminate().is_err());
        // Still an error once the Process itself is gone.
        let pid = p.pid();
        drop(p);
        assert_lookup(handle.send_signal(SignalKind::hangup()).unwrap_err(), pid);
    })
    .unwrap();
}

#[test]
fn a_handle_outliving_its_process_sees_the_background_reap() {
    hive::run(async {
        let p = Command::new("true").spawn().unwrap();
        let (pid, handle) = (p.pid(), p.kill_handle());
        // Dropped unreaped: the background reaper reaps it, through the
        // same gate the handle signals through.
        drop(p);
        hive::to_thread(move || wait_until_gone(&[pid]))
            .await
            .unwrap();
        let lookup = assert_lookup(handle.kill().unwrap_err(), pid);
        assert!(lookup.status.success());
    })
    .unwrap();
}

#[test]
fn handles_are_send_sync_and_static() {
    fn check<T: Clone + Send + Sync + 'static>() {}
    check::<KillHandle>();
}
