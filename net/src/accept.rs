//! Accept loops: take connections from a listener, place each on a loop's
//! reactor, start its handler there, and survive accept errors.
//!
//! Placement is what keeps every core doing I/O (DESIGN.md section 4): a
//! socket's readiness is only seen by the loop it is registered with, and a
//! woken task lands on that loop. With one listener, connections are
//! registered round-robin over every loop's reactor and their (stealable)
//! tasks start there; with per-loop listeners, each connection stays on the
//! loop that accepted it and its task is pinned there.

use crate::conn::Conn;
use crate::loom::sync::Arc;
use crate::server::{AcceptGuard, ClientGuard, Server};
use crate::{TcpListener, TcpStream, UnixListener, UnixStream};
use hive_runtime::LoopId;
use std::future::poll_fn;
use std::io;
use std::time::Duration;

/// Starts a connection's task: `(conn, loop, pinned, guard)`.
pub(crate) type Spawner = Arc<dyn Fn(Conn, LoopId, bool, ClientGuard) + Send + Sync>;

pub(crate) enum Listener {
    Tcp(TcpListener),
    Unix(UnixListener),
}

enum Accepted {
    Tcp(mio::net::TcpStream, std::net::SocketAddr),
    Unix(mio::net::UnixStream),
}

/// Where accepted connections go.
#[derive(Clone, Copy)]
pub(crate) enum Placement {
    /// Round-robin over every loop; stealable tasks.
    Spread,
    /// The listener's loop; stealable tasks.
    ListenerLoop,
    /// This loop; pinned tasks.
    Pinned(LoopId),
}

const BACKOFF_MIN: Duration = Duration::from_millis(5);
const BACKOFF_MAX: Duration = Duration::from_secs(1);

pub(crate) async fn accept_loop(
    listener: Listener,
    placement: Placement,
    server: Server,
    spawner: Spawner,
    _running: AcceptGuard,
) {
    let loops = hive_runtime::loop_ids();
    let mut next = 0usize;
    let mut backoff = BACKOFF_MIN;
    loop {
        let accepted = poll_fn(|cx| match &listener {
            Listener::Tcp(l) => l
                .poll_accept_raw(cx)
                .map_ok(|(s, peer)| Accepted::Tcp(s, peer)),
            Listener::Unix(l) => l.poll_accept_raw(cx).map_ok(|(s, _)| Accepted::Unix(s)),
        })
        .await;
        let accepted = match accepted {
            Ok(a) => a,
            Err(e) => {
                server.count_accept_error();
                if let Some(pause) = accept_error_pause(&e, &mut backoff) {
                    hive_runtime::sleep(pause).await;
                }
                continue;
            }
        };
        backoff = BACKOFF_MIN;
        let (loop_id, pinned) = match placement {
            Placement::Pinned(id) => (id, true),
            Placement::ListenerLoop => (listener_loop(&listener), false),
            Placement::Spread => {
                next = (next + 1) % loops.len().max(1);
                (
                    loops.get(next).copied().unwrap_or(listener_loop(&listener)),
                    false,
                )
            }
        };
        let conn = match accepted {
            Accepted::Tcp(s, peer) => {
                // asyncio sets TCP_NODELAY on every TCP transport.
                let _ = s.set_nodelay(true);
                TcpStream::from_mio(s, Some(loop_id))
                    .map(|s| Conn::Tcp(Arc::new(s.with_peer(peer))))
            }
            Accepted::Unix(s) => {
                UnixStream::from_mio(s, Some(loop_id)).map(|s| Conn::Unix(Arc::new(s)))
            }
        };
        match conn {
            Ok(conn) => spawner(conn, loop_id, pinned, server.client_guard()),
            Err(e) => tracing::warn!("hive-net: could not register an accepted connection: {e}"),
        }
    }
}

fn listener_loop(l: &Listener) -> LoopId {
    match l {
        Listener::Tcp(l) => l.loop_id(),
        Listener::Unix(l) => l.io.loop_id(),
    }
}

/// Logs an accept error; how long to back off before accepting again.
///
/// Out of descriptors or memory: the pending connection stays in the
/// backlog, so back off (doubling up to 1 s) and retry rather than spin.
/// A connection the peer aborted before we took it: just go on.
fn accept_error_pause(e: &io::Error, backoff: &mut Duration) -> Option<Duration> {
    match e.raw_os_error() {
        Some(libc::ECONNABORTED | libc::EINTR | libc::EPROTO | libc::EPERM) => {
            tracing::debug!("hive-net: accept: {e} (connection dropped by the peer); continuing");
            None
        }
        Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM) => {
            tracing::warn!(
                "hive-net: accept: {e}; out of resources, backing off {:?} and serving on (raise the fd limit with `ulimit -n`)",
                *backoff
            );
            let pause = *backoff;
            *backoff = (*backoff * 2).min(BACKOFF_MAX);
            Some(pause)
        }
        _ => {
            tracing::error!(
                "hive-net: accept failed: {e}; backing off {:?} and serving on",
                *backoff
            );
            let pause = *backoff;
            *backoff = (*backoff * 2).min(BACKOFF_MAX);
            Some(pause)
        }
    }
}
