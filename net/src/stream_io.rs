//! What TCP and Unix stream sockets share: polled reads and writes on an
//! `IoSource`, the sealed [`SocketStream`] trait the split halves and the
//! streams API build on, and the socket-option methods.

use hive_runtime::IoSource;
use std::io::{self, IoSlice, Read, Write};
use std::mem::MaybeUninit;
use std::net::Shutdown;
use std::os::fd::{AsFd, RawFd};
use std::task::{Context, Poll};

pub(crate) fn poll_read<T>(
    io: &IoSource<T>,
    cx: &mut Context<'_>,
    buf: &mut [u8],
) -> Poll<io::Result<usize>>
where
    T: mio::event::Source,
    for<'a> &'a T: Read,
{
    let len = buf.len();
    poll_read_op(io, cx, len, |s| (&*s).read(buf))
}

/// [`poll_read`] into memory that need not be initialised (hyper's read
/// buffer): `recv(2)` writes the bytes it returns and nothing else, so the
/// caller skips zeroing its buffer before every read.
pub(crate) fn poll_read_uninit<T>(
    io: &IoSource<T>,
    cx: &mut Context<'_>,
    buf: &mut [MaybeUninit<u8>],
) -> Poll<io::Result<usize>>
where
    T: mio::event::Source + AsFd,
{
    let len = buf.len();
    poll_read_op(io, cx, len, |s| socket2::SockRef::from(s).recv(buf))
}

/// Runs the read `op` (filling at most `len` bytes) once the socket is
/// readable, retrying on each new readiness while it would block.
fn poll_read_op<T>(
    io: &IoSource<T>,
    cx: &mut Context<'_>,
    len: usize,
    mut op: impl FnMut(&T) -> io::Result<usize>,
) -> Poll<io::Result<usize>>
where
    T: mio::event::Source,
{
    loop {
        let event = std::task::ready!(io.poll_read_ready(cx))?;
        match op(io.get_ref()) {
            // A stream socket that filled less than the buffer has been
            // drained: forget the readiness now rather than learn it from
            // an EAGAIN read next time (one syscall per message saved; the
            // tick in `event` keeps a newer edge from being lost).
            Ok(n) if n > 0 && n < len => {
                io.clear_ready(event);
                return Poll::Ready(Ok(n));
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => io.clear_ready(event),
            result => return Poll::Ready(result),
        }
    }
}

pub(crate) fn poll_write<T>(
    io: &IoSource<T>,
    cx: &mut Context<'_>,
    buf: &[u8],
) -> Poll<io::Result<usize>>
where
    T: mio::event::Source,
    for<'a> &'a T: Write,
{
    io.poll_write_with(cx, |s| (&*s).write(buf))
}

pub(crate) fn poll_write_vectored<T>(
    io: &IoSource<T>,
    cx: &mut Context<'_>,
    bufs: &[IoSlice<'_>],
) -> Poll<io::Result<usize>>
where
    T: mio::event::Source,
    for<'a> &'a T: Write,
{
    io.poll_write_with(cx, |s| (&*s).write_vectored(bufs))
}

/// `shutdown(Write)`, where "not connected" (the peer already left) is fine.
pub(crate) fn shutdown_write(sock: socket2::SockRef<'_>) -> io::Result<()> {
    match sock.shutdown(Shutdown::Write) {
        Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
        r => r,
    }
}

/// A connected stream socket ([`TcpStream`](crate::TcpStream) or
/// [`UnixStream`](crate::UnixStream)): what the split halves are generic
/// over. Sealed: only hive-net implements it.
///
/// ```
/// fn takes_any<S: hive::net::SocketStream>(_s: &S) {}
/// # hive::run(async {
/// let (a, _b) = hive::net::UnixStream::pair().unwrap();
/// takes_any(&a);
/// # }).unwrap();
/// ```
pub trait SocketStream: sealed::Sealed + Send + Sync + 'static {}

pub(crate) mod sealed {
    use super::*;

    /// The operations the halves and the streams API need.
    pub trait Sealed {
        /// Reads into `buf` when readable.
        fn poll_read_io(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>>;
        /// Reads into uninitialised `buf` when readable.
        fn poll_read_uninit_io(
            &self,
            cx: &mut Context<'_>,
            buf: &mut [MaybeUninit<u8>],
        ) -> Poll<io::Result<usize>>;
        /// Writes from `buf` when writable.
        fn poll_write_io(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>>;
        /// Writes from several buffers when writable.
        fn poll_write_vectored_io(
            &self,
            cx: &mut Context<'_>,
            bufs: &[IoSlice<'_>],
        ) -> Poll<io::Result<usize>>;
        /// `shutdown(2)`.
        fn shutdown_io(&self, how: Shutdown) -> io::Result<()>;
        /// The loop whose reactor watches it.
        fn loop_id_io(&self) -> hive_runtime::LoopId;
        /// Runs `op` on the fd as a write, retried on each write readiness
        /// while it returns `WouldBlock` (for `sendfile(2)`).
        fn poll_write_fd(
            &self,
            cx: &mut Context<'_>,
            op: &mut dyn FnMut(RawFd) -> io::Result<usize>,
        ) -> Poll<io::Result<usize>>;
    }
}

/// Implements the sealed trait, `futures_io` traits for `S` and `&S`, and
/// the buffer-size options, for a stream type holding `io: IoSource<_>`.
macro_rules! stream_impls {
    ($ty:ident) => {
        impl $crate::stream_io::SocketStream for $ty {}
        impl $crate::stream_io::sealed::Sealed for $ty {
            fn poll_read_io(
                &self,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                $crate::stream_io::poll_read(&self.io, cx, buf)
            }
            fn poll_read_uninit_io(
                &self,
                cx: &mut std::task::Context<'_>,
                buf: &mut [std::mem::MaybeUninit<u8>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                $crate::stream_io::poll_read_uninit(&self.io, cx, buf)
            }
            fn poll_write_io(
                &self,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                $crate::stream_io::poll_write(&self.io, cx, buf)
            }
            fn poll_write_vectored_io(
                &self,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                $crate::stream_io::poll_write_vectored(&self.io, cx, bufs)
            }
            fn shutdown_io(&self, how: std::net::Shutdown) -> std::io::Result<()> {
                match self.io.get_ref().shutdown(how) {
                    Err(e) if e.kind() == std::io::ErrorKind::NotConnected => Ok(()),
                    r => r,
                }
            }
            fn loop_id_io(&self) -> hive_runtime::LoopId {
                self.io.loop_id()
            }
            fn poll_write_fd(
                &self,
                cx: &mut std::task::Context<'_>,
                op: &mut dyn FnMut(std::os::fd::RawFd) -> std::io::Result<usize>,
            ) -> std::task::Poll<std::io::Result<usize>> {
                self.io
                    .poll_write_with(cx, |s| op(std::os::fd::AsRawFd::as_raw_fd(s)))
            }
        }
        $crate::stream_io::async_io_impls!($ty);
        $crate::stream_io::async_io_impls!(&$ty);
    };
}

macro_rules! async_io_impls {
    ($ty:ty) => {
        impl futures_io::AsyncRead for $ty {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                $crate::stream_io::poll_read(&self.io, cx, buf)
            }
        }
        impl futures_io::AsyncWrite for $ty {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                $crate::stream_io::poll_write(&self.io, cx, buf)
            }
            fn poll_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                $crate::stream_io::poll_write_vectored(&self.io, cx, bufs)
            }
            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::task::Poll::Ready(Ok(()))
            }
            /// Shuts the write side down (the peer reads EOF).
            fn poll_close(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::task::Poll::Ready($crate::stream_io::shutdown_write(socket2::SockRef::from(
                    self.io.get_ref(),
                )))
            }
        }
    };
}

/// Inherent async `read`/`write`/`write_all`, readiness, and `shutdown`.
macro_rules! stream_methods {
    ($ty:ident, $setup:literal) => {
        impl $ty {
            #[doc = concat!("Reads into `buf` once data is there; `Ok(0)` is end of stream.\n\n```\n# hive::run(async {\n", $setup, "\na.write_all(b\"hi\").await.unwrap();\nlet mut buf = [0; 8];\nassert_eq!(b.read(&mut buf).await.unwrap(), 2);\n# }).unwrap();\n```")]
            pub async fn read(&self, buf: &mut [u8]) -> std::io::Result<usize> {
                std::future::poll_fn(|cx| $crate::stream_io::poll_read(&self.io, cx, buf)).await
            }

            #[doc = concat!("Writes some of `buf` once the socket has room; returns how much.\n\n```\n# hive::run(async {\n", $setup, "\nassert_eq!(a.write(b\"hey\").await.unwrap(), 3);\n# drop(b);\n# }).unwrap();\n```")]
            pub async fn write(&self, buf: &[u8]) -> std::io::Result<usize> {
                std::future::poll_fn(|cx| $crate::stream_io::poll_write(&self.io, cx, buf)).await
            }

            #[doc = concat!("Writes all of `buf`, waiting for room as needed.\n\n# Errors\nThe socket's error (`BrokenPipe` once the peer is gone).\n\n```\n# hive::run(async {\n", $setup, "\na.write_all(&[1; 1000]).await.unwrap();\n# drop(b);\n# }).unwrap();\n```")]
            pub async fn write_all(&self, mut buf: &[u8]) -> std::io::Result<()> {
                while !buf.is_empty() {
                    let n = self.write(buf).await?;
                    if n == 0 {
                        return Err(std::io::ErrorKind::WriteZero.into());
                    }
                    buf = &buf[n..];
                }
                Ok(())
            }

            #[doc = concat!("Reads without waiting: `WouldBlock` if no data is there yet.\n\n```\n# hive::run(async {\n", $setup, "\nlet mut buf = [0; 8];\nassert_eq!(b.try_read(&mut buf).unwrap_err().kind(), std::io::ErrorKind::WouldBlock);\n# drop(a);\n# }).unwrap();\n```")]
            pub fn try_read(&self, buf: &mut [u8]) -> std::io::Result<usize> {
                std::io::Read::read(&mut self.io.get_ref(), buf)
            }

            #[doc = concat!("Writes without waiting: `WouldBlock` if the socket buffer is full.\n\n```\n# hive::run(async {\n", $setup, "\nassert_eq!(a.try_write(b\"x\").unwrap(), 1);\n# drop(b);\n# }).unwrap();\n```")]
            pub fn try_write(&self, buf: &[u8]) -> std::io::Result<usize> {
                std::io::Write::write(&mut self.io.get_ref(), buf)
            }

            #[doc = concat!("Writes from several buffers without waiting (one `writev(2)`): `WouldBlock` if the socket buffer is full.\n\n```\n# hive::run(async {\n", $setup, "\nlet bufs = [std::io::IoSlice::new(b\"he\"), std::io::IoSlice::new(b\"y\")];\nassert_eq!(a.try_write_vectored(&bufs).unwrap(), 3);\n# drop(b);\n# }).unwrap();\n```")]
            pub fn try_write_vectored(&self, bufs: &[std::io::IoSlice<'_>]) -> std::io::Result<usize> {
                std::io::Write::write_vectored(&mut self.io.get_ref(), bufs)
            }

            #[doc = concat!("Waits until the socket is readable (data, EOF, or an error).\n\n```\n# hive::run(async {\n", $setup, "\na.write_all(b\"x\").await.unwrap();\nb.readable().await.unwrap();\n# }).unwrap();\n```")]
            pub async fn readable(&self) -> std::io::Result<()> {
                self.io.readable().await
            }

            #[doc = concat!("Waits until the socket is writable.\n\n```\n# hive::run(async {\n", $setup, "\na.writable().await.unwrap();\n# drop(b);\n# }).unwrap();\n```")]
            pub async fn writable(&self) -> std::io::Result<()> {
                self.io.writable().await
            }

            #[doc = concat!("Shuts down one or both directions (`Shutdown::Write` sends EOF).\n\n```\n# hive::run(async {\n", $setup, "\na.shutdown(std::net::Shutdown::Write).unwrap();\nlet mut buf = [0; 1];\nassert_eq!(b.read(&mut buf).await.unwrap(), 0);\n# }).unwrap();\n```")]
            pub fn shutdown(&self, how: std::net::Shutdown) -> std::io::Result<()> {
                $crate::stream_io::sealed::Sealed::shutdown_io(self, how)
            }

            #[doc = concat!("The loop whose reactor watches this socket.\n\n```\n# hive::run(async {\n", $setup, "\nassert!(hive::loop_ids().contains(&a.loop_id()));\n# drop(b);\n# }).unwrap();\n```")]
            pub fn loop_id(&self) -> hive_runtime::LoopId {
                self.io.loop_id()
            }

            #[doc = concat!("Splits into borrowed read and write halves (for two concurrent futures of one task).\n\n```\n# hive::run(async {\n", $setup, "\nlet (_r, _w) = a.split();\n# drop(b);\n# }).unwrap();\n```")]
            pub fn split(&self) -> ($crate::ReadHalf<'_, Self>, $crate::WriteHalf<'_, Self>) {
                $crate::split::split(self)
            }

            #[doc = concat!("Splits into owned halves that may move to different tasks; [`OwnedReadHalf::reunite`](crate::OwnedReadHalf::reunite) joins them again.\n\n```\n# hive::run(async {\n", $setup, "\nlet (r, w) = a.into_split();\nlet _a = r.reunite(w).unwrap();\n# drop(b);\n# }).unwrap();\n```")]
            pub fn into_split(self) -> ($crate::OwnedReadHalf<Self>, $crate::OwnedWriteHalf<Self>) {
                $crate::split::into_split(self)
            }
        }
    };
}

/// Buffer-size options and `socket_ref`, for any type holding `io: IoSource<_>`.
macro_rules! buffer_options {
    ($ty:ident, $setup:literal, $var:literal) => {
        impl $ty {
            #[doc = concat!("Sets `SO_RCVBUF` (the kernel doubles it and applies a floor).\n\n```\n# hive::run(async {\n", $setup, "\n", $var, ".set_recv_buffer_size(1 << 16).unwrap();\nassert!(", $var, ".recv_buffer_size().unwrap() >= 1 << 16);\n# }).unwrap();\n```")]
            pub fn set_recv_buffer_size(&self, size: usize) -> std::io::Result<()> {
                self.socket_ref().set_recv_buffer_size(size)
            }

            #[doc = concat!("`SO_RCVBUF`.\n\n```\n# hive::run(async {\n", $setup, "\nassert!(", $var, ".recv_buffer_size().unwrap() > 0);\n# }).unwrap();\n```")]
            pub fn recv_buffer_size(&self) -> std::io::Result<usize> {
                self.socket_ref().recv_buffer_size()
            }

            #[doc = concat!("Sets `SO_SNDBUF` (the kernel doubles it and applies a floor).\n\n```\n# hive::run(async {\n", $setup, "\n", $var, ".set_send_buffer_size(1 << 16).unwrap();\nassert!(", $var, ".send_buffer_size().unwrap() >= 1 << 16);\n# }).unwrap();\n```")]
            pub fn set_send_buffer_size(&self, size: usize) -> std::io::Result<()> {
                self.socket_ref().set_send_buffer_size(size)
            }

            #[doc = concat!("`SO_SNDBUF`.\n\n```\n# hive::run(async {\n", $setup, "\nassert!(", $var, ".send_buffer_size().unwrap() > 0);\n# }).unwrap();\n```")]
            pub fn send_buffer_size(&self) -> std::io::Result<usize> {
                self.socket_ref().send_buffer_size()
            }

            #[doc = concat!("The socket as a `socket2::SockRef`, for every option hive does not wrap.\n\n```\n# hive::run(async {\n", $setup, "\nlet _ = ", $var, ".socket_ref().reuse_address().unwrap();\n# }).unwrap();\n```")]
            pub fn socket_ref(&self) -> socket2::SockRef<'_> {
                socket2::SockRef::from(self.io.get_ref())
            }
        }
    };
}

pub(crate) use async_io_impls;
pub(crate) use buffer_options;
pub(crate) use stream_impls;
pub(crate) use stream_methods;
