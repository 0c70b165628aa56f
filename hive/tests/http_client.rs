//! hive::http::Client against hive's own server: HTTP/1.1 connection
//! reuse, HTTP/2 multiplexing, HTTPS with ALPN, a POST echo, typed
//! errors, and the retry on a pooled connection the server closed.
//!
//! The server's app numbers its connections (`on conn N`, see
//! http_support), which is how the tests see which connection carried a
//! request.

mod http_support;

use hive::http::hyper::body::Bytes;
use hive::http::{Client, ClientError, Request};
use http_body_util::{BodyExt, Full};
use http_support::tls_support::Pki;
use http_support::*;
use std::time::Duration;

#[hive::test]
async fn http1_sequential_requests_share_one_connection() {
    let server = serve(&App::new(), false).await.unwrap();
    let url = format!("{}/hello", base(&server));
    let client = Client::new();
    let mut conns = Vec::new();
    for _ in 0..5 {
        let body = within("GET", client.get_bytes(&url)).await.unwrap();
        assert!(body.starts_with(b"hello over HTTP/1.1"), "{body:?}");
        conns.push(conn_of(&body));
        assert_eq!(server.connections(), 1);
    }
    assert!(conns.iter().all(|&c| c == conns[0]), "{conns:?}");
    // Another client (another pool) is another connection.
    let body = within("GET", Client::new().get_bytes(&url)).await.unwrap();
    assert_ne!(conn_of(&body), conns[0]);
    stop(&server).await;
}

#[hive::test(loops = 2)]
async fn http2_prior_knowledge_multiplexes_concurrent_requests() {
    const N: usize = 8;
    let app = App::new();
    let server = serve(&app, false).await.unwrap();
    let base = base(&server);
    let client = Client::builder().http2_prior_knowledge(true).build();
    // One request first, so the connection is pooled before the burst.
    let first = within("h2c GET", client.get_bytes(&format!("{base}/hello")))
        .await
        .unwrap();
    assert!(first.starts_with(b"hello over HTTP/2.0"), "{first:?}");

    let tasks: Vec<_> = (0..N)
        .map(|_| {
            let (client, url) = (client.clone(), format!("{base}/slow"));
            hive::spawn(async move { client.get_bytes(&url).await })
        })
        .collect();
    // All N are inside the handler at once before any is let go: they
    // run concurrently, on the one connection.
    app.gate.entered(N).await;
    assert_eq!(server.connections(), 1);
    app.gate.release();
    for task in tasks {
        let body = within("a /slow answer", task).await.unwrap().unwrap();
        assert!(body.starts_with(b"slow done"), "{body:?}");
        assert_eq!(conn_of(&body), conn_of(&first));
    }
    stop(&server).await;
}

#[hive::test]
async fn https_negotiates_h2_by_alpn_or_http11_with_an_http1_only_server() {
    let pki = Pki::new(&["localhost", "127.0.0.1"]);
    let client = Client::builder().tls(pki.connector()).build();
    for (http1_only, version) in [(false, "HTTP/2.0"), (true, "HTTP/1.1")] {
        let mut serve = serve(&App::new(), false).ssl(pki.acceptor());
        if http1_only {
            serve = serve.http1_only();
        }
        let server = serve.await.unwrap();
        let url = format!("https://127.0.0.1:{}/hello", addr(&server).port());
        let body = within("HTTPS GET", client.get_bytes(&url)).await.unwrap();
        let want = format!("hello over {version} on conn ");
        assert!(body.starts_with(want.as_bytes()), "{body:?}");
        stop(&server).await;
    }

    // A certificate from another CA: a typed connect error naming the
    // host and port.
    let server = serve(&App::new(), false)
        .ssl(Pki::new(&["127.0.0.1"]).acceptor())
        .await
        .unwrap();
    let port = addr(&server).port();
    let url = format!("https://127.0.0.1:{port}/hello");
    match within("HTTPS to a stranger", client.get(&url)).await {
        Err(ClientError::Connect { authority, .. }) => {
            assert_eq!(authority, format!("127.0.0.1:{port}"))
        }
        other => panic!("expected ClientError::Connect, got {other:?}"),
    }
    stop(&server).await;
}

#[hive::test]
async fn post_body_is_echoed_over_http1_and_h2c() {
    let server = serve(&App::new(), false).await.unwrap();
    let url = format!("{}/echo", base(&server));
    // 256 KiB that is not one repeated byte: order and offsets matter.
    let data: Bytes = (0..256 * 1024u32).map(|i| (i % 251) as u8).collect();
    let h2c = Client::builder().http2_prior_knowledge(true).build();
    for client in [Client::new(), h2c] {
        let req = Request::post(url.as_str())
            .body(Full::new(data.clone()))
            .unwrap();
        let res = within("POST /echo", client.request(req)).await.unwrap();
        assert_eq!(res.status(), 200);
        let body = within("the echo", res.into_body().collect())
            .await
            .unwrap()
            .to_bytes();
        assert_eq!(body.len(), data.len());
        assert!(body == data, "the echo differs from what was sent");
    }
    stop(&server).await;
}

#[hive::test]
async fn errors_are_typed() {
    let client = Client::new();
    for bad in ["not a url", "/relative/path", "ftp://127.0.0.1/file"] {
        match client.get(bad).await {
            Err(ClientError::InvalidUrl { .. }) => {}
            other => panic!("{bad:?}: expected InvalidUrl, got {other:?}"),
        }
    }

    // A port nothing listens on (just freed).
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/");
    match within("GET to a closed port", client.get(&url)).await {
        Err(e @ ClientError::Connect { .. }) => {
            assert!(e.to_string().contains(&format!("127.0.0.1:{port}")), "{e}");
            let ClientError::Connect { source, .. } = e else {
                unreachable!()
            };
            assert_eq!(source.kind(), std::io::ErrorKind::ConnectionRefused);
        }
        other => panic!("expected ClientError::Connect, got {other:?}"),
    }

    let server = serve(&App::new(), false).await.unwrap();
    let missing = format!("{}/missing", base(&server));
    match within("get_bytes of a 404", client.get_bytes(&missing)).await {
        Err(ClientError::Status { url, status }) => {
            assert_eq!((url.as_str(), status.as_u16()), (missing.as_str(), 404));
        }
        other => panic!("expected ClientError::Status, got {other:?}"),
    }
    stop(&server).await;
}

/// "One HTTP/2 connection per host carries every concurrent request":
/// also when they all start together on a fresh client (one dials, the
/// others wait for it).
#[hive::test(loops = 2)]
async fn concurrent_first_requests_share_one_http2_connection() {
    const N: usize = 8;
    let app = App::new();
    let server = serve(&app, false).await.unwrap();
    let url = format!("{}/slow", base(&server));
    let client = Client::builder().http2_prior_knowledge(true).build();
    let tasks: Vec<_> = (0..N)
        .map(|_| {
            let (client, url) = (client.clone(), url.clone());
            hive::spawn(async move { client.get_bytes(&url).await })
        })
        .collect();
    app.gate.entered(N).await;
    let opened = server.connections();
    app.gate.release();
    for task in tasks {
        within("a /slow answer", task).await.unwrap().unwrap();
    }
    stop(&server).await;
    assert_eq!(
        opened, 1,
        "{N} concurrent h2c requests opened {opened} connections"
    );
}

/// Whether the pool notices the close first or the request finds the
/// connection gone before it was sent (and is retried), no error reaches
/// the caller; over HTTP/1.1 and over h2c (where the close is a GOAWAY).
#[hive::test]
async fn retries_when_the_server_closed_a_pooled_connection() {
    let server = serve(&App::new(), false)
        .idle_timeout(Duration::from_millis(100))
        .await
        .unwrap();
    let url = format!("{}/hello", base(&server));
    for h2c in [false, true] {
        let client = Client::builder().http2_prior_knowledge(h2c).build();
        let first = within("GET", client.get_bytes(&url)).await.unwrap();
        // The server closes the pooled connection once it is idle...
        no_connections(&server).await;
        // ...and the next request goes out on a fresh one.
        let second = within("GET after the close", client.get_bytes(&url))
            .await
            .unwrap_or_else(|e| panic!("h2c {h2c}: {e}"));
        assert_ne!(conn_of(&second), conn_of(&first));
    }
    stop(&server).await;
}

/// The keep-alive race, made deterministic: a server that takes the
/// second request on a kept-alive connection and closes it unanswered.
/// A bodiless GET is sent again on a fresh connection; a POST is not
/// (its body might already have had effects) and its error says why.
#[hive::test]
async fn a_get_taken_and_dropped_by_a_closing_server_is_sent_again() {
    let listener = hive::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = hive::spawn(async move {
        // Per connection: answer one request, then read the next request
        // head and close without answering.
        for _ in 0..4 {
            let Ok((sock, _)) = listener.accept().await else {
                return;
            };
            // Detached: each connection ends on its own (abort below).
            drop(hive::spawn(async move {
                let (mut r, w) = hive::net::StreamReader::from_tcp(sock);
                for answered in [true, false] {
                    let Ok(head) = r.read_until(&b"\r\n\r\n"[..]).await else {
                        return;
                    };
                    if head.starts_with(b"POST") {
                        let _ = r.read(64).await; // the 2-byte body
                    }
                    if !answered {
                        break;
                    }
                    w.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
                    let _ = w.drain().await;
                }
                w.abort();
            }));
        }
    });
    let url = format!("http://127.0.0.1:{port}/");
    let client = Client::new();
    assert_eq!(
        within("first GET", client.get_bytes(&url)).await.unwrap(),
        "ok"
    );
    // Reuses the connection, is dropped, goes again on a new one.
    assert_eq!(
        within("replayed GET", client.get_bytes(&url))
            .await
            .unwrap(),
        "ok"
    );

    // The second connection is now pooled and will drop its next request.
    let post = Request::post(&url)
        .body(Full::new(Bytes::from("hi")))
        .unwrap();
    let err = within("POST", client.request(post)).await.unwrap_err();
    assert!(
        matches!(&err, ClientError::Http(e) if e.is_incomplete_message()),
        "{err}"
    );
    server.cancel();
}
