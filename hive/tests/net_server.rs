//! Servers: close/wait_closed, close_clients/abort_clients, serve_forever,
//! per-loop listeners, Unix servers.

use hive::net::{
    open_connection, open_unix_connection, start_server, start_unix_server, TcpStream,
};
use std::time::Duration;

async fn echo(mut r: hive::net::StreamReader, w: hive::net::StreamWriter) {
    loop {
        match r.read(4096).await {
            Ok(data) if !data.is_empty() => {
                w.write(&data);
                if w.drain().await.is_err() {
                    return;
                }
            }
            _ => return,
        }
    }
}

#[test]
fn close_then_wait_closed_waits_for_handlers_and_refuses_new_connections() {
    hive::run(async {
        let server = start_server(echo, "127.0.0.1:0").await.unwrap();
        let addr = server.local_addrs()[0].as_inet().unwrap();
        let (mut r, w) = open_connection(addr).await.unwrap();
        w.write(b"ping");
        w.drain().await.unwrap();
        assert_eq!(r.read_exact(4).await.unwrap(), b"ping");
        assert_eq!(server.connections(), 1);

        server.close();
        assert!(!server.is_serving());
        let waiting = hive::spawn({
            let server = server.clone();
            async move { server.wait_closed().await }
        });
        hive::sleep(Duration::from_millis(30)).await;
        assert!(!waiting.is_done(), "a handler is still running");
        // The old connection still works after close().
        w.write(b"again");
        w.drain().await.unwrap();
        assert_eq!(r.read_exact(5).await.unwrap(), b"again");
        w.close();
        hive::timeout(Duration::from_secs(10), waiting)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(server.connections(), 0);
        let err = TcpStream::connect(addr).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
    })
    .unwrap();
}

#[test]
fn abort_clients_ends_every_connection() {
    hive::run(async {
        let server = start_server(echo, "127.0.0.1:0").await.unwrap();
        let addr = server.local_addrs()[0].as_inet().unwrap();
        let mut clients = Vec::new();
        for _ in 0..4 {
            let (mut r, w) = open_connection(addr).await.unwrap();
            w.write(b"x");
            w.drain().await.unwrap();
            assert_eq!(r.read_exact(1).await.unwrap(), b"x");
            clients.push((r, w));
        }
        assert_eq!(server.connections(), 4);
        server.close();
        server.abort_clients();
        hive::timeout(Duration::from_secs(10), server.wait_closed())
            .await
            .unwrap();
        for (mut r, _w) in clients {
            assert!(
                r.read(10).await.map_or(true, |d| d.is_empty()),
                "the client sees the end"
            );
        }
    })
    .unwrap();
}

#[test]
fn close_clients_flushes_then_closes() {
    hive::run(async {
        let server = start_server(
            |mut r, w| async move {
                w.write(b"hello");
                let _ = r.read_to_end().await; // waits until the connection closes
            },
            "127.0.0.1:0",
        )
        .await
        .unwrap();
        let addr = server.local_addrs()[0].as_inet().unwrap();
        let (mut r, _w) = open_connection(addr).await.unwrap();
        assert_eq!(r.read_exact(5).await.unwrap(), b"hello");
        server.close_clients();
        assert_eq!(r.read_to_end().await.unwrap(), b"");
        server.close();
        hive::timeout(Duration::from_secs(10), server.wait_closed())
            .await
            .unwrap();
    })
    .unwrap();
}

#[test]
fn serve_forever_returns_on_close_and_closes_when_dropped() {
    hive::run(async {
        let server = start_server(echo, "127.0.0.1:0").await.unwrap();
        let forever = hive::spawn({
            let s = server.clone();
            async move { s.serve_forever().await }
        });
        hive::sleep(Duration::from_millis(10)).await;
        assert!(!forever.is_done());
        server.close();
        hive::timeout(Duration::from_secs(5), forever)
            .await
            .unwrap()
            .unwrap();

        let other = start_server(echo, "127.0.0.1:0").await.unwrap();
        let forever = hive::spawn({
            let s = other.clone();
            async move { s.serve_forever().await }
        });
        hive::sleep(Duration::from_millis(10)).await;
        forever.cancel();
        let _ = forever.await;
        assert!(
            !other.is_serving(),
            "cancelling serve_forever closes the server"
        );
    })
    .unwrap();
}

#[test]
fn per_loop_servers_pin_each_connection_to_the_accepting_loop() {
    let rt = hive::Runtime::builder().loops(2).build().unwrap();
    rt.run(async {
        let server = start_server(
            |_r, w| async move {
                // Report the loop the handler runs on, twice, across a yield:
                // a pinned task never moves.
                let first = hive::current_loop_id().unwrap().index();
                hive::yield_now().await;
                let second = hive::current_loop_id().unwrap().index();
                w.write(format!("{first}{second}").as_bytes());
                w.close();
            },
            "127.0.0.1:0",
        )
        .per_loop(true)
        .await
        .unwrap();
        let addrs = server.local_addrs();
        assert_eq!(addrs.len(), 2, "one listener per loop");
        assert_eq!(addrs[0].as_inet(), addrs[1].as_inet(), "all on one port");
        let addr = addrs[0].as_inet().unwrap();
        let mut seen = [false; 2];
        for _ in 0..64 {
            let (mut r, _w) = open_connection(addr).await.unwrap();
            let got = r.read_to_end().await.unwrap();
            assert_eq!(got[0], got[1], "the handler stayed on its loop");
            seen[(got[0] - b'0') as usize] = true;
            if seen == [true, true] {
                break;
            }
        }
        assert_eq!(
            seen,
            [true, true],
            "the kernel spread 64 connections over both listeners"
        );
        server.close();
        server.wait_closed().await;
    })
    .unwrap();
}

#[test]
fn unix_server_round_trip_and_socket_file_cleanup() {
    hive::run(async {
        let path = std::env::temp_dir().join(format!("hive-net-test-{}.sock", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let server = start_unix_server(echo, &path).await.unwrap();
        let (mut r, w) = open_unix_connection(&path).await.unwrap();
        w.writelines([&b"uni"[..], b"x\n"]);
        w.drain().await.unwrap();
        assert_eq!(r.readline().await.unwrap(), b"unix\n");
        w.close();
        server.close();
        server.wait_closed().await;
        assert!(!path.exists(), "close removes the socket file");
        assert!(start_unix_server(echo, &path).per_loop(true).await.is_err());
    })
    .unwrap();
}

#[test]
fn close_refuses_new_connections_before_it_returns() {
    // asyncio closes the listening sockets inside `Server.close()`; a
    // connect right after it must be refused, on both server kinds, not
    // accepted by a listener whose task has yet to stop.
    hive::run(async {
        for per_loop in [false, true] {
            let server = start_server(echo, "127.0.0.1:0")
                .per_loop(per_loop)
                .await
                .unwrap();
            let addr = server.local_addrs()[0].as_inet().unwrap();
            server.close();
            let err = std::net::TcpStream::connect(addr).unwrap_err();
            assert_eq!(
                err.kind(),
                std::io::ErrorKind::ConnectionRefused,
                "per_loop={per_loop}"
            );
            server.wait_closed().await;
        }
    })
    .unwrap();
}
