//! An axum `Router` served on hive: `hive::http::serve_tower(router, addr)`
//! takes the place of `axum::serve` (axum is built without its `tokio`
//! feature: the Router is a tower `Service` and needs no runtime).
//!
//! ```text
//! cargo run --example axum_app                       # self-check, then exits
//! cargo run --example axum_app -- --serve [ADDR]     # serves until Ctrl-C
//! curl http://127.0.0.1:3000/hello/you
//! curl --http2-prior-knowledge http://127.0.0.1:3000/hello/you
//! ```
//! With no arguments it starts on a free port, fetches its routes with
//! `hive::http::Client` (HTTP/1.1, then h2c), prints them and shuts down.
//! With `--serve` it listens on ADDR (127.0.0.1:3000 by default).

use axum::extract::Path;
use axum::http::Version;
use axum::routing::get;
use axum::{Json, Router};
use hive::http::{BoxError, Client};
use http_body_util::BodyExt;
use std::collections::BTreeMap;
use std::time::Duration;

/// The app: a plain-text route and a JSON one with a path parameter.
fn app() -> Router {
    Router::new()
        .route("/", get(|| async { "hello from axum on hive\n" }))
        .route("/hello/{name}", get(hello))
}

/// Greets `name`, saying which HTTP version the request came in.
async fn hello(Path(name): Path<String>, version: Version) -> Json<BTreeMap<&'static str, String>> {
    Json(BTreeMap::from([
        ("greeting", format!("hello, {name}")),
        ("http", format!("{version:?}")),
    ]))
}

#[hive::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        None => self_check().await,
        Some("--serve") => serve(args.get(1).map_or("127.0.0.1:3000", String::as_str)).await,
        Some(_) => {
            eprintln!("usage: axum_app [--serve [ADDR]]");
            std::process::exit(2);
        }
    };
    if let Err(err) = result {
        eprintln!("axum_app: {err}");
        std::process::exit(1);
    }
}

/// Serves until Ctrl-C: `hive::run` then cancels `main`, and dropping
/// `serve_forever` closes the server.
async fn serve(addr: &str) -> Result<(), BoxError> {
    let server = hive::http::serve_tower(app(), addr).await?;
    let local = &server.local_addrs()[0];
    println!("axum app on http://{local}/ ; Ctrl-C stops it");
    server.serve_forever().await;
    Ok(())
}

/// Starts the app on a free port, fetches each route, shuts it down.
async fn self_check() -> Result<(), BoxError> {
    let server = hive::http::serve_tower(app(), "127.0.0.1:0").await?;
    let base = format!("http://{}", server.local_addrs()[0]);
    println!("axum app on {base}/");

    let http1 = Client::new();
    let h2c = Client::builder().http2_prior_knowledge(true).build();
    for (client, path) in [
        (&http1, "/"),
        (&http1, "/hello/hive"),
        (&h2c, "/hello/h2c"),
        (&http1, "/missing"),
    ] {
        let res = client.get(&format!("{base}{path}")).await?;
        let status = res.status();
        let body = res.into_body().collect().await?.to_bytes();
        let body = String::from_utf8_lossy(&body);
        println!("GET {path}\n   {status}: {}", body.trim_end());
    }
    server.shutdown(Duration::from_secs(5)).await;
    Ok(())
}
