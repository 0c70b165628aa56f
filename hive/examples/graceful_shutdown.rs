//! A server that shuts down gracefully on SIGTERM: it stops accepting,
//! lets the connections in flight finish, then exits, as a service manager
//! (systemd, Kubernetes) expects. Ctrl-C keeps `hive::run`'s behaviour
//! (asyncio's): it cancels `main` at once.
//!
//! ```text
//! cargo run --example graceful_shutdown -- [ADDR]
//! kill -TERM <pid>
//! ```
//! ADDR defaults to 127.0.0.1:8889. Each connection gets a line back per
//! line it sends, until it closes or the server shuts down.

use hive::net::{start_server, StreamReader, StreamWriter};
use hive::signal::{signal, SignalKind};
use std::time::Duration;

/// How long connections get to finish once shutdown starts.
const GRACE: Duration = Duration::from_secs(10);

async fn handle(mut reader: StreamReader, writer: StreamWriter) {
    while let Ok(line) = reader.readline().await {
        if line.is_empty() {
            break;
        }
        writer.write(b"you said: ");
        writer.write(&line);
        if writer.drain().await.is_err() {
            return;
        }
    }
    writer.close();
    let _ = writer.wait_closed().await;
}

#[hive::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8889".into());
    // Subscribe before announcing readiness, so no early SIGTERM is lost.
    let mut term = signal(SignalKind::terminate())?;
    let server = start_server(handle, addr.as_str()).await?;
    eprintln!(
        "serving on {} (pid {}); send SIGTERM to stop gracefully",
        server.local_addrs()[0],
        std::process::id()
    );

    term.recv().await;
    eprintln!(
        "SIGTERM: closing the listener; {} connection(s) finishing",
        server.connections()
    );
    server.close();
    // Ask the clients to finish (they get EOF after their buffered data),
    // then wait for the handlers, bounded by GRACE.
    server.close_clients();
    if hive::timeout(GRACE, server.wait_closed()).await.is_err() {
        eprintln!("grace period over: aborting the remaining connections");
        server.abort_clients();
        server.wait_closed().await;
    }
    eprintln!("shut down cleanly");
    Ok(())
}
