//! TLS on loopback, shared by the `tls` criterion bench: hive's TLS
//! streams beside tokio's multi-thread runtime with tokio-rustls.
//!
//! Both contenders run the same rustls (0.23, ring provider) with the same
//! two configs, built once from one rcgen certificate ([`Configs`]); they
//! differ only in the runtime and the stream layer around rustls. Each
//! contender's clients run on its own runtime beside its server, so a
//! measurement covers both ends of every connection.
//!
//! Every measurement runs as one driver task spawned on the runtime (not on
//! the bench thread), which times itself: the bench thread only waits.

use crate::net::threads;
use crate::WAIT_LIMIT;
use hive::net::tls::rustls;
use rustls::pki_types::{PrivatePkcs8KeyDer, ServerName};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// The name in the certificate, sent as SNI and checked by the clients.
pub const SERVER_NAME: &str = "localhost";

/// The rustls configs both contenders use, from one self-signed
/// certificate (rcgen's default key: ECDSA P-256).
///
/// The client never resumes a session and the server sends no TLS 1.3
/// tickets, so every connection is a full handshake (the same on both
/// sides, whatever order the benchmarks run in).
#[derive(Clone)]
pub struct Configs {
    /// The server's config: the certificate and its key.
    pub server: Arc<rustls::ServerConfig>,
    /// The client's config: trusts that one certificate.
    pub client: Arc<rustls::ClientConfig>,
}

impl Configs {
    /// A fresh certificate for [`SERVER_NAME`] and both configs around it.
    ///
    /// # Panics
    /// If rcgen or rustls refuse what they were given (a bug here).
    #[allow(clippy::new_without_default)]
    pub fn new() -> Configs {
        let key = rcgen::KeyPair::generate().expect("rcgen: key");
        let cert = rcgen::CertificateParams::new(vec![SERVER_NAME.to_owned()])
            .expect("rcgen: params")
            .self_signed(&key)
            .expect("rcgen: self-signed certificate");
        let provider = Arc::new(rustls::crypto::ring::default_provider());

        let mut server = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .expect("rustls: protocol versions")
            .with_no_client_auth()
            .with_single_cert(
                vec![cert.der().clone()],
                PrivatePkcs8KeyDer::from(key.serialize_der()).into(),
            )
            .expect("rustls: server certificate");
        server.send_tls13_tickets = 0;

        let mut roots = rustls::RootCertStore::empty();
        roots.add(cert.der().clone()).expect("rustls: root");
        let mut client = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("rustls: protocol versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        client.resumption = rustls::client::Resumption::disabled();

        Configs {
            server: Arc::new(server),
            client: Arc::new(client),
        }
    }
}

/// One side of the comparison: a runtime, a TLS echo server on it, and
/// clients that run on the same runtime.
pub trait Contender {
    /// An open client connection, kept between measurements.
    type Conn: Send + 'static;

    /// `iters` batches, one after another, of `conns` concurrent
    /// connections, each: connect, full handshake, one 1-byte round trip,
    /// close. The elapsed time.
    fn handshakes(&self, conns: usize, iters: u64) -> Duration;

    /// Opens `n` client connections (handshakes done).
    fn connect(&self, n: usize) -> Vec<Self::Conn>;

    /// `iters` round trips of `size` bytes on every connection at once;
    /// the elapsed time.
    fn echo(&self, conns: &mut Vec<Self::Conn>, size: usize, iters: u64) -> Duration;
}

/// Panics naming `what` when a measurement outlives [`WAIT_LIMIT`] (a hung
/// benchmark is a bug).
fn hung(what: &str) -> ! {
    panic!("{what} hung for {WAIT_LIMIT:?}")
}

// ---------------------------------------------------------------- hive --

/// hive's side: a runtime of [`threads`] loops, `start_server(..).ssl(..)`
/// with the default placement (one listener, connections spread over the
/// loops), and clients from `open_connection(..).ssl(..)`.
pub struct HiveTls {
    server: hive::net::Server,
    rt: hive::Runtime,
    addr: SocketAddr,
    connector: hive::net::tls::TlsConnector,
}

impl HiveTls {
    /// Starts the runtime and the echo server.
    ///
    /// # Panics
    /// If the runtime or the server cannot start.
    pub fn start(configs: &Configs) -> HiveTls {
        let rt = hive::Runtime::builder()
            .loops(threads())
            .build()
            .expect("hive runtime");
        let acceptor = hive::net::tls::TlsAcceptor::from_config(configs.server.clone());
        let start = rt.spawn(async move {
            hive::net::start_server(crate::net::hive_echo, "127.0.0.1:0")
                .ssl(acceptor)
                .await
        });
        let server = rt
            .block_on(start)
            .expect("block_on")
            .expect("server task")
            .expect("start_server");
        let addr = server.local_addrs()[0].as_inet().expect("an inet address");
        HiveTls {
            server,
            rt,
            addr,
            connector: hive::net::tls::TlsConnector::from_config(configs.client.clone()),
        }
    }

    /// Runs `driver` as a task on the runtime and waits for its value.
    fn drive<T, F>(&self, what: &'static str, driver: F) -> T
    where
        F: std::future::Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        let task = self
            .rt
            .spawn(async move { hive::timeout(WAIT_LIMIT, driver).await });
        match self.rt.block_on(task).expect("block_on") {
            Ok(Ok(value)) => value,
            Ok(Err(_elapsed)) => hung(what),
            Err(err) => panic!("{what}: the driver task failed: {err:?}"),
        }
    }

    /// One client connection to the server, handshake done.
    async fn open(
        addr: SocketAddr,
        connector: hive::net::tls::TlsConnector,
    ) -> (hive::net::StreamReader, hive::net::StreamWriter) {
        hive::net::open_connection(addr)
            .ssl(connector)
            .server_hostname(SERVER_NAME)
            .await
            .expect("hive: TLS connect")
    }
}

impl Drop for HiveTls {
    fn drop(&mut self) {
        // Stop accepting before the runtime (a field dropped later) stops.
        self.server.close();
    }
}

/// Fills `buf` from `r`; panics at EOF or on an error.
async fn hive_read_full(r: &mut hive::net::StreamReader, buf: &mut [u8]) {
    let mut got = 0;
    while got < buf.len() {
        match r.read_into(&mut buf[got..]).await {
            Ok(n) if n > 0 => got += n,
            other => panic!("hive: echo cut short: {other:?}"),
        }
    }
}

impl Contender for HiveTls {
    type Conn = (hive::net::StreamReader, hive::net::StreamWriter);

    fn handshakes(&self, conns: usize, iters: u64) -> Duration {
        let (addr, connector) = (self.addr, self.connector.clone());
        self.drive("hive TLS handshakes", async move {
            let start = Instant::now();
            for _ in 0..iters {
                let clients: Vec<_> = (0..conns)
                    .map(|_| {
                        let connector = connector.clone();
                        hive::spawn(async move {
                            let (mut r, w) = HiveTls::open(addr, connector).await;
                            w.write(b"x");
                            w.drain().await.expect("hive: write");
                            hive_read_full(&mut r, &mut [0u8; 1]).await;
                            w.close();
                            let _ = w.wait_closed().await;
                        })
                    })
                    .collect();
                for client in clients {
                    client.await.expect("hive: client task");
                }
            }
            start.elapsed()
        })
    }

    fn connect(&self, n: usize) -> Vec<Self::Conn> {
        let (addr, connector) = (self.addr, self.connector.clone());
        self.drive("hive TLS connect", async move {
            let mut conns = Vec::with_capacity(n);
            for _ in 0..n {
                conns.push(HiveTls::open(addr, connector.clone()).await);
            }
            conns
        })
    }

    fn echo(&self, conns: &mut Vec<Self::Conn>, size: usize, iters: u64) -> Duration {
        let open = std::mem::take(conns);
        let (back, elapsed) = self.drive("hive TLS echo", async move {
            let start = Instant::now();
            let tasks: Vec<_> = open
                .into_iter()
                .map(|(mut r, w)| {
                    hive::spawn(async move {
                        let msg = vec![0x5a_u8; size];
                        let mut back = vec![0u8; size];
                        for _ in 0..iters {
                            w.write(&msg);
                            w.drain().await.expect("hive: write");
                            hive_read_full(&mut r, &mut back).await;
                        }
                        (r, w)
                    })
                })
                .collect();
            let mut back = Vec::with_capacity(tasks.len());
            for task in tasks {
                back.push(task.await.expect("hive: echo task"));
            }
            (back, start.elapsed())
        });
        *conns = back;
        elapsed
    }
}

// --------------------------------------------------------------- tokio --

/// tokio's side: a multi-thread runtime of [`threads`] workers, a
/// `TcpListener` whose connections each get a task that runs the
/// tokio-rustls handshake and echoes, and tokio-rustls clients.
pub struct TokioTls {
    rt: tokio::runtime::Runtime,
    addr: SocketAddr,
    connector: tokio_rustls::TlsConnector,
}

/// A tokio-rustls client connection.
pub type TokioConn = tokio_rustls::client::TlsStream<tokio::net::TcpStream>;

impl TokioTls {
    /// Starts the runtime and the echo server.
    ///
    /// # Panics
    /// If the runtime or the listener cannot start.
    pub fn start(configs: &Configs) -> TokioTls {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads())
            .enable_all()
            .build()
            .expect("tokio runtime");
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind");
        let addr = listener.local_addr().expect("local_addr");
        let acceptor = tokio_rustls::TlsAcceptor::from(configs.server.clone());
        rt.spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let _ = tcp.set_nodelay(true);
                    if let Ok(tls) = acceptor.accept(tcp).await {
                        tokio_echo(tls).await;
                    }
                });
            }
        });
        TokioTls {
            rt,
            addr,
            connector: tokio_rustls::TlsConnector::from(configs.client.clone()),
        }
    }

    /// Runs `driver` as a task on the runtime and waits for its value.
    fn drive<T, F>(&self, what: &'static str, driver: F) -> T
    where
        F: std::future::Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        let task = self
            .rt
            .spawn(async move { tokio::time::timeout(WAIT_LIMIT, driver).await });
        match self.rt.block_on(task) {
            Ok(Ok(value)) => value,
            Ok(Err(_elapsed)) => hung(what),
            Err(err) => panic!("{what}: the driver task failed: {err}"),
        }
    }

    /// One client connection to the server (`TCP_NODELAY`, as hive's
    /// `open_connection` sets), handshake done.
    async fn open(addr: SocketAddr, connector: tokio_rustls::TlsConnector) -> TokioConn {
        let tcp = tokio::net::TcpStream::connect(addr)
            .await
            .expect("tokio: connect");
        tcp.set_nodelay(true).expect("nodelay");
        let name = ServerName::try_from(SERVER_NAME).expect("a DNS name");
        connector
            .connect(name, tcp)
            .await
            .expect("tokio: TLS handshake")
    }
}

/// tokio's echo handler: read what is there, write it back and flush
/// (tokio-rustls may keep encrypted bytes until flushed; hive's `drain`
/// does the same job), until EOF; then `close_notify`.
async fn tokio_echo<S: AsyncRead + AsyncWrite + Unpin>(mut s: S) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match s.read(&mut buf).await {
            Ok(n) if n > 0 => {
                if s.write_all(&buf[..n]).await.is_err() || s.flush().await.is_err() {
                    return;
                }
            }
            _ => break,
        }
    }
    let _ = s.shutdown().await;
}

impl Contender for TokioTls {
    type Conn = TokioConn;

    fn handshakes(&self, conns: usize, iters: u64) -> Duration {
        let (addr, connector) = (self.addr, self.connector.clone());
        self.drive("tokio TLS handshakes", async move {
            let start = Instant::now();
            for _ in 0..iters {
                let clients: Vec<_> = (0..conns)
                    .map(|_| {
                        let connector = connector.clone();
                        tokio::spawn(async move {
                            let mut s = TokioTls::open(addr, connector).await;
                            s.write_all(b"x").await.expect("tokio: write");
                            s.flush().await.expect("tokio: flush");
                            s.read_exact(&mut [0u8; 1]).await.expect("tokio: read");
                            let _ = s.shutdown().await;
                        })
                    })
                    .collect();
                for client in clients {
                    client.await.expect("tokio: client task");
                }
            }
            start.elapsed()
        })
    }

    fn connect(&self, n: usize) -> Vec<Self::Conn> {
        let (addr, connector) = (self.addr, self.connector.clone());
        self.drive("tokio TLS connect", async move {
            let mut conns = Vec::with_capacity(n);
            for _ in 0..n {
                conns.push(TokioTls::open(addr, connector.clone()).await);
            }
            conns
        })
    }

    fn echo(&self, conns: &mut Vec<Self::Conn>, size: usize, iters: u64) -> Duration {
        let open = std::mem::take(conns);
        let (back, elapsed) = self.drive("tokio TLS echo", async move {
            let start = Instant::now();
            let tasks: Vec<_> = open
                .into_iter()
                .map(|mut s| {
                    tokio::spawn(async move {
                        let msg = vec![0x5a_u8; size];
                        let mut back = vec![0u8; size];
                        for _ in 0..iters {
                            s.write_all(&msg).await.expect("tokio: write");
                            s.flush().await.expect("tokio: flush");
                            s.read_exact(&mut back).await.expect("tokio: read");
                        }
                        s
                    })
                })
                .collect();
            let mut back = Vec::with_capacity(tasks.len());
            for task in tasks {
                back.push(task.await.expect("tokio: echo task"));
            }
            (back, start.elapsed())
        });
        *conns = back;
        elapsed
    }
}
