//! `TcpStream`: a TCP connection on a loop's reactor.

use crate::addr::ToSocketAddrs;
use crate::connect::ConnectOptions;
use crate::error::ConnectError;
use crate::stream_io::{buffer_options, stream_impls, stream_methods};
use hive_runtime::{IoSource, LoopId};
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

/// A TCP connection registered with one loop's reactor.
///
/// Reads and writes need only `&self`; it implements
/// `futures_io::{AsyncRead, AsyncWrite}` (for `TcpStream` and
/// `&TcpStream`), splits into halves, and wraps into asyncio-style streams
/// with [`StreamReader::from_tcp`](crate::StreamReader::from_tcp).
///
/// ```
/// # hive::run(async {
/// let listener = hive::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
/// let addr = listener.local_addr().unwrap();
/// let client = hive::net::TcpStream::connect(addr).await.unwrap();
/// let (server, _) = listener.accept().await.unwrap();
/// client.write_all(b"ping").await.unwrap();
/// let mut buf = [0; 4];
/// server.read(&mut buf).await.unwrap();
/// assert_eq!(&buf, b"ping");
/// # }).unwrap();
/// ```
pub struct TcpStream {
    pub(crate) io: IoSource<mio::net::TcpStream>,
    /// The peer's address once known (from `accept`, from the connect
    /// that completed, or from the first `peer_addr`): a connected TCP
    /// socket's peer never changes, and a TLS handshake asked for it
    /// twice (a `getpeername` each) for its error messages.
    pub(crate) peer: std::sync::OnceLock<SocketAddr>,
}

stream_impls!(TcpStream);
stream_methods!(
    TcpStream,
    "let l = hive::net::TcpListener::bind(\"127.0.0.1:0\").await.unwrap();\nlet a = hive::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();\nlet (b, _) = l.accept().await.unwrap();"
);
buffer_options!(
    TcpStream,
    "let l = hive::net::TcpListener::bind(\"127.0.0.1:0\").await.unwrap();\nlet s = hive::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();",
    "s"
);

impl TcpStream {
    /// Connects to `addr`, trying every address it resolves to with Happy
    /// Eyeballs (RFC 8305: the next attempt starts 250 ms after the last
    /// one unless it failed sooner), as asyncio's `open_connection` does
    /// with `happy_eyeballs_delay=0.25`. Use
    /// [`ConnectOptions`](crate::ConnectOptions) for the delay and a timeout.
    ///
    /// # Errors
    /// [`ConnectError`], listing every address tried and why it failed.
    ///
    /// ```
    /// # hive::run(async {
    /// let l = hive::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let s = hive::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    /// assert_eq!(s.peer_addr().unwrap(), l.local_addr().unwrap());
    /// # }).unwrap();
    /// ```
    #[doc(alias = "loop.sock_connect")]
    pub async fn connect(addr: impl ToSocketAddrs) -> Result<TcpStream, ConnectError> {
        ConnectOptions::new().connect(addr).await
    }

    /// Wraps a connected std stream (it is made non-blocking) on the
    /// current loop's reactor.
    ///
    /// # Errors
    /// Setting non-blocking mode or registering fails.
    ///
    /// ```
    /// # hive::run(async {
    /// let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let std_stream = std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap();
    /// let s = hive::net::TcpStream::from_std(std_stream).unwrap();
    /// assert!(s.peer_addr().is_ok());
    /// # }).unwrap();
    /// ```
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        Self::from_mio(mio::net::TcpStream::from_std(stream), None)
    }

    /// Registers on loop `on` (or the current loop).
    pub(crate) fn from_mio(stream: mio::net::TcpStream, on: Option<LoopId>) -> io::Result<Self> {
        let io = match on {
            Some(id) => IoSource::new_on_loop(stream, id)?,
            None => IoSource::new(stream)?,
        };
        Ok(TcpStream {
            io,
            peer: std::sync::OnceLock::new(),
        })
    }

    /// Records the peer's address, known from `accept`.
    pub(crate) fn with_peer(self, peer: SocketAddr) -> Self {
        let _ = self.peer.set(peer);
        self
    }

    /// Deregisters and returns the std stream (still non-blocking).
    ///
    /// ```
    /// # hive::run(async {
    /// # let l = hive::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let s = hive::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    /// let _std: std::net::TcpStream = s.into_std();
    /// # }).unwrap();
    /// ```
    pub fn into_std(self) -> std::net::TcpStream {
        use std::os::fd::{FromRawFd, IntoRawFd};
        let fd = self.io.into_inner().into_raw_fd();
        // SAFETY: `fd` was just released by the mio stream that owned it,
        // so the std stream becomes its only owner.
        unsafe { std::net::TcpStream::from_raw_fd(fd) }
    }

    /// The remote address (asyncio's `get_extra_info('peername')`).
    ///
    /// ```
    /// # hive::run(async {
    /// # let l = hive::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let s = hive::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    /// assert!(s.peer_addr().unwrap().ip().is_loopback());
    /// # }).unwrap();
    /// ```
    #[doc(alias = "peername")]
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        if let Some(peer) = self.peer.get() {
            return Ok(*peer);
        }
        let peer = self.io.get_ref().peer_addr()?;
        let _ = self.peer.set(peer);
        Ok(peer)
    }

    /// The local address (asyncio's `get_extra_info('sockname')`).
    ///
    /// ```
    /// # hive::run(async {
    /// # let l = hive::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let s = hive::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    /// assert!(s.local_addr().unwrap().port() > 0);
    /// # }).unwrap();
    /// ```
    #[doc(alias = "sockname")]
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Sets `TCP_NODELAY` (disables Nagle's algorithm; asyncio sets it on
    /// every TCP transport, and hive's streams and servers do too).
    ///
    /// ```
    /// # hive::run(async {
    /// # let l = hive::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let s = hive::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    /// s.set_nodelay(true).unwrap();
    /// assert!(s.nodelay().unwrap());
    /// # }).unwrap();
    /// ```
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.get_ref().set_nodelay(nodelay)
    }

    /// `TCP_NODELAY`.
    ///
    /// ```
    /// # hive::run(async {
    /// # let l = hive::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let s = hive::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    /// let _ = s.nodelay().unwrap();
    /// # }).unwrap();
    /// ```
    pub fn nodelay(&self) -> io::Result<bool> {
        self.io.get_ref().nodelay()
    }

    /// Enables `SO_KEEPALIVE` with the given idle time before the first
    /// probe (`TCP_KEEPIDLE`), or disables it with `None`.
    ///
    /// ```
    /// # hive::run(async {
    /// # let l = hive::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let s = hive::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    /// s.set_keepalive(Some(std::time::Duration::from_secs(60))).unwrap();
    /// assert!(s.keepalive().unwrap());
    /// # }).unwrap();
    /// ```
    pub fn set_keepalive(&self, idle: Option<Duration>) -> io::Result<()> {
        let sock = self.socket_ref();
        match idle {
            None => sock.set_keepalive(false),
            Some(idle) => sock.set_tcp_keepalive(&socket2::TcpKeepalive::new().with_time(idle)),
        }
    }

    /// `SO_KEEPALIVE`.
    ///
    /// ```
    /// # hive::run(async {
    /// # let l = hive::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let s = hive::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    /// assert!(!s.keepalive().unwrap());
    /// # }).unwrap();
    /// ```
    pub fn keepalive(&self) -> io::Result<bool> {
        self.socket_ref().keepalive()
    }

    /// Sets `SO_LINGER`: `Some(Duration::ZERO)` makes closing send a reset
    /// and drop unsent data (what [`Transport::abort`](crate::Transport::abort)
    /// does).
    ///
    /// ```
    /// # hive::run(async {
    /// # let l = hive::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let s = hive::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    /// s.set_linger(Some(std::time::Duration::from_secs(1))).unwrap();
    /// assert_eq!(s.linger().unwrap(), Some(std::time::Duration::from_secs(1)));
    /// # }).unwrap();
    /// ```
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        self.socket_ref().set_linger(linger)
    }

    /// `SO_LINGER`.
    ///
    /// ```
    /// # hive::run(async {
    /// # let l = hive::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let s = hive::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    /// assert_eq!(s.linger().unwrap(), None);
    /// # }).unwrap();
    /// ```
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        self.socket_ref().linger()
    }
}

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpStream")
            .field("local", &self.local_addr().ok())
            .field("peer", &self.peer_addr().ok())
            .field("loop", &self.io.loop_id())
            .finish()
    }
}
