//! An HTTPS client on `hive::http::Client`: a GET and a POST, over HTTP/2
//! and over HTTP/1.1, printing each response's status, version and body.
//!
//! ```text
//! cargo run --example http_client -- [URL [CA.pem]]
//! ```
//! URL is where `https_server` listens (say `https://localhost:8443`); the
//! client asks for `URL/` and posts to `URL/echo`. CA.pem, the certificates
//! to trust, defaults to the one `https_server` writes when it makes its own
//! (`<tmp>/hive-https-cert.pem`). With no arguments it runs that server
//! itself, in this process, on a free port, and shuts it down at the end.

// The server's code, as a module: its `main` is not called from here.
#[allow(dead_code)]
#[path = "https_server.rs"]
mod https_server;

use hive::http::hyper::body::Bytes;
use hive::http::{BoxError, Client, Request};
use hive::net::tls::TlsConnector;
use hive::sync::Event;
use http_body_util::BodyExt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

#[hive::main]
async fn main() {
    if let Err(err) = run().await {
        eprintln!("http_client: {err}");
        std::process::exit(1);
    }
}

/// Fetches from the server named on the command line, or from one of its
/// own.
async fn run() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(url) = args.first() {
        let ca = args
            .get(1)
            .map_or_else(https_server::default_cert_path, Into::into);
        return fetch_all(url.trim_end_matches('/'), &ca).await;
    }

    // Its own certificate file: a running https_server's stays untouched.
    let ca = std::env::temp_dir().join(format!("hive-http-client-{}.pem", std::process::id()));
    let acceptor = https_server::self_signed(&ca)?;
    let server = https_server::start("127.0.0.1:0", acceptor, None, Arc::new(Event::new())).await?;
    let port = server.local_addrs()[0].as_inet().map_or(0, |a| a.port());
    println!("started https_server on {}", server.local_addrs()[0]);

    let fetched = fetch_all(&format!("https://localhost:{port}"), &ca).await;
    server.shutdown(Duration::from_secs(5)).await;
    std::fs::remove_file(&ca)?;
    fetched
}

/// The GET and the POST, once with HTTP/2 and once with HTTP/1.1.
async fn fetch_all(base: &str, ca: &Path) -> Result<(), BoxError> {
    // With no ALPN list of its own the client offers `h2` and `http/1.1`
    // and the server picks HTTP/2; offering only `http/1.1` gets that.
    let roots = TlsConnector::from_root_pem_file(ca)?;
    let h2 = Client::builder().tls(roots.clone()).build();
    let h1 = Client::builder().tls(roots.with_alpn(["http/1.1"])).build();
    for (name, client) in [("HTTP/2", h2), ("HTTP/1.1", h1)] {
        println!("-- offering {name}");
        let get = Request::get(format!("{base}/")).body(String::new())?;
        show(&client, get).await?;
        let post = Request::post(format!("{base}/echo")).body(format!("echo this over {name}"))?;
        show(&client, post).await?;
    }
    Ok(())
}

/// Sends `req` and prints what came back.
async fn show(client: &Client, req: Request<String>) -> Result<(), BoxError> {
    let line = format!("{} {}", req.method(), req.uri());
    let res = client.request(req).await?;
    let (status, version) = (res.status(), res.version());
    let body: Bytes = res.into_body().collect().await?.to_bytes();
    let body = String::from_utf8_lossy(&body);
    println!("{line}\n   {status} {version:?}: {body:?}");
    Ok(())
}
