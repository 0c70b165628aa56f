//! # hive-http
//!
//! hyper 1.x on hive's loops, with no glue to write: use it as
//! `hive::http` (cargo feature `http`).
//!
//! * **Serve** a hyper `Service` ([`serve`], [`serve_unix`]) or a tower
//!   one such as an axum `Router` ([`serve_tower`]) on hive's servers:
//!   HTTP/1.1 with keep-alive and HTTP/2 on one port (h2c by prior
//!   knowledge; over TLS, `h2` by ALPN with the `tls` feature), either
//!   server kind (default spread, or [`per_loop`](Serve::per_loop)),
//!   header-read and idle timeouts, a connection limit, and graceful
//!   shutdown through [`HttpServer::close`] / [`wait_closed`](HttpServer::wait_closed).
//! * **Request** with [`Client`]: HTTP/1.1 and HTTP/2, over TCP and TLS,
//!   connections reused per host; `client.get_bytes(url)` fetches in one
//!   call.
//! * **Build on hyper** yourself with the `hyper::rt` adapters:
//!   [`HiveIo`] (a hive stream as hyper's `Read`/`Write`, reading straight
//!   into hyper's buffer), [`HiveExecutor`], [`HiveTimer`]: hyper-util's
//!   `TokioIo`, `TokioExecutor`, `TokioTimer`, for hive.
//!
//! ```
//! use http_body_util::Full;
//! use hyper::body::Bytes;
//! # hive::run(async {
//! let hello = hyper::service::service_fn(|req: hyper::Request<hyper::body::Incoming>| async move {
//!     let text = format!("hello from {}", req.uri().path());
//!     Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(Bytes::from(text))))
//! });
//! let server = hive::http::serve(hello, "127.0.0.1:0").await.unwrap();
//! let port = server.local_addrs()[0].as_inet().unwrap().port();
//!
//! let body = hive::http::Client::new()
//!     .get_bytes(&format!("http://127.0.0.1:{port}/hive"))
//!     .await
//!     .unwrap();
//! assert_eq!(body, "hello from /hive");
//! server.shutdown(std::time::Duration::from_secs(5)).await;
//! # }).unwrap();
//! ```

mod client;
mod conn;
mod executor;
mod io;
mod serve;
mod server;
mod service;
mod shutdown;
mod timer;

pub use client::{Client, ClientBuilder, ClientError, RequestBody};
pub use executor::HiveExecutor;
pub use io::{HiveIo, Streams};
pub use serve::{
    serve, serve_tower, serve_unix, HttpService, ResponseBody, Serve, DEFAULT_HEADER_READ_TIMEOUT,
    DEFAULT_IDLE_TIMEOUT,
};
pub use server::HttpServer;
pub use service::{TowerFuture, TowerService};
pub use timer::HiveTimer;

/// hyper, re-exported: the version hive's adapters implement.
pub use hyper;

/// http-body-util, re-exported: request and response bodies (`Full`,
/// `Empty`, `BodyExt::collect`) of the version hyper here uses.
pub use http_body_util;

/// The byte buffer hyper's bodies carry.
pub use bytes::Bytes;

/// The `http` crate's types (`Request`, `Response`, `StatusCode`, ...).
pub use http::{Request, Response, StatusCode, Uri};

/// The error type hyper and tower take from services and bodies.
///
/// A service that fails in more than one way can return it and use `?`:
///
/// ```
/// use hive::http::BoxError;
/// async fn double(
///     req: hyper::Request<hyper::body::Incoming>,
/// ) -> Result<hyper::Response<String>, BoxError> {
///     let n: u64 = req.uri().query().ok_or("no number given")?.parse()?;
///     Ok(hyper::Response::new((n * 2).to_string()))
/// }
/// let _serve = hive::http::serve(hyper::service::service_fn(double), "127.0.0.1:0");
///
/// let err: BoxError = "no number given".into();
/// assert_eq!(err.to_string(), "no number given");
/// ```
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
