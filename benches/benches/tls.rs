//! TLS on loopback: hive's TLS streams beside tokio + tokio-rustls.
//!
//! ```text
//! cargo bench -p hive-benches --bench tls
//! cargo run -p hive-benches --release --bin compare   # ratios beside the other benches
//! ```
//!
//! Workloads:
//! * `tls_handshake_64c`: 64 concurrent connections each do TCP connect,
//!   a full TLS 1.3 handshake (no resumption), one 1-byte round trip and
//!   close; timed per batch of 64, reported as handshakes/s;
//! * `tls_echo_64c_{M}`: 64 open TLS connections each do one round trip
//!   of an M-byte message (100 B, 16 KiB) per iteration, all at once,
//!   through an echo server; reported as messages/s.
//!
//! Both sides: the same rustls 0.23 on the ring provider, the same two
//! configs from one rcgen certificate (`hive_benches::tls::Configs`),
//! 2 loops / workers (`NET_BENCH_THREADS` overrides), clients on the same
//! runtime as their server. hive: `start_server(..).ssl(..)` (default
//! placement) and `open_connection(..).ssl(..)`; tokio: a `TcpListener`
//! with a task per connection running `tokio_rustls::TlsAcceptor::accept`,
//! and `tokio_rustls::TlsConnector`.
//!
//! Not criterion's sampler: wall-clock figures on the 2-core CI box move
//! by 10–30 % between runs, so a contender measured once beside its peer
//! says little. A round starts each contender afresh (its runtime and
//! server), warms it up, then times every workload; the contenders' order
//! rotates each round; 5 rounds (`TLS_BENCH_ROUNDS`); the table gives each
//! contender's medians, its slowest and fastest run, and hive/tokio. Each
//! timed stretch is about a third of a second (`TLS_BENCH_SCALE`
//! multiplies the work). For `compare` it writes criterion's JSON (groups
//! as above, functions `hive` and `tokio`, the medians). Run by `cargo test
//! --benches` (no `--bench` argument) it only checks that every contender
//! handshakes and echoes.

use hive_benches::http::{
    announce_estimates, criterion_dir, knob, median, report_write, write_estimate_with,
};
use hive_benches::tls::{Configs, Contender, HiveTls, TokioTls};
use std::process::ExitCode;
use std::time::Duration;

/// Connections per handshake batch and per echo workload.
const CONNS: usize = 64;

/// The workloads: group name, message size (`None`: handshakes), units of
/// work per timed stretch at scale 1 (batches, or echo iterations).
const WORKLOADS: [(&str, Option<usize>, u64); 3] = [
    ("tls_handshake_64c", None, 30),
    ("tls_echo_64c_100b", Some(100), 800),
    ("tls_echo_64c_16k", Some(16 * 1024), 300),
];

/// Wall time per unit of each workload (in [`WORKLOADS`]' order) for one
/// freshly started contender, after a warm-up.
fn run<C: Contender>(contender: C, scale: u64) -> Vec<Duration> {
    contender.handshakes(CONNS, 2);
    let mut times = Vec::new();
    let mut open = contender.connect(CONNS);
    for (_, size, units) in WORKLOADS {
        let units = (units * scale).max(1);
        let elapsed = match size {
            None => contender.handshakes(CONNS, units),
            Some(size) => {
                contender.echo(&mut open, size, units / 10 + 1);
                contender.echo(&mut open, size, units)
            }
        };
        times.push(elapsed / units as u32);
    }
    // Clients close before their server and runtime go.
    drop(open);
    times
}

/// Without `--bench` (under `cargo test --benches`): every contender
/// handshakes and echoes a little, and that is all.
fn smoke(configs: &Configs) -> ExitCode {
    fn check<C: Contender>(contender: C) {
        let mut open = contender.connect(4);
        contender.echo(&mut open, 100, 2);
        drop(open);
        contender.handshakes(4, 1);
    }
    check(HiveTls::start(configs));
    check(TokioTls::start(configs));
    println!("tls: every contender handshakes and echoes (run `cargo bench` to measure)");
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // Criterion's filters are positional; one that matches none of this
    // bench's groups (`cargo bench -- http`) skips it, as criterion would.
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    if !filters.is_empty()
        && !filters.iter().any(|f| {
            WORKLOADS
                .iter()
                .any(|(group, ..)| group.contains(f.as_str()))
        })
    {
        return ExitCode::SUCCESS;
    }
    let configs = Configs::new();
    if !args.iter().any(|a| a == "--bench") || args.iter().any(|a| a == "--test") {
        return smoke(&configs);
    }
    let rounds = knob("TLS_BENCH_ROUNDS", 5).max(1) as usize;
    let scale = knob("TLS_BENCH_SCALE", 1).max(1);
    println!(
        "tls: {CONNS} connections, {} threads per runtime, {rounds} rounds, contenders' order rotating",
        hive_benches::net::threads()
    );
    // runs[k][w]: contender k's time per unit of workload w, one per round.
    let mut runs = vec![vec![Vec::<f64>::new(); WORKLOADS.len()]; 2];
    for round in 0..rounds {
        for i in 0..2 {
            let k = (i + round) % 2;
            let times = if k == 0 {
                run(HiveTls::start(&configs), scale)
            } else {
                run(TokioTls::start(&configs), scale)
            };
            let name = ["hive", "tokio"][k];
            let line: Vec<String> = WORKLOADS
                .iter()
                .zip(&times)
                .map(|((group, ..), t)| format!("{group} {:.1} µs", t.as_secs_f64() * 1e6))
                .collect();
            println!(
                "  round {}/{rounds} {name:<5} {}",
                round + 1,
                line.join(", ")
            );
            for (w, t) in times.iter().enumerate() {
                runs[k][w].push(t.as_secs_f64() * 1e9);
            }
        }
    }

    let dir = criterion_dir();
    println!("\n| workload | hive (median) | runs min–max | tokio (median) | runs min–max | hive/tokio time |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (w, (group, size, _)) in WORKLOADS.iter().enumerate() {
        let [hive, tokio] = [0, 1].map(|k| {
            let r = &runs[k][w];
            let lo = r.iter().copied().fold(f64::MAX, f64::min);
            let hi = r.iter().copied().fold(0.0, f64::max);
            (median(r), lo, hi)
        });
        // Per unit: a batch of 64 handshakes, or 64 messages echoed.
        let rate = |ns: f64| CONNS as f64 * 1e9 / ns;
        let unit = if size.is_some() {
            "msgs/s"
        } else {
            "handshakes/s"
        };
        println!(
            "| {group} | {:.0} {unit} | {:.0}–{:.0} | {:.0} {unit} | {:.0}–{:.0} | {:.2} |",
            rate(hive.0),
            rate(hive.2),
            rate(hive.1),
            rate(tokio.0),
            rate(tokio.2),
            rate(tokio.1),
            hive.0 / tokio.0
        );
        let throughput = match size {
            None => serde_json::json!({ "Elements": CONNS }),
            Some(size) => serde_json::json!({ "Bytes": CONNS * size }),
        };
        for (function, (median_ns, ..)) in [("hive", hive), ("tokio", tokio)] {
            let written =
                write_estimate_with(&dir, group, function, median_ns, Some(throughput.clone()));
            report_write(&dir, written);
        }
    }
    announce_estimates(&dir);
    ExitCode::SUCCESS
}
