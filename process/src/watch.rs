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

use crate::gate::Gate;
use crate::loom::sync::Arc;
use crate::pidfd::{self, PidFd};
use hive_runtime::signal::{self, Signal, SignalKind};
use hive_runtime::IoSource;
use std::io;
use std::os::fd::AsRawFd;
use std::process::{Child, ExitStatus};
use std::task::{Context, Poll};

/// How one child's exit is noticed.
pub(crate) enum Watch {
    Pidfd(IoSource<SharedPidFd>),
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
            Some(fd) => Ok(Watch::Pidfd(IoSource::new(SharedPidFd(Arc::new(fd)))?)),
            None => Ok(Watch::Sigchld(sigchld()?)),
        }
    }

    pub(crate) fn kind(&self) -> Watcher {
        match self {
            Watch::Pidfd(_) => Watcher::Pidfd,
            Watch::Sigchld(_) => Watcher::Sigchld,
        }
    }

    /// The pidfd, for the child's [`Gate`] (signals, the reaper).
    pub(crate) fn pidfd(&self) -> Option<Arc<PidFd>> {
        match self {
            Watch::Pidfd(io) => Some(io.get_ref().0.clone()),
            Watch::Sigchld(_) => None,
        }
    }

    /// Ready with the exit status once `child` has exited and is reaped
    /// (through `gate`, so signals never race the reap).
    pub(crate) fn poll_exit(
        &mut self,
        cx: &mut Context<'_>,
        child: &mut Child,
        gate: &Gate,
    ) -> Poll<io::Result<ExitStatus>> {
        // Already exited (or reaped by an earlier call): no readiness needed.
        if let Some(status) = gate.try_reap(child)? {
            return Poll::Ready(Ok(status));
        }
        match self {
            Watch::Pidfd(io) => io.poll_read_with(cx, |_| match gate.try_reap(child) {
                Ok(Some(status)) => Ok(status),
                Ok(None) => Err(io::ErrorKind::WouldBlock.into()),
                Err(err) => Err(err),
            }),
            Watch::Sigchld(sig) => loop {
                match sig.poll_recv(cx) {
                    Poll::Ready(Some(())) => {
                        if let Some(status) = gate.try_reap(child)? {
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
}

/// The child's pidfd as the reactor sees it: shared with its [`Gate`], so
/// that a `KillHandle` or the reaper can still use it after the `Process`
/// deregistered it.
#[derive(Debug)]
pub(crate) struct SharedPidFd(Arc<PidFd>);

impl mio::event::Source for SharedPidFd {
    fn register(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        mio::unix::SourceFd(&self.0.as_raw_fd()).register(registry, token, interests)
    }
    fn reregister(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        mio::unix::SourceFd(&self.0.as_raw_fd()).reregister(registry, token, interests)
    }
    fn deregister(&mut self, registry: &mio::Registry) -> io::Result<()> {
        mio::unix::SourceFd(&self.0.as_raw_fd()).deregister(registry)
    }
}
