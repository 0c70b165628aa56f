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
//!
//! The watcher is for idle loops, not for a loop that is idle alone. When
//! every sibling is busy, the one idle loop sleeps in its own reactor and
//! nobody watches ([`WatchRole::choose`]). As the watcher it would be woken
//! by every edge of the busy loops' instances and take their events one
//! wake at a time, where the busy loops would have taken them in batches at
//! their next poll, and a connection's task would hop to the other loop's
//! caches. Measured under `wrk -t1 -c512` against the default HTTP server
//! (`netload http-serve hive`, 2 loops, 2 cores shared with `wrk`), 7
//! alternating runs: 146 k requests/s as the watcher, 159 k sleeping in its
//! own reactor, tokio 153 k; at 64 connections, and for saturated TCP echo
//! (throughput and p99), no difference. A loop asleep in its own reactor is
//! left alone by a watcher that a stale edge of its instance reaches
//! ([`OwnSleep`]).

use crate::loom::sync::atomic::{fence, AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::io;

const NOBODY: usize = usize::MAX;

/// Where an idle loop sleeps (see [`WatchRole::choose`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SleepIn {
    /// Its own reactor: woken by its own sockets only.
    Own,
    /// The root, as the watcher of every loop's reactor.
    Root,
    /// Its bell: another loop watches.
    Bell,
}

/// Which loop watches the root: at most one at a time. A loop claims the
/// role just before it sleeps and gives it up as soon as it wakes; a loop
/// that finds it taken sleeps on its bell. So whenever every loop sleeps,
/// one of them watches: the last to fall asleep found the role free, or
/// found it held by a loop that will claim again before it sleeps.
pub struct WatchRole {
    watcher: AtomicUsize,
    /// Loops asleep on their bells (or about to be): the ones that need a
    /// watcher, or a busy loop standing in for one.
    on_bells: AtomicUsize,
}

impl Default for WatchRole {
    fn default() -> Self {
        WatchRole {
            watcher: AtomicUsize::new(NOBODY),
            on_bells: AtomicUsize::new(0),
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

    /// Where loop `me`, already in the idle set, sleeps, when `sleepers`
    /// loops (itself included) are in the set.
    ///
    /// Alone there (every sibling busy), it sleeps in its own reactor and
    /// leaves the role free: a watcher would be woken by the busy loops'
    /// sockets, whose events they take themselves at their next poll, and
    /// it would take them first, one wake and one `epoll_wait` of a
    /// sibling's instance at a time, instead of letting them batch (see the
    /// module docs for what that cost). Sleeping in its own reactor is always
    /// safe: only a loop on its bell needs a watcher, and a loop goes to its
    /// bell only when this finds the role held. Otherwise the first to ask
    /// claims the role and the others sleep on their bells.
    pub fn choose(&self, me: usize, sleepers: usize) -> SleepIn {
        if sleepers <= 1 {
            SleepIn::Own
        } else if self.try_claim(me) {
            SleepIn::Root
        } else {
            SleepIn::Bell
        }
    }

    /// Loop `me` stops watching.
    pub fn release(&self, me: usize) {
        let _ = self.watcher.compare_exchange(me, NOBODY, SeqCst, SeqCst);
    }

    /// Whether some loop watches (or is about to).
    pub fn is_held(&self) -> bool {
        self.watcher.load(SeqCst) != NOBODY
    }

    /// Runs `sleep`, a loop's sleep on its bell (after [`choose`](Self::choose)
    /// said [`SleepIn::Bell`]), counted for [`needs_stand_in`](Self::needs_stand_in).
    pub fn on_bell<R>(&self, sleep: impl FnOnce() -> R) -> R {
        self.on_bells.fetch_add(1, SeqCst);
        let woke = sleep();
        self.on_bells.fetch_sub(1, SeqCst);
        woke
    }

    /// Whether a busy loop should look at the root for its siblings: some
    /// sleep on their bells and nobody watches. Loops asleep in their own
    /// reactors need nobody. A look that comes too early (a loop counted
    /// only after it) is made good by the next one, each `event_interval`,
    /// or by the looker's own park, which finds the sleeper in the idle set
    /// and claims the role.
    pub fn needs_stand_in(&self) -> bool {
        !self.is_held() && self.on_bells.load(SeqCst) != 0
    }
}

/// One loop's sleep in its own reactor, as seen by a watcher (or a busy
/// loop standing in for one) that the root told about that reactor.
///
/// The watcher leaves such a loop's events alone: the loop is a waiter on
/// its own instance and takes them itself. Taking them would also take its
/// wake-up, which must then be handed back (`Parker::redeliver_wake`): a
/// new edge on the root, which wakes the watcher again, for as long as the
/// loop has not run yet (the loom model spun on exactly that).
///
/// What the skip must not do is strand events. The root reported the edge
/// once, and the watcher consumed it; if the loop had already returned from
/// its `epoll_wait` when they arrived, it will see them at its next poll of
/// its own instance, but not if it next sleeps at the root or on its bell
/// (the edge is gone). So the watcher marks the skip, and a loop about to
/// sleep anywhere polls its own instance first when it was marked
/// ([`take_skipped`](Self::take_skipped)). The handshake is the classic
/// two-flag one: the watcher stores `skipped`, then loads `asleep`; the loop
/// stores `asleep = false`, then (later) loads `skipped`; each side has a
/// `SeqCst` fence between its store and its load, so the two cannot both
/// miss the other's store (a store-buffering litmus test: without the
/// fences both loads may read the old values, and loom, which models
/// `SeqCst` accesses only as acquire/release, finds that run). A watcher
/// that read `asleep == true` is therefore seen by the loop's later load;
/// one that read `false` takes the events itself.
/// (`loom-tests/tests/runtime_watch.rs`.)
#[derive(Default)]
pub struct OwnSleep {
    asleep: AtomicBool,
    skipped: AtomicBool,
}

impl OwnSleep {
    /// The loop is about to sleep in its own reactor.
    pub fn begin(&self) {
        self.asleep.store(true, SeqCst);
    }

    /// The loop woke from that sleep.
    pub fn end(&self) {
        self.asleep.store(false, SeqCst);
    }

    /// For a watcher the root told about this loop's reactor: whether to
    /// leave its events to the loop (it sleeps, or is just waking, in its
    /// own reactor); if not, the caller takes them.
    pub fn leave_to_owner(&self) -> bool {
        self.skipped.store(true, SeqCst);
        // Between the store and the load: see the type's docs.
        fence(SeqCst);
        self.asleep.load(SeqCst)
    }

    /// For the loop, before it sleeps: whether a watcher left its events to
    /// it since it last asked (then poll the own instance first).
    pub fn take_skipped(&self) -> bool {
        // Orders `end`'s store before the load: see the type's docs. (A
        // fence per park, which then makes a syscall anyway.)
        fence(SeqCst);
        // A plain load first: the flag is almost always clear, and a swap
        // would be a read-modify-write on every park.
        self.skipped.load(SeqCst) && self.skipped.swap(false, SeqCst)
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

    #[test]
    fn a_loop_idle_alone_sleeps_in_its_own_reactor_and_leaves_the_role_free() {
        let role = WatchRole::default();
        assert_eq!(role.choose(0, 1), SleepIn::Own);
        assert!(!role.is_held());
        // With a sibling idle too, the first to ask watches, the next rings.
        assert_eq!(role.choose(0, 2), SleepIn::Root);
        assert_eq!(role.choose(1, 2), SleepIn::Bell);
    }

    #[test]
    fn a_busy_loop_stands_in_only_for_bell_sleepers_nobody_watches() {
        let role = WatchRole::default();
        assert!(!role.needs_stand_in());
        assert!(role.try_claim(0));
        role.on_bell(|| assert!(!role.needs_stand_in()));
        role.release(0);
        role.on_bell(|| assert!(role.needs_stand_in()));
        assert!(!role.needs_stand_in());
    }

    #[test]
    fn events_left_to_a_sleeping_owner_are_looked_at_before_its_next_sleep() {
        let own = OwnSleep::default();
        // Awake: the watcher takes the events itself (the mark is spare).
        assert!(!own.leave_to_owner());
        assert!(own.take_skipped());
        assert!(!own.take_skipped());
        own.begin();
        assert!(own.leave_to_owner());
        own.end();
        assert!(own.take_skipped());
        assert!(!own.take_skipped());
    }
}
