//! Read and write halves of a stream socket, borrowed and owned.

use crate::loom::sync::Arc;
#[allow(unused_imports)] // the trait's methods are called through it
use crate::stream_io::{sealed::Sealed, SocketStream};
use std::fmt;
use std::io::{self, IoSlice};
use std::net::Shutdown;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The read half of a borrowed split ([`TcpStream::split`](crate::TcpStream::split)).
///
/// ```
/// use futures_io::AsyncRead;
/// # hive::run(async {
/// let (a, b) = hive::net::UnixStream::pair().unwrap();
/// let (mut r, _w) = a.split();
/// b.write_all(b"x").await.unwrap();
/// let mut buf = [0; 1];
/// std::future::poll_fn(|cx| std::pin::Pin::new(&mut r).poll_read(cx, &mut buf)).await.unwrap();
/// # }).unwrap();
/// ```
pub struct ReadHalf<'a, S>(&'a S);

/// The write half of a borrowed split; closing it shuts the write side down.
///
/// ```
/// use futures_io::AsyncWrite;
/// # hive::run(async {
/// let (a, _b) = hive::net::UnixStream::pair().unwrap();
/// let (_r, mut w) = a.split();
/// std::future::poll_fn(|cx| std::pin::Pin::new(&mut w).poll_write(cx, b"x")).await.unwrap();
/// # }).unwrap();
/// ```
pub struct WriteHalf<'a, S>(&'a S);

/// An owned read half ([`TcpStream::into_split`](crate::TcpStream::into_split)):
/// may move to another task than its write half.
///
/// ```
/// # hive::run(async {
/// let (a, b) = hive::net::UnixStream::pair().unwrap();
/// let (r, _w) = a.into_split();
/// b.write_all(b"hi").await.unwrap();
/// let mut buf = [0; 2];
/// assert_eq!(r.read(&mut buf).await.unwrap(), 2);
/// # }).unwrap();
/// ```
pub struct OwnedReadHalf<S> {
    inner: Arc<S>,
}

/// An owned write half; dropping it shuts the write side down (the peer
/// reads EOF), as tokio's does.
///
/// ```
/// # hive::run(async {
/// let (a, b) = hive::net::UnixStream::pair().unwrap();
/// let (_r, w) = a.into_split();
/// w.write_all(b"hi").await.unwrap();
/// drop(w);
/// let mut buf = [0; 8];
/// assert_eq!(b.read(&mut buf).await.unwrap(), 2);
/// assert_eq!(b.read(&mut buf).await.unwrap(), 0);
/// # }).unwrap();
/// ```
pub struct OwnedWriteHalf<S: SocketStream> {
    inner: Arc<S>,
}

/// The halves given to [`OwnedReadHalf::reunite`] came from different streams.
///
/// ```
/// # hive::run(async {
/// let (a, b) = hive::net::UnixStream::pair().unwrap();
/// let (r, _w1) = a.into_split();
/// let (_r2, w) = b.into_split();
/// let err = r.reunite(w).unwrap_err();
/// assert!(err.to_string().contains("same stream"));
/// # }).unwrap();
/// ```
pub struct ReuniteError<S: SocketStream>(pub OwnedReadHalf<S>, pub OwnedWriteHalf<S>);

impl<S: SocketStream> fmt::Debug for ReuniteError<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ReuniteError")
    }
}

impl<S: SocketStream> fmt::Display for ReuniteError<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("these halves are not from the same stream; reunite the halves one into_split call returned")
    }
}

impl<S: SocketStream> std::error::Error for ReuniteError<S> {}

pub(crate) fn split<S: SocketStream>(s: &S) -> (ReadHalf<'_, S>, WriteHalf<'_, S>) {
    (ReadHalf(s), WriteHalf(s))
}

pub(crate) fn into_split<S: SocketStream>(s: S) -> (OwnedReadHalf<S>, OwnedWriteHalf<S>) {
    let inner = Arc::new(s);
    (
        OwnedReadHalf {
            inner: inner.clone(),
        },
        OwnedWriteHalf { inner },
    )
}

impl<S: SocketStream> OwnedReadHalf<S> {
    /// Joins the halves back into the stream.
    ///
    /// # Errors
    /// [`ReuniteError`] (giving both back) if they are not two halves of one stream.
    ///
    /// ```
    /// # hive::run(async {
    /// let (a, _b) = hive::net::UnixStream::pair().unwrap();
    /// let (r, w) = a.into_split();
    /// let _a: hive::net::UnixStream = r.reunite(w).unwrap();
    /// # }).unwrap();
    /// ```
    pub fn reunite(self, other: OwnedWriteHalf<S>) -> Result<S, ReuniteError<S>> {
        if !Arc::ptr_eq(&self.inner, &other.inner) {
            return Err(ReuniteError(self, other));
        }
        let other = std::mem::ManuallyDrop::new(other);
        // SAFETY: `other` is never used or dropped again (ManuallyDrop), so
        // reading its Arc out moves the only copy; no shutdown-on-drop runs.
        let inner = unsafe { std::ptr::read(&other.inner) };
        drop(inner);
        match Arc::try_unwrap(self.inner) {
            Ok(s) => Ok(s),
            Err(_) => unreachable!("both halves were given, so no other reference exists"),
        }
    }

    /// Reads into `buf` once data is there; `Ok(0)` is end of stream.
    ///
    /// ```
    /// # hive::run(async {
    /// let (a, b) = hive::net::UnixStream::pair().unwrap();
    /// let (r, _w) = a.into_split();
    /// drop(b);
    /// assert_eq!(r.read(&mut [0; 4]).await.unwrap(), 0);
    /// # }).unwrap();
    /// ```
    pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        std::future::poll_fn(|cx| self.inner.poll_read_io(cx, buf)).await
    }

    /// The whole stream, for addresses and options.
    ///
    /// ```
    /// # hive::run(async {
    /// let (a, _b) = hive::net::UnixStream::pair().unwrap();
    /// let (r, _w) = a.into_split();
    /// let _stream: &hive::net::UnixStream = r.stream();
    /// # }).unwrap();
    /// ```
    pub fn stream(&self) -> &S {
        &self.inner
    }
}

impl<S: SocketStream> OwnedWriteHalf<S> {
    /// Writes all of `buf`.
    ///
    /// # Errors
    /// The socket's error (`BrokenPipe` once the peer is gone).
    ///
    /// ```
    /// # hive::run(async {
    /// let (a, _b) = hive::net::UnixStream::pair().unwrap();
    /// let (_r, w) = a.into_split();
    /// w.write_all(b"abc").await.unwrap();
    /// # }).unwrap();
    /// ```
    pub async fn write_all(&self, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            let n = std::future::poll_fn(|cx| self.inner.poll_write_io(cx, buf)).await?;
            if n == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            buf = &buf[n..];
        }
        Ok(())
    }

    /// The whole stream, for addresses and options.
    ///
    /// ```
    /// # hive::run(async {
    /// let (a, _b) = hive::net::UnixStream::pair().unwrap();
    /// let (_r, w) = a.into_split();
    /// let _stream: &hive::net::UnixStream = w.stream();
    /// # }).unwrap();
    /// ```
    pub fn stream(&self) -> &S {
        &self.inner
    }
}

impl<S: SocketStream> Drop for OwnedWriteHalf<S> {
    fn drop(&mut self) {
        let _ = self.inner.shutdown_io(Shutdown::Write);
    }
}

macro_rules! read_impl {
    ($ty:ty, $inner:tt) => {
        impl<S: SocketStream> futures_io::AsyncRead for $ty {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                self.$inner.poll_read_io(cx, buf)
            }
        }
    };
}

macro_rules! write_impl {
    ($ty:ty, $inner:tt) => {
        impl<S: SocketStream> futures_io::AsyncWrite for $ty {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                self.$inner.poll_write_io(cx, buf)
            }
            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                self.$inner.poll_write_vectored_io(cx, bufs)
            }
            fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }
            fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(self.$inner.shutdown_io(Shutdown::Write))
            }
        }
    };
}

read_impl!(ReadHalf<'_, S>, 0);
write_impl!(WriteHalf<'_, S>, 0);
read_impl!(OwnedReadHalf<S>, inner);
write_impl!(OwnedWriteHalf<S>, inner);
