//! TCP echo latency and syscall counts, hive's servers beside tokio's.
//!
//! ```text
//! cargo run -p hive-benches --release --bin netload            # p50/p99 table
//! cargo run -p hive-benches --release --bin netload -- repeat 7 # medians of 7 runs
//! cargo run -p hive-benches --release --bin netload -- repeat 9 tcp_echo_64c_16384b # one workload
//! cargo run -p hive-benches --release --bin netload -- serve hive   # server only
//! cargo run -p hive-benches --release --bin netload -- drive ADDR CONNS SIZE ROUNDS
//! ```
//!
//! With no arguments it runs every contender in this process, one after
//! another, on the same loopback workload (C connections each doing R round
//! trips of an M-byte message, all at once) and prints each round trip's
//! p50 and p99 with the hive/peer ratios (`hive-one-reactor` is the
//! default server with `spread_connections(false)`, set beside tokio); `repeat N` runs each contender
//! N times and prints medians. `serve` runs one server alone
//! (`hive`, `hive-per-loop`, `hive-one-reactor`, `tokio`, `tokio-tpc`) until its stdin closes,
//! so `strace -c -f` can count that server's syscalls while `drive`, in
//! another process, sends the load: `benches/syscalls.sh` does both.
//!
//! Servers use 2 loops / workers; set `NET_BENCH_THREADS=N` to change it
//! (on a bigger machine, or with 1 so that server and load generator do
//! not share a core).

use hive_benches::net::{
    hive_server, quantile, tokio_server, tokio_tpc_server, Generator, HiveSetup, Server,
};
use std::io::{BufRead, Write};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

const CONTENDERS: [&str; 5] = [
    "hive",
    "tokio",
    "hive-per-loop",
    "tokio-tpc",
    "hive-one-reactor",
];

fn start(kind: &str) -> Option<(Server, SocketAddr)> {
    Some(match kind {
        "hive" => hive_server(HiveSetup::Default, false),
        "hive-per-loop" => hive_server(HiveSetup::PerLoop, false),
        "hive-one-reactor" => hive_server(HiveSetup::OneReactor, false),
        "tokio" => tokio_server(false),
        "tokio-tpc" => tokio_tpc_server(),
        _ => return None,
    })
}

/// Round trips per connection: enough samples for a p99, bounded in time.
fn rounds_for(conns: usize) -> usize {
    (20_000 / conns).clamp(50, 5_000)
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// One contender's figures for one run of one workload.
#[derive(Clone, Copy)]
struct Sample {
    p50: f64,
    p99: f64,
    rate: f64,
}

/// The median of `values` (sorted in place); runs on 2 noisy cores need it.
fn median(values: &mut [f64]) -> f64 {
    values.sort_unstable_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Runs `kind` once on the workload and measures it.
fn measure(gen: &Generator, kind: &str, conns: usize, size: usize) -> Sample {
    let rounds = rounds_for(conns);
    let (server, addr) = start(kind).expect("known contender");
    let mut open = gen.connect(addr, conns);
    // Warm up: connections accepted, buffers grown, caches hot.
    gen.latencies(&mut open, size, rounds / 10 + 1);
    let (mut times, wall) = gen.latencies(&mut open, size, rounds);
    drop(open);
    drop(server);
    Sample {
        p50: micros(quantile(&mut times, 0.50)),
        p99: micros(quantile(&mut times, 0.99)),
        rate: (conns * rounds) as f64 / wall.as_secs_f64(),
    }
}

/// Every workload (or those named in `only`), `repeats` runs of each contender (the order rotates from
/// run to run so no contender always goes first); prints the medians and
/// the hive/peer ratios of the medians.
fn table(gen: &Generator, repeats: usize, only: &[String]) {
    println!("{repeats} run(s) per contender; medians");
    println!(
        "{:<22} {:>14} {:>10} {:>10} {:>12}",
        "workload", "server", "p50 µs", "p99 µs", "msgs/s"
    );
    for conns in [1, 64, 512] {
        for size in [100, 16 * 1024] {
            let workload = format!("tcp_echo_{conns}c_{size}b");
            if !only.is_empty() && !only.contains(&workload) {
                continue;
            }
            let mut runs: Vec<Vec<Sample>> = vec![Vec::new(); CONTENDERS.len()];
            for rep in 0..repeats {
                for i in 0..CONTENDERS.len() {
                    let who = (i + rep) % CONTENDERS.len();
                    runs[who].push(measure(gen, CONTENDERS[who], conns, size));
                }
            }
            let medians: Vec<Sample> = runs
                .iter()
                .map(|r| Sample {
                    p50: median(&mut r.iter().map(|s| s.p50).collect::<Vec<_>>()),
                    p99: median(&mut r.iter().map(|s| s.p99).collect::<Vec<_>>()),
                    rate: median(&mut r.iter().map(|s| s.rate).collect::<Vec<_>>()),
                })
                .collect();
            for (kind, m) in CONTENDERS.iter().zip(&medians) {
                println!(
                    "{workload:<22} {kind:>14} {:>10.1} {:>10.1} {:>12.0}",
                    m.p50, m.p99, m.rate
                );
            }
            for (hive, peer, label) in [
                (0, 1, "hive/tokio"),
                (2, 3, "per-loop/tpc"),
                (4, 1, "one-reactor/tokio"),
            ] {
                let (h, p) = (medians[hive], medians[peer]);
                // Time ratios: below 1.0 means hive is faster. The rate is
                // inverted (peer/hive) so that the same holds for it.
                println!(
                    "{:<22} {label:>14} {:>10.2} {:>10.2} {:>12.2}",
                    "  ratio (time)",
                    h.p50 / p.p50,
                    h.p99 / p.p99,
                    p.rate / h.rate,
                );
            }
        }
    }
}

fn serve(kind: &str) -> ExitCode {
    let Some((server, addr)) = start(kind) else {
        eprintln!("unknown server {kind:?}; use one of {CONTENDERS:?}");
        return ExitCode::FAILURE;
    };
    println!("ADDR {addr}");
    std::io::stdout().flush().unwrap();
    // Serve until stdin closes (the driver script ends it).
    for line in std::io::stdin().lock().lines() {
        if line.is_err() {
            break;
        }
    }
    drop(server);
    ExitCode::SUCCESS
}

fn drive(args: &[String]) -> ExitCode {
    let parsed = (|| {
        Some((
            args.first()?.parse::<SocketAddr>().ok()?,
            args.get(1)?.parse::<usize>().ok()?,
            args.get(2)?.parse::<usize>().ok()?,
            args.get(3)?.parse::<usize>().ok()?,
        ))
    })();
    let Some((addr, conns, size, rounds)) = parsed else {
        eprintln!("usage: netload drive ADDR CONNS SIZE ROUNDS");
        return ExitCode::FAILURE;
    };
    let gen = Generator::new();
    let mut open = gen.connect(addr, conns);
    let (mut times, wall) = gen.latencies(&mut open, size, rounds);
    println!(
        "MESSAGES {} p50 {:.1} µs p99 {:.1} µs in {:.2} s",
        conns * rounds,
        micros(quantile(&mut times, 0.5)),
        micros(quantile(&mut times, 0.99)),
        wall.as_secs_f64()
    );
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        None => {
            table(&Generator::new(), 1, &[]);
            ExitCode::SUCCESS
        }
        Some("repeat") => match args.get(1).and_then(|n| n.parse::<usize>().ok()) {
            Some(n) if n > 0 => {
                table(&Generator::new(), n, &args[2..]);
                ExitCode::SUCCESS
            }
            _ => {
                eprintln!("usage: netload repeat N [WORKLOAD..]   (N >= 1 runs per contender; e.g. tcp_echo_64c_100b)");
                ExitCode::FAILURE
            }
        },
        Some("serve") => serve(args.get(1).map(String::as_str).unwrap_or("hive")),
        Some("drive") => drive(&args[1..]),
        Some(other) => {
            eprintln!(
                "unknown mode {other:?}: run with no arguments, `repeat N`, `serve KIND` or `drive ..`"
            );
            ExitCode::FAILURE
        }
    }
}
