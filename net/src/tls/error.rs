//! [`TlsError`]: what went wrong on one TLS connection, naming its peer.
//!
//! TLS failures travel as `io::Error`s (so every stream and server API keeps
//! its `io::Result`), each carrying a `TlsError` that
//! [`TlsError::from_io`] gets back; the `io::ErrorKind` is chosen so that
//! code which only looks at kinds still does the right thing (a handshake
//! timeout is `TimedOut`, a missing `close_notify` is `UnexpectedEof`).

use crate::conn::Addr;
use std::fmt;
use std::io;
use std::time::Duration;

/// A TLS failure on one connection, naming the peer (asyncio raises
/// `ssl.SSLError`, `ssl.SSLCertVerificationError` or `TimeoutError`).
///
/// ```
/// # hive::run(async {
/// let key = rcgen::KeyPair::generate().unwrap();
/// let cert = rcgen::CertificateParams::new(vec!["localhost".into()]).unwrap().self_signed(&key).unwrap();
/// let tls = hive::net::tls::TlsAcceptor::from_pem(cert.pem().as_bytes(), key.serialize_pem().as_bytes()).unwrap();
/// let server = hive::net::start_server(|_r, _w| async {}, "127.0.0.1:0").ssl(tls).await.unwrap();
/// let addr = server.local_addrs()[0].as_inet().unwrap();
///
/// // The client trusts nothing but the system roots: the self-signed
/// // certificate is refused, and the error says so.
/// let other = rcgen::KeyPair::generate().unwrap();
/// let stranger = rcgen::CertificateParams::new(vec!["localhost".into()]).unwrap().self_signed(&other).unwrap();
/// let client = hive::net::tls::TlsConnector::from_root_pem(stranger.pem().as_bytes()).unwrap();
/// let err = hive::net::open_connection(addr).ssl(client).server_hostname("localhost").await.unwrap_err();
/// let tls_err = hive::net::tls::TlsError::from_io(&err).unwrap();
/// assert!(matches!(tls_err, hive::net::tls::TlsError::CertificateNotTrusted { .. }));
/// assert!(err.to_string().contains(&addr.to_string()));
/// # }).unwrap();
/// ```
#[doc(alias = "SSLError")]
#[doc(alias = "SSLCertVerificationError")]
#[derive(Debug)]
#[non_exhaustive]
pub enum TlsError {
    /// The handshake did not complete in time (asyncio's
    /// `ssl_handshake_timeout`); the connection was dropped.
    HandshakeTimeout {
        /// The peer's address.
        peer: Option<Addr>,
        /// The timeout that ran out.
        after: Duration,
    },
    /// The peer's certificate does not chain to a trusted root (unknown
    /// issuer, self-signed, expired, bad signature ...).
    CertificateNotTrusted {
        /// The peer's address.
        peer: Option<Addr>,
        /// rustls' verdict.
        source: rustls::Error,
    },
    /// The peer's certificate is valid but not for the name asked for
    /// (`server_hostname`).
    HostnameMismatch {
        /// The peer's address.
        peer: Option<Addr>,
        /// The name the certificate was checked against.
        server_name: String,
        /// rustls' verdict (names the certificate's names where it can).
        source: rustls::Error,
    },
    /// The handshake failed for another reason: the peer does not speak
    /// TLS (plaintext or garbage), no common protocol version or cipher
    /// suite, an alert from the peer (it refused our certificate) ...
    Handshake {
        /// The peer's address.
        peer: Option<Addr>,
        /// rustls' error.
        source: rustls::Error,
    },
    /// The peer closed the connection without TLS's `close_notify`: the
    /// data may have been cut short (a truncation attack, or a peer that
    /// crashed). During the handshake this means the peer hung up on it.
    UnexpectedEof {
        /// The peer's address.
        peer: Option<Addr>,
        /// Whether it happened during the handshake.
        during_handshake: bool,
    },
    /// A record after the handshake was bad (corrupted, truncated,
    /// forged) or the peer sent a fatal alert.
    Protocol {
        /// The peer's address.
        peer: Option<Addr>,
        /// rustls' error.
        source: rustls::Error,
    },
}

impl TlsError {
    /// The `TlsError` inside an `io::Error` returned by a TLS connection,
    /// if that is what it carries.
    ///
    /// ```
    /// let e = std::io::Error::other("not tls");
    /// assert!(hive::net::tls::TlsError::from_io(&e).is_none());
    /// ```
    pub fn from_io(error: &io::Error) -> Option<&TlsError> {
        error.get_ref()?.downcast_ref::<TlsError>()
    }

    /// The peer's address, when it is known.
    ///
    /// ```
    /// let e = hive::net::tls::TlsError::UnexpectedEof { peer: None, during_handshake: false };
    /// assert!(e.peer().is_none());
    /// ```
    pub fn peer(&self) -> Option<&Addr> {
        match self {
            TlsError::HandshakeTimeout { peer, .. }
            | TlsError::CertificateNotTrusted { peer, .. }
            | TlsError::HostnameMismatch { peer, .. }
            | TlsError::Handshake { peer, .. }
            | TlsError::UnexpectedEof { peer, .. }
            | TlsError::Protocol { peer, .. } => peer.as_ref(),
        }
    }

    /// Sorts a rustls error raised while handshaking.
    pub(crate) fn handshake(
        peer: Option<Addr>,
        server_name: Option<&str>,
        source: rustls::Error,
    ) -> TlsError {
        use rustls::CertificateError as C;
        match &source {
            rustls::Error::InvalidCertificate(C::NotValidForName)
            | rustls::Error::InvalidCertificate(C::NotValidForNameContext { .. }) => {
                TlsError::HostnameMismatch {
                    peer,
                    server_name: server_name.unwrap_or("").to_owned(),
                    source,
                }
            }
            rustls::Error::InvalidCertificate(_) => {
                TlsError::CertificateNotTrusted { peer, source }
            }
            _ => TlsError::Handshake { peer, source },
        }
    }

    fn kind(&self) -> io::ErrorKind {
        match self {
            TlsError::HandshakeTimeout { .. } => io::ErrorKind::TimedOut,
            TlsError::UnexpectedEof { .. } => io::ErrorKind::UnexpectedEof,
            TlsError::CertificateNotTrusted { .. }
            | TlsError::HostnameMismatch { .. }
            | TlsError::Handshake { .. }
            | TlsError::Protocol { .. } => io::ErrorKind::InvalidData,
        }
    }
}

/// "127.0.0.1:443", or "an unknown peer".
struct PeerName<'a>(&'a Option<Addr>);

impl fmt::Display for PeerName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(a) => a.fmt(f),
            None => f.write_str("an unknown peer"),
        }
    }
}

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsError::HandshakeTimeout { peer, after } => write!(
                f,
                "TLS handshake with {} timed out after {after:?}; the peer stalled or does not speak TLS (raise ssl_handshake_timeout for slow links)",
                PeerName(peer)
            ),
            TlsError::CertificateNotTrusted { peer, source } => write!(
                f,
                "the certificate of {} is not trusted ({source}); trust its CA with TlsConnector::from_root_pem_file",
                PeerName(peer)
            ),
            TlsError::HostnameMismatch {
                peer,
                server_name,
                source,
            } => write!(
                f,
                "the certificate of {} is not valid for {server_name:?} ({source}); connect with the name the certificate carries (server_hostname)",
                PeerName(peer)
            ),
            TlsError::Handshake { peer, source } => {
                write!(f, "TLS handshake with {} failed: {source}", PeerName(peer))?;
                if matches!(source, rustls::Error::InvalidMessage(_)) {
                    f.write_str(" (the peer does not speak TLS here)")?;
                }
                Ok(())
            }
            TlsError::UnexpectedEof {
                peer,
                during_handshake: true,
            } => write!(
                f,
                "{} closed the connection during the TLS handshake",
                PeerName(peer)
            ),
            TlsError::UnexpectedEof { peer, .. } => write!(
                f,
                "{} closed the connection without a TLS close_notify; the data may be truncated",
                PeerName(peer)
            ),
            TlsError::Protocol { peer, source } => {
                write!(f, "TLS error from {}: {source}", PeerName(peer))
            }
        }
    }
}

impl std::error::Error for TlsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TlsError::CertificateNotTrusted { source, .. }
            | TlsError::HostnameMismatch { source, .. }
            | TlsError::Handshake { source, .. }
            | TlsError::Protocol { source, .. } => Some(source),
            TlsError::HandshakeTimeout { .. } | TlsError::UnexpectedEof { .. } => None,
        }
    }
}

impl From<TlsError> for io::Error {
    fn from(e: TlsError) -> io::Error {
        io::Error::new(e.kind(), e)
    }
}
