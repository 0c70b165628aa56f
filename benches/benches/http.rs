//! HTTP hello world on loopback under `wrk`: `hive::http::serve` (default
//! and `per_loop(true)`) beside hyper on tokio's multi-thread runtime.
//!
//! ```text
//! cargo bench -p hive-benches --bench http
//! cargo run -p hive-benches --release --bin compare   # ratios beside the other benches
//! ```
//!
//! Every contender answers `GET /` with `200`, `Hello, World!`,
//! `content-type`, `content-length` and `date` (the same hyper service;
//! see `hive_benches::http`). Each server runs on its own runtime of 2
//! loops / workers (`NET_BENCH_THREADS` overrides) and is started fresh
//! for every run. `wrk` runs with 1 thread, so on the 2-core CI box the
//! client and the server's 2 threads share 2 cores: the absolute rates
//! are the box's, the ratios are the point.
//!
//! A round runs every contender once per connection count (64, 512),
//! each time: 1 s of `wrk` to warm up, then 2 s measured, with the
//! process's CPU time (`getrusage(RUSAGE_SELF)`) taken around it. While
//! `wrk` runs the process holds only the server under test, so that CPU
//! time over `wrk`'s responses is the server's CPU per request (each run's
//! line adds the server's context switches and `wrk`'s own CPU per
//! request, from `RUSAGE_CHILDREN`). The contenders' order rotates each
//! round; 5 rounds; the table gives each contender's medians, its slowest
//! and fastest run (the box's noise), and the ratios to tokio's medians.
//! CPU per request moves far less with the noise than requests/s does.
//!
//! Knobs: `HTTP_BENCH_ROUNDS` (5), `HTTP_BENCH_SECS` (2),
//! `HTTP_BENCH_WARMUP_SECS` (1). Without `wrk` on the `PATH` it prints
//! SKIPPED. Run by `cargo test --benches` (no `--bench` argument) it only
//! checks that every contender answers.
//!
//! For `compare` it writes criterion's JSON: groups `http_hello_{C}c`
//! (`hive` = default server) and `http_hello_{C}c_per_loop` (`hive` =
//! per-loop server), both against `tokio`, each as wall time per response
//! (compare's rates table turns it back into requests/s), and the same
//! names with `_cpu` for the server's CPU time per response.

use hive_benches::http::{
    announce_estimates, criterion_dir, knob, measure, median, probe, report_write, write_estimate,
    Contender, Sample, BODY,
};
use std::io;
use std::path::Path;
use std::process::{Command, ExitCode};

/// Connection counts, each a workload.
const CONNS: [usize; 2] = [64, 512];

/// Without `--bench` (that is, under `cargo test --benches`), every
/// contender answers one request, and that is all.
fn smoke() -> ExitCode {
    for contender in Contender::ALL {
        let server = contender.start();
        let response = probe(server.addr()).expect("probe");
        assert!(
            response.starts_with("HTTP/1.1 200 ") && response.ends_with(BODY),
            "{}: {response}",
            contender.name()
        );
    }
    println!("http: every contender answers (run `cargo bench` to measure)");
    ExitCode::SUCCESS
}

/// One contender's medians over its runs at one connection count.
struct Medians {
    /// Requests per second.
    rate: f64,
    /// The slowest and the fastest run's requests per second: how noisy
    /// the box was.
    rate_range: (f64, f64),
    /// Server CPU nanoseconds per request.
    cpu_ns: f64,
    /// Wall nanoseconds per request (criterion's medians are times).
    wall_ns: f64,
}

impl Medians {
    fn of(samples: &[Sample]) -> Medians {
        let of = |f: fn(&Sample) -> f64| median(&samples.iter().map(f).collect::<Vec<_>>());
        let rates = samples.iter().map(|s| s.wrk.per_sec);
        Medians {
            rate: of(|s| s.wrk.per_sec),
            rate_range: (
                rates.clone().fold(f64::MAX, f64::min),
                rates.fold(0.0, f64::max),
            ),
            cpu_ns: of(|s| s.cpu_ns_per_req),
            wall_ns: of(|s| 1e9 / s.wrk.per_sec),
        }
    }
}

/// Writes `group` (wall time per request, 1 request per "iteration" for
/// compare's rates) and `{group}_cpu` with `hive` and `tokio` entries.
fn write_group(dir: &Path, group: &str, hive: &Medians, tokio: &Medians) -> io::Result<()> {
    write_estimate(dir, group, "hive", hive.wall_ns, Some(1))?;
    write_estimate(dir, group, "tokio", tokio.wall_ns, Some(1))?;
    let cpu = format!("{group}_cpu");
    write_estimate(dir, &cpu, "hive", hive.cpu_ns, None)?;
    write_estimate(dir, &cpu, "tokio", tokio.cpu_ns, None)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // Criterion's filters are positional; one that does not match this
    // bench's groups (`cargo bench -- tls`) skips it, as criterion would.
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    if !filters.is_empty() && !filters.iter().any(|f| "http_hello".contains(f.as_str())) {
        return ExitCode::SUCCESS;
    }
    if !args.iter().any(|a| a == "--bench") || args.iter().any(|a| a == "--test") {
        return smoke();
    }
    if Command::new("wrk").arg("--version").output().is_err() {
        println!("SKIPPED: the http bench needs `wrk` on the PATH (apt-get install wrk)");
        return ExitCode::SUCCESS;
    }
    let rounds = knob("HTTP_BENCH_ROUNDS", 5).max(1);
    let secs = knob("HTTP_BENCH_SECS", 2).max(1);
    let warmup = knob("HTTP_BENCH_WARMUP_SECS", 1);
    println!(
        "http hello world: wrk -t1 -c{{64,512}} -d{secs}s (after {warmup}s warm-up), \
         servers on {} threads, wrk's 1 thread beside them, {rounds} rounds",
        hive_benches::net::threads()
    );

    // samples[c][k]: every run of contender k at CONNS[c].
    let mut samples = vec![vec![Vec::<Sample>::new(); Contender::ALL.len()]; CONNS.len()];
    for round in 0..rounds as usize {
        for (c, &conns) in CONNS.iter().enumerate() {
            // Rotated so that no contender always follows the same one.
            for i in 0..Contender::ALL.len() {
                let k = (i + round) % Contender::ALL.len();
                let contender = Contender::ALL[k];
                let sample = measure(contender, conns, secs, warmup)
                    .unwrap_or_else(|e| panic!("{} at {conns} connections: {e}", contender.name()));
                let errors = sample.wrk.socket_errors + sample.wrk.non_2xx;
                println!(
                    "  round {}/{rounds} {conns:>3}c {:<13} {:>8.0} req/s {:>6.2} µs CPU/req {:>5.2} ctx-switches/req, wrk {:>5.2} µs CPU/req{}",
                    round + 1,
                    contender.name(),
                    sample.wrk.per_sec,
                    sample.cpu_ns_per_req / 1e3,
                    sample.switches_per_req,
                    sample.client_cpu_ns_per_req / 1e3,
                    if errors > 0 { format!("  ({errors} errors!)") } else { String::new() }
                );
                samples[c][k].push(sample);
            }
        }
    }

    let tokio = Contender::ALL
        .iter()
        .position(|&k| k == Contender::Tokio)
        .unwrap();
    let dir = criterion_dir();
    println!(
        "\n| contender | conns | req/s (median) | runs min–max | vs tokio \
         | CPU µs/req (median) | vs tokio |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (c, &conns) in CONNS.iter().enumerate() {
        let peer = Medians::of(&samples[c][tokio]);
        for (k, contender) in Contender::ALL.iter().enumerate() {
            let m = Medians::of(&samples[c][k]);
            println!(
                "| {} | {conns} | {:.0} | {:.0}–{:.0} | {:.2} | {:.2} | {:.2} |",
                contender.name(),
                m.rate,
                m.rate_range.0,
                m.rate_range.1,
                m.rate / peer.rate,
                m.cpu_ns / 1e3,
                m.cpu_ns / peer.cpu_ns
            );
            let group = match contender {
                Contender::Hive => format!("http_hello_{conns}c"),
                Contender::HivePerLoop => format!("http_hello_{conns}c_per_loop"),
                Contender::Tokio => continue,
            };
            report_write(&dir, write_group(&dir, &group, &m, &peer));
        }
    }
    announce_estimates(&dir);
    ExitCode::SUCCESS
}
