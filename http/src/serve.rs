//! [`serve`], [`serve_unix`], [`serve_tower`] and their options
//! ([`Serve`]): a hyper `Service` on hive's servers, HTTP/1.1 and HTTP/2
//! on one port.
//!
//! Each connection runs as asyncio's `start_server` runs it (the same
//! listeners, placement, TLS handshake and bookkeeping): hyper-util's
//! server tells HTTP/1.1 from HTTP/2 by the client's first bytes (h2c with
//! prior knowledge, or h2 agreed by ALPN over TLS), and the connection
//! task also watches the server's shutdown signal and its idle timer.

use crate::conn::{drive, refuse, ConnSettings, FirstRequest};
use crate::server::HttpServer;
use crate::shutdown::Shutdown;
use crate::{BoxError, HiveExecutor, HiveIo, HiveTimer, TowerService};
use hive_net::{StartServer, StreamReader, StreamWriter, ToSocketAddrs};
use http::{Request, Response};
use hyper::body::Incoming;
use hyper_util::server::conn::auto;
use std::future::{Future, IntoFuture};
use std::io;
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// How long a client may take to send a request's head (hyper's default);
/// [`Serve::header_read_timeout`] changes it.
///
/// ```
/// use hive::http::DEFAULT_HEADER_READ_TIMEOUT;
/// assert_eq!(DEFAULT_HEADER_READ_TIMEOUT, std::time::Duration::from_secs(30));
/// # let svc = hyper::service::service_fn(|_req: hyper::Request<hyper::body::Incoming>| async {
/// #     Ok::<_, std::convert::Infallible>(hyper::Response::new(String::new()))
/// # });
/// // Clients on a fast internal network: drop slow senders sooner.
/// let _serve = hive::http::serve(svc, "127.0.0.1:0")
///     .header_read_timeout(DEFAULT_HEADER_READ_TIMEOUT / 6);
/// ```
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a connection may sit with nothing happening before it is
/// closed gracefully: nginx's `keepalive_timeout` (75 s), so keep-alive
/// clients tuned for common servers reuse connections as they expect.
/// [`Serve::idle_timeout`] changes it.
///
/// ```
/// use hive::http::DEFAULT_IDLE_TIMEOUT;
/// assert_eq!(DEFAULT_IDLE_TIMEOUT, std::time::Duration::from_secs(75));
/// # let svc = hyper::service::service_fn(|_req: hyper::Request<hyper::body::Incoming>| async {
/// #     Ok::<_, std::convert::Infallible>(hyper::Response::new(String::new()))
/// # });
/// // Behind a proxy that keeps its pooled connections open for longer:
/// let _serve = hive::http::serve(svc, "127.0.0.1:0").idle_timeout(DEFAULT_IDLE_TIMEOUT * 4);
/// ```
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(75);

/// Serves `service` over HTTP/1.1 and HTTP/2 (h2c by prior knowledge) on
/// `addr`; add `.ssl(acceptor)` for HTTPS with HTTP/2 by ALPN. Set options
/// on the returned [`Serve`], then `.await` it for the [`HttpServer`].
///
/// ```
/// use http_body_util::Full;
/// use hyper::body::Bytes;
/// # hive::run(async {
/// let hello = hyper::service::service_fn(|_req| async {
///     Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(Bytes::from("hello"))))
/// });
/// let server = hive::http::serve(hello, "127.0.0.1:0").await.unwrap();
/// let port = server.local_addrs()[0].as_inet().unwrap().port();
///
/// let client = hive::http::Client::new();
/// let body = client.get_bytes(&format!("http://127.0.0.1:{port}/")).await.unwrap();
/// assert_eq!(body, "hello");
/// server.shutdown(std::time::Duration::from_secs(5)).await;
/// # }).unwrap();
/// ```
#[doc(alias = "hyper_util::server::conn::auto")]
pub fn serve<S, B>(service: S, addr: impl ToSocketAddrs) -> Serve
where
    S: HttpService<B>,
    B: ResponseBody,
{
    let settings = Arc::new(OnceLock::new());
    let start = hive_net::start_server(handler(service, settings.clone()), addr);
    Serve::new(start, settings)
}

/// [`serve`] on a Unix socket (HTTP/1.1 and h2c; the socket file is
/// removed when the server closes).
///
/// ```
/// # hive::run(async {
/// let path = std::env::temp_dir().join(format!("hive-doc-http-{}.sock", std::process::id()));
/// let _ = std::fs::remove_file(&path);
/// let svc = hyper::service::service_fn(|_req| async {
///     Ok::<_, std::convert::Infallible>(hyper::Response::new(String::from("over unix")))
/// });
/// let server = hive::http::serve_unix(svc, &path).await.unwrap();
/// server.close();
/// server.wait_closed().await;
/// # }).unwrap();
/// ```
pub fn serve_unix<S, B>(service: S, path: impl AsRef<Path>) -> Serve
where
    S: HttpService<B>,
    B: ResponseBody,
{
    let settings = Arc::new(OnceLock::new());
    let start = hive_net::start_unix_server(handler(service, settings.clone()), path);
    Serve::new(start, settings)
}

/// Serves a tower `Service`, such as an axum `Router`, as it is (axum's
/// `serve`, on hive): [`serve`] over a [`TowerService`].
///
/// ```
/// #[derive(Clone)]
/// struct Echo;
/// impl tower_service::Service<hyper::Request<hyper::body::Incoming>> for Echo {
///     type Response = hyper::Response<hyper::body::Incoming>;
///     type Error = std::convert::Infallible;
///     type Future = std::future::Ready<Result<Self::Response, Self::Error>>;
///     fn poll_ready(&mut self, _: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), Self::Error>> {
///         std::task::Poll::Ready(Ok(()))
///     }
///     fn call(&mut self, req: hyper::Request<hyper::body::Incoming>) -> Self::Future {
///         std::future::ready(Ok(hyper::Response::new(req.into_body())))
///     }
/// }
/// # hive::run(async {
/// let server = hive::http::serve_tower(Echo, "127.0.0.1:0").await.unwrap();
/// server.close();
/// # }).unwrap();
/// ```
#[doc(alias = "axum::serve")]
pub fn serve_tower<S, B>(service: S, addr: impl ToSocketAddrs) -> Serve
where
    S: tower_service::Service<Request<Incoming>, Response = Response<B>>
        + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    serve(TowerService::new(service), addr)
}

/// What [`serve`] takes: a hyper `Service` of requests that is `Clone +
/// Send + Sync` (a `service_fn` closure is), answering with a
/// [`ResponseBody`]. Implemented for every such service.
///
/// ```
/// fn takes<S: hive::http::HttpService<String>>(_s: S) {}
/// takes(hyper::service::service_fn(|_req| async {
///     Ok::<_, std::convert::Infallible>(hyper::Response::new(String::new()))
/// }));
/// ```
pub trait HttpService<B>:
    hyper::service::Service<
        Request<Incoming>,
        Response = Response<B>,
        Future: Send + 'static,
        Error: Into<BoxError>,
    > + Clone
    + Send
    + Sync
    + 'static
{
}

impl<S, B> HttpService<B> for S where
    S: hyper::service::Service<
            Request<Incoming>,
            Response = Response<B>,
            Future: Send + 'static,
            Error: Into<BoxError>,
        > + Clone
        + Send
        + Sync
        + 'static
{
}

/// A response body hive's servers can send: any `http_body::Body` that is
/// `Send` with `Send` chunks (`String`, `Full<Bytes>`, `Incoming`, ...).
///
/// ```
/// fn takes<B: hive::http::ResponseBody>(_b: B) {}
/// takes(String::from("hi"));
/// ```
pub trait ResponseBody:
    http_body::Body<Data: Send, Error: Into<BoxError>> + Send + 'static
{
}

impl<B> ResponseBody for B where
    B: http_body::Body<Data: Send, Error: Into<BoxError>> + Send + 'static
{
}

/// The connection handler given to `start_server`: reads the settings
/// fixed when the server was awaited.
fn handler<S, B>(
    service: S,
    settings: Arc<OnceLock<Arc<ConnSettings>>>,
) -> impl Fn(StreamReader, StreamWriter) -> Pin<Box<dyn Future<Output = ()> + Send>>
       + Send
       + Sync
       + 'static
where
    S: HttpService<B>,
    B: ResponseBody,
{
    move |reader, writer| {
        let service = service.clone();
        let settings = settings.get().cloned();
        Box::pin(async move {
            // Set before the first listener opens, so always there.
            let Some(settings) = settings else { return };
            let io = HiveIo::from_streams(reader, writer);
            let _permit = match &settings.limit {
                Some(limit) => match limit.try_acquire() {
                    Some(permit) => Some(permit),
                    None => return refuse(io, &settings).await,
                },
                None => None,
            };
            let seen = Arc::new(hive_sync::Event::new());
            let service = FirstRequest::new(service, seen.clone());
            let conn = settings.builder.serve_connection(io, service);
            drive(conn, &settings, &seen).await;
        })
    }
}

/// Options of an HTTP server being started; `.await` it to bind and
/// serve. Made by [`serve`], [`serve_unix`] and [`serve_tower`].
///
/// ```
/// # hive::run(async {
/// let svc = hyper::service::service_fn(|_req| async {
///     Ok::<_, std::convert::Infallible>(hyper::Response::new(String::new()))
/// });
/// let server = hive::http::serve(svc, "127.0.0.1:0")
///     .per_loop(true)
///     .max_connections(10_000)
///     .header_read_timeout(std::time::Duration::from_secs(10))
///     .idle_timeout(std::time::Duration::from_secs(30))
///     .await
///     .unwrap();
/// server.close();
/// # }).unwrap();
/// ```
#[must_use = "a server starts only when this is awaited"]
pub struct Serve {
    start: StartServer,
    settings: Arc<OnceLock<Arc<ConnSettings>>>,
    per_loop: bool,
    header_read_timeout: Option<Duration>,
    idle_timeout: Option<Duration>,
    max_connections: Option<usize>,
    versions: Versions,
    #[cfg(feature = "tls")]
    ssl: Option<hive_net::tls::TlsAcceptor>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Versions {
    Both,
    Http1,
    Http2,
}

impl Serve {
    fn new(start: StartServer, settings: Arc<OnceLock<Arc<ConnSettings>>>) -> Serve {
        Serve {
            start,
            settings,
            per_loop: false,
            header_read_timeout: Some(DEFAULT_HEADER_READ_TIMEOUT),
            idle_timeout: Some(DEFAULT_IDLE_TIMEOUT),
            max_connections: None,
            versions: Versions::Both,
            #[cfg(feature = "tls")]
            ssl: None,
        }
    }

    /// One `SO_REUSEPORT` listener per loop, each connection (and its
    /// HTTP/2 streams) pinned to the loop that accepted it: see
    /// [`StartServer::per_loop`].
    ///
    /// ```
    /// # let svc = hyper::service::service_fn(|_req: hyper::Request<hyper::body::Incoming>| async {
    /// #     Ok::<_, std::convert::Infallible>(hyper::Response::new(String::new()))
    /// # });
    /// let _serve = hive::http::serve(svc, "127.0.0.1:0").per_loop(true);
    /// ```
    pub fn per_loop(mut self, per_loop: bool) -> Serve {
        self.per_loop = per_loop;
        self.start = self.start.per_loop(per_loop);
        self
    }

    /// The listen backlog ([`StartServer::backlog`]).
    ///
    /// ```
    /// # let svc = hyper::service::service_fn(|_req: hyper::Request<hyper::body::Incoming>| async {
    /// #     Ok::<_, std::convert::Infallible>(hyper::Response::new(String::new()))
    /// # });
    /// let _serve = hive::http::serve(svc, "127.0.0.1:0").backlog(4096);
    /// ```
    pub fn backlog(mut self, backlog: u32) -> Serve {
        self.start = self.start.backlog(backlog);
        self
    }

    /// At most `n` connections are served at once; each one beyond that
    /// gets one `503 Service Unavailable` (with `Retry-After: 1`) and is
    /// closed. Unlimited by default.
    ///
    /// ```
    /// # let svc = hyper::service::service_fn(|_req: hyper::Request<hyper::body::Incoming>| async {
    /// #     Ok::<_, std::convert::Infallible>(hyper::Response::new(String::new()))
    /// # });
    /// let _serve = hive::http::serve(svc, "127.0.0.1:0").max_connections(1024);
    /// ```
    pub fn max_connections(mut self, n: usize) -> Serve {
        self.max_connections = Some(n);
        self
    }

    /// How long a client may take to send a request's head
    /// ([`DEFAULT_HEADER_READ_TIMEOUT`]; `None` for no limit): for the
    /// first request, counted from the accept (so a client that connects
    /// and says nothing, or stalls in HTTP/2's preface, is dropped too);
    /// for later HTTP/1.1 requests, from their first byte. A client that
    /// trickles headers byte by byte is cut off when it runs out.
    ///
    /// ```
    /// # let svc = hyper::service::service_fn(|_req: hyper::Request<hyper::body::Incoming>| async {
    /// #     Ok::<_, std::convert::Infallible>(hyper::Response::new(String::new()))
    /// # });
    /// let _serve = hive::http::serve(svc, "127.0.0.1:0")
    ///     .header_read_timeout(std::time::Duration::from_secs(5));
    /// ```
    pub fn header_read_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Serve {
        self.header_read_timeout = timeout.into();
        self
    }

    /// A connection whose task nothing has woken for this long (no bytes
    /// in, no response going out) is shut down gracefully: a request in
    /// flight still finishes ([`DEFAULT_IDLE_TIMEOUT`]; `None` for never).
    ///
    /// ```
    /// # let svc = hyper::service::service_fn(|_req: hyper::Request<hyper::body::Incoming>| async {
    /// #     Ok::<_, std::convert::Infallible>(hyper::Response::new(String::new()))
    /// # });
    /// let _serve = hive::http::serve(svc, "127.0.0.1:0").idle_timeout(None);
    /// ```
    pub fn idle_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Serve {
        self.idle_timeout = timeout.into();
        self
    }

    /// HTTP/1.1 only (no h2c detection, no `h2` offered by ALPN).
    ///
    /// ```
    /// # let svc = hyper::service::service_fn(|_req: hyper::Request<hyper::body::Incoming>| async {
    /// #     Ok::<_, std::convert::Infallible>(hyper::Response::new(String::new()))
    /// # });
    /// let _serve = hive::http::serve(svc, "127.0.0.1:0").http1_only();
    /// ```
    pub fn http1_only(mut self) -> Serve {
        self.versions = Versions::Http1;
        self
    }

    /// HTTP/2 only (prior knowledge in clear text, `h2` by ALPN over TLS).
    ///
    /// ```
    /// # let svc = hyper::service::service_fn(|_req: hyper::Request<hyper::body::Incoming>| async {
    /// #     Ok::<_, std::convert::Infallible>(hyper::Response::new(String::new()))
    /// # });
    /// let _serve = hive::http::serve(svc, "127.0.0.1:0").http2_only();
    /// ```
    pub fn http2_only(mut self) -> Serve {
        self.versions = Versions::Http2;
        self
    }

    /// Serves HTTPS: the TLS handshake runs first (as with
    /// [`StartServer::ssl`]), and an acceptor with no ALPN list of its own
    /// offers `h2` and `http/1.1` (as this server's versions allow), so
    /// browsers and `curl --http2` get HTTP/2.
    ///
    /// ```no_run
    /// # let svc = hyper::service::service_fn(|_req: hyper::Request<hyper::body::Incoming>| async {
    /// #     Ok::<_, std::convert::Infallible>(hyper::Response::new(String::new()))
    /// # });
    /// let acceptor = hive::net::tls::TlsAcceptor::from_pem_files("cert.pem", "key.pem").unwrap();
    /// let _serve = hive::http::serve(svc, "0.0.0.0:443").ssl(acceptor);
    /// ```
    #[cfg(feature = "tls")]
    pub fn ssl(mut self, acceptor: hive_net::tls::TlsAcceptor) -> Serve {
        self.ssl = Some(acceptor);
        self
    }

    /// The TLS handshake's time limit ([`StartServer::ssl_handshake_timeout`]).
    ///
    /// ```
    /// # let svc = hyper::service::service_fn(|_req: hyper::Request<hyper::body::Incoming>| async {
    /// #     Ok::<_, std::convert::Infallible>(hyper::Response::new(String::new()))
    /// # });
    /// let _serve = hive::http::serve(svc, "127.0.0.1:0")
    ///     .ssl_handshake_timeout(std::time::Duration::from_secs(10));
    /// ```
    #[cfg(feature = "tls")]
    pub fn ssl_handshake_timeout(mut self, timeout: Duration) -> Serve {
        self.start = self.start.ssl_handshake_timeout(timeout);
        self
    }

    fn conn_settings(&self) -> ConnSettings {
        let exec = if self.per_loop {
            HiveExecutor::pinned()
        } else {
            HiveExecutor::new()
        };
        let mut builder = auto::Builder::new(exec);
        builder
            .http1()
            .timer(HiveTimer)
            .header_read_timeout(self.header_read_timeout);
        builder.http2().timer(HiveTimer);
        let builder = match self.versions {
            Versions::Both => builder,
            Versions::Http1 => builder.http1_only(),
            Versions::Http2 => builder.http2_only(),
        };
        let mut refusal = auto::Builder::new(exec);
        refusal
            .http1()
            .timer(HiveTimer)
            .keep_alive(false)
            .header_read_timeout(self.header_read_timeout);
        ConnSettings {
            builder,
            refusal,
            shutdown: Shutdown::default(),
            idle_timeout: self.idle_timeout,
            header_read_timeout: self.header_read_timeout,
            limit: self.max_connections.map(hive_sync::Semaphore::new),
        }
    }

    /// The acceptor's ALPN list, where it has none: what this server speaks.
    #[cfg(feature = "tls")]
    fn with_ssl(mut self) -> Serve {
        if let Some(acceptor) = self.ssl.take() {
            let acceptor = if acceptor.config().alpn_protocols.is_empty() {
                match self.versions {
                    Versions::Both => acceptor.with_alpn(["h2", "http/1.1"]),
                    Versions::Http1 => acceptor.with_alpn(["http/1.1"]),
                    Versions::Http2 => acceptor.with_alpn(["h2"]),
                }
            } else {
                acceptor
            };
            self.start = self.start.ssl(acceptor);
        }
        self
    }

    async fn start(self) -> io::Result<HttpServer> {
        #[cfg(feature = "tls")]
        let this = self.with_ssl();
        #[cfg(not(feature = "tls"))]
        let this = self;
        let conn = Arc::new(this.conn_settings());
        // Fixed before a listener exists, so every connection sees it.
        let _ = this.settings.set(conn.clone());
        let server = this.start.await?;
        Ok(HttpServer::new(server, conn))
    }
}

impl IntoFuture for Serve {
    type Output = io::Result<HttpServer>;
    type IntoFuture = Pin<Box<dyn Future<Output = io::Result<HttpServer>> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.start())
    }
}
