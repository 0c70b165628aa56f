//! Reaping children nobody waits for any more.
//!
//! A `Process` dropped before its child was reaped hands the child here
//! (after killing it, with `kill_on_drop`). If it has already exited it is
//! reaped at once; otherwise it joins the process-wide orphan queue, and a
//! small thread, `hive-process-reaper`, reaps it when it exits. The thread
//! waits on the orphans' pidfds (or sleeps, on the SIGCHLD fallback) with a
//! timeout that backs off from 1 ms to 1 s, and exits once the queue is
//! empty.
//!
//! A thread rather than a task: orphans outlive runtimes (a runtime that
//! shuts down drops every task's `Process`), and a job on the blocking
//! pool would hold up `Runtime` shutdown for as long as a child runs.

use crate::gate::Gate;
use crate::loom::sync::Arc;
use crate::orphan::{OrphanQueue, Reap};
use std::os::fd::AsRawFd;
use std::process::Child;
use std::sync::OnceLock;
use std::time::Duration;

/// A child whose `Process` is gone.
pub(crate) struct Orphan {
    pub(crate) child: Child,
    /// Reaps go through the gate, so `KillHandle`s that outlive the
    /// `Process` never signal a recycled pid.
    pub(crate) gate: Arc<Gate>,
}

impl Reap for Orphan {
    fn try_reap(&mut self) -> bool {
        // An error is ECHILD: someone else reaped it, nothing left to do.
        !matches!(self.gate.try_reap(&mut self.child), Ok(None))
    }
}

fn orphans() -> &'static OrphanQueue<Orphan> {
    static ORPHANS: OnceLock<OrphanQueue<Orphan>> = OnceLock::new();
    ORPHANS.get_or_init(OrphanQueue::new)
}

/// Takes over a child nobody will wait for: reaps it now or once it exits.
pub(crate) fn adopt(mut orphan: Orphan) {
    if orphan.try_reap() {
        return;
    }
    let queue = orphans();
    if !queue.push(orphan) {
        return; // the running reaper will see it
    }
    let started = std::thread::Builder::new()
        .name("hive-process-reaper".into())
        .spawn(move || run(queue));
    if let Err(err) = started {
        queue.reaper_failed();
        tracing::warn!(%err, "cannot start the hive-process reaper thread; orphaned children are reaped when the next one is dropped");
    }
}

/// Children dropped before they were reaped that have not exited yet.
///
/// ```
/// # hive::run(async {
/// let child = hive::process::Command::new("true").spawn().unwrap();
/// drop(child); // reaped in the background once it exits
/// # }).unwrap();
/// let _waiting = hive::process::orphans_pending();
/// ```
pub fn orphans_pending() -> usize {
    orphans().len()
}

fn run(queue: &OrphanQueue<Orphan>) {
    const MIN: Duration = Duration::from_millis(1);
    const MAX: Duration = Duration::from_secs(1);
    let mut timeout = MIN;
    while queue.reap() {
        timeout = if wait_for_an_exit(queue, timeout) {
            MIN
        } else {
            (timeout * 2).min(MAX)
        };
    }
}

/// Waits up to `timeout` for an orphan with a pidfd to exit (sleeps if
/// none has one). True if one did.
fn wait_for_an_exit(queue: &OrphanQueue<Orphan>, timeout: Duration) -> bool {
    let mut fds = Vec::new();
    queue.for_each(|o| {
        if let Some(p) = o.gate.pidfd() {
            fds.push(libc::pollfd {
                fd: p.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            });
        }
    });
    let ms = libc::c_int::try_from(timeout.as_millis()).unwrap_or(libc::c_int::MAX);
    // SAFETY: `fds` is a live array of `fds.len()` pollfds. The descriptors
    // stay open until this thread's next `reap`: only the reaper (this
    // thread) removes orphans, and so closes their pidfds.
    let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, ms) };
    n > 0
}
