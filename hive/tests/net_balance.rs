//! I/O balance (DESIGN.md section 4): one listener, many busy connections,
//! and every loop's reactor does I/O.

use hive::net::{open_connection, start_server, StartServer};

/// Serves `CONNS` busy echo connections from one listener on a `LOOPS`-loop
/// runtime; returns, per connection, the loop whose reactor owned the
/// server's socket, the loop main ran on, and the I/O events each loop saw.
fn serve_busy_connections(spread: bool) -> (Vec<usize>, usize, Vec<u64>) {
    let rt = hive::Runtime::builder().loops(LOOPS).build().unwrap();
    let before = rt.metrics();
    let (owners, main_loop) = rt
        .run(async move {
            let start: StartServer = start_server(
                |mut r, w| async move {
                    // Echo; then report which loop's reactor owns the socket.
                    let owner = w.tcp_stream().unwrap().loop_id().index();
                    loop {
                        match r.read(1024).await {
                            Ok(d) if !d.is_empty() => {
                                w.write(&d);
                                if w.drain().await.is_err() {
                                    return;
                                }
                            }
                            _ => break,
                        }
                    }
                    w.write(&[owner as u8]);
                    w.close();
                },
                "127.0.0.1:0",
            );
            let server = start.spread_connections(spread).await.unwrap();
            let addr = server.local_addrs()[0].as_inet().unwrap();
            let clients: Vec<_> = (0..CONNS)
                .map(|_| {
                    hive::spawn(async move {
                        let (mut r, w) = open_connection(addr).await.unwrap();
                        for i in 0..ROUNDS {
                            let msg = [i as u8; 100];
                            w.write(&msg);
                            w.drain().await.unwrap();
                            assert_eq!(r.read_exact(100).await.unwrap(), msg);
                        }
                        w.write_eof();
                        r.read_exact(1).await.unwrap()[0] as usize
                    })
                })
                .collect();
            let mut owners = Vec::new();
            for c in clients {
                owners.push(c.await.unwrap());
            }
            server.close();
            server.wait_closed().await;
            (owners, hive::current_loop_id().unwrap().index())
        })
        .unwrap();
    let after = rt.metrics();
    let events = after
        .loops
        .iter()
        .zip(&before.loops)
        .map(|(a, b)| a.io_events - b.io_events)
        .collect();
    (owners, main_loop, events)
}

const LOOPS: usize = 4;
const CONNS: usize = 16;
const ROUNDS: usize = 50;

#[test]
fn one_listener_spreads_busy_connections_over_every_loops_reactor() {
    let (owners, _, events) = serve_busy_connections(true);
    let mut per_loop = [0usize; LOOPS];
    for o in owners {
        per_loop[o] += 1;
    }
    assert_eq!(
        per_loop,
        [CONNS / LOOPS; LOOPS],
        "round-robin placement of accepted sockets"
    );
    for (i, n) in events.iter().enumerate() {
        assert!(*n > 0, "loop {i} saw no I/O events: {events:?}");
    }
}

#[test]
fn without_spreading_every_connection_stays_on_the_listeners_loop() {
    let (owners, main_loop, _) = serve_busy_connections(false);
    // The listener was bound on main's loop, so its reactor owns them all.
    assert_eq!(owners, vec![main_loop; CONNS]);
}
