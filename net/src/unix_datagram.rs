//! `UnixDatagram`: Unix domain datagram sockets.

use hive_runtime::IoSource;
use std::fmt;
use std::io;
use std::os::unix::net::SocketAddr;
use std::path::Path;

/// A Unix domain datagram socket on a loop's reactor.
///
/// ```
/// # hive::run(async {
/// let (a, b) = hive::net::UnixDatagram::pair().unwrap();
/// a.send(b"dgram").await.unwrap();
/// let mut buf = [0; 8];
/// assert_eq!(b.recv(&mut buf).await.unwrap(), 5);
/// # }).unwrap();
/// ```
pub struct UnixDatagram {
    io: IoSource<mio::net::UnixDatagram>,
}

impl UnixDatagram {
    /// Binds to `path`.
    ///
    /// # Errors
    /// `EADDRINUSE` if the file exists.
    ///
    /// ```
    /// # hive::run(async {
    /// let path = std::env::temp_dir().join(format!("hive-doc-d-{}.sock", std::process::id()));
    /// let _ = std::fs::remove_file(&path);
    /// let d = hive::net::UnixDatagram::bind(&path).unwrap();
    /// # drop(d);
    /// std::fs::remove_file(&path).unwrap();
    /// # }).unwrap();
    /// ```
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixDatagram> {
        Self::from_mio(mio::net::UnixDatagram::bind(path)?)
    }

    /// A socket bound to no address (it can send, and receive replies
    /// only once connected).
    ///
    /// ```
    /// # hive::run(async {
    /// let _d = hive::net::UnixDatagram::unbound().unwrap();
    /// # }).unwrap();
    /// ```
    pub fn unbound() -> io::Result<UnixDatagram> {
        Self::from_mio(mio::net::UnixDatagram::unbound()?)
    }

    /// A connected pair.
    ///
    /// ```
    /// # hive::run(async {
    /// let (_a, _b) = hive::net::UnixDatagram::pair().unwrap();
    /// # }).unwrap();
    /// ```
    pub fn pair() -> io::Result<(UnixDatagram, UnixDatagram)> {
        let (a, b) = mio::net::UnixDatagram::pair()?;
        Ok((Self::from_mio(a)?, Self::from_mio(b)?))
    }

    fn from_mio(d: mio::net::UnixDatagram) -> io::Result<UnixDatagram> {
        Ok(UnixDatagram {
            io: IoSource::new(d)?,
        })
    }

    /// Sets the default peer.
    ///
    /// ```
    /// # hive::run(async {
    /// # let path = std::env::temp_dir().join(format!("hive-doc-c-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let server = hive::net::UnixDatagram::bind(&path).unwrap();
    /// let client = hive::net::UnixDatagram::unbound().unwrap();
    /// client.connect(&path).unwrap();
    /// client.send(b"hi").await.unwrap();
    /// assert_eq!(server.recv(&mut [0; 4]).await.unwrap(), 2);
    /// # std::fs::remove_file(&path).unwrap();
    /// # }).unwrap();
    /// ```
    pub fn connect(&self, path: impl AsRef<Path>) -> io::Result<()> {
        self.io.get_ref().connect(path)
    }

    /// Sends one datagram to the connected peer.
    ///
    /// ```
    /// # hive::run(async {
    /// let (a, _b) = hive::net::UnixDatagram::pair().unwrap();
    /// assert_eq!(a.send(b"x").await.unwrap(), 1);
    /// # }).unwrap();
    /// ```
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.write_with(|s| s.send(buf)).await
    }

    /// Receives one datagram from the connected peer.
    ///
    /// ```
    /// # hive::run(async {
    /// let (a, b) = hive::net::UnixDatagram::pair().unwrap();
    /// b.send(b"yo").await.unwrap();
    /// assert_eq!(a.recv(&mut [0; 4]).await.unwrap(), 2);
    /// # }).unwrap();
    /// ```
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.read_with(|s| s.recv(buf)).await
    }

    /// Sends one datagram to the socket at `path`.
    ///
    /// ```
    /// # hive::run(async {
    /// # let path = std::env::temp_dir().join(format!("hive-doc-t-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let server = hive::net::UnixDatagram::bind(&path).unwrap();
    /// hive::net::UnixDatagram::unbound().unwrap().send_to(b"hey", &path).await.unwrap();
    /// let mut buf = [0; 4];
    /// let (n, _from) = server.recv_from(&mut buf).await.unwrap();
    /// assert_eq!(&buf[..n], b"hey");
    /// # std::fs::remove_file(&path).unwrap();
    /// # }).unwrap();
    /// ```
    pub async fn send_to(&self, buf: &[u8], path: impl AsRef<Path>) -> io::Result<usize> {
        let path = path.as_ref();
        self.io.write_with(|s| s.send_to(buf, path)).await
    }

    /// Receives one datagram and its sender's address.
    ///
    /// ```
    /// # hive::run(async {
    /// let (a, b) = hive::net::UnixDatagram::pair().unwrap();
    /// b.send(b"z").await.unwrap();
    /// let (n, _) = a.recv_from(&mut [0; 4]).await.unwrap();
    /// assert_eq!(n, 1);
    /// # }).unwrap();
    /// ```
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.read_with(|s| s.recv_from(buf)).await
    }

    /// This socket's address.
    ///
    /// ```
    /// # hive::run(async {
    /// let (a, _b) = hive::net::UnixDatagram::pair().unwrap();
    /// assert!(a.local_addr().unwrap().is_unnamed());
    /// # }).unwrap();
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The connected peer's address.
    ///
    /// ```
    /// # hive::run(async {
    /// let (a, _b) = hive::net::UnixDatagram::pair().unwrap();
    /// assert!(a.peer_addr().is_ok());
    /// # }).unwrap();
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }
}

impl fmt::Debug for UnixDatagram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixDatagram")
            .field("local", &self.local_addr().ok())
            .finish()
    }
}
