//! Prints one markdown table of hive/peer median ratios from criterion's output.
//!
//! Usage: `cargo run -p hive-benches --release --bin compare [CRITERION_DIR]`.
//! The directory defaults to `$CARGO_TARGET_DIR/criterion`, else
//! `target/criterion`. For every benchmark `<group>/<function>` with a
//! `new/estimates.json`, it takes `median.point_estimate` (nanoseconds); each
//! group with a `hive` function gives one row per other function (the peers).
//! Groups that declare a criterion throughput (`Throughput::Elements` or
//! `Bytes`, in `new/benchmark.json`) get a second table with both rates at
//! the medians (handshakes/s for `tls_handshake_*`, bytes/s for the echoes).
//! The `http` bench is driven by `wrk`, not criterion, and writes the same
//! files itself (`http_hello_*`: time per request, and `*_cpu`: the
//! server's CPU time per request).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The function id of hive's contender in every group.
const HIVE: &str = "hive";

/// Median in nanoseconds, by group then function id.
type Medians = BTreeMap<String, BTreeMap<String, f64>>;

/// What one iteration of a group processes: criterion's `throughput`.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Throughput {
    /// Items (requests, handshakes ...) per iteration.
    Elements(f64),
    /// Bytes per iteration (`Bytes` and `BytesDecimal` alike).
    Bytes(f64),
}

/// Everything read from criterion's output directory.
#[derive(Debug, Default)]
struct Results {
    medians: Medians,
    /// By group, for the groups that declared one.
    throughputs: BTreeMap<String, Throughput>,
}

fn main() -> ExitCode {
    let dir = match std::env::args_os().nth(1) {
        Some(dir) => PathBuf::from(dir),
        None => default_dir(),
    };
    let data = match collect(&dir) {
        Ok(data) => data,
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            eprintln!(
                "no criterion data at {}: run `cargo bench -p hive-benches` first",
                dir.display()
            );
            return ExitCode::FAILURE;
        }
        Err(err) => {
            eprintln!("cannot read criterion data at {}: {err}", dir.display());
            return ExitCode::FAILURE;
        }
    };
    if data.medians.is_empty() {
        eprintln!(
            "no criterion estimates under {}: run `cargo bench -p hive-benches` first",
            dir.display()
        );
        return ExitCode::FAILURE;
    }
    let table = render(&data);
    if table.rows == 0 {
        eprintln!(
            "criterion data at {} has no group with both a `{HIVE}` and a peer entry: \
             run `cargo bench -p hive-benches` first",
            dir.display()
        );
        return ExitCode::FAILURE;
    }
    print!("{}", table.text);
    ExitCode::SUCCESS
}

fn default_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target"));
    target.join("criterion")
}

/// Reads every `<group>/<function>/new/estimates.json` under `dir`.
///
/// Names (and throughputs) come from criterion's `new/benchmark.json` when
/// present (directory names are sanitised copies), else from the
/// directories.
fn collect(dir: &Path) -> io::Result<Results> {
    let mut data = Results::default();
    for group in fs::read_dir(dir)? {
        let group = group?;
        if !group.file_type()?.is_dir() {
            continue;
        }
        for function in fs::read_dir(group.path())? {
            let function = function?;
            let new = function.path().join("new");
            let Ok(estimates) = fs::read_to_string(new.join("estimates.json")) else {
                continue; // criterion's own `report` folders, half-written runs
            };
            let Some(median) = median_of(&estimates) else {
                eprintln!(
                    "skipping {}: no median.point_estimate",
                    new.join("estimates.json").display()
                );
                continue;
            };
            let benchmark = fs::read_to_string(new.join("benchmark.json")).ok();
            let (group_id, function_id) =
                benchmark.as_deref().and_then(ids_of).unwrap_or_else(|| {
                    (
                        group.file_name().to_string_lossy().into_owned(),
                        function.file_name().to_string_lossy().into_owned(),
                    )
                });
            if let Some(throughput) = benchmark.as_deref().and_then(throughput_of) {
                data.throughputs.insert(group_id.clone(), throughput);
            }
            data.medians
                .entry(group_id)
                .or_default()
                .insert(function_id, median);
        }
    }
    Ok(data)
}

/// `median.point_estimate` from an `estimates.json`.
fn median_of(json: &str) -> Option<f64> {
    let value: serde_json::Value = serde_json::from_str(json).ok()?;
    value.get("median")?.get("point_estimate")?.as_f64()
}

/// `(group_id, function_id)` from a `benchmark.json`.
fn ids_of(json: &str) -> Option<(String, String)> {
    let value: serde_json::Value = serde_json::from_str(json).ok()?;
    let group = value.get("group_id")?.as_str()?.to_owned();
    let function = value.get("function_id")?.as_str()?.to_owned();
    Some((group, function))
}

/// The `throughput` of a `benchmark.json`, if the group declared one
/// (`{"Elements":64}`, `{"Bytes":6400}`, `{"BytesDecimal":6400}`).
fn throughput_of(json: &str) -> Option<Throughput> {
    let value: serde_json::Value = serde_json::from_str(json).ok()?;
    let throughput = value.get("throughput")?;
    if let Some(n) = throughput.get("Elements").and_then(|n| n.as_f64()) {
        return Some(Throughput::Elements(n));
    }
    ["Bytes", "BytesDecimal"]
        .iter()
        .find_map(|key| throughput.get(key)?.as_f64())
        .map(Throughput::Bytes)
}

struct Table {
    text: String,
    rows: usize,
}

/// The markdown table: one row per (group with a `hive` entry, peer); then,
/// if any of those groups declared a throughput, the rates table.
fn render(data: &Results) -> Table {
    let medians = &data.medians;
    let mut text = String::from(
        "| workload | peer | hive median | peer median | hive/peer |\n|---|---|---:|---:|---:|\n",
    );
    let mut rows = 0;
    let mut lonely = Vec::new();
    for (group, functions) in medians {
        let Some(&hive) = functions.get(HIVE) else {
            continue;
        };
        let mut peers = functions
            .iter()
            .filter(|(name, _)| name.as_str() != HIVE)
            .peekable();
        if peers.peek().is_none() {
            lonely.push(group.as_str());
        }
        for (peer, &median) in peers {
            let _ = writeln!(
                text,
                "| {group} | {peer} | {} | {} | {:.2} |",
                format_time(hive),
                format_time(median),
                hive / median
            );
            rows += 1;
        }
    }
    if !lonely.is_empty() {
        let _ = writeln!(text, "\n(no peer measured for: {})", lonely.join(", "));
    }
    render_rates(data, &mut text);
    Table { text, rows }
}

/// The rates table: per iteration's throughput over each median, for the
/// groups with a `hive` entry, a peer and a throughput.
fn render_rates(data: &Results, text: &mut String) {
    let mut rows = String::new();
    for (group, functions) in &data.medians {
        let (Some(&hive), Some(&throughput)) = (functions.get(HIVE), data.throughputs.get(group))
        else {
            continue;
        };
        for (peer, &median) in functions.iter().filter(|(name, _)| name.as_str() != HIVE) {
            let _ = writeln!(
                rows,
                "| {group} | {peer} | {} | {} |",
                format_rate(throughput, hive),
                format_rate(throughput, median)
            );
        }
    }
    if !rows.is_empty() {
        text.push_str("\n| workload | peer | hive rate | peer rate |\n|---|---|---:|---:|\n");
        text.push_str(&rows);
    }
}

/// `throughput` per iteration over `nanos` per iteration, with 3
/// significant digits: `5.21 K/s` (elements, decimal prefixes) or
/// `1.16 GiB/s` (bytes, binary prefixes, as criterion prints them).
fn format_rate(throughput: Throughput, nanos: f64) -> String {
    let (per_second, base, units): (f64, f64, [&str; 4]) = match throughput {
        Throughput::Elements(n) => (n * 1e9 / nanos, 1000.0, ["/s", "K/s", "M/s", "G/s"]),
        Throughput::Bytes(n) => (n * 1e9 / nanos, 1024.0, ["B/s", "KiB/s", "MiB/s", "GiB/s"]),
    };
    let mut value = per_second;
    let mut unit = units[0];
    for next in &units[1..] {
        if value < base {
            break;
        }
        value /= base;
        unit = next;
    }
    format!("{} {unit}", three_digits(value))
}

/// Nanoseconds as a human-readable duration with 3 significant digits.
fn format_time(nanos: f64) -> String {
    let (value, unit) = if nanos >= 1e9 {
        (nanos / 1e9, "s")
    } else if nanos >= 1e6 {
        (nanos / 1e6, "ms")
    } else if nanos >= 1e3 {
        (nanos / 1e3, "µs")
    } else {
        (nanos, "ns")
    };
    format!("{} {unit}", three_digits(value))
}

/// `value` with 3 significant digits (at least 1 integer digit).
fn three_digits(value: f64) -> String {
    let decimals = if value >= 100.0 {
        0
    } else if value >= 10.0 {
        1
    } else {
        2
    };
    format!("{value:.decimals$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh, empty directory under the system temp dir, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> Self {
            let dir =
                std::env::temp_dir().join(format!("hive-compare-{name}-{}", std::process::id()));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }

        fn estimate(&self, group: &str, function: &str, median: f64) {
            let new = self.0.join(group).join(function).join("new");
            fs::create_dir_all(&new).unwrap();
            let json = format!(
                r#"{{"mean":{{"point_estimate":{}}},"median":{{"confidence_interval":{{"confidence_level":0.95,"lower_bound":1.0,"upper_bound":2.0}},"point_estimate":{median},"standard_error":0.5}}}}"#,
                median * 2.0
            );
            fs::write(new.join("estimates.json"), json).unwrap();
        }

        /// A `benchmark.json` declaring `throughput` (criterion's JSON).
        fn benchmark(&self, group: &str, function: &str, throughput: &str) {
            let new = self.0.join(group).join(function).join("new");
            fs::create_dir_all(&new).unwrap();
            let json = format!(
                r#"{{"group_id":"{group}","function_id":"{function}","value_str":null,"throughput":{throughput},"full_id":"{group}/{function}"}}"#
            );
            fs::write(new.join("benchmark.json"), json).unwrap();
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn ratios_per_peer_for_groups_with_hive() {
        let dir = TempDir::new("ratios");
        dir.estimate("spawn_many_local", "hive", 1_500_000.0);
        dir.estimate("spawn_many_local", "tokio", 1_000_000.0);
        dir.estimate("pinned_ping_pong", "hive", 300.0);
        dir.estimate("pinned_ping_pong", "tokio-local", 400.0);
        dir.estimate("pinned_ping_pong", "tokio-localruntime", 200.0);
        dir.estimate("sync_lock_contended", "hive", 2_000.0);
        dir.estimate("sync_lock_contended", "async-lock", 1_000.0);
        dir.estimate("tokio_only", "tokio", 5.0); // no hive entry: no row
        fs::create_dir_all(dir.0.join("spawn_many_local").join("report")).unwrap(); // ignored
        fs::write(dir.0.join("stray.txt"), "ignored").unwrap();

        let data = collect(&dir.0).unwrap();
        assert_eq!(data.medians["spawn_many_local"]["tokio"], 1_000_000.0);
        assert_eq!(data.medians.len(), 4);

        let table = render(&data);
        assert_eq!(table.rows, 4);
        let lines: Vec<&str> = table.text.lines().collect();
        assert_eq!(
            lines[0],
            "| workload | peer | hive median | peer median | hive/peer |"
        );
        assert!(
            lines.contains(&"| spawn_many_local | tokio | 1.50 ms | 1.00 ms | 1.50 |"),
            "{}",
            table.text
        );
        assert!(
            lines.contains(&"| pinned_ping_pong | tokio-local | 300 ns | 400 ns | 0.75 |"),
            "{}",
            table.text
        );
        assert!(
            lines.contains(&"| pinned_ping_pong | tokio-localruntime | 300 ns | 200 ns | 1.50 |"),
            "{}",
            table.text
        );
        assert!(
            lines.contains(&"| sync_lock_contended | async-lock | 2.00 µs | 1.00 µs | 2.00 |"),
            "{}",
            table.text
        );
        assert!(!table.text.contains("tokio_only"));
    }

    #[test]
    fn benchmark_json_names_win_over_directory_names() {
        let dir = TempDir::new("names");
        dir.estimate("remote_spawn_4", "hive", 10.0);
        let new = dir.0.join("remote_spawn_4").join("hive").join("new");
        fs::write(
            new.join("benchmark.json"),
            r#"{"group_id":"remote spawn 4","function_id":"hive"}"#,
        )
        .unwrap();
        let data = collect(&dir.0).unwrap();
        assert!(data.medians.contains_key("remote spawn 4"));
    }

    #[test]
    fn hive_without_peers_is_noted_not_tabled() {
        let dir = TempDir::new("lonely");
        dir.estimate("yield_many", "hive", 10.0);
        let table = render(&collect(&dir.0).unwrap());
        assert_eq!(table.rows, 0);
        assert!(table.text.contains("no peer measured for: yield_many"));
    }

    #[test]
    fn declared_throughputs_give_rates() {
        let dir = TempDir::new("rates");
        for (function, median) in [("hive", 12_500_000.0), ("tokio", 10_000_000.0)] {
            dir.estimate("tls_handshake_64c", function, median);
            dir.benchmark("tls_handshake_64c", function, r#"{"Elements":64}"#);
        }
        for (function, median) in [("hive", 800_000.0), ("tokio", 1_000_000.0)] {
            dir.estimate("tls_echo_64c_16k", function, median);
            dir.benchmark("tls_echo_64c_16k", function, r#"{"Bytes":1048576}"#);
        }
        dir.estimate("spawn_many_local", "hive", 10.0); // no throughput: no rate row
        dir.estimate("spawn_many_local", "tokio", 20.0);

        let data = collect(&dir.0).unwrap();
        assert_eq!(
            data.throughputs["tls_handshake_64c"],
            Throughput::Elements(64.0)
        );
        let table = render(&data);
        assert_eq!(table.rows, 3);
        let lines: Vec<&str> = table.text.lines().collect();
        assert!(
            lines.contains(&"| tls_handshake_64c | tokio | 12.5 ms | 10.0 ms | 1.25 |"),
            "{}",
            table.text
        );
        assert!(
            lines.contains(&"| workload | peer | hive rate | peer rate |"),
            "{}",
            table.text
        );
        assert!(
            lines.contains(&"| tls_handshake_64c | tokio | 5.12 K/s | 6.40 K/s |"),
            "{}",
            table.text
        );
        assert!(
            lines.contains(&"| tls_echo_64c_16k | tokio | 1.22 GiB/s | 1000 MiB/s |"),
            "{}",
            table.text
        );
        assert_eq!(table.text.matches("spawn_many_local").count(), 1);
    }

    #[test]
    fn throughput_kinds() {
        let json = |t: &str| format!(r#"{{"group_id":"g","function_id":"f","throughput":{t}}}"#);
        assert_eq!(
            throughput_of(&json(r#"{"Elements":3}"#)),
            Some(Throughput::Elements(3.0))
        );
        assert_eq!(
            throughput_of(&json(r#"{"BytesDecimal":5}"#)),
            Some(Throughput::Bytes(5.0))
        );
        assert_eq!(throughput_of(&json("null")), None);
        assert_eq!(throughput_of(r#"{"group_id":"g"}"#), None);
        assert_eq!(format_rate(Throughput::Elements(1.0), 2.0), "500 M/s");
        assert_eq!(format_rate(Throughput::Bytes(100.0), 1e9), "100 B/s");
    }

    #[test]
    fn missing_directory_is_not_found_and_bad_json_is_skipped() {
        let err = collect(Path::new("/nonexistent/hive-compare")).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        assert_eq!(median_of("{\"mean\":{}}"), None);
        assert_eq!(median_of("not json"), None);
        assert_eq!(
            median_of(r#"{"median":{"point_estimate":12.5}}"#),
            Some(12.5)
        );
    }

    #[test]
    fn times_are_scaled() {
        assert_eq!(format_time(12.345), "12.3 ns");
        assert_eq!(format_time(1_234.0), "1.23 µs");
        assert_eq!(format_time(123_456_789.0), "123 ms");
        assert_eq!(format_time(2.5e9), "2.50 s");
    }
}
