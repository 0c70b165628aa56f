//! [`HttpServer`]: a running HTTP server, with graceful shutdown.

use crate::conn::ConnSettings;
use hive_net::{Addr, Server};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// A running HTTP server (from [`serve`](crate::serve)): hive's
/// [`Server`] plus the signal that shuts its connections down gracefully.
/// Clones share the server.
///
/// ```
/// # hive::run(async {
/// let svc = hyper::service::service_fn(|_req| async {
///     Ok::<_, std::convert::Infallible>(hyper::Response::new(String::from("hi")))
/// });
/// let server = hive::http::serve(svc, "127.0.0.1:0").await.unwrap();
/// assert!(server.is_serving());
/// server.shutdown(std::time::Duration::from_secs(1)).await;
/// assert!(!server.is_serving());
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct HttpServer {
    server: Server,
    settings: Arc<ConnSettings>,
}

impl HttpServer {
    pub(crate) fn new(server: Server, settings: Arc<ConnSettings>) -> HttpServer {
        HttpServer { server, settings }
    }

    /// The addresses it listens on (one per loop with `per_loop`, all with
    /// the same port).
    ///
    /// ```
    /// # hive::run(async {
    /// # let svc = hyper::service::service_fn(|_req| async {
    /// #     Ok::<_, std::convert::Infallible>(hyper::Response::new(String::new()))
    /// # });
    /// let server = hive::http::serve(svc, "127.0.0.1:0").await.unwrap();
    /// assert_ne!(server.local_addrs()[0].as_inet().unwrap().port(), 0);
    /// # }).unwrap();
    /// ```
    pub fn local_addrs(&self) -> Vec<Addr> {
        self.server.local_addrs()
    }

    /// Whether it still accepts connections.
    ///
    /// ```
    /// # hive::run(async {
    /// # let svc = hyper::service::service_fn(|_req| async {
    /// #     Ok::<_, std::convert::Infallible>(hyper::Response::new(String::new()))
    /// # });
    /// let server = hive::http::serve(svc, "127.0.0.1:0").await.unwrap();
    /// server.close();
    /// assert!(!server.is_serving());
    /// # }).unwrap();
    /// ```
    pub fn is_serving(&self) -> bool {
        self.server.is_serving()
    }

    /// Connections being served now.
    ///
    /// ```
    /// # hive::run(async {
    /// # let svc = hyper::service::service_fn(|_req| async {
    /// #     Ok::<_, std::convert::Infallible>(hyper::Response::new(String::new()))
    /// # });
    /// let server = hive::http::serve(svc, "127.0.0.1:0").await.unwrap();
    /// assert_eq!(server.connections(), 0);
    /// # }).unwrap();
    /// ```
    pub fn connections(&self) -> usize {
        self.server.connections()
    }

    /// Starts a graceful shutdown: the listeners close (new connections
    /// are refused by the OS), idle keep-alive connections close now, and
    /// every request in flight finishes before its connection closes
    /// (HTTP/2 clients get `GOAWAY`). Await [`wait_closed`](Self::wait_closed)
    /// for the end.
    ///
    /// ```
    /// # hive::run(async {
    /// # let svc = hyper::service::service_fn(|_req| async {
    /// #     Ok::<_, std::convert::Infallible>(hyper::Response::new(String::new()))
    /// # });
    /// let server = hive::http::serve(svc, "127.0.0.1:0").await.unwrap();
    /// server.close();
    /// server.wait_closed().await;
    /// # }).unwrap();
    /// ```
    #[doc(alias = "graceful_shutdown")]
    pub fn close(&self) {
        self.server.close();
        self.settings.shutdown.close();
    }

    /// Waits until it is closed and every connection has ended.
    ///
    /// ```
    /// # hive::run(async {
    /// # let svc = hyper::service::service_fn(|_req| async {
    /// #     Ok::<_, std::convert::Infallible>(hyper::Response::new(String::new()))
    /// # });
    /// let server = hive::http::serve(svc, "127.0.0.1:0").await.unwrap();
    /// server.close();
    /// server.wait_closed().await;
    /// assert_eq!(server.connections(), 0);
    /// # }).unwrap();
    /// ```
    pub async fn wait_closed(&self) {
        self.server.wait_closed().await
    }

    /// [`close`](Self::close), then waits up to `grace` for the requests in
    /// flight; connections still open after that are aborted. Returns once
    /// every connection has ended.
    ///
    /// ```
    /// # hive::run(async {
    /// # let svc = hyper::service::service_fn(|_req| async {
    /// #     Ok::<_, std::convert::Infallible>(hyper::Response::new(String::new()))
    /// # });
    /// let server = hive::http::serve(svc, "127.0.0.1:0").await.unwrap();
    /// server.shutdown(std::time::Duration::from_secs(10)).await;
    /// # }).unwrap();
    /// ```
    pub async fn shutdown(&self, grace: Duration) {
        self.close();
        if hive_runtime::timeout(grace, self.server.wait_closed())
            .await
            .is_err()
        {
            self.server.abort_clients();
            self.server.wait_closed().await;
        }
    }

    /// Serves until [`close`](Self::close); dropping this future closes
    /// the server. Under `hive::run`, Ctrl-C cancels every task, requests
    /// in flight included: to drain them on a signal, watch for it
    /// yourself and call [`shutdown`](Self::shutdown) (the `https_server`
    /// example does).
    ///
    /// ```
    /// # hive::run(async {
    /// # let svc = hyper::service::service_fn(|_req| async {
    /// #     Ok::<_, std::convert::Infallible>(hyper::Response::new(String::new()))
    /// # });
    /// let server = hive::http::serve(svc, "127.0.0.1:0").await.unwrap();
    /// let forever = hive::spawn({ let s = server.clone(); async move { s.serve_forever().await } });
    /// server.close();
    /// forever.await.unwrap();
    /// # }).unwrap();
    /// ```
    pub async fn serve_forever(&self) {
        struct CloseOnDrop<'a>(&'a HttpServer);
        impl Drop for CloseOnDrop<'_> {
            fn drop(&mut self) {
                self.0.close();
            }
        }
        let _guard = CloseOnDrop(self);
        self.server.serve_forever().await;
    }

    /// hive's underlying [`Server`] (for `abort_clients`, `accept_errors`).
    ///
    /// ```
    /// # hive::run(async {
    /// # let svc = hyper::service::service_fn(|_req| async {
    /// #     Ok::<_, std::convert::Infallible>(hyper::Response::new(String::new()))
    /// # });
    /// let server = hive::http::serve(svc, "127.0.0.1:0").await.unwrap();
    /// assert_eq!(server.server().accept_errors(), 0);
    /// # }).unwrap();
    /// ```
    pub fn server(&self) -> &Server {
        &self.server
    }
}

impl fmt::Debug for HttpServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpServer")
            .field("server", &self.server)
            .field("closing", &self.settings.shutdown.is_closed())
            .finish()
    }
}
