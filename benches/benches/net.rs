//! TCP on loopback: hive's servers beside tokio's, one load generator.
//!
//! Groups (criterion group = workload; function ids = contenders):
//! * `tcp_echo_{C}c_{M}` — C connections each doing one round trip of an
//!   M-byte message per iteration, all at once: hive's default server
//!   (`start_server`, one listener, connections spread over the loops) vs
//!   tokio's multi-thread runtime (`hive` / `tokio`);
//! * `tcp_echo_{C}c_{M}_per_loop` — hive's per-loop server (one
//!   `SO_REUSEPORT` listener per loop, connections pinned) vs tokio as
//!   thread-per-core (one current-thread runtime per core, each with its own
//!   `SO_REUSEPORT` listener) (`hive` / `tokio-tpc`);
//! * `tcp_accept` — connect, accepted, closed by the server, EOF seen.
//!
//! The load generator is one tokio current-thread runtime on its own
//! thread, the same for every contender. Servers use 2 loops / workers
//! (the machine has 2 cores). `cargo run -p hive-benches --release --bin
//! compare` prints the hive/peer median ratios.

use criterion::{Criterion, Throughput};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const THREADS: usize = 2;

/// A server under test; dropping it stops it.
#[allow(dead_code)] // the fields are held only to keep the server running
enum Server {
    Hive(hive::Runtime, hive::net::Server),
    Tokio(tokio::runtime::Runtime),
    TokioTpc(
        Vec<std::thread::JoinHandle<()>>,
        tokio::sync::watch::Sender<bool>,
    ),
}

async fn hive_echo(mut r: hive::net::StreamReader, w: hive::net::StreamWriter) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match r.read_into(&mut buf).await {
            Ok(n) if n > 0 => {
                w.write(&buf[..n]);
                if w.drain().await.is_err() {
                    return;
                }
            }
            _ => return,
        }
    }
}

async fn tokio_echo(mut s: tokio::net::TcpStream) {
    let _ = s.set_nodelay(true);
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match s.read(&mut buf).await {
            Ok(n) if n > 0 => {
                if s.write_all(&buf[..n]).await.is_err() {
                    return;
                }
            }
            _ => return,
        }
    }
}

/// Starts one contender's echo server and says where it listens.
type StartServer = fn() -> (Server, SocketAddr);

fn hive_server(per_loop: bool, close_at_once: bool) -> (Server, SocketAddr) {
    let rt = hive::Runtime::builder().loops(THREADS).build().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    drop(rt.spawn(async move {
        let start = if close_at_once {
            hive::net::start_server(|_r, w| async move { w.close() }, "127.0.0.1:0")
        } else {
            hive::net::start_server(hive_echo, "127.0.0.1:0")
        };
        tx.send(start.per_loop(per_loop).await.unwrap()).unwrap();
    }));
    let server = rx.recv_timeout(Duration::from_secs(30)).unwrap();
    let addr = server.local_addrs()[0].as_inet().unwrap();
    (Server::Hive(rt, server), addr)
}

fn tokio_server(close_at_once: bool) -> (Server, SocketAddr) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(THREADS)
        .enable_all()
        .build()
        .unwrap();
    let l = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = l.local_addr().unwrap();
    rt.spawn(async move {
        loop {
            let Ok((s, _)) = l.accept().await else {
                continue;
            };
            if close_at_once {
                drop(s);
            } else {
                tokio::spawn(tokio_echo(s));
            }
        }
    });
    (Server::Tokio(rt), addr)
}

fn reuseport_listener(addr: SocketAddr) -> std::net::TcpListener {
    use hive::net::socket2::{Domain, Socket, Type};
    let s = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    s.set_reuse_address(true).unwrap();
    s.set_reuse_port(true).unwrap();
    s.bind(&addr.into()).unwrap();
    s.listen(1024).unwrap();
    s.set_nonblocking(true).unwrap();
    s.into()
}

fn tokio_tpc_server() -> (Server, SocketAddr) {
    let first = reuseport_listener("127.0.0.1:0".parse().unwrap());
    let addr = first.local_addr().unwrap();
    let mut listeners = vec![first];
    for _ in 1..THREADS {
        listeners.push(reuseport_listener(addr));
    }
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let threads = listeners
        .into_iter()
        .map(|l| {
            let mut stopped = stopped.clone();
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                let local = tokio::task::LocalSet::new();
                local.block_on(&rt, async move {
                    let l = tokio::net::TcpListener::from_std(l).unwrap();
                    loop {
                        tokio::select! {
                            a = l.accept() => if let Ok((s, _)) = a { tokio::task::spawn_local(tokio_echo(s)); },
                            _ = stopped.changed() => return,
                        }
                    }
                });
            })
        })
        .collect();
    (Server::TokioTpc(threads, stop), addr)
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Server::TokioTpc(threads, stop) = self {
            let _ = stop.send(true);
            for t in threads.drain(..) {
                let _ = t.join();
            }
        }
    }
}

/// The load generator: one current-thread tokio runtime on this thread.
struct Generator {
    rt: tokio::runtime::Runtime,
}

impl Generator {
    fn new() -> Self {
        Generator {
            rt: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
        }
    }

    fn connect(&self, addr: SocketAddr, n: usize) -> Vec<tokio::net::TcpStream> {
        self.rt.block_on(async {
            let mut conns = Vec::with_capacity(n);
            for _ in 0..n {
                let s = tokio::net::TcpStream::connect(addr).await.unwrap();
                s.set_nodelay(true).unwrap();
                conns.push(s);
            }
            conns
        })
    }

    /// `iters` round trips on every connection at once; the elapsed time.
    fn echo(&self, conns: &mut Vec<tokio::net::TcpStream>, size: usize, iters: u64) -> Duration {
        self.rt.block_on(async {
            let start = Instant::now();
            let mut set = tokio::task::JoinSet::new();
            for mut s in conns.drain(..) {
                set.spawn(async move {
                    let msg = vec![0x5a_u8; size];
                    let mut back = vec![0u8; size];
                    for _ in 0..iters {
                        s.write_all(&msg).await.unwrap();
                        s.read_exact(&mut back).await.unwrap();
                    }
                    s
                });
            }
            let out = tokio::time::timeout(Duration::from_secs(60), async {
                let mut v = Vec::new();
                while let Some(s) = set.join_next().await {
                    v.push(s.unwrap());
                }
                v
            })
            .await
            .expect("echo round trips hung for 60 s");
            let elapsed = start.elapsed();
            *conns = out;
            elapsed
        })
    }

    fn accepts(&self, addr: SocketAddr, iters: u64) -> Duration {
        self.rt.block_on(async {
            let start = Instant::now();
            for _ in 0..iters {
                let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
                let mut b = [0u8; 1];
                let _ = tokio::time::timeout(Duration::from_secs(30), s.read(&mut b))
                    .await
                    .unwrap();
            }
            start.elapsed()
        })
    }
}

fn bench_echo(c: &mut Criterion, gen: &Generator, conns: usize, size: usize) {
    let label = if size >= 1024 {
        format!("{}k", size / 1024)
    } else {
        format!("{size}b")
    };
    for per_loop in [false, true] {
        let name = if per_loop {
            format!("tcp_echo_{conns}c_{label}_per_loop")
        } else {
            format!("tcp_echo_{conns}c_{label}")
        };
        let mut group = c.benchmark_group(name);
        group
            .sample_size(10)
            .measurement_time(Duration::from_secs(2))
            .warm_up_time(Duration::from_millis(300))
            .throughput(Throughput::Bytes((conns * size) as u64));
        let contenders: [(&str, StartServer); 2] = if per_loop {
            [
                ("hive", || hive_server(true, false)),
                ("tokio-tpc", tokio_tpc_server),
            ]
        } else {
            [
                ("hive", || hive_server(false, false)),
                ("tokio", || tokio_server(false)),
            ]
        };
        for (id, make) in contenders {
            let (server, addr) = make();
            let mut open = gen.connect(addr, conns);
            group.bench_function(id, |b| {
                b.iter_custom(|iters| gen.echo(&mut open, size, iters))
            });
            drop(open);
            drop(server);
        }
        group.finish();
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    let gen = Generator::new();
    for conns in [1, 64, 512] {
        for size in [100, 16 * 1024] {
            bench_echo(&mut c, &gen, conns, size);
        }
    }
    let mut group = c.benchmark_group("tcp_accept");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(300))
        .throughput(Throughput::Elements(1));
    for (id, make) in [
        (
            "hive",
            (|| hive_server(false, true)) as fn() -> (Server, SocketAddr),
        ),
        ("tokio", || tokio_server(true)),
    ] {
        let (server, addr) = make();
        group.bench_function(id, |b| b.iter_custom(|iters| gen.accepts(addr, iters)));
        drop(server);
    }
    group.finish();
    c.final_summary();
}
