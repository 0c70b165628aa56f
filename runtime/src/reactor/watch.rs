//! One idle loop watches every loop's reactor; the other idle loops sleep.
//!
//! With a reactor per loop, a loop that sleeps in its own epoll instance is
//! woken by every trickle of readiness on its own sockets, so under moderate
//! load every idle loop wakes (a context switch each) for work one of them
//! could have done. Instead, idle loops elect one *watcher* that blocks on a
//! root epoll instance holding every loop's instance; the rest sleep on their
//! bell (`crate::scheduler::bell`). When a loop's instance becomes ready, the watcher
//! takes its events (as a rescue does) and runs the woken tasks, waking a
//! sibling only when there is more than it can run. Busy loops still poll
//! their own reactors, so the I/O stays spread over the loops under load.
//!
//! The root instance holds each loop's instance edge-triggered: a loop's
//! instance is reported once each time it gains events, so the watcher never
//! spins on an instance whose events a busy loop is about to take, and an
//! edge nobody has waited for yet stays queued for the next watcher.

use crate::loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::io;

const NOBODY: usize = usize::MAX;

/// Which loop watches the root: at most one at a time. A loop claims the
/// role just before it sleeps and gives it up as soon as it wakes; a loop
/// that finds it taken sleeps on its bell. So whenever every loop sleeps,
/// one of them watches: the last to fall asleep found the role free, or
/// found it held by a loop that will claim again before it sleeps.
pub struct WatchRole {
    watcher: AtomicUsize,
}

impl Default for WatchRole {
    fn default() -> Self {
        WatchRole {
            watcher: AtomicUsize::new(NOBODY),
        }
    }
}

impl WatchRole {
    /// Makes loop `me` the watcher unless another loop is.
    pub fn try_claim(&self, me: usize) -> bool {
        self.watcher
            .compare_exchange(NOBODY, me, SeqCst, SeqCst)
            .is_ok()
    }

    /// Loop `me` stops watching.
    pub fn release(&self, me: usize) {
        let _ = self.watcher.compare_exchange(me, NOBODY, SeqCst, SeqCst);
    }

    /// Whether some loop watches (or is about to).
    pub fn is_held(&self) -> bool {
        self.watcher.load(SeqCst) != NOBODY
    }
}

/// The root instance and who watches it.
pub(crate) struct Watch {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    root: Option<std::os::fd::OwnedFd>,
    pub(crate) role: WatchRole,
}

/// Loops whose instances the root reported ready.
pub(crate) type ReadyLoops = Vec<usize>;

impl Watch {
    /// A root over `polls` (loop `i`'s instance is reported as `i`); none
    /// for a single loop, which has nobody to watch for.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub(crate) fn new(polls: &[&mio::Poll]) -> io::Result<Self> {
        use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
        if polls.len() < 2 {
            return Ok(Watch {
                root: None,
                role: WatchRole::default(),
            });
        }
        // SAFETY: plain syscall; a non-negative result is a new fd we own.
        let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` was just created and nothing else owns it.
        let root = unsafe { OwnedFd::from_raw_fd(fd) };
        for (index, poll) in polls.iter().enumerate() {
            let mut event = libc::epoll_event {
                events: (libc::EPOLLIN | libc::EPOLLET) as u32,
                u64: index as u64,
            };
            // SAFETY: both fds are open epoll instances for the whole call,
            // and `event` is a valid, initialised event.
            let rc = unsafe {
                libc::epoll_ctl(
                    root.as_raw_fd(),
                    libc::EPOLL_CTL_ADD,
                    poll.as_raw_fd(),
                    &mut event,
                )
            };
            if rc < 0 {
                return Err(io::Error::last_os_error());
            }
        }
        Ok(Watch {
            root: Some(root),
            role: WatchRole::default(),
        })
    }

    /// Elsewhere every idle loop sleeps in its own reactor.
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    pub(crate) fn new(_polls: &[&mio::Poll]) -> io::Result<Self> {
        Ok(Watch {
            role: WatchRole::default(),
        })
    }

    /// Whether idle loops elect a watcher at all.
    pub(crate) fn is_enabled(&self) -> bool {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        return self.root.is_some();
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        return false;
    }

    /// Waits up to `timeout` (`None`: no limit) for loops' instances to gain
    /// events and lists them in `out` (cleared first).
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub(crate) fn wait(&self, timeout: Option<std::time::Duration>, out: &mut ReadyLoops) {
        use std::os::fd::AsRawFd;
        const BATCH: usize = 64;
        out.clear();
        let Some(root) = &self.root else { return };
        let millis = match timeout {
            None => -1,
            // Round up, so a timer is never woken for early.
            Some(t) => {
                libc::c_int::try_from(t.as_nanos().div_ceil(1_000_000)).unwrap_or(libc::c_int::MAX)
            }
        };
        let mut raw = [libc::epoll_event { events: 0, u64: 0 }; BATCH];
        // SAFETY: `raw` is a writable array of `BATCH` events that outlives
        // the call, and the fd is an epoll instance this handle owns.
        let n = unsafe {
            libc::epoll_wait(
                root.as_raw_fd(),
                raw.as_mut_ptr(),
                BATCH as libc::c_int,
                millis,
            )
        };
        for event in raw.iter().take(usize::try_from(n).unwrap_or(0)) {
            // Copy out of the (packed on x86_64) struct before use.
            let data = event.u64;
            out.push(data as usize);
        }
    }

    /// Elsewhere there is no root to wait on.
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    pub(crate) fn wait(&self, _timeout: Option<std::time::Duration>, out: &mut ReadyLoops) {
        out.clear();
    }
}

#[cfg(all(test, any(target_os = "linux", target_os = "android")))]
mod tests {
    use super::*;
    use std::io::Write;
    use std::time::Duration;

    fn registered_pair(poll: &mio::Poll) -> (mio::net::UnixStream, std::os::unix::net::UnixStream) {
        let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        a.set_nonblocking(true).unwrap();
        let mut a = mio::net::UnixStream::from_std(a);
        poll.registry()
            .register(&mut a, mio::Token(3), mio::Interest::READABLE)
            .unwrap();
        (a, b)
    }

    #[test]
    fn the_root_reports_the_loop_whose_instance_gained_events_once() {
        let polls = [mio::Poll::new().unwrap(), mio::Poll::new().unwrap()];
        let watch = Watch::new(&[&polls[0], &polls[1]]).unwrap();
        assert!(watch.is_enabled());
        let (_a, b) = registered_pair(&polls[1]);
        let mut ready = ReadyLoops::new();
        watch.wait(Some(Duration::ZERO), &mut ready);
        assert!(ready.is_empty());
        (&b).write_all(b"x").unwrap();
        watch.wait(Some(Duration::from_secs(5)), &mut ready);
        assert_eq!(ready, [1]);
        // Edge-triggered: the same events are not reported again, though
        // nobody has taken them from loop 1's instance yet.
        watch.wait(Some(Duration::ZERO), &mut ready);
        assert!(ready.is_empty());
        (&b).write_all(b"y").unwrap();
        watch.wait(Some(Duration::from_secs(5)), &mut ready);
        assert_eq!(ready, [1]);
    }

    #[test]
    fn a_single_loop_or_a_disabled_watch_has_no_root() {
        let poll = mio::Poll::new().unwrap();
        assert!(!Watch::new(&[&poll]).unwrap().is_enabled());
        assert!(!Watch::new(&[]).unwrap().is_enabled());
    }

    #[test]
    fn one_loop_at_a_time_holds_the_role() {
        let role = WatchRole::default();
        assert!(!role.is_held());
        assert!(role.try_claim(0));
        assert!(!role.try_claim(1));
        role.release(1); // not the holder: no effect
        assert!(role.is_held());
        role.release(0);
        assert!(!role.is_held());
        assert!(role.try_claim(1));
    }
}
