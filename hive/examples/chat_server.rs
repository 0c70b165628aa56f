//! A chat server with one `SO_REUSEPORT` listener per loop
//! (`start_server(..).per_loop(true)`): each client stays on the loop that
//! accepted it; every line a client sends goes to every client. Each loop
//! sleeps in its own reactor when idle (`idle_watcher = false`), the
//! setting for thread-per-core serving.
//!
//! ```text
//! cargo run --example chat_server -- [ADDR] [--count N]
//! ```
//! With `--count N` it exits once N clients have come and gone.

use hive::net::{start_server, StreamWriter};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct Room {
    members: Mutex<HashMap<usize, StreamWriter>>,
    next_id: AtomicUsize,
    left: AtomicUsize,
}

impl Room {
    fn broadcast(&self, line: &[u8]) {
        for w in self.members.lock().unwrap().values() {
            w.write(line); // never blocks; a slow member buffers
        }
    }
}

#[hive::main(idle_watcher = false)]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let addr = args
        .iter()
        .find(|a| !a.starts_with("--") && a.contains(':'))
        .cloned()
        .unwrap_or_else(|| "127.0.0.1:8889".into());
    let count: Option<usize> = args
        .iter()
        .position(|a| a == "--count")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok());

    let room = Arc::new(Room::default());
    let done = Arc::new(hive::sync::Event::new());
    let server = start_server(
        {
            let room = room.clone();
            let done = done.clone();
            move |mut reader, writer| {
                let room = room.clone();
                let done = done.clone();
                async move {
                    let id = room.next_id.fetch_add(1, Ordering::SeqCst);
                    let here = hive::current_loop_id().map(|l| l.index()).unwrap_or(0);
                    room.members.lock().unwrap().insert(id, writer.clone());
                    room.broadcast(format!("* client {id} joined (loop {here})\n").as_bytes());
                    while let Ok(line) = reader.readline().await {
                        if line.is_empty() {
                            break;
                        }
                        let mut msg = format!("[{id}] ").into_bytes();
                        msg.extend_from_slice(&line);
                        room.broadcast(&msg);
                        if writer.drain().await.is_err() {
                            break;
                        }
                    }
                    room.members.lock().unwrap().remove(&id);
                    room.broadcast(format!("* client {id} left\n").as_bytes());
                    writer.close();
                    let left = room.left.fetch_add(1, Ordering::SeqCst) + 1;
                    if count.is_some_and(|c| left >= c) {
                        done.set();
                    }
                }
            }
        },
        addr.as_str(),
    )
    .per_loop(true)
    .await
    .expect("could not start the server");
    println!(
        "chat server on {} ({} listeners, one per loop)",
        server.local_addrs()[0],
        server.local_addrs().len()
    );
    if count.is_some() {
        done.wait().await;
    } else {
        server.serve_forever().await;
    }
    server.close();
    server.wait_closed().await;
    println!("{} clients came and went", room.left.load(Ordering::SeqCst));
}
