//! Unit tests of hive-net's `unsafe` that touch memory only, no socket,
//! so that CI runs them under Miri (`.ci/run`): `StreamReader`'s reads into
//! never-initialised memory (`AsyncReadUninit`), both the copy out of its
//! buffer and the zero-then-read path of a wrapped reader.
//!
//! The rest of hive-net's `unsafe` needs what Miri cannot run: a file
//! descriptor handed to std (`TcpStream::into_std`), halves of a socket
//! reunited (`split.rs`, whose streams need the reactor's epoll), sendfile,
//! and TLS (ring's assembly).

use crate::{AsyncReadUninit, StreamReader};
use futures_io::{AsyncBufRead, AsyncRead};
use std::io;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// An in-memory reader handing out one chunk per read.
struct Chunks(Vec<&'static [u8]>);

impl AsyncRead for Chunks {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let Some(chunk) = self.0.first_mut() else {
            return Poll::Ready(Ok(0));
        };
        let n = chunk.len().min(buf.len());
        buf[..n].copy_from_slice(&chunk[..n]);
        *chunk = &chunk[n..];
        if chunk.is_empty() {
            self.0.remove(0);
        }
        Poll::Ready(Ok(n))
    }
}

fn read_uninit(reader: &mut StreamReader, out: &mut [MaybeUninit<u8>]) -> usize {
    let mut cx = Context::from_waker(Waker::noop());
    match Pin::new(reader).poll_read_uninit(&mut cx, out) {
        Poll::Ready(result) => result.unwrap(),
        Poll::Pending => panic!("an in-memory reader never waits"),
    }
}

/// The bytes `read_uninit` reported as written (and only those).
fn written(out: &[MaybeUninit<u8>], n: usize) -> Vec<u8> {
    let written = &out[..n];
    // SAFETY: `poll_read_uninit` initialised the first `n` elements, and
    // `MaybeUninit<u8>` has the layout of `u8`.
    let bytes = unsafe { &*(written as *const [MaybeUninit<u8>] as *const [u8]) };
    bytes.to_vec()
}

#[test]
fn a_wrapped_reader_reads_into_uninitialised_memory() {
    let mut reader = StreamReader::new(Chunks(vec![b"hello", b" world"]));
    let mut out = [MaybeUninit::<u8>::uninit(); 8];
    let n = read_uninit(&mut reader, &mut out);
    assert_eq!(written(&out, n), b"hello");
    let n = read_uninit(&mut reader, &mut out);
    assert_eq!(written(&out, n), b" world");
    assert_eq!(read_uninit(&mut reader, &mut out), 0, "end of stream");
}

#[test]
fn buffered_bytes_are_copied_into_uninitialised_memory() {
    let mut reader = StreamReader::new(Chunks(vec![b"abcdef"]));
    let mut cx = Context::from_waker(Waker::noop());
    // Buffers the chunk without consuming it.
    match Pin::new(&mut reader).poll_fill_buf(&mut cx) {
        Poll::Ready(Ok(buffered)) => assert_eq!(buffered, b"abcdef"),
        other => panic!("fill_buf: {other:?}"),
    }
    let mut out = [MaybeUninit::<u8>::uninit(); 4];
    let n = read_uninit(&mut reader, &mut out);
    assert_eq!(written(&out, n), b"abcd", "a copy shorter than the buffer");
    let n = read_uninit(&mut reader, &mut out);
    assert_eq!(written(&out, n), b"ef", "the rest, shorter than `out`");
    assert_eq!(read_uninit(&mut reader, &mut []), 0, "an empty read");
}
