//! Ctrl-C during `hive::run` behaves like `asyncio.run` on Python 3.11+: the
//! main task is cancelled, its cleanup runs, `run` reports `Interrupted`,
//! and the process ends as if killed by SIGINT.
//!
//! This test has no libtest harness (`harness = false`): `run` only listens
//! for Ctrl-C on the process's main thread, as asyncio does, so the child
//! below must be a real `main`. The parent re-runs this binary as the child
//! and sends it a real SIGINT.

use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CHILD: &str = "HIVE_CTRL_C_CHILD";

fn main() {
    if std::env::var_os(CHILD).is_some() {
        child();
    }
    parent();
    println!("test ctrl_c_cancels_main_runs_cleanup_and_exits_as_interrupted ... ok");
    println!();
    println!("test result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out");
}

fn child() -> ! {
    let result = hive::run(async {
        struct Cleanup;
        impl Drop for Cleanup {
            fn drop(&mut self) {
                println!("cleanup ran");
            }
        }
        let _cleanup = Cleanup;
        // The runtime's own Ctrl-C watcher is no task of the user's: asyncio's
        // all_tasks() lists only main here.
        let listed: Vec<String> = hive::all_tasks().iter().map(|t| t.name()).collect();
        let dumped: Vec<String> = hive::dump_tasks().into_iter().map(|t| t.name).collect();
        println!("ready {listed:?} {dumped:?}");
        std::future::pending::<()>().await;
    });
    match result {
        Err(hive::RunError::Interrupted) => {
            println!("run returned Interrupted");
            hive::signal::exit_as_if(hive::signal::SignalKind::interrupt())
        }
        other => {
            println!("unexpected: {other:?}");
            std::process::exit(3)
        }
    }
}

fn parent() {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .env(CHILD, "1")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert_eq!(
        lines.next().unwrap().unwrap(),
        r#"ready ["main"] ["main"]"#,
        "all_tasks / dump_tasks list only the user's tasks"
    );
    // SAFETY: kill only sends SIGINT to our own child process.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the child did not exit after SIGINT");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let rest: Vec<String> = lines.map(Result::unwrap).collect();
    assert_eq!(
        rest,
        ["cleanup ran", "run returned Interrupted"],
        "child said {rest:?}"
    );
    assert_eq!(
        status.signal(),
        Some(libc::SIGINT),
        "child exit: {status:?}"
    );
}
