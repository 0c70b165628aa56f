//! `Conn`: the connected socket under a stream writer or a transport, and
//! `Addr`, an address of either family.

use crate::loom::sync::Arc;
use crate::stream_io::sealed::Sealed;
use crate::{TcpStream, UnixStream};
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

/// A connected socket shared by a reader and a writer.
#[derive(Clone)]
pub(crate) enum Conn {
    Tcp(Arc<TcpStream>),
    Unix(Arc<UnixStream>),
}

impl Conn {
    fn sealed(&self) -> &dyn Sealed {
        match self {
            Conn::Tcp(s) => &**s,
            Conn::Unix(s) => &**s,
        }
    }
    pub(crate) fn poll_read(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.sealed().poll_read_io(cx, buf)
    }
    pub(crate) fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.sealed().poll_write_io(cx, buf)
    }
    /// One non-blocking `write(2)`, ignoring the readiness state.
    pub(crate) fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Conn::Tcp(s) => s.try_write(buf),
            Conn::Unix(s) => s.try_write(buf),
        }
    }
    pub(crate) fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.sealed().shutdown_io(how)
    }
    pub(crate) fn poll_write_fd(
        &self,
        cx: &mut Context<'_>,
        op: &mut dyn FnMut(std::os::fd::RawFd) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        self.sealed().poll_write_fd(cx, op)
    }
    pub(crate) fn loop_id(&self) -> hive_runtime::LoopId {
        self.sealed().loop_id_io()
    }
    pub(crate) fn peer_addr(&self) -> io::Result<Addr> {
        match self {
            Conn::Tcp(s) => s.peer_addr().map(Addr::Inet),
            Conn::Unix(s) => s.peer_addr().map(Addr::Unix),
        }
    }
    pub(crate) fn local_addr(&self) -> io::Result<Addr> {
        match self {
            Conn::Tcp(s) => s.local_addr().map(Addr::Inet),
            Conn::Unix(s) => s.local_addr().map(Addr::Unix),
        }
    }
}
