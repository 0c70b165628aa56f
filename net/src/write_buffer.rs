//! The bytes a writer has accepted and the kernel has not yet taken, with
//! asyncio's high/low water marks and the tasks waiting on them.
//!
//! `WriteCore` keeps a `WriteBuffer` inside its state mutex (as
//! `WriteState::out`), so every check and every change below happens under
//! that one lock: a writer that finds the buffer at the high-water mark
//! registers its waker in the same critical section that saw it full
//! (`room_or_wait`), and the flusher that brings it down to the low-water
//! mark wakes it in the critical section that counted the bytes out
//! (`sent`), so no wake-up is lost between the two. The file needs nothing
//! but `std`, so the loom model (`loom-tests/tests/net_write_buffer.rs`)
//! compiles it on its own and runs it behind the same shim `Mutex`,
//! without building hive-net under loom.

use std::io::IoSlice;
use std::task::Waker;

/// asyncio's default high-water mark (64 KiB); low is a quarter of it.
/// Writers and transports start with these marks.
///
/// ```
/// use hive::net::DEFAULT_HIGH_WATER;
/// # hive::run(async {
/// let (a, _b) = hive::net::UnixStream::pair().unwrap();
/// let (_r, w) = hive::net::StreamReader::from_unix(a);
/// assert_eq!(w.write_buffer_limits(), (DEFAULT_HIGH_WATER, DEFAULT_HIGH_WATER / 4));
/// # }).unwrap();
/// ```
pub const DEFAULT_HIGH_WATER: usize = 64 * 1024;

pub(crate) struct WriteBuffer {
    buf: Vec<u8>,
    /// Bytes of `buf` already taken by the kernel.
    pos: usize,
    high: usize,
    low: usize,
    /// Above the high-water mark: `drain` and `poll_write` wait until the
    /// buffer is down to the low-water mark.
    pub(crate) paused: bool,
    waiters: Vec<Waker>,
    /// The connection task of a transport: it flushes, and is woken on
    /// every change a protocol callback may have to see.
    owner: Option<Waker>,
}

impl WriteBuffer {
    /// An empty buffer with asyncio's default marks.
    pub(crate) fn new() -> WriteBuffer {
        WriteBuffer {
            buf: Vec::new(),
            pos: 0,
            high: DEFAULT_HIGH_WATER,
            low: DEFAULT_HIGH_WATER / 4,
            paused: false,
            waiters: Vec::new(),
            owner: None,
        }
    }

    /// Bytes waiting for the kernel.
    pub(crate) fn buffered(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// The bytes waiting for the kernel, in order.
    pub(crate) fn unsent(&self) -> &[u8] {
        &self.buf[self.pos..]
    }

    /// Wakes every waiter and the owner (it stays registered).
    pub(crate) fn wake_all(&mut self) {
        for w in self.waiters.drain(..) {
            w.wake();
        }
        if let Some(w) = &self.owner {
            w.wake_by_ref();
        }
    }

    /// Registers `waker` for the next `wake_all`.
    pub(crate) fn wait(&mut self, waker: &Waker) {
        self.waiters.push(waker.clone());
    }

    /// Wakes the owner, if there is one.
    pub(crate) fn wake_owner(&self) {
        if let Some(w) = &self.owner {
            w.wake_by_ref();
        }
    }

    /// Makes `waker` the owner, unless it would wake the same task.
    pub(crate) fn set_owner(&mut self, waker: &Waker) {
        if !self.owner.as_ref().is_some_and(|w| w.will_wake(waker)) {
            self.owner = Some(waker.clone());
        }
    }

    /// The kernel took `n` buffered bytes. Wakes `poll_flushed` waiters
    /// once the buffer is empty, and `drain`/`poll_write` waiters once it
    /// is down to the low-water mark. Called under the state lock, like
    /// `room_or_wait`, so a waiter can never register after its wake.
    pub(crate) fn sent(&mut self, n: usize) {
        self.pos += n;
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
            self.wake_all();
        } else if self.pos > 1 << 20 && self.pos * 2 > self.buf.len() {
            let pos = self.pos;
            self.buf.drain(..pos);
            self.pos = 0;
        }
        if self.paused && self.buffered() <= self.low {
            self.paused = false;
            self.wake_all();
        }
    }

    /// How many bytes `poll_write` may buffer now; `None` when the buffer
    /// is at the high-water mark, after marking the writer paused and
    /// registering `waker` (woken by `sent` at the low-water mark).
    pub(crate) fn room_or_wait(&mut self, waker: &Waker) -> Option<usize> {
        let room = self.high.saturating_sub(self.buffered());
        if room > 0 {
            return Some(room);
        }
        self.pause();
        self.waiters.push(waker.clone());
        None
    }

    /// Marks the writer paused (`drain` and `poll_write` wait) and tells a
    /// transport's task, which calls `pause_writing`.
    fn pause(&mut self) {
        if !self.paused {
            self.paused = true;
            if let Some(w) = &self.owner {
                w.wake_by_ref();
            }
        }
    }

    /// Pauses once the buffer is above the high-water mark.
    pub(crate) fn pause_if_over(&mut self) {
        if self.buffered() > self.high {
            self.pause();
        }
    }

    /// Replaces the contents with `rest` (what a direct write left over,
    /// when nothing was buffered before).
    pub(crate) fn refill(&mut self, rest: &[u8]) {
        self.buf.clear();
        self.pos = 0;
        self.buf.extend_from_slice(rest);
    }

    /// Appends `bufs`, in order, less their first `skip` bytes (those the
    /// kernel took directly), and at most `room` bytes; returns how many
    /// it appended.
    pub(crate) fn append(&mut self, bufs: &[IoSlice<'_>], skip: usize, room: usize) -> usize {
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        }
        let mut skip = skip;
        let mut room = room;
        let mut taken = 0;
        for b in bufs {
            if room == 0 {
                break;
            }
            if skip >= b.len() {
                skip -= b.len();
                continue;
            }
            let part = &b[skip..];
            skip = 0;
            let n = part.len().min(room);
            self.buf.extend_from_slice(&part[..n]);
            room -= n;
            taken += n;
        }
        taken
    }

    /// Drops every buffered byte and unpauses (abort, or a lost
    /// connection); the caller wakes the waiters once its state is final.
    pub(crate) fn discard(&mut self) {
        self.buf.clear();
        self.pos = 0;
        self.paused = false;
    }

    /// Sets the marks (low defaults to high / 4, and is at most high),
    /// pausing or resuming the writer if the buffer is now past one.
    pub(crate) fn set_limits(&mut self, high: usize, low: Option<usize>) {
        self.high = high;
        self.low = low.unwrap_or(high / 4).min(high);
        let size = self.buffered();
        if size > self.high && !self.paused {
            self.paused = true;
            self.wake_all();
        } else if size <= self.low && self.paused {
            self.paused = false;
            self.wake_all();
        }
    }

    /// The high-water and low-water marks.
    pub(crate) fn limits(&self) -> (usize, usize) {
        (self.high, self.low)
    }
}
