//! TCP echo latency and syscall counts, hive's servers beside tokio's.
//!
//! ```text
//! cargo run -p hive-benches --release --bin netload            # p50/p99 table
//! cargo run -p hive-benches --release --bin netload -- serve hive   # server only
//! cargo run -p hive-benches --release --bin netload -- drive ADDR CONNS SIZE ROUNDS
//! ```
//!
//! With no arguments it runs every contender in this process, one after
//! another, on the same loopback workload (C connections each doing R round
//! trips of an M-byte message, all at once) and prints each round trip's
//! p50 and p99 with the hive/peer ratios. `serve` runs one server alone
//! (`hive`, `hive-per-loop`, `tokio`, `tokio-tpc`) until its stdin closes,
//! so `strace -c -f` can count that server's syscalls while `drive`, in
//! another process, sends the load: `benches/syscalls.sh` does both.

use hive_benches::net::{hive_server, quantile, tokio_server, tokio_tpc_server, Generator, Server};
use std::io::{BufRead, Write};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

const CONTENDERS: [&str; 4] = ["hive", "tokio", "hive-per-loop", "tokio-tpc"];

fn start(kind: &str) -> Option<(Server, SocketAddr)> {
    Some(match kind {
        "hive" => hive_server(false, false),
        "hive-per-loop" => hive_server(true, false),
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

fn table(gen: &Generator) {
    println!(
        "{:<28} {:>14} {:>10} {:>10} {:>12}",
        "workload", "server", "p50 µs", "p99 µs", "msgs/s"
    );
    for conns in [1, 64, 512] {
        for size in [100, 16 * 1024] {
            let rounds = rounds_for(conns);
            let mut rows = Vec::new();
            for kind in CONTENDERS {
                let (server, addr) = start(kind).expect("known contender");
                let mut open = gen.connect(addr, conns);
                // Warm up: connections accepted, buffers grown, caches hot.
                gen.latencies(&mut open, size, rounds / 10 + 1);
                let (mut times, wall) = gen.latencies(&mut open, size, rounds);
                drop(open);
                drop(server);
                let p50 = quantile(&mut times, 0.50);
                let p99 = quantile(&mut times, 0.99);
                let rate = (conns * rounds) as f64 / wall.as_secs_f64();
                let workload = format!("tcp_echo_{conns}c_{size}b");
                println!(
                    "{workload:<28} {kind:>14} {:>10.1} {:>10.1} {rate:>12.0}",
                    micros(p50),
                    micros(p99)
                );
                rows.push((p50, p99));
            }
            for (hive, peer, label) in [(0, 1, "hive/tokio"), (2, 3, "per-loop/tokio-tpc")] {
                println!(
                    "{:<28} {label:>14} {:>10.2} {:>10.2}",
                    "  ratio",
                    rows[hive].0.as_secs_f64() / rows[peer].0.as_secs_f64(),
                    rows[hive].1.as_secs_f64() / rows[peer].1.as_secs_f64(),
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
            table(&Generator::new());
            ExitCode::SUCCESS
        }
        Some("serve") => serve(args.get(1).map(String::as_str).unwrap_or("hive")),
        Some("drive") => drive(&args[1..]),
        Some(other) => {
            eprintln!("unknown mode {other:?}: run with no arguments, `serve KIND` or `drive ..`");
            ExitCode::FAILURE
        }
    }
}
