//! What a TLS side is configured with: [`TlsAcceptor`] (a server's
//! certificate and key) and [`TlsConnector`] (a client's trusted roots),
//! each a cheap handle over a rustls config plus asyncio's handshake and
//! shutdown timeouts.
//!
//! Both build their rustls config on the `ring` provider explicitly, so no
//! process-wide default provider has to be installed first.

use crate::loom::sync::Arc;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ClientConfig, RootCertStore, ServerConfig};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// asyncio's default `ssl_handshake_timeout` (60 s): what every
/// [`TlsAcceptor`] and [`TlsConnector`] starts with.
///
/// ```
/// use hive::net::tls::{TlsConnector, DEFAULT_HANDSHAKE_TIMEOUT};
/// assert_eq!(DEFAULT_HANDSHAKE_TIMEOUT, std::time::Duration::from_secs(60));
/// # let key = rcgen::KeyPair::generate().unwrap();
/// # let cert = rcgen::CertificateParams::new(vec!["localhost".into()]).unwrap().self_signed(&key).unwrap();
/// let tls = TlsConnector::from_root_pem(cert.pem().as_bytes()).unwrap();
/// // A client that must fail fast:
/// let tls = tls.handshake_timeout(DEFAULT_HANDSHAKE_TIMEOUT / 12);
/// ```
#[doc(alias = "SSL_HANDSHAKE_TIMEOUT")]
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(60);

/// asyncio's default `ssl_shutdown_timeout` (30 s): what every
/// [`TlsAcceptor`] and [`TlsConnector`] starts with.
///
/// ```
/// use hive::net::tls::{TlsAcceptor, DEFAULT_SHUTDOWN_TIMEOUT};
/// assert_eq!(DEFAULT_SHUTDOWN_TIMEOUT, std::time::Duration::from_secs(30));
/// # let key = rcgen::KeyPair::generate().unwrap();
/// # let cert = rcgen::CertificateParams::new(vec!["localhost".into()]).unwrap().self_signed(&key).unwrap();
/// let tls = TlsAcceptor::from_pem(cert.pem().as_bytes(), key.serialize_pem().as_bytes()).unwrap();
/// // A server that would rather abort stuck clients sooner on close:
/// let tls = tls.shutdown_timeout(DEFAULT_SHUTDOWN_TIMEOUT / 6);
/// ```
#[doc(alias = "SSL_SHUTDOWN_TIMEOUT")]
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);

/// A server's TLS side (asyncio's server `SSLContext`): its certificate
/// chain and key, ALPN protocols, and the handshake and shutdown timeouts.
/// Pass it to [`StartServer::ssl`](crate::StartServer::ssl); cloning is cheap.
///
/// ```no_run
/// let tls = hive::net::tls::TlsAcceptor::from_pem_files("cert.pem", "key.pem")
///     .unwrap()
///     .with_alpn(["h2", "http/1.1"]);
/// # let _ = tls;
/// ```
#[doc(alias = "SSLContext")]
#[derive(Clone)]
pub struct TlsAcceptor {
    pub(crate) config: Arc<ServerConfig>,
    pub(crate) handshake_timeout: Duration,
    pub(crate) shutdown_timeout: Duration,
}

/// A client's TLS side (asyncio's client `SSLContext`): the roots it
/// trusts, ALPN protocols, and the handshake and shutdown timeouts. Pass it
/// to [`OpenConnection::ssl`](crate::OpenConnection::ssl); cloning is cheap.
///
/// ```no_run
/// let tls = hive::net::tls::TlsConnector::with_system_roots().unwrap();
/// # let _ = tls;
/// ```
#[doc(alias = "SSLContext")]
#[derive(Clone)]
pub struct TlsConnector {
    pub(crate) config: Arc<ClientConfig>,
    pub(crate) handshake_timeout: Duration,
    pub(crate) shutdown_timeout: Duration,
}

/// Why a [`TlsAcceptor`] or [`TlsConnector`] could not be built.
///
/// ```
/// let err = hive::net::tls::TlsAcceptor::from_pem(b"", b"").unwrap_err();
/// assert!(matches!(err, hive::net::tls::TlsConfigError::NoCertificate { .. }));
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum TlsConfigError {
    /// A PEM file could not be read.
    Read {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A PEM section could not be parsed.
    Pem {
        /// Where it came from (a path, or "the given PEM").
        from: String,
        /// What the parser said.
        message: String,
    },
    /// No `CERTIFICATE` section where one was needed.
    NoCertificate {
        /// Where it was looked for.
        from: String,
    },
    /// No private key section (`PRIVATE KEY`, `RSA PRIVATE KEY`, `EC PRIVATE KEY`).
    NoPrivateKey {
        /// Where it was looked for.
        from: String,
    },
    /// The system trust store gave no usable root.
    NoSystemRoots {
        /// What went wrong reading it.
        message: String,
    },
    /// rustls refused the material (a key that does not match the
    /// certificate, an unsupported key type, ...).
    Rustls(rustls::Error),
}

impl fmt::Display for TlsConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsConfigError::Read { path, source } => {
                write!(f, "cannot read {}: {source}", path.display())
            }
            TlsConfigError::Pem { from, message } => {
                write!(f, "bad PEM in {from}: {message}")
            }
            TlsConfigError::NoCertificate { from } => write!(
                f,
                "no CERTIFICATE section in {from}; give the PEM certificate chain, leaf first"
            ),
            TlsConfigError::NoPrivateKey { from } => write!(
                f,
                "no private key in {from}; give a PEM PRIVATE KEY (PKCS#8), RSA or EC key"
            ),
            TlsConfigError::NoSystemRoots { message } => write!(
                f,
                "no trusted roots found in the system store ({message}); install ca-certificates or give roots with TlsConnector::from_root_pem_file"
            ),
            TlsConfigError::Rustls(e) => write!(f, "rustls refused the configuration: {e}"),
        }
    }
}

impl std::error::Error for TlsConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TlsConfigError::Read { source, .. } => Some(source),
            TlsConfigError::Rustls(e) => Some(e),
            _ => None,
        }
    }
}

impl From<TlsConfigError> for std::io::Error {
    fn from(e: TlsConfigError) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, e)
    }
}

/// The crypto provider every config is built on.
fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Where PEM comes from, for loading and for error messages.
enum PemSource<'a> {
    File(&'a Path),
    Bytes(&'a [u8]),
}

impl PemSource<'_> {
    fn name(&self) -> String {
        match self {
            PemSource::File(p) => p.display().to_string(),
            PemSource::Bytes(_) => "the given PEM".to_owned(),
        }
    }

    fn bytes(&self) -> Result<std::borrow::Cow<'_, [u8]>, TlsConfigError> {
        match self {
            PemSource::File(p) => {
                std::fs::read(p)
                    .map(Into::into)
                    .map_err(|source| TlsConfigError::Read {
                        path: p.to_path_buf(),
                        source,
                    })
            }
            PemSource::Bytes(b) => Ok((*b).into()),
        }
    }

    fn certificates(&self) -> Result<Vec<CertificateDer<'static>>, TlsConfigError> {
        let bytes = self.bytes()?;
        let certs = CertificateDer::pem_slice_iter(&bytes)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| TlsConfigError::Pem {
                from: self.name(),
                message: e.to_string(),
            })?;
        if certs.is_empty() {
            return Err(TlsConfigError::NoCertificate { from: self.name() });
        }
        Ok(certs)
    }

    fn private_key(&self) -> Result<PrivateKeyDer<'static>, TlsConfigError> {
        let bytes = self.bytes()?;
        PrivateKeyDer::from_pem_slice(&bytes).map_err(|e| match e {
            rustls::pki_types::pem::Error::NoItemsFound => {
                TlsConfigError::NoPrivateKey { from: self.name() }
            }
            e => TlsConfigError::Pem {
                from: self.name(),
                message: e.to_string(),
            },
        })
    }
}

/// ALPN protocol names as rustls stores them.
fn alpn_list<I, P>(protocols: I) -> Vec<Vec<u8>>
where
    I: IntoIterator<Item = P>,
    P: AsRef<[u8]>,
{
    protocols.into_iter().map(|p| p.as_ref().to_vec()).collect()
}

impl TlsAcceptor {
    /// Loads a PEM certificate chain (leaf first) and its private key from
    /// files: asyncio's `ctx.load_cert_chain(certfile, keyfile)`.
    ///
    /// # Errors
    /// A [`TlsConfigError`] naming the file and what is wrong with it.
    ///
    /// ```no_run
    /// let tls = hive::net::tls::TlsAcceptor::from_pem_files("cert.pem", "key.pem").unwrap();
    /// # let _ = tls;
    /// ```
    #[doc(alias = "load_cert_chain")]
    pub fn from_pem_files(
        cert_chain: impl AsRef<Path>,
        key: impl AsRef<Path>,
    ) -> Result<TlsAcceptor, TlsConfigError> {
        Self::from_sources(
            PemSource::File(cert_chain.as_ref()),
            PemSource::File(key.as_ref()),
        )
    }

    /// The same from PEM bytes in memory.
    ///
    /// # Errors
    /// A [`TlsConfigError`] saying what is missing or refused.
    ///
    /// ```
    /// let key = rcgen::KeyPair::generate().unwrap();
    /// let cert = rcgen::CertificateParams::new(vec!["localhost".into()])
    ///     .unwrap()
    ///     .self_signed(&key)
    ///     .unwrap();
    /// let tls = hive::net::tls::TlsAcceptor::from_pem(
    ///     cert.pem().as_bytes(),
    ///     key.serialize_pem().as_bytes(),
    /// )
    /// .unwrap();
    /// # let _ = tls;
    /// ```
    pub fn from_pem(cert_chain: &[u8], key: &[u8]) -> Result<TlsAcceptor, TlsConfigError> {
        Self::from_sources(PemSource::Bytes(cert_chain), PemSource::Bytes(key))
    }

    fn from_sources(
        chain: PemSource<'_>,
        key: PemSource<'_>,
    ) -> Result<TlsAcceptor, TlsConfigError> {
        let certs = chain.certificates()?;
        let key = key.private_key()?;
        let config = ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(TlsConfigError::Rustls)?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(TlsConfigError::Rustls)?;
        Ok(Self::from_config(Arc::new(config)))
    }

    /// Wraps a rustls config built by hand (client authentication, SNI
    /// resolvers, session storage, another provider ...).
    ///
    /// ```
    /// # let key = rcgen::KeyPair::generate().unwrap();
    /// # let cert = rcgen::CertificateParams::new(vec!["localhost".into()]).unwrap().self_signed(&key).unwrap();
    /// use hive::net::tls::rustls;
    /// let config = rustls::ServerConfig::builder_with_provider(
    ///     rustls::crypto::ring::default_provider().into(),
    /// )
    /// .with_safe_default_protocol_versions()
    /// .unwrap()
    /// .with_no_client_auth()
    /// .with_single_cert(
    ///     vec![cert.der().clone()],
    ///     rustls::pki_types::PrivatePkcs8KeyDer::from(key.serialize_der()).into(),
    /// )
    /// .unwrap();
    /// let tls = hive::net::tls::TlsAcceptor::from_config(std::sync::Arc::new(config));
    /// # let _ = tls;
    /// ```
    pub fn from_config(config: Arc<ServerConfig>) -> TlsAcceptor {
        TlsAcceptor {
            config,
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
        }
    }
}

impl TlsConnector {
    /// Trusts the operating system's roots (asyncio's
    /// `ssl.create_default_context()`), read once per call from the
    /// platform store (`/etc/ssl/certs` and friends on Linux).
    ///
    /// # Errors
    /// [`TlsConfigError::NoSystemRoots`] when the store is missing or empty.
    ///
    /// ```no_run
    /// let tls = hive::net::tls::TlsConnector::with_system_roots().unwrap();
    /// # let _ = tls;
    /// ```
    #[doc(alias = "create_default_context")]
    pub fn with_system_roots() -> Result<TlsConnector, TlsConfigError> {
        let found = rustls_native_certs::load_native_certs();
        let mut roots = RootCertStore::empty();
        let (added, _ignored) = roots.add_parsable_certificates(found.certs);
        if added == 0 {
            let message = if found.errors.is_empty() {
                "the store is empty".to_owned()
            } else {
                found
                    .errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            return Err(TlsConfigError::NoSystemRoots { message });
        }
        Self::with_roots(roots)
    }

    /// Trusts the PEM certificates in `path` and nothing else (asyncio's
    /// `ctx.load_verify_locations(cafile)`).
    ///
    /// # Errors
    /// A [`TlsConfigError`] naming the file and what is wrong with it.
    ///
    /// ```no_run
    /// let tls = hive::net::tls::TlsConnector::from_root_pem_file("ca.pem").unwrap();
    /// # let _ = tls;
    /// ```
    #[doc(alias = "load_verify_locations")]
    pub fn from_root_pem_file(path: impl AsRef<Path>) -> Result<TlsConnector, TlsConfigError> {
        Self::from_root_source(PemSource::File(path.as_ref()))
    }

    /// Trusts the PEM certificates given (a self-signed server's own
    /// certificate, or a private CA's).
    ///
    /// # Errors
    /// A [`TlsConfigError`] saying what is missing or refused.
    ///
    /// ```
    /// # let key = rcgen::KeyPair::generate().unwrap();
    /// let cert = rcgen::CertificateParams::new(vec!["localhost".into()]).unwrap().self_signed(&key).unwrap();
    /// let tls = hive::net::tls::TlsConnector::from_root_pem(cert.pem().as_bytes()).unwrap();
    /// # let _ = tls;
    /// ```
    pub fn from_root_pem(pem: &[u8]) -> Result<TlsConnector, TlsConfigError> {
        Self::from_root_source(PemSource::Bytes(pem))
    }

    fn from_root_source(source: PemSource<'_>) -> Result<TlsConnector, TlsConfigError> {
        let mut roots = RootCertStore::empty();
        for cert in source.certificates()? {
            roots.add(cert).map_err(TlsConfigError::Rustls)?;
        }
        Self::with_roots(roots)
    }

    fn with_roots(roots: RootCertStore) -> Result<TlsConnector, TlsConfigError> {
        let config = ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(TlsConfigError::Rustls)?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Self::from_config(Arc::new(config)))
    }

    /// Wraps a rustls config built by hand (client certificates, custom
    /// verifiers, another provider ...).
    ///
    /// ```
    /// use hive::net::tls::rustls;
    /// let config = rustls::ClientConfig::builder_with_provider(
    ///     rustls::crypto::ring::default_provider().into(),
    /// )
    /// .with_safe_default_protocol_versions()
    /// .unwrap()
    /// .with_root_certificates(rustls::RootCertStore::empty())
    /// .with_no_client_auth();
    /// let tls = hive::net::tls::TlsConnector::from_config(std::sync::Arc::new(config));
    /// # let _ = tls;
    /// ```
    pub fn from_config(config: Arc<ClientConfig>) -> TlsConnector {
        TlsConnector {
            config,
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
        }
    }
}

/// What both sides share: ALPN, the two timeouts, the rustls config and
/// `Debug`. `$setup` builds a `tls` of the type for the examples.
macro_rules! common_options {
    ($ty:ident, $config:ty, $setup:literal) => {
        impl $ty {
            #[doc = concat!("The protocols offered by ALPN, most preferred first (asyncio's `ctx.set_alpn_protocols`); the one agreed on is [`TlsInfo::alpn_protocol`](crate::tls::TlsInfo::alpn_protocol).\n\n```\n", $setup, "\nlet tls = tls.with_alpn([\"h2\", \"http/1.1\"]);\nassert_eq!(tls.config().alpn_protocols, [b\"h2\".to_vec(), b\"http/1.1\".to_vec()]);\n```")]
            #[doc(alias = "set_alpn_protocols")]
            pub fn with_alpn<I, P>(mut self, protocols: I) -> $ty
            where
                I: IntoIterator<Item = P>,
                P: AsRef<[u8]>,
            {
                // Copies the config only if another handle shares it.
                Arc::make_mut(&mut self.config).alpn_protocols = alpn_list(protocols);
                self
            }

            #[doc = concat!("How long the TLS handshake may take before the connection is dropped (asyncio's `ssl_handshake_timeout`, 60 s by default); the calls' `ssl_handshake_timeout` overrides it.\n\n```\n", $setup, "\nlet tls = tls.handshake_timeout(std::time::Duration::from_secs(5));\n# let _ = tls;\n```")]
            #[doc(alias = "ssl_handshake_timeout")]
            pub fn handshake_timeout(mut self, timeout: Duration) -> $ty {
                self.handshake_timeout = timeout;
                self
            }

            #[doc = concat!("How long `close` waits for the buffered data and `close_notify` to go out before aborting (asyncio's `ssl_shutdown_timeout`, 30 s by default).\n\n```\n", $setup, "\nlet tls = tls.shutdown_timeout(std::time::Duration::from_secs(5));\n# let _ = tls;\n```")]
            #[doc(alias = "ssl_shutdown_timeout")]
            pub fn shutdown_timeout(mut self, timeout: Duration) -> $ty {
                self.shutdown_timeout = timeout;
                self
            }

            #[doc = concat!("The rustls config.\n\n```\n", $setup, "\nassert!(tls.config().alpn_protocols.is_empty());\n```")]
            pub fn config(&self) -> &Arc<$config> {
                &self.config
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($ty))
                    .field("alpn", &self.config.alpn_protocols)
                    .field("handshake_timeout", &self.handshake_timeout)
                    .field("shutdown_timeout", &self.shutdown_timeout)
                    .finish()
            }
        }
    };
}

common_options!(
    TlsAcceptor,
    ServerConfig,
    "# let key = rcgen::KeyPair::generate().unwrap();\n# let cert = rcgen::CertificateParams::new(vec![\"localhost\".into()]).unwrap().self_signed(&key).unwrap();\nlet tls = hive::net::tls::TlsAcceptor::from_pem(cert.pem().as_bytes(), key.serialize_pem().as_bytes()).unwrap();"
);
common_options!(
    TlsConnector,
    ClientConfig,
    "# let key = rcgen::KeyPair::generate().unwrap();\n# let cert = rcgen::CertificateParams::new(vec![\"localhost\".into()]).unwrap().self_signed(&key).unwrap();\nlet tls = hive::net::tls::TlsConnector::from_root_pem(cert.pem().as_bytes()).unwrap();"
);
