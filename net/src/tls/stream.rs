//! [`TlsStream`]: a TCP or Unix stream with a rustls session on top; an
//! `AsyncRead + AsyncWrite` like the socket under it.
//!
//! The session sits behind a short mutex because a connection's reader and
//! its writer (or the writer's background flusher) run in different tasks,
//! maybe on different loops, and both drive the one rustls state machine.
//! The lock is never held across an await: every step under it is a
//! non-blocking syscall or rustls' own in-memory work. Readiness waits go
//! through the socket's `IoSource`, one direction each, so a reader waiting
//! for ciphertext and a writer waiting for room never steal each other's
//! wake-ups.
//!
//! Ordering of the read path, which keeps wake-ups from being lost: drain
//! decrypted plaintext first, and only when rustls has none ask the socket
//! (which registers the waker); data that arrived with the handshake is
//! therefore never stranded behind a readiness edge that was already used.

use super::{TlsAcceptor, TlsConnector, TlsError, TlsInfo};
use crate::conn::{Addr, Conn};
use crate::loom::sync::{Arc, Mutex};
use crate::{TcpStream, UnixStream};
use rustls::pki_types::ServerName;
use std::fmt;
use std::future::poll_fn;
use std::io::{self, IoSlice, Read, Write};
use std::net::Shutdown;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

/// A TLS connection over a TCP or Unix stream. It reads and writes
/// plaintext like the socket under it (`futures_io::AsyncRead` and
/// `AsyncWrite`, for `TlsStream` and `&TlsStream`), so codecs, hyper and
/// the streams API stack on it unchanged.
///
/// Most code never names it: `open_connection(..).ssl(..)` and
/// `start_server(..).ssl(..)` hand out a `StreamReader`/`StreamWriter`
/// pair over one. Use it directly to put TLS on a socket you made.
///
/// ```
/// # hive::run(async {
/// let key = rcgen::KeyPair::generate().unwrap();
/// let cert = rcgen::CertificateParams::new(vec!["localhost".into()]).unwrap().self_signed(&key).unwrap();
/// let acceptor = hive::net::tls::TlsAcceptor::from_pem(cert.pem().as_bytes(), key.serialize_pem().as_bytes()).unwrap();
/// let connector = hive::net::tls::TlsConnector::from_root_pem(cert.pem().as_bytes()).unwrap();
///
/// let (a, b) = hive::net::UnixStream::pair().unwrap();
/// let server = hive::spawn(async move {
///     let tls = hive::net::tls::TlsStream::accept(&acceptor, a).await.unwrap();
///     let mut buf = [0; 5];
///     let n = tls.read(&mut buf).await.unwrap();
///     tls.write_all(&buf[..n]).await.unwrap();
///     tls.shutdown().await.unwrap();
/// });
/// let tls = hive::net::tls::TlsStream::connect(&connector, "localhost", b).await.unwrap();
/// tls.write_all(b"hello").await.unwrap();
/// let mut buf = [0; 5];
/// tls.read(&mut buf).await.unwrap();
/// assert_eq!(&buf, b"hello");
/// server.await.unwrap();
/// # }).unwrap();
/// ```
pub struct TlsStream {
    /// The socket (`Conn::Tcp` or `Conn::Unix`).
    io: Conn,
    session: Mutex<Session>,
    peer: Option<Addr>,
    shutdown_timeout: Duration,
}

struct Session {
    tls: rustls::Connection,
    close_notify_sent: bool,
}

/// A socket TLS can run over: [`TcpStream`] or [`UnixStream`]. Sealed.
///
/// ```
/// fn over<S: hive::net::tls::TlsSocket>(_s: S) {}
/// # hive::run(async {
/// let (a, _b) = hive::net::UnixStream::pair().unwrap();
/// over(a);
/// # }).unwrap();
/// ```
pub trait TlsSocket: sealed::Sealed {}

mod sealed {
    /// Turns the socket into the connection type the session drives.
    pub trait Sealed {
        // The trait is unnameable outside the crate, so the crate-private
        // return type never leaks.
        #[allow(private_interfaces)]
        fn into_conn(self) -> crate::conn::Conn;
    }
}

impl TlsSocket for TcpStream {}
impl sealed::Sealed for TcpStream {
    #[allow(private_interfaces)]
    fn into_conn(self) -> Conn {
        Conn::Tcp(Arc::new(self))
    }
}
impl TlsSocket for UnixStream {}
impl sealed::Sealed for UnixStream {
    #[allow(private_interfaces)]
    fn into_conn(self) -> Conn {
        Conn::Unix(Arc::new(self))
    }
}

/// The socket as blocking-style `Read`/`Write` for rustls: a `Pending`
/// poll (which registered `cx`'s waker) reads as `WouldBlock`.
struct PolledSocket<'a, 'b> {
    io: &'a Conn,
    cx: &'a mut Context<'b>,
}

impl Read for PolledSocket<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.io.poll_read(self.cx, buf) {
            Poll::Ready(r) => r,
            Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
        }
    }
}

impl Write for PolledSocket<'_, '_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.io.poll_write(self.cx, buf) {
            Poll::Ready(r) => r,
            Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
        }
    }
    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        match self.io.poll_write_vectored(self.cx, bufs) {
            Poll::Ready(r) => r,
            Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The socket written without a waker: one non-blocking `writev`, for
/// `StreamWriter::write`'s send-at-once path and for best-effort alerts.
struct TrySocket<'a>(&'a Conn);

impl Write for TrySocket<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.try_write(buf)
    }
    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.0.try_write_vectored(bufs)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Session {
    /// Writes queued ciphertext until none is left or the socket is full.
    fn poll_send(&mut self, io: &Conn, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.tls.wants_write() {
            match self.tls.write_tls(&mut PolledSocket { io, cx }) {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Poll::Pending,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
        Poll::Ready(Ok(()))
    }

    /// Writes queued ciphertext without registering for readiness; what
    /// the socket does not take stays queued.
    fn try_send(&mut self, io: &Conn) -> io::Result<()> {
        while self.tls.wants_write() {
            match self.tls.write_tls(&mut TrySocket(io)) {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

impl TlsStream {
    fn new(io: Conn, tls: rustls::Connection, shutdown_timeout: Duration) -> TlsStream {
        TlsStream {
            peer: io.peer_addr().ok(),
            io,
            session: Mutex::new(Session {
                tls,
                close_notify_sent: false,
            }),
            shutdown_timeout,
        }
    }

    /// Runs the client handshake over `socket`, checking the server's
    /// certificate against `connector`'s roots and `server_name`
    /// (asyncio's `server_hostname=`, also sent as SNI), within the
    /// connector's handshake timeout.
    ///
    /// # Errors
    /// A [`TlsError`] (inside the `io::Error`): not trusted, hostname
    /// mismatch, timeout, handshake failure; `InvalidInput` if
    /// `server_name` is neither a DNS name nor an IP address.
    ///
    /// ```
    /// # hive::run(async {
    /// # let key = rcgen::KeyPair::generate().unwrap();
    /// # let cert = rcgen::CertificateParams::new(vec!["localhost".into()]).unwrap().self_signed(&key).unwrap();
    /// # let acceptor = hive::net::tls::TlsAcceptor::from_pem(cert.pem().as_bytes(), key.serialize_pem().as_bytes()).unwrap();
    /// let connector = hive::net::tls::TlsConnector::from_root_pem(cert.pem().as_bytes()).unwrap();
    /// let listener = hive::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let addr = listener.local_addr().unwrap();
    /// hive::spawn(async move {
    ///     let (sock, _) = listener.accept().await.unwrap();
    ///     let _ = hive::net::tls::TlsStream::accept(&acceptor, sock).await;
    /// });
    /// let sock = hive::net::TcpStream::connect(addr).await.unwrap();
    /// let tls = hive::net::tls::TlsStream::connect(&connector, "localhost", sock).await.unwrap();
    /// assert!(tls.tls_info().protocol_version().is_some());
    /// # }).unwrap();
    /// ```
    pub async fn connect(
        connector: &TlsConnector,
        server_name: &str,
        socket: impl TlsSocket,
    ) -> io::Result<TlsStream> {
        Self::connect_conn(
            connector,
            server_name,
            sealed::Sealed::into_conn(socket),
            connector.handshake_timeout,
            None,
        )
        .await
    }

    /// Runs the server handshake over `socket` with `acceptor`'s
    /// certificate, within its handshake timeout.
    ///
    /// # Errors
    /// A [`TlsError`] (inside the `io::Error`).
    ///
    /// ```
    /// # hive::run(async {
    /// # let key = rcgen::KeyPair::generate().unwrap();
    /// # let cert = rcgen::CertificateParams::new(vec!["localhost".into()]).unwrap().self_signed(&key).unwrap();
    /// let acceptor = hive::net::tls::TlsAcceptor::from_pem(cert.pem().as_bytes(), key.serialize_pem().as_bytes()).unwrap();
    /// # let connector = hive::net::tls::TlsConnector::from_root_pem(cert.pem().as_bytes()).unwrap();
    /// let (a, b) = hive::net::UnixStream::pair().unwrap();
    /// let client = hive::spawn(async move {
    ///     let tls = hive::net::tls::TlsStream::connect(&connector, "localhost", b).await.unwrap();
    ///     tls.write_all(b"hi").await.unwrap();
    ///     tls.shutdown().await.unwrap();
    /// });
    /// let tls = hive::net::tls::TlsStream::accept(&acceptor, a).await.unwrap();
    /// let mut buf = [0; 2];
    /// assert_eq!(tls.read(&mut buf).await.unwrap(), 2);
    /// client.await.unwrap();
    /// # }).unwrap();
    /// ```
    pub async fn accept(acceptor: &TlsAcceptor, socket: impl TlsSocket) -> io::Result<TlsStream> {
        Self::accept_conn(
            acceptor,
            sealed::Sealed::into_conn(socket),
            acceptor.handshake_timeout,
            None,
        )
        .await
    }

    /// The client handshake over a connection; `already_read` is
    /// ciphertext a `StreamReader` took off the socket before `start_tls`.
    pub(crate) async fn connect_conn(
        connector: &TlsConnector,
        server_name: &str,
        io: Conn,
        timeout: Duration,
        already_read: Option<&[u8]>,
    ) -> io::Result<TlsStream> {
        let name = ServerName::try_from(server_name.to_owned()).map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "{server_name:?} is not a valid server_hostname; give the DNS name or IP address the certificate names"
                ),
            )
        })?;
        let session = rustls::ClientConnection::new(connector.config.clone(), name)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let stream = TlsStream::new(io, session.into(), connector.shutdown_timeout);
        stream
            .handshake(Some(server_name), timeout, already_read)
            .await?;
        Ok(stream)
    }

    /// The server handshake over a connection (see `connect_conn`).
    pub(crate) async fn accept_conn(
        acceptor: &TlsAcceptor,
        io: Conn,
        timeout: Duration,
        already_read: Option<&[u8]>,
    ) -> io::Result<TlsStream> {
        let session = rustls::ServerConnection::new(acceptor.config.clone())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let stream = TlsStream::new(io, session.into(), acceptor.shutdown_timeout);
        stream.handshake(None, timeout, already_read).await?;
        Ok(stream)
    }

    async fn handshake(
        &self,
        server_name: Option<&str>,
        timeout: Duration,
        already_read: Option<&[u8]>,
    ) -> io::Result<()> {
        if let Some(mut bytes) = already_read {
            let mut s = self.session.lock();
            while !bytes.is_empty() {
                s.tls.read_tls(&mut bytes)?;
                if let Err(e) = s.tls.process_new_packets() {
                    let _ = s.try_send(&self.io);
                    return Err(TlsError::handshake(self.peer.clone(), server_name, e).into());
                }
            }
        }
        let steps = poll_fn(|cx| self.poll_handshake(cx, server_name));
        match hive_runtime::timeout(timeout, steps).await {
            Ok(result) => result,
            Err(_elapsed) => Err(TlsError::HandshakeTimeout {
                peer: self.peer.clone(),
                after: timeout,
            }
            .into()),
        }
    }

    fn poll_handshake(
        &self,
        cx: &mut Context<'_>,
        server_name: Option<&str>,
    ) -> Poll<io::Result<()>> {
        let mut s = self.session.lock();
        loop {
            let sent = ready!(s.poll_send(&self.io, cx));
            if !s.tls.is_handshaking() {
                // Done. A send that failed here carried only what follows
                // the handshake (TLS 1.3 session tickets) to a peer that
                // already left; the next read or write reports that.
                return Poll::Ready(Ok(()));
            }
            sent?;
            match s.tls.read_tls(&mut PolledSocket { io: &self.io, cx }) {
                Ok(0) => {
                    return Poll::Ready(Err(TlsError::UnexpectedEof {
                        peer: self.peer.clone(),
                        during_handshake: true,
                    }
                    .into()))
                }
                Ok(_) => {
                    if let Err(e) = s.tls.process_new_packets() {
                        // Tell the peer why (rustls queued an alert).
                        let _ = s.try_send(&self.io);
                        return Poll::Ready(Err(TlsError::handshake(
                            self.peer.clone(),
                            server_name,
                            e,
                        )
                        .into()));
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Poll::Pending,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }

    /// Reads decrypted bytes; `Ok(0)` once the peer sent `close_notify`.
    pub(crate) fn poll_read_plain(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        self.poll_read_plain_with(cx, |reader| reader.read(buf))
    }

    /// [`poll_read_plain`](Self::poll_read_plain) into memory that need
    /// not be initialised: copies out of rustls' own plaintext buffer.
    pub(crate) fn poll_read_plain_uninit(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [std::mem::MaybeUninit<u8>],
    ) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        self.poll_read_plain_with(cx, |reader| {
            let chunk = io::BufRead::fill_buf(reader)?;
            let n = chunk.len().min(buf.len());
            // SAFETY: `chunk` and `buf` are distinct allocations (rustls'
            // buffer and the caller's), both valid for `n` bytes since `n`
            // is at most either length; u8 has no alignment needs.
            unsafe {
                std::ptr::copy_nonoverlapping(chunk.as_ptr(), buf.as_mut_ptr().cast::<u8>(), n);
            }
            io::BufRead::consume(reader, n);
            Ok(n)
        })
    }

    /// Runs `read` on the plaintext reader, feeding the session from the
    /// socket while it would block.
    fn poll_read_plain_with(
        &self,
        cx: &mut Context<'_>,
        mut read: impl FnMut(&mut rustls::Reader<'_>) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        let mut s = self.session.lock();
        loop {
            match read(&mut s.tls.reader()) {
                Ok(n) => return Poll::Ready(Ok(n)),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    return Poll::Ready(Err(TlsError::UnexpectedEof {
                        peer: self.peer.clone(),
                        during_handshake: false,
                    }
                    .into()))
                }
                Err(e) => return Poll::Ready(Err(e)),
            }
            match s.tls.read_tls(&mut PolledSocket { io: &self.io, cx }) {
                // EOF from the socket: rustls records it, and the next
                // `reader().read` says whether close_notify came first.
                Ok(0) => {}
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Poll::Pending,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Poll::Ready(Err(e)),
            }
            if let Err(e) = s.tls.process_new_packets() {
                let _ = s.try_send(&self.io);
                return Poll::Ready(Err(TlsError::Protocol {
                    peer: self.peer.clone(),
                    source: e,
                }
                .into()));
            }
            // Records such as a key update (or, right after the handshake,
            // the server's session tickets) want sending; send them if the
            // socket has room, else the next write carries them. A failure
            // here is not the read's: a peer that sent its data and closed
            // cannot take them (EPIPE), and the data it sent must still be
            // read; the next write or flush reports the error.
            if s.tls.wants_write() {
                let _ = s.try_send(&self.io);
            }
        }
    }

    /// Encrypts some of `bufs` once earlier ciphertext is out; sends what
    /// the socket takes now, and keeps the rest for `poll_flush_tls`.
    pub(crate) fn poll_write_plain(
        &self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let mut s = self.session.lock();
        // Backpressure: accept new plaintext only once the ciphertext of
        // the last write has left, so the session holds at most one
        // write's worth (bounded by rustls' buffer limit).
        ready!(s.poll_send(&self.io, cx))?;
        let n = s.tls.writer().write_vectored(bufs)?;
        match s.poll_send(&self.io, cx) {
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            // Accepted either way: a `Pending` send leaves the waker
            // registered, and the caller flushes later.
            _ => Poll::Ready(Ok(n)),
        }
    }

    /// `poll_write_plain` without a waker: `WouldBlock` while earlier
    /// ciphertext is still queued (the caller buffers and flushes).
    pub(crate) fn try_write_plain(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        let mut s = self.session.lock();
        s.try_send(&self.io)?;
        if s.tls.wants_write() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let n = s.tls.writer().write_vectored(bufs)?;
        s.try_send(&self.io)?;
        Ok(n)
    }

    /// True while encrypted bytes wait to be sent.
    pub(crate) fn has_queued_output(&self) -> bool {
        self.session.lock().tls.wants_write()
    }

    /// Sends every queued encrypted byte.
    pub(crate) fn poll_flush_tls(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.session.lock().poll_send(&self.io, cx)
    }

    /// Sends `close_notify` (once) after the queued data, then shuts the
    /// socket down `how`.
    pub(crate) fn poll_close_notify(
        &self,
        cx: &mut Context<'_>,
        how: Shutdown,
    ) -> Poll<io::Result<()>> {
        let mut s = self.session.lock();
        if !s.close_notify_sent {
            s.close_notify_sent = true;
            s.tls.send_close_notify();
        }
        ready!(s.poll_send(&self.io, cx))?;
        Poll::Ready(self.io.shutdown(how))
    }

    /// The socket under the session.
    pub(crate) fn conn(&self) -> &Conn {
        &self.io
    }

    /// How long a graceful close may take before it becomes an abort.
    pub(crate) fn shutdown_timeout(&self) -> Duration {
        self.shutdown_timeout
    }

    /// What the handshake agreed on: ALPN protocol, SNI, the peer's
    /// certificates, version, cipher suite.
    ///
    /// ```
    /// # fn f(tls: &hive::net::tls::TlsStream) {
    /// println!("{:?}", tls.tls_info().alpn_protocol());
    /// # }
    /// ```
    #[doc(alias = "get_extra_info")]
    pub fn tls_info(&self) -> TlsInfo {
        TlsInfo::of(&self.session.lock().tls)
    }

    /// The peer's address.
    ///
    /// ```
    /// # fn f(tls: &hive::net::tls::TlsStream) {
    /// println!("{:?}", tls.peer_addr());
    /// # }
    /// ```
    #[doc(alias = "peername")]
    pub fn peer_addr(&self) -> io::Result<Addr> {
        self.io.peer_addr()
    }

    /// The local address.
    ///
    /// ```
    /// # fn f(tls: &hive::net::tls::TlsStream) {
    /// println!("{:?}", tls.local_addr());
    /// # }
    /// ```
    #[doc(alias = "sockname")]
    pub fn local_addr(&self) -> io::Result<Addr> {
        self.io.local_addr()
    }

    /// The TCP socket under the session, for options (writing to it
    /// directly would corrupt the TLS stream).
    ///
    /// ```
    /// # fn f(tls: &hive::net::tls::TlsStream) {
    /// if let Some(tcp) = tls.tcp_stream() { tcp.set_nodelay(true).unwrap(); }
    /// # }
    /// ```
    pub fn tcp_stream(&self) -> Option<&TcpStream> {
        match &self.io {
            Conn::Tcp(s) => Some(s),
            _ => None,
        }
    }

    /// Reads decrypted bytes into `buf`; `Ok(0)` at a clean end of stream
    /// (the peer's `close_notify`).
    ///
    /// # Errors
    /// [`TlsError::UnexpectedEof`] if the peer closed without
    /// `close_notify`; [`TlsError::Protocol`] on a bad record.
    ///
    /// ```
    /// # async fn f(tls: &hive::net::tls::TlsStream) {
    /// let mut buf = [0; 1024];
    /// let n = tls.read(&mut buf).await.unwrap();
    /// # let _ = n;
    /// # }
    /// ```
    pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        poll_fn(|cx| self.poll_read_plain(cx, buf)).await
    }

    /// Encrypts and sends all of `buf`.
    ///
    /// # Errors
    /// The socket's error.
    ///
    /// ```
    /// # async fn f(tls: &hive::net::tls::TlsStream) {
    /// tls.write_all(b"hello").await.unwrap();
    /// # }
    /// ```
    pub async fn write_all(&self, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            let n = poll_fn(|cx| self.poll_write_plain(cx, &[IoSlice::new(buf)])).await?;
            buf = &buf[n..];
        }
        poll_fn(|cx| self.poll_flush_tls(cx)).await
    }

    /// Sends `close_notify` and shuts the write side down: the peer reads
    /// a clean end of stream; reading goes on.
    ///
    /// # Errors
    /// The socket's error.
    ///
    /// ```
    /// # async fn f(tls: &hive::net::tls::TlsStream) {
    /// tls.shutdown().await.unwrap();
    /// # }
    /// ```
    #[doc(alias = "unwrap")]
    pub async fn shutdown(&self) -> io::Result<()> {
        poll_fn(|cx| self.poll_close_notify(cx, Shutdown::Write)).await
    }
}

macro_rules! tls_async_io {
    ($ty:ty) => {
        impl futures_io::AsyncRead for $ty {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                self.poll_read_plain(cx, buf)
            }
        }

        impl futures_io::AsyncWrite for $ty {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                self.poll_write_plain(cx, &[IoSlice::new(buf)])
            }
            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                self.poll_write_plain(cx, bufs)
            }
            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.poll_flush_tls(cx)
            }
            /// Sends `close_notify` and shuts the write side down.
            fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.poll_close_notify(cx, Shutdown::Write)
            }
        }
    };
}

tls_async_io!(TlsStream);
tls_async_io!(&TlsStream);

impl fmt::Debug for TlsStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.session.lock();
        f.debug_struct("TlsStream")
            .field("peer", &self.peer)
            .field("handshaking", &s.tls.is_handshaking())
            .field("alpn", &s.tls.alpn_protocol())
            .finish()
    }
}
