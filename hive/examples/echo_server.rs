//! An echo server on asyncio-style streams: one listener, connections
//! spread over every loop.
//!
//! ```text
//! cargo run --example echo_server -- [ADDR] [--count N]
//! ```
//! ADDR defaults to 127.0.0.1:8888; with `--count N` it exits after serving
//! N connections (for smoke tests), else it serves until Ctrl-C.

use hive::net::{start_server, StreamReader, StreamWriter};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

async fn echo(mut reader: StreamReader, writer: StreamWriter) {
    loop {
        match reader.read(64 * 1024).await {
            Ok(data) if !data.is_empty() => {
                writer.write(&data);
                if writer.drain().await.is_err() {
                    return;
                }
            }
            _ => break,
        }
    }
    writer.close();
    let _ = writer.wait_closed().await;
}

#[hive::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let addr = args
        .iter()
        .find(|a| !a.starts_with("--") && a.contains(':'))
        .cloned()
        .unwrap_or_else(|| "127.0.0.1:8888".into());
    let count: Option<usize> = args
        .iter()
        .position(|a| a == "--count")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok());

    let served = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(hive::sync::Event::new());
    let server = start_server(
        {
            let served = served.clone();
            let done = done.clone();
            move |r, w| {
                let served = served.clone();
                let done = done.clone();
                async move {
                    echo(r, w).await;
                    let n = served.fetch_add(1, Ordering::SeqCst) + 1;
                    if count.is_some_and(|c| n >= c) {
                        done.set();
                    }
                }
            }
        },
        addr.as_str(),
    )
    .await
    .expect("could not start the server");
    println!("echo server listening on {}", server.local_addrs()[0]);
    if count.is_some() {
        done.wait().await;
    } else {
        server.serve_forever().await;
    }
    server.close();
    server.wait_closed().await;
    println!("served {} connections", served.load(Ordering::SeqCst));
}
