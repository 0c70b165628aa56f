//! A shell pipeline, `seq 1 N | sort -r`, run through hive: two real
//! programs, with hive copying between them (the bytes pass through this
//! process, as they would through a filter you write in between).
//!
//! ```text
//! cargo run --example pipeline -- [N]
//! ```
//! N defaults to 10. Prints sort's output and both exit statuses.

use hive::process::{Command, Stdio};
use std::io::Write;

#[hive::main]
async fn main() -> std::io::Result<()> {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10);

    let mut seq = Command::new("seq")
        .args(["1", &n.to_string()])
        .stdout(Stdio::Piped)
        .kill_on_drop(true)
        .spawn()?;
    let mut sort = Command::new("sort")
        .arg("-rn")
        .stdin(Stdio::Piped)
        .stdout(Stdio::Piped)
        .kill_on_drop(true)
        .spawn()?;

    // The pump: seq's stdout into sort's stdin, with `drain` as the
    // backpressure point, then EOF so sort can finish.
    let mut from = seq.stdout.take().expect("seq's stdout is piped");
    let to = sort.stdin.take().expect("sort's stdin is piped");
    let pump = hive::spawn(async move {
        loop {
            let chunk = from.read(64 * 1024).await?;
            if chunk.is_empty() {
                break;
            }
            to.write(&chunk);
            to.drain().await?;
        }
        to.close();
        to.wait_closed().await
    });

    // Read sort's output while the pump runs (communicate drains stdout).
    let sorted = sort.communicate(None).await?;
    pump.await
        .map_err(|e| std::io::Error::other(e.to_string()))??;
    let seq_status = seq.wait().await?;

    eprintln!("seq: {seq_status}, sort: {}", sorted.status);
    // A closed stdout (`| head`) is the reader's choice, not an error.
    match std::io::stdout().write_all(&sorted.stdout) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r,
    }
}
