//! `start_tls`: upgrading a live plaintext stream connection to TLS
//! (STARTTLS in SMTP, IMAP, PostgreSQL ...), asyncio's
//! `StreamWriter.start_tls`.
//!
//! The writer is flushed first, so no plaintext can follow the handshake;
//! bytes the reader already took off the socket past the last consumed
//! byte are the peer's first handshake bytes and go to the session, so
//! nothing is lost either way.

use super::{TlsAcceptor, TlsConnector, TlsStream};
use crate::conn::Conn;
use crate::loom::sync::Arc;
use crate::write_core::WriteCore;
use crate::{StreamReader, StreamWriter};
use std::future::poll_fn;
use std::io;

/// Which side of the handshake this end plays.
enum Role<'a> {
    Client(&'a TlsConnector, &'a str),
    Server(&'a TlsAcceptor),
}

impl StreamWriter {
    /// Upgrades this connection to TLS as the client, in place: after it,
    /// `self` and `reader` speak TLS (asyncio's `await writer.start_tls(ctx,
    /// server_hostname=...)`). Other clones of the writer stop writing
    /// (their writes fail) but `close`/`abort` through them still reach
    /// the connection.
    ///
    /// # Errors
    /// `InvalidInput` if `reader` is not this connection's reader or the
    /// connection is a pipe or already TLS; the connection's error if it
    /// was lost while flushing; a [`TlsError`](crate::tls::TlsError) if the
    /// handshake fails (the connection is then unusable: close it).
    ///
    /// ```
    /// # hive::run(async {
    /// # let key = rcgen::KeyPair::generate().unwrap();
    /// # let cert = rcgen::CertificateParams::new(vec!["localhost".into()]).unwrap().self_signed(&key).unwrap();
    /// let acceptor = hive::net::tls::TlsAcceptor::from_pem(cert.pem().as_bytes(), key.serialize_pem().as_bytes()).unwrap();
    /// let connector = hive::net::tls::TlsConnector::from_root_pem(cert.pem().as_bytes()).unwrap();
    /// // A server that says hello in plaintext, then upgrades on STARTTLS.
    /// let server = hive::net::start_server(move |mut r, mut w| {
    ///     let acceptor = acceptor.clone();
    ///     async move {
    ///         w.write(b"220 ready\n");
    ///         assert_eq!(r.readline().await.unwrap(), b"STARTTLS\n");
    ///         w.start_tls_server(&mut r, &acceptor).await.unwrap();
    ///         let line = r.readline().await.unwrap();
    ///         w.write(&line);
    ///         w.close();
    ///     }
    /// }, "127.0.0.1:0").await.unwrap();
    /// let addr = server.local_addrs()[0].as_inet().unwrap();
    ///
    /// let (mut r, mut w) = hive::net::open_connection(addr).await.unwrap();
    /// assert_eq!(r.readline().await.unwrap(), b"220 ready\n");
    /// w.write(b"STARTTLS\n");
    /// w.start_tls_client(&mut r, &connector, "localhost").await.unwrap();
    /// assert!(w.tls_info().is_some());
    /// w.write(b"secret\n");
    /// assert_eq!(r.readline().await.unwrap(), b"secret\n");
    /// # }).unwrap();
    /// ```
    #[doc(alias = "start_tls")]
    #[doc(alias = "StreamWriter.start_tls")]
    pub async fn start_tls_client(
        &mut self,
        reader: &mut StreamReader,
        connector: &TlsConnector,
        server_hostname: &str,
    ) -> io::Result<()> {
        self.start_tls(reader, Role::Client(connector, server_hostname))
            .await
    }

    /// Upgrades this connection to TLS as the server, in place (see
    /// [`start_tls_client`](StreamWriter::start_tls_client), which shows
    /// both sides).
    ///
    /// # Errors
    /// As for [`start_tls_client`](StreamWriter::start_tls_client).
    ///
    /// ```no_run
    /// # async fn f(mut r: hive::net::StreamReader, mut w: hive::net::StreamWriter, acceptor: hive::net::tls::TlsAcceptor) {
    /// w.start_tls_server(&mut r, &acceptor).await.unwrap();
    /// # }
    /// ```
    #[doc(alias = "start_tls")]
    pub async fn start_tls_server(
        &mut self,
        reader: &mut StreamReader,
        acceptor: &TlsAcceptor,
    ) -> io::Result<()> {
        self.start_tls(reader, Role::Server(acceptor)).await
    }

    async fn start_tls(&mut self, reader: &mut StreamReader, role: Role<'_>) -> io::Result<()> {
        let core = self.core().clone();
        let plain = plain_conn(&core)?;
        poll_fn(|cx| core.poll_flushed(cx)).await?;
        let Some((reader_conn, pending)) = reader.take_for_upgrade() else {
            return Err(misuse(
                "the reader does not read from this writer's connection",
            ));
        };
        if !same_socket(&reader_conn, &plain) {
            return Err(misuse(
                "the reader does not read from this writer's connection",
            ));
        }
        let stream = handshake(plain, role, &pending).await?;
        let tls = Conn::Tls(Arc::new(stream));
        let next = WriteCore::new(tls.clone(), false);
        core.hand_over(next.clone());
        self.set_core(next);
        reader.set_conn(tls);
        Ok(())
    }
}

impl crate::Transport {
    /// Upgrades this connection to TLS as the client and returns the
    /// transport to write through from now on (asyncio's
    /// `loop.start_tls(transport, protocol, ctx, server_hostname=...)`).
    /// Reading pauses at once, so the protocol gets no ciphertext; after
    /// the handshake reading resumes and `data_received` goes on with
    /// decrypted data, and this transport's writes fail (its
    /// `close`/`abort` still reach the connection). A protocol that
    /// answers the peer's STARTTLS from `data_received` and then upgrades
    /// from a task should call [`pause_reading`](crate::Transport::pause_reading)
    /// before it answers, since the peer's handshake may arrive before
    /// the task runs.
    ///
    /// # Errors
    /// `InvalidInput` if the connection is a pipe, already TLS or
    /// closing; the connection's error if it was lost while flushing; a
    /// [`TlsError`](crate::tls::TlsError) if the handshake fails.
    ///
    /// ```no_run
    /// # async fn f(t: hive::net::Transport, connector: hive::net::tls::TlsConnector) {
    /// let t = t.start_tls_client(&connector, "mail.example.com").await.unwrap();
    /// t.write(b"EHLO me\r\n");
    /// # }
    /// ```
    #[doc(alias = "loop.start_tls")]
    pub async fn start_tls_client(
        &self,
        connector: &TlsConnector,
        server_hostname: &str,
    ) -> io::Result<crate::Transport> {
        self.start_tls(Role::Client(connector, server_hostname))
            .await
    }

    /// Upgrades this connection to TLS as the server (see
    /// [`start_tls_client`](crate::Transport::start_tls_client)).
    ///
    /// # Errors
    /// As for [`start_tls_client`](crate::Transport::start_tls_client).
    ///
    /// ```no_run
    /// # async fn f(t: hive::net::Transport, acceptor: hive::net::tls::TlsAcceptor) {
    /// let t = t.start_tls_server(&acceptor).await.unwrap();
    /// t.write(b"220 ready\r\n");
    /// # }
    /// ```
    #[doc(alias = "loop.start_tls")]
    pub async fn start_tls_server(&self, acceptor: &TlsAcceptor) -> io::Result<crate::Transport> {
        self.start_tls(Role::Server(acceptor)).await
    }

    async fn start_tls(&self, role: Role<'_>) -> io::Result<crate::Transport> {
        let core = self.core().clone();
        let plain = plain_conn(&core)?;
        // Whatever arrives from here on is the peer's handshake.
        let was_reading = self.is_reading();
        self.pause_reading();
        let upgraded = async {
            poll_fn(|cx| core.poll_flushed(cx)).await?;
            handshake(plain, role, &[]).await
        }
        .await;
        let stream = match upgraded {
            Ok(stream) => stream,
            Err(e) => {
                if was_reading {
                    self.resume_reading();
                }
                return Err(e);
            }
        };
        let next = WriteCore::new(Conn::Tls(Arc::new(stream)), true);
        // Hand over before resuming reading: the protocol task that sees
        // reading resumed must find the successor (see `drive`; loom
        // model: loom-tests/tests/net_start_tls_handover.rs).
        core.hand_over(next.clone());
        let upgraded = self.successor(next);
        upgraded.resume_reading();
        // The protocol's task may sleep on the old core: wake it to move.
        core.wake_owner();
        Ok(upgraded)
    }
}

/// The plaintext socket under `core`, if it can carry TLS.
fn plain_conn(core: &WriteCore) -> io::Result<Conn> {
    let plain = match &core.conn {
        Conn::Tcp(_) | Conn::Unix(_) => core.conn.clone(),
        Conn::Tls(_) => return Err(misuse("the connection already speaks TLS")),
        Conn::Pipe(_) => return Err(misuse("a pipe cannot carry TLS; use a TCP or Unix stream")),
    };
    if core.is_closing() {
        return Err(misuse(
            "the connection is closing; start_tls needs an open connection",
        ));
    }
    Ok(plain)
}

/// Runs `role`'s handshake over `plain`, `pending` being bytes of the
/// peer's already read off the socket.
async fn handshake(plain: Conn, role: Role<'_>, pending: &[u8]) -> io::Result<TlsStream> {
    match role {
        Role::Client(connector, name) => {
            let timeout = connector.handshake_timeout;
            TlsStream::connect_conn(connector, name, plain, timeout, Some(pending)).await
        }
        Role::Server(acceptor) => {
            let timeout = acceptor.handshake_timeout;
            TlsStream::accept_conn(acceptor, plain, timeout, Some(pending)).await
        }
    }
}

fn misuse(why: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, format!("start_tls: {why}"))
}

/// Whether two connections are the same socket.
fn same_socket(a: &Conn, b: &Conn) -> bool {
    match (a, b) {
        (Conn::Tcp(x), Conn::Tcp(y)) => Arc::ptr_eq(x, y),
        (Conn::Unix(x), Conn::Unix(y)) => Arc::ptr_eq(x, y),
        _ => false,
    }
}
