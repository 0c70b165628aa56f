//! Taking a stalled loop's I/O events from another loop.
//!
//! Each loop polls only its own epoll instance, so a loop the OS has
//! descheduled (more runnable threads than cores) or that is stuck in a long
//! task leaves every connection registered with it waiting, even while its
//! siblings have time to spare. A sibling that notices (the loop has not
//! polled for a while) harvests that epoll instance through a duplicate of
//! its fd with a zero timeout and runs the woken tasks itself.
//!
//! epoll allows this: any number of threads may wait on one instance, and
//! each edge-triggered event goes to exactly one of them. The one event a
//! rescuer must not keep is the loop's wake-up (its `mio::Waker`): it hands
//! that back by waking the loop again.
//!
//! Linux only, for now. kqueue (macOS, the BSDs) could allow the same
//! harvest, but it needs its own decoding of kevent filters into readiness
//! and testing on those kernels, which hive's CI does not run. There a
//! loop's sockets wait for that loop, as in asyncio: the handle never
//! yields events.

#[cfg(any(target_os = "linux", target_os = "android"))]
use super::readiness::{ERROR, READABLE, READ_CLOSED, WRITABLE, WRITE_CLOSED};
use std::io;

/// A handle on one loop's epoll instance that other loops may harvest.
pub(crate) struct RescueHandle {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    epoll: std::os::fd::OwnedFd,
}

/// The most events one harvest takes.
const HARVEST_BATCH: usize = 256;

/// Events taken in one harvest: `(token, readiness bits)`.
pub(crate) type Harvest = Vec<(mio::Token, usize)>;

impl RescueHandle {
    /// A handle on `poll`'s instance (a duplicate fd, so it stays valid
    /// however long the handle outlives the loop's own `Poll`).
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub(crate) fn new(poll: &mio::Poll) -> io::Result<Self> {
        use std::os::fd::{AsRawFd, BorrowedFd};
        // SAFETY: `poll` owns this fd and is borrowed for the whole call, so
        // the fd is open while it is duplicated.
        let fd = unsafe { BorrowedFd::borrow_raw(poll.as_raw_fd()) };
        Ok(RescueHandle {
            epoll: fd.try_clone_to_owned()?,
        })
    }

    /// Elsewhere there is no rescue: the handle never yields events.
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    pub(crate) fn new(_poll: &mio::Poll) -> io::Result<Self> {
        Ok(RescueHandle {})
    }

    /// Whether a harvest that produced `out` may have left events behind
    /// (it filled its whole batch).
    pub(crate) fn was_full(out: &Harvest, took_wake: bool) -> bool {
        out.len() + usize::from(took_wake) >= HARVEST_BATCH
    }

    /// Takes the events ready now, without waiting, into `out` (cleared
    /// first); returns whether it took the loop's wake-up (`wake_token`),
    /// which the caller must then re-deliver.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub(crate) fn harvest(&self, wake_token: mio::Token, out: &mut Harvest) -> bool {
        use std::os::fd::AsRawFd;
        const BATCH: usize = HARVEST_BATCH;
        out.clear();
        // Left uninitialised: the kernel writes the first `n` entries and
        // only those are read. Zeroing the 3 KiB first cost about 3,000
        // instructions per harvest (a quarter of a watcher-woken echo).
        let mut raw = [std::mem::MaybeUninit::<libc::epoll_event>::uninit(); BATCH];
        // SAFETY: `raw` is a writable array of `BATCH` events that outlives
        // the call (epoll_wait only writes into it), and the fd is an epoll
        // instance this handle owns.
        // A zero timeout: the rescuer has its own work and its own sleep;
        // it only takes what is ready now. Edge-triggered, each event taken
        // here is gone from the owner's next poll, so it is delivered once.
        let n = unsafe {
            libc::epoll_wait(
                self.epoll.as_raw_fd(),
                raw.as_mut_ptr().cast::<libc::epoll_event>(),
                BATCH as libc::c_int,
                0,
            )
        };
        let n = usize::try_from(n).unwrap_or(0).min(BATCH);
        let mut took_wake = false;
        for slot in &raw[..n] {
            // SAFETY: epoll_wait initialised the first `n` entries.
            let event = unsafe { slot.assume_init_read() };
            // Copy out of the (packed on x86_64) struct before use.
            let (flags, data) = (event.events, event.u64);
            let token = mio::Token(data as usize);
            if token == wake_token {
                took_wake = true;
            } else {
                out.push((token, readiness_bits(flags)));
            }
        }
        took_wake
    }

    /// Elsewhere there is no rescue: nothing is ever taken.
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    pub(crate) fn harvest(&self, _wake_token: mio::Token, out: &mut Harvest) -> bool {
        out.clear();
        false
    }
}

/// The readiness bits of an epoll event, read as mio reads them.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn readiness_bits(flags: u32) -> usize {
    let has = |flag: libc::c_int| flags & flag as u32 != 0;
    let mut bits = 0;
    if has(libc::EPOLLIN) || has(libc::EPOLLPRI) {
        bits |= READABLE;
    }
    if has(libc::EPOLLOUT) {
        bits |= WRITABLE;
    }
    if has(libc::EPOLLHUP) || (has(libc::EPOLLIN) && has(libc::EPOLLRDHUP)) {
        bits |= READ_CLOSED;
    }
    if has(libc::EPOLLHUP)
        || (has(libc::EPOLLOUT) && has(libc::EPOLLERR))
        || flags == libc::EPOLLERR as u32
    {
        bits |= WRITE_CLOSED;
    }
    if has(libc::EPOLLERR) {
        bits |= ERROR;
    }
    bits
}

#[cfg(all(test, any(target_os = "linux", target_os = "android")))]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_rescuer_takes_events_of_a_loop_that_does_not_poll() {
        let poll = mio::Poll::new().unwrap();
        let handle = RescueHandle::new(&poll).unwrap();
        let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        a.set_nonblocking(true).unwrap();
        let mut a = mio::net::UnixStream::from_std(a);
        poll.registry()
            .register(&mut a, mio::Token(7), mio::Interest::READABLE)
            .unwrap();
        (&b).write_all(b"x").unwrap();
        let mut out = Harvest::new();
        assert!(!handle.harvest(mio::Token(usize::MAX), &mut out));
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].0, mio::Token(7));
        assert_ne!(out[0].1 & READABLE, 0);
        // Edge-triggered: the event went to the rescuer, not to a later poll.
        assert!(!handle.harvest(mio::Token(usize::MAX), &mut out));
        assert!(out.is_empty());
    }

    #[test]
    fn a_rescuer_reports_taking_the_loops_wake_up() {
        let poll = mio::Poll::new().unwrap();
        let handle = RescueHandle::new(&poll).unwrap();
        let waker = mio::Waker::new(poll.registry(), mio::Token(usize::MAX)).unwrap();
        waker.wake().unwrap();
        let mut out = Harvest::new();
        assert!(handle.harvest(mio::Token(usize::MAX), &mut out));
        assert!(out.is_empty());
    }

    #[test]
    fn hang_up_reads_as_both_sides_closed() {
        let bits = readiness_bits(libc::EPOLLHUP as u32);
        assert_eq!(
            bits & (READ_CLOSED | WRITE_CLOSED),
            READ_CLOSED | WRITE_CLOSED
        );
        let bits = readiness_bits((libc::EPOLLIN | libc::EPOLLRDHUP) as u32);
        assert_eq!(bits, READABLE | READ_CLOSED);
    }
}
