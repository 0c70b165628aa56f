//! Unix stream and datagram sockets.

use hive::net::{UnixDatagram, UnixListener, UnixStream};

#[test]
fn unix_listener_accepts_and_streams_echo() {
    hive::run(async {
        let path = std::env::temp_dir().join(format!("hive-net-unix-{}.sock", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let l = UnixListener::bind(&path).unwrap();
        let server = hive::spawn(async move {
            let (s, _) = l.accept().await.unwrap();
            let mut buf = [0u8; 1024];
            loop {
                let n = s.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                s.write_all(&buf[..n]).await.unwrap();
            }
        });
        let c = UnixStream::connect(&path).await.unwrap();
        let data: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8).collect();
        let (r, w) = c.into_split();
        let sent = data.clone();
        let writer = hive::spawn(async move {
            w.write_all(&sent).await.unwrap();
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
        server.await.unwrap();
        assert_eq!(got, data);
        std::fs::remove_file(&path).unwrap();
    })
    .unwrap();
}

#[test]
fn unix_datagrams_keep_message_boundaries() {
    hive::run(async {
        let path = std::env::temp_dir().join(format!("hive-net-dgram-{}.sock", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let server = UnixDatagram::bind(&path).unwrap();
        let client = UnixDatagram::unbound().unwrap();
        client.send_to(b"one", &path).await.unwrap();
        client.send_to(b"three", &path).await.unwrap();
        let mut buf = [0u8; 16];
        let (n, _) = server.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"one");
        let (n, _) = server.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"three");
        let (a, b) = UnixDatagram::pair().unwrap();
        a.send(b"p").await.unwrap();
        assert_eq!(b.recv(&mut buf).await.unwrap(), 1);
        std::fs::remove_file(&path).unwrap();
    })
    .unwrap();
}
