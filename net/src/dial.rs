//! Client connections with asyncio's keyword arguments: `open_connection`,
//! `open_unix_connection`, `create_connection` and `create_unix_connection`
//! return builders that are futures themselves, so `.await` right away or
//! set options first (`limit`, and with the `tls` feature `ssl`,
//! `server_hostname`, `ssl_handshake_timeout`, `ssl_shutdown_timeout`).

use crate::addr::Target;
use crate::conn::Conn;
use crate::connect::ConnectOptions;
use crate::loom::sync::Arc;
use crate::protocol::{start_protocol, AnyProtocol, Transport};
use crate::{StreamReader, StreamWriter, UnixStream};
use hive_runtime::Task;
use std::future::Future;
use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Where a client connects.
pub(crate) enum Endpoint {
    Tcp(Target),
    Unix(PathBuf),
}

impl Endpoint {
    /// A stream connector's endpoint for `target`: a Unix address (an
    /// [`Addr::Unix`](crate::Addr) from `Server::local_addrs`) connects by
    /// its path; an unnamed one stays a target that fails with advice.
    pub(crate) fn stream(target: Target) -> Endpoint {
        match target {
            Target::Unix(addr) => match addr.as_pathname() {
                Some(path) => Endpoint::Unix(path.to_path_buf()),
                None => Endpoint::Tcp(Target::Unix(addr)),
            },
            target => Endpoint::Tcp(target),
        }
    }
}

/// Everything a client connection needs before it exists.
pub(crate) struct Dial {
    endpoint: Endpoint,
    #[cfg(feature = "tls")]
    tls: crate::tls::ClientTls,
}

type Connecting = Pin<Box<dyn Future<Output = io::Result<Conn>> + Send>>;

/// A builder until first polled, then the connection under way.
enum Stage {
    Options(Dial),
    Connecting(Connecting),
    Done,
}

impl Dial {
    pub(crate) fn new(endpoint: Endpoint) -> Dial {
        Dial {
            endpoint,
            #[cfg(feature = "tls")]
            tls: Default::default(),
        }
    }

    async fn connect(self) -> io::Result<Conn> {
        #[cfg(feature = "tls")]
        let default_name = host_name(&self.endpoint);
        #[cfg(feature = "tls")]
        self.tls.check(default_name.as_deref())?;
        let conn = match self.endpoint {
            Endpoint::Tcp(target) => {
                // asyncio sets TCP_NODELAY on every TCP transport.
                let stream = ConnectOptions::new().nodelay(true).connect(target).await?;
                Conn::Tcp(Arc::new(stream))
            }
            Endpoint::Unix(path) => Conn::Unix(Arc::new(UnixStream::connect(path).await?)),
        };
        #[cfg(feature = "tls")]
        let conn = self.tls.wrap(conn, default_name).await?;
        Ok(conn)
    }
}

/// The name a TLS client checks by default: the host it was asked to
/// connect to (asyncio's `server_hostname` defaults to `host`).
#[cfg(feature = "tls")]
fn host_name(endpoint: &Endpoint) -> Option<String> {
    match endpoint {
        Endpoint::Tcp(Target::Name(name, Some(_))) => Some(name.clone()),
        Endpoint::Tcp(Target::Name(name, None)) => {
            let host = name.rsplit_once(':').map_or(name.as_str(), |(h, _)| h);
            Some(
                host.trim_start_matches('[')
                    .trim_end_matches(']')
                    .to_owned(),
            )
        }
        Endpoint::Tcp(Target::Resolved(addrs)) => addrs.first().map(|a| a.ip().to_string()),
        Endpoint::Tcp(Target::Unix(_)) | Endpoint::Unix(_) => None,
    }
}

impl Stage {
    fn poll_conn(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Conn>> {
        loop {
            match std::mem::replace(self, Stage::Done) {
                Stage::Options(dial) => *self = Stage::Connecting(Box::pin(dial.connect())),
                Stage::Connecting(mut fut) => {
                    return match fut.as_mut().poll(cx) {
                        Poll::Pending => {
                            *self = Stage::Connecting(fut);
                            Poll::Pending
                        }
                        Poll::Ready(r) => Poll::Ready(r),
                    };
                }
                Stage::Done => {
                    return Poll::Ready(Err(io::Error::other(
                        "this connection future already completed; call open_connection again",
                    )))
                }
            }
        }
    }

    /// The options, while they can still be changed.
    #[cfg_attr(not(feature = "tls"), allow(dead_code))]
    fn dial(&mut self) -> Option<&mut Dial> {
        match self {
            Stage::Options(d) => Some(d),
            _ => None,
        }
    }
}

/// A stream connection being set up; `.await` it for the
/// `(StreamReader, StreamWriter)` pair. Made by
/// [`open_connection`](crate::open_connection) and
/// [`open_unix_connection`](crate::open_unix_connection); set options
/// before the first poll.
///
/// ```
/// # hive::run(async {
/// # let server = hive::net::start_server(|_r, _w| async {}, "127.0.0.1:0").await.unwrap();
/// # let addr = server.local_addrs()[0].as_inet().unwrap();
/// let (reader, _writer) = hive::net::open_connection(addr).limit(1 << 20).await.unwrap();
/// assert_eq!(reader.limit(), 1 << 20);
/// # }).unwrap();
/// ```
#[must_use = "a connection is made only when this is awaited"]
pub struct OpenConnection {
    stage: Stage,
    limit: usize,
}

impl OpenConnection {
    pub(crate) fn new(endpoint: Endpoint) -> OpenConnection {
        OpenConnection {
            stage: Stage::Options(Dial::new(endpoint)),
            limit: crate::DEFAULT_LIMIT,
        }
    }

    /// The reader's buffer limit (asyncio's `limit=`, 64 KiB by default).
    ///
    /// ```
    /// let _ = hive::net::open_connection("127.0.0.1:9").limit(1024);
    /// ```
    pub fn limit(mut self, limit: usize) -> OpenConnection {
        self.limit = limit;
        self
    }
}

impl Future for OpenConnection {
    type Output = io::Result<(StreamReader, StreamWriter)>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let conn = ready!(self.stage.poll_conn(cx))?;
        let (reader, writer) = StreamReader::from_conn(conn);
        Poll::Ready(Ok((reader.with_limit(self.limit), writer)))
    }
}

/// A protocol connection being set up; `.await` it for the transport and
/// the task driving the protocol. Made by
/// [`create_connection`](crate::create_connection) and
/// [`create_unix_connection`](crate::create_unix_connection).
///
/// ```
/// struct Nop;
/// impl hive::net::Protocol for Nop { fn data_received(&mut self, _: &[u8]) {} }
/// # hive::run(async {
/// # let server = hive::net::start_server(|_r, _w| async {}, "127.0.0.1:0").await.unwrap();
/// # let addr = server.local_addrs()[0].as_inet().unwrap();
/// let (transport, task) = hive::net::create_connection(|| Nop, addr).await.unwrap();
/// transport.close();
/// task.await.unwrap();
/// # }).unwrap();
/// ```
#[must_use = "a connection is made only when this is awaited"]
pub struct CreateConnection<F> {
    stage: Stage,
    factory: Option<F>,
}

// The factory is only ever moved out, never pinned: no pin projection.
impl<F> Unpin for CreateConnection<F> {}

impl<F> CreateConnection<F> {
    pub(crate) fn new(endpoint: Endpoint, factory: F) -> CreateConnection<F> {
        CreateConnection {
            stage: Stage::Options(Dial::new(endpoint)),
            factory: Some(factory),
        }
    }
}

impl<F, P> Future for CreateConnection<F>
where
    F: FnOnce() -> P,
    P: AnyProtocol + Send,
{
    type Output = io::Result<(Transport, Task<P>)>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let conn = ready!(self.stage.poll_conn(cx))?;
        match self.factory.take() {
            Some(factory) => Poll::Ready(start_protocol(factory(), conn)),
            None => Poll::Ready(Err(io::Error::other(
                "this connection future already completed; call create_connection again",
            ))),
        }
    }
}

/// asyncio's TLS keyword arguments as builder methods.
#[cfg(feature = "tls")]
macro_rules! client_tls_options {
    ($ty:ty, [$($gen:tt)*], $setup:literal, $call:literal) => {
        impl<$($gen)*> $ty {
            #[doc = concat!("Speaks TLS with `connector`'s roots and ALPN (asyncio's `ssl=`): the handshake runs before the connection is handed out, and its failure is a [`TlsError`](crate::tls::TlsError) naming the peer.\n\n```no_run\n", $setup, "# hive::run(async {\nlet tls = hive::net::tls::TlsConnector::with_system_roots().unwrap();\nlet _ = ", $call, ".ssl(tls).await;\n# }).unwrap();\n```")]
            pub fn ssl(mut self, connector: crate::tls::TlsConnector) -> Self {
                if let Some(d) = self.stage.dial() {
                    d.tls.connector = Some(connector);
                }
                self
            }

            #[doc = concat!("The name the server's certificate must carry, also sent as SNI (asyncio's `server_hostname=`). By default the host connected to; required over a Unix socket.\n\n```no_run\n", $setup, "# hive::run(async {\nlet tls = hive::net::tls::TlsConnector::with_system_roots().unwrap();\nlet _ = ", $call, ".ssl(tls).server_hostname(\"example.com\").await;\n# }).unwrap();\n```")]
            pub fn server_hostname(mut self, name: impl Into<String>) -> Self {
                if let Some(d) = self.stage.dial() {
                    d.tls.server_hostname = Some(name.into());
                }
                self
            }

            #[doc = concat!("How long the TLS handshake may take (asyncio's `ssl_handshake_timeout=`; default: the connector's, 60 s); then the connection fails with [`TlsError::HandshakeTimeout`](crate::tls::TlsError::HandshakeTimeout).\n\n```no_run\n", $setup, "# hive::run(async {\nlet tls = hive::net::tls::TlsConnector::with_system_roots().unwrap();\nlet _ = ", $call, ".ssl(tls).ssl_handshake_timeout(std::time::Duration::from_secs(5)).await;\n# }).unwrap();\n```")]
            pub fn ssl_handshake_timeout(mut self, timeout: std::time::Duration) -> Self {
                if let Some(d) = self.stage.dial() {
                    d.tls.handshake_timeout = Some(timeout);
                }
                self
            }

            #[doc = concat!("How long a graceful TLS close may take before it becomes an abort (asyncio's `ssl_shutdown_timeout=`; default: the connector's, 30 s).\n\n```no_run\n", $setup, "# hive::run(async {\nlet tls = hive::net::tls::TlsConnector::with_system_roots().unwrap();\nlet _ = ", $call, ".ssl(tls).ssl_shutdown_timeout(std::time::Duration::from_secs(5)).await;\n# }).unwrap();\n```")]
            pub fn ssl_shutdown_timeout(mut self, timeout: std::time::Duration) -> Self {
                if let Some(d) = self.stage.dial() {
                    d.tls.shutdown_timeout = Some(timeout);
                }
                self
            }
        }
    };
}

#[cfg(feature = "tls")]
client_tls_options!(
    OpenConnection,
    [],
    "",
    "hive::net::open_connection(\"example.com:443\")"
);
#[cfg(feature = "tls")]
client_tls_options!(
    CreateConnection<F>,
    [F],
    "struct Nop;\nimpl hive::net::Protocol for Nop { fn data_received(&mut self, _: &[u8]) {} }\n",
    "hive::net::create_connection(|| Nop, \"example.com:443\")"
);
