//! Instructions per unit of work, hive beside tokio: a measure that does not
//! move with the machine's load (wall-clock ratios on 2 shared cores move by
//! 20–30 % between runs; instruction counts by well under 1 %).
//!
//! Usage:
//! * `icount run RUNTIME WORKLOAD N`: runs `N` units of `WORKLOAD` on
//!   `RUNTIME` (`hive` or `tokio`; for `echo`, any echo server of
//!   `hive_benches::net::SERVERS`, monoio's included) and exits; meant to
//!   run under valgrind.
//! * `icount table [N1 N2]`: runs itself under `valgrind --tool=callgrind`
//!   for every workload and runtime, once with `N1` units and once with `N2`
//!   (default 2000 and 12000), each the median of 3 runs, and prints a
//!   markdown table of
//!   (Ir(N2) − Ir(N1)) / (N2 − N1): the instructions one more unit costs,
//!   every thread of the process counted, with the setup (runtime build,
//!   connections, teardown) cancelled out; then the echo servers' table.
//! * `icount echo [N1 N2]`: the echo servers' table alone: the same count
//!   per echoed message, all threads and the server's threads alone (every
//!   thread but the main one, the client's; callgrind's
//!   `--separate-threads=yes`), for hive's default and per-loop servers, tokio
//!   multi-thread and thread-per-core, and monoio as thread-per-core on its
//!   epoll driver (`monoio-legacy`), each beside its hive peer (tokio
//!   beside hive's default server, the thread-per-core servers beside hive
//!   per-loop). `monoio-uring` gets a row that says why it is not counted:
//!   under valgrind 3.19 (this machine's) the run deadlocks, since the
//!   thread waiting in `io_uring_enter` keeps valgrind's big lock and no
//!   other thread (the client's) runs again; `ICOUNT_URING=1` tries anyway
//!   (a newer valgrind may not block).
//!
//! callgrind counts user-space instructions only: what the kernel does for
//! a syscall, or for an io_uring submission, is not in the count. An
//! io_uring server moves work (readiness, the copy, completion) into the
//! kernel and so looks cheaper here than it is; the epoll servers all do
//! the same kernel work per message (a wait, a read, a write), so between
//! them the count compares like with like.
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
//! * `handoff` (`run` only, not in the table): the calling thread hands
//!   the runtime an empty task and waits for it (hive's `run_local`,
//!   tokio's `Handle::spawn` + `block_on`): one wake of a sleeping loop and
//!   one of the caller, which time shows and instructions do not;
//! * `echo`: one 64-byte message echoed over loopback TCP by each runtime's
//!   echo server (2 loops / workers / threads, one connection); the client
//!   is the same tokio current-thread generator for all, and its
//!   instructions are counted too;
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
//!   `ICOUNT_AT_ONCE=64` runs N rounds of 64 concurrent handshakes instead
//!   (the `tls` bench's shape), for `strace -c -f` or `perf stat` by hand.
//!   `ICOUNT_IDLE=K` keeps K more connections open meanwhile (the bench
//!   times handshakes beside 64 idle connections).
//! * `tls_echo`: one 100-byte message echoed over one TLS connection
//!   (the `tls` bench's echo: the client writes, drains and reads the
//!   echo back, on the same runtime as the server; the handshake is in
//!   both the N1 and the N2 run, so the difference cancels it). Record
//!   encryption is a small part of it, so this is where the runtimes'
//!   TLS paths differ.
//!
//! `ICOUNT_BATCH=B` sets the batch of the batched workloads (default 100;
//! the criterion benches spawn 1,000 at a time, which a registry or cache
//! bound can tell apart from 100).

use hive_benches::contenders::{
    Contender, CrossContender, Hive, HiveLocal, HiveSpawnOnLoop, PinnedContender, Tokio,
    TokioHandle, TokioLocalSet,
};
use hive_benches::net::{self, Generator};
use hive_benches::{http, recv_bounded, tls, workloads};
use std::collections::HashMap;
use std::process::{Command, ExitCode};
use std::sync::mpsc;

/// Units per batch where a workload batches (so memory stays flat in `N`),
/// unless `ICOUNT_BATCH` says otherwise.
const BATCH: usize = 100;
/// Pinned tasks sharing the yields of `pinned_yield`.
const YIELDERS: usize = 100;
/// Bytes per echoed message.
const ECHO_SIZE: usize = 64;

const RUNTIMES: [&str; 2] = ["hive", "tokio"];
const WORKLOADS: [(&str, &str); 11] = [
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
    (
        "tls_echo",
        "100-byte message echoed over TLS (client included)",
    ),
];
/// Bytes per message of `tls_echo` (the `tls` bench's small size).
const TLS_ECHO_SIZE: usize = 100;

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
        ["table"] => table(2_000, 12_000, true),
        ["echo"] => table(2_000, 12_000, false),
        [what @ ("table" | "echo"), n1, n2] => match (n1.parse(), n2.parse()) {
            (Ok(n1), Ok(n2)) if n1 < n2 => table(n1, n2, *what == "table"),
            _ => usage("N1 and N2 must be whole numbers with N1 < N2"),
        },
        _ => usage("expected `run RUNTIME WORKLOAD N`, `table [N1 N2]` or `echo [N1 N2]`"),
    }
}

fn usage(why: &str) -> ExitCode {
    eprintln!(
        "icount: {why}\nusage: icount run RUNTIME WORKLOAD N | icount table [N1 N2] | icount echo [N1 N2]\n\
         runtimes: {}\nworkloads: {}\necho servers (RUNTIME of `echo`): {}",
        RUNTIMES.join(", "),
        WORKLOADS.map(|(w, _)| w).join(", "),
        net::SERVERS.join(", ")
    );
    ExitCode::FAILURE
}

/// Runs `n` units of `workload` on `runtime`.
fn run(runtime: &str, workload: &str, n: usize) -> ExitCode {
    if workload == "echo" {
        return match echo(runtime, n) {
            Ok(()) => ExitCode::SUCCESS,
            Err(why) => usage(&why),
        };
    }
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
        ("handoff", true) => handoff::<Hive>(n),
        ("handoff", false) => handoff::<Tokio>(n),
        ("http", true) => http_gets(http::Contender::Hive, n),
        ("http_per_loop", true) => http_gets(http::Contender::HivePerLoop, n),
        ("http" | "http_per_loop", false) => http_gets(http::Contender::Tokio, n),
        ("tls_handshake", true) => tls_handshakes(&tls::HiveTls::start(&tls::Configs::new()), n),
        ("tls_handshake", false) => tls_handshakes(&tls::TokioTls::start(&tls::Configs::new()), n),
        ("tls_echo", true) => tls_echo(&tls::HiveTls::start(&tls::Configs::new()), n),
        ("tls_echo", false) => tls_echo(&tls::TokioTls::start(&tls::Configs::new()), n),
        _ => return usage(&format!("unknown workload `{workload}`")),
    }
    ExitCode::SUCCESS
}

/// `n` in batches of [`BATCH`] (or `ICOUNT_BATCH`): full batches, the rest.
fn batches(n: usize) -> impl Iterator<Item = usize> {
    let batch = std::env::var("ICOUNT_BATCH")
        .ok()
        .and_then(|b| b.parse::<usize>().ok())
        .filter(|&b| b > 0)
        .unwrap_or(BATCH);
    let rest = n % batch;
    std::iter::repeat_n(batch, n / batch).chain((rest > 0).then_some(rest))
}

/// `n` hand-offs from this (non-runtime) thread: a task run on the
/// runtime and waited for (not in the table: its cost is the wake of a
/// sleeping thread, which instructions do not show; time it instead).
fn handoff<R: Contender>(n: usize) {
    let rt = R::build();
    for _ in 0..n {
        R::handoff(&rt);
    }
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

/// `n` messages echoed by the echo server `kind` (one of `net::SERVERS`).
fn echo(kind: &str, n: usize) -> Result<(), String> {
    let (server, addr) = net::start(kind)?;
    let generator = Generator::new();
    let mut conns = generator.connect(addr, 1);
    generator.echo(&mut conns, ECHO_SIZE, n as u64);
    drop(conns);
    drop(server);
    Ok(())
}

/// `n` TLS connections, one at a time (or `n` rounds of `ICOUNT_AT_ONCE`).
fn tls_handshakes<C: tls::Contender>(contender: &C, n: usize) {
    let at_once = std::env::var("ICOUNT_AT_ONCE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let idle = std::env::var("ICOUNT_IDLE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let open = contender.connect(idle);
    contender.handshakes(at_once, n as u64);
    drop(open);
}

/// `n` TLS echoes of [`TLS_ECHO_SIZE`] bytes on one connection.
fn tls_echo<C: tls::Contender>(contender: &C, n: usize) {
    let mut conns = contender.connect(1);
    contender.echo(&mut conns, TLS_ECHO_SIZE, n as u64);
    drop(conns);
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

/// Instructions of one `icount run`: every thread's, and the main
/// thread's alone (for `echo`, the main thread is the client: what the
/// other threads ran is the server's).
#[derive(Clone, Copy, Debug)]
struct Counts {
    all: u64,
    main: u64,
}

/// Counts one `icount run` under callgrind (`--separate-threads=yes`: one
/// output file per thread, `OUT-01` the main thread's).
fn instructions(runtime: &str, workload: &str, n: usize) -> Result<Counts, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this binary: {e}"))?;
    let dir = std::env::temp_dir();
    let name = format!(
        "icount.{}.{runtime}.{workload}.{n}.callgrind",
        std::process::id()
    );
    let out = dir.join(&name);
    let status = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg("--separate-threads=yes")
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg("--quiet")
        .arg(&exe)
        .args(["run", runtime, workload, &n.to_string()])
        .status()
        .map_err(|e| format!("cannot run valgrind (is it installed?): {e}"))?;
    // Every thread's file: NAME-01, NAME-02, ... (and NAME, the empty
    // dump of the process as a whole).
    let mut files: Vec<(String, std::path::PathBuf)> = std::fs::read_dir(&dir)
        .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let file = entry.file_name().into_string().ok()?;
            let thread = file.strip_prefix(&name)?.strip_prefix('-')?.to_string();
            Some((thread, entry.path()))
        })
        .collect();
    files.sort();
    let texts: Vec<(String, std::io::Result<String>)> = files
        .iter()
        .map(|(thread, path)| (thread.clone(), std::fs::read_to_string(path)))
        .collect();
    for (_, path) in &files {
        let _ = std::fs::remove_file(path);
    }
    let _ = std::fs::remove_file(&out);
    if !status.success() {
        return Err(format!("{runtime} {workload} {n} under valgrind: {status}"));
    }
    if texts.is_empty() {
        return Err(format!("no callgrind output at {}-*", out.display()));
    }
    let mut counts = Counts { all: 0, main: 0 };
    for (thread, text) in texts {
        let text = text.map_err(|e| format!("unreadable callgrind output: {e}"))?;
        let total: u64 = text
            .lines()
            .find_map(|line| {
                line.strip_prefix("totals:")
                    .or(line.strip_prefix("summary:"))
            })
            .and_then(|total| total.split_whitespace().next()?.parse().ok())
            .ok_or_else(|| format!("no `totals:` line in {workload}'s callgrind output"))?;
        counts.all += total;
        if thread.parse::<u32>() == Ok(1) {
            counts.main = total;
        }
    }
    Ok(counts)
}

/// Runs of each `icount run` in `table`; the median is kept. The pinned
/// workloads repeat to the instruction; the multi-threaded ones move by up
/// to ~10 % run to run (how often a loop or worker parks and is woken
/// depends on how valgrind interleaves the threads), and the median of 3
/// settles that to a few percent.
const REPEATS: usize = 3;

/// The medians of [`REPEATS`] runs, each count on its own.
fn median_instructions(runtime: &str, workload: &str, n: usize) -> Result<Counts, String> {
    let runs = (0..REPEATS)
        .map(|_| instructions(runtime, workload, n))
        .collect::<Result<Vec<_>, _>>()?;
    let median = |of: fn(&Counts) -> u64| {
        let mut values: Vec<u64> = runs.iter().map(of).collect();
        values.sort_unstable();
        values[REPEATS / 2]
    };
    Ok(Counts {
        all: median(|c| c.all),
        main: median(|c| c.main),
    })
}

/// Instructions one more unit of `workload` on `runtime` costs, from the
/// medians at `n1` and `n2` units: every thread's, and every thread's but
/// the main one's (for `echo`, the server's). Memoised in `seen` (the echo
/// table reuses the main table's hive and tokio echo rows).
fn per_unit(
    seen: &mut HashMap<(String, String), (f64, f64)>,
    runtime: &str,
    workload: &str,
    (n1, n2): (usize, usize),
) -> Result<(f64, f64), String> {
    let key = (runtime.to_string(), workload.to_string());
    if let Some(&known) = seen.get(&key) {
        return Ok(known);
    }
    let a = median_instructions(runtime, workload, n1)?;
    let b = median_instructions(runtime, workload, n2)?;
    let units = (n2 - n1) as f64;
    let all = (b.all as f64 - a.all as f64) / units;
    let main = (b.main as f64 - a.main as f64) / units;
    seen.insert(key, (all, all - main));
    Ok((all, all - main))
}

/// The echo servers' rows: each server and, after it, the hive server it
/// is set beside (`None`: a hive server itself).
const ECHO_ROWS: [(&str, Option<&str>); 6] = [
    ("hive", None),
    ("tokio", Some("hive")),
    ("hive-per-loop", None),
    ("tokio-tpc", Some("hive-per-loop")),
    ("monoio-legacy", Some("hive-per-loop")),
    ("monoio-uring", Some("hive-per-loop")),
];

fn table(n1: usize, n2: usize, all: bool) -> ExitCode {
    let ns = (n1, n2);
    let mut seen = HashMap::new();
    println!(
        "instructions per unit, (Ir(N={n2}) - Ir(N={n1})) / {}, callgrind, all threads, \
         median of {REPEATS} runs each\n",
        n2 - n1
    );
    if all {
        println!("| workload (per unit) | hive | tokio | hive/tokio |\n|---|---:|---:|---:|");
        for (workload, unit) in WORKLOADS {
            let mut row = [0.0; 2];
            for (slot, runtime) in row.iter_mut().zip(RUNTIMES) {
                let d = divisor(workload);
                match per_unit(&mut seen, runtime, workload, (ns.0 / d, ns.1 / d)) {
                    Ok((all, _)) => *slot = all,
                    Err(e) => {
                        eprintln!("icount: {e}");
                        return ExitCode::FAILURE;
                    }
                }
            }
            println!(
                "| {workload}: {unit} | {:.0} | {:.0} | {:.2} |",
                row[0],
                row[1],
                row[0] / row[1]
            );
        }
        println!();
    }
    println!(
        "| echo server: {ECHO_SIZE}-byte message echoed | all threads (client included) | \
         server threads | hive peer | hive/this, all | hive/this, server |\n\
         |---|---:|---:|---|---:|---:|"
    );
    for (server, peer) in ECHO_ROWS {
        if server == "monoio-uring" {
            if let Err(why) = net::monoio_uring_available() {
                println!("| {server} | skipped: {why} | | | | |");
                continue;
            }
            if std::env::var_os("ICOUNT_URING").is_none() {
                println!(
                    "| {server} | skipped: deadlocks under valgrind 3.19 (a thread blocked in \
                     io_uring_enter keeps valgrind's lock); ICOUNT_URING=1 tries | | | | |"
                );
                continue;
            }
        }
        let value = match per_unit(&mut seen, server, "echo", ns) {
            Ok(value) => value,
            Err(e) => {
                eprintln!("icount: {e}");
                return ExitCode::FAILURE;
            }
        };
        let (all, own) = value;
        match peer {
            None => println!("| {server} | {all:.0} | {own:.0} | | | |"),
            Some(peer) => {
                let (hive_all, hive_own) = seen[&(peer.to_string(), "echo".to_string())];
                println!(
                    "| {server} | {all:.0} | {own:.0} | {peer} | {:.2} | {:.2} |",
                    hive_all / all,
                    hive_own / own
                );
            }
        }
    }
    ExitCode::SUCCESS
}
