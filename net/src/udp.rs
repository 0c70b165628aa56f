//! `UdpSocket`: datagrams on a loop's reactor.

use crate::addr::{resolve, ToSocketAddrs};
use crate::stream_io::buffer_options;
use hive_runtime::IoSource;
use std::fmt;
use std::io;
use std::net::SocketAddr;

/// A UDP socket on a loop's reactor.
///
/// ```
/// # hive::run(async {
/// let a = hive::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
/// let b = hive::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
/// a.send_to(b"ping", b.local_addr().unwrap()).await.unwrap();
/// let mut buf = [0; 16];
/// let (n, from) = b.recv_from(&mut buf).await.unwrap();
/// assert_eq!((&buf[..n], from), (&b"ping"[..], a.local_addr().unwrap()));
/// # }).unwrap();
/// ```
pub struct UdpSocket {
    pub(crate) io: IoSource<mio::net::UdpSocket>,
}

buffer_options!(
    UdpSocket,
    "let u = hive::net::UdpSocket::bind(\"127.0.0.1:0\").await.unwrap();",
    "u"
);

impl UdpSocket {
    /// Binds to the first address `addr` resolves to that works.
    ///
    /// # Errors
    /// The last bind error, or the resolver's.
    ///
    /// ```
    /// # hive::run(async {
    /// let u = hive::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// assert_ne!(u.local_addr().unwrap().port(), 0);
    /// # }).unwrap();
    /// ```
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<UdpSocket> {
        let mut last = None;
        for addr in resolve(addr.target()).await? {
            match mio::net::UdpSocket::bind(addr) {
                Ok(s) => return Self::from_mio(s),
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

    /// Wraps a bound std socket (made non-blocking) on the current loop.
    ///
    /// # Errors
    /// Setting non-blocking mode or registering fails.
    ///
    /// ```
    /// # hive::run(async {
    /// let u = hive::net::UdpSocket::from_std(std::net::UdpSocket::bind("127.0.0.1:0").unwrap()).unwrap();
    /// # drop(u);
    /// # }).unwrap();
    /// ```
    pub fn from_std(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        socket.set_nonblocking(true)?;
        Self::from_mio(mio::net::UdpSocket::from_std(socket))
    }

    pub(crate) fn from_mio(s: mio::net::UdpSocket) -> io::Result<UdpSocket> {
        Ok(UdpSocket {
            io: IoSource::new(s)?,
        })
    }

    /// Sets the default peer: [`send`](UdpSocket::send) goes there and only
    /// its datagrams are received.
    ///
    /// # Errors
    /// `connect(2)`'s error, or the resolver's.
    ///
    /// ```
    /// # hive::run(async {
    /// let a = hive::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// let b = hive::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// a.connect(b.local_addr().unwrap()).await.unwrap();
    /// a.send(b"hi").await.unwrap();
    /// assert_eq!(b.recv(&mut [0; 4]).await.unwrap(), 2);
    /// # }).unwrap();
    /// ```
    pub async fn connect(&self, addr: impl ToSocketAddrs) -> io::Result<()> {
        let mut last = None;
        for addr in resolve(addr.target()).await? {
            match self.io.get_ref().connect(addr) {
                Ok(()) => return Ok(()),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "the address resolved to nothing",
            )
        }))
    }

    /// Sends one datagram to `target`.
    ///
    /// # Errors
    /// `sendto(2)`'s error (`EMSGSIZE` for a datagram too large, ...).
    ///
    /// ```
    /// # hive::run(async {
    /// let a = hive::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// assert_eq!(a.send_to(b"x", a.local_addr().unwrap()).await.unwrap(), 1);
    /// # }).unwrap();
    /// ```
    #[doc(alias = "sendto")]
    pub async fn send_to(&self, buf: &[u8], target: SocketAddr) -> io::Result<usize> {
        self.io.write_with(|s| s.send_to(buf, target)).await
    }

    /// Receives one datagram and its sender; a datagram longer than `buf`
    /// is truncated.
    ///
    /// ```
    /// # hive::run(async {
    /// let a = hive::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// a.send_to(b"self", a.local_addr().unwrap()).await.unwrap();
    /// let mut buf = [0; 8];
    /// let (n, _) = a.recv_from(&mut buf).await.unwrap();
    /// assert_eq!(&buf[..n], b"self");
    /// # }).unwrap();
    /// ```
    #[doc(alias = "recvfrom")]
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.read_with(|s| s.recv_from(buf)).await
    }

    /// Sends one datagram to the connected peer.
    ///
    /// # Errors
    /// `ENOTCONN`-like errors when not connected.
    ///
    /// ```
    /// # hive::run(async {
    /// let a = hive::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// a.connect(a.local_addr().unwrap()).await.unwrap();
    /// assert_eq!(a.send(b"me").await.unwrap(), 2);
    /// # }).unwrap();
    /// ```
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.write_with(|s| s.send(buf)).await
    }

    /// Receives one datagram from the connected peer.
    ///
    /// ```
    /// # hive::run(async {
    /// let a = hive::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// a.connect(a.local_addr().unwrap()).await.unwrap();
    /// a.send(b"me").await.unwrap();
    /// assert_eq!(a.recv(&mut [0; 4]).await.unwrap(), 2);
    /// # }).unwrap();
    /// ```
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.read_with(|s| s.recv(buf)).await
    }

    /// Polls a receive (for protocol drivers).
    pub(crate) fn poll_recv_from(
        &self,
        cx: &mut std::task::Context<'_>,
        buf: &mut [u8],
    ) -> std::task::Poll<io::Result<(usize, SocketAddr)>> {
        self.io.poll_read_with(cx, |s| s.recv_from(buf))
    }

    /// Polls a send (for protocol drivers).
    pub(crate) fn poll_send_to(
        &self,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
        target: Option<SocketAddr>,
    ) -> std::task::Poll<io::Result<usize>> {
        self.io.poll_write_with(cx, |s| match target {
            Some(t) => s.send_to(buf, t),
            None => s.send(buf),
        })
    }

    /// Waits until a datagram can be received.
    ///
    /// ```
    /// # hive::run(async {
    /// let a = hive::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// a.send_to(b"x", a.local_addr().unwrap()).await.unwrap();
    /// a.readable().await.unwrap();
    /// # }).unwrap();
    /// ```
    pub async fn readable(&self) -> io::Result<()> {
        self.io.readable().await
    }

    /// Waits until a datagram can be sent.
    ///
    /// ```
    /// # hive::run(async {
    /// let a = hive::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// a.writable().await.unwrap();
    /// # }).unwrap();
    /// ```
    pub async fn writable(&self) -> io::Result<()> {
        self.io.writable().await
    }

    /// The bound address.
    ///
    /// ```
    /// # hive::run(async {
    /// let a = hive::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// assert!(a.local_addr().unwrap().ip().is_loopback());
    /// # }).unwrap();
    /// ```
    #[doc(alias = "sockname")]
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The connected peer's address.
    ///
    /// # Errors
    /// `NotConnected` before [`connect`](UdpSocket::connect).
    ///
    /// ```
    /// # hive::run(async {
    /// let a = hive::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// assert!(a.peer_addr().is_err());
    /// # }).unwrap();
    /// ```
    #[doc(alias = "peername")]
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// `SO_BROADCAST`.
    ///
    /// ```
    /// # hive::run(async {
    /// let a = hive::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// a.set_broadcast(true).unwrap();
    /// # }).unwrap();
    /// ```
    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_broadcast(on)
    }
}

impl fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UdpSocket")
            .field("local", &self.local_addr().ok())
            .finish()
    }
}
