//! Linux process descriptors (`pidfd_open(2)`, Linux 5.3+): a descriptor
//! that becomes readable when the process exits, so a loop's reactor can
//! watch a child like a socket, with no process-wide SIGCHLD handler, and
//! `pidfd_send_signal(2)`, which cannot hit a recycled pid.
//!
//! Where the kernel lacks them (older kernels, seccomp filters that refuse
//! them) hive falls back to SIGCHLD (see `watch.rs`). Setting the
//! environment variable `HIVE_PROCESS_WATCH=sigchld` forces the fallback.
//!
//! Other systems (macOS, the BSDs) have no pidfd that `std::process` gives
//! us: kqueue's `EVFILT_PROC` is not a descriptor mio can register, and
//! FreeBSD's process descriptors need `pdfork` instead of std's spawn. There
//! `PidFd` is an empty type, never made, and every child is watched through
//! SIGCHLD, the same fallback Linux uses without pidfds.

#[cfg(any(target_os = "linux", target_os = "android"))]
use crate::loom::sync::atomic::{AtomicU8, Ordering};
use std::io;
use std::os::fd::{AsRawFd, RawFd};
#[cfg(any(target_os = "linux", target_os = "android"))]
use std::os::fd::{FromRawFd, OwnedFd};

/// Not probed yet / works / the kernel (or a policy) refuses it.
#[cfg(any(target_os = "linux", target_os = "android"))]
const UNKNOWN: u8 = 0;
#[cfg(any(target_os = "linux", target_os = "android"))]
const AVAILABLE: u8 = 1;
#[cfg(any(target_os = "linux", target_os = "android"))]
const UNAVAILABLE: u8 = 2;

#[cfg(any(target_os = "linux", target_os = "android"))]
static PIDFD: AtomicU8 = AtomicU8::new(UNKNOWN);

/// A pidfd, as a mio source so an `IoSource` can watch it.
#[cfg(any(target_os = "linux", target_os = "android"))]
#[derive(Debug)]
pub(crate) struct PidFd(OwnedFd);

/// No pidfds here: an empty type, so code holding an `Option<PidFd>` or a
/// `Watch::Pidfd` builds unchanged and the compiler knows it is never one.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
#[derive(Debug)]
pub(crate) enum PidFd {}

/// False once `pidfd_open` failed for want of support, or when the
/// fallback is forced: then don't try again for every child.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) fn worth_trying() -> bool {
    match PIDFD.load(Ordering::Relaxed) {
        UNKNOWN => {
            let forced = std::env::var_os("HIVE_PROCESS_WATCH").is_some_and(|v| v == "sigchld");
            if forced {
                PIDFD.store(UNAVAILABLE, Ordering::Relaxed);
                tracing::debug!("HIVE_PROCESS_WATCH=sigchld: watching children with SIGCHLD");
            }
            !forced
        }
        state => state == AVAILABLE,
    }
}

/// Never: there are no pidfds here, so children take SIGCHLD from the
/// start (`watch::prepare` subscribes before spawning).
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) fn worth_trying() -> bool {
    false
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
impl PidFd {
    /// Never a pidfd here.
    ///
    /// # Errors
    /// None; the signature matches Linux's.
    pub(crate) fn open(_pid: u32) -> io::Result<Option<PidFd>> {
        Ok(None)
    }

    /// Unreachable: no `PidFd` exists to call it on.
    ///
    /// # Errors
    /// None.
    pub(crate) fn send_signal(&self, _signal: i32) -> io::Result<()> {
        match *self {}
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
impl AsRawFd for PidFd {
    fn as_raw_fd(&self) -> RawFd {
        match *self {}
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
impl PidFd {
    /// `pidfd_open(pid, 0)`; `None` where the kernel or a policy refuses
    /// pidfds (remembered for later children).
    ///
    /// # Errors
    /// Other OS errors (out of descriptors).
    pub(crate) fn open(pid: u32) -> io::Result<Option<PidFd>> {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return Ok(None);
        };
        // SAFETY: pidfd_open takes a pid and flags and returns a new
        // descriptor or -1; it touches no memory of ours.
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
        if fd < 0 {
            let err = io::Error::last_os_error();
            return match err.raw_os_error() {
                Some(libc::ENOSYS | libc::EPERM | libc::EACCES | libc::EINVAL) => {
                    if PIDFD.swap(UNAVAILABLE, Ordering::Relaxed) != UNAVAILABLE {
                        tracing::debug!(%err, "pidfd_open is unavailable: watching children with SIGCHLD");
                    }
                    Ok(None)
                }
                _ => Err(err),
            };
        }
        PIDFD.store(AVAILABLE, Ordering::Relaxed);
        let fd = RawFd::try_from(fd).map_err(|_| io::Error::other("pidfd out of range"))?;
        // SAFETY: `fd` was just returned by pidfd_open: open, and owned by
        // nobody else.
        Ok(Some(PidFd(unsafe { OwnedFd::from_raw_fd(fd) })))
    }

    /// `pidfd_send_signal(fd, signal, NULL, 0)`.
    ///
    /// # Errors
    /// `ESRCH` once the process has exited; `EINVAL` for a bad signal.
    pub(crate) fn send_signal(&self, signal: i32) -> io::Result<()> {
        // SAFETY: the descriptor is open (owned by self); a null siginfo
        // asks the kernel to fill one in as kill(2) would.
        let r = unsafe {
            libc::syscall(
                libc::SYS_pidfd_send_signal,
                self.0.as_raw_fd(),
                signal,
                std::ptr::null::<libc::siginfo_t>(),
                0,
            )
        };
        if r < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(())
        }
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
impl AsRawFd for PidFd {
    fn as_raw_fd(&self) -> RawFd {
        self.0.as_raw_fd()
    }
}
