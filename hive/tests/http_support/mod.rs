//! Shared pieces of the HTTP tests: one small app (hello, echo, a gated
//! slow route), servers of both kinds, a raw HTTP/1.1 reader for the tests
//! that speak bytes, bounded waits, and programs (curl, wrk) run with a
//! time limit. Certificates and temporary directories come from
//! `tls_support`.

#![allow(dead_code)]

#[path = "../tls_support/mod.rs"]
pub mod tls_support;

use hive::http::hyper::body::{Bytes, Incoming};
use hive::http::{HttpServer, Request, Response, Serve, StatusCode};
use hive::net::{StreamReader, StreamWriter};
use hive::process::{Command, Stdio};
use hive::sync::{Event, Queue};
use http_body_util::{Either, Full};
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The bound on every wait: far above what any step takes on loopback.
pub const WAIT: Duration = Duration::from_secs(10);
/// The bound on a program (curl, wrk); they get `--max-time` below it.
pub const PROGRAM_WAIT: Duration = Duration::from_secs(30);

/// `fut`, or a panic naming `what` if it takes longer than [`WAIT`].
pub async fn within<F: Future>(what: &str, fut: F) -> F::Output {
    match hive::timeout(WAIT, fut).await {
        Ok(out) => out,
        Err(_) => panic!("{what}: nothing within {WAIT:?}"),
    }
}

/// Polls `cond` every 10 ms until it holds; panics naming `what` after
/// [`WAIT`]. For state that settles asynchronously (connection counts).
pub async fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let step = Duration::from_millis(10);
    for _ in 0..(WAIT.as_millis() / step.as_millis()) {
        if cond() {
            return;
        }
        hive::sleep(step).await;
    }
    assert!(cond(), "{what}: not within {WAIT:?}");
}

/// What the app's body is: a fixed text, or the request's own body.
pub type Body = Either<Full<Bytes>, Incoming>;

/// Holds `/slow` requests: each reports on `entered`, then waits for
/// `release`. Lets a test act while a request is surely in flight.
pub struct Gate {
    entered: Queue<()>,
    release: Event,
}

impl Gate {
    fn new() -> Gate {
        Gate {
            entered: Queue::new(0),
            release: Event::new(),
        }
    }

    /// Waits until `n` more `/slow` requests are inside the handler.
    pub async fn entered(&self, n: usize) {
        for _ in 0..n {
            within("a /slow request to arrive", self.entered.get())
                .await
                .unwrap();
        }
    }

    /// Lets every held `/slow` request (and later ones) answer.
    pub fn release(&self) {
        self.release.set();
    }
}

/// The test app, a hyper `Service`:
/// * `GET /hello`: `hello over HTTP/1.1 on conn N` (the version the request
///   came in, and which connection carried it);
/// * `POST /echo`: the request body, streamed back as it arrives;
/// * `GET /slow`: waits at the [`Gate`], then `slow done on conn N`;
/// * anything else: `404`.
///
/// hive-http clones the service once per accepted connection (the
/// handler in http/src/serve.rs), and each clone takes a fresh number, so
/// `conn N` names the connection. Tests that compare numbers also check
/// that two connections get two numbers, so this cannot pass vacuously.
pub struct App {
    conn: u64,
    next: Arc<AtomicU64>,
    pub gate: Arc<Gate>,
}

impl App {
    pub fn new() -> App {
        App {
            conn: 0,
            next: Arc::new(AtomicU64::new(1)),
            gate: Arc::new(Gate::new()),
        }
    }
}

impl Clone for App {
    fn clone(&self) -> App {
        App {
            conn: self.next.fetch_add(1, Ordering::Relaxed),
            next: self.next.clone(),
            gate: self.gate.clone(),
        }
    }
}

type AppFuture = Pin<Box<dyn Future<Output = Result<Response<Body>, Infallible>> + Send>>;

impl hive::http::hyper::service::Service<Request<Incoming>> for App {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = AppFuture;

    fn call(&self, req: Request<Incoming>) -> AppFuture {
        let (conn, gate) = (self.conn, self.gate.clone());
        Box::pin(async move {
            Ok(match (req.method().as_str(), req.uri().path()) {
                ("GET", "/hello") => text(
                    StatusCode::OK,
                    format!("hello over {:?} on conn {conn}\n", req.version()),
                ),
                ("POST", "/echo") => Response::new(Either::Right(req.into_body())),
                ("GET", "/slow") => {
                    let _ = gate.entered.put(()).await;
                    gate.release.wait().await;
                    text(StatusCode::OK, format!("slow done on conn {conn}\n"))
                }
                (_, path) => text(StatusCode::NOT_FOUND, format!("no route for {path}\n")),
            })
        })
    }
}

fn text(status: StatusCode, body: String) -> Response<Body> {
    let mut res = Response::new(Either::Left(Full::new(Bytes::from(body))));
    *res.status_mut() = status;
    res
}

/// The `N` of a body ending in `on conn N`.
pub fn conn_of(body: &[u8]) -> u64 {
    let text = String::from_utf8_lossy(body);
    let n = text
        .trim_end()
        .rsplit_once("on conn ")
        .unwrap_or_else(|| panic!("no connection number in {text:?}"))
        .1;
    n.parse()
        .unwrap_or_else(|_| panic!("bad connection number in {text:?}"))
}

/// `app` on a free loopback port; `per_loop` picks the server kind.
pub fn serve(app: &App, per_loop: bool) -> Serve {
    hive::http::serve(app.clone(), "127.0.0.1:0").per_loop(per_loop)
}

/// The server's (first) TCP address.
pub fn addr(server: &HttpServer) -> SocketAddr {
    server.local_addrs()[0].as_inet().unwrap()
}

/// `http://127.0.0.1:PORT` of the server.
pub fn base(server: &HttpServer) -> String {
    format!("http://{}", addr(server))
}

/// Graceful close, bounded; afterwards no connection is left.
pub async fn stop(server: &HttpServer) {
    server.close();
    within("wait_closed", server.wait_closed()).await;
    assert_eq!(server.connections(), 0);
}

/// Waits (bounded) until the server serves no connection.
pub async fn no_connections(server: &HttpServer) {
    eventually("connections() back to 0", || server.connections() == 0).await;
}

/// A raw TCP connection to the server, as asyncio's reader/writer pair.
pub async fn raw(addr: SocketAddr) -> (StreamReader, StreamWriter) {
    within("connect", hive::net::open_connection(addr))
        .await
        .unwrap()
}

/// One HTTP/1.1 response read off a raw connection.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    /// The head, status line and headers, header names lower-cased.
    pub head: String,
    pub body: Vec<u8>,
}

impl RawResponse {
    /// The value of header `name` (lower case), if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (k, v) = line.split_once(':')?;
            (k == name).then(|| v.trim())
        })
    }
}

/// Reads one response (body by `content-length`, none without it);
/// `None` if the connection ended (or was reset) before a whole head.
pub async fn read_response(r: &mut StreamReader) -> Option<RawResponse> {
    let head = within("a response head", r.read_until(b"\r\n\r\n"))
        .await
        .ok()?;
    let head = String::from_utf8_lossy(&head).to_string();
    let mut lines = head.lines();
    let status_line = lines.next().unwrap_or("");
    let status = status_line
        .strip_prefix("HTTP/1.1 ")
        .and_then(|s| s.get(..3))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP/1.1 status line: {status_line:?}"));
    let head = std::iter::once(status_line.to_owned())
        .chain(lines.map(|l| match l.split_once(':') {
            Some((k, v)) => format!("{}:{v}", k.to_ascii_lowercase()),
            None => l.to_owned(),
        }))
        .collect::<Vec<_>>()
        .join("\r\n");
    let mut res = RawResponse {
        status,
        head,
        body: Vec::new(),
    };
    let len: usize = res
        .header("content-length")
        .map_or(0, |v| v.parse().unwrap());
    res.body = within("a response body", r.read_exact(len)).await.ok()?;
    Some(res)
}

/// `GET path` on a raw keep-alive connection, and its response.
pub async fn raw_get(r: &mut StreamReader, w: &StreamWriter, path: &str) -> Option<RawResponse> {
    w.write(format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n").as_bytes());
    read_response(r).await
}

/// Reads until the peer ends the connection (end of stream or reset);
/// panics if it is still open after [`WAIT`]. Returns what was read.
pub async fn until_closed(what: &str, r: &mut StreamReader) -> Vec<u8> {
    let mut got = Vec::new();
    within(what, async {
        loop {
            match r.read(64 * 1024).await {
                Ok(chunk) if !chunk.is_empty() => got.extend_from_slice(&chunk),
                _ => return,
            }
        }
    })
    .await;
    got
}

/// False (and prints SKIPPED) when one of `programs` is not installed.
pub fn have_all(programs: &[&str]) -> bool {
    for p in programs {
        if !tls_support::have_program(p) {
            println!("SKIPPED: {p} not found");
            return false;
        }
    }
    true
}

/// Runs `program args..` (stdin empty, output captured) to its end. The
/// child itself, not a wrapper, is killed and reaped if it outlives
/// [`PROGRAM_WAIT`], so nothing is left running.
pub async fn program(program: &str, args: &[&str]) -> std::process::Output {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::Null)
        .stdout(Stdio::Piped)
        .stderr(Stdio::Piped)
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    match hive::timeout(PROGRAM_WAIT, child.communicate(None)).await {
        Ok(out) => out.unwrap(),
        Err(_) => {
            let _ = child.kill();
            let _ = hive::timeout(WAIT, child.wait()).await;
            panic!("{program} {args:?}: still running after {PROGRAM_WAIT:?}, killed");
        }
    }
}

/// Bytes as text, for messages.
pub fn text_of(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
