//! Unix signals as async events (asyncio's `loop.add_signal_handler`, and
//! the Ctrl-C behaviour of `asyncio.run`).
//!
//! A signal is delivered to every [`Signal`] subscribed to it in the runtime,
//! and to every loop handler added with
//! [`Loop::add_signal_handler`](crate::Loop::add_signal_handler). Deliveries
//! that arrive before a subscriber looks are coalesced into one, as the OS
//! itself coalesces pending signals. While no hive runtime listens for a
//! signal, it keeps its default action (Ctrl-C still ends the program).
//!
//! signal-hook does the async-signal-safe part (a byte written to a
//! self-pipe), rather than hand-written `sigaction` code.

mod kind;
pub(crate) mod registry;

pub use kind::SignalKind;

use crate::context;
use crate::loom::sync::atomic::Ordering;
use crate::loom::sync::Arc;
use crate::reactor::IoSource;
use crate::scheduler::spawn::spawn_inner;
use crate::shared::Shared;
use registry::{Mailbox, Subscribers};
use std::future::poll_fn;
use std::io::{self, Read};
use std::os::unix::net::UnixStream;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A subscription to one signal in the current runtime.
///
/// ```
/// # hive::run(async {
/// let mut usr1 = hive::signal::signal(hive::signal::SignalKind::user_defined1()).unwrap();
/// // SAFETY: raising a signal this process handles.
/// unsafe { libc::raise(libc::SIGUSR1) };
/// assert_eq!(usr1.recv().await, Some(()));
/// # }).unwrap();
/// ```
#[derive(Debug)]
#[must_use = "a Signal only listens while it is alive"]
pub struct Signal {
    mailbox: Arc<Mailbox>,
    kind: SignalKind,
}

impl std::fmt::Debug for Mailbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailbox")
            .field("pending", &self.pending.load(Ordering::Relaxed))
            .finish()
    }
}

/// Starts listening for `kind` in the current runtime.
///
/// # Errors
/// `InvalidInput` for signals a program cannot handle (`SIGKILL`,
/// `SIGSTOP`, `SIGSEGV`, ...); `NotFound` outside a hive runtime; the OS
/// error if the self-pipe cannot be made.
///
/// ```
/// # hive::run(async {
/// let err = hive::signal::signal(hive::signal::SignalKind::from_raw(libc::SIGKILL)).unwrap_err();
/// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
/// # }).unwrap();
/// ```
#[doc(alias = "loop.add_signal_handler")]
pub fn signal(kind: SignalKind) -> io::Result<Signal> {
    let shared = context::current_shared().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::NotFound,
            "no hive runtime on this thread: listen for signals inside hive::run",
        )
    })?;
    signal_in(&shared, kind)
}

pub(crate) fn signal_in(shared: &Arc<Shared>, kind: SignalKind) -> io::Result<Signal> {
    let mailbox = shared.signals.subscribe(kind, |read_end, subscribers| {
        spawn_inner(
            shared,
            read_signals(read_end, subscribers),
            Some(format!("hive-signal-{kind}").into()),
            Some(0),
        )
    })?;
    Ok(Signal { mailbox, kind })
}

/// A route's reader task: drains the self-pipe and delivers to every
/// subscriber still alive.
async fn read_signals(read_end: UnixStream, subscribers: Subscribers) {
    let Ok(read_end) = IoSource::new(mio::net::UnixStream::from_std(read_end)) else {
        return;
    };
    let mut buf = [0u8; 64];
    loop {
        match read_end.read_with(|s| (&*s).read(&mut buf)).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                let mut subs = subscribers.lock();
                subs.retain(|weak| match weak.upgrade() {
                    Some(mailbox) => {
                        mailbox.deliver();
                        true
                    }
                    None => false,
                });
            }
        }
    }
}

/// Waits for Ctrl-C (`SIGINT`) once.
///
/// # Errors
/// As [`signal`].
///
/// ```no_run
/// # hive::run(async {
/// hive::signal::ctrl_c().await.unwrap();
/// println!("interrupted: cleaning up");
/// # }).unwrap();
/// ```
pub async fn ctrl_c() -> io::Result<()> {
    let mut interrupt = signal(SignalKind::interrupt())?;
    interrupt.recv().await;
    Ok(())
}

impl Signal {
    /// Waits for the next delivery; `None` once the runtime shut down.
    ///
    /// ```
    /// # hive::run(async {
    /// let mut hup = hive::signal::signal(hive::signal::SignalKind::hangup()).unwrap();
    /// // SAFETY: raising a signal this process handles.
    /// unsafe { libc::raise(libc::SIGHUP) };
    /// hup.recv().await.unwrap();
    /// # }).unwrap();
    /// ```
    pub async fn recv(&mut self) -> Option<()> {
        poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// Polls for the next delivery.
    ///
    /// ```
    /// # hive::run(async {
    /// let mut s = hive::signal::signal(hive::signal::SignalKind::user_defined2()).unwrap();
    /// let waker = std::task::Waker::noop();
    /// assert!(s.poll_recv(&mut std::task::Context::from_waker(waker)).is_pending());
    /// # }).unwrap();
    /// ```
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<()>> {
        let mailbox = &self.mailbox;
        if mailbox.pending.swap(false, Ordering::AcqRel) {
            return Poll::Ready(Some(()));
        }
        if mailbox.closed.load(Ordering::Acquire) {
            return Poll::Ready(None);
        }
        *mailbox.waker.lock() = Some(cx.waker().clone());
        // Re-check: a delivery may have landed before the waker was stored.
        if mailbox.pending.swap(false, Ordering::AcqRel) {
            return Poll::Ready(Some(()));
        }
        if mailbox.closed.load(Ordering::Acquire) {
            return Poll::Ready(None);
        }
        Poll::Pending
    }

    /// Which signal this listens for.
    ///
    /// ```
    /// # hive::run(async {
    /// let s = hive::signal::signal(hive::signal::SignalKind::hangup()).unwrap();
    /// assert_eq!(s.kind(), hive::signal::SignalKind::hangup());
    /// # }).unwrap();
    /// ```
    pub fn kind(&self) -> SignalKind {
        self.kind
    }
}

impl Drop for Signal {
    fn drop(&mut self) {
        let _ = registry::listening(self.kind.0, -1);
    }
}

impl futures_core::Stream for Signal {
    type Item = ();

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<()>> {
        self.get_mut().poll_recv(cx)
    }
}

/// Ends the process the way `kind`'s default action would (e.g. killed by
/// `SIGINT`, exit status 130 in a shell), as Python does after an unhandled
/// `KeyboardInterrupt`. `#[hive::main]` calls it when Ctrl-C interrupted `main`.
///
/// ```no_run
/// hive::signal::exit_as_if(hive::signal::SignalKind::interrupt());
/// ```
pub fn exit_as_if(kind: SignalKind) -> ! {
    let _ = signal_hook::low_level::emulate_default_handler(kind.0);
    // The default action was to ignore or stop: exit like a shell would report it.
    std::process::exit(128 + kind.0)
}
