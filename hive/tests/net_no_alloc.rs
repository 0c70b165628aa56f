//! The steady-state echo path allocates nothing per message: raw sockets
//! and the streams API, on a one-loop and a two-loop runtime. A counting
//! global allocator counts every allocation in the process (both loops,
//! both ends) over a measured window after a warm-up (the fewest of up to
//! `WINDOWS` windows); the bound is a small constant, independent of the
//! number of messages, so anything that allocated once per message (or once
//! per few) would exceed it in every window.

use hive::net::{StreamReader, StreamWriter, TcpListener, TcpStream};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        // SAFETY: the caller's contract is passed on as it is.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const WARM_UP: usize = 200;
const MEASURED: usize = 2_000;
/// Allocations allowed in the whole measured window (not per message):
/// room for one-off growth (a queue block, a buffer reaching its size).
const ALLOWED: usize = 16;
const MESSAGE: [u8; 100] = [7; 100];

fn runtime(loops: usize) -> hive::Runtime {
    hive::Runtime::builder().loops(loops).build().unwrap()
}

/// Measured windows at most: allocating per message shows in every one of
/// them, a one-off growth (more likely when a loaded machine lets messages
/// pile up in a queue) in one. Under load, 4 parallel copies of this binary
/// saw a single window of 18.
const WINDOWS: usize = 3;

/// The fewest allocations any run of `$rounds` (an awaited expression) saw,
/// over up to `WINDOWS` runs, stopping at the first within `ALLOWED`.
macro_rules! fewest {
    ($rounds:expr) => {{
        let mut fewest = usize::MAX;
        for _ in 0..WINDOWS {
            let before = ALLOCATIONS.load(Relaxed);
            $rounds;
            fewest = fewest.min(ALLOCATIONS.load(Relaxed) - before);
            if fewest <= ALLOWED {
                break;
            }
        }
        fewest
    }};
}

async fn raw_rounds(client: &TcpStream, rounds: usize) {
    for _ in 0..rounds {
        client.write_all(&MESSAGE).await.unwrap();
        let mut got = [0u8; 100];
        let mut filled = 0;
        while filled < got.len() {
            filled += client.read(&mut got[filled..]).await.unwrap();
        }
    }
}

async fn stream_rounds(reader: &mut StreamReader, writer: &StreamWriter, rounds: usize) {
    for _ in 0..rounds {
        writer.write(&MESSAGE);
        writer.drain().await.unwrap();
        let mut got = [0u8; 100];
        reader.read_exact_into(&mut got).await.unwrap();
    }
}

async fn connected_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (client, accepted) = hive::gather!(
        hive::spawn(async move { TcpStream::connect(addr).await.unwrap() }),
        hive::spawn(async move { listener.accept().await.unwrap().0 }),
    )
    .await
    .unwrap();
    (client, accepted)
}

fn raw_echo(loops: usize) -> usize {
    runtime(loops)
        .run(async {
            let (client, server) = connected_pair().await;
            let echo = hive::spawn(async move {
                let mut buf = [0u8; 4096];
                loop {
                    let n = server.read(&mut buf).await.unwrap();
                    if n == 0 {
                        break;
                    }
                    server.write_all(&buf[..n]).await.unwrap();
                }
            });
            raw_rounds(&client, WARM_UP).await;
            let allocations = fewest!(raw_rounds(&client, MEASURED).await);
            drop(client);
            echo.await.unwrap();
            allocations
        })
        .unwrap()
}

fn streams_echo(loops: usize) -> usize {
    runtime(loops)
        .run(async {
            let (client, server) = connected_pair().await;
            let echo = hive::spawn(async move {
                let (mut reader, writer) = StreamReader::from_tcp(server);
                let mut buf = [0u8; 4096];
                loop {
                    let n = reader.read_into(&mut buf).await.unwrap();
                    if n == 0 {
                        break;
                    }
                    writer.write(&buf[..n]);
                    writer.drain().await.unwrap();
                }
            });
            let (mut reader, writer) = StreamReader::from_tcp(client);
            stream_rounds(&mut reader, &writer, WARM_UP).await;
            let allocations = fewest!(stream_rounds(&mut reader, &writer, MEASURED).await);
            drop((reader, writer));
            echo.await.unwrap();
            allocations
        })
        .unwrap()
}

/// Through `start_server` (default spread, or per-loop listeners) with a
/// streams handler, and `open_connection` on the client side.
fn server_echo(loops: usize, per_loop: bool) -> usize {
    runtime(loops)
        .run(async move {
            let server = hive::net::start_server(
                |mut reader: StreamReader, writer: StreamWriter| async move {
                    let mut buf = [0u8; 4096];
                    loop {
                        let n = reader.read_into(&mut buf).await.unwrap();
                        if n == 0 {
                            break;
                        }
                        writer.write(&buf[..n]);
                        writer.drain().await.unwrap();
                    }
                },
                "127.0.0.1:0",
            )
            .per_loop(per_loop)
            .await
            .unwrap();
            let addr = server.local_addrs()[0].as_inet().unwrap();
            let (mut reader, writer) = hive::net::open_connection(addr).await.unwrap();
            stream_rounds(&mut reader, &writer, WARM_UP).await;
            let allocations = fewest!(stream_rounds(&mut reader, &writer, MEASURED).await);
            drop((reader, writer));
            server.close();
            server.wait_closed().await;
            allocations
        })
        .unwrap()
}

/// The counter is process-wide: the two tests take turns.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn raw_socket_echo_allocates_nothing_per_message() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    for loops in [1, 2] {
        let n = raw_echo(loops);
        eprintln!("raw echo, {loops} loop(s): {n} allocations over {MEASURED} round trips");
        assert!(
            n <= ALLOWED,
            "{loops} loop(s): {n} allocations over {MEASURED} round trips"
        );
    }
}

#[test]
fn streams_echo_allocates_nothing_per_message() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    for loops in [1, 2] {
        let n = streams_echo(loops);
        eprintln!("streams echo, {loops} loop(s): {n} allocations over {MEASURED} round trips");
        assert!(
            n <= ALLOWED,
            "{loops} loop(s): {n} allocations over {MEASURED} round trips"
        );
    }
}

#[test]
fn server_echo_allocates_nothing_per_message() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    for (loops, per_loop) in [(1, false), (2, false), (2, true)] {
        let n = server_echo(loops, per_loop);
        eprintln!("server echo, {loops} loop(s), per_loop {per_loop}: {n} allocations over {MEASURED} round trips");
        assert!(
            n <= ALLOWED,
            "{loops} loop(s), per_loop {per_loop}: {n} allocations over {MEASURED} round trips"
        );
    }
}
