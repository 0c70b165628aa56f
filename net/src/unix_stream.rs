//! `UnixStream` and `UnixListener`: stream sockets in the file system
//! namespace (or unnamed pairs).

use crate::stream_io::{buffer_options, stream_impls, stream_methods};
use hive_runtime::{IoSource, LoopId};
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::os::unix::net::SocketAddr;
use std::path::Path;
use std::task::{Context, Poll};

/// A Unix domain stream socket on a loop's reactor.
///
/// ```
/// # hive::run(async {
/// let (a, b) = hive::net::UnixStream::pair().unwrap();
/// a.write_all(b"hello").await.unwrap();
/// let mut buf = [0; 5];
/// b.read(&mut buf).await.unwrap();
/// assert_eq!(&buf, b"hello");
/// # }).unwrap();
/// ```
pub struct UnixStream {
    pub(crate) io: IoSource<mio::net::UnixStream>,
}

stream_impls!(UnixStream);
stream_methods!(
    UnixStream,
    "let (a, b) = hive::net::UnixStream::pair().unwrap();"
);
buffer_options!(
    UnixStream,
    "let (s, _b) = hive::net::UnixStream::pair().unwrap();",
    "s"
);

impl UnixStream {
    /// Connects to the socket at `path`.
    ///
    /// # Errors
    /// `ENOENT` if nothing is there, `ECONNREFUSED` if nobody listens.
    ///
    /// ```
    /// # hive::run(async {
    /// let path = std::env::temp_dir().join(format!("hive-doc-{}.sock", std::process::id()));
    /// let _ = std::fs::remove_file(&path);
    /// let l = hive::net::UnixListener::bind(&path).unwrap();
    /// let _c = hive::net::UnixStream::connect(&path).await.unwrap();
    /// let _ = l.accept().await.unwrap();
    /// std::fs::remove_file(&path).unwrap();
    /// # }).unwrap();
    /// ```
    pub async fn connect(path: impl AsRef<Path>) -> io::Result<UnixStream> {
        let stream = Self::from_mio(mio::net::UnixStream::connect(path)?, None)?;
        stream
            .io
            .write_with(|s| {
                if let Some(e) = s.take_error()? {
                    return Err(e);
                }
                Ok(())
            })
            .await?;
        Ok(stream)
    }

    /// A connected pair (asyncio's `socket.socketpair` + `open_unix_connection(sock=)`).
    ///
    /// # Errors
    /// `socketpair(2)`'s error, or registering fails.
    ///
    /// ```
    /// # hive::run(async {
    /// let (_a, _b) = hive::net::UnixStream::pair().unwrap();
    /// # }).unwrap();
    /// ```
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = mio::net::UnixStream::pair()?;
        Ok((Self::from_mio(a, None)?, Self::from_mio(b, None)?))
    }

    /// Wraps a connected std stream (made non-blocking) on the current loop.
    ///
    /// # Errors
    /// Setting non-blocking mode or registering fails.
    ///
    /// ```
    /// # hive::run(async {
    /// let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// let _a = hive::net::UnixStream::from_std(a).unwrap();
    /// # }).unwrap();
    /// ```
    pub fn from_std(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        stream.set_nonblocking(true)?;
        Self::from_mio(mio::net::UnixStream::from_std(stream), None)
    }

    pub(crate) fn from_mio(s: mio::net::UnixStream, on: Option<LoopId>) -> io::Result<Self> {
        let io = match on {
            Some(id) => IoSource::new_on_loop(s, id)?,
            None => IoSource::new(s)?,
        };
        Ok(UnixStream { io })
    }

    /// The peer's address (unnamed for pairs and most clients).
    ///
    /// ```
    /// # hive::run(async {
    /// let (a, _b) = hive::net::UnixStream::pair().unwrap();
    /// assert!(a.peer_addr().unwrap().is_unnamed());
    /// # }).unwrap();
    /// ```
    #[doc(alias = "peername")]
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// This socket's address.
    ///
    /// ```
    /// # hive::run(async {
    /// let (a, _b) = hive::net::UnixStream::pair().unwrap();
    /// assert!(a.local_addr().unwrap().is_unnamed());
    /// # }).unwrap();
    /// ```
    #[doc(alias = "sockname")]
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }
}

impl fmt::Debug for UnixStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixStream")
            .field("local", &self.local_addr().ok())
            .field("peer", &self.peer_addr().ok())
            .finish()
    }
}

/// A Unix domain socket listening for connections.
///
/// The socket file is not removed on drop (as in asyncio before 3.13's
/// `cleanup_socket`); [`start_unix_server`](crate::start_unix_server)'s
/// server removes it on close.
///
/// ```
/// # hive::run(async {
/// let path = std::env::temp_dir().join(format!("hive-doc-l-{}.sock", std::process::id()));
/// let _ = std::fs::remove_file(&path);
/// let l = hive::net::UnixListener::bind(&path).unwrap();
/// let p = path.clone();
/// hive::spawn(async move { hive::net::UnixStream::connect(p).await.unwrap() });
/// let (_s, _addr) = l.accept().await.unwrap();
/// std::fs::remove_file(&path).unwrap();
/// # }).unwrap();
/// ```
pub struct UnixListener {
    pub(crate) io: IoSource<mio::net::UnixListener>,
}

impl UnixListener {
    /// Binds and listens at `path` on the current loop's reactor.
    ///
    /// # Errors
    /// `EADDRINUSE` if the file exists (remove stale sockets first).
    ///
    /// ```
    /// # hive::run(async {
    /// let path = std::env::temp_dir().join(format!("hive-doc-b-{}.sock", std::process::id()));
    /// let _ = std::fs::remove_file(&path);
    /// let l = hive::net::UnixListener::bind(&path).unwrap();
    /// assert_eq!(l.local_addr().unwrap().as_pathname(), Some(path.as_path()));
    /// std::fs::remove_file(&path).unwrap();
    /// # }).unwrap();
    /// ```
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        Self::bind_on(path.as_ref(), None)
    }

    pub(crate) fn bind_on(path: &Path, on: Option<LoopId>) -> io::Result<UnixListener> {
        let l = mio::net::UnixListener::bind(path)?;
        let io = match on {
            Some(id) => IoSource::new_on_loop(l, id)?,
            None => IoSource::new(l)?,
        };
        Ok(UnixListener { io })
    }

    /// Wraps a listening std listener (made non-blocking).
    ///
    /// # Errors
    /// Setting non-blocking mode or registering fails.
    ///
    /// ```
    /// # hive::run(async {
    /// let path = std::env::temp_dir().join(format!("hive-doc-s-{}.sock", std::process::id()));
    /// let _ = std::fs::remove_file(&path);
    /// let l = hive::net::UnixListener::from_std(std::os::unix::net::UnixListener::bind(&path).unwrap()).unwrap();
    /// # drop(l);
    /// std::fs::remove_file(&path).unwrap();
    /// # }).unwrap();
    /// ```
    pub fn from_std(listener: std::os::unix::net::UnixListener) -> io::Result<UnixListener> {
        listener.set_nonblocking(true)?;
        let io = IoSource::new(mio::net::UnixListener::from_std(listener))?;
        Ok(UnixListener { io })
    }

    /// Waits for a connection (registered with the current loop).
    ///
    /// # Errors
    /// The OS error (`EMFILE`, ...).
    ///
    /// ```
    /// # hive::run(async {
    /// # let path = std::env::temp_dir().join(format!("hive-doc-a-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let l = hive::net::UnixListener::bind(&path).unwrap();
    /// let c = hive::net::UnixStream::connect(&path).await.unwrap();
    /// let (s, _) = l.accept().await.unwrap();
    /// c.write_all(b"x").await.unwrap();
    /// assert_eq!(s.read(&mut [0; 1]).await.unwrap(), 1);
    /// # std::fs::remove_file(&path).unwrap();
    /// # }).unwrap();
    /// ```
    pub async fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        let (s, addr) = poll_fn(|cx| self.poll_accept_raw(cx)).await?;
        Ok((UnixStream::from_mio(s, None)?, addr))
    }

    pub(crate) fn poll_accept_raw(
        &self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<(mio::net::UnixStream, SocketAddr)>> {
        self.io.poll_read_with(cx, |l| l.accept())
    }

    /// The address it listens on.
    ///
    /// ```
    /// # hive::run(async {
    /// # let path = std::env::temp_dir().join(format!("hive-doc-n-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let l = hive::net::UnixListener::bind(&path).unwrap();
    /// assert!(l.local_addr().unwrap().as_pathname().is_some());
    /// # std::fs::remove_file(&path).unwrap();
    /// # }).unwrap();
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }
}

impl fmt::Debug for UnixListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixListener")
            .field("local", &self.local_addr().ok())
            .finish()
    }
}
