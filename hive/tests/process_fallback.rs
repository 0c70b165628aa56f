//! The SIGCHLD fallback (what hive uses where the kernel has no pidfd),
//! forced with `HIVE_PROCESS_WATCH=sigchld`: one test binary, so the
//! variable is set before this process spawns any child.

mod process_support;

use hive::process::{Command, Stdio, Watcher};
use process_support::{bounded, is_our_zombie, wait_until_gone};
use std::os::unix::process::ExitStatusExt;
use std::sync::Once;

fn force_sigchld() {
    static FORCE: Once = Once::new();
    // Every test calls this before spawning, so the variable is set before
    // hive first reads it (std's env lock orders it with std's readers).
    FORCE.call_once(|| std::env::set_var("HIVE_PROCESS_WATCH", "sigchld"));
}

#[test]
fn exit_codes_output_and_kill_without_pidfd() {
    force_sigchld();
    hive::run(async {
        let mut p = Command::new("sh").args(["-c", "exit 6"]).spawn().unwrap();
        assert_eq!(p.watcher(), Watcher::Sigchld);
        assert_eq!(bounded("wait", p.wait()).await.unwrap().code(), Some(6));

        let mut cat = Command::new("cat")
            .stdin(Stdio::Piped)
            .stdout(Stdio::Piped)
            .spawn()
            .unwrap();
        let input = vec![b'x'; 1 << 20];
        let out = bounded("communicate", cat.communicate(Some(&input)))
            .await
            .unwrap();
        assert!(out.stdout == input);

        let mut sleeper = Command::new("sleep").arg("30").spawn().unwrap();
        sleeper.kill().unwrap();
        let status = bounded("wait", sleeper.wait()).await.unwrap();
        assert_eq!(status.signal(), Some(libc::SIGKILL));
    })
    .unwrap();
}

#[test]
fn many_children_at_once_without_pidfd() {
    force_sigchld();
    let rt = hive::Runtime::builder().loops(2).build().unwrap();
    let pids = rt
        .run(async {
            let tasks: Vec<_> = (0..100)
                .map(|_| {
                    hive::spawn(async {
                        let mut p = Command::new("true").spawn().unwrap();
                        assert!(bounded("wait", p.wait()).await.unwrap().success());
                        p.pid()
                    })
                })
                .collect();
            let mut pids = Vec::new();
            for t in tasks {
                pids.push(bounded("task", t).await.unwrap());
            }
            pids
        })
        .unwrap();
    assert!(pids.iter().all(|&p| !is_our_zombie(p)));
}

#[test]
fn dropped_children_are_reaped_without_pidfd() {
    force_sigchld();
    let pids = hive::run(async {
        (0..20)
            .map(|i| {
                let p = Command::new("sleep")
                    .arg(if i % 2 == 0 { "30" } else { "0.05" })
                    .kill_on_drop(i % 2 == 0)
                    .spawn()
                    .unwrap();
                p.pid()
            })
            .collect::<Vec<_>>()
    })
    .unwrap();
    wait_until_gone(&pids);
}

#[test]
fn a_kill_handle_signals_by_pid_until_the_reap_and_then_refuses() {
    force_sigchld();
    hive::run(async {
        let mut p = Command::new("sleep").arg("30").spawn().unwrap();
        assert_eq!(p.watcher(), Watcher::Sigchld);
        let handle = p.kill_handle();
        let killer = handle.clone();
        let kill = hive::spawn(async move { killer.kill() });
        let status = bounded("wait", p.wait()).await.unwrap();
        kill.await.unwrap().unwrap();
        assert_eq!(status.signal(), Some(libc::SIGKILL));
        // Reaped: kill(2) on the pid could hit a stranger now; it is refused.
        let err = handle.kill().unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
        assert!(err
            .get_ref()
            .is_some_and(|e| e.is::<hive::process::ProcessLookup>()));
    })
    .unwrap();
}
