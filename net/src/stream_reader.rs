//! `StreamReader`: asyncio's buffered reader over a connection.

use crate::conn::Conn;
use crate::error::{IncompleteRead, LimitOverrun, ReadError};
use crate::loom::sync::Arc;
use crate::separators::{SeparatorList, Separators};
use crate::stream_writer::StreamWriter;
use crate::write_core::WriteCore;
use crate::{PipeReader, TcpStream, UnixStream};
use futures_io::AsyncRead as _;
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

/// asyncio's default stream buffer limit (64 KiB): how much a
/// [`StreamReader`] buffers while looking for a separator, unless
/// [`with_limit`](StreamReader::with_limit) says otherwise.
///
/// ```
/// # hive::run(async {
/// let (a, b) = hive::net::UnixStream::pair().unwrap();
/// let mut r = hive::net::StreamReader::new(a);
/// assert_eq!(r.limit(), hive::net::DEFAULT_LIMIT);
/// // A line longer than the limit is refused (its bytes stay buffered).
/// b.write_all(&vec![b'x'; hive::net::DEFAULT_LIMIT + 1]).await.unwrap();
/// assert!(r.readline().await.is_err());
/// # }).unwrap();
/// ```
#[doc(alias = "_DEFAULT_LIMIT")]
pub const DEFAULT_LIMIT: usize = 64 * 1024;

/// The reading end of a connection, with asyncio's `StreamReader` methods:
/// [`read`](StreamReader::read), [`readline`](StreamReader::readline),
/// [`read_exact`](StreamReader::read_exact), [`read_until`](StreamReader::read_until),
/// [`at_eof`](StreamReader::at_eof). It also implements
/// `futures_io::{AsyncRead, AsyncBufRead}`.
///
/// Reads happen on demand (asyncio reads ahead in the background): the
/// kernel's socket buffer is the read-ahead, and an unread stream pushes
/// back on its peer. Unlike asyncio's `readline`, a line over the limit
/// keeps its data in the buffer (as `read_until` does).
///
/// ```
/// # hive::run(async {
/// let (a, b) = hive::net::UnixStream::pair().unwrap();
/// let (mut reader, _w) = hive::net::StreamReader::from_unix(a);
/// b.write_all(b"line one\nrest").await.unwrap();
/// drop(b);
/// assert_eq!(reader.readline().await.unwrap(), b"line one\n");
/// assert_eq!(reader.read_to_end().await.unwrap(), b"rest");
/// assert!(reader.at_eof());
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.StreamReader")]
pub struct StreamReader {
    src: Source,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    limit: usize,
}

enum Source {
    Conn(Conn),
    Pipe(PipeReader),
    Other(Box<dyn futures_io::AsyncRead + Send + Unpin>),
}

impl StreamReader {
    /// Wraps a TCP stream as a reader and a writer (asyncio's
    /// `open_connection(sock=...)`).
    ///
    /// ```
    /// # hive::run(async {
    /// let l = hive::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let s = hive::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    /// let (_reader, writer) = hive::net::StreamReader::from_tcp(s);
    /// writer.write(b"hi");
    /// # }).unwrap();
    /// ```
    pub fn from_tcp(stream: TcpStream) -> (StreamReader, StreamWriter) {
        Self::from_conn(Conn::Tcp(Arc::new(stream)))
    }

    /// Wraps a Unix stream as a reader and a writer.
    ///
    /// ```
    /// # hive::run(async {
    /// let (a, _b) = hive::net::UnixStream::pair().unwrap();
    /// let (_reader, _writer) = hive::net::StreamReader::from_unix(a);
    /// # }).unwrap();
    /// ```
    pub fn from_unix(stream: UnixStream) -> (StreamReader, StreamWriter) {
        Self::from_conn(Conn::Unix(Arc::new(stream)))
    }

    /// A reader over the read end of a pipe (asyncio's
    /// `connect_read_pipe`, with the stream API on top).
    ///
    /// ```
    /// # hive::run(async {
    /// let (reader, writer) = hive::net::pipe().unwrap();
    /// writer.write_all(b"one\ntwo\n").await.unwrap();
    /// drop(writer);
    /// let mut r = hive::net::StreamReader::from_pipe(reader);
    /// assert_eq!(r.readline().await.unwrap(), b"one\n");
    /// assert_eq!(r.read_to_end().await.unwrap(), b"two\n");
    /// # }).unwrap();
    /// ```
    #[doc(alias = "connect_read_pipe")]
    pub fn from_pipe(pipe: PipeReader) -> StreamReader {
        Self::with_source(Source::Pipe(pipe))
    }

    pub(crate) fn from_conn(conn: Conn) -> (StreamReader, StreamWriter) {
        let core = WriteCore::new(conn.clone(), false);
        (
            Self::with_source(Source::Conn(conn)),
            StreamWriter::from_core(core),
        )
    }

    /// A reader over any `AsyncRead` (a pipe, a decompressor, ...).
    ///
    /// ```
    /// # hive::run(async {
    /// let (a, b) = hive::net::UnixStream::pair().unwrap();
    /// let mut r = hive::net::StreamReader::new(a);
    /// b.write_all(b"x\n").await.unwrap();
    /// assert_eq!(r.readline().await.unwrap(), b"x\n");
    /// # }).unwrap();
    /// ```
    pub fn new(reader: impl futures_io::AsyncRead + Send + Unpin + 'static) -> StreamReader {
        Self::with_source(Source::Other(Box::new(reader)))
    }

    fn with_source(src: Source) -> StreamReader {
        StreamReader {
            src,
            buf: Vec::new(),
            start: 0,
            end: 0,
            eof: false,
            limit: DEFAULT_LIMIT,
        }
    }

    /// Sets the buffer limit for `readline`/`read_until` (asyncio's `limit=`).
    ///
    /// ```
    /// # hive::run(async {
    /// let (a, _b) = hive::net::UnixStream::pair().unwrap();
    /// let r = hive::net::StreamReader::new(a).with_limit(1 << 20);
    /// assert_eq!(r.limit(), 1 << 20);
    /// # }).unwrap();
    /// ```
    pub fn with_limit(mut self, limit: usize) -> StreamReader {
        self.limit = limit.max(1);
        self
    }

    /// The buffer limit.
    ///
    /// ```
    /// # hive::run(async {
    /// # let (a, _b) = hive::net::UnixStream::pair().unwrap();
    /// assert_eq!(hive::net::StreamReader::new(a).limit(), hive::net::DEFAULT_LIMIT);
    /// # }).unwrap();
    /// ```
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// True once the buffer is empty and the peer has sent EOF (asyncio's `at_eof`).
    ///
    /// ```
    /// # hive::run(async {
    /// let (a, b) = hive::net::UnixStream::pair().unwrap();
    /// let mut r = hive::net::StreamReader::new(a);
    /// drop(b);
    /// assert!(!r.at_eof());
    /// assert!(r.read(10).await.unwrap().is_empty());
    /// assert!(r.at_eof());
    /// # }).unwrap();
    /// ```
    #[doc(alias = "StreamReader.at_eof")]
    pub fn at_eof(&self) -> bool {
        self.eof && self.start == self.end
    }

    /// The bytes read from the socket and not consumed yet.
    ///
    /// ```
    /// # hive::run(async {
    /// # let (a, _b) = hive::net::UnixStream::pair().unwrap();
    /// assert!(hive::net::StreamReader::new(a).buffer().is_empty());
    /// # }).unwrap();
    /// ```
    pub fn buffer(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// The connection under this reader, and the bytes it read from it
    /// that nobody consumed yet (taken out of the buffer): what `start_tls`
    /// hands to the TLS session.
    #[cfg(feature = "tls")]
    pub(crate) fn take_for_upgrade(&mut self) -> Option<(Conn, Vec<u8>)> {
        let conn = match &self.src {
            Source::Conn(c) => c.clone(),
            _ => return None,
        };
        let pending = self.take(usize::MAX);
        Some((conn, pending))
    }

    /// Reads from `conn` from now on (`start_tls`).
    #[cfg(feature = "tls")]
    pub(crate) fn set_conn(&mut self, conn: Conn) {
        self.src = Source::Conn(conn);
        self.start = 0;
        self.end = 0;
        self.eof = false;
    }

    /// Reads more into the buffer; `Ready(Ok(0))` at EOF.
    fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        if self.eof {
            return Poll::Ready(Ok(0));
        }
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        if self.end == self.buf.len() {
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            } else {
                let grown = (self.buf.len() * 2).clamp(16 * 1024, usize::MAX);
                self.buf.resize(grown, 0);
            }
        }
        let dst = &mut self.buf[self.end..];
        let n = std::task::ready!(match &mut self.src {
            Source::Conn(c) => c.poll_read(cx, dst),
            Source::Pipe(p) => p.poll_read(cx, dst),
            Source::Other(r) => Pin::new(r).poll_read(cx, dst),
        })?;
        if n == 0 {
            self.eof = true;
        }
        self.end += n;
        Poll::Ready(Ok(n))
    }

    async fn fill(&mut self) -> io::Result<usize> {
        poll_fn(|cx| self.poll_fill(cx)).await
    }

    fn take(&mut self, n: usize) -> Vec<u8> {
        let n = n.min(self.end - self.start);
        let out = self.buf[self.start..self.start + n].to_vec();
        self.start += n;
        out
    }

    /// Reads up to `n` bytes: what is buffered, or else one read from the
    /// socket; empty at EOF (asyncio's `read(n)`; `read(-1)` is
    /// [`read_to_end`](StreamReader::read_to_end)).
    ///
    /// # Errors
    /// The socket's error.
    ///
    /// ```
    /// # hive::run(async {
    /// let (a, b) = hive::net::UnixStream::pair().unwrap();
    /// let mut r = hive::net::StreamReader::new(a);
    /// b.write_all(b"abcdef").await.unwrap();
    /// assert_eq!(r.read(4).await.unwrap(), b"abcd");
    /// assert_eq!(r.read(4).await.unwrap(), b"ef");
    /// # }).unwrap();
    /// ```
    #[doc(alias = "StreamReader.read")]
    pub async fn read(&mut self, n: usize) -> io::Result<Vec<u8>> {
        if n == 0 {
            return Ok(Vec::new());
        }
        if self.start == self.end {
            self.fill().await?;
        }
        Ok(self.take(n))
    }

    /// Reads into `buf` (buffered bytes first); `Ok(0)` at EOF. The
    /// allocation-free form of [`read`](StreamReader::read).
    ///
    /// # Errors
    /// The socket's error.
    ///
    /// ```
    /// # hive::run(async {
    /// let (a, b) = hive::net::UnixStream::pair().unwrap();
    /// let mut r = hive::net::StreamReader::new(a);
    /// b.write_all(b"xyz").await.unwrap();
    /// let mut buf = [0; 8];
    /// assert_eq!(r.read_into(&mut buf).await.unwrap(), 3);
    /// # }).unwrap();
    /// ```
    #[doc(alias = "readinto")]
    pub async fn read_into(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        poll_fn(|cx| self.poll_read_into(cx, buf)).await
    }

    fn poll_read_into(&mut self, cx: &mut Context<'_>, out: &mut [u8]) -> Poll<io::Result<usize>> {
        if out.is_empty() {
            return Poll::Ready(Ok(0));
        }
        if self.start == self.end {
            if self.eof {
                return Poll::Ready(Ok(0));
            }
            // Nothing buffered: read straight into the caller's buffer.
            let n = std::task::ready!(match &mut self.src {
                Source::Conn(c) => c.poll_read(cx, out),
                Source::Pipe(p) => p.poll_read(cx, out),
                Source::Other(r) => Pin::new(r).poll_read(cx, out),
            })?;
            if n == 0 {
                self.eof = true;
            }
            return Poll::Ready(Ok(n));
        }
        let n = out.len().min(self.end - self.start);
        out[..n].copy_from_slice(&self.buf[self.start..self.start + n]);
        self.start += n;
        Poll::Ready(Ok(n))
    }

    /// [`poll_read_into`](Self::poll_read_into) for memory that need not
    /// be initialised (`AsyncReadUninit`): sockets and TLS read into it
    /// as it is; pipes and wrapped readers get it zeroed first.
    pub(crate) fn poll_read_into_uninit(
        &mut self,
        cx: &mut Context<'_>,
        out: &mut [std::mem::MaybeUninit<u8>],
    ) -> Poll<io::Result<usize>> {
        if out.is_empty() {
            return Poll::Ready(Ok(0));
        }
        if self.start == self.end {
            if let Source::Conn(c) = &self.src {
                if self.eof {
                    return Poll::Ready(Ok(0));
                }
                let n = std::task::ready!(c.poll_read_uninit(cx, out))?;
                if n == 0 {
                    self.eof = true;
                }
                return Poll::Ready(Ok(n));
            }
            out.fill(std::mem::MaybeUninit::new(0));
            // SAFETY: every element was just initialised, and `MaybeUninit<u8>`
            // has the layout of `u8`.
            let out = unsafe { &mut *(out as *mut [std::mem::MaybeUninit<u8>] as *mut [u8]) };
            return self.poll_read_into(cx, out);
        }
        let n = out.len().min(self.end - self.start);
        // SAFETY: the buffer and `out` are distinct allocations, both valid
        // for `n` bytes (`n` is at most either length).
        unsafe {
            std::ptr::copy_nonoverlapping(
                self.buf[self.start..].as_ptr(),
                out.as_mut_ptr().cast::<u8>(),
                n,
            );
        }
        self.start += n;
        Poll::Ready(Ok(n))
    }

    /// Reads until EOF.
    ///
    /// # Errors
    /// The socket's error.
    ///
    /// ```
    /// # hive::run(async {
    /// let (a, b) = hive::net::UnixStream::pair().unwrap();
    /// let mut r = hive::net::StreamReader::new(a);
    /// b.write_all(b"all of it").await.unwrap();
    /// drop(b);
    /// assert_eq!(r.read_to_end().await.unwrap(), b"all of it");
    /// # }).unwrap();
    /// ```
    pub async fn read_to_end(&mut self) -> io::Result<Vec<u8>> {
        while self.fill().await? > 0 {}
        Ok(self.take(usize::MAX))
    }

    /// Reads exactly `n` bytes (asyncio's `readexactly`).
    ///
    /// # Errors
    /// [`ReadError::Incomplete`] with the bytes that did arrive if the
    /// stream ends first (they are consumed); [`ReadError::Io`].
    ///
    /// ```
    /// # hive::run(async {
    /// let (a, b) = hive::net::UnixStream::pair().unwrap();
    /// let mut r = hive::net::StreamReader::new(a);
    /// b.write_all(b"12345").await.unwrap();
    /// assert_eq!(r.read_exact(3).await.unwrap(), b"123");
    /// # }).unwrap();
    /// ```
    #[doc(alias = "StreamReader.readexactly")]
    pub async fn read_exact(&mut self, n: usize) -> Result<Vec<u8>, ReadError> {
        while self.end - self.start < n {
            if self.fill().await? == 0 {
                let partial = self.take(usize::MAX);
                return Err(ReadError::Incomplete(IncompleteRead {
                    partial,
                    expected: Some(n),
                }));
            }
        }
        Ok(self.take(n))
    }

    /// Reads a line, `\n` included; at EOF, the rest (maybe empty)
    /// (asyncio's `readline`).
    ///
    /// # Errors
    /// [`ReadError::LimitOverrun`] when no `\n` is within the limit: the
    /// data stays buffered (asyncio drops it here; hive keeps it, as in
    /// `read_until`). [`ReadError::Io`].
    ///
    /// ```
    /// # hive::run(async {
    /// let (a, b) = hive::net::UnixStream::pair().unwrap();
    /// let mut r = hive::net::StreamReader::new(a);
    /// b.write_all(b"hello\nworld").await.unwrap();
    /// drop(b);
    /// assert_eq!(r.readline().await.unwrap(), b"hello\n");
    /// assert_eq!(r.readline().await.unwrap(), b"world");
    /// assert_eq!(r.readline().await.unwrap(), b"");
    /// # }).unwrap();
    /// ```
    #[doc(alias = "StreamReader.readline")]
    pub async fn readline(&mut self) -> Result<Vec<u8>, ReadError> {
        match self.read_until(b"\n").await {
            Err(ReadError::Incomplete(inc)) => Ok(inc.partial),
            other => other,
        }
    }

    /// Reads up to and including the first of `separators` found
    /// (asyncio's `readuntil`, which takes a tuple of separators since 3.13).
    ///
    /// # Errors
    /// [`ReadError::LimitOverrun`] when no separator is found within the
    /// limit (the data stays buffered: read it with `read`, or raise the
    /// limit); [`ReadError::Incomplete`] at EOF without a separator (the
    /// rest is consumed into `partial`); [`ReadError::Io`].
    ///
    /// # Panics
    /// If no separator is given or one is empty.
    ///
    /// ```
    /// # hive::run(async {
    /// let (a, b) = hive::net::UnixStream::pair().unwrap();
    /// let mut r = hive::net::StreamReader::new(a);
    /// b.write_all(b"key=value;").await.unwrap();
    /// assert_eq!(r.read_until(b"=").await.unwrap(), b"key=");
    /// assert_eq!(r.read_until(b";").await.unwrap(), b"value;");
    /// # }).unwrap();
    /// ```
    #[doc(alias = "StreamReader.readuntil")]
    pub async fn read_until(&mut self, separators: impl Separators) -> Result<Vec<u8>, ReadError> {
        match self.scan_until(separators.separators()).await? {
            Some(len) => Ok(self.take(len)),
            None => Err(ReadError::Incomplete(IncompleteRead {
                partial: self.take(usize::MAX),
                expected: None,
            })),
        }
    }

    /// [`read_until`](StreamReader::read_until) appending to `out` instead
    /// of allocating: returns how many bytes were appended. At EOF without
    /// a separator the rest is appended to `out` and [`ReadError::Incomplete`]
    /// is returned (with an empty `partial`: the bytes are in `out`).
    ///
    /// # Errors
    /// As `read_until`.
    ///
    /// # Panics
    /// If no separator is given or one is empty.
    ///
    /// ```
    /// # hive::run(async {
    /// let (a, b) = hive::net::UnixStream::pair().unwrap();
    /// let mut r = hive::net::StreamReader::new(a);
    /// b.write_all(b"k=v;").await.unwrap();
    /// let mut out = Vec::new();
    /// assert_eq!(r.read_until_into(b"=", &mut out).await.unwrap(), 2);
    /// assert_eq!(r.read_until_into(b";", &mut out).await.unwrap(), 2);
    /// assert_eq!(out, b"k=v;");
    /// # }).unwrap();
    /// ```
    pub async fn read_until_into(
        &mut self,
        separators: impl Separators,
        out: &mut Vec<u8>,
    ) -> Result<usize, ReadError> {
        match self.scan_until(separators.separators()).await? {
            Some(len) => Ok(self.take_into(len, out)),
            None => {
                self.take_into(usize::MAX, out);
                Err(ReadError::Incomplete(IncompleteRead {
                    partial: Vec::new(),
                    expected: None,
                }))
            }
        }
    }

    /// [`readline`](StreamReader::readline) appending to `line` instead of
    /// allocating (as `BufRead::read_line`): returns how many bytes were
    /// appended, 0 at EOF.
    ///
    /// # Errors
    /// [`ReadError::LimitOverrun`] (the data stays buffered), [`ReadError::Io`].
    ///
    /// ```
    /// # hive::run(async {
    /// let (a, b) = hive::net::UnixStream::pair().unwrap();
    /// let mut r = hive::net::StreamReader::new(a);
    /// b.write_all(b"one\ntwo\n").await.unwrap();
    /// let mut line = Vec::new();
    /// while r.readline_into(&mut line).await.unwrap() > 0 {
    ///     if line.ends_with(b"two\n") { break; }
    /// }
    /// assert_eq!(line, b"one\ntwo\n");
    /// # }).unwrap();
    /// ```
    pub async fn readline_into(&mut self, line: &mut Vec<u8>) -> Result<usize, ReadError> {
        let len = match self.scan_until(b"\n".separators()).await? {
            Some(len) => len,
            None => usize::MAX,
        };
        Ok(self.take_into(len, line))
    }

    /// Fills `buf` exactly (asyncio's `readexactly` into a caller's
    /// buffer; no allocation).
    ///
    /// # Errors
    /// [`ReadError::Incomplete`] if the stream ends first: the bytes that
    /// did arrive are consumed into its `partial`; [`ReadError::Io`].
    ///
    /// ```
    /// # hive::run(async {
    /// let (a, b) = hive::net::UnixStream::pair().unwrap();
    /// let mut r = hive::net::StreamReader::new(a);
    /// b.write_all(b"header").await.unwrap();
    /// let mut head = [0u8; 4];
    /// r.read_exact_into(&mut head).await.unwrap();
    /// assert_eq!(&head, b"head");
    /// # }).unwrap();
    /// ```
    pub async fn read_exact_into(&mut self, buf: &mut [u8]) -> Result<(), ReadError> {
        let mut filled = 0;
        while filled < buf.len() {
            let n = self.read_into(&mut buf[filled..]).await?;
            if n == 0 {
                return Err(ReadError::Incomplete(IncompleteRead {
                    partial: buf[..filled].to_vec(),
                    expected: Some(buf.len()),
                }));
            }
            filled += n;
        }
        Ok(())
    }

    /// Moves up to `n` buffered bytes to the end of `out`; how many.
    fn take_into(&mut self, n: usize, out: &mut Vec<u8>) -> usize {
        let n = n.min(self.end - self.start);
        out.extend_from_slice(&self.buf[self.start..self.start + n]);
        self.start += n;
        n
    }

    /// Buffers until one of `seps` is in the buffer: `Some(length up to and
    /// including it)`, or `None` at EOF without one (all of it buffered).
    async fn scan_until(&mut self, seps: SeparatorList<'_>) -> Result<Option<usize>, ReadError> {
        assert!(
            seps.is_usable(),
            "read_until needs at least one non-empty separator"
        );
        let longest = seps.longest();
        let mut searched = 0; // bytes known to hold no separator start
        loop {
            let data = &self.buf[self.start..self.end];
            if let Some((at, len)) = seps.find_earliest(data, searched) {
                if at > self.limit {
                    return Err(ReadError::LimitOverrun(LimitOverrun {
                        consumed: at,
                        limit: self.limit,
                    }));
                }
                return Ok(Some(at + len));
            }
            if data.len() > self.limit {
                return Err(ReadError::LimitOverrun(LimitOverrun {
                    consumed: data.len(),
                    limit: self.limit,
                }));
            }
            searched = (data.len() + 1).saturating_sub(longest);
            if self.fill().await? == 0 {
                return Ok(None);
            }
        }
    }
}

impl futures_io::AsyncRead for StreamReader {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().poll_read_into(cx, buf)
    }
}

impl futures_io::AsyncBufRead for StreamReader {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.get_mut();
        if this.start == this.end {
            std::task::ready!(this.poll_fill(cx))?;
        }
        Poll::Ready(Ok(&this.buf[this.start..this.end]))
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let this = self.get_mut();
        this.start = (this.start + amt).min(this.end);
    }
}

impl fmt::Debug for StreamReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamReader")
            .field("buffered", &(self.end - self.start))
            .field("eof", &self.eof)
            .field("limit", &self.limit)
            .finish()
    }
}
