//! A chat client: joins, says a few lines, prints what the room says, and
//! leaves once its own lines have come back.
//!
//! ```text
//! cargo run --example chat_client -- [ADDR] [--lines N]
//! ```

use hive::net::open_connection;
use std::time::Duration;

#[hive::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let addr = args
        .iter()
        .find(|a| !a.starts_with("--") && a.contains(':'))
        .cloned()
        .unwrap_or_else(|| "127.0.0.1:8889".into());
    let lines: usize = args
        .iter()
        .position(|a| a == "--lines")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(3);

    let (mut reader, writer) = open_connection(addr.as_str())
        .await
        .expect("could not connect");
    let me = std::process::id();
    for i in 0..lines {
        writer.write(format!("message {i} from {me}\n").as_bytes());
    }
    writer.drain().await.expect("the server went away");
    let mut mine = 0;
    let outcome = hive::timeout(Duration::from_secs(10), async {
        while mine < lines {
            let line = reader.readline().await.expect("read failed");
            if line.is_empty() {
                break;
            }
            print!("{}", String::from_utf8_lossy(&line));
            if String::from_utf8_lossy(&line).contains(&format!("from {me}")) {
                mine += 1;
            }
        }
    })
    .await;
    if outcome.is_err() {
        eprintln!("gave up waiting for the room after 10 s");
    }
    writer.close();
    writer.wait_closed().await.unwrap();
}
