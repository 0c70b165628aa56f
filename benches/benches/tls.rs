//! TLS on loopback: hive's TLS streams beside tokio + tokio-rustls.
//!
//! Groups (criterion group = workload; function ids = contenders `hive` /
//! `tokio`):
//! * `tls_handshake_64c` — per iteration, 64 concurrent connections each
//!   do TCP connect, a full TLS 1.3 handshake (no resumption), one 1-byte
//!   round trip and close; the time is per batch of 64 (criterion's
//!   throughput line gives handshakes/s);
//! * `tls_echo_64c_{M}` — 64 open TLS connections each do one round trip
//!   of an M-byte message (100 B, 16 KiB) per iteration, all at once,
//!   through an echo server.
//!
//! Both sides: the same rustls 0.23 on the ring provider, the same two
//! configs from one rcgen certificate (`hive_benches::tls::Configs`),
//! 2 loops / workers (`NET_BENCH_THREADS` overrides), clients on the same
//! runtime as their server. hive: `start_server(..).ssl(..)` (default
//! placement) and `open_connection(..).ssl(..)`; tokio: a `TcpListener`
//! with a task per connection running `tokio_rustls::TlsAcceptor::accept`,
//! and `tokio_rustls::TlsConnector`. `cargo run -p hive-benches --release
//! --bin compare` prints the hive/tokio median ratios.

use criterion::{measurement::WallTime, BenchmarkGroup, Criterion, Throughput};
use hive_benches::tls::{Configs, Contender, HiveTls, TokioTls};
use std::time::Duration;

/// Connections per handshake batch and per echo workload.
const CONNS: usize = 64;

/// A group sized to keep the whole bench near a minute.
fn group<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut group = c.benchmark_group(name);
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_millis(500));
    group
}

fn handshakes<C: Contender>(group: &mut BenchmarkGroup<'_, WallTime>, id: &str, contender: C) {
    group.bench_function(id, |b| {
        b.iter_custom(|iters| contender.handshakes(CONNS, iters))
    });
}

fn echo<C: Contender>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    id: &str,
    contender: C,
    size: usize,
) {
    let mut open = contender.connect(CONNS);
    group.bench_function(id, |b| {
        b.iter_custom(|iters| contender.echo(&mut open, size, iters))
    });
    // Clients close before their server and runtime go.
    drop(open);
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    let configs = Configs::new();

    let mut g = group(&mut c, &format!("tls_handshake_{CONNS}c"));
    g.throughput(Throughput::Elements(CONNS as u64));
    handshakes(&mut g, "hive", HiveTls::start(&configs));
    handshakes(&mut g, "tokio", TokioTls::start(&configs));
    g.finish();

    for size in [100, 16 * 1024] {
        let label = if size >= 1024 {
            format!("{}k", size / 1024)
        } else {
            format!("{size}b")
        };
        let mut g = group(&mut c, &format!("tls_echo_{CONNS}c_{label}"));
        g.throughput(Throughput::Bytes((CONNS * size) as u64));
        echo(&mut g, "hive", HiveTls::start(&configs), size);
        echo(&mut g, "tokio", TokioTls::start(&configs), size);
        g.finish();
    }
    c.final_summary();
}
