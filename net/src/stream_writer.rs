//! `StreamWriter`: asyncio's buffered writer with `drain` backpressure,
//! and `futures_io::AsyncWrite` over the same buffer.

use crate::conn::{Addr, Conn};
use crate::loom::sync::Arc;
use crate::write_core::{Closing, WriteCore};
use crate::{PipeWriter, TcpStream, UnixStream};
use std::fmt;
use std::future::poll_fn;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll};

/// The writing end of a connection, with asyncio's `StreamWriter` methods.
///
/// [`write`](StreamWriter::write) never waits: it sends what the socket
/// takes at once and buffers the rest, which a background task flushes.
/// [`drain`](StreamWriter::drain) is the backpressure point: it waits while
/// the buffer is above the high-water mark (64 KiB by default) until it is
/// down to the low-water mark (a quarter of it), and reports a lost
/// connection. Call it after writes, as in asyncio.
///
/// It is also a `futures_io::AsyncWrite` (so codecs, compressors, TLS and
/// hyper stack on it), over the same buffer: `poll_write` takes what fits
/// below the high-water mark and waits while the buffer is at it (it never
/// grows past the mark, and bytes it accepted are sent unless the
/// connection is lost or aborted); `poll_write_vectored` goes out as one
/// `writev`; `poll_flush` waits until everything is handed to the kernel;
/// `poll_close` sends EOF ([`write_eof`](StreamWriter::write_eof)) and
/// waits for it, leaving the read side open.
///
/// ```
/// # hive::run(async {
/// let (a, b) = hive::net::UnixStream::pair().unwrap();
/// let (_r, writer) = hive::net::StreamReader::from_unix(a);
/// writer.write(b"hello ");
/// writer.writelines([&b"wor"[..], b"ld"]);
/// writer.drain().await.unwrap();
/// writer.close();
/// writer.wait_closed().await.unwrap();
/// let mut peer = hive::net::StreamReader::new(b);
/// assert_eq!(peer.read_to_end().await.unwrap(), b"hello world");
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.StreamWriter")]
#[derive(Clone)]
pub struct StreamWriter {
    core: Arc<WriteCore>,
}

impl StreamWriter {
    /// A buffered writer over the write end of a pipe (asyncio's
    /// `connect_write_pipe`, with the stream API on top): `write_eof` and
    /// `close` close the pipe once the buffer is written; it has no
    /// addresses.
    ///
    /// ```
    /// # hive::run(async {
    /// let (reader, writer) = hive::net::pipe().unwrap();
    /// let w = hive::net::StreamWriter::from_pipe(writer);
    /// w.write(b"piped");
    /// w.write_eof();
    /// let mut r = hive::net::StreamReader::from_pipe(reader);
    /// assert_eq!(r.read_to_end().await.unwrap(), b"piped");
    /// assert!(w.peer_addr().is_err());
    /// # }).unwrap();
    /// ```
    #[doc(alias = "connect_write_pipe")]
    pub fn from_pipe(pipe: PipeWriter) -> StreamWriter {
        Self::from_core(WriteCore::new(Conn::Pipe(Arc::new(pipe)), false))
    }

    pub(crate) fn from_core(core: Arc<WriteCore>) -> StreamWriter {
        StreamWriter { core }
    }

    pub(crate) fn core(&self) -> &Arc<WriteCore> {
        &self.core
    }

    /// Points this writer at a new connection (`start_tls`).
    #[cfg(feature = "tls")]
    pub(crate) fn set_core(&mut self, core: Arc<WriteCore>) {
        self.core = core;
    }

    /// Queues `data` (sent at once if the socket has room). Errors surface
    /// in [`drain`](StreamWriter::drain); writing after
    /// [`close`](StreamWriter::close) or [`write_eof`](StreamWriter::write_eof)
    /// makes the next `drain` fail.
    ///
    /// ```
    /// # hive::run(async {
    /// # let (a, _b) = hive::net::UnixStream::pair().unwrap();
    /// let (_r, w) = hive::net::StreamReader::from_unix(a);
    /// w.write(b"data");
    /// w.drain().await.unwrap();
    /// # }).unwrap();
    /// ```
    #[doc(alias = "StreamWriter.write")]
    pub fn write(&self, data: &[u8]) {
        self.core.write(data);
    }

    /// Queues each buffer in turn.
    ///
    /// ```
    /// # hive::run(async {
    /// # let (a, _b) = hive::net::UnixStream::pair().unwrap();
    /// let (_r, w) = hive::net::StreamReader::from_unix(a);
    /// w.writelines(["a", "b"].map(str::as_bytes));
    /// # }).unwrap();
    /// ```
    #[doc(alias = "StreamWriter.writelines")]
    pub fn writelines<I>(&self, lines: I)
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        // One `writev` for every line, as asyncio joins them into one send.
        let lines: Vec<I::Item> = lines.into_iter().collect();
        let slices: Vec<IoSlice<'_>> = lines.iter().map(|l| IoSlice::new(l.as_ref())).collect();
        self.core.write_vectored(&slices);
    }

    /// Waits while the write buffer is above the high-water mark, until it
    /// is down to the low-water mark (asyncio's `drain`).
    ///
    /// # Errors
    /// The connection's error (reset, broken pipe) once it is lost, or a
    /// `BrokenPipe` naming the misuse after writing to a closed writer.
    ///
    /// ```
    /// # hive::run(async {
    /// # let (a, _b) = hive::net::UnixStream::pair().unwrap();
    /// let (_r, w) = hive::net::StreamReader::from_unix(a);
    /// w.write(&[0; 1000]);
    /// w.drain().await.unwrap();
    /// # }).unwrap();
    /// ```
    #[doc(alias = "StreamWriter.drain")]
    pub async fn drain(&self) -> io::Result<()> {
        poll_fn(|cx| self.core.poll_drain(cx)).await
    }

    /// Sends EOF once the buffer is written (shuts the write side down;
    /// the read side stays open; a pipe is closed).
    ///
    /// ```
    /// # hive::run(async {
    /// let (a, b) = hive::net::UnixStream::pair().unwrap();
    /// let (_r, w) = hive::net::StreamReader::from_unix(a);
    /// w.write(b"last");
    /// w.write_eof();
    /// assert_eq!(hive::net::StreamReader::new(b).read_to_end().await.unwrap(), b"last");
    /// # }).unwrap();
    /// ```
    #[doc(alias = "StreamWriter.write_eof")]
    pub fn write_eof(&self) {
        self.core.close(Closing::Eof);
    }

    /// Always true: TCP and Unix streams can send EOF, and a pipe's EOF is
    /// closing it.
    ///
    /// ```
    /// # hive::run(async {
    /// # let (a, _b) = hive::net::UnixStream::pair().unwrap();
    /// let (_r, w) = hive::net::StreamReader::from_unix(a);
    /// assert!(w.can_write_eof());
    /// # }).unwrap();
    /// ```
    #[doc(alias = "StreamWriter.can_write_eof")]
    pub fn can_write_eof(&self) -> bool {
        true
    }

    /// Closes the connection once the buffer is written: both directions
    /// are shut down (local reads see EOF too); the descriptor is released
    /// when the reader and writer are dropped.
    ///
    /// ```
    /// # hive::run(async {
    /// # let (a, _b) = hive::net::UnixStream::pair().unwrap();
    /// let (_r, w) = hive::net::StreamReader::from_unix(a);
    /// w.close();
    /// assert!(w.is_closing());
    /// # }).unwrap();
    /// ```
    #[doc(alias = "StreamWriter.close")]
    pub fn close(&self) {
        self.core.close(Closing::Close);
    }

    /// Closes at once, discarding the buffer (asyncio's `transport.abort()`).
    ///
    /// ```
    /// # hive::run(async {
    /// # let (a, _b) = hive::net::UnixStream::pair().unwrap();
    /// let (_r, w) = hive::net::StreamReader::from_unix(a);
    /// w.abort();
    /// w.wait_closed().await.unwrap();
    /// # }).unwrap();
    /// ```
    #[doc(alias = "Transport.abort")]
    pub fn abort(&self) {
        self.core.abort();
    }

    /// True after `close`, `write_eof` or `abort`.
    ///
    /// ```
    /// # hive::run(async {
    /// # let (a, _b) = hive::net::UnixStream::pair().unwrap();
    /// let (_r, w) = hive::net::StreamReader::from_unix(a);
    /// assert!(!w.is_closing());
    /// # }).unwrap();
    /// ```
    #[doc(alias = "StreamWriter.is_closing")]
    pub fn is_closing(&self) -> bool {
        self.core.is_closing()
    }

    /// Waits until `close` has flushed and shut the connection down.
    ///
    /// # Errors
    /// Not after `close`; before it, the connection's error if it is lost.
    ///
    /// ```
    /// # hive::run(async {
    /// # let (a, _b) = hive::net::UnixStream::pair().unwrap();
    /// let (_r, w) = hive::net::StreamReader::from_unix(a);
    /// w.close();
    /// w.wait_closed().await.unwrap();
    /// # }).unwrap();
    /// ```
    #[doc(alias = "StreamWriter.wait_closed")]
    pub async fn wait_closed(&self) -> io::Result<()> {
        poll_fn(|cx| self.core.poll_closed(cx)).await
    }

    /// Bytes buffered and not yet taken by the kernel.
    ///
    /// ```
    /// # hive::run(async {
    /// # let (a, _b) = hive::net::UnixStream::pair().unwrap();
    /// let (_r, w) = hive::net::StreamReader::from_unix(a);
    /// assert_eq!(w.write_buffer_size(), 0);
    /// # }).unwrap();
    /// ```
    #[doc(alias = "get_write_buffer_size")]
    pub fn write_buffer_size(&self) -> usize {
        self.core.buffer_size()
    }

    /// Sets the high-water mark and the low one (default: high / 4).
    ///
    /// ```
    /// # hive::run(async {
    /// # let (a, _b) = hive::net::UnixStream::pair().unwrap();
    /// let (_r, w) = hive::net::StreamReader::from_unix(a);
    /// w.set_write_buffer_limits(1 << 20, None);
    /// assert_eq!(w.write_buffer_limits(), (1 << 20, 1 << 18));
    /// # }).unwrap();
    /// ```
    #[doc(alias = "WriteTransport.set_write_buffer_limits")]
    pub fn set_write_buffer_limits(&self, high: usize, low: Option<usize>) {
        self.core.set_limits(high, low);
    }

    /// `(high, low)` water marks.
    ///
    /// ```
    /// # hive::run(async {
    /// # let (a, _b) = hive::net::UnixStream::pair().unwrap();
    /// let (_r, w) = hive::net::StreamReader::from_unix(a);
    /// assert_eq!(w.write_buffer_limits(), (65536, 16384));
    /// # }).unwrap();
    /// ```
    #[doc(alias = "get_write_buffer_limits")]
    pub fn write_buffer_limits(&self) -> (usize, usize) {
        self.core.limits()
    }

    /// The peer's address (asyncio's `get_extra_info('peername')`).
    ///
    /// ```
    /// # hive::run(async {
    /// # let (a, _b) = hive::net::UnixStream::pair().unwrap();
    /// let (_r, w) = hive::net::StreamReader::from_unix(a);
    /// println!("{}", w.peer_addr().unwrap());
    /// # }).unwrap();
    /// ```
    #[doc(alias = "peername")]
    pub fn peer_addr(&self) -> io::Result<Addr> {
        self.core.conn.peer_addr()
    }

    /// The local address (asyncio's `get_extra_info('sockname')`).
    ///
    /// ```
    /// # hive::run(async {
    /// # let (a, _b) = hive::net::UnixStream::pair().unwrap();
    /// let (_r, w) = hive::net::StreamReader::from_unix(a);
    /// assert!(w.local_addr().is_ok());
    /// # }).unwrap();
    /// ```
    #[doc(alias = "sockname")]
    pub fn local_addr(&self) -> io::Result<Addr> {
        self.core.conn.local_addr()
    }

    /// The TCP socket, for options (asyncio's `get_extra_info('socket')`);
    /// under TLS, the socket under the session (write through the
    /// `StreamWriter`, never to the socket, or the stream is corrupted).
    ///
    /// ```
    /// # hive::run(async {
    /// let l = hive::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let (_r, w) = hive::net::open_connection(l.local_addr().unwrap()).await.unwrap();
    /// assert!(w.tcp_stream().unwrap().nodelay().unwrap());
    /// # }).unwrap();
    /// ```
    #[doc(alias = "get_extra_info")]
    pub fn tcp_stream(&self) -> Option<&TcpStream> {
        match self.core.conn.socket() {
            Conn::Tcp(s) => Some(s),
            _ => None,
        }
    }

    /// What the TLS handshake agreed on: ALPN protocol, SNI, the peer's
    /// certificates, version, cipher (asyncio's
    /// `get_extra_info('ssl_object')` / `'peercert'`), or `None` over a
    /// plain connection.
    ///
    /// ```
    /// # hive::run(async {
    /// # let (a, _b) = hive::net::UnixStream::pair().unwrap();
    /// let (_r, w) = hive::net::StreamReader::from_unix(a);
    /// assert!(w.tls_info().is_none());
    /// # }).unwrap();
    /// ```
    #[cfg(feature = "tls")]
    #[doc(alias = "get_extra_info")]
    #[doc(alias = "peercert")]
    pub fn tls_info(&self) -> Option<crate::tls::TlsInfo> {
        match &self.core.conn {
            Conn::Tls(t) => Some(t.tls_info()),
            _ => None,
        }
    }

    /// The Unix socket, if this is one.
    ///
    /// ```
    /// # hive::run(async {
    /// # let (a, _b) = hive::net::UnixStream::pair().unwrap();
    /// let (_r, w) = hive::net::StreamReader::from_unix(a);
    /// assert!(w.unix_stream().is_some());
    /// # }).unwrap();
    /// ```
    pub fn unix_stream(&self) -> Option<&UnixStream> {
        match self.core.conn.socket() {
            Conn::Unix(s) => Some(s),
            _ => None,
        }
    }
}

/// `futures_io::AsyncWrite` over the writer's buffer (see [`StreamWriter`]).
macro_rules! async_write_impl {
    ($ty:ty) => {
        impl futures_io::AsyncWrite for $ty {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                self.core.poll_write(cx, &[IoSlice::new(buf)])
            }
            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                self.core.poll_write(cx, bufs)
            }
            /// Waits until every accepted byte is handed to the kernel.
            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.core.poll_flushed(cx)
            }
            /// Sends EOF after the buffer (`write_eof`) and waits for it.
            fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.core.poll_shut(cx)
            }
        }
    };
}

async_write_impl!(StreamWriter);
async_write_impl!(&StreamWriter);

impl fmt::Debug for StreamWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamWriter")
            .field("buffered", &self.core.buffer_size())
            .field("closing", &self.core.is_closing())
            .finish()
    }
}
