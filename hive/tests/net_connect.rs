//! Name resolution and connecting: lookup_host, Happy Eyeballs fallback,
//! connect timeout, and the error listing what was tried. Loopback only.

use hive::net::{lookup_host, ConnectOptions, TcpListener, TcpSocket};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

fn closed_port() -> SocketAddr {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap() // dropped: connecting there is refused
}

/// A loopback listener that never accepts, with its accept queue full:
/// further SYNs are dropped, so a connect to it hangs (no traffic leaves
/// the machine). Returns the listener and the connections filling it.
fn black_hole() -> (socket2::Socket, Vec<std::net::TcpStream>, SocketAddr) {
    use hive::net::socket2::{Domain, Socket, Type};
    let l = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    l.bind(&"127.0.0.1:0".parse::<SocketAddr>().unwrap().into())
        .unwrap();
    l.listen(0).unwrap();
    let addr = l.local_addr().unwrap().as_socket().unwrap();
    let mut fill = Vec::new();
    for _ in 0..4 {
        if let Ok(s) = std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(100)) {
            fill.push(s);
        }
    }
    (l, fill, addr)
}
use hive::net::socket2;

#[test]
fn lookup_host_resolves_literals_and_localhost() {
    hive::run(async {
        assert_eq!(
            lookup_host("127.0.0.1:9").await.unwrap(),
            vec!["127.0.0.1:9".parse::<SocketAddr>().unwrap()]
        );
        let local = lookup_host(("localhost", 7)).await.unwrap();
        assert!(!local.is_empty() && local.iter().all(|a| a.ip().is_loopback() && a.port() == 7));
        assert!(lookup_host("no-such-host.invalid:80").await.is_err());
    })
    .unwrap();
}

#[test]
fn connect_falls_back_from_a_refused_address_and_lists_failures() {
    hive::run(async {
        let good = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let bad = closed_port();
        let s = ConnectOptions::new()
            .connect(vec![bad, good.local_addr().unwrap()])
            .await
            .unwrap();
        assert_eq!(s.peer_addr().unwrap(), good.local_addr().unwrap());

        let bad2 = closed_port();
        let err = ConnectOptions::new()
            .connect(vec![bad, bad2])
            .await
            .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains(&bad.to_string()) && text.contains(&bad2.to_string()),
            "{text}"
        );
        assert_eq!(err.attempts.len(), 2);
        assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
    })
    .unwrap();
}

#[test]
fn happy_eyeballs_starts_the_next_address_while_the_first_hangs() {
    hive::run(async {
        let (_hole, _fill, hole) = black_hole();
        // Check the trick works here: a lone connect to the hole must hang.
        let probe = ConnectOptions::new()
            .timeout(Some(Duration::from_millis(300)))
            .connect(hole)
            .await;
        let Err(probe) = probe else {
            eprintln!("the accept queue did not fill on this kernel; skipping");
            return;
        };
        assert_eq!(probe.kind(), std::io::ErrorKind::TimedOut);
        assert!(probe.to_string().contains("timeout"), "{probe}");

        let good = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let started = Instant::now();
        let s = ConnectOptions::new()
            .happy_eyeballs_delay(Some(Duration::from_millis(50)))
            .timeout(Some(Duration::from_secs(60)))
            .connect(vec![hole, good.local_addr().unwrap()])
            .await
            .unwrap();
        let took = started.elapsed();
        assert_eq!(s.peer_addr().unwrap(), good.local_addr().unwrap());
        assert!(
            took >= Duration::from_millis(50),
            "the second attempt waited for the delay: {took:?}"
        );
        assert!(
            // Half the time limit: generous on any machine, and a connect
            // that waited for the first attempt would have taken all of it.
            took < Duration::from_secs(30),
            "it did not wait for the first to time out: {took:?}"
        );
    })
    .unwrap();
}

#[test]
fn tcp_socket_connect_reports_refusal() {
    hive::run(async {
        let err = TcpSocket::new_v4()
            .unwrap()
            .connect(closed_port())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
    })
    .unwrap();
}
