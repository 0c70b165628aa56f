//! Instructions per unit of work, hive beside tokio: a measure that does not
//! move with the machine's load (wall-clock ratios on 2 shared cores move by
//! 20–30 % between runs; instruction counts by well under 1 %).
//!
//! Usage:
//! * `icount run RUNTIME WORKLOAD N`: runs `N` units of `WORKLOAD` on
//!   `RUNTIME` (`hive` or `tokio`) and exits; meant to run under valgrind.
//! * `icount table [N1 N2]`: runs itself under `valgrind --tool=callgrind`
//!   for every workload and runtime, once with `N1` units and once with `N2`
//!   (default 2000 and 12000), each the median of 3 runs, and prints a
//!   markdown table of
//!   (Ir(N2) − Ir(N1)) / (N2 − N1): the instructions one more unit costs,
//!   every thread of the process counted, with the setup (runtime build,
//!   connections, teardown) cancelled out.
//!
//! `cargo build -p hive-benches --release --bin icount && target/release/icount table`
//!
//! Workloads (the bodies are `hive_benches::workloads`, shared with the
//! criterion bench), per unit:
//! * `spawn`: one task spawned and joined from inside a task of the
//!   multi-threaded runtime (2 loops / 2 workers; batches of 100);
//! * `pinned_spawn`: the same with `spawn_local` on one loop (hive) or a
//!   `LocalSet` on a current-thread runtime (tokio);
//! * `pinned_ping_pong`: one pinned ping-pong round trip (a ping task, its
//!   pong task, two oneshots), as the bench's `pinned_ping_pong`;
//! * `pinned_yield`: one `yield_now` of one of 100 pinned tasks;
//! * `pinned_chain`: one link of a chain of pinned spawns (each task spawns
//!   the next; chains of 100), as the bench's `pinned_chained_spawn`;
//! * `cross_loop`: one empty unit of work from one loop onto another and
//!   back (hive's `spawn_on_loop`, tokio's `Handle::spawn` onto a second
//!   runtime, from a `LocalSet`; batches of 100);
//! * `echo`: one 64-byte message echoed over loopback TCP by each runtime's
//!   echo server (2 loops / workers); the client is the same tokio
//!   current-thread generator for both, and its instructions are counted too;
//! * `http`: one HTTP/1.1 keep-alive `GET /` answered by hyper's server
//!   (`hive_benches::http`'s hello world: hive's default server, or hyper
//!   on tokio's multi-thread runtime with `TokioIo`; 2 loops / workers),
//!   sent by a blocking std socket on one connection, one request at a
//!   time (the client's few instructions are counted too);
//! * `http_per_loop`: the same against hive's `per_loop(true)` server
//!   (tokio's column is the same multi-thread server);
//! * `tls_handshake`: one TLS connection (`hive_benches::tls`: hive's
//!   `open_connection(..).ssl(..)` against `start_server(..).ssl(..)`, or
//!   tokio-rustls on both sides; same rustls and crypto provider): connect,
//!   full handshake, a 1-byte round trip, close. Crypto dominates; the
//!   difference is the runtimes'. `table` runs it with N / 20 units (a
//!   handshake costs thousands of times more than a spawn under valgrind).

use hive_benches::contenders::{
    Contender, CrossContender, Hive, HiveLocal, HiveSpawnOnLoop, PinnedContender, Tokio,
    TokioHandle, TokioLocalSet,
};
use hive_benches::net::{hive_server, tokio_server, Generator, HiveSetup};
use hive_benches::{http, recv_bounded, tls, workloads};
use std::process::{Command, ExitCode};
use std::sync::mpsc;

/// Units per batch where a workload batches (so memory stays flat in `N`).
const BATCH: usize = 100;
/// Pinned tasks sharing the yields of `pinned_yield`.
const YIELDERS: usize = 100;
/// Bytes per echoed message.
const ECHO_SIZE: usize = 64;

const RUNTIMES: [&str; 2] = ["hive", "tokio"];
const WORKLOADS: [(&str, &str); 10] = [
    ("spawn", "spawned-and-joined task"),
    ("pinned_spawn", "pinned task spawned and joined"),
    ("pinned_ping_pong", "pinned ping-pong round trip"),
    ("pinned_yield", "pinned yield_now"),
    ("pinned_chain", "link of a pinned spawn chain"),
    ("cross_loop", "cross-loop spawn and join"),
    ("echo", "64-byte message echoed (client included)"),
    ("http", "HTTP/1.1 keep-alive GET (client included)"),
    ("http_per_loop", "the same, hive per_loop server"),
    (
        "tls_handshake",
        "TLS connection: handshake, 1-byte echo, close",
    ),
];

/// `table` runs a workload with `N / divisor` units.
fn divisor(workload: &str) -> usize {
    if workload == "tls_handshake" {
        20
    } else {
        1
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["run", runtime, workload, n] => match n.parse() {
            Ok(n) => run(runtime, workload, n),
            Err(_) => usage(&format!("N must be a whole number, not `{n}`")),
        },
        ["table"] => table(2_000, 12_000),
        ["table", n1, n2] => match (n1.parse(), n2.parse()) {
            (Ok(n1), Ok(n2)) if n1 < n2 => table(n1, n2),
            _ => usage("N1 and N2 must be whole numbers with N1 < N2"),
        },
        _ => usage("expected `run RUNTIME WORKLOAD N` or `table [N1 N2]`"),
    }
}

fn usage(why: &str) -> ExitCode {
    eprintln!(
        "icount: {why}\nusage: icount run RUNTIME WORKLOAD N | icount table [N1 N2]\n\
         runtimes: {}\nworkloads: {}",
        RUNTIMES.join(", "),
        WORKLOADS.map(|(w, _)| w).join(", ")
    );
    ExitCode::FAILURE
}

/// Runs `n` units of `workload` on `runtime`.
fn run(runtime: &str, workload: &str, n: usize) -> ExitCode {
    let hive = match runtime {
        "hive" => true,
        "tokio" => false,
        _ => return usage(&format!("unknown runtime `{runtime}`")),
    };
    match (workload, hive) {
        ("spawn", true) => spawn::<Hive>(n),
        ("spawn", false) => spawn::<Tokio>(n),
        ("pinned_spawn", true) => pinned_spawn::<HiveLocal>(n),
        ("pinned_spawn", false) => pinned_spawn::<TokioLocalSet>(n),
        ("pinned_ping_pong", true) => pinned_ping_pong::<HiveLocal>(n),
        ("pinned_ping_pong", false) => pinned_ping_pong::<TokioLocalSet>(n),
        ("pinned_yield", true) => pinned_yield::<HiveLocal>(n),
        ("pinned_yield", false) => pinned_yield::<TokioLocalSet>(n),
        ("pinned_chain", true) => pinned_chain::<HiveLocal>(n),
        ("pinned_chain", false) => pinned_chain::<TokioLocalSet>(n),
        ("cross_loop", true) => cross_loop::<HiveSpawnOnLoop>(n),
        ("cross_loop", false) => cross_loop::<TokioHandle>(n),
        ("echo", _) => echo(hive, n),
        ("http", true) => http_gets(http::Contender::Hive, n),
        ("http_per_loop", true) => http_gets(http::Contender::HivePerLoop, n),
        ("http" | "http_per_loop", false) => http_gets(http::Contender::Tokio, n),
        ("tls_handshake", true) => tls_handshakes(&tls::HiveTls::start(&tls::Configs::new()), n),
        ("tls_handshake", false) => tls_handshakes(&tls::TokioTls::start(&tls::Configs::new()), n),
        _ => return usage(&format!("unknown workload `{workload}`")),
    }
    ExitCode::SUCCESS
}

/// `n` in batches of [`BATCH`]: (full batches, the rest).
fn batches(n: usize) -> impl Iterator<Item = usize> {
    let rest = n % BATCH;
    std::iter::repeat_n(BATCH, n / BATCH).chain((rest > 0).then_some(rest))
}

fn spawn<R: Contender>(n: usize) {
    let rt = R::build();
    let (tx, rx) = mpsc::sync_channel(1);
    R::detach(&rt, async move {
        for batch in batches(n) {
            workloads::spawn_many::<R>(batch).await;
        }
        tx.send(()).unwrap();
    });
    recv_bounded(&rx, "icount spawn");
}

fn pinned_spawn<R: PinnedContender>(n: usize) {
    let rt = R::build();
    R::run(&rt, move || async move {
        for batch in batches(n) {
            workloads::pinned_spawn_many::<R>(batch).await;
        }
    });
}

fn pinned_ping_pong<R: PinnedContender>(n: usize) {
    let rt = R::build();
    R::run(&rt, move || async move {
        for batch in batches(n) {
            workloads::pinned_ping_pong::<R>(batch).await;
        }
    });
}

fn pinned_yield<R: PinnedContender>(n: usize) {
    let rt = R::build();
    R::run(&rt, move || {
        workloads::pinned_yield_many::<R>(YIELDERS, n / YIELDERS)
    });
}

fn pinned_chain<R: PinnedContender>(n: usize) {
    let rt = R::build();
    R::run(&rt, move || async move {
        for batch in batches(n) {
            workloads::pinned_chained_spawn::<R>(batch).await;
        }
    });
}

fn cross_loop<R: CrossContender>(n: usize) {
    let rt = R::build();
    R::run(&rt, move |target| async move {
        for batch in batches(n) {
            workloads::cross_loop::<R>(&target, batch).await;
        }
    });
}

fn echo(hive: bool, n: usize) {
    let (server, addr) = if hive {
        hive_server(HiveSetup::Default, false)
    } else {
        tokio_server(false)
    };
    let generator = Generator::new();
    let mut conns = generator.connect(addr, 1);
    generator.echo(&mut conns, ECHO_SIZE, n as u64);
    drop(conns);
    drop(server);
}

/// `n` TLS connections, one at a time.
fn tls_handshakes<C: tls::Contender>(contender: &C, n: usize) {
    contender.handshakes(1, n as u64);
}

/// `n` keep-alive `GET /` requests, one at a time, on one connection.
fn http_gets(contender: http::Contender, n: usize) {
    use std::io::{Read, Write};
    let server = contender.start();
    let mut conn = std::net::TcpStream::connect(server.addr()).expect("icount http: connect");
    conn.set_nodelay(true).expect("icount http: nodelay");
    let request = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
    let mut response = Vec::with_capacity(512);
    let mut buf = [0u8; 512];
    for _ in 0..n {
        conn.write_all(request).expect("icount http: send");
        response.clear();
        // The body comes last and nothing is pipelined, so a response is
        // complete once the bytes read end with it.
        while !response.ends_with(http::BODY.as_bytes()) {
            let read = conn.read(&mut buf).expect("icount http: receive");
            assert!(read > 0, "icount http: the server closed the connection");
            response.extend_from_slice(&buf[..read]);
        }
    }
    drop(conn);
    drop(server);
}

/// Instructions (callgrind's `Ir`, all threads) of one `icount run`.
fn instructions(runtime: &str, workload: &str, n: usize) -> Result<u64, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this binary: {e}"))?;
    let out = std::env::temp_dir().join(format!(
        "icount.{}.{runtime}.{workload}.{n}.callgrind",
        std::process::id()
    ));
    let status = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg("--quiet")
        .arg(&exe)
        .args(["run", runtime, workload, &n.to_string()])
        .status()
        .map_err(|e| format!("cannot run valgrind (is it installed?): {e}"))?;
    let text = std::fs::read_to_string(&out);
    let _ = std::fs::remove_file(&out);
    if !status.success() {
        return Err(format!("{runtime} {workload} {n} under valgrind: {status}"));
    }
    let text = text.map_err(|e| format!("no callgrind output at {}: {e}", out.display()))?;
    text.lines()
        .find_map(|line| {
            line.strip_prefix("totals:")
                .or(line.strip_prefix("summary:"))
        })
        .and_then(|total| total.split_whitespace().next()?.parse().ok())
        .ok_or_else(|| format!("no `totals:` line in {}'s callgrind output", workload))
}

/// Runs of each `icount run` in `table`; the median is kept. The pinned
/// workloads repeat to the instruction; the multi-threaded ones move by up
/// to ~10 % run to run (how often a loop or worker parks and is woken
/// depends on how valgrind interleaves the threads), and the median of 3
/// settles that to a few percent.
const REPEATS: usize = 3;

fn median_instructions(runtime: &str, workload: &str, n: usize) -> Result<u64, String> {
    let mut runs = (0..REPEATS)
        .map(|_| instructions(runtime, workload, n))
        .collect::<Result<Vec<_>, _>>()?;
    runs.sort_unstable();
    Ok(runs[REPEATS / 2])
}

fn table(n1: usize, n2: usize) -> ExitCode {
    println!(
        "instructions per unit, (Ir(N={n2}) - Ir(N={n1})) / {}, callgrind, all threads, \
         median of {REPEATS} runs each\n",
        n2 - n1
    );
    println!("| workload (per unit) | hive | tokio | hive/tokio |\n|---|---:|---:|---:|");
    for (workload, unit) in WORKLOADS {
        let (n1, n2) = (n1 / divisor(workload), n2 / divisor(workload));
        let mut per_unit = [0.0; 2];
        for (slot, runtime) in per_unit.iter_mut().zip(RUNTIMES) {
            let counts = median_instructions(runtime, workload, n1)
                .and_then(|a| Ok((a, median_instructions(runtime, workload, n2)?)));
            match counts {
                Ok((a, b)) => *slot = (b as f64 - a as f64) / (n2 - n1) as f64,
                Err(e) => {
                    eprintln!("icount: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
        println!(
            "| {workload}: {unit} | {:.0} | {:.0} | {:.2} |",
            per_unit[0],
            per_unit[1],
            per_unit[0] / per_unit[1]
        );
    }
    ExitCode::SUCCESS
}
