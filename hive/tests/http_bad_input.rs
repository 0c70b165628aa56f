//! hive::http's server against bad HTTP/1.1 clients, over raw TCP on
//! loopback: a malformed request line, an endless header, a client that
//! trickles its head byte by byte, and a reset in the middle of a body.
//! Each bad connection ends alone; after it a good client is served, and
//! the server's connection count returns to zero (polled, bounded).

mod http_support;

use http_support::*;
use std::time::{Duration, Instant};

/// The servers' header-read timeout, short so the trickle test is quick.
const HEADER_TIMEOUT: Duration = Duration::from_millis(300);

/// A fresh connection still gets `200`; then every connection ends.
async fn still_serves(server: &hive::http::HttpServer) {
    let (mut r, w) = raw(addr(server)).await;
    let res = raw_get(&mut r, &w, "/hello").await.expect("an answer");
    assert_eq!(res.status, 200, "{res:?}");
    w.close();
    no_connections(server).await;
}

#[hive::test]
async fn a_malformed_request_gets_400_and_is_closed() {
    let server = serve(&App::new(), false)
        .header_read_timeout(HEADER_TIMEOUT)
        .await
        .unwrap();
    for bad in [
        &b"GARBAGE\r\n\r\n"[..],
        b"GET /a b c HTTP/1.1\r\nHost: t\r\n\r\n",
        b"GET / HTTP/1.1\r\nNo colon here\r\n\r\n",
    ] {
        let (mut r, w) = raw(addr(&server)).await;
        w.write(bad);
        let res = read_response(&mut r).await;
        let res = res.unwrap_or_else(|| panic!("no answer to {:?}", text_of(bad)));
        assert_eq!(res.status, 400, "{:?}: {res:?}", text_of(bad));
        let rest = until_closed("the connection after 400", &mut r).await;
        assert!(rest.is_empty(), "{}", text_of(&rest));
        still_serves(&server).await;
    }
    stop(&server).await;
}

#[hive::test]
async fn an_oversized_header_gets_431_or_is_closed() {
    // No header timeout: only the size limit can end this connection, so
    // a server that kept buffering would leave the read below hanging.
    let server = serve(&App::new(), false)
        .header_read_timeout(None)
        .await
        .unwrap();
    let (mut r, w) = raw(addr(&server)).await;
    w.write(b"GET /hello HTTP/1.1\r\nHost: t\r\nX-Big: ");
    // 1 MiB of one header, never ended.
    w.write(&vec![b'a'; 1 << 20]);
    // A 431 answer, or the connection ended (a reset may overtake the
    // answer, since the server leaves the rest of the header unread).
    if let Some(res) = read_response(&mut r).await {
        assert_eq!(res.status, 431, "{res:?}");
    }
    until_closed("the oversized request's connection", &mut r).await;
    w.abort();
    no_connections(&server).await;
    still_serves(&server).await;
    stop(&server).await;
}

#[hive::test]
async fn a_head_trickled_byte_by_byte_is_cut_off_by_the_header_timeout() {
    let server = serve(&App::new(), false)
        .header_read_timeout(HEADER_TIMEOUT)
        .await
        .unwrap();
    let start = Instant::now();
    let (mut r, w) = raw(addr(&server)).await;
    w.write(b"GET /hello HTTP/1.1\r\nHost: t\r\nX-Slow: ");
    // One byte every 20 ms, for as long as the server listens (bounded:
    // `within` gives up after WAIT). What the server sent, if anything.
    let answer = within("the header timeout to close the connection", async {
        loop {
            w.write(b"a");
            match hive::timeout(Duration::from_millis(20), r.read(1024)).await {
                Err(_) => continue,
                Ok(Ok(chunk)) => return chunk,
                Ok(Err(_)) => return Vec::new(),
            }
        }
    })
    .await;
    // hyper closes without a word; a 408 would be fine too.
    assert!(
        answer.is_empty() || answer.starts_with(b"HTTP/1.1 408"),
        "{}",
        text_of(&answer)
    );
    until_closed("the timed-out connection", &mut r).await;
    assert!(
        start.elapsed() >= HEADER_TIMEOUT,
        "cut off before the timeout"
    );
    w.abort();
    no_connections(&server).await;
    still_serves(&server).await;
    stop(&server).await;
}

#[hive::test]
async fn a_reset_in_the_middle_of_a_body_ends_that_connection() {
    let server = serve(&App::new(), false)
        .header_read_timeout(HEADER_TIMEOUT)
        .await
        .unwrap();
    let (mut r, w) = raw(addr(&server)).await;
    w.write(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000\r\n\r\n");
    w.write(&[b'x'; 64 * 1024]);
    // The echo's head is out: the server is reading the body now.
    let head = within("the echo's head", r.read_until(b"\r\n\r\n"))
        .await
        .unwrap();
    assert!(head.starts_with(b"HTTP/1.1 200"), "{}", text_of(&head));
    assert_eq!(server.connections(), 1);

    // SO_LINGER 0 and close: a reset instead of a FIN.
    let tcp = w.tcp_stream().unwrap();
    tcp.set_linger(Some(Duration::ZERO)).unwrap();
    w.abort();
    drop((r, w));
    no_connections(&server).await;
    still_serves(&server).await;
    stop(&server).await;
}

/// A connection that never completes a request head is cut off by the
/// header timeout, also on the default server, where hyper-util first
/// sniffs for the HTTP/2 preface with no time limit of its own (hive-http
/// counts the first request's timeout from the accept).
#[hive::test]
async fn a_client_stalled_before_its_first_request_is_cut_off() {
    for (http1_only, sent) in [
        (true, &b""[..]),
        (false, b""),
        (false, b"PRI * HTTP/2.0\r\n"),
    ] {
        let mut serve = serve(&App::new(), false).header_read_timeout(HEADER_TIMEOUT);
        if http1_only {
            serve = serve.http1_only();
        }
        let server = serve.await.unwrap();
        let (mut r, w) = raw(addr(&server)).await;
        w.write(sent);
        // Ten times the header timeout, far below the idle timeout.
        let ended = hive::timeout(HEADER_TIMEOUT * 10, r.read(1024)).await;
        server.shutdown(Duration::ZERO).await;
        assert!(
            ended.is_ok(),
            "http1_only {http1_only}, sent {:?}: still open",
            text_of(sent)
        );
    }
}
