//! Pipes on the reactor: [`PipeReader`] and [`PipeWriter`], the ends
//! asyncio's `connect_read_pipe` / `connect_write_pipe` take, and
//! [`pipe`], asyncio-free `os.pipe()` with both ends registered.
//!
//! A pipe has one direction and no `shutdown(2)`: its write end sends EOF
//! only when the descriptor is closed. `PipeWriter` therefore keeps its
//! descriptor behind a lock so that [`PipeWriter::close`] (and a
//! `StreamWriter`'s `write_eof`/`close`) can close it while others still
//! hold the writer.

use crate::loom::sync::Mutex;
use hive_runtime::{IoSource, LoopId};
use mio::unix::pipe::{Receiver, Sender};
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::pin::Pin;
use std::task::{Context, Poll};

/// Makes a pipe whose two ends are registered with the current loop's
/// reactor (`os.pipe()`, non-blocking, close-on-exec).
///
/// # Errors
/// The OS error of `pipe2(2)` (too many open files); `NotFound` outside a
/// hive runtime.
///
/// ```
/// # hive::run(async {
/// let (reader, writer) = hive::net::pipe().unwrap();
/// writer.write_all(b"through the pipe").await.unwrap();
/// writer.close();
/// let mut r = hive::net::StreamReader::from_pipe(reader);
/// assert_eq!(r.read_to_end().await.unwrap(), b"through the pipe");
/// # }).unwrap();
/// ```
#[doc(alias = "os.pipe")]
pub fn pipe() -> io::Result<(PipeReader, PipeWriter)> {
    let (tx, rx) = mio::unix::pipe::new()?;
    Ok((PipeReader::register(rx)?, PipeWriter::register(tx)?))
}

/// The read end of a pipe, registered with a loop's reactor: a child's
/// stdout, a FIFO, one end of [`pipe`]. Implements `futures_io::AsyncRead`;
/// [`StreamReader::from_pipe`](crate::StreamReader::from_pipe) gives it
/// asyncio's stream methods.
///
/// ```
/// # hive::run(async {
/// let (reader, writer) = hive::net::pipe().unwrap();
/// writer.write_all(b"hi").await.unwrap();
/// let mut buf = [0; 8];
/// assert_eq!(reader.read(&mut buf).await.unwrap(), 2);
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct PipeReader {
    io: IoSource<Receiver>,
}

impl PipeReader {
    /// Takes the read end of a pipe (anything that becomes an `OwnedFd`:
    /// a `std::process::ChildStdout`, an `std::io::PipeReader`, a FIFO
    /// opened for reading), makes it non-blocking and registers it with
    /// the current loop.
    ///
    /// # Errors
    /// The OS error from `fcntl` or from registering (`EPERM` for a
    /// regular file, which epoll cannot watch); `NotFound` outside a
    /// hive runtime.
    ///
    /// ```
    /// # hive::run(async {
    /// let child = std::process::Command::new("echo").arg("hi")
    ///     .stdout(std::process::Stdio::piped()).spawn().unwrap();
    /// let out = hive::net::PipeReader::from_fd(child.stdout.unwrap()).unwrap();
    /// let mut r = hive::net::StreamReader::from_pipe(out);
    /// assert_eq!(r.read_to_end().await.unwrap(), b"hi\n");
    /// # }).unwrap();
    /// ```
    pub fn from_fd(fd: impl Into<OwnedFd>) -> io::Result<PipeReader> {
        let rx = Receiver::from(fd.into());
        rx.set_nonblocking(true)?;
        Self::register(rx)
    }

    fn register(rx: Receiver) -> io::Result<PipeReader> {
        Ok(PipeReader {
            io: IoSource::new(rx)?,
        })
    }

    /// Reads into `buf` once data is there; `Ok(0)` once every write end
    /// is closed.
    ///
    /// # Errors
    /// The OS error of `read(2)`.
    ///
    /// ```
    /// # hive::run(async {
    /// let (reader, writer) = hive::net::pipe().unwrap();
    /// drop(writer);
    /// assert_eq!(reader.read(&mut [0; 4]).await.unwrap(), 0);
    /// # }).unwrap();
    /// ```
    pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        std::future::poll_fn(|cx| self.poll_read(cx, buf)).await
    }

    /// Reads without waiting: `WouldBlock` if no data is there yet.
    ///
    /// # Errors
    /// `WouldBlock`, or the OS error of `read(2)`.
    ///
    /// ```
    /// # hive::run(async {
    /// let (reader, _writer) = hive::net::pipe().unwrap();
    /// let err = reader.try_read(&mut [0; 4]).unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
    /// # }).unwrap();
    /// ```
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.get_ref().read(buf)
    }

    /// The loop whose reactor watches this pipe.
    ///
    /// ```
    /// # hive::run(async {
    /// let (reader, _writer) = hive::net::pipe().unwrap();
    /// assert!(hive::loop_ids().contains(&reader.loop_id()));
    /// # }).unwrap();
    /// ```
    pub fn loop_id(&self) -> LoopId {
        self.io.loop_id()
    }

    pub(crate) fn poll_read(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_read_with(cx, |rx| (&*rx).read(buf))
    }
}

impl AsRawFd for PipeReader {
    fn as_raw_fd(&self) -> RawFd {
        self.io.get_ref().as_raw_fd()
    }
}

impl futures_io::AsyncRead for PipeReader {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        PipeReader::poll_read(&self, cx, buf)
    }
}

impl futures_io::AsyncRead for &PipeReader {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        PipeReader::poll_read(&self, cx, buf)
    }
}

/// The write end of a pipe, registered with a loop's reactor: a child's
/// stdin, a FIFO, one end of [`pipe`]. Implements `futures_io::AsyncWrite`
/// (`poll_close` closes it); [`StreamWriter::from_pipe`](crate::StreamWriter::from_pipe)
/// gives it asyncio's buffered writer.
///
/// Closing is explicit ([`close`](PipeWriter::close)) or by dropping: the
/// reader sees EOF once every write end is closed.
///
/// ```
/// # hive::run(async {
/// let (reader, writer) = hive::net::pipe().unwrap();
/// assert_eq!(writer.write(b"abc").await.unwrap(), 3);
/// writer.close();
/// assert!(writer.is_closed());
/// let mut r = hive::net::StreamReader::from_pipe(reader);
/// assert_eq!(r.read_to_end().await.unwrap(), b"abc");
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct PipeWriter {
    /// `None` once closed. The lock is only ever held for one non-blocking
    /// call; it exists so `close(&self)` can release the descriptor.
    io: Mutex<Option<IoSource<Sender>>>,
    loop_id: LoopId,
}

impl PipeWriter {
    /// Takes the write end of a pipe (anything that becomes an `OwnedFd`:
    /// a `std::process::ChildStdin`, an `std::io::PipeWriter`, a FIFO
    /// opened for writing), makes it non-blocking and registers it with
    /// the current loop.
    ///
    /// # Errors
    /// The OS error from `fcntl` or from registering (`EPERM` for a
    /// regular file, which epoll cannot watch); `NotFound` outside a
    /// hive runtime.
    ///
    /// ```
    /// # hive::run(async {
    /// let mut child = std::process::Command::new("cat")
    ///     .stdin(std::process::Stdio::piped())
    ///     .stdout(std::process::Stdio::null()).spawn().unwrap();
    /// let stdin = hive::net::PipeWriter::from_fd(child.stdin.take().unwrap()).unwrap();
    /// stdin.write_all(b"to cat\n").await.unwrap();
    /// stdin.close();
    /// # child.wait().unwrap();
    /// # }).unwrap();
    /// ```
    pub fn from_fd(fd: impl Into<OwnedFd>) -> io::Result<PipeWriter> {
        let tx = Sender::from(fd.into());
        tx.set_nonblocking(true)?;
        Self::register(tx)
    }

    fn register(tx: Sender) -> io::Result<PipeWriter> {
        let io = IoSource::new(tx)?;
        Ok(PipeWriter {
            loop_id: io.loop_id(),
            io: Mutex::new(Some(io)),
        })
    }

    /// Writes some of `buf` once the pipe has room; returns how much.
    ///
    /// # Errors
    /// `BrokenPipe` once the read end is closed or after
    /// [`close`](PipeWriter::close); the OS error of `write(2)`.
    ///
    /// ```
    /// # hive::run(async {
    /// let (_reader, writer) = hive::net::pipe().unwrap();
    /// assert_eq!(writer.write(b"x").await.unwrap(), 1);
    /// # }).unwrap();
    /// ```
    pub async fn write(&self, buf: &[u8]) -> io::Result<usize> {
        std::future::poll_fn(|cx| self.poll_write(cx, buf)).await
    }

    /// Writes all of `buf`, waiting for room as needed.
    ///
    /// # Errors
    /// As [`write`](PipeWriter::write).
    ///
    /// ```
    /// # hive::run(async {
    /// let (reader, writer) = hive::net::pipe().unwrap();
    /// drop(reader);
    /// let err = writer.write_all(b"nobody reads").await.unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe);
    /// # }).unwrap();
    /// ```
    pub async fn write_all(&self, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            let n = self.write(buf).await?;
            if n == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            buf = &buf[n..];
        }
        Ok(())
    }

    /// Writes without waiting: `WouldBlock` if the pipe is full.
    ///
    /// # Errors
    /// `WouldBlock`, or as [`write`](PipeWriter::write).
    ///
    /// ```
    /// # hive::run(async {
    /// let (_reader, writer) = hive::net::pipe().unwrap();
    /// assert_eq!(writer.try_write(b"x").unwrap(), 1);
    /// # }).unwrap();
    /// ```
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        match &*self.io.lock() {
            Some(io) => io.get_ref().write(buf),
            None => Err(closed()),
        }
    }

    /// Closes the write end now (the reader sees EOF once no other write
    /// end is open). Idempotent.
    ///
    /// ```
    /// # hive::run(async {
    /// let (reader, writer) = hive::net::pipe().unwrap();
    /// writer.close();
    /// writer.close();
    /// assert_eq!(reader.read(&mut [0; 1]).await.unwrap(), 0);
    /// # }).unwrap();
    /// ```
    pub fn close(&self) {
        // Dropped outside the lock: deregistering takes the reactor's lock.
        let io = self.io.lock().take();
        drop(io);
    }

    /// True after [`close`](PipeWriter::close).
    ///
    /// ```
    /// # hive::run(async {
    /// let (_reader, writer) = hive::net::pipe().unwrap();
    /// assert!(!writer.is_closed());
    /// # }).unwrap();
    /// ```
    pub fn is_closed(&self) -> bool {
        self.io.lock().is_none()
    }

    /// The loop whose reactor watches this pipe.
    ///
    /// ```
    /// # hive::run(async {
    /// let (_reader, writer) = hive::net::pipe().unwrap();
    /// assert!(hive::loop_ids().contains(&writer.loop_id()));
    /// # }).unwrap();
    /// ```
    pub fn loop_id(&self) -> LoopId {
        self.loop_id
    }

    pub(crate) fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match &*self.io.lock() {
            Some(io) => io.poll_write_with(cx, |tx| (&*tx).write(buf)),
            None => Poll::Ready(Err(closed())),
        }
    }

    /// Runs `op` on the descriptor as a write, retried on write readiness.
    pub(crate) fn poll_write_fd(
        &self,
        cx: &mut Context<'_>,
        op: &mut dyn FnMut(RawFd) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        match &*self.io.lock() {
            Some(io) => io.poll_write_with(cx, |tx| op(tx.as_raw_fd())),
            None => Poll::Ready(Err(closed())),
        }
    }
}

fn closed() -> io::Error {
    io::Error::new(
        io::ErrorKind::BrokenPipe,
        "this pipe's write end was closed; make a new pipe to write again",
    )
}

fn poll_close(w: &PipeWriter) -> Poll<io::Result<()>> {
    w.close();
    Poll::Ready(Ok(()))
}

impl futures_io::AsyncWrite for PipeWriter {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        PipeWriter::poll_write(&self, cx, buf)
    }
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    /// Closes the write end (the reader sees EOF).
    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        poll_close(&self)
    }
}

impl futures_io::AsyncWrite for &PipeWriter {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        PipeWriter::poll_write(&self, cx, buf)
    }
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    /// Closes the write end (the reader sees EOF).
    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        poll_close(&self)
    }
}
