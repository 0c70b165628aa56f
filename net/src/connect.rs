//! Connecting: Happy Eyeballs (RFC 8305) over every resolved address, with
//! an optional overall timeout.

use crate::addr::{resolve, ToSocketAddrs};
use crate::error::ConnectError;
use crate::tcp_listener::TcpSocket;
use crate::TcpStream;
use hive_runtime::sleep;
use std::future::{poll_fn, Future};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::Poll;
use std::time::{Duration, Instant};

/// asyncio's recommended `happy_eyeballs_delay` (RFC 8305's "Connection
/// Attempt Delay"): how long [`TcpStream::connect`](crate::TcpStream::connect)
/// waits on one address before racing the next.
///
/// ```
/// use hive::net::{ConnectOptions, HAPPY_EYEBALLS_DELAY};
/// assert_eq!(HAPPY_EYEBALLS_DELAY, std::time::Duration::from_millis(250));
/// # hive::run(async {
/// # let l = hive::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
/// // On a slow network, give each address longer before trying the next:
/// let s = ConnectOptions::new()
///     .happy_eyeballs_delay(Some(HAPPY_EYEBALLS_DELAY * 2))
///     .connect(l.local_addr().unwrap())
///     .await
///     .unwrap();
/// # drop(s);
/// # }).unwrap();
/// ```
pub const HAPPY_EYEBALLS_DELAY: Duration = Duration::from_millis(250);

/// How [`TcpStream::connect`](crate::TcpStream::connect) tries addresses:
/// the Happy Eyeballs delay between attempts, an overall timeout, nodelay.
///
/// ```
/// use std::time::Duration;
/// # hive::run(async {
/// let l = hive::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
/// let s = hive::net::ConnectOptions::new()
///     .happy_eyeballs_delay(Some(Duration::from_millis(100)))
///     .timeout(Some(Duration::from_secs(5)))
///     .connect(l.local_addr().unwrap())
///     .await
///     .unwrap();
/// # drop(s);
/// # }).unwrap();
/// ```
#[derive(Debug, Clone)]
#[must_use = "ConnectOptions does nothing until `connect` is called"]
pub struct ConnectOptions {
    delay: Option<Duration>,
    timeout: Option<Duration>,
    nodelay: bool,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            delay: Some(HAPPY_EYEBALLS_DELAY),
            timeout: None,
            nodelay: false,
        }
    }
}

impl ConnectOptions {
    /// Happy Eyeballs with the 250 ms delay, no timeout, nodelay off.
    ///
    /// ```
    /// let _o = hive::net::ConnectOptions::new();
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// The delay before starting the next address while an attempt is
    /// still pending; `None` tries addresses one after another, each to
    /// its end (asyncio's default when `happy_eyeballs_delay` is unset).
    ///
    /// ```
    /// let _o = hive::net::ConnectOptions::new().happy_eyeballs_delay(None);
    /// ```
    #[doc(alias = "asyncio.happy_eyeballs_delay")]
    pub fn happy_eyeballs_delay(mut self, delay: Option<Duration>) -> Self {
        self.delay = delay;
        self
    }

    /// Gives up after `timeout` in all (name resolution included).
    ///
    /// ```
    /// let _o = hive::net::ConnectOptions::new().timeout(Some(std::time::Duration::from_secs(3)));
    /// ```
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets `TCP_NODELAY` on the connected stream.
    ///
    /// ```
    /// let _o = hive::net::ConnectOptions::new().nodelay(true);
    /// ```
    pub fn nodelay(mut self, nodelay: bool) -> Self {
        self.nodelay = nodelay;
        self
    }

    /// Resolves `addr` and connects.
    ///
    /// # Errors
    /// [`ConnectError`] listing each address tried and its error.
    ///
    /// ```
    /// # hive::run(async {
    /// let l = hive::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let s = hive::net::ConnectOptions::new().nodelay(true).connect(l.local_addr().unwrap()).await.unwrap();
    /// assert!(s.nodelay().unwrap());
    /// # }).unwrap();
    /// ```
    pub async fn connect(&self, addr: impl ToSocketAddrs) -> Result<TcpStream, ConnectError> {
        let deadline = self.timeout.map(|t| Instant::now() + t);
        let target = addr.target();
        let resolved = match deadline {
            Some(d) => match hive_runtime::timeout_at(d, resolve(target)).await {
                Ok(r) => r,
                Err(_) => {
                    return Err(ConnectError {
                        attempts: Vec::new(),
                        resolve: None,
                        timed_out: self.timeout,
                    })
                }
            },
            None => resolve(target).await,
        };
        let addrs = match resolved {
            Ok(a) => a,
            Err(e) => {
                return Err(ConnectError {
                    attempts: Vec::new(),
                    resolve: Some(e),
                    timed_out: None,
                })
            }
        };
        let stream = happy_eyeballs(interleave(addrs), self.delay, deadline, self.timeout).await?;
        if self.nodelay {
            // Best effort: a failure here leaves a working connection.
            let _ = stream.set_nodelay(true);
        }
        Ok(stream)
    }
}

/// RFC 8305 section 4: alternate address families, starting with the
/// family of the first address.
fn interleave(addrs: Vec<SocketAddr>) -> Vec<SocketAddr> {
    let Some(first) = addrs.first().copied() else {
        return addrs;
    };
    let (mut same, mut other): (Vec<_>, Vec<_>) = addrs
        .into_iter()
        .partition(|a| a.is_ipv4() == first.is_ipv4());
    same.reverse();
    other.reverse();
    let mut out = Vec::with_capacity(same.len() + other.len());
    while !same.is_empty() || !other.is_empty() {
        out.extend(same.pop());
        out.extend(other.pop());
    }
    out
}

type Attempt = Pin<Box<dyn Future<Output = io::Result<TcpStream>> + Send>>;

fn attempt(addr: SocketAddr) -> Attempt {
    Box::pin(connect_one(addr))
}

async fn connect_one(addr: SocketAddr) -> io::Result<TcpStream> {
    TcpSocket::for_addr(addr)?.connect(addr).await
}

async fn happy_eyeballs(
    addrs: Vec<SocketAddr>,
    delay: Option<Duration>,
    deadline: Option<Instant>,
    timeout: Option<Duration>,
) -> Result<TcpStream, ConnectError> {
    // One address and no time limit: nothing to race and nothing to time,
    // so no timers and no boxed attempt (the common case: a literal
    // address, a host with one record).
    if let ([addr], None) = (addrs.as_slice(), deadline) {
        let addr = *addr;
        return connect_one(addr).await.map_err(|e| ConnectError {
            attempts: vec![(addr, e)],
            resolve: None,
            timed_out: None,
        });
    }
    let mut pending = addrs.into_iter();
    let mut running: Vec<(SocketAddr, Attempt)> = Vec::new();
    let mut failed: Vec<(SocketAddr, io::Error)> = Vec::new();
    let far = Instant::now() + Duration::from_secs(86_400 * 365);
    let mut next_start = std::pin::pin!(sleep(Duration::ZERO));
    let mut overall = std::pin::pin!(hive_runtime::sleep_until(deadline.unwrap_or(far)));
    poll_fn(|cx| loop {
        let mut i = 0;
        while i < running.len() {
            match running[i].1.as_mut().poll(cx) {
                Poll::Ready(Ok(stream)) => return Poll::Ready(Ok(stream)),
                Poll::Ready(Err(e)) => {
                    let (addr, _) = running.swap_remove(i);
                    failed.push((addr, e));
                }
                Poll::Pending => i += 1,
            }
        }
        if deadline.is_some() && overall.as_mut().poll(cx).is_ready() {
            for (addr, _) in running.drain(..) {
                let e = io::Error::new(io::ErrorKind::TimedOut, "still connecting at the timeout");
                failed.push((addr, e));
            }
            return Poll::Ready(Err(ConnectError {
                attempts: std::mem::take(&mut failed),
                resolve: None,
                timed_out: timeout,
            }));
        }
        // Start the next address when nothing runs (the last one failed),
        // or when the current one has been pending for the delay.
        // (The delay timer is armed only while another address waits.)
        let delay_up = delay.is_some()
            && !running.is_empty()
            && pending.len() > 0
            && next_start.as_mut().poll(cx).is_ready();
        if !running.is_empty() && !delay_up {
            return Poll::Pending;
        }
        match pending.next() {
            Some(addr) => {
                running.push((addr, attempt(addr)));
                next_start
                    .as_mut()
                    .reset(delay.map_or(far, |d| Instant::now() + d));
            }
            None if running.is_empty() => {
                return Poll::Ready(Err(ConnectError {
                    attempts: std::mem::take(&mut failed),
                    resolve: None,
                    timed_out: None,
                }))
            }
            None => return Poll::Pending,
        }
    })
    .await
}

/// Waits for a non-blocking `connect` to `peer` to finish; its error if
/// it failed.
///
/// The wait is for the socket's first write readiness, which epoll reports
/// only once the handshake is over (done or failed: then `SO_ERROR` says
/// which), so the peer is the address connected to: no `getpeername`
/// to confirm it (one syscall per connection, as tokio also skips).
pub(crate) async fn finish_connect(stream: &TcpStream, peer: SocketAddr) -> io::Result<()> {
    stream
        .io
        .write_with(|s| match s.take_error()? {
            Some(e) => Err(e),
            None => {
                let _ = stream.peer.set(peer);
                Ok(())
            }
        })
        .await
}
