//! monoio's echo servers (thread-per-core on its epoll driver and on
//! io_uring) for the network benchmarks; see [`crate::net`] for the
//! contenders and what each does. Linux only: monoio 0.2 does not build for
//! macOS or FreeBSD (`pread64`, `statx`), so the crate depends on it only
//! on Linux, and [`crate::net::start`] refuses the monoio names elsewhere.

use crate::net::{reuseport_listener, threads, Server};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, OnceLock};

/// Which of monoio's drivers a monoio server runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MonoioDriver {
    /// `LegacyDriver`: epoll (through mio 0.8), readiness then syscalls.
    Legacy,
    /// `IoUringDriver`: operations submitted to an io_uring per thread.
    Uring,
}

/// monoio's echo handler, the same loop as [`tokio_echo`](crate::net::tokio_echo) in monoio's
/// owned-buffer style: the 64 KiB buffer goes to the read and comes back
/// with the bytes in it, goes to `write_all` and comes back, is cleared.
pub async fn monoio_echo(mut s: monoio::net::TcpStream) {
    use monoio::io::{AsyncReadRent, AsyncWriteRentExt};
    let _ = s.set_nodelay(true);
    let mut buf = Vec::with_capacity(64 * 1024);
    loop {
        let (read, back) = s.read(buf).await;
        buf = back;
        match read {
            Ok(n) if n > 0 => {
                let (written, back) = s.write_all(buf).await;
                buf = back;
                if written.is_err() {
                    return;
                }
                buf.clear();
            }
            _ => return,
        }
    }
}

/// Whether monoio's io_uring driver works here; the error says why not.
///
/// Asks monoio's own probe (`monoio::utils::detect_uring`: io_uring set up
/// and every opcode monoio uses supported; `MONOIO_FORCE_LEGACY_DRIVER=1`
/// makes it say no), then builds an `IoUringDriver` runtime on a scratch
/// thread and accepts one loopback connection on it. Probed once per process.
pub fn monoio_uring_available() -> Result<(), String> {
    static PROBE: OnceLock<Result<(), String>> = OnceLock::new();
    PROBE
        .get_or_init(|| {
            if !monoio::utils::detect_uring() {
                return Err(
                    "monoio::utils::detect_uring says no: io_uring cannot be set up \
                     (kernel, io_uring_disabled sysctl or seccomp), lacks an opcode monoio \
                     uses, or MONOIO_FORCE_LEGACY_DRIVER is set"
                        .into(),
                );
            }
            std::thread::spawn(|| {
                let mut rt = monoio::RuntimeBuilder::<monoio::IoUringDriver>::new()
                    .build()
                    .map_err(|e| format!("building monoio's IoUringDriver failed: {e}"))?;
                rt.block_on(async {
                    let l = monoio::net::TcpListener::bind("127.0.0.1:0")
                        .map_err(|e| format!("bind on io_uring: {e}"))?;
                    let addr = l.local_addr().map_err(|e| e.to_string())?;
                    let client = std::thread::spawn(move || std::net::TcpStream::connect(addr));
                    l.accept()
                        .await
                        .map_err(|e| format!("accept on io_uring: {e}"))?;
                    client
                        .join()
                        .map_err(|_| "the probe's client panicked".to_string())?
                        .map_err(|e| format!("connect to the io_uring probe: {e}"))?;
                    Ok(())
                })
            })
            .join()
            .unwrap_or_else(|_| Err("the io_uring probe panicked".into()))
        })
        .clone()
}

/// A running monoio server: its threads, a duplicate of each thread's
/// listener (to stop it), the stop flag, and each thread's exit report.
pub struct MonoioServer {
    threads: Vec<std::thread::JoinHandle<()>>,
    listeners: Vec<std::net::TcpListener>,
    stopping: Arc<AtomicBool>,
    exited: mpsc::Receiver<()>,
}

/// monoio as thread-per-core on `driver`: one runtime per thread, each with
/// its own `SO_REUSEPORT` listener, connections served where accepted.
///
/// Stopping (dropping the [`Server`]) shuts the listeners down, which ends
/// each accept loop; each thread then waits for its connections to close,
/// so the clients must be closed first (every caller here does).
///
/// # Errors
/// `driver` is [`MonoioDriver::Uring`] and [`monoio_uring_available`] says no.
pub fn monoio_server(driver: MonoioDriver) -> Result<(Server, SocketAddr), String> {
    if driver == MonoioDriver::Uring {
        monoio_uring_available()?;
    }
    let first = reuseport_listener("127.0.0.1:0".parse().unwrap());
    let addr = first.local_addr().unwrap();
    let mut listeners = vec![first];
    for _ in 1..threads() {
        listeners.push(reuseport_listener(addr));
    }
    let stopping = Arc::new(AtomicBool::new(false));
    let (exit, exited) = mpsc::channel();
    let mut handles = Vec::with_capacity(listeners.len());
    let mut dups = Vec::with_capacity(listeners.len());
    for l in listeners {
        dups.push(l.try_clone().unwrap());
        let (stopping, exit) = (stopping.clone(), exit.clone());
        handles.push(std::thread::spawn(move || {
            match driver {
                MonoioDriver::Legacy => monoio::RuntimeBuilder::<monoio::LegacyDriver>::new()
                    .build()
                    .expect("cannot build monoio's LegacyDriver runtime")
                    .block_on(monoio_accept_loop(l, stopping)),
                MonoioDriver::Uring => {
                    // io_uring blocks in the kernel, not in the syscall:
                    // monoio leaves its sockets blocking on this driver.
                    l.set_nonblocking(false).unwrap();
                    monoio::RuntimeBuilder::<monoio::IoUringDriver>::new()
                        .build()
                        .expect("cannot build monoio's IoUringDriver runtime")
                        .block_on(monoio_accept_loop(l, stopping))
                }
            }
            let _ = exit.send(());
        }));
    }
    let server = MonoioServer {
        threads: handles,
        listeners: dups,
        stopping,
        exited,
    };
    Ok((Server::Monoio(server), addr))
}

/// One monoio thread's server: accept and spawn [`monoio_echo`] until the
/// listener is shut down, then wait for the connections to close.
async fn monoio_accept_loop(l: std::net::TcpListener, stopping: Arc<AtomicBool>) {
    use std::cell::Cell;
    use std::rc::Rc;
    use std::task::{Poll, Waker};
    let l = monoio::net::TcpListener::from_std(l).unwrap();
    // Connections still open, and the accept loop's waker once it waits
    // for the last one to close.
    let open = Rc::new(Cell::new(0usize));
    let idle: Rc<Cell<Option<Waker>>> = Rc::new(Cell::new(None));
    loop {
        match l.accept().await {
            Ok((s, _)) => {
                open.set(open.get() + 1);
                let (open, idle) = (open.clone(), idle.clone());
                monoio::spawn(async move {
                    monoio_echo(s).await;
                    open.set(open.get() - 1);
                    if open.get() == 0 {
                        if let Some(w) = idle.take() {
                            w.wake();
                        }
                    }
                });
            }
            Err(_) if stopping.load(Ordering::Acquire) => break,
            Err(_) => continue,
        }
    }
    std::future::poll_fn(|cx| {
        if open.get() == 0 {
            Poll::Ready(())
        } else {
            idle.set(Some(cx.waker().clone()));
            Poll::Pending
        }
    })
    .await;
}

impl MonoioServer {
    /// Shuts every listener down (a blocked accept then fails, on epoll and
    /// on io_uring alike) and joins the threads once they have exited.
    ///
    /// # Panics
    /// When a thread has not exited after [`crate::WAIT_LIMIT`]: a
    /// connection was left open, or the runtime hung.
    pub(crate) fn stop(&mut self) {
        self.stopping.store(true, Ordering::Release);
        for l in &self.listeners {
            let _ = hive::net::socket2::SockRef::from(l).shutdown(std::net::Shutdown::Both);
        }
        for _ in 0..self.threads.len() {
            if self.exited.recv_timeout(crate::WAIT_LIMIT).is_err() {
                panic!(
                    "monoio server: a thread still runs {:?} after its listener was shut down \
                     (a connection left open, or the runtime hung)",
                    crate::WAIT_LIMIT
                );
            }
        }
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}
