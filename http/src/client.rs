//! [`Client`]: hyper's client connections on hive's I/O, with a small
//! pool: HTTP/1.1 connections are reused one request at a time, and one
//! HTTP/2 connection per host carries every concurrent request.

use crate::{BoxError, HiveExecutor, HiveIo, HiveTimer};
use bytes::Bytes;
use http::{header, Request, Response, StatusCode, Uri};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use hyper::client::conn::{http1, http2};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;

/// The body type the client sends: any request body, boxed. Box bodies
/// into it to pick one at run time where the type must be the same.
///
/// ```
/// use http_body_util::{BodyExt, Empty, Full};
/// use hive::http::{Bytes, RequestBody};
/// let body = |upload: Option<&'static str>| -> RequestBody {
///     match upload {
///         Some(text) => Full::new(Bytes::from(text)).map_err(Into::into).boxed_unsync(),
///         None => Empty::new().map_err(Into::into).boxed_unsync(),
///     }
/// };
/// assert_eq!(hyper::body::Body::size_hint(&body(Some("ping"))).exact(), Some(4));
/// assert!(hyper::body::Body::is_end_stream(&body(None)));
/// ```
pub type RequestBody = UnsyncBoxBody<Bytes, BoxError>;

/// How many idle HTTP/1.1 connections are kept per host by default.
const DEFAULT_MAX_IDLE_PER_HOST: usize = 32;

/// An HTTP client on hive: HTTP/1.1 and HTTP/2, `http://` and (with the
/// `tls` feature) `https://`, connections reused per host. HTTPS offers
/// `h2` and `http/1.1` by ALPN and speaks what the server picks; plain
/// `http://` is HTTP/1.1 unless [`http2_prior_knowledge`](ClientBuilder::http2_prior_knowledge).
/// Clones share the pool. hyper's own client connections, not a new HTTP
/// implementation; like them it follows no redirects and adds no
/// compression.
///
/// ```
/// # hive::run(async {
/// # let svc = hyper::service::service_fn(|req: hyper::Request<hyper::body::Incoming>| async move {
/// #     Ok::<_, std::convert::Infallible>(hyper::Response::new(req.into_body()))
/// # });
/// # let server = hive::http::serve(svc, "127.0.0.1:0").await.unwrap();
/// # let port = server.local_addrs()[0].as_inet().unwrap().port();
/// let client = hive::http::Client::new();
/// let req = hyper::Request::post(format!("http://127.0.0.1:{port}/echo"))
///     .body(String::from("ping"))
///     .unwrap();
/// let res = client.request(req).await.unwrap();
/// assert_eq!(res.status(), 200);
/// use http_body_util::BodyExt;
/// assert_eq!(res.into_body().collect().await.unwrap().to_bytes(), "ping");
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Mutex<HashMap<Key, Slot>>,
    http2_prior_knowledge: bool,
    max_idle_per_host: usize,
    connect_timeout: Option<Duration>,
    #[cfg(feature = "tls")]
    tls: Option<hive_net::tls::TlsConnector>,
}

/// Where a connection goes: scheme, host and port.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Key {
    https: bool,
    host: String,
    port: u16,
}

#[derive(Default)]
struct Slot {
    idle: Vec<http1::SendRequest<RequestBody>>,
    h2: Option<http2::SendRequest<RequestBody>>,
    /// Set while one request dials a connection the others will share.
    dialing: Option<Arc<hive_sync::Event>>,
    /// The host answered an `https://` dial with HTTP/1.1: dial freely.
    speaks_h1: bool,
}

impl Slot {
    /// A ready pooled connection, if there is one.
    fn checkout(&mut self) -> Option<Sender> {
        if let Some(h2) = &self.h2 {
            if !h2.is_closed() {
                return Some(Sender::H2(h2.clone()));
            }
            self.h2 = None;
        }
        // Closed connections go; busy ones (a response body still being
        // read) stay for later.
        self.idle.retain(|s| !s.is_closed());
        let ready = self.idle.iter().position(|s| s.is_ready())?;
        Some(Sender::H1(self.idle.swap_remove(ready)))
    }
}

/// Ends a single-flight dial: clears the marker and wakes the waiters,
/// whether the dial succeeded, failed or was cancelled.
struct DialGuard<'a> {
    client: &'a Client,
    key: &'a Key,
    dialing: Arc<hive_sync::Event>,
}

impl Drop for DialGuard<'_> {
    fn drop(&mut self) {
        let mut pool = self.client.inner.pool.lock();
        if let Some(slot) = pool.get_mut(self.key) {
            if slot
                .dialing
                .as_ref()
                .is_some_and(|d| Arc::ptr_eq(d, &self.dialing))
            {
                slot.dialing = None;
            }
        }
        self.dialing.set();
    }
}

enum Sender {
    H1(http1::SendRequest<RequestBody>),
    H2(http2::SendRequest<RequestBody>),
}

/// Options of a [`Client`].
///
/// ```
/// let client = hive::http::Client::builder()
///     .http2_prior_knowledge(true)
///     .max_idle_per_host(8)
///     .connect_timeout(std::time::Duration::from_secs(3))
///     .build();
/// # drop(client);
/// ```
#[derive(Debug)]
#[must_use]
pub struct ClientBuilder {
    http2_prior_knowledge: bool,
    max_idle_per_host: usize,
    connect_timeout: Option<Duration>,
    #[cfg(feature = "tls")]
    tls: Option<hive_net::tls::TlsConnector>,
}

impl ClientBuilder {
    /// Speak HTTP/2 to `http://` URLs without asking (h2c with prior
    /// knowledge, curl's `--http2-prior-knowledge`).
    ///
    /// ```
    /// let _c = hive::http::Client::builder().http2_prior_knowledge(true).build();
    /// ```
    pub fn http2_prior_knowledge(mut self, yes: bool) -> ClientBuilder {
        self.http2_prior_knowledge = yes;
        self
    }

    /// Idle HTTP/1.1 connections kept per host (32 by default; 0 turns
    /// reuse off).
    ///
    /// ```
    /// let _c = hive::http::Client::builder().max_idle_per_host(0).build();
    /// ```
    pub fn max_idle_per_host(mut self, n: usize) -> ClientBuilder {
        self.max_idle_per_host = n;
        self
    }

    /// A time limit on opening each connection (TCP and TLS handshake).
    ///
    /// ```
    /// let _c = hive::http::Client::builder().connect_timeout(std::time::Duration::from_secs(2)).build();
    /// ```
    pub fn connect_timeout(mut self, timeout: Duration) -> ClientBuilder {
        self.connect_timeout = Some(timeout);
        self
    }

    /// The TLS settings for `https://` (trusted roots, client
    /// certificate). The default trusts the system's roots. A connector
    /// with no ALPN list offers `h2` and `http/1.1`.
    ///
    /// ```
    /// # let key = rcgen::KeyPair::generate().unwrap();
    /// # let cert = rcgen::CertificateParams::new(vec!["localhost".into()]).unwrap().self_signed(&key).unwrap();
    /// let roots = hive::net::tls::TlsConnector::from_root_pem(cert.pem().as_bytes()).unwrap();
    /// let _c = hive::http::Client::builder().tls(roots).build();
    /// ```
    #[cfg(feature = "tls")]
    pub fn tls(mut self, connector: hive_net::tls::TlsConnector) -> ClientBuilder {
        let connector = if connector.config().alpn_protocols.is_empty() {
            connector.with_alpn(["h2", "http/1.1"])
        } else {
            connector
        };
        self.tls = Some(connector);
        self
    }

    /// The client.
    ///
    /// ```
    /// let _c = hive::http::Client::builder().build();
    /// ```
    pub fn build(self) -> Client {
        Client {
            inner: Arc::new(Inner {
                pool: Mutex::new(HashMap::new()),
                http2_prior_knowledge: self.http2_prior_knowledge,
                max_idle_per_host: self.max_idle_per_host,
                connect_timeout: self.connect_timeout,
                #[cfg(feature = "tls")]
                tls: self.tls,
            }),
        }
    }
}

impl Default for Client {
    fn default() -> Client {
        Client::new()
    }
}

impl Client {
    /// A client with the defaults.
    ///
    /// ```
    /// let _client = hive::http::Client::new();
    /// ```
    pub fn new() -> Client {
        Client::builder().build()
    }

    /// Options for a client.
    ///
    /// ```
    /// let _client = hive::http::Client::builder().max_idle_per_host(4).build();
    /// ```
    pub fn builder() -> ClientBuilder {
        ClientBuilder {
            http2_prior_knowledge: false,
            max_idle_per_host: DEFAULT_MAX_IDLE_PER_HOST,
            connect_timeout: None,
            #[cfg(feature = "tls")]
            tls: None,
        }
    }

    /// `GET url`; the response's body streams as it arrives.
    ///
    /// # Errors
    /// See [`request`](Client::request).
    ///
    /// ```
    /// # hive::run(async {
    /// # let svc = hyper::service::service_fn(|_req| async {
    /// #     Ok::<_, std::convert::Infallible>(hyper::Response::new(String::from("hi")))
    /// # });
    /// # let server = hive::http::serve(svc, "127.0.0.1:0").await.unwrap();
    /// # let port = server.local_addrs()[0].as_inet().unwrap().port();
    /// let res = hive::http::Client::new().get(&format!("http://127.0.0.1:{port}/")).await.unwrap();
    /// assert!(res.status().is_success());
    /// # }).unwrap();
    /// ```
    pub async fn get(&self, url: &str) -> Result<Response<Incoming>, ClientError> {
        let uri: Uri = url.parse().map_err(|_| ClientError::InvalidUrl {
            url: url.to_owned(),
            reason: "not a URL",
        })?;
        let req =
            Request::get(uri)
                .body(Empty::<Bytes>::new())
                .map_err(|_| ClientError::InvalidUrl {
                    url: url.to_owned(),
                    reason: "not a URL",
                })?;
        self.request(req).await
    }

    /// `GET url` and its whole body, for a `2xx` answer.
    ///
    /// # Errors
    /// [`ClientError::Status`] for any other status; else as
    /// [`request`](Client::request), or the body's error.
    ///
    /// ```
    /// # hive::run(async {
    /// # let svc = hyper::service::service_fn(|_req| async {
    /// #     Ok::<_, std::convert::Infallible>(hyper::Response::new(String::from("hi")))
    /// # });
    /// # let server = hive::http::serve(svc, "127.0.0.1:0").await.unwrap();
    /// # let port = server.local_addrs()[0].as_inet().unwrap().port();
    /// let body = hive::http::Client::new().get_bytes(&format!("http://127.0.0.1:{port}/")).await.unwrap();
    /// assert_eq!(body, "hi");
    /// # }).unwrap();
    /// ```
    pub async fn get_bytes(&self, url: &str) -> Result<Bytes, ClientError> {
        let res = self.get(url).await?;
        if !res.status().is_success() {
            return Err(ClientError::Status {
                url: url.to_owned(),
                status: res.status(),
            });
        }
        Ok(res
            .into_body()
            .collect()
            .await
            .map_err(ClientError::Http)?
            .to_bytes())
    }

    /// Sends `req` (an absolute `http://` or `https://` URI) on a pooled
    /// connection to its host, or a new one. A request that a pooled
    /// connection never took, because the server closed it meanwhile, is
    /// sent once more on a fresh one; so is a bodiless GET, HEAD or
    /// OPTIONS that the server took and closed the connection on without
    /// an answer (the race with a server's keep-alive timeout).
    ///
    /// # Errors
    /// [`ClientError::InvalidUrl`] for a URI without scheme or host;
    /// [`ClientError::Connect`] when the host cannot be reached (or its
    /// TLS handshake fails); [`ClientError::Http`] for hyper's error.
    ///
    /// ```
    /// # hive::run(async {
    /// let err = hive::http::Client::new().request(hyper::Request::get("/relative").body(String::new()).unwrap()).await.unwrap_err();
    /// assert!(matches!(err, hive::http::ClientError::InvalidUrl { .. }));
    /// # }).unwrap();
    /// ```
    pub async fn request<B>(&self, req: Request<B>) -> Result<Response<Incoming>, ClientError>
    where
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        let key = Key::of(req.uri())?;
        let mut req = req.map(|body| body.map_err(Into::into).boxed_unsync());
        let mut retried = false;
        loop {
            let (sender, reused) = self.checkout_or_dial(&key).await?;
            // A reused connection the server is closing just now may take
            // the request and never answer it; a request that is safe to
            // repeat and has no body is kept to send again.
            let replay = (reused && !retried).then(|| replayable(&req)).flatten();
            match self.send(&key, sender, req).await {
                Ok(res) => return Ok(res),
                // Never sent: the pooled connection had just closed. Once
                // more, on a fresh connection.
                Err(Retry::Unsent(r)) if reused && !retried => {
                    retried = true;
                    req = r;
                }
                Err(Retry::Unsent(_)) => {
                    return Err(ClientError::Connect {
                        authority: key.authority(),
                        source: io::Error::new(
                            io::ErrorKind::ConnectionAborted,
                            "the server closed the connection before taking the request",
                        ),
                    })
                }
                Err(Retry::Failed(e)) => match (e, replay) {
                    (ClientError::Http(e), Some(copy)) if e.is_incomplete_message() => {
                        retried = true;
                        req = copy;
                    }
                    (e, _) => return Err(e),
                },
            }
        }
    }

    /// A pooled connection (`true`), or a new one (`false`). Where the
    /// host speaks HTTP/2, or may (`https://` not yet known to answer
    /// HTTP/1.1, or prior knowledge), only one request dials and the rest
    /// wait for it, so a burst of first requests shares one connection.
    async fn checkout_or_dial(&self, key: &Key) -> Result<(Sender, bool), ClientError> {
        loop {
            let dial = {
                let mut pool = self.inner.pool.lock();
                let slot = pool.entry(key.clone()).or_default();
                if let Some(sender) = slot.checkout() {
                    return Ok((sender, true));
                }
                match &slot.dialing {
                    Some(dialing) => Err(dialing.clone()),
                    None if self.expects_h2(key, slot) => {
                        let dialing = Arc::new(hive_sync::Event::new());
                        slot.dialing = Some(dialing.clone());
                        Ok(Some(DialGuard {
                            client: self,
                            key,
                            dialing,
                        }))
                    }
                    None => Ok(None),
                }
            };
            match dial {
                Err(dialing) => dialing.wait().await,
                // The guard lets the waiters go however the dial ends.
                Ok(_guard) => return Ok((self.connect(key).await?, false)),
            }
        }
    }

    fn expects_h2(&self, key: &Key, slot: &Slot) -> bool {
        if key.https {
            !slot.speaks_h1
        } else {
            self.inner.http2_prior_knowledge
        }
    }

    async fn send(
        &self,
        key: &Key,
        sender: Sender,
        mut req: Request<RequestBody>,
    ) -> Result<Response<Incoming>, Retry> {
        match sender {
            Sender::H1(mut s) => {
                to_origin_form(&mut req, key);
                let sent = s.try_send_request(req).await;
                // Back in the pool at once: it takes the next request when
                // this response's body has been read.
                self.checkin(key, s);
                sent.map_err(|mut e| match e.take_message() {
                    Some(req) => Retry::Unsent(req),
                    None => Retry::Failed(ClientError::Http(e.into_error())),
                })
            }
            Sender::H2(mut s) => {
                let sent = s.try_send_request(req).await;
                sent.map_err(|mut e| match e.take_message() {
                    Some(req) => Retry::Unsent(req),
                    None => Retry::Failed(ClientError::Http(e.into_error())),
                })
            }
        }
    }

    fn checkin(&self, key: &Key, sender: http1::SendRequest<RequestBody>) {
        if sender.is_closed() {
            return;
        }
        let mut pool = self.inner.pool.lock();
        let slot = pool.entry(key.clone()).or_default();
        if slot.idle.len() < self.inner.max_idle_per_host {
            slot.idle.push(sender);
        }
    }

    /// Opens a connection to `key` and says hello in the right version.
    async fn connect(&self, key: &Key) -> Result<Sender, ClientError> {
        let open = self.open(key);
        match self.inner.connect_timeout {
            Some(limit) => {
                hive_runtime::timeout(limit, open)
                    .await
                    .map_err(|_| ClientError::Connect {
                        authority: key.authority(),
                        source: io::Error::new(io::ErrorKind::TimedOut, "connect timeout"),
                    })?
            }
            None => open.await,
        }
    }

    async fn open(&self, key: &Key) -> Result<Sender, ClientError> {
        let connect_error = |source| ClientError::Connect {
            authority: key.authority(),
            source,
        };
        let tcp = hive_net::TcpStream::connect((key.host.as_str(), key.port))
            .await
            .map_err(|e| connect_error(e.into()))?;
        tcp.set_nodelay(true).map_err(connect_error)?;
        if key.https {
            return self.open_tls(key, tcp).await;
        }
        if self.inner.http2_prior_knowledge {
            self.handshake_h2(key, HiveIo::new(tcp)).await
        } else {
            handshake_h1(key, HiveIo::new(tcp)).await
        }
    }

    #[cfg(feature = "tls")]
    async fn open_tls(&self, key: &Key, tcp: hive_net::TcpStream) -> Result<Sender, ClientError> {
        let connector = match &self.inner.tls {
            Some(c) => c.clone(),
            None => hive_net::tls::TlsConnector::with_system_roots()
                .map_err(|e| ClientError::Connect {
                    authority: key.authority(),
                    source: io::Error::other(e),
                })?
                .with_alpn(["h2", "http/1.1"]),
        };
        let host = key.host.trim_start_matches('[').trim_end_matches(']');
        let tls = hive_net::tls::TlsStream::connect(&connector, host, tcp)
            .await
            .map_err(|source| ClientError::Connect {
                authority: key.authority(),
                source,
            })?;
        if tls.tls_info().alpn_protocol() == Some(b"h2") {
            self.handshake_h2(key, HiveIo::new(tls)).await
        } else {
            self.inner
                .pool
                .lock()
                .entry(key.clone())
                .or_default()
                .speaks_h1 = true;
            handshake_h1(key, HiveIo::new(tls)).await
        }
    }

    #[cfg(not(feature = "tls"))]
    async fn open_tls(&self, _key: &Key, _tcp: hive_net::TcpStream) -> Result<Sender, ClientError> {
        Err(ClientError::NoTls)
    }

    async fn handshake_h2<T>(&self, key: &Key, io: HiveIo<T>) -> Result<Sender, ClientError>
    where
        HiveIo<T>: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    {
        let (sender, conn) = http2::Builder::new(HiveExecutor::new())
            .timer(HiveTimer)
            .handshake(io)
            .await
            .map_err(ClientError::Http)?;
        spawn_connection(key, conn)?;
        // Shared: later requests to this host multiplex over it.
        self.inner.pool.lock().entry(key.clone()).or_default().h2 = Some(sender.clone());
        Ok(Sender::H2(sender))
    }
}

async fn handshake_h1<T>(key: &Key, io: HiveIo<T>) -> Result<Sender, ClientError>
where
    HiveIo<T>: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (sender, conn) = http1::Builder::new()
        .handshake(io)
        .await
        .map_err(ClientError::Http)?;
    spawn_connection(key, conn)?;
    Ok(Sender::H1(sender))
}

/// Runs a client connection's I/O as its own task.
fn spawn_connection<F, E>(key: &Key, conn: F) -> Result<(), ClientError>
where
    F: std::future::Future<Output = Result<(), E>> + Send + 'static,
    E: fmt::Display,
{
    if hive_runtime::current_loop_id().is_none() {
        return Err(ClientError::NotOnLoop);
    }
    let authority = key.authority();
    drop(hive_runtime::spawn(async move {
        if let Err(e) = conn.await {
            tracing::debug!("hive-http: client connection to {authority} ended: {e}");
        }
    }));
    Ok(())
}

/// A copy of `req` to send again if its connection dies before the
/// answer: only for methods that are safe to repeat (RFC 9110 §9.2.2,
/// less PUT and DELETE, which a client may not mean to repeat) and an
/// empty body, so nothing the caller streams is lost or sent twice.
fn replayable(req: &Request<RequestBody>) -> Option<Request<RequestBody>> {
    use http_body::Body as _;
    let safe = matches!(
        req.method(),
        &http::Method::GET | &http::Method::HEAD | &http::Method::OPTIONS
    );
    if !safe || !req.body().is_end_stream() {
        return None;
    }
    let mut copy = Request::new(
        Empty::<Bytes>::new()
            .map_err(|never| match never {})
            .boxed_unsync(),
    );
    *copy.method_mut() = req.method().clone();
    *copy.uri_mut() = req.uri().clone();
    *copy.version_mut() = req.version();
    *copy.headers_mut() = req.headers().clone();
    Some(copy)
}

enum Retry {
    Unsent(Request<RequestBody>),
    Failed(ClientError),
}

impl Key {
    fn of(uri: &Uri) -> Result<Key, ClientError> {
        let invalid = |reason| ClientError::InvalidUrl {
            url: uri.to_string(),
            reason,
        };
        let https = match uri.scheme_str() {
            Some("http") => false,
            Some("https") => true,
            Some(_) => return Err(invalid("the scheme must be http or https")),
            None => return Err(invalid("give an absolute URL, such as http://host/path")),
        };
        let host = uri
            .host()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| invalid("the URL has no host"))?;
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        Ok(Key {
            https,
            host: host.to_owned(),
            port,
        })
    }

    fn authority(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

/// HTTP/1.1 wants `GET /path` and a `Host` header; HTTP/2 keeps the
/// absolute URI (hyper turns it into `:scheme` and `:authority`).
fn to_origin_form(req: &mut Request<RequestBody>, key: &Key) {
    if !req.headers().contains_key(header::HOST) {
        let default_port = if key.https { 443 } else { 80 };
        let host = if key.port == default_port {
            key.host.clone()
        } else {
            key.authority()
        };
        if let Ok(value) = header::HeaderValue::from_str(&host) {
            req.headers_mut().insert(header::HOST, value);
        }
    }
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/".to_owned());
    if let Ok(origin) = path.parse() {
        *req.uri_mut() = origin;
    }
}

/// Why a request failed.
///
/// ```
/// let e = hive::http::ClientError::InvalidUrl { url: "x".into(), reason: "not a URL" };
/// assert!(e.to_string().contains("not a URL"));
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum ClientError {
    /// The URL cannot be requested.
    InvalidUrl {
        /// The URL given.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The host could not be reached, or its TLS handshake failed.
    Connect {
        /// `host:port`.
        authority: String,
        /// The I/O or TLS error (a `TlsError` inside for TLS).
        source: io::Error,
    },
    /// hyper's error: the connection failed or the peer broke HTTP.
    Http(hyper::Error),
    /// `get_bytes` got a status other than `2xx`.
    Status {
        /// The URL requested.
        url: String,
        /// The status received.
        status: StatusCode,
    },
    /// An `https://` URL, but hive was built without the `tls` feature.
    NoTls,
    /// Called off hive's loops: the connection needs a loop to run on.
    NotOnLoop,
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::InvalidUrl { url, reason } => write!(f, "cannot request {url:?}: {reason}"),
            ClientError::Connect { authority, source } => {
                write!(f, "could not connect to {authority}: {source}")
            }
            ClientError::Http(e) => write!(f, "HTTP error: {e}"),
            ClientError::Status { url, status } => write!(f, "{url} answered {status}"),
            ClientError::NoTls => f.write_str(
                "https:// needs TLS: build hive with the `tls` feature (features = [\"http\", \"tls\"])",
            ),
            ClientError::NotOnLoop => f.write_str(
                "the HTTP client runs on hive's loops: call it from a hive task (inside hive::run)",
            ),
        }
    }
}

impl std::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ClientError::Connect { source, .. } => Some(source),
            ClientError::Http(e) => Some(e),
            _ => None,
        }
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pool = self.inner.pool.lock();
        f.debug_struct("Client")
            .field("hosts", &pool.len())
            .field("http2_prior_knowledge", &self.inner.http2_prior_knowledge)
            .finish()
    }
}
