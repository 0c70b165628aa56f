//! The TLS options of the connection calls (asyncio's `ssl=`,
//! `server_hostname=`, `ssl_handshake_timeout=`, `ssl_shutdown_timeout=`)
//! and the step they add: the handshake, between connecting (or accepting)
//! and handing the connection out.

use super::{TlsAcceptor, TlsConnector, TlsError, TlsStream};
use crate::conn::Conn;
use crate::loom::sync::Arc;
use crate::server::ClientGuard;
use crate::write_core::WriteCore;
use std::io;
use std::time::Duration;

/// A client call's TLS options.
#[derive(Default)]
pub(crate) struct ClientTls {
    pub(crate) connector: Option<TlsConnector>,
    pub(crate) server_hostname: Option<String>,
    pub(crate) handshake_timeout: Option<Duration>,
    pub(crate) shutdown_timeout: Option<Duration>,
}

impl ClientTls {
    /// Refuses option sets that cannot work, before anything connects.
    pub(crate) fn check(&self, default_name: Option<&str>) -> io::Result<()> {
        if self.connector.is_none() {
            if self.server_hostname.is_some()
                || self.handshake_timeout.is_some()
                || self.shutdown_timeout.is_some()
            {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "server_hostname and the ssl timeouts only apply with ssl; add .ssl(connector) or drop them",
                ));
            }
        } else if self.server_hostname.is_none() && default_name.is_none() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "TLS over a Unix socket needs server_hostname: the name the server's certificate carries",
            ));
        }
        Ok(())
    }

    /// Runs the client handshake over `conn` if `ssl` was given.
    /// `default_name` is the host connected to.
    pub(crate) async fn wrap(self, conn: Conn, default_name: Option<String>) -> io::Result<Conn> {
        self.check(default_name.as_deref())?;
        let Some(mut connector) = self.connector else {
            return Ok(conn);
        };
        let Some(name) = self.server_hostname.or(default_name) else {
            return Ok(conn); // `check` refused this already
        };
        if let Some(t) = self.handshake_timeout {
            connector.handshake_timeout = t;
        }
        if let Some(t) = self.shutdown_timeout {
            connector.shutdown_timeout = t;
        }
        let timeout = connector.handshake_timeout;
        let stream = TlsStream::connect_conn(&connector, &name, conn, timeout, None).await?;
        Ok(Conn::Tls(Arc::new(stream)))
    }
}

/// A server's TLS options, settled when it starts.
#[derive(Clone)]
pub(crate) struct ServerTls {
    acceptor: TlsAcceptor,
}

impl ServerTls {
    /// The acceptor with the server's own timeouts, if any, in place of
    /// its defaults.
    pub(crate) fn new(
        mut acceptor: TlsAcceptor,
        handshake_timeout: Option<Duration>,
        shutdown_timeout: Option<Duration>,
    ) -> ServerTls {
        if let Some(t) = handshake_timeout {
            acceptor.handshake_timeout = t;
        }
        if let Some(t) = shutdown_timeout {
            acceptor.shutdown_timeout = t;
        }
        ServerTls { acceptor }
    }

    /// Puts an accepted connection in the server's client registry before
    /// its handshake task is even spawned: a writer over the plain socket,
    /// so `close_clients` / `abort_clients` shut a handshake in progress
    /// down at once (it then fails and ends) instead of leaving
    /// `wait_closed` to wait for the handshake timeout. The handler's own
    /// writer replaces it once the handshake is done.
    pub(crate) fn register_handshake(conn: &Conn, guard: &ClientGuard) {
        guard.register(WriteCore::new(conn.clone(), false));
    }

    /// Runs the server handshake over an accepted connection. A failure
    /// belongs to that one client: it is logged once, with the peer and
    /// the typed reason, the socket is closed, and the server goes on.
    pub(crate) async fn accept(&self, conn: Conn) -> Option<Conn> {
        let timeout = self.acceptor.handshake_timeout;
        match TlsStream::accept_conn(&self.acceptor, conn, timeout, None).await {
            Ok(stream) => Some(Conn::Tls(Arc::new(stream))),
            Err(e) => {
                match TlsError::from_io(&e) {
                    Some(tls) => tracing::warn!(error = ?tls, "hive-net: {e}; connection dropped"),
                    None => {
                        tracing::warn!("hive-net: TLS handshake failed: {e}; connection dropped")
                    }
                }
                None
            }
        }
    }
}
