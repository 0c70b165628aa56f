//! [`HiveIo`]: hive's streams as hyper's `Read` and `Write`. Reads go
//! straight into hyper's uninitialised buffer (no zeroing per read);
//! vectored writes stay vectored (one `writev(2)` for head and body).

use hive_net::{AsyncReadUninit, StreamReader, StreamWriter};
use hyper::rt::ReadBufCursor;
use std::io::{self, IoSlice};
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// A hive stream for hyper: `hyper::rt::Read + hyper::rt::Write` over any
/// [`AsyncReadUninit`] + `futures_io::AsyncWrite` stream (`TcpStream`,
/// `UnixStream`, `TlsStream`), or over a reader/writer pair
/// ([`HiveIo::from_streams`]). hyper-util's `TokioIo`, for hive.
///
/// ```
/// use hive::http::HiveIo;
/// # hive::run(async {
/// let listener = hive::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
/// let addr = listener.local_addr().unwrap();
/// let stream = hive::net::TcpStream::connect(addr).await.unwrap();
/// let io = HiveIo::new(stream);
/// let (_sender, _conn) = hyper::client::conn::http1::handshake::<_, String>(io).await.unwrap();
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct HiveIo<T> {
    inner: T,
}

impl<T> HiveIo<T> {
    /// Wraps a stream.
    ///
    /// ```
    /// # hive::run(async {
    /// let (a, _b) = hive::net::UnixStream::pair().unwrap();
    /// let io = hive::http::HiveIo::new(a);
    /// assert!(io.get_ref().peer_addr().is_ok());
    /// # }).unwrap();
    /// ```
    pub fn new(inner: T) -> HiveIo<T> {
        HiveIo { inner }
    }

    /// The stream.
    ///
    /// ```
    /// # hive::run(async {
    /// let (a, _b) = hive::net::UnixStream::pair().unwrap();
    /// let io = hive::http::HiveIo::new(a);
    /// let _stream: &hive::net::UnixStream = io.get_ref();
    /// # }).unwrap();
    /// ```
    pub fn get_ref(&self) -> &T {
        &self.inner
    }

    /// The stream, mutably.
    ///
    /// ```
    /// # hive::run(async {
    /// let (a, _b) = hive::net::UnixStream::pair().unwrap();
    /// let mut io = hive::http::HiveIo::new(a);
    /// let _stream: &mut hive::net::UnixStream = io.get_mut();
    /// # }).unwrap();
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// Unwraps the stream.
    ///
    /// ```
    /// # hive::run(async {
    /// let (a, _b) = hive::net::UnixStream::pair().unwrap();
    /// let _stream: hive::net::UnixStream = hive::http::HiveIo::new(a).into_inner();
    /// # }).unwrap();
    /// ```
    pub fn into_inner(self) -> T {
        self.inner
    }
}

impl HiveIo<Streams> {
    /// Joins asyncio's reader/writer pair (what `start_server` hands a
    /// handler, what `open_connection` returns) into one stream for hyper:
    /// reads take what the reader has buffered first, writes go through
    /// the writer's buffer and its high-water mark.
    ///
    /// ```
    /// # hive::run(async {
    /// let (a, _b) = hive::net::UnixStream::pair().unwrap();
    /// let (reader, writer) = hive::net::StreamReader::from_unix(a);
    /// let io = hive::http::HiveIo::from_streams(reader, writer);
    /// assert!(io.get_ref().writer().peer_addr().is_ok());
    /// # }).unwrap();
    /// ```
    pub fn from_streams(reader: StreamReader, writer: StreamWriter) -> HiveIo<Streams> {
        HiveIo::new(Streams { reader, writer })
    }
}

/// A [`StreamReader`] and [`StreamWriter`] as one stream (see
/// [`HiveIo::from_streams`]).
///
/// ```
/// # hive::run(async {
/// let (a, _b) = hive::net::UnixStream::pair().unwrap();
/// let (reader, writer) = hive::net::StreamReader::from_unix(a);
/// let (_reader, _writer) = hive::http::HiveIo::from_streams(reader, writer).into_inner().into_parts();
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct Streams {
    reader: StreamReader,
    writer: StreamWriter,
}

impl Streams {
    /// The reading half.
    ///
    /// ```
    /// # hive::run(async {
    /// # let (a, _b) = hive::net::UnixStream::pair().unwrap();
    /// # let (r, w) = hive::net::StreamReader::from_unix(a);
    /// let io = hive::http::HiveIo::from_streams(r, w);
    /// assert!(!io.get_ref().reader().at_eof());
    /// # }).unwrap();
    /// ```
    pub fn reader(&self) -> &StreamReader {
        &self.reader
    }

    /// The writing half (peer address, `tls_info`, buffer limits).
    ///
    /// ```
    /// # hive::run(async {
    /// # let (a, _b) = hive::net::UnixStream::pair().unwrap();
    /// # let (r, w) = hive::net::StreamReader::from_unix(a);
    /// let io = hive::http::HiveIo::from_streams(r, w);
    /// assert_eq!(io.get_ref().writer().write_buffer_size(), 0);
    /// # }).unwrap();
    /// ```
    pub fn writer(&self) -> &StreamWriter {
        &self.writer
    }

    /// Splits back into the reader and the writer.
    ///
    /// ```
    /// # hive::run(async {
    /// # let (a, _b) = hive::net::UnixStream::pair().unwrap();
    /// # let (r, w) = hive::net::StreamReader::from_unix(a);
    /// let (_r, _w) = hive::http::HiveIo::from_streams(r, w).into_inner().into_parts();
    /// # }).unwrap();
    /// ```
    pub fn into_parts(self) -> (StreamReader, StreamWriter) {
        (self.reader, self.writer)
    }
}

impl futures_io::AsyncRead for Streams {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.reader).poll_read(cx, buf)
    }
}

impl AsyncReadUninit for Streams {
    fn poll_read_uninit(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [MaybeUninit<u8>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.reader).poll_read_uninit(cx, buf)
    }
}

impl futures_io::AsyncWrite for Streams {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &self.writer).poll_write(cx, buf)
    }
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &self.writer).poll_write_vectored(cx, bufs)
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut &self.writer).poll_flush(cx)
    }
    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut &self.writer).poll_close(cx)
    }
}

impl<T> hyper::rt::Read for HiveIo<T>
where
    T: AsyncReadUninit + Unpin,
{
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        // SAFETY: `poll_read_uninit` never writes uninitialised bytes into
        // the slice (its contract), so hyper's view of it stays sound.
        let unfilled = unsafe { buf.as_mut() };
        let n = ready!(Pin::new(&mut self.inner).poll_read_uninit(cx, unfilled))?;
        // SAFETY: on `Ok(n)` the first `n` bytes of `unfilled` were
        // initialised by the read (the `AsyncReadUninit` contract).
        unsafe { buf.advance(n) };
        Poll::Ready(Ok(()))
    }
}

impl<T> hyper::rt::Write for HiveIo<T>
where
    T: futures_io::AsyncWrite + Unpin,
{
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_close(cx)
    }

    /// Every hive stream writes a vector with one `writev(2)`, so hyper
    /// hands head and body over together instead of copying them into one
    /// buffer.
    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }
}
