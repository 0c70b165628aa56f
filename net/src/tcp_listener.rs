//! `TcpListener`, and `TcpSocket` for options that must be set before
//! `bind`/`listen`/`connect`.

use crate::addr::{resolve, ToSocketAddrs};
use crate::stream_io::buffer_options;
use crate::TcpStream;
use hive_runtime::{IoSource, LoopId};
use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;
use std::task::{Context, Poll};
use std::time::Duration;

/// The backlog hive's listeners use unless told otherwise (Linux caps it at
/// `net.core.somaxconn`). asyncio's default is 100; a multi-core server
/// wants more.
///
/// ```
/// # hive::run(async {
/// // What `TcpListener::bind` does, spelled out with a `TcpSocket`:
/// let s = hive::net::TcpSocket::new_v4().unwrap();
/// s.set_reuseaddr(true).unwrap();
/// s.bind("127.0.0.1:0".parse().unwrap()).unwrap();
/// let _l = s.listen(hive::net::DEFAULT_BACKLOG).unwrap();
/// assert_eq!(hive::net::DEFAULT_BACKLOG, 1024);
/// # }).unwrap();
/// ```
pub const DEFAULT_BACKLOG: u32 = 1024;

/// A TCP socket listening for connections, on one loop's reactor.
///
/// ```
/// # hive::run(async {
/// let listener = hive::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
/// let addr = listener.local_addr().unwrap();
/// let client = hive::spawn(async move { hive::net::TcpStream::connect(addr).await.unwrap() });
/// let (_conn, peer) = listener.accept().await.unwrap();
/// assert_eq!(peer, client.await.unwrap().local_addr().unwrap());
/// # }).unwrap();
/// ```
pub struct TcpListener {
    pub(crate) io: IoSource<mio::net::TcpListener>,
}

buffer_options!(
    TcpListener,
    "let l = hive::net::TcpListener::bind(\"127.0.0.1:0\").await.unwrap();",
    "l"
);

impl TcpListener {
    /// Binds to the first address `addr` resolves to that works, with
    /// `SO_REUSEADDR` (as asyncio's `start_server` does) and a backlog of
    /// [`DEFAULT_BACKLOG`]. Use [`TcpSocket`] for other options.
    ///
    /// # Errors
    /// The last bind error, or the resolver's.
    ///
    /// ```
    /// # hive::run(async {
    /// let l = hive::net::TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    /// assert_ne!(l.local_addr().unwrap().port(), 0);
    /// # }).unwrap();
    /// ```
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        let addrs = resolve(addr.target()).await?;
        let mut last = None;
        for addr in addrs {
            let socket = TcpSocket::for_addr(addr)?;
            socket.set_reuseaddr(true)?;
            match socket
                .bind(addr)
                .and_then(|()| socket.listen(DEFAULT_BACKLOG))
            {
                Ok(l) => return Ok(l),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "the address resolved to nothing; check the host name",
            )
        }))
    }

    /// Wraps a bound, listening std listener (made non-blocking) on the
    /// current loop's reactor.
    ///
    /// # Errors
    /// Setting non-blocking mode or registering fails.
    ///
    /// ```
    /// # hive::run(async {
    /// let std_l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let l = hive::net::TcpListener::from_std(std_l).unwrap();
    /// assert!(l.local_addr().is_ok());
    /// # }).unwrap();
    /// ```
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        Self::from_mio(mio::net::TcpListener::from_std(listener), None)
    }

    pub(crate) fn from_mio(l: mio::net::TcpListener, on: Option<LoopId>) -> io::Result<Self> {
        let io = match on {
            Some(id) => IoSource::new_on_loop(l, id)?,
            None => IoSource::new(l)?,
        };
        Ok(TcpListener { io })
    }

    /// Waits for a connection; it is registered with the current loop's
    /// reactor (servers spread connections instead: see
    /// [`start_server`](crate::start_server)).
    ///
    /// # Errors
    /// The OS error (`EMFILE` when out of file descriptors, ...).
    ///
    /// ```
    /// # hive::run(async {
    /// let l = hive::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let addr = l.local_addr().unwrap();
    /// hive::spawn(async move { hive::net::TcpStream::connect(addr).await.unwrap() });
    /// let (conn, _peer) = l.accept().await.unwrap();
    /// assert_eq!(conn.local_addr().unwrap(), addr);
    /// # }).unwrap();
    /// ```
    #[doc(alias = "loop.sock_accept")]
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (s, peer) = poll_fn(|cx| self.poll_accept_raw(cx)).await?;
        Ok((TcpStream::from_mio(s, None)?.with_peer(peer), peer))
    }

    /// Polls `accept(2)`, returning the unregistered stream.
    pub(crate) fn poll_accept_raw(
        &self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<(mio::net::TcpStream, SocketAddr)>> {
        self.io.poll_read_with(cx, |l| l.accept())
    }

    /// The address it listens on (port 0 binds are resolved here).
    ///
    /// ```
    /// # hive::run(async {
    /// let l = hive::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// assert!(l.local_addr().unwrap().ip().is_loopback());
    /// # }).unwrap();
    /// ```
    #[doc(alias = "sockname")]
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The loop whose reactor watches this listener.
    ///
    /// ```
    /// # hive::run(async {
    /// let l = hive::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// assert_eq!(Some(l.loop_id()), hive::current_loop_id());
    /// # }).unwrap();
    /// ```
    pub fn loop_id(&self) -> LoopId {
        self.io.loop_id()
    }
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpListener")
            .field("local", &self.local_addr().ok())
            .finish()
    }
}

/// A TCP socket not yet bound or connected: set the options that must come
/// before `bind`/`listen`/`connect` (`SO_REUSEADDR`, `SO_REUSEPORT`,
/// `IPV6_V6ONLY`, buffer sizes), then [`listen`](TcpSocket::listen) or
/// [`connect`](TcpSocket::connect).
///
/// ```
/// # hive::run(async {
/// let socket = hive::net::TcpSocket::new_v4().unwrap();
/// socket.set_reuseaddr(true).unwrap();
/// socket.set_reuseport(true).unwrap();
/// socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
/// let listener = socket.listen(128).unwrap();
/// assert!(listener.local_addr().is_ok());
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct TcpSocket {
    socket: Socket,
}

impl TcpSocket {
    /// A new IPv4 TCP socket (non-blocking, close-on-exec).
    ///
    /// # Errors
    /// `socket(2)`'s error (`EMFILE`, ...).
    ///
    /// ```
    /// let _s = hive::net::TcpSocket::new_v4().unwrap();
    /// ```
    pub fn new_v4() -> io::Result<TcpSocket> {
        Self::new(Domain::IPV4)
    }

    /// A new IPv6 TCP socket (non-blocking, close-on-exec).
    ///
    /// # Errors
    /// `socket(2)`'s error; `EAFNOSUPPORT` without IPv6.
    ///
    /// ```
    /// let _s = hive::net::TcpSocket::new_v6();
    /// ```
    pub fn new_v6() -> io::Result<TcpSocket> {
        Self::new(Domain::IPV6)
    }

    /// A socket of the family of `addr`.
    pub(crate) fn for_addr(addr: SocketAddr) -> io::Result<TcpSocket> {
        Self::new(Domain::for_address(addr))
    }

    /// Where `socket(2)` takes `SOCK_NONBLOCK | SOCK_CLOEXEC`, one call.
    #[cfg(any(
        target_os = "linux",
        target_os = "android",
        target_os = "freebsd",
        target_os = "dragonfly",
        target_os = "netbsd",
        target_os = "openbsd",
        target_os = "illumos"
    ))]
    fn new(domain: Domain) -> io::Result<TcpSocket> {
        let socket = Socket::new(
            domain,
            Type::STREAM.nonblocking().cloexec(),
            Some(Protocol::TCP),
        )?;
        Ok(TcpSocket { socket })
    }

    /// macOS (and other kernels without `SOCK_NONBLOCK`/`SOCK_CLOEXEC`):
    /// socket2 sets close-on-exec (and, on Apple's, `SO_NOSIGPIPE`) right
    /// after `socket(2)`, and non-blocking mode is one more `fcntl`.
    #[cfg(not(any(
        target_os = "linux",
        target_os = "android",
        target_os = "freebsd",
        target_os = "dragonfly",
        target_os = "netbsd",
        target_os = "openbsd",
        target_os = "illumos"
    )))]
    fn new(domain: Domain) -> io::Result<TcpSocket> {
        let socket = Socket::new(domain, Type::STREAM, Some(Protocol::TCP))?;
        socket.set_nonblocking(true)?;
        Ok(TcpSocket { socket })
    }

    /// `SO_REUSEADDR`: bind a port still in `TIME_WAIT`.
    ///
    /// ```
    /// hive::net::TcpSocket::new_v4().unwrap().set_reuseaddr(true).unwrap();
    /// ```
    #[doc(alias = "reuse_address")]
    pub fn set_reuseaddr(&self, reuse: bool) -> io::Result<()> {
        self.socket.set_reuse_address(reuse)
    }

    /// `SO_REUSEPORT`: several sockets listen on one port and the kernel
    /// spreads connections over them (asyncio's `reuse_port=True`). Linux
    /// spreads them by hash; macOS and FreeBSD let the sockets share the
    /// port but do not spread connections over them.
    ///
    /// ```
    /// hive::net::TcpSocket::new_v4().unwrap().set_reuseport(true).unwrap();
    /// ```
    #[doc(alias = "reuse_port")]
    pub fn set_reuseport(&self, reuse: bool) -> io::Result<()> {
        self.socket.set_reuse_port(reuse)
    }

    /// Joins the group of listeners on this port that the kernel balances
    /// connections over (`per_loop` servers): `SO_REUSEPORT` on Linux,
    /// which hashes connections over the group.
    #[cfg(not(target_os = "freebsd"))]
    pub(crate) fn set_reuseport_balanced(&self) -> io::Result<()> {
        // macOS has no balancing variant: there this shares the port and
        // the kernel does not balance (README, "Platforms").
        self.socket.set_reuse_port(true)
    }

    /// Joins the group of listeners on this port that the kernel balances
    /// connections over (`per_loop` servers): FreeBSD's plain
    /// `SO_REUSEPORT` only shares the port, `SO_REUSEPORT_LB` (FreeBSD 12+)
    /// balances like Linux's.
    #[cfg(target_os = "freebsd")]
    pub(crate) fn set_reuseport_balanced(&self) -> io::Result<()> {
        self.socket.set_reuse_port_lb(true)
    }

    /// `IPV6_V6ONLY` (IPv6 sockets only): refuse IPv4-mapped peers.
    ///
    /// # Errors
    /// `EINVAL`-like errors on an IPv4 socket.
    ///
    /// ```
    /// if let Ok(s) = hive::net::TcpSocket::new_v6() { s.set_only_v6(true).unwrap(); }
    /// ```
    pub fn set_only_v6(&self, only_v6: bool) -> io::Result<()> {
        self.socket.set_only_v6(only_v6)
    }

    /// `SO_RCVBUF`.
    ///
    /// ```
    /// hive::net::TcpSocket::new_v4().unwrap().set_recv_buffer_size(1 << 16).unwrap();
    /// ```
    pub fn set_recv_buffer_size(&self, size: usize) -> io::Result<()> {
        self.socket.set_recv_buffer_size(size)
    }

    /// `SO_SNDBUF`.
    ///
    /// ```
    /// hive::net::TcpSocket::new_v4().unwrap().set_send_buffer_size(1 << 16).unwrap();
    /// ```
    pub fn set_send_buffer_size(&self, size: usize) -> io::Result<()> {
        self.socket.set_send_buffer_size(size)
    }

    /// `TCP_NODELAY`.
    ///
    /// ```
    /// hive::net::TcpSocket::new_v4().unwrap().set_nodelay(true).unwrap();
    /// ```
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.socket.set_tcp_nodelay(nodelay)
    }

    /// `SO_LINGER`.
    ///
    /// ```
    /// hive::net::TcpSocket::new_v4().unwrap().set_linger(None).unwrap();
    /// ```
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        self.socket.set_linger(linger)
    }

    /// `SO_KEEPALIVE` with the idle time before the first probe, or off.
    ///
    /// ```
    /// hive::net::TcpSocket::new_v4().unwrap().set_keepalive(Some(std::time::Duration::from_secs(30))).unwrap();
    /// ```
    pub fn set_keepalive(&self, idle: Option<Duration>) -> io::Result<()> {
        match idle {
            None => self.socket.set_keepalive(false),
            Some(idle) => self
                .socket
                .set_tcp_keepalive(&socket2::TcpKeepalive::new().with_time(idle)),
        }
    }

    /// The socket as `socket2::Socket`, for every other option.
    ///
    /// ```
    /// let s = hive::net::TcpSocket::new_v4().unwrap();
    /// s.as_socket().set_ttl_v4(32).unwrap();
    /// ```
    pub fn as_socket(&self) -> &Socket {
        &self.socket
    }

    /// Binds to `addr`.
    ///
    /// # Errors
    /// `bind(2)`'s error (`EADDRINUSE`, ...).
    ///
    /// ```
    /// hive::net::TcpSocket::new_v4().unwrap().bind("127.0.0.1:0".parse().unwrap()).unwrap();
    /// ```
    pub fn bind(&self, addr: SocketAddr) -> io::Result<()> {
        self.socket.bind(&SockAddr::from(addr))
    }

    /// The bound address.
    ///
    /// ```
    /// let s = hive::net::TcpSocket::new_v4().unwrap();
    /// s.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    /// assert!(s.local_addr().unwrap().port() > 0);
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket
            .local_addr()?
            .as_socket()
            .ok_or_else(|| io::Error::other("not an IP socket"))
    }

    /// Listens with `backlog` and registers with the current loop's reactor.
    ///
    /// # Errors
    /// `listen(2)`'s error, or registering fails (outside a runtime).
    ///
    /// ```
    /// # hive::run(async {
    /// let s = hive::net::TcpSocket::new_v4().unwrap();
    /// s.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    /// let _l = s.listen(64).unwrap();
    /// # }).unwrap();
    /// ```
    pub fn listen(self, backlog: u32) -> io::Result<TcpListener> {
        self.listen_on(backlog, None)
    }

    pub(crate) fn listen_on(self, backlog: u32, on: Option<LoopId>) -> io::Result<TcpListener> {
        self.socket
            .listen(i32::try_from(backlog).unwrap_or(i32::MAX))?;
        let std: std::net::TcpListener = self.socket.into();
        TcpListener::from_mio(mio::net::TcpListener::from_std(std), on)
    }

    /// Connects to one address (no Happy Eyeballs: see
    /// [`TcpStream::connect`](crate::TcpStream::connect)).
    ///
    /// # Errors
    /// The connect error (`ConnectionRefused`, ...).
    ///
    /// ```
    /// # hive::run(async {
    /// let l = hive::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let s = hive::net::TcpSocket::new_v4().unwrap();
    /// s.set_nodelay(true).unwrap();
    /// let stream = s.connect(l.local_addr().unwrap()).await.unwrap();
    /// assert!(stream.nodelay().unwrap());
    /// # }).unwrap();
    /// ```
    pub async fn connect(self, addr: SocketAddr) -> io::Result<TcpStream> {
        match self.socket.connect(&SockAddr::from(addr)) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
            Err(e) => return Err(e),
        }
        let std: std::net::TcpStream = self.socket.into();
        let stream = TcpStream::from_mio(mio::net::TcpStream::from_std(std), None)?;
        crate::connect::finish_connect(&stream, addr).await?;
        Ok(stream)
    }
}
