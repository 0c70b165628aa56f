//! TLS against bad peers: plaintext and garbage, stalled handshakes,
//! certificates that do not fit, peers that hang up without close_notify,
//! corrupted and truncated records. Each bad connection fails alone with a
//! typed error (logged once by the server, naming the peer, when the
//! handshake is what failed), the server serves a good client right after,
//! and nothing is left behind: descriptors, tasks, connections.
//!
//! Every test takes one lock: they count process-wide descriptors and read
//! the process-wide log, so they must not overlap.

mod tls_support;

use hive::net::tls::{TlsConnector, TlsError, TlsStream};
use hive::net::{Addr, StreamReader, StreamWriter, TcpListener, TcpStream};
use hive::sync::Queue;
use std::future::Future;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tls_support::logs::{capture_logs, lines_since, mark};
use tls_support::{exclusive, open_fds, run, Pki};

/// The bound on every wait: far above what any step takes on loopback.
const WAIT: Duration = Duration::from_secs(10);
/// The servers' (and one client's) `ssl_handshake_timeout`.
/// Short enough that stalled clients are dropped quickly, long enough that a
/// good client's handshake (50 at once, in a debug build, on a loaded
/// machine) never runs into it: at 300 ms, 4 parallel copies of this binary
/// on a shared 2-core machine saw good handshakes reset.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(2);

/// What a server handler in "drain" mode got from `read_to_end`.
type Reports = Queue<io::Result<Vec<u8>>>;

/// `fut`, or a panic naming `what` if it takes longer than [`WAIT`].
async fn within<F: Future>(what: &str, fut: F) -> F::Output {
    match hive::timeout(WAIT, fut).await {
        Ok(out) => out,
        Err(_) => panic!("{what}: nothing within {WAIT:?}"),
    }
}

/// The handler under test. First line "drain\n": answer "ready\n", read
/// to the end and report the result; any other line: echo lines.
async fn serve(mut r: StreamReader, w: StreamWriter, reports: Reports) {
    match r.readline().await {
        Ok(line) if line == b"drain\n" => {
            w.write(b"ready\n");
            if w.drain().await.is_ok() {
                let got = r.read_to_end().await;
                let _ = reports.put(got).await;
            }
        }
        Ok(mut line) if !line.is_empty() => loop {
            w.write(&line);
            if w.drain().await.is_err() {
                break;
            }
            match r.readline().await {
                Ok(next) if !next.is_empty() => line = next,
                _ => break,
            }
        },
        _ => {}
    }
    w.close();
}

struct Fixture {
    pki: Arc<Pki>,
    server: hive::net::Server,
    addr: SocketAddr,
    reports: Reports,
}

impl Fixture {
    /// A TLS server on loopback running [`serve`], with a short
    /// handshake timeout.
    async fn start() -> Fixture {
        capture_logs();
        let pki = Arc::new(Pki::new(&["localhost"]));
        let reports = Reports::new(0);
        let sink = reports.clone();
        let server = hive::net::start_server(move |r, w| serve(r, w, sink.clone()), "127.0.0.1:0")
            .ssl(pki.acceptor())
            .ssl_handshake_timeout(HANDSHAKE_TIMEOUT)
            .await
            .unwrap();
        let addr = server.local_addrs()[0].as_inet().unwrap();
        Fixture {
            pki,
            server,
            addr,
            reports,
        }
    }

    /// A good client gets a line echoed, then hangs up cleanly.
    async fn assert_serves(&self, after: &str) {
        let (mut r, w) = within(
            "good client's handshake",
            hive::net::open_connection(self.addr)
                .ssl(self.pki.connector())
                .server_hostname("localhost"),
        )
        .await
        .unwrap_or_else(|e| panic!("the server refused a good client after {after}: {e}"));
        let line = format!("good client after {after}\n");
        w.write(line.as_bytes());
        let echoed = within("echo", r.readline()).await.unwrap();
        assert_eq!(echoed, line.as_bytes(), "after {after}");
        w.close();
        within("good client's close", w.wait_closed())
            .await
            .unwrap();
    }

    /// See [`drain_client`].
    async fn drain_client(&self) -> (TlsStream, SocketAddr) {
        drain_client(self.addr, &self.pki).await
    }

    /// What the next "drain" handler got.
    async fn report(&self) -> io::Result<Vec<u8>> {
        within("the handler's report", self.reports.get())
            .await
            .unwrap()
    }
}

/// A TLS client over a socket of our own (so its address is known), with
/// the handler in "drain" mode and ready.
async fn drain_client(addr: SocketAddr, pki: &Pki) -> (TlsStream, SocketAddr) {
    let sock = within("connect", TcpStream::connect(addr)).await.unwrap();
    let me = sock.local_addr().unwrap();
    let tls = within(
        "handshake",
        TlsStream::connect(&pki.connector(), "localhost", sock),
    )
    .await
    .unwrap();
    within("write", tls.write_all(b"drain\n")).await.unwrap();
    // Once "ready" is read, everything the server sent before it (its
    // session tickets) is off our socket too, so closing it later sends a
    // FIN, not a reset: the server sees a plain end of stream.
    let mut ready = Vec::new();
    let mut buf = [0; 64];
    while !ready.ends_with(b"ready\n") {
        let n = within("ready", tls.read(&mut buf)).await.unwrap();
        assert_ne!(n, 0, "the server hung up before ready");
        ready.extend_from_slice(&buf[..n]);
    }
    (tls, me)
}

/// Reads until the peer closes (0) or the connection fails.
async fn until_closed(sock: &TcpStream) {
    let mut buf = [0; 1024];
    within("the server to drop a bad connection", async {
        while let Ok(n) = sock.read(&mut buf).await {
            if n == 0 {
                break;
            }
        }
    })
    .await
}

/// Connects, sends `bytes` (maybe none), waits until the server hangs
/// up; the client's address.
async fn bad_client(addr: SocketAddr, bytes: &[u8]) -> SocketAddr {
    let sock = within("connect", TcpStream::connect(addr)).await.unwrap();
    let me = sock.local_addr().unwrap();
    if !bytes.is_empty() {
        within("write", sock.write_all(bytes)).await.unwrap();
    }
    until_closed(&sock).await;
    me
}

/// The one log line the server wrote about `peer` since `since` (a
/// [`mark`] taken before `peer` connected: ports get reused), once it is
/// there.
async fn logged_once(since: usize, peer: SocketAddr) -> String {
    // The server closes the socket, then logs: poll a little.
    let needle = format!("{peer} ");
    within("the server's log line", async {
        while lines_since(since, &needle).is_empty() {
            hive::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    let lines = lines_since(since, &needle);
    assert_eq!(lines.len(), 1, "logged more than once: {lines:#?}");
    lines.into_iter().next().unwrap()
}

/// `n` bytes from a fixed seed (xorshift): the same garbage every run.
fn garbage(mut seed: u64, n: usize) -> Vec<u8> {
    (0..n)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 24) as u8
        })
        .collect()
}

/// Reads one whole TLS record (header + body) off `sock`.
async fn read_record(sock: &TcpStream) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0; 4096];
    loop {
        if got.len() >= 5 && got.len() >= 5 + u16::from_be_bytes([got[3], got[4]]) as usize {
            return got;
        }
        let n = within("a TLS record", sock.read(&mut buf)).await.unwrap();
        assert_ne!(n, 0, "the client hung up mid-record");
        got.extend_from_slice(&buf[..n]);
    }
}

/// A real ClientHello from hive's client, taken by a listener that reads
/// it and hangs up (the client then fails with an early EOF).
async fn client_hello(pki: &Pki) -> Vec<u8> {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let taker = hive::spawn(async move {
        let (sock, _) = listener.accept().await.unwrap();
        read_record(&sock).await
    });
    let err = within(
        "the client's handshake",
        hive::net::open_connection(addr)
            .ssl(pki.connector())
            .server_hostname("localhost"),
    )
    .await
    .unwrap_err();
    match TlsError::from_io(&err) {
        Some(TlsError::UnexpectedEof {
            during_handshake: true,
            ..
        }) => {}
        other => panic!("expected an EOF during the handshake, got {other:?} ({err})"),
    }
    let hello = within("the taker", taker).await.unwrap();
    assert_eq!(hello[0], 0x16, "a handshake record");
    hello
}

#[test]
fn plaintext_and_garbage_are_dropped_and_the_server_serves_on() {
    let _one = exclusive();
    run(2, async {
        let f = Fixture::start().await;
        let mut record_of_garbage = vec![0x16, 0x03, 0x01, 0x01, 0x00];
        record_of_garbage.extend(garbage(7, 256));
        let cases: [(&str, Vec<u8>); 4] = [
            ("plaintext HTTP", b"GET / HTTP/1.1\r\n\r\n".to_vec()),
            ("random bytes", garbage(42, 1024)),
            ("a handshake record of garbage", record_of_garbage),
            (
                "an SSLv2-style hello",
                b"\x80\x2e\x01\x00\x02\x00\x15".to_vec(),
            ),
        ];
        for (what, bytes) in cases {
            let since = mark();
            let me = bad_client(f.addr, &bytes).await;
            let line = logged_once(since, me).await;
            assert!(line.contains("error=Handshake {"), "{what}: {line}");
            assert!(line.contains("connection dropped"), "{what}: {line}");
            f.assert_serves(what).await;
        }
        assert_eq!(f.server.accept_errors(), 0);
    });
}

#[test]
fn stalled_handshakes_are_dropped_after_the_handshake_timeout() {
    let _one = exclusive();
    run(2, async {
        let f = Fixture::start().await;
        let hello = client_hello(&f.pki).await;
        let half = hello[..hello.len() / 2].to_vec();
        let cases: [(&str, &[u8]); 3] = [
            ("a silent client", b""),
            ("half a ClientHello", &half),
            ("a record header only", &hello[..5]),
        ];
        for (what, bytes) in cases {
            let since = mark();
            let started = Instant::now();
            let me = bad_client(f.addr, bytes).await;
            // Dropped by the timeout, not at once, and well within WAIT.
            assert!(started.elapsed() >= HANDSHAKE_TIMEOUT / 2, "{what}");
            let line = logged_once(since, me).await;
            assert!(line.contains("error=HandshakeTimeout"), "{what}: {line}");
            let after = format!("timed out after {HANDSHAKE_TIMEOUT:?}");
            assert!(line.contains(&after), "{what}: {line}");
            f.assert_serves(what).await;
        }
    });
}

#[test]
fn client_handshake_timeout_names_the_silent_server() {
    let _one = exclusive();
    let pki = Pki::new(&["localhost"]);
    run(2, async move {
        // Accepts, reads the ClientHello, never answers; returns once the
        // client gives up and closes its socket.
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let silent = hive::spawn(async move {
            let (sock, _) = listener.accept().await.unwrap();
            read_record(&sock).await;
            until_closed(&sock).await;
        });
        let err = within(
            "the client's handshake timeout",
            hive::net::open_connection(addr)
                .ssl(pki.connector())
                .server_hostname("localhost")
                .ssl_handshake_timeout(HANDSHAKE_TIMEOUT),
        )
        .await
        .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut, "{err}");
        match TlsError::from_io(&err) {
            Some(TlsError::HandshakeTimeout { peer, after }) => {
                assert_eq!(peer.as_ref().and_then(Addr::as_inet), Some(addr));
                assert_eq!(*after, HANDSHAKE_TIMEOUT);
            }
            other => panic!("expected HandshakeTimeout, got {other:?}"),
        }
        assert!(err.to_string().contains(&addr.to_string()), "{err}");
        assert!(err.to_string().contains("ssl_handshake_timeout"), "{err}");
        // The client closed its socket when it gave up.
        within("the silent server", silent).await.unwrap();
    });
}

#[test]
fn certificate_errors_name_the_peer_and_the_server_serves_on() {
    let _one = exclusive();
    run(2, async {
        let f = Fixture::start().await;
        let stranger = Pki::new(&["localhost"]);
        let cases = [
            (
                "an untrusted certificate",
                stranger.connector(),
                "localhost",
            ),
            ("another host's name", f.pki.connector(), "example.com"),
        ];
        for (what, connector, name) in cases {
            let since = mark();
            let sock = within("connect", TcpStream::connect(f.addr)).await.unwrap();
            let me = sock.local_addr().unwrap();
            let err = within("handshake", TlsStream::connect(&connector, name, sock))
                .await
                .unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{what}: {err}");
            let tls = TlsError::from_io(&err).unwrap_or_else(|| panic!("{what}: untyped {err}"));
            match (what, tls) {
                ("an untrusted certificate", TlsError::CertificateNotTrusted { .. }) => {}
                ("another host's name", TlsError::HostnameMismatch { server_name, .. }) => {
                    assert_eq!(server_name, "example.com")
                }
                _ => panic!("{what}: wrong error {tls:?}"),
            }
            assert_eq!(tls.peer().and_then(Addr::as_inet), Some(f.addr), "{what}");
            assert!(
                err.to_string().contains(&f.addr.to_string()),
                "{what}: {err}"
            );
            // The client told the server why (an alert); the server logs
            // that once, naming the client.
            let line = logged_once(since, me).await;
            assert!(line.contains("error=Handshake {"), "{what}: {line}");
            assert!(line.contains("AlertReceived"), "{what}: {line}");
            f.assert_serves(what).await;
        }
    });
}

#[test]
fn close_without_close_notify_is_an_unexpected_eof_and_shutdown_is_clean() {
    let _one = exclusive();
    run(2, async {
        let f = Fixture::start().await;

        // Clean: close_notify, then FIN. The server reads a plain end.
        let (tls, _) = f.drain_client().await;
        within("write", tls.write_all(b"all of it")).await.unwrap();
        within("shutdown", tls.shutdown()).await.unwrap();
        assert_eq!(f.report().await.unwrap(), b"all of it");
        // The server's close sends close_notify: a clean end here too.
        let mut buf = [0; 16];
        assert_eq!(within("EOF", tls.read(&mut buf)).await.unwrap(), 0);
        drop(tls);
        f.assert_serves("a clean shutdown").await;

        // The raw socket shut down under the session: no close_notify.
        let (tls, me) = f.drain_client().await;
        within("write", tls.write_all(b"cut sh")).await.unwrap();
        tls.tcp_stream().unwrap().shutdown(Shutdown::Both).unwrap();
        let err = f.report().await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof, "{err}");
        match TlsError::from_io(&err) {
            Some(TlsError::UnexpectedEof {
                peer,
                during_handshake: false,
            }) => assert_eq!(peer.as_ref().and_then(Addr::as_inet), Some(me)),
            other => panic!("expected UnexpectedEof after the handshake, got {other:?}"),
        }
        assert!(err.to_string().contains(&me.to_string()), "{err}");
        assert!(err.to_string().contains("close_notify"), "{err}");
        drop(tls);
        f.assert_serves("a socket shut down under TLS").await;

        // The session dropped without shutdown: the same.
        let (tls, me) = f.drain_client().await;
        within("write", tls.write_all(b"cut dr")).await.unwrap();
        drop(tls);
        let err = f.report().await.unwrap_err();
        match TlsError::from_io(&err) {
            Some(TlsError::UnexpectedEof {
                peer,
                during_handshake: false,
            }) => assert_eq!(peer.as_ref().and_then(Addr::as_inet), Some(me)),
            other => panic!("expected UnexpectedEof after the handshake, got {other:?} ({err})"),
        }
        f.assert_serves("a TLS stream dropped without shutdown")
            .await;
    });
}

#[test]
fn corrupted_and_truncated_records_are_typed_errors() {
    let _one = exclusive();
    run(2, async {
        let f = Fixture::start().await;

        // An application-data record header, then junk: it cannot decrypt.
        let (tls, me) = f.drain_client().await;
        let mut forged = vec![0x17, 0x03, 0x03, 0x00, 0x40];
        forged.extend(garbage(99, 0x40));
        let raw = tls.tcp_stream().unwrap();
        within("raw write", raw.write_all(&forged)).await.unwrap();
        let err = f.report().await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{err}");
        match TlsError::from_io(&err) {
            Some(TlsError::Protocol { peer, .. }) => {
                assert_eq!(peer.as_ref().and_then(Addr::as_inet), Some(me))
            }
            other => panic!("expected Protocol, got {other:?} ({err})"),
        }
        assert!(err.to_string().contains(&me.to_string()), "{err}");
        // The server told us (an alert) and hung up: our read fails.
        let mut buf = [0; 64];
        let ours = within("our read", tls.read(&mut buf)).await;
        assert!(
            matches!(&ours, Err(e) if TlsError::from_io(e).is_some()),
            "{ours:?}"
        );
        drop(tls);
        f.assert_serves("a corrupted record").await;

        // A header promising 256 bytes, 10 of them, then the socket shut.
        let (tls, me) = f.drain_client().await;
        let mut cut = vec![0x17, 0x03, 0x03, 0x01, 0x00];
        cut.extend(garbage(5, 10));
        let raw = tls.tcp_stream().unwrap();
        within("raw write", raw.write_all(&cut)).await.unwrap();
        raw.shutdown(Shutdown::Both).unwrap();
        let err = f.report().await.unwrap_err();
        match TlsError::from_io(&err) {
            Some(TlsError::UnexpectedEof {
                peer,
                during_handshake: false,
            }) => assert_eq!(peer.as_ref().and_then(Addr::as_inet), Some(me)),
            Some(TlsError::Protocol { peer, .. }) => {
                assert_eq!(peer.as_ref().and_then(Addr::as_inet), Some(me))
            }
            other => panic!("expected UnexpectedEof or Protocol, got {other:?} ({err})"),
        }
        drop(tls);
        f.assert_serves("a truncated record").await;
    });
}

/// One bad connection of kind `i % 7`; returns whether it was a "drain"
/// client (whose handler reports once).
async fn one_bad_connection(
    addr: SocketAddr,
    pki: &Pki,
    stranger: &TlsConnector,
    hello: &[u8],
    i: usize,
) -> bool {
    match i % 7 {
        0 => drop(bad_client(addr, b"GET / HTTP/1.1\r\n\r\n").await),
        1 => drop(bad_client(addr, &garbage(i as u64 + 1, 512)).await),
        2 => drop(bad_client(addr, b"").await),
        3 => drop(bad_client(addr, &hello[..hello.len() / 2]).await),
        4 => {
            let sock = within("connect", TcpStream::connect(addr)).await.unwrap();
            let r = within("handshake", TlsStream::connect(stranger, "localhost", sock)).await;
            assert!(r.is_err());
        }
        kind => {
            let (tls, _) = drain_client(addr, pki).await;
            if kind == 5 {
                // Corrupted record.
                let mut forged = vec![0x17, 0x03, 0x03, 0x00, 0x20];
                forged.extend(garbage(i as u64, 0x20));
                within("raw write", tls.tcp_stream().unwrap().write_all(&forged))
                    .await
                    .unwrap();
            } else {
                // Hang up without close_notify.
                tls.tcp_stream().unwrap().shutdown(Shutdown::Both).unwrap();
            }
            let mut buf = [0; 64];
            within("the server to hang up", async {
                while let Ok(n) = tls.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                }
            })
            .await;
            return true;
        }
    }
    false
}

#[test]
fn many_bad_connections_leave_nothing_behind() {
    const BAD: usize = 50;
    let _one = exclusive();
    let fds_before_runtime = open_fds();
    run(2, async {
        let f = Fixture::start().await;
        let hello = client_hello(&f.pki).await;
        f.assert_serves("nothing yet").await;
        let fds = open_fds();
        let tasks = hive::all_tasks().len();

        let hello = Arc::new(hello);
        let stranger = Pki::new(&["localhost"]).connector();
        let clients: Vec<_> = (0..BAD)
            .map(|i| {
                let (pki, hello, addr) = (f.pki.clone(), hello.clone(), f.addr);
                let stranger = stranger.clone();
                hive::spawn(
                    async move { one_bad_connection(addr, &pki, &stranger, &hello, i).await },
                )
            })
            .collect();
        let mut drained = 0;
        for c in clients {
            if within("a bad client", c).await.unwrap() {
                drained += 1;
            }
        }
        for _ in 0..drained {
            assert!(f.report().await.is_err());
        }
        assert!(f.reports.empty());

        // Settle: connection tasks end and sockets close soon after the
        // clients are gone (bounded poll, no sleeping on a guess).
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let now = (open_fds(), hive::all_tasks().len(), f.server.connections());
            if now.0.abs_diff(fds) <= 2 && now.1 <= tasks && now.2 == 0 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "left behind after {BAD} bad connections: fds {} (was {fds}), tasks {} (was {tasks}), connections {}: {:#?}",
                now.0,
                now.1,
                now.2,
                hive::all_tasks()
            );
            hive::sleep(Duration::from_millis(10)).await;
        }
        f.assert_serves("many bad connections").await;
        assert_eq!(f.server.accept_errors(), 0);
        f.server.close();
        within("wait_closed", f.server.wait_closed()).await;
        assert_eq!(f.server.connections(), 0);
    });
    let after = open_fds();
    assert!(
        after.abs_diff(fds_before_runtime) <= 2,
        "descriptors outlived the runtime: {fds_before_runtime} before, {after} after"
    );
}
