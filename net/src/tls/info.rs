//! [`TlsInfo`]: what a finished handshake agreed on, asyncio's
//! `get_extra_info('ssl_object')` / `'peercert'` / `'cipher'`.

use rustls::pki_types::CertificateDer;

/// What the handshake of a TLS connection agreed on. A snapshot: the
/// values do not change after the handshake.
///
/// ```
/// # hive::run(async {
/// let key = rcgen::KeyPair::generate().unwrap();
/// let cert = rcgen::CertificateParams::new(vec!["localhost".into()]).unwrap().self_signed(&key).unwrap();
/// let acceptor = hive::net::tls::TlsAcceptor::from_pem(cert.pem().as_bytes(), key.serialize_pem().as_bytes())
///     .unwrap()
///     .with_alpn(["h2", "http/1.1"]);
/// let server = hive::net::start_server(|_r, _w| async {}, "127.0.0.1:0").ssl(acceptor).await.unwrap();
/// let addr = server.local_addrs()[0].as_inet().unwrap();
///
/// let connector = hive::net::tls::TlsConnector::from_root_pem(cert.pem().as_bytes())
///     .unwrap()
///     .with_alpn(["http/1.1"]);
/// let (_r, w) = hive::net::open_connection(addr).ssl(connector).server_hostname("localhost").await.unwrap();
/// let info = w.tls_info().unwrap();
/// assert_eq!(info.alpn_protocol(), Some(&b"http/1.1"[..]));
/// assert_eq!(info.peer_certificates()[0].as_ref(), cert.der().as_ref());
/// assert!(info.protocol_version().is_some());
/// # }).unwrap();
/// ```
#[doc(alias = "ssl_object")]
#[doc(alias = "peercert")]
#[derive(Clone, Debug)]
pub struct TlsInfo {
    alpn_protocol: Option<Vec<u8>>,
    server_name: Option<String>,
    peer_certificates: Vec<CertificateDer<'static>>,
    protocol_version: Option<rustls::ProtocolVersion>,
    cipher_suite: Option<rustls::SupportedCipherSuite>,
}

impl TlsInfo {
    pub(crate) fn of(tls: &rustls::Connection) -> TlsInfo {
        let server_name = match tls {
            rustls::Connection::Server(s) => s.server_name().map(str::to_owned),
            rustls::Connection::Client(_) => None,
        };
        TlsInfo {
            alpn_protocol: tls.alpn_protocol().map(<[u8]>::to_vec),
            server_name,
            peer_certificates: tls
                .peer_certificates()
                .map(|c| c.iter().map(|c| c.clone().into_owned()).collect())
                .unwrap_or_default(),
            protocol_version: tls.protocol_version(),
            cipher_suite: tls.negotiated_cipher_suite(),
        }
    }

    /// The protocol ALPN chose (`b"h2"`, `b"http/1.1"` ...), if any
    /// (asyncio's `ssl_object.selected_alpn_protocol()`).
    ///
    /// ```
    /// # fn f(info: &hive::net::tls::TlsInfo) {
    /// if info.alpn_protocol() == Some(b"h2") { /* speak HTTP/2 */ }
    /// # }
    /// ```
    #[doc(alias = "selected_alpn_protocol")]
    pub fn alpn_protocol(&self) -> Option<&[u8]> {
        self.alpn_protocol.as_deref()
    }

    /// On a server: the name the client asked for by SNI, if it sent one
    /// (asyncio's `ssl_object.server_hostname` on the server side). On a
    /// client: `None`.
    ///
    /// ```
    /// # fn f(info: &hive::net::tls::TlsInfo) {
    /// println!("client wants {:?}", info.sni());
    /// # }
    /// ```
    #[doc(alias = "server_hostname")]
    pub fn sni(&self) -> Option<&str> {
        self.server_name.as_deref()
    }

    /// The peer's certificate chain, leaf first, DER encoded (asyncio's
    /// `get_extra_info('peercert')` in binary form); empty when the peer
    /// sent none (a client, unless client authentication is configured).
    ///
    /// ```
    /// # fn f(info: &hive::net::tls::TlsInfo) {
    /// let leaf_der: Option<&[u8]> = info.peer_certificates().first().map(|c| c.as_ref());
    /// # let _ = leaf_der;
    /// # }
    /// ```
    #[doc(alias = "getpeercert")]
    pub fn peer_certificates(&self) -> &[CertificateDer<'static>] {
        &self.peer_certificates
    }

    /// The TLS version (`TLSv1_3`, `TLSv1_2`).
    ///
    /// ```
    /// # fn f(info: &hive::net::tls::TlsInfo) {
    /// println!("{:?}", info.protocol_version());
    /// # }
    /// ```
    #[doc(alias = "version")]
    pub fn protocol_version(&self) -> Option<rustls::ProtocolVersion> {
        self.protocol_version
    }

    /// The cipher suite (asyncio's `get_extra_info('cipher')`).
    ///
    /// ```
    /// # fn f(info: &hive::net::tls::TlsInfo) {
    /// println!("{:?}", info.cipher_suite().map(|s| s.suite()));
    /// # }
    /// ```
    #[doc(alias = "cipher")]
    pub fn cipher_suite(&self) -> Option<rustls::SupportedCipherSuite> {
        self.cipher_suite
    }
}
