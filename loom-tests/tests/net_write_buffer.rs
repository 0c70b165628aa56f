//! loom model of a `StreamWriter` used as `AsyncWrite`: a writer that
//! finds the buffer at the high-water mark waits, and the flusher on
//! another thread draining it to the low-water mark always wakes it; no
//! byte is accepted past the mark and none is lost.
#![cfg(loom)]

use hive_net::__loom::WriteBuffer;
use loom::future::block_on;
use loom::sync::Arc;
use loom::thread;
use std::future::poll_fn;

#[test]
fn a_writer_waiting_at_the_mark_is_woken_by_the_flusher() {
    loom::model(|| {
        // high 2, low 1: the third byte must wait for the flusher.
        let buf = Arc::new(WriteBuffer::new(2, 1));
        const TOTAL: usize = 4;
        let flusher = {
            let buf = buf.clone();
            thread::spawn(move || {
                let mut sent = 0;
                while sent < TOTAL {
                    let n = buf.send(1);
                    if n == 0 {
                        thread::yield_now();
                    }
                    sent += n;
                }
            })
        };
        let mut accepted = 0;
        while accepted < TOTAL {
            let n = block_on(poll_fn(|cx| buf.poll_write(cx, TOTAL - accepted)));
            assert!(n > 0);
            accepted += n;
            assert!(buf.pending() <= 2, "buffered past the high-water mark");
        }
        flusher.join().unwrap();
        assert_eq!(buf.pending(), 0);
    });
}
