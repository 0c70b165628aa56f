//! A server's `local_addrs()` connect as they are: `open_connection` and
//! `create_connection` take a TCP or a Unix `Addr` with no conversion, and
//! calls that need an IP address refuse a Unix one with advice.

use hive::net::{Addr, Protocol, Server, StreamReader, StreamWriter};

async fn echo(mut r: StreamReader, w: StreamWriter) {
    let line = r.readline().await.unwrap();
    w.write(&line);
    w.drain().await.unwrap();
}

/// One line there and back through `open_connection(addr)`.
async fn round_trip(addr: impl hive::net::ToSocketAddrs) {
    let (mut reader, writer) = hive::net::open_connection(addr).await.unwrap();
    writer.write(b"ping\n");
    writer.drain().await.unwrap();
    assert_eq!(reader.readline().await.unwrap(), b"ping\n");
}

#[derive(Default)]
struct Collect(Vec<u8>);
impl Protocol for Collect {
    fn data_received(&mut self, data: &[u8]) {
        self.0.extend_from_slice(data);
    }
}

async fn check_server(server: &Server) {
    let addrs = server.local_addrs();
    // By reference and by value.
    round_trip(&addrs[0]).await;
    round_trip(addrs[0].clone()).await;
    let (transport, _done) = hive::net::create_connection(Collect::default, &addrs[0])
        .await
        .unwrap();
    transport.close();
}

#[test]
fn a_tcp_servers_address_connects_as_it_is() {
    hive::run(async {
        let server = hive::net::start_server(echo, "127.0.0.1:0").await.unwrap();
        assert!(matches!(server.local_addrs()[0], Addr::Inet(_)));
        check_server(&server).await;
        server.close();
        server.wait_closed().await;
    })
    .unwrap();
}

#[test]
fn a_unix_servers_address_connects_as_it_is() {
    hive::run(async {
        let path = std::env::temp_dir().join(format!("hive-addrs-{}.sock", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let server = hive::net::start_unix_server(echo, &path).await.unwrap();
        let addr = server.local_addrs()[0].clone();
        assert_eq!(addr.as_unix().unwrap().as_pathname(), Some(path.as_path()));
        check_server(&server).await;

        // Calls that need an IP address say so instead of misbehaving.
        let err = hive::net::lookup_host(&addr).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("open_connection"), "{err}");
        let err = hive::net::TcpListener::bind(&addr).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);

        server.close();
        server.wait_closed().await;
        assert!(!path.exists(), "the socket file goes with the server");
    })
    .unwrap();
}

#[test]
fn an_unnamed_unix_address_is_refused_with_advice() {
    hive::run(async {
        let (a, _b) = hive::net::UnixStream::pair().unwrap();
        let (_r, w) = StreamReader::from_unix(a);
        let unnamed = w.peer_addr().unwrap();
        let err = hive::net::open_connection(unnamed).await.unwrap_err();
        assert!(err.to_string().contains("unnamed"), "{err}");
    })
    .unwrap();
}
