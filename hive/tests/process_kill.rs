//! Signalling children: kill, terminate, send_signal, kill_on_drop, and
//! the typed error for signalling a child already waited for.

mod process_support;

use hive::process::{Command, ProcessLookup, Stdio};
use hive::signal::SignalKind;
use process_support::{bounded, is_our_child, wait_until_gone};
use std::os::unix::process::ExitStatusExt;

#[test]
fn kill_terminate_and_send_signal() {
    hive::run(async {
        let cases = [
            (libc::SIGKILL, "kill"),
            (libc::SIGTERM, "terminate"),
            (libc::SIGUSR1, "send_signal"),
        ];
        for (signal, how) in cases {
            let mut p = Command::new("sleep").arg("30").spawn().unwrap();
            match how {
                "kill" => p.kill().unwrap(),
                "terminate" => p.terminate().unwrap(),
                _ => p.send_signal(SignalKind::from_raw(signal)).unwrap(),
            }
            let status = bounded(how, p.wait()).await.unwrap();
            assert_eq!(status.signal(), Some(signal), "{how}");
            assert_eq!(p.returncode(), Some(-signal), "{how}");
        }
    })
    .unwrap();
}

#[test]
fn signalling_an_exited_child_says_so() {
    hive::run(async {
        let mut p = Command::new("true").spawn().unwrap();
        bounded("wait", p.wait()).await.unwrap();
        let err = p.terminate().unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
        let lookup = err.get_ref().unwrap().downcast_ref::<ProcessLookup>();
        assert_eq!(lookup.unwrap().pid, p.pid());
        assert!(err.to_string().contains("already exited"));
    })
    .unwrap();
}

#[test]
fn killing_an_exited_but_unreaped_child_is_harmless() {
    hive::run(async {
        let mut p = Command::new("true").spawn().unwrap();
        // Let it exit without reaping it (it is a zombie meanwhile).
        let pid = p.pid();
        let deadline = std::time::Instant::now() + process_support::LIMIT;
        while process_support::stat(pid).is_some_and(|(s, _)| s != 'Z') {
            assert!(std::time::Instant::now() < deadline);
            hive::sleep(std::time::Duration::from_millis(2)).await;
        }
        p.kill().unwrap();
        assert!(bounded("wait", p.wait()).await.unwrap().success());
    })
    .unwrap();
}

#[test]
fn kill_on_drop_kills_and_reaps() {
    let pid = hive::run(async {
        let p = Command::new("sleep")
            .arg("30")
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let pid = p.pid();
        assert!(is_our_child(pid));
        drop(p);
        pid
    })
    .unwrap();
    wait_until_gone(&[pid]);
}

#[test]
fn a_dropped_child_without_kill_on_drop_finishes_and_is_reaped() {
    hive::run(async {
        let p = Command::new("sh")
            .args(["-c", "read line; exit 0"])
            .stdin(Stdio::Piped)
            .spawn()
            .unwrap();
        let pid = p.pid();
        let mut p = p;
        let stdin = p.stdin.take().unwrap();
        drop(p);
        // Still running: it waits for its line.
        assert!(is_our_child(pid));
        stdin.write(b"go\n");
        stdin.close();
        bounded("close", stdin.wait_closed()).await.unwrap();
        hive::to_thread(move || wait_until_gone(&[pid]))
            .await
            .unwrap();
    })
    .unwrap();
}

#[test]
fn cancelling_a_wait_with_a_timeout_then_killing() {
    hive::run(async {
        let mut p = Command::new("sleep").arg("30").spawn().unwrap();
        let waited = hive::timeout(std::time::Duration::from_millis(20), p.wait()).await;
        assert!(waited.is_err(), "sleep 30 ended early");
        p.kill().unwrap();
        let status = bounded("wait", p.wait()).await.unwrap();
        assert_eq!(status.signal(), Some(libc::SIGKILL));
    })
    .unwrap();
}
