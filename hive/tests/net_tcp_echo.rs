//! TCP echo over many concurrent loopback connections, byte-exact; half
//! close; peer reset; the futures-io traits; socket options.

use hive::net::{TcpListener, TcpSocket, TcpStream};
use std::time::Duration;

/// A deterministic pseudo-random payload (xorshift), different per seed.
fn payload(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

#[test]
fn echo_of_random_payloads_over_many_connections_is_byte_exact() {
    hive::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        const CONNS: usize = 32;
        let server = hive::spawn(async move {
            let mut echoes = Vec::new();
            for _ in 0..CONNS {
                let (s, _) = listener.accept().await.unwrap();
                echoes.push(hive::spawn(async move {
                    let mut buf = vec![0u8; 8192];
                    loop {
                        let n = s.read(&mut buf).await.unwrap();
                        if n == 0 {
                            break;
                        }
                        s.write_all(&buf[..n]).await.unwrap();
                    }
                }));
            }
            for e in echoes {
                e.await.unwrap();
            }
        });
        let clients: Vec<_> = (0..CONNS)
            .map(|i| {
                hive::spawn(async move {
                    let data = payload(i as u64, 1000 + i * 3001);
                    let s = TcpStream::connect(addr).await.unwrap();
                    let (r, w) = s.into_split();
                    let sent = data.clone();
                    let writer = hive::spawn(async move {
                        for chunk in sent.chunks(777) {
                            w.write_all(chunk).await.unwrap();
                        }
                        drop(w); // half-close: the server sees EOF
                    });
                    let mut got = Vec::new();
                    let mut buf = [0u8; 4096];
                    loop {
                        let n = r.read(&mut buf).await.unwrap();
                        if n == 0 {
                            break;
                        }
                        got.extend_from_slice(&buf[..n]);
                    }
                    writer.await.unwrap();
                    assert_eq!(got, data, "connection {i} echoed different bytes");
                })
            })
            .collect();
        for c in clients {
            c.await.unwrap();
        }
        server.await.unwrap();
    })
    .unwrap();
}

#[test]
fn half_close_lets_the_other_direction_keep_working() {
    hive::run(async {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let c = TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
        let (s, _) = l.accept().await.unwrap();
        c.write_all(b"request").await.unwrap();
        c.shutdown(std::net::Shutdown::Write).unwrap();
        let mut buf = [0u8; 16];
        assert_eq!(s.read(&mut buf).await.unwrap(), 7);
        assert_eq!(
            s.read(&mut buf).await.unwrap(),
            0,
            "EOF after the half-close"
        );
        s.write_all(b"response").await.unwrap();
        drop(s);
        let mut got = Vec::new();
        loop {
            let n = c.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(got, b"response");
    })
    .unwrap();
}

#[test]
fn a_peer_reset_mid_read_is_an_error_not_a_hang() {
    hive::run(async {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let c = TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
        let (s, _) = l.accept().await.unwrap();
        c.write_all(b"partial").await.unwrap();
        let mut buf = [0u8; 7];
        assert_eq!(s.read(&mut buf).await.unwrap(), 7);
        // Linger 0 + close sends RST.
        c.set_linger(Some(Duration::ZERO)).unwrap();
        drop(c);
        let err = hive::timeout(Duration::from_secs(10), s.read(&mut buf))
            .await
            .expect("read must not hang after a reset")
            .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset);
    })
    .unwrap();
}

#[test]
fn futures_io_traits_work_on_the_stream_and_its_halves() {
    use hive::net::futures_io::{AsyncRead, AsyncWrite};
    use std::future::poll_fn;
    use std::pin::Pin;
    hive::run(async {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut c = TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
        let (mut s, _) = l.accept().await.unwrap();
        poll_fn(|cx| Pin::new(&mut c).poll_write(cx, b"abc"))
            .await
            .unwrap();
        let mut buf = [0u8; 3];
        let n = poll_fn(|cx| Pin::new(&mut s).poll_read(cx, &mut buf))
            .await
            .unwrap();
        assert_eq!(&buf[..n], b"abc");
        let (mut r, mut w) = s.split();
        poll_fn(|cx| Pin::new(&mut w).poll_write(cx, b"xy"))
            .await
            .unwrap();
        poll_fn(|cx| Pin::new(&mut w).poll_close(cx)).await.unwrap();
        let mut got = [0u8; 2];
        c.read(&mut got).await.unwrap();
        assert_eq!(&got, b"xy");
        assert_eq!(c.read(&mut got).await.unwrap(), 0);
        drop(c);
        assert_eq!(
            poll_fn(|cx| Pin::new(&mut r).poll_read(cx, &mut buf))
                .await
                .unwrap(),
            0
        );
    })
    .unwrap();
}

#[test]
fn socket_options_round_trip() {
    hive::run(async {
        let sock = TcpSocket::new_v4().unwrap();
        sock.set_reuseaddr(true).unwrap();
        sock.set_reuseport(true).unwrap();
        sock.set_recv_buffer_size(1 << 16).unwrap();
        sock.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        assert!(sock.as_socket().reuse_port().unwrap());
        let l = sock.listen(16).unwrap();
        let s = TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
        s.set_nodelay(true).unwrap();
        assert!(s.nodelay().unwrap());
        s.set_keepalive(Some(Duration::from_secs(30))).unwrap();
        assert!(s.keepalive().unwrap());
        s.set_keepalive(None).unwrap();
        assert!(!s.keepalive().unwrap());
        s.set_linger(Some(Duration::from_secs(2))).unwrap();
        assert_eq!(s.linger().unwrap(), Some(Duration::from_secs(2)));
        s.set_send_buffer_size(1 << 16).unwrap();
        assert!(s.send_buffer_size().unwrap() >= 1 << 16);
        if let Ok(v6) = TcpSocket::new_v6() {
            v6.set_only_v6(true).unwrap();
            assert!(v6.as_socket().only_v6().unwrap());
        }
    })
    .unwrap();
}

#[test]
fn owned_halves_reunite_only_with_their_own_partner() {
    hive::run(async {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let a = TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
        let b = TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
        let (ar, aw) = a.into_split();
        let (br, bw) = b.into_split();
        let hive::net::ReuniteError(ar, bw) = ar.reunite(bw).unwrap_err();
        let a = ar.reunite(aw).unwrap();
        let b = br.reunite(bw).unwrap();
        assert_ne!(a.local_addr().unwrap(), b.local_addr().unwrap());
    })
    .unwrap();
}
