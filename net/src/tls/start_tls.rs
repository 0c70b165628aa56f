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
        let plain = match &core.conn {
            Conn::Tcp(_) | Conn::Unix(_) => core.conn.clone(),
            Conn::Tls(_) => return Err(misuse("the connection already speaks TLS")),
            Conn::Pipe(_) => {
                return Err(misuse("a pipe cannot carry TLS; use a TCP or Unix stream"))
            }
        };
        if core.is_closing() {
            return Err(misuse(
                "the writer is closing; start_tls needs an open connection",
            ));
        }
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
        let stream = match role {
            Role::Client(connector, name) => {
                let timeout = connector.handshake_timeout;
                TlsStream::connect_conn(connector, name, plain, timeout, Some(&pending)).await?
            }
            Role::Server(acceptor) => {
                let timeout = acceptor.handshake_timeout;
                TlsStream::accept_conn(acceptor, plain, timeout, Some(&pending)).await?
            }
        };
        let tls = Conn::Tls(Arc::new(stream));
        let next = WriteCore::new(tls.clone(), false);
        core.hand_over(next.clone());
        self.set_core(next);
        reader.set_conn(tls);
        Ok(())
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
