//! Watching a child for its exit on a loop's reactor.
//!
//! Preferred: a pidfd registered with the reactor through `IoSource`; it
//! becomes readable when the child exits, and only then is it reaped
//! (`waitpid(pid, WNOHANG)` on that pid alone), so hive never reaps a
//! child that is not its own and never races other SIGCHLD users.
//!
//! Fallback (no pidfd: kernels before 5.3, seccomp policies, or
//! `HIVE_PROCESS_WATCH=sigchld`): a `hive::signal` subscription to SIGCHLD,
//! taken before the first `try_wait`. Every SIGCHLD wakes every waiting
//! `Process`, which retries `waitpid` on its own pid: signals coalesce, so
//! this re-check (not counting signals) is what makes it correct, at the
//! cost of O(children) `waitpid` calls per SIGCHLD.

use crate::pidfd::{self, PidFd};
use hive_runtime::signal::{self, Signal, SignalKind};
use hive_runtime::IoSource;
use std::io;
use std::process::{Child, ExitStatus};
use std::task::{Context, Poll};

/// How one child's exit is noticed.
pub(crate) enum Watch {
    Pidfd(IoSource<PidFd>),
    Sigchld(Signal),
}

/// Which mechanism watches children (`Process::watcher`).
///
/// ```
/// # hive::run(async {
/// let p = hive::process::Command::new("true").spawn().unwrap();
/// println!("exit watched with {:?}", p.watcher());
/// # }).unwrap();
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Watcher {
    /// A pidfd on the loop's reactor (Linux 5.3+).
    Pidfd,
    /// A SIGCHLD subscription and `waitpid` on the child's pid.
    Sigchld,
}

/// Before spawning: a SIGCHLD subscription when pidfds will not be used,
/// taken now so that spawning cannot fail half-way on it.
pub(crate) fn prepare() -> io::Result<Option<Signal>> {
    if pidfd::worth_trying() {
        Ok(None)
    } else {
        sigchld().map(Some)
    }
}

fn sigchld() -> io::Result<Signal> {
    signal::signal(SignalKind::from_raw(libc::SIGCHLD))
}

impl Watch {
    /// After spawning `pid`: the pidfd if the kernel has one, else SIGCHLD.
    pub(crate) fn start(pid: u32, prepared: Option<Signal>) -> io::Result<Watch> {
        if let Some(sig) = prepared {
            return Ok(Watch::Sigchld(sig));
        }
        match PidFd::open(pid)? {
            Some(fd) => Ok(Watch::Pidfd(IoSource::new(fd)?)),
            None => Ok(Watch::Sigchld(sigchld()?)),
        }
    }

    pub(crate) fn kind(&self) -> Watcher {
        match self {
            Watch::Pidfd(_) => Watcher::Pidfd,
            Watch::Sigchld(_) => Watcher::Sigchld,
        }
    }

    /// Ready with the exit status once `child` has exited and is reaped.
    pub(crate) fn poll_exit(
        &mut self,
        cx: &mut Context<'_>,
        child: &mut Child,
    ) -> Poll<io::Result<ExitStatus>> {
        // Already exited (or reaped by an earlier call): no readiness needed.
        if let Some(status) = child.try_wait()? {
            return Poll::Ready(Ok(status));
        }
        match self {
            Watch::Pidfd(io) => io.poll_read_with(cx, |_| match child.try_wait() {
                Ok(Some(status)) => Ok(status),
                Ok(None) => Err(io::ErrorKind::WouldBlock.into()),
                Err(err) => Err(err),
            }),
            Watch::Sigchld(sig) => loop {
                match sig.poll_recv(cx) {
                    Poll::Ready(Some(())) => {
                        if let Some(status) = child.try_wait()? {
                            return Poll::Ready(Ok(status));
                        }
                    }
                    Poll::Ready(None) => {
                        return Poll::Ready(Err(io::Error::other(
                            "the hive runtime that spawned this process shut down; \
                             wait for the process inside that runtime",
                        )))
                    }
                    // A SIGCHLD after the try_wait above sets the mailbox
                    // before or after the waker is stored: either way we
                    // are polled again.
                    Poll::Pending => return Poll::Pending,
                }
            },
        }
    }

    /// Sends `signal` to the child (by pidfd where there is one: immune to
    /// pid reuse).
    pub(crate) fn send_signal(&self, pid: u32, signal: i32) -> io::Result<()> {
        match self {
            Watch::Pidfd(io) => io.get_ref().send_signal(signal),
            Watch::Sigchld(_) => {
                let pid = libc::pid_t::try_from(pid)
                    .map_err(|_| io::Error::from_raw_os_error(libc::ESRCH))?;
                // SAFETY: kill(2) only sends a signal. The child is not reaped
                // yet (the caller checked), so `pid` is still ours.
                if unsafe { libc::kill(pid, signal) } < 0 {
                    Err(io::Error::last_os_error())
                } else {
                    Ok(())
                }
            }
        }
    }

    /// The pidfd, deregistered, for the reaper to wait on.
    // Off Linux `PidFd` is an empty type, so the first arm cannot run.
    #[cfg_attr(
        not(any(target_os = "linux", target_os = "android")),
        allow(unreachable_code)
    )]
    pub(crate) fn into_pidfd(self) -> Option<PidFd> {
        match self {
            Watch::Pidfd(io) => Some(io.into_inner()),
            Watch::Sigchld(_) => None,
        }
    }
}
