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
//!
//! The same buffer serves `futures_io::AsyncWrite` (`poll_write`): there a
//! write that finds the buffer at the high-water mark waits instead of
//! growing it, and what it accepted is never dropped except by `abort` or
//! a lost connection, which the next call reports. Below the buffer, a TLS
//! session may hold encrypted bytes of its own; the flusher sends those
//! too, and a graceful close (`close_notify`) goes through it, bounded by
//! the session's shutdown timeout.

use crate::conn::Conn;
use crate::error::closed_error;
use crate::loom::sync::{Arc, Mutex};
use crate::write_buffer::WriteBuffer;
use std::io::{self, IoSlice};
use std::net::Shutdown;
use std::task::{Context, Poll, Waker};

/// Bytes in every slice.
fn total_len(bufs: &[IoSlice<'_>]) -> usize {
    bufs.iter().map(|b| b.len()).sum()
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Closing {
    Open,
    Eof,
    Close,
}

pub(crate) struct WriteState {
    /// The buffer, its marks and its waiters (`write_buffer.rs`, which
    /// the loom model compiles on its own).
    pub(crate) out: WriteBuffer,
    pub(crate) closing: Closing,
    /// The shutdown for `closing` has been done.
    pub(crate) shut: bool,
    pub(crate) aborted: bool,
    error: Option<(io::ErrorKind, String)>,
    flusher_running: bool,
    owned: bool,
    /// Set by `start_tls`: the writer over the TLS session that replaced
    /// this one. `close` and `abort` (from the server's client registry,
    /// or an old clone) go to it; writes here fail.
    successor: Option<Arc<WriteCore>>,
}

pub(crate) struct WriteCore {
    pub(crate) conn: Conn,
    pub(crate) state: Mutex<WriteState>,
}

impl WriteState {
    /// The writer this one was handed over to by `start_tls`, if any.
    #[cfg(feature = "tls")]
    pub(crate) fn successor(&self) -> Option<Arc<WriteCore>> {
        self.successor.clone()
    }

    fn buffered(&self) -> usize {
        self.out.buffered()
    }

    fn wake_all(&mut self) {
        self.out.wake_all();
    }

    fn set_error(&mut self, e: &io::Error) {
        if self.error.is_none() {
            self.error = Some((e.kind(), e.to_string()));
        }
        self.out.discard();
        self.wake_all();
    }
    pub(crate) fn error(&self) -> Option<io::Error> {
        self.error
            .as_ref()
            .map(|(k, m)| io::Error::new(*k, m.clone()))
    }
}

impl WriteState {
    /// An empty buffer with asyncio's default marks.
    pub(crate) fn new(owned: bool) -> WriteState {
        WriteState {
            out: WriteBuffer::new(),
            closing: Closing::Open,
            shut: false,
            aborted: false,
            error: None,
            flusher_running: false,
            owned,
            successor: None,
        }
    }
}

impl WriteCore {
    /// `owned`: a transport's connection task flushes (no flusher task).
    pub(crate) fn new(conn: Conn, owned: bool) -> Arc<WriteCore> {
        Arc::new(WriteCore {
            conn,
            state: Mutex::new(WriteState::new(owned)),
        })
    }

    /// Buffers `data`, sending what the socket takes right away.
    pub(crate) fn write(self: &Arc<Self>, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        let mut st = self.state.lock();
        // The hot path of a request/response server, kept to one lock, one
        // `write(2)` and no slice bookkeeping when the kernel takes it all.
        if st.buffered() == 0
            && st.closing == Closing::Open
            && !st.aborted
            && st.error.is_none()
            && !self.conn.shutdown_may_wait()
        {
            match self.conn.try_write(data) {
                Ok(n) if n == data.len() => return,
                Ok(n) => return self.buffer_rest(&mut st, &data[n..]),
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
                    ) =>
                {
                    return self.buffer_rest(&mut st, data)
                }
                Err(e) => return st.set_error(&e),
            }
        }
        drop(st);
        self.write_vectored(&[IoSlice::new(data)]);
    }

    /// Buffers what a direct write left over (nothing was buffered before).
    fn buffer_rest(self: &Arc<Self>, st: &mut WriteState, rest: &[u8]) {
        st.out.refill(rest);
        st.out.pause_if_over();
        self.ensure_flushing(st);
    }

    /// Buffers every slice, in order, sending what the socket takes right
    /// away in one `writev`.
    pub(crate) fn write_vectored(self: &Arc<Self>, bufs: &[IoSlice<'_>]) {
        if total_len(bufs) == 0 {
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
        // Never fails: with no limit every byte is either sent or buffered.
        let _ = self.accept(&mut st, bufs, usize::MAX);
        st.out.pause_if_over();
    }

    /// Sends what the socket takes of `bufs` (when nothing is buffered
    /// ahead of it), then buffers up to `room` more bytes; returns how many
    /// were accepted. Starts the flusher when anything is left over.
    fn accept(
        self: &Arc<Self>,
        st: &mut WriteState,
        bufs: &[IoSlice<'_>],
        room: usize,
    ) -> io::Result<usize> {
        let mut sent = 0;
        if st.buffered() == 0 {
            let result = match bufs {
                [one] => self.conn.try_write(one),
                _ => self.conn.try_write_vectored(bufs),
            };
            match result {
                // The common case, all taken at once: nothing to buffer.
                Ok(n) if n == total_len(bufs) && !self.conn.has_queued_output() => return Ok(n),
                Ok(n) => sent = n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    st.set_error(&e);
                    return Err(e);
                }
            }
        }
        let taken = st.out.append(bufs, sent, room);
        if st.buffered() > 0 || self.conn.has_queued_output() {
            self.ensure_flushing(st);
        }
        Ok(sent + taken)
    }

    /// `AsyncWrite::poll_write`: accepts what fits below the high-water
    /// mark, waiting while the buffer is at it.
    pub(crate) fn poll_write(
        self: &Arc<Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let mut st = self.state.lock();
        if let Some(e) = st.error() {
            return Poll::Ready(Err(e));
        }
        if st.closing != Closing::Open || st.aborted {
            return Poll::Ready(Err(closed_error()));
        }
        if bufs.iter().all(|b| b.is_empty()) {
            return Poll::Ready(Ok(0));
        }
        match st.out.room_or_wait(cx.waker()) {
            Some(room) => Poll::Ready(self.accept(&mut st, bufs, room)),
            None => Poll::Pending,
        }
    }

    fn ensure_flushing(self: &Arc<Self>, st: &mut WriteState) {
        if st.owned {
            st.out.wake_owner();
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
                match self.conn.poll_write(cx, st.out.unsent()) {
                    Poll::Ready(Ok(n)) => st.out.sent(n),
                    Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
                    Poll::Ready(Err(e)) => st.set_error(&e),
                    Poll::Pending => return Poll::Pending,
                }
                continue;
            }
            // Bytes a TLS session accepted and has not sent yet.
            match self.conn.poll_flush(cx) {
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(e)) => {
                    st.set_error(&e);
                    continue;
                }
                Poll::Pending => return Poll::Pending,
            }
            if st.closing != Closing::Open && !st.shut {
                let how = match st.closing {
                    Closing::Eof => Shutdown::Write,
                    _ => Shutdown::Both,
                };
                match self.conn.poll_shutdown(cx, how) {
                    Poll::Ready(Ok(())) => {}
                    Poll::Ready(Err(e)) => st.set_error(&e),
                    Poll::Pending => return Poll::Pending,
                }
                st.shut = true;
            }
            st.flusher_running = false;
            // `poll_flushed` and `poll_shut` waiters see the final state.
            st.wake_all();
            return Poll::Ready(());
        }
    }

    /// `drain`: `Ready(Ok)` unless paused; the connection error if lost.
    pub(crate) fn poll_drain(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut st = self.state.lock();
        if let Some(e) = st.error() {
            return Poll::Ready(Err(e));
        }
        if !st.out.paused || st.aborted {
            return Poll::Ready(Ok(()));
        }
        st.out.wait(cx.waker());
        Poll::Pending
    }

    /// Hands the connection over to `next` (`start_tls`): from now on
    /// this writer only forwards `close` and `abort`.
    #[cfg(feature = "tls")]
    pub(crate) fn hand_over(&self, next: Arc<WriteCore>) {
        let mut st = self.state.lock();
        st.error = Some((
            io::ErrorKind::BrokenPipe,
            "this writer was upgraded to TLS by start_tls; write through the writer start_tls was called on".to_owned(),
        ));
        st.successor = Some(next);
        st.wake_all();
    }

    /// Requests `Eof` or `Close` once the buffer is written.
    pub(crate) fn close(self: &Arc<Self>, how: Closing) {
        let mut st = self.state.lock();
        if let Some(next) = st.successor.clone() {
            drop(st);
            return next.close(how);
        }
        if st.closing == Closing::Close || (st.closing == how) {
            return;
        }
        st.closing = how;
        st.shut = false;
        let how = if how == Closing::Eof {
            Shutdown::Write
        } else {
            Shutdown::Both
        };
        if st.buffered() == 0 && !st.flusher_running && !st.owned {
            // Nothing buffered: shut down now, no task needed. A TLS
            // session's close_notify almost always fits in the socket
            // buffer too; only when it does not (`Pending`: the no-op
            // waker is replaced by the flusher's on its first poll) does
            // the close go to the flusher, watched by the shutdown timeout.
            let mut cx = Context::from_waker(Waker::noop());
            if let Poll::Ready(result) = self.conn.poll_shutdown(&mut cx, how) {
                if let Err(e) = result {
                    st.set_error(&e);
                }
                st.shut = true;
                st.wake_all();
                return;
            }
        }
        if self.conn.shutdown_may_wait() {
            self.watch_shutdown();
        }
        self.ensure_flushing(&mut st);
    }

    /// Closes at once, dropping buffered data (asyncio's `abort`).
    pub(crate) fn abort(&self) {
        let mut st = self.state.lock();
        if let Some(next) = st.successor.clone() {
            drop(st);
            return next.abort();
        }
        if st.aborted {
            return;
        }
        st.aborted = true;
        st.out.discard();
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
        st.out.wait(cx.waker());
        Poll::Pending
    }

    /// Ready once nothing is buffered, here or in a TLS session (or the
    /// connection is lost).
    pub(crate) fn poll_flushed(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut st = self.state.lock();
        if let Some(e) = st.error() {
            return Poll::Ready(Err(e));
        }
        // The flusher clears `flusher_running` only after the session's
        // own bytes are out, and wakes the waiters then.
        if st.buffered() == 0 && !st.flusher_running && !self.conn.has_queued_output() {
            return Poll::Ready(Ok(()));
        }
        st.out.wait(cx.waker());
        Poll::Pending
    }

    /// `AsyncWrite::poll_close`: sends EOF after the buffer and waits
    /// until the write side is shut down.
    pub(crate) fn poll_shut(self: &Arc<Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if !self.is_closing() {
            self.close(Closing::Eof);
        }
        let mut st = self.state.lock();
        if st.aborted || st.shut {
            return Poll::Ready(Ok(()));
        }
        if let Some(e) = st.error() {
            return Poll::Ready(Err(e));
        }
        st.out.wait(cx.waker());
        Poll::Pending
    }

    /// Bounds a graceful TLS close by the session's shutdown timeout
    /// (asyncio's `ssl_shutdown_timeout`): a peer that stops reading must
    /// not hold the connection open forever. A plain socket closes at
    /// once and needs no watch.
    fn watch_shutdown(self: &Arc<Self>) {
        #[cfg(feature = "tls")]
        if let Conn::Tls(tls) = &self.conn {
            let limit = tls.shutdown_timeout();
            let core = self.clone();
            let watch = async move {
                let closed = std::future::poll_fn(|cx| core.poll_shut_done(cx));
                if hive_runtime::timeout(limit, closed).await.is_err() {
                    tracing::warn!(
                        "hive-net: TLS close to {} did not finish within {limit:?} (ssl_shutdown_timeout); aborting",
                        core.conn
                            .peer_addr()
                            .map_or_else(|_| "an unknown peer".to_owned(), |a| a.to_string())
                    );
                    core.abort();
                }
            };
            drop(
                hive_runtime::task::Builder::new()
                    .name("hive-net-tls-shutdown")
                    .start_on(self.conn.loop_id())
                    .spawn(watch),
            );
        }
    }

    /// Ready once the requested shutdown is done, aborted or failed.
    #[cfg_attr(not(feature = "tls"), allow(dead_code))]
    fn poll_shut_done(&self, cx: &mut Context<'_>) -> Poll<()> {
        let mut st = self.state.lock();
        if st.aborted || st.shut || st.error.is_some() {
            return Poll::Ready(());
        }
        st.out.wait(cx.waker());
        Poll::Pending
    }

    /// Wakes the connection task of a transport (reading paused/resumed).
    pub(crate) fn wake_owner(&self) {
        self.state.lock().out.wake_owner();
    }

    pub(crate) fn buffer_size(&self) -> usize {
        self.state.lock().buffered()
    }

    pub(crate) fn set_limits(self: &Arc<Self>, high: usize, low: Option<usize>) {
        self.state.lock().out.set_limits(high, low);
    }

    pub(crate) fn limits(&self) -> (usize, usize) {
        self.state.lock().out.limits()
    }

    pub(crate) fn is_closing(&self) -> bool {
        let st = self.state.lock();
        st.closing != Closing::Open || st.aborted
    }

    pub(crate) fn set_owner(&self, waker: &Waker) {
        self.state.lock().out.set_owner(waker);
    }
}
