//! The write side shared by `StreamWriter` and `Transport`: asyncio's
//! transport write buffer with high/low water marks.
//!
//! `write` tries one non-blocking `write(2)` at once when nothing is
//! buffered (as asyncio's selector transport does); what the kernel does
//! not take is buffered and flushed in the background: by a flusher task
//! spawned on the socket's loop (streams), or by the connection's own task
//! (transports). Above the high-water mark the writer is *paused*
//! (`drain` waits, `pause_writing` is called) until the buffer falls to
//! the low-water mark.

use crate::conn::Conn;
use crate::error::closed_error;
use crate::loom::sync::{Arc, Mutex};
use std::io;
use std::net::Shutdown;
use std::task::{Context, Poll, Waker};

/// asyncio's default high-water mark (64 KiB); low is a quarter of it.
pub const DEFAULT_HIGH_WATER: usize = 64 * 1024;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Closing {
    Open,
    Eof,
    Close,
}

pub(crate) struct WriteState {
    buf: Vec<u8>,
    pos: usize,
    high: usize,
    low: usize,
    pub(crate) paused: bool,
    pub(crate) closing: Closing,
    /// The shutdown for `closing` has been done.
    pub(crate) shut: bool,
    pub(crate) aborted: bool,
    error: Option<(io::ErrorKind, String)>,
    flusher_running: bool,
    waiters: Vec<Waker>,
    /// The connection task of a transport: it flushes, and is woken on
    /// every change a protocol callback may have to see.
    owner: Option<Waker>,
    owned: bool,
}

pub(crate) struct WriteCore {
    pub(crate) conn: Conn,
    pub(crate) state: Mutex<WriteState>,
}

impl WriteState {
    fn buffered(&self) -> usize {
        self.buf.len() - self.pos
    }
    fn wake_all(&mut self) {
        for w in self.waiters.drain(..) {
            w.wake();
        }
        if let Some(w) = &self.owner {
            w.wake_by_ref();
        }
    }
    fn set_error(&mut self, e: &io::Error) {
        if self.error.is_none() {
            self.error = Some((e.kind(), e.to_string()));
        }
        self.buf.clear();
        self.pos = 0;
        self.paused = false;
        self.wake_all();
    }
    pub(crate) fn error(&self) -> Option<io::Error> {
        self.error
            .as_ref()
            .map(|(k, m)| io::Error::new(*k, m.clone()))
    }
}

impl WriteCore {
    /// `owned`: a transport's connection task flushes (no flusher task).
    pub(crate) fn new(conn: Conn, owned: bool) -> Arc<WriteCore> {
        Arc::new(WriteCore {
            conn,
            state: Mutex::new(WriteState {
                buf: Vec::new(),
                pos: 0,
                high: DEFAULT_HIGH_WATER,
                low: DEFAULT_HIGH_WATER / 4,
                paused: false,
                closing: Closing::Open,
                shut: false,
                aborted: false,
                error: None,
                flusher_running: false,
                waiters: Vec::new(),
                owner: None,
                owned,
            }),
        })
    }

    /// Buffers `data`, sending what the socket takes right away.
    pub(crate) fn write(self: &Arc<Self>, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        let mut st = self.state.lock();
        if st.closing != Closing::Open || st.aborted {
            let e = closed_error();
            st.set_error(&e);
            return;
        }
        if st.error.is_some() {
            return; // the connection is lost: drop, as asyncio does
        }
        let mut rest = data;
        if st.buffered() == 0 {
            match self.conn.try_write(data) {
                Ok(n) => rest = &data[n..],
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    st.set_error(&e);
                    return;
                }
            }
        }
        if rest.is_empty() {
            return;
        }
        if st.pos == st.buf.len() {
            st.buf.clear();
            st.pos = 0;
        }
        st.buf.extend_from_slice(rest);
        if st.buffered() > st.high && !st.paused {
            st.paused = true;
            if let Some(w) = &st.owner {
                w.wake_by_ref();
            }
        }
        self.ensure_flushing(&mut st);
    }

    fn ensure_flushing(self: &Arc<Self>, st: &mut WriteState) {
        if st.owned {
            if let Some(w) = &st.owner {
                w.wake_by_ref();
            }
            return;
        }
        if st.flusher_running {
            return;
        }
        st.flusher_running = true;
        let core = self.clone();
        let flusher = async move { std::future::poll_fn(|cx| core.poll_flush(cx)).await };
        drop(
            hive_runtime::task::Builder::new()
                .name("hive-net-flush")
                .start_on(self.conn.loop_id())
                .spawn(flusher),
        );
    }

    /// Writes the buffer out and does a requested shutdown; `Ready` when
    /// there is nothing left to do (then a flusher task is done).
    pub(crate) fn poll_flush(&self, cx: &mut Context<'_>) -> Poll<()> {
        let mut st = self.state.lock();
        loop {
            if st.aborted || st.error.is_some() {
                st.flusher_running = false;
                return Poll::Ready(());
            }
            if st.buffered() > 0 {
                let pos = st.pos;
                match self.conn.poll_write(cx, &st.buf[pos..]) {
                    Poll::Ready(Ok(n)) => {
                        st.pos += n;
                        if st.pos == st.buf.len() {
                            st.buf.clear();
                            st.pos = 0;
                            // `poll_flushed` waiters (sendfile) wait for empty.
                            st.wake_all();
                        } else if st.pos > 1 << 20 && st.pos * 2 > st.buf.len() {
                            let pos = st.pos;
                            st.buf.drain(..pos);
                            st.pos = 0;
                        }
                        if st.paused && st.buffered() <= st.low {
                            st.paused = false;
                            st.wake_all();
                        }
                    }
                    Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
                    Poll::Ready(Err(e)) => st.set_error(&e),
                    Poll::Pending => return Poll::Pending,
                }
                continue;
            }
            if st.closing != Closing::Open && !st.shut {
                let how = match st.closing {
                    Closing::Eof => Shutdown::Write,
                    _ => Shutdown::Both,
                };
                if let Err(e) = self.conn.shutdown(how) {
                    st.set_error(&e);
                }
                st.shut = true;
                st.wake_all();
            }
            st.flusher_running = false;
            return Poll::Ready(());
        }
    }

    /// `drain`: `Ready(Ok)` unless paused; the connection error if lost.
    pub(crate) fn poll_drain(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut st = self.state.lock();
        if let Some(e) = st.error() {
            return Poll::Ready(Err(e));
        }
        if !st.paused || st.aborted {
            return Poll::Ready(Ok(()));
        }
        st.waiters.push(cx.waker().clone());
        Poll::Pending
    }

    /// Requests `Eof` or `Close` once the buffer is written.
    pub(crate) fn close(self: &Arc<Self>, how: Closing) {
        let mut st = self.state.lock();
        if st.closing == Closing::Close || (st.closing == how) {
            return;
        }
        st.closing = how;
        st.shut = false;
        if st.buffered() == 0 && !st.flusher_running {
            if st.owned {
                if let Some(w) = &st.owner {
                    w.wake_by_ref();
                }
                return;
            }
            // Nothing buffered: shut down now, no task needed.
            let how = if how == Closing::Eof {
                Shutdown::Write
            } else {
                Shutdown::Both
            };
            if let Err(e) = self.conn.shutdown(how) {
                st.set_error(&e);
            }
            st.shut = true;
            st.wake_all();
        } else {
            self.ensure_flushing(&mut st);
        }
    }

    /// Closes at once, dropping buffered data (asyncio's `abort`).
    pub(crate) fn abort(&self) {
        let mut st = self.state.lock();
        if st.aborted {
            return;
        }
        st.aborted = true;
        st.buf.clear();
        st.pos = 0;
        st.paused = false;
        st.closing = Closing::Close;
        let _ = self.conn.shutdown(Shutdown::Both);
        st.shut = true;
        st.wake_all();
    }

    /// `wait_closed`: ready once closed (shut down, aborted or lost).
    pub(crate) fn poll_closed(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut st = self.state.lock();
        if st.aborted || (st.closing == Closing::Close && st.shut) {
            return Poll::Ready(Ok(()));
        }
        if let Some(e) = st.error() {
            // A peer that went away while closing is still "closed".
            return Poll::Ready(if st.closing == Closing::Close {
                Ok(())
            } else {
                Err(e)
            });
        }
        st.waiters.push(cx.waker().clone());
        Poll::Pending
    }

    /// Ready once nothing is buffered (or the connection is lost).
    pub(crate) fn poll_flushed(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut st = self.state.lock();
        if let Some(e) = st.error() {
            return Poll::Ready(Err(e));
        }
        if st.buffered() == 0 {
            return Poll::Ready(Ok(()));
        }
        st.waiters.push(cx.waker().clone());
        Poll::Pending
    }

    /// Wakes the connection task of a transport (reading paused/resumed).
    pub(crate) fn wake_owner(&self) {
        if let Some(w) = &self.state.lock().owner {
            w.wake_by_ref();
        }
    }

    pub(crate) fn buffer_size(&self) -> usize {
        self.state.lock().buffered()
    }

    pub(crate) fn set_limits(self: &Arc<Self>, high: usize, low: Option<usize>) {
        let mut st = self.state.lock();
        st.high = high;
        st.low = low.unwrap_or(high / 4).min(high);
        let size = st.buffered();
        if size > st.high && !st.paused {
            st.paused = true;
            st.wake_all();
        } else if size <= st.low && st.paused {
            st.paused = false;
            st.wake_all();
        }
    }

    pub(crate) fn limits(&self) -> (usize, usize) {
        let st = self.state.lock();
        (st.high, st.low)
    }

    pub(crate) fn is_closing(&self) -> bool {
        let st = self.state.lock();
        st.closing != Closing::Open || st.aborted
    }

    pub(crate) fn set_owner(&self, waker: &Waker) {
        let mut st = self.state.lock();
        if !st.owner.as_ref().is_some_and(|w| w.will_wake(waker)) {
            st.owner = Some(waker.clone());
        }
    }
}
