//! asyncio's stream entry points: `open_connection`, `start_server` and
//! their Unix twins, with the per-loop serving option.

use crate::accept::{accept_loop, Listener, Placement, Spawner};
use crate::addr::{resolve, Target, ToSocketAddrs};
use crate::conn::{Addr, Conn};
use crate::dial::{Endpoint, OpenConnection};
use crate::loom::sync::Arc;
use crate::server::Server;
use crate::tcp_listener::{TcpSocket, DEFAULT_BACKLOG};
use crate::{StreamReader, StreamWriter, UnixListener};
use hive_runtime::LoopId;
use std::future::{Future, IntoFuture};
use std::io;
use std::net::SocketAddr;
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::pin::Pin;

/// Connects over TCP (Happy Eyeballs over every resolved address,
/// `TCP_NODELAY` on) and returns asyncio's reader/writer pair. Options
/// go on the returned [`OpenConnection`] before it is awaited: `limit`,
/// and with the `tls` feature `ssl`, `server_hostname`,
/// `ssl_handshake_timeout`, `ssl_shutdown_timeout`.
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
/// // A server's address connects as it is (a Unix server's too).
/// let (mut reader, writer) = hive::net::open_connection(&server.local_addrs()[0]).await.unwrap();
/// writer.write(b"echo\n");
/// writer.drain().await.unwrap();
/// assert_eq!(reader.readline().await.unwrap(), b"echo\n");
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.open_connection")]
pub fn open_connection(addr: impl ToSocketAddrs) -> OpenConnection {
    OpenConnection::new(Endpoint::stream(addr.target()))
}

/// Connects to a Unix socket and returns the reader/writer pair (options
/// as for [`open_connection`]; TLS needs `server_hostname` here).
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
pub fn open_unix_connection(path: impl AsRef<Path>) -> OpenConnection {
    OpenConnection::new(Endpoint::Unix(path.as_ref().to_path_buf()))
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
///   per loop; the kernel spreads connections by hash (Linux; FreeBSD's
///   `SO_REUSEPORT_LB`; macOS does not balance them, so expect one loop
///   to take most or all of them there), and each connection's
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

/// What every connection of a server is set up with, settled at start.
pub(crate) struct ConnSetup {
    /// The readers' buffer limit.
    pub(crate) limit: usize,
    /// The TLS handshake to run before the handler, if `ssl` was given.
    #[cfg(feature = "tls")]
    pub(crate) tls: Option<crate::tls::ServerTls>,
}

/// Builds a server's connection starter from its settings.
pub(crate) type MakeSpawner = Box<dyn Fn(&ConnSetup) -> Spawner + Send>;

pub(crate) fn stream_spawner<H, F>(handler: H) -> MakeSpawner
where
    H: Fn(StreamReader, StreamWriter) -> F + Send + Sync + 'static,
    F: Future<Output = ()> + Send + 'static,
{
    let handler = Arc::new(handler);
    Box::new(move |setup| {
        let handler = handler.clone();
        let limit = setup.limit;
        #[cfg(feature = "tls")]
        if let Some(tls) = setup.tls.clone() {
            return Arc::new(move |conn: Conn, loop_id: LoopId, pinned: bool, guard| {
                let handler = handler.clone();
                let tls = tls.clone();
                crate::tls::ServerTls::register_handshake(&conn, &guard);
                let task = async move {
                    // A failed handshake is that client's alone: logged
                    // once, socket closed, the server serves on.
                    let Some(conn) = tls.accept(conn).await else {
                        return;
                    };
                    let (reader, writer) = StreamReader::from_conn(conn);
                    guard.register(writer.core().clone());
                    let _guard = guard;
                    handler(reader.with_limit(limit), writer).await;
                };
                spawn_conn(task, loop_id, pinned);
            });
        }
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
    spawner: MakeSpawner,
    bind: Bind,
    per_loop: bool,
    spread: bool,
    backlog: u32,
    limit: usize,
    reuse_port: bool,
    #[cfg(feature = "tls")]
    ssl: Option<crate::tls::TlsAcceptor>,
    #[cfg(feature = "tls")]
    ssl_handshake_timeout: Option<std::time::Duration>,
    #[cfg(feature = "tls")]
    ssl_shutdown_timeout: Option<std::time::Duration>,
}

impl StartServer {
    pub(crate) fn new(spawner: MakeSpawner, bind: Bind) -> StartServer {
        StartServer {
            spawner,
            bind,
            per_loop: false,
            spread: true,
            backlog: DEFAULT_BACKLOG,
            limit: crate::DEFAULT_LIMIT,
            reuse_port: false,
            #[cfg(feature = "tls")]
            ssl: None,
            #[cfg(feature = "tls")]
            ssl_handshake_timeout: None,
            #[cfg(feature = "tls")]
            ssl_shutdown_timeout: None,
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

    /// Serves TLS with `acceptor`'s certificate (asyncio's `ssl=`): each
    /// connection's handshake runs in its own task before the handler
    /// sees it, so a slow or hostile client delays nobody else; a failed
    /// handshake is logged once (a `tracing` warning naming the peer and
    /// the [`TlsError`](crate::tls::TlsError)) and that socket is closed.
    /// Works with both server kinds and on Unix sockets.
    ///
    /// [`Server::close_clients`] and [`Server::abort_clients`] also reach
    /// connections still in their handshake: those are shut down at once,
    /// so [`Server::wait_closed`] never waits for a stalled handshake.
    ///
    /// ```
    /// # hive::run(async {
    /// let key = rcgen::KeyPair::generate().unwrap();
    /// let cert = rcgen::CertificateParams::new(vec!["localhost".into()]).unwrap().self_signed(&key).unwrap();
    /// let tls = hive::net::tls::TlsAcceptor::from_pem(cert.pem().as_bytes(), key.serialize_pem().as_bytes()).unwrap();
    /// let server = hive::net::start_server(|_r, w| async move { w.write(b"hi"); w.close(); }, "127.0.0.1:0")
    ///     .ssl(tls)
    ///     .per_loop(true)
    ///     .await
    ///     .unwrap();
    /// # server.close();
    /// # }).unwrap();
    /// ```
    #[cfg(feature = "tls")]
    pub fn ssl(mut self, acceptor: crate::tls::TlsAcceptor) -> StartServer {
        self.ssl = Some(acceptor);
        self
    }

    /// How long a client may take to finish the TLS handshake before its
    /// connection is dropped (asyncio's `ssl_handshake_timeout=`; default:
    /// the acceptor's, 60 s).
    ///
    /// ```
    /// # fn f(tls: hive::net::tls::TlsAcceptor) {
    /// let _ = hive::net::start_server(|_r, _w| async {}, "127.0.0.1:0")
    ///     .ssl(tls)
    ///     .ssl_handshake_timeout(std::time::Duration::from_secs(10));
    /// # }
    /// ```
    #[cfg(feature = "tls")]
    pub fn ssl_handshake_timeout(mut self, timeout: std::time::Duration) -> StartServer {
        self.ssl_handshake_timeout = Some(timeout);
        self
    }

    /// How long a graceful TLS close may take before it becomes an abort
    /// (asyncio's `ssl_shutdown_timeout=`; default: the acceptor's, 30 s).
    ///
    /// ```
    /// # fn f(tls: hive::net::tls::TlsAcceptor) {
    /// let _ = hive::net::start_server(|_r, _w| async {}, "127.0.0.1:0")
    ///     .ssl(tls)
    ///     .ssl_shutdown_timeout(std::time::Duration::from_secs(5));
    /// # }
    /// ```
    #[cfg(feature = "tls")]
    pub fn ssl_shutdown_timeout(mut self, timeout: std::time::Duration) -> StartServer {
        self.ssl_shutdown_timeout = Some(timeout);
        self
    }

    fn conn_setup(&self) -> io::Result<ConnSetup> {
        #[cfg(feature = "tls")]
        let tls = match &self.ssl {
            Some(acceptor) => Some(crate::tls::ServerTls::new(
                acceptor.clone(),
                self.ssl_handshake_timeout,
                self.ssl_shutdown_timeout,
            )),
            None if self.ssl_handshake_timeout.is_some() || self.ssl_shutdown_timeout.is_some() => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "ssl_handshake_timeout and ssl_shutdown_timeout only apply with ssl; add .ssl(acceptor) or drop them",
                ))
            }
            None => None,
        };
        Ok(ConnSetup {
            limit: self.limit,
            #[cfg(feature = "tls")]
            tls,
        })
    }

    async fn start(self) -> io::Result<Server> {
        let server = Server::new();
        let spawner = (self.spawner)(&self.conn_setup()?);
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
    if on.is_some() {
        // A per_loop group: the kernel must spread connections over it.
        socket.set_reuseport_balanced()?;
    } else if reuse_port {
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
    let (addr, loop_id, socket) = match &listener {
        Listener::Tcp(l) => (
            Addr::Inet(l.local_addr()?),
            l.loop_id(),
            l.io.get_ref().as_fd().try_clone_to_owned()?,
        ),
        Listener::Unix(l) => (
            Addr::Unix(l.local_addr()?),
            l.io.loop_id(),
            l.io.get_ref().as_fd().try_clone_to_owned()?,
        ),
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
    server.add_listener(addr, task, socket);
    Ok(())
}

impl IntoFuture for StartServer {
    type Output = io::Result<Server>;
    type IntoFuture = Pin<Box<dyn Future<Output = io::Result<Server>> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.start())
    }
}
