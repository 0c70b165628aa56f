//! TCP echo servers under test and one load generator, shared by the
//! `net` criterion bench and the `netload` latency / syscall driver.
//!
//! Contenders ([`SERVERS`], started by name with [`start`]):
//!
//! * `hive`: hive's default server (one listener, connections spread over
//!   the loops' reactors, tasks stealable);
//! * `hive-per-loop`: hive's per-loop server (one `SO_REUSEPORT` listener
//!   per loop, connections pinned to the loop that accepted them);
//! * `hive-one-reactor`: hive with one listener and one reactor
//!   (`spread_connections(false)`);
//! * `tokio`: tokio's multi-thread runtime, one listener;
//! * `tokio-tpc`: tokio as thread-per-core, one current-thread runtime (and
//!   `LocalSet`) per thread, each with its own `SO_REUSEPORT` listener;
//! * `monoio-legacy`: monoio 0.2 as thread-per-core, one
//!   `Runtime<LegacyDriver>` per thread (its epoll driver, on mio: wait for
//!   readiness, then `read`/`write` syscalls), each with its own
//!   `SO_REUSEPORT` listener;
//! * `monoio-uring`: the same on `Runtime<IoUringDriver>` (accepts, reads
//!   and writes submitted to one io_uring per thread and completed by the
//!   kernel), only where [`monoio_uring_available`] says the kernel allows
//!   it (io_uring can be disabled by sysctl, seccomp or an old kernel).
//!
//! Every contender runs [`threads`] threads and the same echo loop: read up
//! to 64 KiB into one buffer, write all of it back, `TCP_NODELAY` on.
//! monoio is built without its `sync` feature (thread-per-core servers need
//! no cross-thread wakers) and without its time driver (the servers set no
//! timer); its nightly-only `unstable` feature is off (stable Rust). The
//! load generator is one tokio current-thread runtime on the caller's
//! thread, the same for every contender.

#[cfg(target_os = "linux")]
pub use crate::monoio_servers::monoio_uring_available;
#[cfg(target_os = "linux")]
use crate::monoio_servers::{monoio_server, MonoioDriver};
use std::net::SocketAddr;

/// Whether monoio's io_uring driver works here: never off Linux (monoio is
/// benchmarked on Linux only; see `monoio_servers` there).
#[cfg(not(target_os = "linux"))]
pub fn monoio_uring_available() -> Result<(), String> {
    Err("monoio is benchmarked on Linux only".into())
}
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Loops (hive) and worker threads (tokio): `NET_BENCH_THREADS` if set,
/// else 2 (the CI machine has 2 cores).
pub fn threads() -> usize {
    std::env::var("NET_BENCH_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(2)
}

/// A server under test; dropping it stops it.
#[allow(dead_code)] // the fields are held only to keep the server running
pub enum Server {
    /// hive's runtime and its server.
    Hive(hive::Runtime, hive::net::Server),
    /// tokio's multi-thread runtime, its accept loop spawned on it.
    Tokio(tokio::runtime::Runtime),
    /// One thread per core, and the switch that stops them.
    TokioTpc(
        Vec<std::thread::JoinHandle<()>>,
        tokio::sync::watch::Sender<bool>,
    ),
    /// monoio's threads, one runtime and listener each (Linux only: monoio
    /// 0.2 does not build elsewhere).
    #[cfg(target_os = "linux")]
    Monoio(crate::monoio_servers::MonoioServer),
}

/// The names [`start`] knows, in the order `netload` runs them.
pub const SERVERS: [&str; 7] = [
    "hive",
    "tokio",
    "hive-per-loop",
    "tokio-tpc",
    "hive-one-reactor",
    "monoio-legacy",
    "monoio-uring",
];

/// Starts the echo server named `kind` (one of [`SERVERS`]).
///
/// # Errors
/// `kind` is unknown, or it is `monoio-uring` and io_uring cannot run here
/// (the message says why, from [`monoio_uring_available`]).
pub fn start(kind: &str) -> Result<(Server, SocketAddr), String> {
    Ok(match kind {
        "hive" => hive_server(HiveSetup::Default, false),
        "hive-per-loop" => hive_server(HiveSetup::PerLoop, false),
        "hive-one-reactor" => hive_server(HiveSetup::OneReactor, false),
        "tokio" => tokio_server(false),
        "tokio-tpc" => tokio_tpc_server(),
        #[cfg(target_os = "linux")]
        "monoio-legacy" => monoio_server(MonoioDriver::Legacy)?,
        #[cfg(target_os = "linux")]
        "monoio-uring" => monoio_server(MonoioDriver::Uring)?,
        #[cfg(not(target_os = "linux"))]
        "monoio-legacy" | "monoio-uring" => {
            return Err(
                "monoio is benchmarked on Linux only (monoio 0.2 builds nowhere else)".into(),
            )
        }
        _ => return Err(format!("unknown server {kind:?}; use one of {SERVERS:?}")),
    })
}

/// hive's echo handler: read what is there, write it back, drain.
pub async fn hive_echo(mut r: hive::net::StreamReader, w: hive::net::StreamWriter) {
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

/// tokio's echo handler, the same loop as [`hive_echo`].
pub async fn tokio_echo(mut s: tokio::net::TcpStream) {
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

/// How a hive server under test listens and places its connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HiveSetup {
    /// One listener, connections spread over every loop's reactor.
    Default,
    /// One `SO_REUSEPORT` listener per loop, connections pinned.
    PerLoop,
    /// One listener, every connection on its loop's reactor
    /// (`spread_connections(false)`), tasks stealable.
    OneReactor,
}

/// hive's server set up as `setup`; with `close_at_once` every connection
/// is closed as soon as it is accepted.
pub fn hive_server(setup: HiveSetup, close_at_once: bool) -> (Server, SocketAddr) {
    // Thread-per-core serving: each loop is best woken by its own sockets
    // (see `Builder::idle_watcher`).
    let watcher = setup != HiveSetup::PerLoop;
    let rt = hive::Runtime::builder()
        .loops(threads())
        .idle_watcher(watcher)
        .build()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    drop(rt.spawn(async move {
        let start = if close_at_once {
            hive::net::start_server(|_r, w| async move { w.close() }, "127.0.0.1:0")
        } else {
            hive::net::start_server(hive_echo, "127.0.0.1:0")
        };
        let start = start
            .per_loop(setup == HiveSetup::PerLoop)
            .spread_connections(setup != HiveSetup::OneReactor);
        tx.send(start.await.unwrap()).unwrap();
    }));
    let server = rx.recv_timeout(Duration::from_secs(30)).unwrap();
    let addr = server.local_addrs()[0].as_inet().unwrap();
    (Server::Hive(rt, server), addr)
}

/// tokio's multi-thread runtime with one listener.
pub fn tokio_server(close_at_once: bool) -> (Server, SocketAddr) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads())
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

/// A non-blocking listener with `SO_REUSEPORT`, bound to `addr`.
pub(crate) fn reuseport_listener(addr: SocketAddr) -> std::net::TcpListener {
    use hive::net::socket2::{Domain, Socket, Type};
    let s = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    s.set_reuse_address(true).unwrap();
    s.set_reuse_port(true).unwrap();
    s.bind(&addr.into()).unwrap();
    s.listen(1024).unwrap();
    s.set_nonblocking(true).unwrap();
    s.into()
}

/// tokio as thread-per-core: one current-thread runtime per core, each
/// with its own `SO_REUSEPORT` listener.
pub fn tokio_tpc_server() -> (Server, SocketAddr) {
    let first = reuseport_listener("127.0.0.1:0".parse().unwrap());
    let addr = first.local_addr().unwrap();
    let mut listeners = vec![first];
    for _ in 1..threads() {
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
        match self {
            Server::TokioTpc(threads, stop) => {
                let _ = stop.send(true);
                for t in threads.drain(..) {
                    let _ = t.join();
                }
            }
            #[cfg(target_os = "linux")]
            Server::Monoio(server) => server.stop(),
            _ => {}
        }
    }
}

/// The load generator: one current-thread tokio runtime on this thread.
pub struct Generator {
    rt: tokio::runtime::Runtime,
}

impl Generator {
    /// A generator on a new current-thread tokio runtime.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Generator {
            rt: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
        }
    }

    /// Opens `n` connections to `addr` (`TCP_NODELAY`).
    pub fn connect(&self, addr: SocketAddr, n: usize) -> Vec<tokio::net::TcpStream> {
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

    /// The current-thread runtime the generator drives its connections on.
    pub(crate) fn runtime(&self) -> &tokio::runtime::Runtime {
        &self.rt
    }

    /// `iters` round trips on every connection at once; the elapsed time.
    pub fn echo(
        &self,
        conns: &mut Vec<tokio::net::TcpStream>,
        size: usize,
        iters: u64,
    ) -> Duration {
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
            let out = join_all(set, Duration::from_secs(60), "echo round trips").await;
            let elapsed = start.elapsed();
            *conns = out;
            elapsed
        })
    }

    /// `rounds` round trips of `size` bytes on every connection at once;
    /// each round trip's duration, all connections together (for p50/p99),
    /// and the wall time of the whole run.
    pub fn latencies(
        &self,
        conns: &mut Vec<tokio::net::TcpStream>,
        size: usize,
        rounds: usize,
    ) -> (Vec<Duration>, Duration) {
        self.rt.block_on(async {
            let start = Instant::now();
            let mut set = tokio::task::JoinSet::new();
            for mut s in conns.drain(..) {
                set.spawn(async move {
                    let msg = vec![0x5a_u8; size];
                    let mut back = vec![0u8; size];
                    let mut times = Vec::with_capacity(rounds);
                    for _ in 0..rounds {
                        let sent = Instant::now();
                        s.write_all(&msg).await.unwrap();
                        s.read_exact(&mut back).await.unwrap();
                        times.push(sent.elapsed());
                    }
                    (s, times)
                });
            }
            let joined = join_all(set, Duration::from_secs(120), "latency round trips").await;
            let wall = start.elapsed();
            let mut all = Vec::with_capacity(joined.len() * rounds);
            for (s, times) in joined {
                conns.push(s);
                all.extend(times);
            }
            (all, wall)
        })
    }

    /// `iters` connections, one after another, each until the server
    /// closes it; the elapsed time.
    pub fn accepts(&self, addr: SocketAddr, iters: u64) -> Duration {
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

/// Every result of `set`, in completion order; panics naming `what` if
/// they take longer than `limit` (a hung benchmark is a bug).
pub(crate) async fn join_all<T: 'static>(
    mut set: tokio::task::JoinSet<T>,
    limit: Duration,
    what: &str,
) -> Vec<T> {
    tokio::time::timeout(limit, async {
        let mut all = Vec::with_capacity(set.len());
        while let Some(result) = set.join_next().await {
            all.push(result.unwrap());
        }
        all
    })
    .await
    .unwrap_or_else(|_| panic!("{what} hung for {limit:?}"))
}

/// The `q`-quantile (0.0..=1.0) of `samples`, sorting them in place.
pub fn quantile(samples: &mut [Duration], q: f64) -> Duration {
    assert!(!samples.is_empty(), "no samples");
    samples.sort_unstable();
    let rank = ((samples.len() - 1) as f64 * q).round() as usize;
    samples[rank]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Echoes on a few connections, then stops (the clients closed first).
    fn echoes_and_stops(kind: &str) {
        let (server, addr) = start(kind).unwrap();
        let gen = Generator::new();
        let mut conns = gen.connect(addr, 4);
        gen.echo(&mut conns, 16 * 1024, 20);
        assert_eq!(conns.len(), 4);
        drop(conns);
        drop(server);
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn monoio_epoll_server_echoes_and_stops() {
        echoes_and_stops("monoio-legacy");
    }

    #[test]
    fn monoio_uring_server_echoes_and_stops_where_io_uring_runs() {
        match monoio_uring_available() {
            Ok(()) => echoes_and_stops("monoio-uring"),
            Err(why) => {
                eprintln!("io_uring unavailable, monoio-uring not tested: {why}");
                assert!(start("monoio-uring").is_err());
            }
        }
    }

    #[test]
    fn unknown_servers_are_refused() {
        assert!(start("nginx").is_err());
    }
}
