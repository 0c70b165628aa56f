//! TLS through the streams API: echo over both server kinds and Unix
//! sockets, the StreamReader/StreamWriter contract over TLS, ALPN and SNI,
//! start_tls, and protocols (plain and buffered) over TLS.

mod tls_support;

use hive::net::tls::TlsError;
use std::time::Duration;
use tls_support::{run, Pki};

async fn echo_lines(mut r: hive::net::StreamReader, w: hive::net::StreamWriter) {
    while let Ok(line) = r.readline().await {
        if line.is_empty() {
            break;
        }
        w.write(&line);
        if w.drain().await.is_err() {
            return;
        }
    }
    w.close();
}

#[test]
fn echo_over_tls_default_and_per_loop_servers() {
    let pki = Pki::new(&["localhost"]);
    run(2, async move {
        for per_loop in [false, true] {
            let server = hive::net::start_server(echo_lines, "127.0.0.1:0")
                .ssl(pki.acceptor())
                .per_loop(per_loop)
                .await
                .unwrap();
            let port = server.local_addrs()[0].as_inet().unwrap().port();
            let mut clients = Vec::new();
            for i in 0..8 {
                let connector = pki.connector();
                clients.push(hive::spawn(async move {
                    let (mut r, w) = hive::net::open_connection(("localhost", port))
                        .ssl(connector)
                        .await
                        .unwrap();
                    for j in 0..20 {
                        let line = format!("client {i} line {j}\n");
                        w.write(line.as_bytes());
                        w.drain().await.unwrap();
                        assert_eq!(r.readline().await.unwrap(), line.as_bytes());
                    }
                    w.write_eof();
                    assert_eq!(r.read_to_end().await.unwrap(), b"");
                    assert!(r.at_eof());
                }));
            }
            for c in clients {
                c.await.unwrap();
            }
            server.close();
            server.wait_closed().await;
        }
    });
}

#[test]
fn large_transfer_respects_drain_and_arrives_whole() {
    let pki = Pki::new(&["localhost"]);
    run(2, async move {
        // The server reads everything, then answers with its length.
        let server = hive::net::start_server(
            |mut r, w| async move {
                let all = r.read_to_end().await.unwrap();
                w.write(format!("{}\n", all.len()).as_bytes());
                w.close();
                w.wait_closed().await.unwrap();
            },
            "127.0.0.1:0",
        )
        .ssl(pki.acceptor())
        .await
        .unwrap();
        let port = server.local_addrs()[0].as_inet().unwrap().port();
        let (mut r, w) = hive::net::open_connection(("localhost", port))
            .ssl(pki.connector())
            .await
            .unwrap();
        let chunk = vec![7u8; 100_000];
        for _ in 0..40 {
            w.write(&chunk);
            w.drain().await.unwrap();
            // drain keeps the buffer near the high-water mark, never 4 MB.
            assert!(w.write_buffer_size() <= 100_000 + 64 * 1024);
        }
        w.write_eof();
        assert_eq!(r.readline().await.unwrap(), b"4000000\n");
    });
}

#[test]
fn readline_limit_overrun_keeps_data_over_tls() {
    let pki = Pki::new(&["localhost"]);
    run(1, async move {
        let server = hive::net::start_server(
            |_r, w| async move {
                w.write(&[b'x'; 300]);
                w.write(b"\n");
                w.close();
            },
            "127.0.0.1:0",
        )
        .ssl(pki.acceptor())
        .await
        .unwrap();
        let port = server.local_addrs()[0].as_inet().unwrap().port();
        let (r, _w) = hive::net::open_connection(("localhost", port))
            .ssl(pki.connector())
            .await
            .unwrap();
        let mut r = r.with_limit(100);
        match r.readline().await {
            Err(hive::net::ReadError::LimitOverrun(_)) => {}
            other => panic!("expected a limit overrun, got {other:?}"),
        }
        let rest = r.read_to_end().await.unwrap();
        assert_eq!(rest.len(), 301);
    });
}

#[test]
fn unix_socket_tls_needs_and_uses_server_hostname() {
    let pki = Pki::new(&["hive.test"]);
    run(2, async move {
        let path = std::env::temp_dir().join(format!("hive-tls-{}.sock", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let server = hive::net::start_unix_server(echo_lines, &path)
            .ssl(pki.acceptor())
            .await
            .unwrap();
        let err = hive::net::open_unix_connection(&path)
            .ssl(pki.connector())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("server_hostname"), "{err}");

        let (mut r, w) = hive::net::open_unix_connection(&path)
            .ssl(pki.connector())
            .server_hostname("hive.test")
            .await
            .unwrap();
        w.write(b"over unix\n");
        assert_eq!(r.readline().await.unwrap(), b"over unix\n");
        assert_eq!(w.tls_info().unwrap().sni(), None);
        w.close();
        drop((r, w));
        server.close();
        server.wait_closed().await;
    });
}

#[test]
fn alpn_and_sni_are_visible_on_both_sides() {
    let pki = Pki::new(&["localhost"]);
    run(2, async move {
        // An async queue, not a std channel: blocking this loop's thread
        // on a std receiver could keep the handler's task from running.
        let seen = hive::sync::Queue::new(0);
        let tx = seen.clone();
        let server = hive::net::start_server(
            move |_r, w| {
                let info = w.tls_info().unwrap();
                let _ = tx.put_nowait((
                    info.alpn_protocol().map(<[u8]>::to_vec),
                    info.sni().map(str::to_owned),
                ));
                async move {
                    w.close();
                }
            },
            "127.0.0.1:0",
        )
        .ssl(pki.acceptor().with_alpn(["h2", "http/1.1"]))
        .await
        .unwrap();
        let port = server.local_addrs()[0].as_inet().unwrap().port();
        let (_r, w) = hive::net::open_connection(("localhost", port))
            .ssl(pki.connector().with_alpn(["http/1.1"]))
            .await
            .unwrap();
        let info = w.tls_info().unwrap();
        assert_eq!(info.alpn_protocol(), Some(&b"http/1.1"[..]));
        assert_eq!(info.peer_certificates().len(), 1);
        let (alpn, sni) = hive::timeout(Duration::from_secs(10), seen.get())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(alpn.as_deref(), Some(&b"http/1.1"[..]));
        assert_eq!(sni.as_deref(), Some("localhost"));
    });
}

#[test]
fn certificate_errors_are_typed_and_name_the_peer() {
    let pki = Pki::new(&["localhost"]);
    let stranger = Pki::new(&["localhost"]);
    run(2, async move {
        let server = hive::net::start_server(echo_lines, "127.0.0.1:0")
            .ssl(pki.acceptor())
            .await
            .unwrap();
        let addr = server.local_addrs()[0].as_inet().unwrap();

        // Signed by a CA the client does not trust.
        let err = hive::net::open_connection(addr)
            .ssl(stranger.connector())
            .server_hostname("localhost")
            .await
            .unwrap_err();
        match TlsError::from_io(&err) {
            Some(TlsError::CertificateNotTrusted { peer, .. }) => {
                assert_eq!(peer.as_ref().unwrap().as_inet(), Some(addr));
            }
            other => panic!("expected CertificateNotTrusted, got {other:?}"),
        }
        assert!(err.to_string().contains(&addr.to_string()), "{err}");

        // Trusted, but for another name.
        let err = hive::net::open_connection(addr)
            .ssl(pki.connector())
            .server_hostname("example.com")
            .await
            .unwrap_err();
        match TlsError::from_io(&err) {
            Some(TlsError::HostnameMismatch { server_name, .. }) => {
                assert_eq!(server_name, "example.com")
            }
            other => panic!("expected HostnameMismatch, got {other:?}"),
        }

        // The server still serves a good client.
        let (mut r, w) = hive::net::open_connection(addr)
            .ssl(pki.connector())
            .server_hostname("localhost")
            .await
            .unwrap();
        w.write(b"still here\n");
        assert_eq!(r.readline().await.unwrap(), b"still here\n");
    });
}

#[test]
fn start_tls_upgrades_a_live_connection_without_losing_bytes() {
    let pki = Pki::new(&["localhost"]);
    run(2, async move {
        let acceptor = pki.acceptor();
        let server = hive::net::start_server(
            move |mut r, mut w| {
                let acceptor = acceptor.clone();
                async move {
                    w.write(b"220 hello\n");
                    assert_eq!(r.readline().await.unwrap(), b"STARTTLS\n");
                    w.write(b"220 go ahead\n");
                    w.start_tls_server(&mut r, &acceptor).await.unwrap();
                    echo_lines(r, w).await;
                }
            },
            "127.0.0.1:0",
        )
        .await
        .unwrap();
        let addr = server.local_addrs()[0].as_inet().unwrap();
        let (mut r, mut w) = hive::net::open_connection(addr).await.unwrap();
        let old = w.clone();
        assert_eq!(r.readline().await.unwrap(), b"220 hello\n");
        w.write(b"STARTTLS\n");
        assert_eq!(r.readline().await.unwrap(), b"220 go ahead\n");
        w.start_tls_client(&mut r, &pki.connector(), "localhost")
            .await
            .unwrap();
        assert!(w.tls_info().is_some());
        w.write(b"secret\n");
        assert_eq!(r.readline().await.unwrap(), b"secret\n");
        // The old clone cannot write plaintext into the TLS stream.
        old.write(b"plaintext\n");
        assert!(old.drain().await.is_err());
        w.write(b"after\n");
        assert_eq!(r.readline().await.unwrap(), b"after\n");
        // Misuse: upgrading twice.
        let err = w
            .start_tls_client(&mut r, &pki.connector(), "localhost")
            .await
            .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    });
}

struct Collect {
    transport: Option<hive::net::Transport>,
    got: Vec<u8>,
}

impl hive::net::Protocol for Collect {
    fn connection_made(&mut self, t: hive::net::Transport) {
        t.write(b"ping\n");
        self.transport = Some(t);
    }
    fn data_received(&mut self, data: &[u8]) {
        self.got.extend_from_slice(data);
        if self.got.ends_with(b"\n") {
            if let Some(t) = &self.transport {
                t.close();
            }
        }
    }
}

struct Echo(Option<hive::net::Transport>);

impl hive::net::Protocol for Echo {
    fn connection_made(&mut self, t: hive::net::Transport) {
        assert!(t.tls_info().is_some());
        self.0 = Some(t);
    }
    fn data_received(&mut self, data: &[u8]) {
        if let Some(t) = &self.0 {
            t.write(data);
        }
    }
    fn eof_received(&mut self) -> bool {
        false
    }
}

#[test]
fn protocols_and_transports_over_tls() {
    let pki = Pki::new(&["localhost"]);
    run(2, async move {
        let server = hive::net::create_server(|| Echo(None), "127.0.0.1:0")
            .ssl(pki.acceptor())
            .await
            .unwrap();
        let port = server.local_addrs()[0].as_inet().unwrap().port();
        let (transport, task) = hive::net::create_connection(
            || Collect {
                transport: None,
                got: Vec::new(),
            },
            ("localhost", port),
        )
        .ssl(pki.connector())
        .await
        .unwrap();
        assert!(transport.tls_info().is_some());
        let proto = hive::timeout(Duration::from_secs(10), task)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(proto.got, b"ping\n");
        server.close();
        server.wait_closed().await;
    });
}

/// A `BufferedProtocol` echo through a 5-byte buffer of its own.
struct SmallEcho([u8; 5], Option<hive::net::Transport>);

impl hive::net::BufferedProtocol for SmallEcho {
    fn connection_made(&mut self, t: hive::net::Transport) {
        assert!(t.tls_info().is_some());
        self.1 = Some(t);
    }
    fn get_buffer(&mut self, _: usize) -> &mut [u8] {
        &mut self.0
    }
    fn buffer_updated(&mut self, n: usize) {
        self.1.as_ref().unwrap().write(&self.0[..n]);
    }
}

#[test]
fn buffered_protocols_over_tls() {
    let pki = Pki::new(&["localhost"]);
    run(2, async move {
        let server = hive::net::create_server(
            || hive::net::Buffered(SmallEcho([0; 5], None)),
            "127.0.0.1:0",
        )
        .ssl(pki.acceptor())
        .await
        .unwrap();
        let port = server.local_addrs()[0].as_inet().unwrap().port();
        let (mut r, w) = hive::net::open_connection(("localhost", port))
            .ssl(pki.connector())
            .await
            .unwrap();
        let message: Vec<u8> = (0..200u8).collect();
        w.write(&message);
        let echoed = hive::timeout(Duration::from_secs(10), r.read_exact(200))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(echoed, message, "decrypted into 5-byte reads, in order");
        w.close();
        server.close();
        server.wait_closed().await;
    });
}

#[test]
fn options_without_ssl_are_refused() {
    run(1, async move {
        let err = hive::net::open_connection("127.0.0.1:9")
            .server_hostname("x")
            .await
            .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
        let err = hive::net::start_server(|_r, _w| async {}, "127.0.0.1:0")
            .ssl_handshake_timeout(Duration::from_secs(1))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    });
}

#[test]
fn close_clients_reaches_a_handshake_in_progress() {
    let pki = Pki::new(&["localhost"]);
    run(2, async move {
        // The default handshake timeout is 60 s: wait_closed must not
        // wait for it once close_clients was called.
        let server = hive::net::start_server(echo_lines, "127.0.0.1:0")
            .ssl(pki.acceptor())
            .await
            .unwrap();
        let addr = server.local_addrs()[0].as_inet().unwrap();
        let stalled = hive::net::TcpStream::connect(addr).await.unwrap();
        stalled.write_all(&[0x16, 0x03, 0x01]).await.unwrap(); // half a record header
        while server.connections() == 0 {
            hive::sleep(Duration::from_millis(5)).await;
        }
        server.close();
        server.close_clients();
        hive::timeout(Duration::from_secs(10), server.wait_closed())
            .await
            .expect("wait_closed waited for the stalled handshake");
        let mut buf = [0u8; 16];
        let n = hive::timeout(Duration::from_secs(10), stalled.read(&mut buf))
            .await
            .unwrap()
            .unwrap_or(0);
        assert_eq!(n, 0, "the stalled client was not disconnected");
    });
}

/// Forwards TLS records from `from` to `to` one at a time. Before the
/// client's first encrypted record (its `Finished`) it shuts down `to`'s
/// read side, so the server can read but its sends fail with EPIPE; after
/// that record it waits for `go` before forwarding the rest.
fn forward_records_holding_after_finished(
    mut from: std::os::unix::net::UnixStream,
    mut to: std::os::unix::net::UnixStream,
    go: std::sync::mpsc::Receiver<()>,
) {
    use std::io::{Read, Write};
    let mut seen_encrypted = false;
    loop {
        let mut header = [0u8; 5];
        if from.read_exact(&mut header).is_err() {
            return; // the client closed
        }
        let len = u16::from_be_bytes([header[3], header[4]]) as usize;
        let mut body = vec![0u8; len];
        from.read_exact(&mut body).unwrap();
        let is_finished = header[0] == 23 && !seen_encrypted;
        if is_finished {
            seen_encrypted = true;
            to.shutdown(std::net::Shutdown::Read).unwrap();
        }
        to.write_all(&header).unwrap();
        to.write_all(&body).unwrap();
        if is_finished {
            go.recv_timeout(Duration::from_secs(10)).unwrap();
        }
    }
}

/// Right after the handshake a TLS 1.3 server has session tickets to
/// send. A client that wrote its data, sent `close_notify` and left cannot
/// take them (EPIPE); the server's read must still return the data and
/// then the clean end, not the send's error (CI saw the `accept` doctest
/// lose its bytes that way).
#[test]
fn a_read_returns_the_data_when_the_tickets_cannot_go_out() {
    use std::os::unix::net::UnixStream as StdUnix;
    let pki = Pki::new(&["localhost"]);
    let (client_end, proxy_client) = StdUnix::pair().unwrap();
    let (proxy_server, server_end) = StdUnix::pair().unwrap();
    let (go, wait_for_go) = std::sync::mpsc::channel();
    let back = {
        let (mut from, mut to) = (
            proxy_server.try_clone().unwrap(),
            proxy_client.try_clone().unwrap(),
        );
        // Server to client: everything, until the read side is shut down.
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut from, &mut to);
        })
    };
    let forth = std::thread::spawn(move || {
        forward_records_holding_after_finished(proxy_client, proxy_server, wait_for_go)
    });
    run(1, async move {
        let client_end = hive::net::UnixStream::from_std(client_end).unwrap();
        let server_end = hive::net::UnixStream::from_std(server_end).unwrap();
        let connector = pki.connector();
        let client = hive::spawn(async move {
            let tls = hive::net::tls::TlsStream::connect(&connector, "localhost", client_end)
                .await
                .unwrap();
            tls.write_all(b"kept").await.unwrap();
            tls.shutdown().await.unwrap();
        });
        let tls = hive::net::tls::TlsStream::accept(&pki.acceptor(), server_end)
            .await
            .expect("the handshake itself succeeds");
        go.send(()).unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 16];
        loop {
            let n = tls
                .read(&mut buf)
                .await
                .expect("the read returns what the client sent, not the failed send");
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(got, b"kept");
        client.await.unwrap();
    });
    forth.join().unwrap();
    back.join().unwrap();
}
