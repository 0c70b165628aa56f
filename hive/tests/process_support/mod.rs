//! Helpers shared by the `process_*` tests: bounded waits and a look at
//! `/proc` for children of this test process.

#![allow(dead_code)]

use std::future::Future;
use std::time::{Duration, Instant};

/// Every await in these tests is bounded by this: a hang is a bug.
pub const LIMIT: Duration = Duration::from_secs(30);

/// Awaits `f`, failing the test (naming `what`) if it takes over `LIMIT`.
pub async fn bounded<F: Future>(what: &str, f: F) -> F::Output {
    match hive::timeout(LIMIT, f).await {
        Ok(v) => v,
        Err(_) => panic!("{what} did not finish within {LIMIT:?}"),
    }
}

/// `(state, ppid)` from `/proc/<pid>/stat`, if the pid exists.
pub fn stat(pid: u32) -> Option<(char, u32)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may contain spaces: parse
    // from the last ')'.
    let rest = &text[text.rfind(')')? + 2..];
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let ppid = fields.next()?.parse().ok()?;
    Some((state, ppid))
}

/// True while `pid` is a child of this process, running or a zombie (a
/// pid reused by an unrelated process has another parent).
pub fn is_our_child(pid: u32) -> bool {
    stat(pid).is_some_and(|(_, ppid)| ppid == std::process::id())
}

/// True if `pid` is a zombie child of this process.
pub fn is_our_zombie(pid: u32) -> bool {
    stat(pid).is_some_and(|(state, ppid)| state == 'Z' && ppid == std::process::id())
}

/// Polls (on this thread) until none of `pids` is a child of ours, running
/// or zombie, failing after `LIMIT`: reaping in the background is eventual.
pub fn wait_until_gone(pids: &[u32]) {
    let deadline = Instant::now() + LIMIT;
    loop {
        let left: Vec<u32> = pids.iter().copied().filter(|&p| is_our_child(p)).collect();
        if left.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "children {left:?} were never reaped (states: {:?})",
            left.iter().map(|&p| stat(p)).collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Whether this kernel lets us open pidfds (so hive should use them).
#[cfg(any(target_os = "linux", target_os = "android"))]
pub fn kernel_has_pidfd() -> bool {
    // SAFETY: pidfd_open on our own pid returns a new fd (closed at once)
    // or -1; no memory is touched.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, libc::getpid(), 0) };
    if fd >= 0 {
        // SAFETY: `fd` was just opened here and is closed once.
        unsafe { libc::close(fd as libc::c_int) };
        true
    } else {
        false
    }
}

/// Only Linux has pidfds: elsewhere hive always watches with SIGCHLD.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub fn kernel_has_pidfd() -> bool {
    false
}
