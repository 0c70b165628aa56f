//! An echo client: sends a few lines, checks each echo, exits.
//!
//! ```text
//! cargo run --example echo_client -- [ADDR] [--lines N]
//! ```

use hive::net::open_connection;

#[hive::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let addr = args
        .iter()
        .find(|a| !a.starts_with("--") && a.contains(':'))
        .cloned()
        .unwrap_or_else(|| "127.0.0.1:8888".into());
    let lines: usize = args
        .iter()
        .position(|a| a == "--lines")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(5);

    let (mut reader, writer) = open_connection(addr.as_str())
        .await
        .expect("could not connect");
    for i in 0..lines {
        let line = format!("hello {i}\n");
        writer.write(line.as_bytes());
        writer.drain().await.expect("the server went away");
        let echoed = reader.readline().await.expect("read failed");
        assert_eq!(echoed, line.as_bytes(), "the echo differs");
        print!("echoed: {}", String::from_utf8_lossy(&echoed));
    }
    writer.close();
    writer.wait_closed().await.unwrap();
}
