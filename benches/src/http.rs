//! HTTP hello world under `wrk`, shared by the `http` bench: hive's
//! `hive::http::serve` (default and per-loop) beside hyper on tokio.
//!
//! Every contender serves the same service ([`hello`]) with the same hyper
//! (one lock file) through hyper-util's auto builder (HTTP/1.1, h2c by
//! prior knowledge), with a timer on both sides so hyper's default 30 s
//! header-read timeout is armed on both. What differs is the runtime and
//! the I/O glue: hive's listeners and `HiveIo` (plus hive's own idle
//! timeout and shutdown watch per connection) against tokio's
//! `TcpListener`, a task per connection and hyper-util's `TokioIo`.
//!
//! Each server gets its own runtime of [`threads`] loops / workers and is
//! started fresh for every run, so while `wrk` runs the process holds only
//! that server: the process's CPU time ([`Usage::this_process`]) is the
//! server's.

use crate::net::threads;
use crate::WAIT_LIMIT;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use std::convert::Infallible;
use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The body every contender answers with.
pub const BODY: &str = "Hello, World!";

/// The service all contenders run: `200`, [`BODY`], `content-type:
/// text/plain` (hyper adds `content-length` and `date`).
pub async fn hello(_req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let mut res = Response::new(Full::new(Bytes::from_static(BODY.as_bytes())));
    res.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    Ok(res)
}

/// A server under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Contender {
    /// `hive::http::serve`: one listener, connections spread over the loops.
    Hive,
    /// `hive::http::serve(..).per_loop(true)`: one `SO_REUSEPORT` listener
    /// per loop, connections pinned, on a runtime without the idle watcher
    /// (as `Builder::idle_watcher` recommends for thread-per-core).
    HivePerLoop,
    /// hyper on tokio's multi-thread runtime: a `TcpListener` accept loop,
    /// a task per connection, `TokioIo`, `TokioExecutor`, `TokioTimer`.
    Tokio,
}

impl Contender {
    /// Every contender, in the order the bench first runs them.
    pub const ALL: [Contender; 3] = [Contender::Hive, Contender::HivePerLoop, Contender::Tokio];

    /// Its name in the bench's output.
    pub fn name(self) -> &'static str {
        match self {
            Contender::Hive => "hive",
            Contender::HivePerLoop => "hive-per-loop",
            Contender::Tokio => "tokio",
        }
    }

    /// Starts its runtime and server on `127.0.0.1`, any port.
    ///
    /// # Panics
    /// If the runtime or the server cannot start.
    pub fn start(self) -> Server {
        match self {
            Contender::Hive => start_hive(false),
            Contender::HivePerLoop => start_hive(true),
            Contender::Tokio => start_tokio(),
        }
    }
}

/// A running server and its runtime; dropping it stops both.
pub struct Server {
    addr: SocketAddr,
    inner: Inner,
}

/// Field order matters: the server closes before its runtime goes.
#[allow(dead_code)] // held only to keep the server running
enum Inner {
    Hive(hive::http::HttpServer, hive::Runtime),
    Tokio(tokio::runtime::Runtime),
}

impl Server {
    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The hive runtime's counters (`None` for tokio).
    pub fn hive_metrics(&self) -> Option<hive::RuntimeMetrics> {
        match &self.inner {
            Inner::Hive(_, rt) => Some(rt.metrics()),
            Inner::Tokio(_) => None,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Inner::Hive(server, _) = &self.inner {
            // Stop accepting and end idle connections before the runtime
            // (dropped next) cancels what is left.
            server.close();
        }
    }
}

fn start_hive(per_loop: bool) -> Server {
    let rt = hive::Runtime::builder()
        .loops(threads())
        .idle_watcher(!per_loop)
        .build()
        .expect("hive runtime");
    // `serve` binds from a loop: start it in a task there.
    let start = rt.spawn(async move {
        hive::http::serve(hyper::service::service_fn(hello), "127.0.0.1:0")
            .per_loop(per_loop)
            .await
    });
    let server = rt
        .block_on(start)
        .expect("block_on")
        .expect("serve task")
        .expect("hive::http::serve");
    let addr = server.local_addrs()[0].as_inet().expect("an inet address");
    Server {
        addr,
        inner: Inner::Hive(server, rt),
    }
}

fn start_tokio() -> Server {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads())
        .enable_all()
        .build()
        .expect("tokio runtime");
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let addr = listener.local_addr().expect("local_addr");
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // The timer arms hyper's default header-read timeout, as hive's does.
    builder.http1().timer(TokioTimer::new());
    builder.http2().timer(TokioTimer::new());
    rt.spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                continue;
            };
            // hive's accepted sockets get TCP_NODELAY (asyncio's default).
            let _ = tcp.set_nodelay(true);
            let builder = builder.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(hello);
                let _ = builder.serve_connection(TokioIo::new(tcp), service).await;
            });
        }
    });
    Server {
        addr,
        inner: Inner::Tokio(rt),
    }
}

/// One `GET /` over HTTP/1.1 with `Connection: close`; the whole response
/// as text (head and body). A smoke check, not a load.
///
/// # Errors
/// If the connection fails or the server takes longer than [`WAIT_LIMIT`].
pub fn probe(addr: SocketAddr) -> io::Result<String> {
    let mut s = std::net::TcpStream::connect(addr)?;
    s.set_read_timeout(Some(WAIT_LIMIT))?;
    s.write_all(b"GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")?;
    let mut response = String::new();
    s.read_to_string(&mut response)?;
    Ok(response)
}

/// CPU time (user + system) and context switches (voluntary +
/// involuntary), from `getrusage`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// User plus system CPU time.
    pub cpu: Duration,
    /// Context switches.
    pub switches: u64,
}

impl Usage {
    /// This process, every thread (`RUSAGE_SELF`); children such as `wrk`
    /// are not counted.
    pub fn this_process() -> Usage {
        rusage(libc::RUSAGE_SELF)
    }

    /// Every child that has ended and been waited for
    /// (`RUSAGE_CHILDREN`): the `wrk` runs.
    pub fn children() -> Usage {
        rusage(libc::RUSAGE_CHILDREN)
    }

    /// What accumulated since `earlier`.
    pub fn since(self, earlier: Usage) -> Usage {
        Usage {
            cpu: self.cpu.saturating_sub(earlier.cpu),
            switches: self.switches.saturating_sub(earlier.switches),
        }
    }
}

fn rusage(who: libc::c_int) -> Usage {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: `usage` is a valid, writable `rusage`; `who` is RUSAGE_SELF
    // or RUSAGE_CHILDREN.
    let rc = unsafe { libc::getrusage(who, usage.as_mut_ptr()) };
    assert_eq!(rc, 0, "getrusage: {}", io::Error::last_os_error());
    // SAFETY: getrusage succeeded, so it filled the struct (and zeroed
    // memory is a valid `rusage` anyway).
    let usage = unsafe { usage.assume_init() };
    let time = |tv: libc::timeval| {
        Duration::from_secs(tv.tv_sec as u64) + Duration::from_micros(tv.tv_usec as u64)
    };
    Usage {
        cpu: time(usage.ru_utime) + time(usage.ru_stime),
        switches: (usage.ru_nvcsw + usage.ru_nivcsw) as u64,
    }
}

/// What one `wrk` run reported.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct WrkReport {
    /// Responses received (the `N requests in` line).
    pub requests: u64,
    /// `Requests/sec`.
    pub per_sec: f64,
    /// Socket errors of every kind (connect, read, write, timeout).
    pub socket_errors: u64,
    /// Responses other than 2xx or 3xx.
    pub non_2xx: u64,
}

/// Reads `wrk`'s text report; `None` when the lines it always prints
/// (`requests in`, `Requests/sec`) are missing.
pub fn parse_wrk(text: &str) -> Option<WrkReport> {
    let mut report = WrkReport::default();
    let mut seen = (false, false);
    for line in text.lines().map(str::trim) {
        if let Some((n, _)) = line.split_once(" requests in ") {
            report.requests = n.trim().parse().ok()?;
            seen.0 = true;
        } else if let Some(rate) = line.strip_prefix("Requests/sec:") {
            report.per_sec = rate.trim().parse().ok()?;
            seen.1 = true;
        } else if let Some(errors) = line.strip_prefix("Socket errors:") {
            // "connect 0, read 0, write 0, timeout 0"
            report.socket_errors = errors
                .split(',')
                .filter_map(|kind| kind.split_whitespace().nth(1)?.parse::<u64>().ok())
                .sum();
        } else if let Some(n) = line.strip_prefix("Non-2xx or 3xx responses:") {
            report.non_2xx = n.trim().parse().ok()?;
        }
    }
    (seen == (true, true)).then_some(report)
}

/// Runs `wrk` with one thread and `conns` connections against `addr` for
/// `secs` seconds.
///
/// # Errors
/// `NotFound` when `wrk` is not installed; `InvalidData` when it fails or
/// its report cannot be read.
pub fn wrk(addr: SocketAddr, conns: usize, secs: u64) -> io::Result<WrkReport> {
    let out = Command::new("wrk")
        .args([
            "-t1",
            &format!("-c{conns}"),
            &format!("-d{secs}s"),
            "--timeout",
            "10s",
        ])
        .arg(format!("http://{addr}/"))
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    match parse_wrk(&text) {
        Some(report) if out.status.success() => Ok(report),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "wrk ({}): {text}{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ),
        )),
    }
}

/// One measured run of one contender.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    /// `wrk`'s report of the measured run.
    pub wrk: WrkReport,
    /// The server's CPU time per response, nanoseconds.
    pub cpu_ns_per_req: f64,
    /// The server's context switches per response.
    pub switches_per_req: f64,
    /// `wrk`'s CPU time per response, nanoseconds: on a box where client
    /// and server share the cores, a server that makes the client work
    /// harder per response (more, smaller reads) is slower for it.
    pub client_cpu_ns_per_req: f64,
}

/// Starts `contender`, warms it up with `warmup` seconds of `wrk`, then
/// measures `secs` seconds of `wrk` at `conns` connections with the
/// process's CPU time around it; stops the server.
///
/// # Errors
/// As [`wrk`]; `InvalidData` also when the run got no response at all.
pub fn measure(contender: Contender, conns: usize, secs: u64, warmup: u64) -> io::Result<Sample> {
    let server = contender.start();
    if warmup > 0 {
        wrk(server.addr(), conns, warmup)?;
    }
    let (server_before, client_before) = (Usage::this_process(), Usage::children());
    let report = wrk(server.addr(), conns, secs)?;
    let server_used = Usage::this_process().since(server_before);
    let client_used = Usage::children().since(client_before);
    drop(server);
    if report.requests == 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: wrk got no response", contender.name()),
        ));
    }
    let requests = report.requests as f64;
    Ok(Sample {
        wrk: report,
        cpu_ns_per_req: server_used.cpu.as_nanos() as f64 / requests,
        switches_per_req: server_used.switches as f64 / requests,
        client_cpu_ns_per_req: client_used.cpu.as_nanos() as f64 / requests,
    })
}

/// The median of `values` (the mean of the middle two for an even count).
///
/// # Panics
/// If `values` is empty.
pub fn median(values: &[f64]) -> f64 {
    assert!(!values.is_empty(), "no samples");
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    }
}

/// `name` from the environment as a number, else `default` (the custom
/// benches' knobs: rounds, seconds, scale).
pub fn knob(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Reports a failed [`write_estimate`] (the bench's table is printed
/// anyway), or, given `Ok` for the last one, nothing.
pub fn report_write(dir: &Path, written: io::Result<()>) {
    if let Err(e) = written {
        eprintln!(
            "cannot write criterion estimates under {}: {e}",
            dir.display()
        );
    }
}

/// The closing line of a custom bench: where `compare` finds its medians.
pub fn announce_estimates(dir: &Path) {
    println!(
        "\nmedians written for `cargo run -p hive-benches --release --bin compare` under {}",
        dir.display()
    );
}

/// Where criterion (and so the `compare` program) keeps its results:
/// `$CRITERION_HOME`, else `criterion` in the cargo target directory this
/// bench binary was built into (the nearest ancestor with cargo's
/// `CACHEDIR.TAG`), else `target/criterion`.
pub fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    std::env::current_exe()
        .ok()
        .and_then(|exe| {
            exe.ancestors()
                .find(|dir| dir.join("CACHEDIR.TAG").is_file())
                .map(Path::to_path_buf)
        })
        .unwrap_or_else(|| PathBuf::from("target"))
        .join("criterion")
}

/// Records `median_ns` as benchmark `group/function` the way criterion
/// does (`new/estimates.json`, `new/benchmark.json`), so `compare` tables
/// it beside the criterion benches; `elements` per iteration, if given,
/// becomes criterion's `Throughput::Elements` (for `compare`'s rates).
///
/// # Errors
/// If the files cannot be written.
pub fn write_estimate(
    dir: &Path,
    group: &str,
    function: &str,
    median_ns: f64,
    elements: Option<u64>,
) -> io::Result<()> {
    let throughput = elements.map(|n| serde_json::json!({ "Elements": n }));
    write_estimate_with(dir, group, function, median_ns, throughput)
}

/// [`write_estimate`] with criterion's throughput given as its JSON
/// (`{"Elements": n}` or `{"Bytes": n}` per iteration), or none.
///
/// # Errors
/// If the files cannot be written.
pub fn write_estimate_with(
    dir: &Path,
    group: &str,
    function: &str,
    median_ns: f64,
    throughput: Option<serde_json::Value>,
) -> io::Result<()> {
    let new = dir.join(group).join(function).join("new");
    std::fs::create_dir_all(&new)?;
    let estimate = serde_json::json!({ "median": { "point_estimate": median_ns } });
    let benchmark = serde_json::json!({
        "group_id": group,
        "function_id": function,
        "value_str": null,
        "throughput": throughput,
        "full_id": format!("{group}/{function}"),
        "directory_name": format!("{group}/{function}"),
        "title": format!("{group}/{function}"),
    });
    std::fs::write(new.join("estimates.json"), estimate.to_string())?;
    std::fs::write(new.join("benchmark.json"), benchmark.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The header names of a response, lowercased and sorted.
    fn header_names(response: &str) -> Vec<String> {
        let head = response.split("\r\n\r\n").next().unwrap();
        let mut names: Vec<String> = head
            .lines()
            .skip(1)
            .filter_map(|line| Some(line.split_once(':')?.0.to_ascii_lowercase()))
            .collect();
        names.sort();
        names
    }

    #[test]
    fn every_contender_answers_the_same() {
        let mut seen = Vec::new();
        for contender in Contender::ALL {
            let server = contender.start();
            let response = probe(server.addr()).unwrap();
            drop(server);
            assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
            assert!(response.ends_with(&format!("\r\n\r\n{BODY}")), "{response}");
            seen.push((contender, header_names(&response)));
        }
        // `connection: close` echoes the probe's own request header.
        let expected = ["connection", "content-length", "content-type", "date"];
        for (contender, names) in seen {
            assert_eq!(names, expected, "{}", contender.name());
        }
    }

    #[test]
    fn wrk_reports_are_read() {
        let text = "Running 2s test @ http://127.0.0.1:4000/
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   1.01ms  200.00us   5.00ms   90.00%
    Req/Sec    60.00k     1.00k   62.00k    80.00%
  120345 requests in 2.00s, 14.00MB read
  Socket errors: connect 0, read 3, write 1, timeout 2
  Non-2xx or 3xx responses: 7
Requests/sec:  60172.50
Transfer/sec:      7.00MB
";
        let report = parse_wrk(text).unwrap();
        assert_eq!(
            report,
            WrkReport {
                requests: 120345,
                per_sec: 60172.5,
                socket_errors: 6,
                non_2xx: 7
            }
        );
        assert_eq!(parse_wrk("unable to connect to 127.0.0.1:1"), None);
    }

    #[test]
    fn medians() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
    }

    #[test]
    fn usage_grows() {
        let before = Usage::this_process();
        let mut x = 0u64;
        for i in 0..5_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        std::hint::black_box(x);
        assert!(Usage::this_process().since(before).cpu > Duration::ZERO);
        let children = Usage::children();
        Command::new("true").status().unwrap();
        assert!(Usage::children().since(children).cpu <= Duration::from_secs(1));
    }

    #[test]
    fn estimates_are_written_as_criterion_does() {
        let dir = std::env::temp_dir().join(format!("hive-http-estimates-{}", std::process::id()));
        write_estimate(&dir, "http_hello_64c", "hive", 20_000.0, Some(1)).unwrap();
        let new = dir.join("http_hello_64c/hive/new");
        let read = |name: &str| -> serde_json::Value {
            serde_json::from_str(&std::fs::read_to_string(new.join(name)).unwrap()).unwrap()
        };
        assert_eq!(read("estimates.json")["median"]["point_estimate"], 20_000.0);
        let benchmark = read("benchmark.json");
        assert_eq!(benchmark["group_id"], "http_hello_64c");
        assert_eq!(benchmark["throughput"]["Elements"], 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
