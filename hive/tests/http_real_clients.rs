//! hive::http's server against programs no one here wrote, on loopback:
//! curl (HTTP/1.1 keep-alive, a chunked 1 MiB upload echoed back, h2c by
//! prior knowledge, HTTPS with HTTP/2 by ALPN) and wrk (a short load).
//!
//! A test whose program is missing prints "SKIPPED: ... not found" and
//! passes. Each program runs with its own time limit and is killed and
//! reaped if it outlives `PROGRAM_WAIT` (http_support::program).

mod http_support;

use hive::http::Client;
use http_support::tls_support::{Pki, TempDir};
use http_support::*;

/// curl's common options: quiet but for errors, its own time limit.
const CURL: [&str; 4] = ["--silent", "--show-error", "--max-time", "20"];

/// `curl CURL.. args..`; its stdout, after checking it succeeded.
async fn curl(args: &[&str]) -> String {
    let all: Vec<&str> = CURL.iter().chain(args).copied().collect();
    let out = program("curl", &all).await;
    assert!(
        out.status.success(),
        "curl {args:?} failed ({}): {}",
        out.status,
        text_of(&out.stderr)
    );
    text_of(&out.stdout)
}

#[hive::test]
async fn curl_reuses_one_keep_alive_connection_for_two_urls() {
    if !have_all(&["curl"]) {
        return;
    }
    let server = serve(&App::new(), false).await.unwrap();
    let url = format!("{}/hello", base(&server));
    // Each transfer writes its body, then how many connections it opened.
    let out = curl(&["--write-out", "%{num_connects}\n", &url, &url]).await;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert!(lines[0].starts_with("hello over HTTP/1.1"), "{out}");
    assert_eq!(
        (lines[1], lines[3]),
        ("1", "0"),
        "the second connected anew: {out}"
    );
    assert_eq!(conn_of(lines[0].as_bytes()), conn_of(lines[2].as_bytes()));
    stop(&server).await;
}

#[hive::test]
async fn curl_chunked_upload_of_1_mib_is_echoed_byte_for_byte() {
    if !have_all(&["curl"]) {
        return;
    }
    let dir = TempDir::new("http-curl-echo");
    let (sent, got) = (dir.path("sent.bin"), dir.path("got.bin"));
    // 1 MiB that is not one repeated byte, so order and offsets matter.
    let data: Vec<u8> = (0..1u32 << 20).map(|i| (i * 7 % 253) as u8).collect();
    std::fs::write(&sent, &data).unwrap();
    let server = serve(&App::new(), false).await.unwrap();
    let url = format!("{}/echo", base(&server));
    let upload = format!("@{}", sent.display());
    let all: Vec<&str> = CURL
        .iter()
        .copied()
        .chain([
            "--verbose",
            "--data-binary",
            &upload,
            "--header",
            "Transfer-Encoding: chunked",
            "--header",
            "Content-Type: application/octet-stream",
            "--output",
            got.to_str().unwrap(),
            "--write-out",
            "%{http_code}",
            &url,
        ])
        .collect();
    let out = program("curl", &all).await;
    let stderr = text_of(&out.stderr);
    assert!(
        out.status.success(),
        "curl failed ({}): {stderr}",
        out.status
    );
    assert_eq!(text_of(&out.stdout), "200");
    // The request did go chunked (not turned into a Content-Length one).
    assert!(stderr.contains("> Transfer-Encoding: chunked"), "{stderr}");
    let echoed = std::fs::read(&got).unwrap();
    assert_eq!(echoed.len(), data.len());
    assert!(echoed == data, "the echo differs from the upload");
    stop(&server).await;
}

#[hive::test]
async fn curl_http2_prior_knowledge() {
    if !have_all(&["curl"]) {
        return;
    }
    let server = serve(&App::new(), false).await.unwrap();
    let url = format!("{}/hello", base(&server));
    let args = [
        "--http2-prior-knowledge",
        "--write-out",
        "%{http_version}",
        &url,
    ];
    let out = curl(&args).await;
    assert!(out.starts_with("hello over HTTP/2.0 on conn "), "{out}");
    assert!(out.ends_with("\n2"), "{out}");
    stop(&server).await;
}

#[hive::test]
async fn curl_https_gets_http2_by_alpn_and_http11_when_asked() {
    if !have_all(&["curl"]) {
        return;
    }
    let pki = Pki::new(&["localhost"]);
    let dir = TempDir::new("http-curl-tls");
    pki.write_to(&dir);
    let server = serve(&App::new(), false).ssl(pki.acceptor()).await.unwrap();
    let port = addr(&server).port();
    // localhost may resolve to ::1 first; the server is on 127.0.0.1.
    let resolve = format!("localhost:{port}:127.0.0.1");
    let url = format!("https://localhost:{port}/hello");
    let ca = dir.path("ca.pem");
    for (flag, version, served) in [
        ("--http2", "2", "HTTP/2.0"),
        ("--http1.1", "1.1", "HTTP/1.1"),
    ] {
        let args = [
            "--cacert",
            ca.to_str().unwrap(),
            "--resolve",
            &resolve,
            flag,
            "--write-out",
            "%{http_version} %{ssl_verify_result}",
            &url,
        ];
        let out = curl(&args).await;
        assert!(
            out.starts_with(&format!("hello over {served} on conn ")),
            "{out}"
        );
        assert!(out.ends_with(&format!("\n{version} 0")), "{flag}: {out}");
    }
    stop(&server).await;
}

/// The number in wrk's "N requests in 1.00s, ..." line.
fn wrk_requests(report: &str) -> u64 {
    report
        .lines()
        .find_map(|l| l.trim().split_once(" requests in ")?.0.parse().ok())
        .unwrap_or_else(|| panic!("no request count in wrk's report:\n{report}"))
}

#[hive::test(loops = 2)]
async fn wrk_load_on_both_server_kinds() {
    if !have_all(&["wrk"]) {
        return;
    }
    for per_loop in [false, true] {
        let server = serve(&App::new(), per_loop).await.unwrap();
        let url = format!("{}/hello", base(&server));
        // A bounded load: 16 connections for one second.
        let args = ["-t1", "-c16", "-d1s", "--timeout", "5s", &url];
        let out = program("wrk", &args).await;
        let report = text_of(&out.stdout);
        assert!(out.status.success(), "{report}{}", text_of(&out.stderr));
        assert!(wrk_requests(&report) > 0, "{report}");
        // wrk prints these lines only when something went wrong.
        assert!(
            !report.contains("Socket errors"),
            "per_loop {per_loop}:\n{report}"
        );
        assert!(
            !report.contains("Non-2xx"),
            "per_loop {per_loop}:\n{report}"
        );
        // Still serving, and every wrk connection is gone.
        let body = within("GET after the load", Client::new().get_bytes(&url))
            .await
            .unwrap();
        assert!(body.starts_with(b"hello over HTTP/1.1"), "{body:?}");
        eventually("wrk's connections to end", || server.connections() <= 1).await;
        stop(&server).await;
    }
}
