//! TLS on rustls (cargo feature `tls`), asyncio's way: `ssl=` is an option
//! of the calls you already use, not a parallel API.
//!
//! * servers: [`start_server`](crate::start_server)`(..).ssl(acceptor)`,
//!   also on `start_unix_server`, `create_server`, `create_unix_server`,
//!   both server kinds (default and `per_loop`);
//! * clients: [`open_connection`](crate::open_connection)`(addr).ssl(connector)`,
//!   with `.server_hostname(..)` (the name checked and sent as SNI; by
//!   default the host part of `addr` when it is a name), also on
//!   `open_unix_connection`, `create_connection`, `create_unix_connection`;
//! * upgrading a live connection (STARTTLS):
//!   [`StreamWriter::start_tls_client`](crate::StreamWriter::start_tls_client) /
//!   [`start_tls_server`](crate::StreamWriter::start_tls_server), and for
//!   protocols [`Transport::start_tls_client`](crate::Transport::start_tls_client) /
//!   [`start_tls_server`](crate::Transport::start_tls_server) (asyncio's
//!   `loop.start_tls`);
//! * what was agreed: [`StreamWriter::tls_info`](crate::StreamWriter::tls_info)
//!   and [`Transport::tls_info`](crate::Transport::tls_info) give a
//!   [`TlsInfo`] (ALPN protocol, SNI, peer certificates, version, cipher);
//! * failures: a [`TlsError`] inside the `io::Error`, naming the peer.
//!
//! `StreamReader`/`StreamWriter` behave over TLS exactly as over TCP
//! (`readline`, limits, `drain`, `write_eof`, `wait_closed`), and
//! [`TlsStream`] is itself `AsyncRead + AsyncWrite`.
//!
//! ```
//! # hive::run(async {
//! // A certificate for localhost, made on the spot (rcgen).
//! let key = rcgen::KeyPair::generate().unwrap();
//! let cert = rcgen::CertificateParams::new(vec!["localhost".into()]).unwrap().self_signed(&key).unwrap();
//! let acceptor = hive::net::tls::TlsAcceptor::from_pem(cert.pem().as_bytes(), key.serialize_pem().as_bytes()).unwrap();
//!
//! let server = hive::net::start_server(|mut r, w| async move {
//!     while let Ok(line) = r.readline().await {
//!         if line.is_empty() { break; }
//!         w.write(&line);
//!         if w.drain().await.is_err() { break; }
//!     }
//!     w.close();
//! }, "127.0.0.1:0").ssl(acceptor).await.unwrap();
//! let port = server.local_addrs()[0].as_inet().unwrap().port();
//!
//! let connector = hive::net::tls::TlsConnector::from_root_pem(cert.pem().as_bytes()).unwrap();
//! let (mut r, w) = hive::net::open_connection(("localhost", port)).ssl(connector).await.unwrap();
//! w.write(b"hello over TLS\n");
//! assert_eq!(r.readline().await.unwrap(), b"hello over TLS\n");
//! # }).unwrap();
//! ```
//!
//! ## Differences from asyncio
//!
//! * `close` sends `close_notify` and shuts the socket down; it does not
//!   wait for the peer's `close_notify` in return (asyncio does, within
//!   `ssl_shutdown_timeout`). The timeout here bounds how long the buffered
//!   data and the alert may take to go out before the connection is aborted.
//! * A peer that closes without `close_notify` makes the next read fail
//!   with [`TlsError::UnexpectedEof`] rather than end quietly: the data may
//!   have been cut short.
//! * `write_eof` works (a `close_notify`, then `shutdown(SHUT_WR)`): TLS
//!   1.3 peers go on sending after it, as over TCP.

mod config;
mod error;
mod info;
mod options;
mod start_tls;
mod stream;

pub(crate) use options::{ClientTls, ServerTls};

pub use config::{
    TlsAcceptor, TlsConfigError, TlsConnector, DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_SHUTDOWN_TIMEOUT,
};
pub use error::TlsError;
pub use info::TlsInfo;
pub use stream::{TlsSocket, TlsStream};

/// rustls, re-exported: build a `ServerConfig` / `ClientConfig` by hand
/// for [`TlsAcceptor::from_config`] / [`TlsConnector::from_config`].
pub use rustls;
