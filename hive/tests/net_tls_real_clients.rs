//! hive's TLS against programs no one here wrote, on loopback: OpenSSL's
//! `s_client` against a hive server, hive's client against OpenSSL's
//! `s_server`, and curl against a small hive HTTPS responder. The
//! certificates come from rcgen, written to a temporary directory.
//!
//! A test whose program is missing prints "SKIPPED: ... not found" and
//! passes. Clients run under `timeout`; the server child is killed at the
//! end (or when dropped); every wait is bounded.

mod tls_support;

use hive::process::{Command, Stdio};
use hive::sync::Queue;
use std::future::Future;
use std::time::Duration;
use tls_support::{have_program, run, Pki, TempDir};

/// The bound on every wait here.
const WAIT: Duration = Duration::from_secs(30);
/// What `timeout(1)` gives each program: less than [`WAIT`], so a stuck
/// program is killed before the test gives up on it.
const PROGRAM_SECS: &str = "20";

/// `fut`, or a panic naming `what` if it takes longer than [`WAIT`].
async fn within<F: Future>(what: &str, fut: F) -> F::Output {
    match hive::timeout(WAIT, fut).await {
        Ok(out) => out,
        Err(_) => panic!("{what}: nothing within {WAIT:?}"),
    }
}

/// False (and says so) when one of `programs` is not installed.
fn have_all(programs: &[&str]) -> bool {
    for p in programs {
        if !have_program(p) {
            println!("SKIPPED: {p} not found");
            return false;
        }
    }
    true
}

/// `program args..` under `timeout`, every stream piped.
fn bounded(program: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new("timeout");
    cmd.arg(PROGRAM_SECS)
        .arg(program)
        .args(args)
        .stdin(Stdio::Piped)
        .stdout(Stdio::Piped)
        .stderr(Stdio::Piped)
        .kill_on_drop(true);
    cmd
}

fn text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

#[test]
fn openssl_s_client_verifies_and_talks_to_a_hive_server() {
    if !have_all(&["openssl", "timeout"]) {
        return;
    }
    let pki = Pki::new(&["localhost"]);
    let dir = TempDir::new("tls-s-client");
    pki.write_to(&dir);
    run(2, async move {
        // Echoes one line, then closes (close_notify): s_client exits.
        let sni = Queue::<Option<String>>::new(0);
        let seen = sni.clone();
        let server = hive::net::start_server(
            move |mut r, w| {
                let seen = seen.clone();
                async move {
                    let name = w.tls_info().and_then(|i| i.sni().map(str::to_owned));
                    let _ = seen.put(name).await;
                    if let Ok(line) = r.readline().await {
                        w.write(&line);
                    }
                    w.close();
                    let _ = w.wait_closed().await;
                }
            },
            "127.0.0.1:0",
        )
        .ssl(pki.acceptor())
        .await
        .unwrap();
        let port = server.local_addrs()[0].as_inet().unwrap().port();

        let ca = dir.path("ca.pem");
        let out = s_client(port, &ca, b"hello from s_client\n").await;
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        assert!(
            out.status.success(),
            "s_client failed ({}):\n{stdout}\n{stderr}",
            out.status
        );
        assert!(
            stdout.contains("\nhello from s_client\n"),
            "no echo:\n{stdout}\n{stderr}"
        );
        assert!(
            stdout.contains("Verify return code: 0 (ok)"),
            "verification:\n{stdout}\n{stderr}"
        );
        assert_eq!(
            within("the server's SNI", sni.get())
                .await
                .unwrap()
                .as_deref(),
            Some("localhost")
        );

        // Trusting another CA, s_client refuses the certificate and stops
        // (-verify_return_error); the server serves on.
        let other = dir.path("other-ca.pem");
        std::fs::write(&other, Pki::new(&["localhost"]).ca_pem).unwrap();
        let out = s_client(port, &other, b"never sent\n").await;
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        assert!(
            !out.status.success(),
            "s_client accepted a stranger:\n{stdout}\n{stderr}"
        );
        assert!(stderr.contains("verify error"), "{stdout}\n{stderr}");
        assert!(!stdout.contains("never sent"), "{stdout}");
        let out = s_client(port, &ca, b"once more\n").await;
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(text(&out.stdout).contains("\nonce more\n"));

        server.close();
        within("wait_closed", server.wait_closed()).await;
    });
}

/// `openssl s_client` to 127.0.0.1:`port` as "localhost", trusting
/// `ca`, failing on a bad certificate; sends `input`, reads until the
/// server closes.
async fn s_client(port: u16, ca: &std::path::Path, input: &[u8]) -> std::process::Output {
    let connect = format!("127.0.0.1:{port}");
    let mut child = bounded(
        "openssl",
        &[
            "s_client",
            "-connect",
            &connect,
            "-CAfile",
            ca.to_str().unwrap(),
            "-servername",
            "localhost",
            "-verify_return_error",
            // Keep reading after stdin ends, until the server closes.
            "-ign_eof",
        ],
    )
    .spawn()
    .unwrap();
    within("openssl s_client", child.communicate(Some(input)))
        .await
        .unwrap()
}

/// `openssl s_server -rev` on a free loopback port, once it listens; the
/// port. Retries on another port if the one picked was taken meanwhile.
async fn start_s_server(dir: &TempDir) -> (hive::process::Process, u16) {
    let (cert, key) = (dir.path("cert.pem"), dir.path("key.pem"));
    let mut why = String::new();
    for _ in 0..3 {
        let port = {
            let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            probe.local_addr().unwrap().port()
        };
        let accept = format!("127.0.0.1:{port}");
        // Not under timeout(1): kill_on_drop must reach openssl itself (a
        // killed `timeout` would leave its child listening). Killed below.
        let mut child = Command::new("openssl");
        child
            .args([
                "s_server",
                "-accept",
                &accept,
                "-cert",
                cert.to_str().unwrap(),
                "-key",
                key.to_str().unwrap(),
                // Answers each line reversed: proof that data crossed.
                "-rev",
                // Exits after one client.
                "-naccept",
                "1",
            ])
            .stdin(Stdio::Null)
            .stdout(Stdio::Piped)
            .stderr(Stdio::Piped)
            .kill_on_drop(true);
        let mut child = child.spawn().unwrap();
        // s_server says ACCEPT on stdout once it listens.
        let mut stdout = child.stdout.take().unwrap();
        let mut said = Vec::new();
        let listening = within("s_server to listen", async {
            loop {
                match stdout.readline().await {
                    Ok(line) if line.starts_with(b"ACCEPT") => return true,
                    Ok(line) if !line.is_empty() => said.extend_from_slice(&line),
                    _ => return false,
                }
            }
        })
        .await;
        if listening {
            child.stdout = Some(stdout);
            return (child, port);
        }
        let mut stderr = child.stderr.take().unwrap();
        let err = within("s_server's stderr", stderr.read_to_end())
            .await
            .unwrap_or_default();
        let status = within("s_server's exit", child.wait()).await;
        why = format!("{status:?}: {}{}", text(&said), text(&err));
    }
    panic!("openssl s_server did not start on three ports; last: {why}");
}

#[test]
fn hive_client_talks_to_openssl_s_server() {
    if !have_all(&["openssl"]) {
        return;
    }
    let pki = Pki::new(&["localhost"]);
    let dir = TempDir::new("tls-s-server");
    pki.write_to(&dir);
    run(2, async move {
        let (mut child, port) = start_s_server(&dir).await;
        let (mut r, w) = within(
            "the handshake with s_server",
            hive::net::open_connection(("127.0.0.1", port))
                .ssl(pki.connector())
                .server_hostname("localhost"),
        )
        .await
        .unwrap();
        let info = w.tls_info().unwrap();
        assert!(info.protocol_version().is_some());
        assert_eq!(info.peer_certificates().len(), 1);

        w.write(b"hello s_server\n");
        let back = within("s_server's answer", r.readline()).await.unwrap();
        assert_eq!(back, b"revres_s olleh\n");
        w.write(b"second line\n");
        let back = within("s_server's answer", r.readline()).await.unwrap();
        assert_eq!(back, b"enil dnoces\n");

        w.close();
        within("close", w.wait_closed()).await.unwrap();
        let _ = child.kill();
        within("s_server's exit", child.wait()).await.unwrap();
    });
}

/// A minimal HTTPS responder: reads a request head, answers "hello tls",
/// closes. Reports each request's first line and the ALPN agreed.
async fn start_responder(
    acceptor: hive::net::tls::TlsAcceptor,
) -> (hive::net::Server, Queue<(Vec<u8>, Option<Vec<u8>>)>) {
    let requests = Queue::new(0);
    let seen = requests.clone();
    let server = hive::net::start_server(
        move |mut r, w| {
            let seen = seen.clone();
            async move {
                let alpn = w
                    .tls_info()
                    .and_then(|i| i.alpn_protocol().map(<[u8]>::to_vec));
                let Ok(head) = r.read_until(b"\r\n\r\n").await else {
                    w.abort();
                    return;
                };
                let first = head.split(|&b| b == b'\n').next().unwrap_or(&[]).to_vec();
                let _ = seen.put((first, alpn)).await;
                let body = b"hello tls";
                w.write(
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    )
                    .as_bytes(),
                );
                w.write(body);
                w.close();
                let _ = w.wait_closed().await;
            }
        },
        "127.0.0.1:0",
    )
    .ssl(acceptor)
    .await
    .unwrap();
    (server, requests)
}

#[test]
fn curl_fetches_a_page_from_a_hive_https_responder() {
    if !have_all(&["curl", "timeout"]) {
        return;
    }
    let pki = Pki::new(&["localhost"]);
    let dir = TempDir::new("tls-curl");
    pki.write_to(&dir);
    run(2, async move {
        let ca = dir.path("ca.pem");
        // No ALPN on the server: curl falls back to HTTP/1.1. With ALPN
        // "http/1.1" offered and curl told --http1.1: agreed by name.
        for alpn in [None, Some("http/1.1")] {
            let acceptor = match alpn {
                None => pki.acceptor(),
                Some(p) => pki.acceptor().with_alpn([p]),
            };
            let (server, requests) = start_responder(acceptor).await;
            let port = server.local_addrs()[0].as_inet().unwrap().port();
            let resolve = format!("localhost:{port}:127.0.0.1");
            let url = format!("https://localhost:{port}/");
            let mut args = vec![
                "--silent",
                "--show-error",
                "--max-time",
                PROGRAM_SECS,
                "--cacert",
                ca.to_str().unwrap(),
                // localhost may resolve to ::1 first; the server is on v4.
                "--resolve",
                &resolve,
                "--write-out",
                "\n%{http_code} %{ssl_verify_result} %{http_version}",
            ];
            if alpn.is_some() {
                args.push("--http1.1");
            }
            args.push(&url);
            let out = within("curl", bounded("curl", &args).stdin(Stdio::Null).output())
                .await
                .unwrap();
            let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
            assert!(
                out.status.success(),
                "curl failed ({}), alpn {alpn:?}:\n{stdout}\n{stderr}",
                out.status
            );
            assert_eq!(stdout, "hello tls\n200 0 1.1", "alpn {alpn:?}: {stderr}");
            let (first, agreed) = within("the request", requests.get()).await.unwrap();
            assert_eq!(first, b"GET / HTTP/1.1\r");
            assert_eq!(agreed.as_deref(), alpn.map(str::as_bytes));
            server.close();
            within("wait_closed", server.wait_closed()).await;
        }
    });
}
