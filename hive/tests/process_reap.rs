//! Reaping: many concurrent children, children dropped unwaited, and
//! children alive when their runtime shuts down. None may stay a zombie.

mod process_support;

use hive::process::{Command, Stdio};
use process_support::{bounded, is_our_zombie, wait_until_gone};
use std::time::Duration;

#[test]
fn two_hundred_concurrent_children_all_exit_and_are_reaped() {
    let rt = hive::Runtime::builder().loops(2).build().unwrap();
    let pids = rt
        .run(async {
            let tasks: Vec<_> = (0..200)
                .map(|i| {
                    hive::spawn(async move {
                        let mut p = Command::new("sh")
                            .args(["-c", &format!("exit {}", i % 7)])
                            .spawn()
                            .unwrap();
                        let status = bounded("wait", p.wait()).await.unwrap();
                        assert_eq!(status.code(), Some(i % 7));
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
    assert_eq!(pids.len(), 200);
    // Waited for: reaped at once, not eventually.
    let zombies: Vec<u32> = pids.iter().copied().filter(|&p| is_our_zombie(p)).collect();
    assert!(zombies.is_empty(), "zombies left: {zombies:?}");
}

#[test]
fn two_hundred_true_processes_at_once() {
    hive::run(async {
        let mut children: Vec<_> = (0..200)
            .map(|_| Command::new("true").spawn().unwrap())
            .collect();
        for p in &mut children {
            assert!(bounded("wait", p.wait()).await.unwrap().success());
        }
        for p in &children {
            assert!(!is_our_zombie(p.pid()));
        }
    })
    .unwrap();
}

#[test]
fn children_dropped_without_waiting_are_reaped_in_the_background() {
    let pids = hive::run(async {
        let mut pids = Vec::new();
        for i in 0..50 {
            let mut cmd = Command::new("sh");
            cmd.args(["-c", "exit 0"]).stdout(Stdio::Piped);
            if i % 2 == 0 {
                cmd.kill_on_drop(true);
            }
            let p = cmd.spawn().unwrap();
            pids.push(p.pid());
            drop(p);
        }
        pids
    })
    .unwrap();
    wait_until_gone(&pids);
}

#[test]
fn children_alive_at_runtime_shutdown_are_reaped() {
    let rt = hive::Runtime::builder().loops(2).build().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    rt.run(async move {
        // One killed when its task is cancelled, one that ends on its own
        // after its task is gone.
        for (program, args, kill) in [("sleep", "30", true), ("sleep", "0.2", false)] {
            let p = Command::new(program)
                .arg(args)
                .kill_on_drop(kill)
                .spawn()
                .unwrap();
            tx.send(p.pid()).unwrap();
            drop(hive::spawn(async move {
                let mut p = p;
                let _ = p.wait().await; // cancelled at shutdown
            }));
        }
    })
    .unwrap();
    let report = rt.shutdown_timeout(Duration::from_secs(10));
    assert!(report.is_clean(), "{report:?}");
    let pids: Vec<u32> = rx.try_iter().collect();
    assert_eq!(pids.len(), 2);
    wait_until_gone(&pids);
}

#[test]
fn no_zombie_children_after_a_busy_run() {
    hive::run(async {
        let mut pids = Vec::new();
        for _ in 0..20 {
            let out = Command::new("seq").arg("100").stdout(Stdio::Piped).output();
            assert_eq!(bounded("seq", out).await.unwrap().stdout.len(), 292);
            let mut p = Command::shell("yes | head -n 10")
                .stdout(Stdio::Null)
                .spawn()
                .unwrap();
            pids.push(p.pid());
            bounded("wait", p.wait()).await.unwrap();
        }
        for pid in pids {
            assert!(!is_our_zombie(pid), "{pid} is a zombie");
        }
    })
    .unwrap();
}
