//! `Server`: listening sockets, their accept loops, and the connections
//! they started (asyncio's `Server` object).

use crate::conn::Addr;
use crate::loom::sync::atomic::{AtomicU64, Ordering};
use crate::loom::sync::{Arc, Mutex};
use crate::server_life::ServerLife;
use crate::write_core::{Closing, WriteCore};
use hive_runtime::Task;
use std::collections::HashMap;
use std::fmt;
use std::future::poll_fn;
use std::os::fd::OwnedFd;
use std::path::PathBuf;

/// A running server: its listeners accept in background tasks and each
/// connection runs its handler (asyncio's `Server`, as returned by
/// `start_server`). Cloning gives another handle to the same server;
/// dropping every handle leaves it serving until the runtime shuts down.
///
/// ```
/// # hive::run(async {
/// let server = hive::net::start_server(
///     |_r, w| async move { w.write(b"hi\n"); let _ = w.drain().await; },
///     "127.0.0.1:0",
/// ).await.unwrap();
/// let addr = server.local_addrs()[0].as_inet().unwrap();
/// let (mut r, _w) = hive::net::open_connection(addr).await.unwrap();
/// assert_eq!(r.readline().await.unwrap(), b"hi\n");
/// server.close();
/// server.wait_closed().await;
/// assert!(!server.is_serving());
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.Server")]
#[derive(Clone)]
pub struct Server {
    pub(crate) shared: Arc<ServerShared>,
}

pub(crate) struct ServerShared {
    state: Mutex<ServerState>,
    accept_errors: AtomicU64,
    local_addrs: Mutex<Vec<Addr>>,
    unix_path: Mutex<Option<PathBuf>>,
}

#[derive(Default)]
struct ServerState {
    accept_tasks: Vec<Task<()>>,
    /// Duplicates of the listening sockets, shut down by `close` so the
    /// OS refuses new connections before `close` returns (the accept
    /// tasks, which own the listeners, end a moment later on their loops).
    listeners: Vec<OwnedFd>,
    clients: HashMap<u64, Arc<WriteCore>>,
    /// Closed, the running counts, `wait_closed`'s waiters (modelled).
    life: ServerLife,
}

impl Server {
    pub(crate) fn new() -> Server {
        Server {
            shared: Arc::new(ServerShared {
                state: Mutex::new(ServerState::default()),
                accept_errors: AtomicU64::new(0),
                local_addrs: Mutex::new(Vec::new()),
                unix_path: Mutex::new(None),
            }),
        }
    }

    pub(crate) fn add_listener(&self, addr: Addr, task: Task<()>, socket: OwnedFd) {
        self.shared.local_addrs.lock().push(addr);
        let mut st = self.shared.state.lock();
        st.accept_tasks.push(task);
        st.listeners.push(socket);
    }

    pub(crate) fn set_unix_path(&self, path: PathBuf) {
        *self.shared.unix_path.lock() = Some(path);
    }

    /// Counts an accept loop as running until the guard drops.
    pub(crate) fn accept_guard(&self) -> AcceptGuard {
        self.shared.state.lock().life.start_accept();
        AcceptGuard {
            shared: self.shared.clone(),
        }
    }

    pub(crate) fn count_accept_error(&self) {
        self.shared.accept_errors.fetch_add(1, Ordering::Relaxed);
    }

    /// Registers a new connection; `None` once the server is closed.
    pub(crate) fn client_guard(&self) -> ClientGuard {
        let id = self.shared.state.lock().life.start_client();
        ClientGuard {
            shared: self.shared.clone(),
            id,
        }
    }

    /// True while the listeners accept (asyncio's `is_serving`).
    ///
    /// ```
    /// # hive::run(async {
    /// let s = hive::net::start_server(|_r, _w| async {}, "127.0.0.1:0").await.unwrap();
    /// assert!(s.is_serving());
    /// s.close();
    /// assert!(!s.is_serving());
    /// # }).unwrap();
    /// ```
    #[doc(alias = "Server.is_serving")]
    pub fn is_serving(&self) -> bool {
        !self.shared.state.lock().life.is_closed()
    }

    /// The addresses listened on (asyncio's `Server.sockets`): one per
    /// listener (per loop with `per_loop`, all the same address).
    ///
    /// ```
    /// # hive::run(async {
    /// let s = hive::net::start_server(|_r, _w| async {}, "127.0.0.1:0").await.unwrap();
    /// assert_ne!(s.local_addrs()[0].as_inet().unwrap().port(), 0);
    /// # }).unwrap();
    /// ```
    #[doc(alias = "Server.sockets")]
    pub fn local_addrs(&self) -> Vec<Addr> {
        self.shared.local_addrs.lock().clone()
    }

    /// Stops listening: the listeners close before this returns, so new
    /// connections are refused (a Unix server removes its socket file);
    /// connections already accepted go on (asyncio's `close`).
    ///
    /// ```
    /// # hive::run(async {
    /// let s = hive::net::start_server(|_r, _w| async {}, "127.0.0.1:0").await.unwrap();
    /// s.close();
    /// s.wait_closed().await;
    /// # }).unwrap();
    /// ```
    #[doc(alias = "Server.close")]
    pub fn close(&self) {
        let tasks = {
            let mut st = self.shared.state.lock();
            if !st.life.close() {
                return;
            }
            (
                std::mem::take(&mut st.accept_tasks),
                std::mem::take(&mut st.listeners),
            )
        };
        let (tasks, listeners) = tasks;
        for socket in &listeners {
            // Takes the socket out of the listening state at once: new
            // connections are refused (RST) from here on, also on a
            // per-loop SO_REUSEPORT group. Errors mean it is already gone.
            let _ = socket2::SockRef::from(socket).shutdown(std::net::Shutdown::Both);
        }
        for t in &tasks {
            t.cancel();
        }
        if let Some(path) = self.shared.unix_path.lock().take() {
            let _ = std::fs::remove_file(path);
        }
    }

    /// Closes every connection gracefully, after its buffered data
    /// (asyncio 3.13's `close_clients`).
    ///
    /// ```
    /// # hive::run(async {
    /// let s = hive::net::start_server(|_r, _w| async {}, "127.0.0.1:0").await.unwrap();
    /// s.close_clients();
    /// # }).unwrap();
    /// ```
    #[doc(alias = "Server.close_clients")]
    pub fn close_clients(&self) {
        let clients: Vec<_> = self.shared.state.lock().clients.values().cloned().collect();
        for c in clients {
            c.close(Closing::Close);
        }
    }

    /// Closes every connection at once, dropping buffered data (asyncio
    /// 3.13's `abort_clients`).
    ///
    /// ```
    /// # hive::run(async {
    /// let s = hive::net::start_server(|_r, _w| async {}, "127.0.0.1:0").await.unwrap();
    /// s.abort_clients();
    /// # }).unwrap();
    /// ```
    #[doc(alias = "Server.abort_clients")]
    pub fn abort_clients(&self) {
        let clients: Vec<_> = self.shared.state.lock().clients.values().cloned().collect();
        for c in clients {
            c.abort();
        }
    }

    /// Waits until the server is closed, its accept loops have stopped and
    /// every connection handler has returned (asyncio 3.12+'s `wait_closed`).
    ///
    /// ```
    /// # hive::run(async {
    /// let s = hive::net::start_server(|_r, _w| async {}, "127.0.0.1:0").await.unwrap();
    /// s.close();
    /// s.wait_closed().await;
    /// assert_eq!(s.connections(), 0);
    /// # }).unwrap();
    /// ```
    #[doc(alias = "Server.wait_closed")]
    pub async fn wait_closed(&self) {
        poll_fn(|cx| self.shared.state.lock().life.poll_done(cx.waker())).await
    }

    /// Serves until [`close`](Server::close) is called; if this future is
    /// dropped (cancelled) first, it closes the server (asyncio's
    /// `serve_forever`: accepting already started with the server).
    ///
    /// ```
    /// # hive::run(async {
    /// let s = hive::net::start_server(|_r, _w| async {}, "127.0.0.1:0").await.unwrap();
    /// let forever = hive::spawn({ let s = s.clone(); async move { s.serve_forever().await } });
    /// s.close();
    /// forever.await.unwrap();
    /// # }).unwrap();
    /// ```
    #[doc(alias = "Server.serve_forever")]
    pub async fn serve_forever(&self) {
        // Owns a handle rather than borrowing `self`: the guard must not
        // depend on memory outside this future when the future is dropped.
        struct CloseOnDrop(Server);
        impl Drop for CloseOnDrop {
            fn drop(&mut self) {
                self.0.close();
            }
        }
        let _guard = CloseOnDrop(self.clone());
        poll_fn(|cx| self.shared.state.lock().life.poll_closed(cx.waker())).await
    }

    /// Connections whose handler is still running.
    ///
    /// ```
    /// # hive::run(async {
    /// let s = hive::net::start_server(|_r, _w| async {}, "127.0.0.1:0").await.unwrap();
    /// assert_eq!(s.connections(), 0);
    /// # }).unwrap();
    /// ```
    pub fn connections(&self) -> usize {
        self.shared.state.lock().life.connections()
    }

    /// Accept errors survived so far (`EMFILE`, `ENFILE`, `ECONNABORTED`,
    /// ...): each is logged, the loop backs off if it must, and goes on.
    ///
    /// ```
    /// # hive::run(async {
    /// let s = hive::net::start_server(|_r, _w| async {}, "127.0.0.1:0").await.unwrap();
    /// assert_eq!(s.accept_errors(), 0);
    /// # }).unwrap();
    /// ```
    pub fn accept_errors(&self) -> u64 {
        self.shared.accept_errors.load(Ordering::Relaxed)
    }
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("addrs", &self.local_addrs())
            .field("serving", &self.is_serving())
            .field("connections", &self.connections())
            .finish()
    }
}

/// Keeps a connection counted until its handler returns.
pub(crate) struct ClientGuard {
    shared: Arc<ServerShared>,
    id: u64,
}

impl ClientGuard {
    /// Lets `close_clients`/`abort_clients` reach this connection.
    pub(crate) fn register(&self, core: Arc<WriteCore>) {
        self.shared.state.lock().clients.insert(self.id, core);
    }
}

impl Drop for ClientGuard {
    fn drop(&mut self) {
        let core = {
            let mut st = self.shared.state.lock();
            st.life.end_client();
            st.clients.remove(&self.id)
        };
        // Dropped after the unlock: this is often the connection's last
        // `Arc<WriteCore>`, whose drop closes and deregisters the socket.
        // Under the server-wide lock those syscalls made every other loop
        // ending a connection wait on the lock's futex (perf: two thirds of
        // the loops' context switches in 64 concurrent TLS handshakes).
        drop(core);
    }
}

pub(crate) struct AcceptGuard {
    shared: Arc<ServerShared>,
}

impl Drop for AcceptGuard {
    fn drop(&mut self) {
        self.shared.state.lock().life.end_accept();
    }
}
