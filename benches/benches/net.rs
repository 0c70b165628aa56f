//! TCP on loopback: hive's servers beside tokio's, one load generator.
//!
//! Groups (criterion group = workload; function ids = contenders):
//! * `tcp_echo_{C}c_{M}` — C connections each doing one round trip of an
//!   M-byte message per iteration, all at once: hive's default server
//!   (`start_server`, one listener, connections spread over the loops) vs
//!   tokio's multi-thread runtime (`hive` / `tokio`);
//! * `tcp_echo_{C}c_{M}_one_reactor` — the default server with
//!   `spread_connections(false)` (every socket on the listener's reactor,
//!   tasks stealable) vs tokio's multi-thread runtime;
//! * `tcp_echo_{C}c_{M}_per_loop` — hive's per-loop server (one
//!   `SO_REUSEPORT` listener per loop, connections pinned) vs tokio as
//!   thread-per-core (one current-thread runtime per core, each with its own
//!   `SO_REUSEPORT` listener) and monoio as thread-per-core (one runtime per
//!   thread, each with its own `SO_REUSEPORT` listener) on its epoll driver
//!   and, where the kernel allows io_uring, on its io_uring driver (`hive` /
//!   `tokio-tpc` / `monoio-legacy` / `monoio-uring`; without io_uring the
//!   last is left out and stderr says why);
//! * `tcp_accept` — connect, accepted, closed by the server, EOF seen.
//!
//! The load generator is one tokio current-thread runtime on its own
//! thread, the same for every contender. Servers use 2 loops / workers
//! (the machine has 2 cores). `cargo run -p hive-benches --release --bin
//! compare` prints the hive/peer median ratios.

use criterion::{Criterion, Throughput};
use hive_benches::net::{
    hive_server, monoio_uring_available, start, tokio_server, tokio_tpc_server, Generator,
    HiveSetup, Server,
};
use std::net::SocketAddr;
use std::time::Duration;

/// Starts one contender's echo server and says where it listens.
type StartServer = fn() -> (Server, SocketAddr);

/// With `uring`, the per-loop groups also run `monoio-uring`.
fn bench_echo(c: &mut Criterion, gen: &Generator, conns: usize, size: usize, uring: bool) {
    let label = if size >= 1024 {
        format!("{}k", size / 1024)
    } else {
        format!("{size}b")
    };
    for setup in [
        HiveSetup::Default,
        HiveSetup::PerLoop,
        HiveSetup::OneReactor,
    ] {
        let suffix = match setup {
            HiveSetup::Default => "",
            HiveSetup::PerLoop => "_per_loop",
            HiveSetup::OneReactor => "_one_reactor",
        };
        let mut group = c.benchmark_group(format!("tcp_echo_{conns}c_{label}{suffix}"));
        group
            .sample_size(10)
            .measurement_time(Duration::from_secs(2))
            .warm_up_time(Duration::from_millis(300))
            .throughput(Throughput::Bytes((conns * size) as u64));
        let mut contenders: Vec<(&str, StartServer)> = match setup {
            HiveSetup::Default => vec![
                ("hive", || hive_server(HiveSetup::Default, false)),
                ("tokio", || tokio_server(false)),
            ],
            HiveSetup::PerLoop => vec![
                ("hive", || hive_server(HiveSetup::PerLoop, false)),
                ("tokio-tpc", tokio_tpc_server),
            ],
            HiveSetup::OneReactor => vec![
                ("hive", || hive_server(HiveSetup::OneReactor, false)),
                ("tokio", || tokio_server(false)),
            ],
        };
        // monoio is Linux only (`start` refuses it elsewhere).
        if setup == HiveSetup::PerLoop && cfg!(target_os = "linux") {
            contenders.push(("monoio-legacy", || {
                start("monoio-legacy").expect("monoio's epoll driver")
            }));
            if uring {
                contenders.push(("monoio-uring", || {
                    start("monoio-uring").expect("monoio's io_uring driver")
                }));
            }
        }
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
    let uring = match monoio_uring_available() {
        Ok(()) => true,
        Err(why) => {
            eprintln!("net bench: monoio-uring is skipped: {why}");
            false
        }
    };
    for conns in [1, 64, 512] {
        for size in [100, 16 * 1024] {
            bench_echo(&mut c, &gen, conns, size, uring);
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
            (|| hive_server(HiveSetup::Default, true)) as fn() -> (Server, SocketAddr),
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
