//! The reap gate: what a `Process`, its `KillHandle`s and the orphan reaper
//! share about one child, so that a signal can never reach a process that
//! merely reused the child's pid.
//!
//! A pid names our child only until the child is reaped; after that the
//! kernel may hand it to anyone. So every reap of the child (`wait`,
//! `try_wait`, the reaper thread) and every signal sent to it happen under
//! one lock, and the reap is recorded before the lock is released: a signal
//! sees either a child that is still ours (a zombie at worst, where the
//! signal is moot) or the record of its end, never a recycled pid. Where
//! the kernel has pidfds the signal goes through the pidfd, which names the
//! process itself, so even a reap by someone else (`waitpid(-1)` elsewhere)
//! cannot redirect it.

use crate::error::ProcessLookup;
use crate::loom::sync::{Arc, Mutex};
use crate::pidfd::PidFd;
use hive_runtime::signal::SignalKind;
use std::io;
use std::process::{Child, ExitStatus};

/// One child's reap record and the means to signal it.
pub(crate) struct Gate {
    pid: u32,
    /// The pidfd, shared with the reactor registration (`watch.rs`) and the
    /// reaper; `None` on the SIGCHLD fallback.
    pidfd: Option<Arc<PidFd>>,
    /// `None` while the child is ours to signal; set, under this lock, by
    /// whoever reaps it.
    reaped: Mutex<Option<Reaped>>,
}

#[derive(Clone, Copy)]
enum Reaped {
    /// Reaped by hive, with this status.
    Status(ExitStatus),
    /// `waitpid` said ECHILD: something else in the program reaped it.
    Elsewhere,
}

impl Gate {
    pub(crate) fn new(pid: u32, pidfd: Option<Arc<PidFd>>) -> Arc<Gate> {
        Arc::new(Gate {
            pid,
            pidfd,
            reaped: Mutex::new(None),
        })
    }

    pub(crate) fn pid(&self) -> u32 {
        self.pid
    }

    pub(crate) fn pidfd(&self) -> Option<&PidFd> {
        self.pidfd.as_deref()
    }

    /// `child.try_wait()` with the outcome recorded under the lock that
    /// signals take, so no signal can slip in between the reap and the
    /// record.
    ///
    /// # Errors
    /// `waitpid`'s (ECHILD when reaped elsewhere).
    pub(crate) fn try_reap(&self, child: &mut Child) -> io::Result<Option<ExitStatus>> {
        let mut reaped = self.reaped.lock();
        let result = child.try_wait();
        match &result {
            Ok(Some(status)) => *reaped = Some(Reaped::Status(*status)),
            Err(e) if e.raw_os_error() == Some(libc::ECHILD) => *reaped = Some(Reaped::Elsewhere),
            _ => {}
        }
        result
    }

    /// Sends `signal` (asyncio's `send_signal`), with the errors a caller
    /// can act on.
    ///
    /// # Errors
    /// [`ProcessLookup`] (kind `NotFound`) once the child was reaped;
    /// `NotFound` if something else reaped it; `InvalidInput` for a signal
    /// number the OS does not know.
    pub(crate) fn signal(&self, signal: SignalKind) -> io::Result<()> {
        match self.send_raw(signal.as_raw()) {
            Err(e) if e.raw_os_error() == Some(libc::EINVAL) => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{signal} is not a signal this OS knows; pick one from SignalKind"),
            )),
            r => r,
        }
    }

    /// Sends the raw `signal` unless the child was reaped (then the typed
    /// error); OS errors come back raw.
    pub(crate) fn send_raw(&self, signal: i32) -> io::Result<()> {
        let reaped = self.reaped.lock();
        match *reaped {
            Some(Reaped::Status(status)) => {
                return Err(io::Error::new(
                    io::ErrorKind::NotFound,
                    ProcessLookup {
                        pid: self.pid,
                        status,
                    },
                ))
            }
            Some(Reaped::Elsewhere) => {
                return Err(io::Error::new(
                    io::ErrorKind::NotFound,
                    format!(
                        "process {} was reaped by someone else (a waitpid(-1) elsewhere, or SIGCHLD ignored); \
                         there is nothing left to signal",
                        self.pid
                    ),
                ))
            }
            None => {}
        }
        let sent = match &self.pidfd {
            Some(pidfd) => pidfd.send_signal(signal),
            None => kill(self.pid, signal),
        };
        drop(reaped);
        match sent {
            // Not reaped by us, yet gone: reaped elsewhere (a zombie still
            // takes signals, moot as they are). Nothing to signal, as for
            // a zombie.
            Err(e) if e.raw_os_error() == Some(libc::ESRCH) => Ok(()),
            r => r,
        }
    }
}

/// kill(2), for the SIGCHLD fallback.
fn kill(pid: u32, signal: i32) -> io::Result<()> {
    let pid = libc::pid_t::try_from(pid).map_err(|_| io::Error::from_raw_os_error(libc::ESRCH))?;
    // SAFETY: kill(2) only sends a signal. The caller holds the reap lock
    // and saw no reap, so `pid` is still our child (hive reaps only under
    // that lock).
    if unsafe { libc::kill(pid, signal) } < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}
