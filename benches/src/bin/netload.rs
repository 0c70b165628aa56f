//! TCP echo latency and syscall counts, hive's servers beside tokio's.
//!
//! ```text
//! cargo run -p hive-benches --release --bin netload            # p50/p99 table
//! cargo run -p hive-benches --release --bin netload -- repeat 7 # medians of 7 runs
//! cargo run -p hive-benches --release --bin netload -- repeat 9 tcp_echo_64c_16384b # one workload
//! cargo run -p hive-benches --release --bin netload -- serve hive   # server only
//! cargo run -p hive-benches --release --bin netload -- servers      # the servers that can run here
//! cargo run -p hive-benches --release --bin netload -- http-serve hive-per-loop # an HTTP server only
//! cargo run -p hive-benches --release --bin netload -- drive ADDR CONNS SIZE ROUNDS [RATE]
//! ```
//!
//! With no arguments it runs every contender in this process, one after
//! another, on the same loopback workload (C connections each doing R round
//! trips of an M-byte message, all at once) and prints each round trip's
//! p50 and p99 with the hive/peer ratios (`hive-one-reactor` is the default
//! server with `spread_connections(false)`, set beside tokio); `repeat N`
//! runs each contender N times and prints medians.
//!
//! Each workload with more than one connection runs twice:
//! - saturated: every connection sends its next message as soon as the echo
//!   is back. With 64 or more connections the one generator thread is then
//!   the bottleneck (the `gen busy` column nears 100%), replies wait in its
//!   sockets, and the p99 says as much about the generator as the server;
//! - paced (`@RATE/s` rows): the same offered load for every contender, half
//!   the slowest contender's saturated rate, released in 1 ms bursts
//!   ([`hive_benches::paced`]); the generator keeps up, so the latencies are
//!   the server's.
//!
//! After `|`, per echoed message and from the scheduler's own counters
//! ([`hive_benches::sched`], Linux): the CPU the server's threads used, their
//! context switches, how long the server's threads and the generator's
//! thread were runnable but waiting for a core (on a box with fewer cores
//! than threads, where latency tails come from), and the share of the run
//! the generator was on a CPU. `NETLOAD_METRICS=1` also prints each hive
//! run's `Runtime::metrics()` to stderr (`serve` and `http-serve` too, when
//! they stop).
//!
//! Contenders (`hive_benches::net::SERVERS`): hive's three servers, tokio
//! multi-thread and thread-per-core (`tokio-tpc`), and monoio as
//! thread-per-core on its epoll driver (`monoio-legacy`) and, where the
//! kernel allows io_uring, on its io_uring driver (`monoio-uring`; where it
//! does not, that row is left out and stderr says why). The ratio rows set
//! hive default beside tokio and hive per-loop beside tokio-tpc and each
//! monoio.
//!
//! `NETLOAD_SERVERS=hive-per-loop,monoio-legacy` runs only those.
//!
//! `serve` runs one server alone (any name above) until its stdin closes, so
//! `strace -c -f` or `perf` can watch that server alone while `drive`, in
//! another process, sends the load (saturated, or paced at RATE messages/s
//! in total): `benches/syscalls.sh` does both.
//!
//! `http-serve` does the same for the `http` bench's hello-world servers
//! (`hive`, `hive-per-loop`, `tokio`; `hive_benches::http`), for `wrk` or
//! `curl` run by hand.
//!
//! Servers use 2 loops / workers; set `NET_BENCH_THREADS=N` to change it
//! (on a bigger machine, or with 1 so that server and load generator do
//! not share a core).

use hive_benches::http;
use hive_benches::net::{monoio_uring_available, quantile, start, Generator, Server, SERVERS};
use hive_benches::sched::Snapshot;
use std::io::{BufRead, Write};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

/// The contenders that can run here: every server of [`SERVERS`] (or those
/// named in `NETLOAD_SERVERS`, comma-separated), less `monoio-uring` where
/// io_uring cannot run (said once, on stderr).
fn contenders() -> Vec<&'static str> {
    let only = std::env::var("NETLOAD_SERVERS").unwrap_or_default();
    let only: Vec<&str> = only.split(',').filter(|k| !k.is_empty()).collect();
    for kind in &only {
        if !SERVERS.contains(kind) {
            eprintln!("netload: NETLOAD_SERVERS names {kind:?}, not one of {SERVERS:?}");
        }
    }
    SERVERS
        .into_iter()
        .filter(|kind| only.is_empty() || only.contains(kind))
        .filter(|&kind| {
            if kind != "monoio-uring" {
                return true;
            }
            match monoio_uring_available() {
                Ok(()) => true,
                Err(why) => {
                    eprintln!("netload: the monoio-uring row is skipped: {why}");
                    false
                }
            }
        })
        .collect()
}

/// The hive/peer pairs the ratio rows compare, by server name; a pair with
/// a contender that did not run is left out.
const RATIOS: [(&str, &str, &str); 5] = [
    ("hive", "tokio", "hive/tokio"),
    ("hive-per-loop", "tokio-tpc", "per-loop/tpc"),
    ("hive-one-reactor", "tokio", "one-reactor/tokio"),
    ("hive-per-loop", "monoio-legacy", "per-loop/monoio-ep"),
    ("hive-per-loop", "monoio-uring", "per-loop/monoio-ur"),
];

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
    /// Per message: CPU the server threads used (µs), their context
    /// switches, and how long the server threads and the generator thread
    /// were runnable but waited for a core (µs).
    server_cpu: f64,
    server_switches: f64,
    server_wait: f64,
    generator_wait: f64,
    /// Share of the run the generator's thread was on a CPU (%): near 100,
    /// the generator is the bottleneck and replies queue in its sockets.
    generator_busy: f64,
}

/// The median of `values` (sorted in place); runs on 2 noisy cores need it.
fn median(values: &mut [f64]) -> f64 {
    values.sort_unstable_by(f64::total_cmp);
    values[values.len() / 2]
}

/// How the generator offers messages.
#[derive(Clone, Copy)]
enum Load {
    /// Each connection sends its next message as soon as the echo is back.
    Saturated,
    /// This many messages per second in total (see `hive_benches::paced`).
    Paced(f64),
}

/// The share of the slowest contender's saturated rate offered in the
/// paced runs: low enough that the generator keeps up.
const PACED_SHARE: f64 = 0.5;

/// Runs `kind` once on the workload and measures it.
fn measure(gen: &Generator, kind: &str, conns: usize, size: usize, load: Load) -> Sample {
    let rounds = rounds_for(conns);
    let (server, addr) = start(kind).unwrap_or_else(|why| panic!("{why}"));
    let mut open = gen.connect(addr, conns);
    // Warm up: connections accepted, buffers grown, caches hot.
    gen.latencies(&mut open, size, rounds / 10 + 1);
    let before = Snapshot::take();
    let (mut times, wall) = match load {
        Load::Saturated => gen.latencies(&mut open, size, rounds),
        Load::Paced(rate) => {
            let run = gen.paced_latencies(&mut open, size, rounds, rate);
            (run.latencies, run.wall)
        }
    };
    let spent = Snapshot::take().since(&before);
    if std::env::var_os("NETLOAD_METRICS").is_some() {
        if let Server::Hive(rt, _) = &server {
            eprintln!("{kind} {conns}c {size}b: {:?}", rt.metrics());
        }
    }
    drop(open);
    drop(server);
    let messages = (conns * rounds) as f64;
    let per_message_micros = |ns: u64| ns as f64 / 1e3 / messages;
    Sample {
        p50: micros(quantile(&mut times, 0.50)),
        p99: micros(quantile(&mut times, 0.99)),
        rate: messages / wall.as_secs_f64(),
        server_cpu: per_message_micros(spent.server.run_ns),
        server_switches: (spent.server.voluntary + spent.server.involuntary) as f64 / messages,
        server_wait: per_message_micros(spent.server.wait_ns),
        generator_wait: per_message_micros(spent.generator.wait_ns),
        generator_busy: spent.generator.run_ns as f64 / 1e9 / wall.as_secs_f64() * 100.0,
    }
}

/// `repeats` runs of every contender on one workload and load (the order
/// rotates from run to run so no contender always goes first); the medians,
/// in `kinds` order.
fn medians(
    gen: &Generator,
    kinds: &[&str],
    repeats: usize,
    conns: usize,
    size: usize,
    load: Load,
) -> Vec<Sample> {
    let mut runs: Vec<Vec<Sample>> = vec![Vec::new(); kinds.len()];
    for rep in 0..repeats {
        for i in 0..kinds.len() {
            let who = (i + rep) % kinds.len();
            runs[who].push(measure(gen, kinds[who], conns, size, load));
        }
    }
    runs.iter()
        .map(|r| {
            let of =
                |field: fn(&Sample) -> f64| median(&mut r.iter().map(field).collect::<Vec<_>>());
            Sample {
                p50: of(|s| s.p50),
                p99: of(|s| s.p99),
                rate: of(|s| s.rate),
                server_cpu: of(|s| s.server_cpu),
                server_switches: of(|s| s.server_switches),
                server_wait: of(|s| s.server_wait),
                generator_wait: of(|s| s.generator_wait),
                generator_busy: of(|s| s.generator_busy),
            }
        })
        .collect()
}

/// Prints each contender's medians and the hive/peer ratios.
fn print_rows(workload: &str, kinds: &[&str], medians: &[Sample]) {
    for (kind, m) in kinds.iter().zip(medians) {
        println!(
            "{workload:<26} {kind:>18} {:>8.1} {:>8.1} {:>9.0} | {:>7.2} {:>7.2} {:>8.2} {:>8.2} {:>7.0}%",
            m.p50, m.p99, m.rate, m.server_cpu, m.server_switches, m.server_wait, m.generator_wait, m.generator_busy
        );
    }
    let at = |name: &str| kinds.iter().position(|k| *k == name);
    for (hive, peer, label) in RATIOS {
        let (Some(hive), Some(peer)) = (at(hive), at(peer)) else {
            continue;
        };
        let (h, p) = (medians[hive], medians[peer]);
        // Time ratios: below 1.0 means hive is faster. The rate is inverted
        // (peer/hive) so that the same holds for it; the per-message costs
        // after `|` are hive/peer too.
        println!(
            "{:<26} {label:>18} {:>8.2} {:>8.2} {:>9.2} | {:>7.2} {:>7.2} {:>8.2} {:>8.2}",
            "  ratio (time)",
            h.p50 / p.p50,
            h.p99 / p.p99,
            p.rate / h.rate,
            h.server_cpu / p.server_cpu,
            h.server_switches / p.server_switches,
            h.server_wait / p.server_wait,
            h.generator_wait / p.generator_wait,
        );
    }
}

/// Every workload (or those named in `only`): `repeats` saturated runs of
/// each contender, then, with more than one connection, `repeats` paced runs
/// at `PACED_SHARE` of the slowest contender's median saturated rate (the
/// same offered load for all). Prints medians and hive/peer ratios.
fn table(gen: &Generator, repeats: usize, only: &[String]) {
    let kinds = contenders();
    println!("{repeats} run(s) per contender; medians");
    println!(
        "{:<26} {:>18} {:>8} {:>8} {:>9} | {:>7} {:>7} {:>8} {:>8} {:>8}",
        "workload",
        "server",
        "p50 µs",
        "p99 µs",
        "msgs/s",
        "cpu µs",
        "cswitch",
        "wait µs",
        "gen wait",
        "gen busy"
    );
    for conns in [1, 64, 512] {
        for size in [100, 16 * 1024] {
            let workload = format!("tcp_echo_{conns}c_{size}b");
            if !only.is_empty() && !only.contains(&workload) {
                continue;
            }
            let saturated = medians(gen, &kinds, repeats, conns, size, Load::Saturated);
            print_rows(&workload, &kinds, &saturated);
            if conns > 1 {
                let slowest = saturated
                    .iter()
                    .map(|m| m.rate)
                    .fold(f64::INFINITY, f64::min);
                let rate = (slowest * PACED_SHARE).round();
                let paced = medians(gen, &kinds, repeats, conns, size, Load::Paced(rate));
                print_rows(&format!("{workload} @{rate:.0}/s"), &kinds, &paced);
            }
        }
    }
}

fn serve(kind: &str) -> ExitCode {
    match start(kind) {
        Ok((server, addr)) => {
            let status = serve_until_stdin_closes(&server, addr);
            if let (Some(_), Server::Hive(rt, _)) = (std::env::var_os("NETLOAD_METRICS"), &server) {
                eprintln!("{kind}: {:?}", rt.metrics());
            }
            status
        }
        Err(why) => {
            eprintln!("netload serve: {why}");
            ExitCode::FAILURE
        }
    }
}

fn http_serve(kind: &str) -> ExitCode {
    let Some(contender) = http::Contender::ALL.into_iter().find(|c| c.name() == kind) else {
        let names: Vec<_> = http::Contender::ALL.iter().map(|c| c.name()).collect();
        eprintln!("netload http-serve: no HTTP server {kind:?}; one of {names:?}");
        return ExitCode::FAILURE;
    };
    let server = contender.start();
    let addr = server.addr();
    let status = serve_until_stdin_closes(&server, addr);
    if std::env::var_os("NETLOAD_METRICS").is_some() {
        if let Some(metrics) = server.hive_metrics() {
            eprintln!("{kind}: {metrics:?}");
        }
    }
    status
}

/// Prints `ADDR addr`, serves until stdin closes (the driver script ends
/// it), then stops `server`.
fn serve_until_stdin_closes<S>(server: S, addr: SocketAddr) -> ExitCode {
    println!("ADDR {addr}");
    std::io::stdout().flush().unwrap();
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
    // No RATE: saturated; a positive RATE: paced; anything else: usage.
    let rate = match args.get(4) {
        None => Ok(None),
        Some(r) => r
            .parse::<f64>()
            .ok()
            .filter(|r| *r > 0.0)
            .map(Some)
            .ok_or(()),
    };
    let (Some((addr, conns, size, rounds)), Ok(rate)) = (parsed, rate) else {
        eprintln!("usage: netload drive ADDR CONNS SIZE ROUNDS [RATE]   (RATE > 0: paced, messages/s in total)");
        return ExitCode::FAILURE;
    };
    let gen = Generator::new();
    let mut open = gen.connect(addr, conns);
    let (mut times, wall) = match rate {
        None => gen.latencies(&mut open, size, rounds),
        Some(rate) => {
            let run = gen.paced_latencies(&mut open, size, rounds, rate);
            (run.latencies, run.wall)
        }
    };
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
        Some("http-serve") => http_serve(args.get(1).map(String::as_str).unwrap_or("hive")),
        Some("servers") => {
            for kind in contenders() {
                println!("{kind}");
            }
            ExitCode::SUCCESS
        }
        Some("drive") => drive(&args[1..]),
        Some(other) => {
            eprintln!(
                "unknown mode {other:?}: run with no arguments, `repeat N`, `serve KIND`, `http-serve KIND`, `servers` or `drive ..`"
            );
            ExitCode::FAILURE
        }
    }
}
