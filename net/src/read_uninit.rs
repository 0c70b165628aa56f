//! [`AsyncReadUninit`]: reads into memory that was never initialised, so
//! a caller with a large reusable buffer (hyper's, a codec's) need not zero
//! it before every read. Implemented by every stream that reads from a
//! socket: `recv(2)` and rustls' plaintext copy write exactly the bytes
//! they return.

use crate::{StreamReader, TcpStream, UnixStream};
use std::io;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{Context, Poll};

/// `futures_io::AsyncRead` into uninitialised memory: on `Ready(Ok(n))`
/// the first `n` elements of `buf` are initialised, and nothing else in
/// `buf` was written. `Ok(0)` is end of stream (or an empty `buf`).
///
/// ```
/// use hive::net::AsyncReadUninit;
/// use std::mem::MaybeUninit;
/// # hive::run(async {
/// let (a, mut b) = hive::net::UnixStream::pair().unwrap();
/// a.write_all(b"hi").await.unwrap();
/// let mut buf = [MaybeUninit::<u8>::uninit(); 64];
/// let n = std::future::poll_fn(|cx| std::pin::Pin::new(&mut b).poll_read_uninit(cx, &mut buf))
///     .await
///     .unwrap();
/// assert_eq!(n, 2);
/// # }).unwrap();
/// ```
pub trait AsyncReadUninit: futures_io::AsyncRead {
    /// Reads some bytes into the front of `buf` once they are there.
    ///
    /// # Errors
    /// The stream's error, as its `poll_read` would give it.
    ///
    /// Reading into a `Vec`'s spare capacity, which is never zeroed:
    ///
    /// ```
    /// use hive::net::AsyncReadUninit;
    /// # hive::run(async {
    /// let (a, mut b) = hive::net::UnixStream::pair().unwrap();
    /// a.write_all(b"hello").await.unwrap();
    /// let mut buf = Vec::with_capacity(4096);
    /// let spare = buf.spare_capacity_mut();
    /// let n = std::future::poll_fn(|cx| std::pin::Pin::new(&mut b).poll_read_uninit(cx, spare))
    ///     .await
    ///     .unwrap();
    /// // SAFETY: `poll_read_uninit` initialised the first `n` bytes of the spare capacity.
    /// unsafe { buf.set_len(n) };
    /// assert_eq!(buf, b"hello");
    /// # }).unwrap();
    /// ```
    fn poll_read_uninit(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [MaybeUninit<u8>],
    ) -> Poll<io::Result<usize>>;
}

macro_rules! socket_read_uninit {
    ($ty:ty) => {
        impl AsyncReadUninit for $ty {
            fn poll_read_uninit(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [MaybeUninit<u8>],
            ) -> Poll<io::Result<usize>> {
                crate::stream_io::sealed::Sealed::poll_read_uninit_io(&*self, cx, buf)
            }
        }
    };
}

socket_read_uninit!(TcpStream);
socket_read_uninit!(UnixStream);

#[cfg(feature = "tls")]
impl AsyncReadUninit for crate::tls::TlsStream {
    fn poll_read_uninit(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [MaybeUninit<u8>],
    ) -> Poll<io::Result<usize>> {
        self.poll_read_plain_uninit(cx, buf)
    }
}

impl AsyncReadUninit for StreamReader {
    /// Buffered bytes first; with none buffered, reads from the socket
    /// straight into `buf`.
    fn poll_read_uninit(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [MaybeUninit<u8>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().poll_read_into_uninit(cx, buf)
    }
}
