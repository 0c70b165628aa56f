//! asyncio's stream entry points: `open_connection`, `start_server` and
//! their Unix twins, with the per-loop serving option.

use crate::accept::{accept_loop, Listener, Placement, Spawner};
use crate::addr::{resolve, Target, ToSocketAddrs};
use crate::conn::{Addr, Conn};
use crate::connect::ConnectOptions;
use crate::loom::sync::Arc;
use crate::server::Server;
use crate::tcp_listener::{TcpSocket, DEFAULT_BACKLOG};
use crate::{StreamReader, StreamWriter, UnixListener, UnixStream};
use hive_runtime::LoopId;
use std::future::{Future, IntoFuture};
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;

/// Connects over TCP (Happy Eyeballs over every resolved address,
/// `TCP_NODELAY` on) and returns asyncio's reader/writer pair.
///
/// # Errors
/// The [`ConnectError`](crate::ConnectError) (as `io::Error`), listing what was tried.
///
/// ```
/// # hive::run(async {
/// let server = hive::net::start_server(|mut r, w| async move {
///     let line = r.readline().await.unwrap();
///     w.write(&line);
///     w.drain().await.unwrap();
/// }, "127.0.0.1:0").await.unwrap();
/// let addr = server.local_addrs()[0].as_inet().unwrap();
/// let (mut reader, writer) = hive::net::open_connection(addr).await.unwrap();
/// writer.write(b"echo\n");
/// writer.drain().await.unwrap();
/// assert_eq!(reader.readline().await.unwrap(), b"echo\n");
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.open_connection")]
pub async fn open_connection(addr: impl ToSocketAddrs) -> io::Result<(StreamReader, StreamWriter)> {
    let stream = ConnectOptions::new().nodelay(true).connect(addr).await?;
    Ok(StreamReader::from_tcp(stream))
}

/// Connects to a Unix socket and returns the reader/writer pair.
///
/// # Errors
/// `ENOENT`/`ECONNREFUSED` when nothing listens at `path`.
///
/// ```
/// # hive::run(async {
/// let path = std::env::temp_dir().join(format!("hive-doc-ouc-{}.sock", std::process::id()));
/// let _ = std::fs::remove_file(&path);
/// let server = hive::net::start_unix_server(|_r, w| async move { w.write(b"hello"); w.close(); }, &path).await.unwrap();
/// let (mut r, _w) = hive::net::open_unix_connection(&path).await.unwrap();
/// assert_eq!(r.read_to_end().await.unwrap(), b"hello");
/// server.close();
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.open_unix_connection")]
pub async fn open_unix_connection(
    path: impl AsRef<Path>,
) -> io::Result<(StreamReader, StreamWriter)> {
    Ok(StreamReader::from_unix(UnixStream::connect(path).await?))
}

/// Starts a TCP server calling `handler(reader, writer)` for each
/// connection, in its own task (asyncio's `start_server`). Await it to get
/// the [`Server`]; set options first:
///
/// * default: one listener; connections are spread round-robin over every
///   loop's reactor and their tasks are stealable. Use it for most servers:
///   a busy connection's work may still move to an idle core, and one
///   listener is one port and one accept queue.
/// * [`per_loop(true)`](StartServer::per_loop): one `SO_REUSEPORT` listener
///   per loop; the kernel spreads connections by hash, and each connection's
///   task is pinned to the loop that accepted it (thread-per-core). Use it
///   for many short, similar connections where locality beats balance
///   (no cross-core wakes at all), or when handlers hold `!Send`-friendly
///   per-loop state. A few long, uneven connections can leave cores idle.
///   Build its runtime with
///   [`idle_watcher(false)`](hive_runtime::Builder::idle_watcher), so each
///   idle loop is woken by its own sockets rather than through the one
///   loop that watches every reactor.
/// * [`spread_connections(false)`](StartServer::spread_connections): one
///   listener, and every connection stays on the listener's loop's reactor
///   while its task is still stealable (tokio's multi-thread model). On a
///   few cores it measures like the default; with many, that one reactor
///   is a bottleneck the default avoids. It stays for comparison, and for
///   code that wants tokio's placement exactly.
///
/// ```
/// # hive::run(async {
/// let server = hive::net::start_server(|_r, w| async move { w.write(b"x"); }, "127.0.0.1:0")
///     .per_loop(true)
///     .backlog(256)
///     .await
///     .unwrap();
/// assert_eq!(server.local_addrs().len(), hive::loop_ids().len());
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.start_server")]
#[doc(alias = "serve_on_every_loop")]
pub fn start_server<H, F>(handler: H, addr: impl ToSocketAddrs) -> StartServer
where
    H: Fn(StreamReader, StreamWriter) -> F + Send + Sync + 'static,
    F: Future<Output = ()> + Send + 'static,
{
    StartServer::new(stream_spawner(handler), Bind::Tcp(addr.target()))
}

/// Starts a Unix-socket server (asyncio's `start_unix_server`); the socket
/// file is removed when the server closes. Connections are spread over the
/// loops as with [`start_server`]'s default.
///
/// ```
/// # hive::run(async {
/// let path = std::env::temp_dir().join(format!("hive-doc-sus-{}.sock", std::process::id()));
/// let _ = std::fs::remove_file(&path);
/// let server = hive::net::start_unix_server(|_r, _w| async {}, &path).await.unwrap();
/// assert!(path.exists());
/// server.close();
/// assert!(!path.exists());
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.start_unix_server")]
pub fn start_unix_server<H, F>(handler: H, path: impl AsRef<Path>) -> StartServer
where
    H: Fn(StreamReader, StreamWriter) -> F + Send + Sync + 'static,
    F: Future<Output = ()> + Send + 'static,
{
    StartServer::new(
        stream_spawner(handler),
        Bind::Unix(path.as_ref().to_path_buf()),
    )
}

pub(crate) fn stream_spawner<H, F>(handler: H) -> Box<dyn Fn(usize) -> Spawner + Send>
where
    H: Fn(StreamReader, StreamWriter) -> F + Send + Sync + 'static,
    F: Future<Output = ()> + Send + 'static,
{
    let handler = Arc::new(handler);
    Box::new(move |limit| {
        let handler = handler.clone();
        Arc::new(move |conn: Conn, loop_id: LoopId, pinned: bool, guard| {
            let (reader, writer) = StreamReader::from_conn(conn);
            guard.register(writer.core().clone());
            let fut = handler(reader.with_limit(limit), writer);
            let task = async move {
                let _guard = guard;
                fut.await;
            };
            spawn_conn(task, loop_id, pinned);
        })
    })
}

pub(crate) fn spawn_conn(
    task: impl Future<Output = ()> + Send + 'static,
    loop_id: LoopId,
    pinned: bool,
) {
    if pinned {
        if let Err(e) = hive_runtime::spawn_on_loop(loop_id, task) {
            tracing::error!("hive-net: could not start a connection task: {e}");
        }
    } else {
        drop(
            hive_runtime::task::Builder::new()
                .start_on(loop_id)
                .spawn(task),
        );
    }
}

pub(crate) enum Bind {
    Tcp(Target),
    Unix(PathBuf),
}

/// Options of a server being started; `.await` it to bind and start
/// serving. Made by [`start_server`], [`start_unix_server`] and
/// [`create_server`](crate::create_server).
///
/// ```
/// # hive::run(async {
/// let server = hive::net::start_server(|_r, _w| async {}, "127.0.0.1:0").limit(1 << 20).await.unwrap();
/// server.close();
/// # }).unwrap();
/// ```
#[must_use = "a server starts only when this is awaited"]
pub struct StartServer {
    spawner: Box<dyn Fn(usize) -> Spawner + Send>,
    bind: Bind,
    per_loop: bool,
    spread: bool,
    backlog: u32,
    limit: usize,
    reuse_port: bool,
}

impl StartServer {
    pub(crate) fn new(spawner: Box<dyn Fn(usize) -> Spawner + Send>, bind: Bind) -> StartServer {
        StartServer {
            spawner,
            bind,
            per_loop: false,
            spread: true,
            backlog: DEFAULT_BACKLOG,
            limit: crate::DEFAULT_LIMIT,
            reuse_port: false,
        }
    }

    /// One `SO_REUSEPORT` listener per loop, each connection pinned to the
    /// loop that accepted it (TCP only). See [`start_server`] for when.
    ///
    /// ```
    /// # hive::run(async {
    /// let s = hive::net::start_server(|_r, _w| async {}, "127.0.0.1:0").per_loop(true).await.unwrap();
    /// # s.close();
    /// # }).unwrap();
    /// ```
    pub fn per_loop(mut self, per_loop: bool) -> StartServer {
        self.per_loop = per_loop;
        self
    }

    /// Whether the single listener spreads accepted connections over every
    /// loop's reactor (the default) or registers them all with the
    /// listener's loop. Either way the connection tasks are stealable.
    ///
    /// Spreading keeps every loop's reactor doing I/O under load (idle
    /// loops leave one of them to watch every reactor, see
    /// [`idle_watcher`](hive_runtime::Builder::idle_watcher)). Keeping them
    /// on one reactor is tokio's multi-thread model: one loop sees all
    /// readiness, siblings steal the woken tasks. On a 2-core box the two
    /// measure alike in `netload` (CPU per message within a few percent,
    /// p99 either way by run) and in syscalls per echoed message (2.51
    /// spread against 2.44, `benches/syscalls.sh 64 100 2000 45000`). With
    /// many cores, that one loop dispatches every event, which is what
    /// spreading avoids. Ignored with
    /// [`per_loop`](StartServer::per_loop).
    ///
    /// ```
    /// # hive::run(async {
    /// let s = hive::net::start_server(|_r, _w| async {}, "127.0.0.1:0")
    ///     .spread_connections(false)
    ///     .await
    ///     .unwrap();
    /// # s.close();
    /// # }).unwrap();
    /// ```
    pub fn spread_connections(mut self, spread: bool) -> StartServer {
        self.spread = spread;
        self
    }

    /// The listen backlog (default [`DEFAULT_BACKLOG`]; asyncio's `backlog=`).
    ///
    /// ```
    /// let _ = hive::net::start_server(|_r, _w| async {}, "127.0.0.1:0").backlog(100);
    /// ```
    pub fn backlog(mut self, backlog: u32) -> StartServer {
        self.backlog = backlog;
        self
    }

    /// The readers' buffer limit (asyncio's `limit=`, default 64 KiB).
    ///
    /// ```
    /// let _ = hive::net::start_server(|_r, _w| async {}, "127.0.0.1:0").limit(1024);
    /// ```
    pub fn limit(mut self, limit: usize) -> StartServer {
        self.limit = limit;
        self
    }

    /// `SO_REUSEPORT` on the single listener, so other processes may
    /// listen on the port too (asyncio's `reuse_port=True`).
    ///
    /// ```
    /// let _ = hive::net::start_server(|_r, _w| async {}, "127.0.0.1:0").reuse_port(true);
    /// ```
    pub fn reuse_port(mut self, reuse: bool) -> StartServer {
        self.reuse_port = reuse;
        self
    }

    async fn start(self) -> io::Result<Server> {
        let server = Server::new();
        let spawner = (self.spawner)(self.limit);
        let shared_placement = if self.spread {
            Placement::Spread
        } else {
            Placement::ListenerLoop
        };
        match self.bind {
            Bind::Tcp(target) => {
                let addrs = resolve(target).await?;
                let first = *addrs.first().ok_or_else(|| {
                    io::Error::new(
                        io::ErrorKind::InvalidInput,
                        "the address resolved to nothing; check the host name",
                    )
                })?;
                if self.per_loop {
                    let mut port = first.port();
                    for id in hive_runtime::loop_ids() {
                        let addr = SocketAddr::new(first.ip(), port);
                        let l = tcp_listener(addr, true, self.backlog, Some(id))?;
                        port = l.local_addr()?.port();
                        start_accepting(
                            &server,
                            Listener::Tcp(l),
                            Placement::Pinned(id),
                            &spawner,
                        )?;
                    }
                } else {
                    let mut last = None;
                    for addr in addrs {
                        match tcp_listener(addr, self.reuse_port, self.backlog, None) {
                            Ok(l) => {
                                start_accepting(
                                    &server,
                                    Listener::Tcp(l),
                                    shared_placement,
                                    &spawner,
                                )?;
                                last = None;
                                break;
                            }
                            Err(e) => last = Some(e),
                        }
                    }
                    if let Some(e) = last {
                        return Err(e);
                    }
                }
            }
            Bind::Unix(path) => {
                if self.per_loop {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        "per_loop needs SO_REUSEPORT, which Unix sockets lack; use the default single listener",
                    ));
                }
                let l = UnixListener::bind(&path)?;
                server.set_unix_path(path);
                start_accepting(&server, Listener::Unix(l), shared_placement, &spawner)?;
            }
        }
        Ok(server)
    }
}

fn tcp_listener(
    addr: SocketAddr,
    reuse_port: bool,
    backlog: u32,
    on: Option<LoopId>,
) -> io::Result<crate::TcpListener> {
    let socket = TcpSocket::for_addr(addr)?;
    socket.set_reuseaddr(true)?;
    if reuse_port {
        socket.set_reuseport(true)?;
    }
    socket.bind(addr)?;
    socket.listen_on(backlog, on)
}

fn start_accepting(
    server: &Server,
    listener: Listener,
    placement: Placement,
    spawner: &Spawner,
) -> io::Result<()> {
    let (addr, loop_id) = match &listener {
        Listener::Tcp(l) => (Addr::Inet(l.local_addr()?), l.loop_id()),
        Listener::Unix(l) => (Addr::Unix(l.local_addr()?), l.io.loop_id()),
    };
    let task = hive_runtime::task::Builder::new()
        .name("hive-net-accept")
        .spawn_on_loop(
            loop_id,
            accept_loop(
                listener,
                placement,
                server.clone(),
                spawner.clone(),
                server.accept_guard(),
            ),
        )
        .map_err(io::Error::other)?;
    server.add_listener(addr, task);
    Ok(())
}

impl IntoFuture for StartServer {
    type Output = io::Result<Server>;
    type IntoFuture = Pin<Box<dyn Future<Output = io::Result<Server>> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.start())
    }
}
