//! hive::http's server: a hyper Service on both server kinds and on a Unix
//! socket, HTTP/1.1 keep-alive, h2c by prior knowledge, HTTPS with ALPN,
//! graceful close and `shutdown(grace)`, the connection limit, the idle
//! timeout, and a tower Service (an axum Router) through `serve_tower`.
//!
//! Every wait is bounded (`within`, `eventually`); nothing is timed but
//! lower bounds that a timer cannot undercut.

mod http_support;

use hive::http::Client;
use hive::net::tls::TlsStream;
use http_support::tls_support::{Pki, TempDir};
use http_support::*;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

#[hive::test(loops = 2)]
async fn serves_http1_and_h2c_on_both_server_kinds() {
    for per_loop in [false, true] {
        let server = serve(&App::new(), per_loop).await.unwrap();
        let addrs = server.local_addrs();
        if per_loop {
            // One listener per loop, all on the same port.
            assert_eq!(addrs.len(), 2, "{addrs:?}");
            assert!(addrs.iter().all(|a| a.as_inet() == Some(addr(&server))));
        }
        let url = format!("{}/hello", base(&server));
        let body = within("GET", Client::new().get_bytes(&url)).await.unwrap();
        assert!(
            body.starts_with(b"hello over HTTP/1.1 on conn "),
            "{body:?}"
        );
        let h2c = Client::builder().http2_prior_knowledge(true).build();
        let body = within("h2c GET", h2c.get_bytes(&url)).await.unwrap();
        assert!(
            body.starts_with(b"hello over HTTP/2.0 on conn "),
            "{body:?}"
        );
        let missing = format!("{}/missing", base(&server));
        let res = within("GET 404", Client::new().get(&missing))
            .await
            .unwrap();
        assert_eq!(res.status(), 404, "per_loop {per_loop}");
        // The clients' pooled connections are idle: close ends them.
        stop(&server).await;
    }
}

#[hive::test]
async fn serves_on_a_unix_socket_and_removes_it() {
    let dir = TempDir::new("http-unix");
    let path = dir.path("http.sock");
    let server = hive::http::serve_unix(App::new(), &path).await.unwrap();
    let (mut r, w) = within("connect", hive::net::open_unix_connection(&path))
        .await
        .unwrap();
    for _ in 0..2 {
        let res = raw_get(&mut r, &w, "/hello").await.unwrap();
        assert_eq!(res.status, 200);
        assert!(res.body.starts_with(b"hello over HTTP/1.1"), "{res:?}");
    }
    stop(&server).await;
    assert!(!path.exists(), "the socket file outlived the server");
    assert!(until_closed("the closed server's connection", &mut r)
        .await
        .is_empty());
}

#[hive::test]
async fn http1_keep_alive_serves_several_requests_on_one_connection() {
    let server = serve(&App::new(), false).await.unwrap();
    let (mut r, w) = raw(addr(&server)).await;
    let mut conns = Vec::new();
    for _ in 0..3 {
        let res = raw_get(&mut r, &w, "/hello").await.unwrap();
        assert_eq!(res.status, 200, "{res:?}");
        assert_eq!(res.header("connection"), None, "keep-alive is the default");
        conns.push(conn_of(&res.body));
        assert_eq!(server.connections(), 1);
    }
    assert!(conns.iter().all(|&c| c == conns[0]), "{conns:?}");
    // A second connection is told apart: the numbering does distinguish.
    let (mut r2, w2) = raw(addr(&server)).await;
    let res = raw_get(&mut r2, &w2, "/hello").await.unwrap();
    assert_ne!(conn_of(&res.body), conns[0]);
    assert_eq!(server.connections(), 2);
    stop(&server).await;
}

#[hive::test]
async fn h2c_by_prior_knowledge_and_the_version_options() {
    let server = serve(&App::new(), false).await.unwrap();
    let url = format!("{}/hello", base(&server));
    let h2c = Client::builder().http2_prior_knowledge(true).build();
    let mut conns = Vec::new();
    for _ in 0..3 {
        let body = within("h2c GET", h2c.get_bytes(&url)).await.unwrap();
        assert!(body.starts_with(b"hello over HTTP/2.0"), "{body:?}");
        conns.push(conn_of(&body));
    }
    assert!(conns.iter().all(|&c| c == conns[0]), "{conns:?}");
    assert_eq!(server.connections(), 1);
    stop(&server).await;

    // http1_only: the HTTP/2 preface is not taken for a request.
    let server = serve(&App::new(), false).http1_only().await.unwrap();
    let url = format!("{}/hello", base(&server));
    let h2c = Client::builder().http2_prior_knowledge(true).build();
    assert!(within("h2c to http1_only", h2c.get(&url)).await.is_err());
    stop(&server).await;

    // http2_only: an HTTP/1.1 request gets no HTTP/1.1 answer.
    let server = serve(&App::new(), false).http2_only().await.unwrap();
    let (mut r, w) = raw(addr(&server)).await;
    w.write(b"GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
    let answer = until_closed("HTTP/1.1 to http2_only", &mut r).await;
    assert!(!answer.starts_with(b"HTTP/1.1"), "{}", text_of(&answer));
    let url = format!("{}/hello", base(&server));
    let body = within("h2c GET", h2c.get_bytes(&url)).await.unwrap();
    assert!(body.starts_with(b"hello over HTTP/2.0"), "{body:?}");
    stop(&server).await;
}

#[hive::test]
async fn https_agrees_h2_or_http11_by_alpn() {
    let pki = Pki::new(&["localhost", "127.0.0.1"]);
    let server = serve(&App::new(), false).ssl(pki.acceptor()).await.unwrap();
    let port = addr(&server).port();
    let url = format!("https://127.0.0.1:{port}/hello");
    for (offer, agreed, version) in [
        (&["h2", "http/1.1"][..], "h2", "HTTP/2.0"),
        (&["http/1.1"][..], "http/1.1", "HTTP/1.1"),
        (&["h2"][..], "h2", "HTTP/2.0"),
    ] {
        // What the server picks from the client's offer...
        let tcp = within("connect", hive::net::TcpStream::connect(addr(&server)))
            .await
            .unwrap();
        let connector = pki.connector().with_alpn(offer.iter().copied());
        let tls = within(
            "handshake",
            TlsStream::connect(&connector, "localhost", tcp),
        )
        .await
        .unwrap();
        assert_eq!(
            tls.tls_info().alpn_protocol(),
            Some(agreed.as_bytes()),
            "offer {offer:?}"
        );
        drop(tls);
        // ...and what the request then came in as.
        let client = Client::builder().tls(connector).build();
        let body = within("HTTPS GET", client.get_bytes(&url)).await.unwrap();
        let want = format!("hello over {version} on conn ");
        assert!(
            body.starts_with(want.as_bytes()),
            "offer {offer:?}: {body:?}"
        );
    }
    stop(&server).await;
}

/// Connecting to `addr` is refused. `close()` only cancels the accept
/// tasks and the listener closes when they stop, so a connect made just
/// after it may still land in the backlog (then be reset): poll, bounded.
async fn refused(addr: SocketAddr) {
    use std::io::ErrorKind::{ConnectionRefused, ConnectionReset};
    for _ in 0..1000 {
        match hive::net::TcpStream::connect(addr).await {
            Err(e) if e.kind() == ConnectionRefused => return,
            Err(e) if e.kind() == ConnectionReset => {}
            Err(e) => panic!("connecting after close(): {e}"),
            Ok(_) => {}
        }
        hive::sleep(Duration::from_millis(10)).await;
    }
    panic!("{addr} still accepts connections after close()");
}

#[hive::test(loops = 2)]
async fn close_finishes_the_request_in_flight_and_refuses_new_connections() {
    for per_loop in [false, true] {
        let app = App::new();
        let server = serve(&app, per_loop).await.unwrap();
        let addr = addr(&server);
        let (mut idle_r, idle_w) = raw(addr).await;
        assert_eq!(
            raw_get(&mut idle_r, &idle_w, "/hello")
                .await
                .unwrap()
                .status,
            200
        );
        // Two requests in flight: HTTP/1.1, and h2c (which gets GOAWAY).
        let (mut r, w) = raw(addr).await;
        w.write(b"GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
        let h2c = Client::builder().http2_prior_knowledge(true).build();
        let url = format!("http://{addr}/slow");
        let h2_request = hive::spawn(async move { h2c.get_bytes(&url).await });
        app.gate.entered(2).await;

        server.close();
        assert!(!server.is_serving());
        refused(addr).await;
        // The idle keep-alive connection is closed at once, with nothing.
        let rest = until_closed("the idle connection", &mut idle_r).await;
        assert!(rest.is_empty(), "{}", text_of(&rest));
        eventually("only the busy connections left", || {
            server.connections() == 2
        })
        .await;

        // The requests in flight still get their whole answers, then EOF.
        app.gate.release();
        let body = within("the h2c answer", h2_request).await.unwrap().unwrap();
        assert!(body.starts_with(b"slow done"), "{body:?}");
        let res = read_response(&mut r).await.expect("the in-flight response");
        assert_eq!(res.status, 200, "per_loop {per_loop}: {res:?}");
        assert!(res.body.starts_with(b"slow done"), "{res:?}");
        assert!(until_closed("the finished connection", &mut r)
            .await
            .is_empty());
        within("wait_closed", server.wait_closed()).await;
        assert_eq!(server.connections(), 0);
    }
}

#[hive::test]
async fn shutdown_aborts_a_request_that_outlives_the_grace() {
    let app = App::new();
    let server = serve(&app, false).await.unwrap();
    let (mut r, w) = raw(addr(&server)).await;
    w.write(b"GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
    app.gate.entered(1).await;

    // The gate is never opened: the grace runs out and the connection
    // is aborted, without an answer.
    let grace = Duration::from_millis(200);
    let start = Instant::now();
    within("shutdown", server.shutdown(grace)).await;
    assert!(start.elapsed() >= grace, "returned before the grace");
    assert_eq!(server.connections(), 0);
    let rest = until_closed("the aborted connection", &mut r).await;
    assert!(rest.is_empty(), "{}", text_of(&rest));
}

#[hive::test]
async fn connections_beyond_the_limit_get_503_with_retry_after() {
    let server = serve(&App::new(), false).max_connections(1).await.unwrap();
    let addr = addr(&server);
    // The first connection holds the only place (keep-alive).
    let (mut r1, w1) = raw(addr).await;
    assert_eq!(raw_get(&mut r1, &w1, "/hello").await.unwrap().status, 200);

    let (mut r2, w2) = raw(addr).await;
    let res = raw_get(&mut r2, &w2, "/hello").await.unwrap();
    assert_eq!(res.status, 503, "{res:?}");
    assert_eq!(res.header("retry-after"), Some("1"), "{res:?}");
    assert!(until_closed("the refused connection", &mut r2)
        .await
        .is_empty());

    // Over HTTP/2 the refusal is a 503 stream, then GOAWAY.
    let h2c = Client::builder().http2_prior_knowledge(true).build();
    let url = format!("http://{addr}/hello");
    let res = within("h2c over the limit", h2c.get(&url)).await.unwrap();
    assert_eq!(res.status(), 503);
    assert_eq!(res.headers()["retry-after"], "1");

    // The first is still served; once it goes, a newcomer gets in.
    assert_eq!(raw_get(&mut r1, &w1, "/hello").await.unwrap().status, 200);
    w1.close();
    let mut admitted = false;
    for _ in 0..1000 {
        let (mut r, w) = raw(addr).await;
        match raw_get(&mut r, &w, "/hello").await.map(|res| res.status) {
            Some(200) => {
                admitted = true;
                break;
            }
            Some(503) => hive::sleep(Duration::from_millis(10)).await,
            other => panic!("unexpected answer: {other:?}"),
        }
    }
    assert!(admitted, "the freed place was never given to a newcomer");
    stop(&server).await;
}

#[hive::test]
async fn idle_timeout_closes_an_idle_keep_alive_connection() {
    let idle = Duration::from_millis(300);
    let server = serve(&App::new(), false).idle_timeout(idle).await.unwrap();
    let (mut r, w) = raw(addr(&server)).await;
    // Before the request: the connection's last activity is later.
    let start = Instant::now();
    assert_eq!(raw_get(&mut r, &w, "/hello").await.unwrap().status, 200);
    let rest = until_closed("the idle connection", &mut r).await;
    assert!(rest.is_empty(), "{}", text_of(&rest));
    assert!(
        start.elapsed() >= idle,
        "closed before it was idle for {idle:?}"
    );
    no_connections(&server).await;
    stop(&server).await;
}

#[hive::test]
async fn serve_tower_serves_an_axum_router() {
    use axum::routing::{get, post};
    let router = axum::Router::new()
        .route("/tower", get(|| async { "from tower" }))
        .route("/echo", post(|body: axum::body::Bytes| async move { body }));
    let server = hive::http::serve_tower(router, "127.0.0.1:0")
        .await
        .unwrap();
    let base = base(&server);
    let h2c = Client::builder().http2_prior_knowledge(true).build();
    for client in [Client::new(), h2c] {
        let url = format!("{base}/tower");
        let body = within("GET /tower", client.get_bytes(&url)).await.unwrap();
        assert_eq!(body, "from tower");
        let req = hive::http::Request::post(format!("{base}/echo"))
            .body(String::from("tower echo"))
            .unwrap();
        let res = within("POST /echo", client.request(req)).await.unwrap();
        assert_eq!(res.status(), 200);
        let body = http_body_util::BodyExt::collect(res.into_body());
        assert_eq!(
            within("the body", body).await.unwrap().to_bytes(),
            "tower echo"
        );
        let res = within("GET /missing", client.get(&format!("{base}/missing")))
            .await
            .unwrap();
        assert_eq!(res.status(), 404);
    }
    stop(&server).await;
}
