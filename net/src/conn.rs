//! `Conn`: the connected socket (or write pipe, or TLS session) under a
//! stream writer or a transport, and `Addr`, an address of either socket
//! family.

use crate::loom::sync::Arc;
use crate::stream_io::sealed::Sealed;
use crate::{PipeWriter, TcpStream, UnixStream};
use std::fmt;
use std::io::{self, IoSlice};
use std::net::{Shutdown, SocketAddr};
use std::task::{Context, Poll};

/// A socket address of a TCP or a Unix connection (asyncio's
/// `get_extra_info('peername')` is either).
///
/// ```
/// # hive::run(async {
/// let (a, _b) = hive::net::UnixStream::pair().unwrap();
/// let (_r, w) = hive::net::StreamReader::from_unix(a);
/// assert!(w.peer_addr().unwrap().as_unix().is_some());
/// # }).unwrap();
/// ```
#[derive(Debug, Clone)]
pub enum Addr {
    /// An IP address and port.
    Inet(SocketAddr),
    /// A Unix socket address (a path, or unnamed).
    Unix(std::os::unix::net::SocketAddr),
}

impl Addr {
    /// The IP address, for TCP.
    ///
    /// ```
    /// let a = hive::net::Addr::Inet("127.0.0.1:1".parse().unwrap());
    /// assert_eq!(a.as_inet().unwrap().port(), 1);
    /// ```
    pub fn as_inet(&self) -> Option<SocketAddr> {
        match self {
            Addr::Inet(a) => Some(*a),
            Addr::Unix(_) => None,
        }
    }

    /// The Unix address, for Unix sockets.
    ///
    /// ```
    /// let a = hive::net::Addr::Inet("127.0.0.1:1".parse().unwrap());
    /// assert!(a.as_unix().is_none());
    /// ```
    pub fn as_unix(&self) -> Option<&std::os::unix::net::SocketAddr> {
        match self {
            Addr::Unix(a) => Some(a),
            Addr::Inet(_) => None,
        }
    }
}

impl fmt::Display for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Addr::Inet(a) => a.fmt(f),
            Addr::Unix(a) => match a.as_pathname() {
                Some(p) => p.display().fmt(f),
                None => f.write_str("(unnamed)"),
            },
        }
    }
}

/// A connected socket shared by a reader and a writer, the write end of a
/// pipe (a writer only: `StreamWriter::from_pipe`), or a TLS session over a
/// socket.
#[derive(Clone)]
pub(crate) enum Conn {
    Tcp(Arc<TcpStream>),
    Unix(Arc<UnixStream>),
    Pipe(Arc<PipeWriter>),
    #[cfg(feature = "tls")]
    Tls(Arc<crate::tls::TlsStream>),
}

/// The first non-empty slice: what a pipe, which has no `writev` here,
/// writes of a vectored write.
fn first_nonempty<'a>(bufs: &'a [IoSlice<'_>]) -> &'a [u8] {
    bufs.iter()
        .find(|b| !b.is_empty())
        .map_or(&[][..], |b| &b[..])
}

impl Conn {
    /// The plain socket's operations; the pipe, or the TLS session, for
    /// what those do their own way.
    fn sealed(&self) -> Result<&dyn Sealed, Other<'_>> {
        match self {
            Conn::Tcp(s) => Ok(&**s),
            Conn::Unix(s) => Ok(&**s),
            Conn::Pipe(p) => Err(Other::Pipe(p)),
            #[cfg(feature = "tls")]
            Conn::Tls(t) => Err(Other::Tls(t)),
        }
    }
    pub(crate) fn poll_read(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        match self.sealed() {
            Ok(s) => s.poll_read_io(cx, buf),
            Err(Other::Pipe(_)) => Poll::Ready(Err(write_end_unreadable())),
            #[cfg(feature = "tls")]
            Err(Other::Tls(t)) => t.poll_read_plain(cx, buf),
        }
    }
    /// [`poll_read`](Conn::poll_read) into memory that need not be
    /// initialised; only the returned count of bytes is written.
    pub(crate) fn poll_read_uninit(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [std::mem::MaybeUninit<u8>],
    ) -> Poll<io::Result<usize>> {
        match self.sealed() {
            Ok(s) => s.poll_read_uninit_io(cx, buf),
            Err(Other::Pipe(_)) => Poll::Ready(Err(write_end_unreadable())),
            #[cfg(feature = "tls")]
            Err(Other::Tls(t)) => t.poll_read_plain_uninit(cx, buf),
        }
    }
    pub(crate) fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.sealed() {
            Ok(s) => s.poll_write_io(cx, buf),
            Err(Other::Pipe(p)) => p.poll_write(cx, buf),
            #[cfg(feature = "tls")]
            Err(Other::Tls(t)) => t.poll_write_plain(cx, &[IoSlice::new(buf)]),
        }
    }
    /// Writes from several buffers: one `writev(2)` on a socket.
    #[cfg_attr(not(feature = "tls"), allow(dead_code))]
    pub(crate) fn poll_write_vectored(
        &self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.sealed() {
            Ok(s) => s.poll_write_vectored_io(cx, bufs),
            Err(Other::Pipe(p)) => p.poll_write(cx, first_nonempty(bufs)),
            #[cfg(feature = "tls")]
            Err(Other::Tls(t)) => t.poll_write_plain(cx, bufs),
        }
    }
    /// One non-blocking `write(2)`, ignoring the readiness state.
    pub(crate) fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Conn::Tcp(s) => s.try_write(buf),
            Conn::Unix(s) => s.try_write(buf),
            Conn::Pipe(p) => p.try_write(buf),
            #[cfg(feature = "tls")]
            Conn::Tls(t) => t.try_write_plain(&[IoSlice::new(buf)]),
        }
    }
    /// One non-blocking `writev(2)`, ignoring the readiness state.
    pub(crate) fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        match self {
            Conn::Tcp(s) => s.try_write_vectored(bufs),
            Conn::Unix(s) => s.try_write_vectored(bufs),
            Conn::Pipe(p) => p.try_write(first_nonempty(bufs)),
            #[cfg(feature = "tls")]
            Conn::Tls(t) => t.try_write_plain(bufs),
        }
    }
    /// True while bytes already accepted wait below the writer's buffer
    /// (a TLS session's encrypted output).
    pub(crate) fn has_queued_output(&self) -> bool {
        match self {
            #[cfg(feature = "tls")]
            Conn::Tls(t) => t.has_queued_output(),
            _ => false,
        }
    }
    /// Sends what `has_queued_output` reports.
    pub(crate) fn poll_flush(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self {
            #[cfg(feature = "tls")]
            Conn::Tls(t) => t.poll_flush_tls(cx),
            _ => {
                let _ = cx;
                Poll::Ready(Ok(()))
            }
        }
    }
    /// A graceful shutdown: TLS sends `close_notify` first, which may have
    /// to wait for room; a socket or pipe shuts down at once.
    pub(crate) fn poll_shutdown(
        &self,
        cx: &mut Context<'_>,
        how: Shutdown,
    ) -> Poll<io::Result<()>> {
        match self {
            #[cfg(feature = "tls")]
            Conn::Tls(t) => t.poll_close_notify(cx, how),
            _ => {
                let _ = cx;
                Poll::Ready(self.shutdown(how))
            }
        }
    }
    /// Whether `poll_shutdown` may have to wait (so a writer closes through
    /// its flusher rather than on the spot).
    pub(crate) fn shutdown_may_wait(&self) -> bool {
        match self {
            #[cfg(feature = "tls")]
            Conn::Tls(_) => true,
            _ => false,
        }
    }
    /// `shutdown(2)` at once, with no TLS goodbye (an abort). For a pipe,
    /// either direction closes it: a pipe has no half-close.
    pub(crate) fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        match self.sealed() {
            Ok(s) => s.shutdown_io(how),
            Err(Other::Pipe(p)) => {
                p.close();
                Ok(())
            }
            #[cfg(feature = "tls")]
            Err(Other::Tls(t)) => t.conn().shutdown(how),
        }
    }
    /// Runs `op` on the fd when writable (`sendfile(2)`). A TLS session
    /// answers `EINVAL`, which sends `sendfile` down its read-and-write path.
    pub(crate) fn poll_write_fd(
        &self,
        cx: &mut Context<'_>,
        op: &mut dyn FnMut(std::os::fd::RawFd) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        match self.sealed() {
            Ok(s) => s.poll_write_fd(cx, op),
            Err(Other::Pipe(p)) => p.poll_write_fd(cx, op),
            #[cfg(feature = "tls")]
            Err(Other::Tls(_)) => Poll::Ready(Err(io::Error::from_raw_os_error(libc::EINVAL))),
        }
    }
    pub(crate) fn loop_id(&self) -> hive_runtime::LoopId {
        match self.sealed() {
            Ok(s) => s.loop_id_io(),
            Err(Other::Pipe(p)) => p.loop_id(),
            #[cfg(feature = "tls")]
            Err(Other::Tls(t)) => t.conn().loop_id(),
        }
    }
    pub(crate) fn peer_addr(&self) -> io::Result<Addr> {
        match self {
            Conn::Tcp(s) => s.peer_addr().map(Addr::Inet),
            Conn::Unix(s) => s.peer_addr().map(Addr::Unix),
            Conn::Pipe(_) => Err(no_address()),
            #[cfg(feature = "tls")]
            Conn::Tls(t) => t.conn().peer_addr(),
        }
    }
    pub(crate) fn local_addr(&self) -> io::Result<Addr> {
        match self {
            Conn::Tcp(s) => s.local_addr().map(Addr::Inet),
            Conn::Unix(s) => s.local_addr().map(Addr::Unix),
            Conn::Pipe(_) => Err(no_address()),
            #[cfg(feature = "tls")]
            Conn::Tls(t) => t.conn().local_addr(),
        }
    }
    /// The plain socket: the connection itself, or the one under TLS.
    pub(crate) fn socket(&self) -> &Conn {
        match self {
            #[cfg(feature = "tls")]
            Conn::Tls(t) => t.conn(),
            _ => self,
        }
    }
}

/// What `Conn::sealed` hands back for the kinds that are not plain sockets.
enum Other<'a> {
    Pipe(&'a PipeWriter),
    #[cfg(feature = "tls")]
    Tls(&'a crate::tls::TlsStream),
}

fn write_end_unreadable() -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        "the write end of a pipe cannot be read; read from its read end",
    )
}

fn no_address() -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        "a pipe has no address; only TCP and Unix connections have one",
    )
}
