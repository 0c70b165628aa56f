//! An HTTPS server speaking HTTP/1.1 and HTTP/2 on one port (agreed with
//! each client by ALPN): `hive::http::serve(service, addr).ssl(acceptor)`.
//!
//! ```text
//! cargo run --example https_server -- [ADDR [CERT.pem KEY.pem]] [--requests N]
//! ```
//! `GET /` answers hello and names the HTTP version the request came in;
//! `POST /echo` streams the request body back as it arrives. ADDR defaults
//! to 127.0.0.1:8443. Without CERT.pem and KEY.pem it makes a self-signed
//! certificate for `localhost` and `127.0.0.1` (rcgen) and writes it to
//! `<tmp>/hive-https-cert.pem` (the path is printed), for clients to trust:
//!
//! ```text
//! curl --cacert /tmp/hive-https-cert.pem --http2 https://localhost:8443/
//! curl --cacert /tmp/hive-https-cert.pem --http1.1 --data-binary hi https://localhost:8443/echo
//! cargo run --example http_client -- https://localhost:8443
//! ```
//! It serves until Ctrl-C or SIGTERM, or with `--requests N` until it has
//! taken N requests, then shuts down gracefully: the listener closes, the
//! requests in flight finish (HTTP/2 clients get `GOAWAY`), for at most 10
//! seconds. A second Ctrl-C ends it at once.
//!
//! `http_client` includes this file as a module to run the same server
//! in-process, hence the `pub` items.

use hive::http::hyper::body::{Bytes, Incoming};
use hive::http::hyper::service::service_fn;
use hive::http::{HttpServer, Request, Response, StatusCode};
use hive::net::tls::TlsAcceptor;
use hive::signal::{signal, SignalKind};
use hive::sync::Event;
use http_body_util::{Either, Full};
use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How long requests in flight get to finish once shutdown starts.
const GRACE: Duration = Duration::from_secs(10);

/// A fixed text, or the request's own body streamed back.
type Body = Either<Full<Bytes>, Incoming>;

/// Where the self-signed certificate goes when none is given.
pub fn default_cert_path() -> PathBuf {
    std::env::temp_dir().join("hive-https-cert.pem")
}

/// Routes one request.
async fn handle(req: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    let text = |status, text: String| {
        let mut res = Response::new(Either::Left(Full::new(Bytes::from(text))));
        *res.status_mut() = status;
        res
    };
    Ok(match (req.method().as_str(), req.uri().path()) {
        ("GET", "/") => text(
            StatusCode::OK,
            format!("hello from hive over {:?}\n", req.version()),
        ),
        // The body goes back chunk by chunk as it arrives, never held whole.
        ("POST", "/echo") => Response::new(Either::Right(req.into_body())),
        (_, path) => text(StatusCode::NOT_FOUND, format!("no route for {path}\n")),
    })
}

/// Starts the server on `addr`. With `requests`, the request that makes
/// that many sets `done`.
pub async fn start(
    addr: &str,
    acceptor: TlsAcceptor,
    requests: Option<usize>,
    done: Arc<Event>,
) -> std::io::Result<HttpServer> {
    let served = Arc::new(AtomicUsize::new(0));
    let service = service_fn(move |req| {
        if Some(served.fetch_add(1, Ordering::Relaxed) + 1) == requests {
            done.set();
        }
        handle(req)
    });
    // An acceptor without ALPN protocols of its own gets `h2` and
    // `http/1.1` from `serve`, so clients can choose HTTP/2.
    hive::http::serve(service, addr).ssl(acceptor).await
}

/// A certificate for `localhost` and `127.0.0.1`, signed by its own key;
/// its PEM is written to `cert_path` for clients to trust.
pub fn self_signed(cert_path: &Path) -> std::io::Result<TlsAcceptor> {
    let key = rcgen::KeyPair::generate().map_err(std::io::Error::other)?;
    let cert = rcgen::CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()])
        .and_then(|params| params.self_signed(&key))
        .map_err(std::io::Error::other)?;
    std::fs::write(cert_path, cert.pem())?;
    Ok(TlsAcceptor::from_pem(
        cert.pem().as_bytes(),
        key.serialize_pem().as_bytes(),
    )?)
}

fn main() {
    // Not `#[hive::main]`: `hive::run` answers Ctrl-C by cancelling main
    // and then every task (asyncio's KeyboardInterrupt), which would cut
    // the requests in flight. `Runtime::block_on` leaves SIGINT to the
    // program, so Ctrl-C can drain like SIGTERM.
    let rt = hive::Runtime::new().unwrap_or_else(|err| fail(&err));
    match rt.block_on(rt.spawn(serve())) {
        Ok(Ok(Ok(()))) => {}
        Ok(Ok(Err(err))) => fail(&err),
        Ok(Err(err)) => fail(&err), // serve panicked
        Err(err) => fail(&err),     // block_on inside a runtime: not here
    }
}

fn fail(err: &dyn std::fmt::Display) -> ! {
    eprintln!("https_server: {err}");
    std::process::exit(1);
}

/// Parses the arguments, starts the server and serves until told to stop.
async fn serve() -> Result<(), hive::http::BoxError> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let requests = take_requests(&mut args);
    let addr = args.first().map_or("127.0.0.1:8443", String::as_str);
    let (acceptor, cert_path) = match (args.get(1), args.get(2), args.get(3)) {
        (Some(cert), Some(key), None) => (TlsAcceptor::from_pem_files(cert, key)?, cert.into()),
        (None, None, None) => {
            let path = default_cert_path();
            let acceptor = self_signed(&path)?;
            println!("self-signed certificate written to {}", path.display());
            (acceptor, path)
        }
        _ => usage(),
    };

    // Subscribed before the server starts, so no early signal is lost.
    // Each listener ends after one signal: with none left, the signal's
    // default action is back, so a second Ctrl-C ends a slow drain at once.
    let done = Arc::new(Event::new());
    for kind in [SignalKind::interrupt(), SignalKind::terminate()] {
        let mut sig = signal(kind)?;
        let done = done.clone();
        drop(hive::spawn(async move {
            if sig.recv().await.is_some() {
                done.set();
            }
        }));
    }
    let server = start(addr, acceptor, requests, done.clone()).await?;
    let local = server.local_addrs()[0].clone();
    let port = local.as_inet().map_or(0, |a| a.port());
    let cert = cert_path.display();
    println!("serving HTTPS (HTTP/1.1 and HTTP/2) on {local}");
    println!("  curl --cacert {cert} --http2 https://localhost:{port}/");
    println!("Ctrl-C or SIGTERM stops it");

    drop(hive::spawn({
        let server = server.clone();
        async move {
            done.wait().await;
            server.close();
        }
    }));
    // Returns once the server is closed (and would close it if dropped).
    server.serve_forever().await;
    let open = server.connections();
    println!("shutting down: {open} connection(s) finishing");
    server.shutdown(GRACE).await;
    println!("closed");
    Ok(())
}

/// Removes `--requests N` from `args`: N, if given.
fn take_requests(args: &mut Vec<String>) -> Option<usize> {
    let i = args.iter().position(|a| a == "--requests")?;
    let n = args.get(i + 1).and_then(|n| n.parse().ok());
    args.drain(i..(i + 2).min(args.len()));
    Some(n.filter(|&n| n > 0).unwrap_or_else(usage))
}

fn usage<T>() -> T {
    eprintln!("usage: https_server [ADDR [CERT.pem KEY.pem]] [--requests N]");
    std::process::exit(2);
}
