//! loom model of a `StreamWriter` used as `AsyncWrite`: a writer that
//! finds the buffer at the high-water mark waits, and the flusher on
//! another thread draining it to the low-water mark always wakes it; no
//! byte is accepted past the mark and none is lost or reordered.
//!
//! It runs the shipped `net/src/write_buffer.rs` (compiled here on its own
//! with `#[path]`: it needs only `std`), behind the shim `Mutex` that
//! `WriteCore` keeps it in. `Writer` below does, one critical section
//! each, what `net/src/write_core.rs` does around it with the socket left
//! out: `poll_write` asks `room_or_wait` and appends what fits (none of it
//! sent at once, as when the socket is full), and the flusher hands up to
//! `n` unsent bytes to the "kernel" and reports them `sent`.
#![cfg(loom)]

#[path = "../../net/src/write_buffer.rs"]
#[allow(dead_code)] // what only the transport's task and the error paths use
mod write_buffer;

use hive_loom_shim::sync::Mutex;
use loom::future::block_on;
use loom::sync::Arc;
use loom::thread;
use std::future::poll_fn;
use std::io::IoSlice;
use std::task::{Context, Poll};
use write_buffer::WriteBuffer;

/// A writer's state lock, as `WriteCore::state` holds the buffer.
struct Writer(Mutex<WriteBuffer>);

impl Writer {
    /// An empty buffer with marks `high` and `low`, set the way
    /// `StreamWriter::set_write_buffer_limits` sets them.
    fn new(high: usize, low: usize) -> Writer {
        let mut buf = WriteBuffer::new();
        buf.set_limits(high, Some(low));
        Writer(Mutex::new(buf))
    }

    /// `WriteCore::poll_write` of `data`, the socket taking none of it.
    fn poll_write(&self, cx: &mut Context<'_>, data: &[u8]) -> Poll<usize> {
        let mut st = self.0.lock();
        match st.room_or_wait(cx.waker()) {
            Some(room) => Poll::Ready(st.append(&[IoSlice::new(data)], 0, room)),
            None => Poll::Pending,
        }
    }

    /// `WriteCore::poll_flush`'s step: the kernel takes up to `n` unsent
    /// bytes; returns them.
    fn send(&self, n: usize) -> Vec<u8> {
        let mut st = self.0.lock();
        let taken = st.unsent()[..n.min(st.buffered())].to_vec();
        st.sent(taken.len());
        taken
    }

    fn buffered(&self) -> usize {
        self.0.lock().buffered()
    }
}

#[test]
fn a_writer_waiting_at_the_mark_is_woken_by_the_flusher() {
    loom::model(|| {
        // high 2, low 1: the third byte must wait for the flusher.
        let buf = Arc::new(Writer::new(2, 1));
        const DATA: &[u8] = b"abcd";
        let flusher = {
            let buf = buf.clone();
            thread::spawn(move || {
                let mut out = Vec::new();
                while out.len() < DATA.len() {
                    let taken = buf.send(1);
                    if taken.is_empty() {
                        thread::yield_now();
                    }
                    out.extend_from_slice(&taken);
                }
                out
            })
        };
        let mut accepted = 0;
        while accepted < DATA.len() {
            let n = block_on(poll_fn(|cx| buf.poll_write(cx, &DATA[accepted..])));
            assert!(n > 0);
            accepted += n;
            assert!(buf.buffered() <= 2, "buffered past the high-water mark");
        }
        assert_eq!(flusher.join().unwrap(), DATA, "bytes lost or reordered");
        assert_eq!(buf.buffered(), 0);
    });
}
