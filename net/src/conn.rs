//! `Conn`: the connected socket (or write pipe) under a stream writer or a
//! transport, and `Addr`, an address of either socket family.

use crate::loom::sync::Arc;
use crate::stream_io::sealed::Sealed;
use crate::{PipeWriter, TcpStream, UnixStream};
use std::fmt;
use std::io;
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

/// A connected socket shared by a reader and a writer, or the write end
/// of a pipe (a writer only: `StreamWriter::from_pipe`).
#[derive(Clone)]
pub(crate) enum Conn {
    Tcp(Arc<TcpStream>),
    Unix(Arc<UnixStream>),
    Pipe(Arc<PipeWriter>),
}

impl Conn {
    /// The socket's operations, or the pipe for the few a pipe does its own way.
    fn sealed(&self) -> Result<&dyn Sealed, &PipeWriter> {
        match self {
            Conn::Tcp(s) => Ok(&**s),
            Conn::Unix(s) => Ok(&**s),
            Conn::Pipe(p) => Err(p),
        }
    }
    pub(crate) fn poll_read(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        match self.sealed() {
            Ok(s) => s.poll_read_io(cx, buf),
            Err(_) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "the write end of a pipe cannot be read; read from its read end",
            ))),
        }
    }
    pub(crate) fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.sealed() {
            Ok(s) => s.poll_write_io(cx, buf),
            Err(p) => p.poll_write(cx, buf),
        }
    }
    /// One non-blocking `write(2)`, ignoring the readiness state.
    pub(crate) fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Conn::Tcp(s) => s.try_write(buf),
            Conn::Unix(s) => s.try_write(buf),
            Conn::Pipe(p) => p.try_write(buf),
        }
    }
    /// For a pipe, either direction closes it: a pipe has no half-close.
    pub(crate) fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        match self.sealed() {
            Ok(s) => s.shutdown_io(how),
            Err(p) => {
                p.close();
                Ok(())
            }
        }
    }
    pub(crate) fn poll_write_fd(
        &self,
        cx: &mut Context<'_>,
        op: &mut dyn FnMut(std::os::fd::RawFd) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        match self.sealed() {
            Ok(s) => s.poll_write_fd(cx, op),
            Err(p) => p.poll_write_fd(cx, op),
        }
    }
    pub(crate) fn loop_id(&self) -> hive_runtime::LoopId {
        match self.sealed() {
            Ok(s) => s.loop_id_io(),
            Err(p) => p.loop_id(),
        }
    }
    pub(crate) fn peer_addr(&self) -> io::Result<Addr> {
        match self {
            Conn::Tcp(s) => s.peer_addr().map(Addr::Inet),
            Conn::Unix(s) => s.peer_addr().map(Addr::Unix),
            Conn::Pipe(_) => Err(no_address()),
        }
    }
    pub(crate) fn local_addr(&self) -> io::Result<Addr> {
        match self {
            Conn::Tcp(s) => s.local_addr().map(Addr::Inet),
            Conn::Unix(s) => s.local_addr().map(Addr::Unix),
            Conn::Pipe(_) => Err(no_address()),
        }
    }
}

fn no_address() -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        "a pipe has no address; only TCP and Unix connections have one",
    )
}
