//! I/O balance (DESIGN.md section 4): one listener, many busy connections,
//! and every loop's reactor does I/O.

use hive::net::{open_connection, start_server};

#[test]
fn one_listener_spreads_busy_connections_over_every_loops_reactor() {
    const LOOPS: usize = 4;
    const CONNS: usize = 16;
    const ROUNDS: usize = 50;
    let rt = hive::Runtime::builder().loops(LOOPS).build().unwrap();
    let before = rt.metrics();
    let handler_loops = rt
        .run(async {
            let server = start_server(
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
            )
            .await
            .unwrap();
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
            owners
        })
        .unwrap();
    let mut per_loop = [0usize; LOOPS];
    for o in handler_loops {
        per_loop[o] += 1;
    }
    assert_eq!(
        per_loop,
        [CONNS / LOOPS; LOOPS],
        "round-robin placement of accepted sockets"
    );
    let after = rt.metrics();
    for (i, (a, b)) in after.loops.iter().zip(&before.loops).enumerate() {
        assert!(
            a.io_events > b.io_events,
            "loop {i} saw no I/O events: {:?}",
            after.loops
        );
    }
}
