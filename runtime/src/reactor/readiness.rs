//! Readiness of one registered source, and the wakers waiting on it.
//!
//! Readiness is edge-triggered: the reactor sets bits, and a reader clears
//! them only when an operation hits `WouldBlock`. Each event bumps a
//! generation counter in the same word, and clearing is conditional on the
//! generation the reader saw, so an event that lands between the failed
//! operation and the clear is never lost.

use crate::loom::sync::atomic::{AtomicUsize, Ordering::AcqRel, Ordering::Acquire};
use crate::loom::sync::Mutex;
use std::task::{Context, Poll, Waker};

pub(crate) const READABLE: usize = 1;
pub(crate) const WRITABLE: usize = 2;
pub(crate) const READ_CLOSED: usize = 4;
pub(crate) const WRITE_CLOSED: usize = 8;
pub(crate) const ERROR: usize = 16;
const BITS: usize = 0xFF;
const GENERATION_ONE: usize = 1 << 8;

pub(crate) const READ_SIDE: usize = READABLE | READ_CLOSED | ERROR;
pub(crate) const WRITE_SIDE: usize = WRITABLE | WRITE_CLOSED | ERROR;

/// A readiness observation, to hand back to [`IoSource::clear_ready`](super::IoSource::clear_ready)
/// when the operation it allowed would block.
///
/// ```
/// # hive::run(async {
/// let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
/// a.set_nonblocking(true).unwrap();
/// let a = hive::IoSource::new(mio::net::UnixStream::from_std(a)).unwrap();
/// let ready = std::future::poll_fn(|cx| a.poll_write_ready(cx)).await.unwrap();
/// assert!(ready.is_writable());
/// # }).unwrap();
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadyEvent {
    word: usize,
    side: usize,
}

impl ReadyEvent {
    /// The source may be read (or the read side closed, or it errored).
    ///
    /// ```
    /// # let _ = |ev: hive::ReadyEvent| ev.is_readable();
    /// ```
    pub fn is_readable(&self) -> bool {
        self.word & READ_SIDE != 0
    }
    /// The source may be written (or the write side closed, or it errored).
    ///
    /// ```
    /// # let _ = |ev: hive::ReadyEvent| ev.is_writable();
    /// ```
    pub fn is_writable(&self) -> bool {
        self.word & WRITE_SIDE != 0
    }
    /// The peer closed its write side (reads will see EOF).
    ///
    /// ```
    /// # let _ = |ev: hive::ReadyEvent| ev.is_read_closed();
    /// ```
    pub fn is_read_closed(&self) -> bool {
        self.word & READ_CLOSED != 0
    }
}

/// The readiness bits a mio event carries.
pub(crate) fn bits_of(event: &mio::event::Event) -> usize {
    let mut bits = 0;
    if event.is_readable() {
        bits |= READABLE;
    }
    if event.is_writable() {
        bits |= WRITABLE;
    }
    if event.is_read_closed() {
        bits |= READ_CLOSED;
    }
    if event.is_write_closed() {
        bits |= WRITE_CLOSED;
    }
    if event.is_error() {
        bits |= ERROR;
    }
    bits
}

#[derive(Default)]
pub(crate) struct ScheduledIo {
    readiness: AtomicUsize,
    wakers: Mutex<Wakers>,
}

#[derive(Default)]
struct Wakers {
    reader: Option<Waker>,
    writer: Option<Waker>,
}

impl ScheduledIo {
    /// Records an event (from any of the three routes in `reactor`'s docs)
    /// and wakes the tasks waiting on the sides it makes ready.
    pub(crate) fn add_bits(&self, bits: usize) {
        // Bits and generation in one RMW: a reader that saw the old word and
        // now clears it fails its generation check (`clear`), so this event
        // survives. AcqRel: the release publishes nothing of ours, but pairs
        // with the acquire in `poll_ready` through this same word, which is
        // all the bit protocol needs.
        let _ = self.readiness.fetch_update(AcqRel, Acquire, |w| {
            Some((w & !BITS).wrapping_add(GENERATION_ONE) | (w & BITS) | bits)
        });
        // Bits first, wakers second (see `poll_ready`'s re-check). The wakers
        // are taken under the lock but woken after it: waking schedules the
        // task, which may take other locks, and a waker must never be called
        // under ours.
        let (reader, writer) = {
            let mut wakers = self.wakers.lock();
            let reader = if bits & READ_SIDE != 0 {
                wakers.reader.take()
            } else {
                None
            };
            let writer = if bits & WRITE_SIDE != 0 {
                wakers.writer.take()
            } else {
                None
            };
            (reader, writer)
        };
        if let Some(waker) = reader {
            waker.wake();
        }
        if let Some(waker) = writer {
            waker.wake();
        }
    }

    /// Ready on `side` (READ_SIDE or WRITE_SIDE), or registers the waker.
    pub(crate) fn poll_ready(&self, cx: &mut Context<'_>, side: usize) -> Poll<ReadyEvent> {
        let word = self.readiness.load(Acquire);
        if word & side != 0 {
            return Poll::Ready(ReadyEvent { word, side });
        }
        let mut wakers = self.wakers.lock();
        let slot = if side == READ_SIDE {
            &mut wakers.reader
        } else {
            &mut wakers.writer
        };
        // Most polls come from the same task as last time: skip the clone
        // (a reference-count increment) and the drop of the old waker.
        if !slot.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
            *slot = Some(cx.waker().clone());
        }
        // Re-check under the lock: the reactor sets bits before taking wakers
        // (under this lock), so either it takes the waker stored above, or
        // its bits are visible here. Without this, an event landing between
        // the first load and the store would be lost.
        let word = self.readiness.load(Acquire);
        if word & side != 0 {
            return Poll::Ready(ReadyEvent { word, side });
        }
        Poll::Pending
    }

    /// Clears the readiness `event` reported, unless a newer event arrived.
    pub(crate) fn clear(&self, event: ReadyEvent) {
        // Closed and error states are final: never clear them.
        let clearable = event.side & (READABLE | WRITABLE);
        // Same generation: no event since `event` was read, so the
        // `WouldBlock` that led here is current. Otherwise keep the bits:
        // the next operation may succeed.
        let _ = self.readiness.fetch_update(AcqRel, Acquire, |w| {
            if w & !BITS == event.word & !BITS {
                Some(w & !clearable)
            } else {
                None
            }
        });
    }
}
