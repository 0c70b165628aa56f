//! asyncio's datagram endpoints: `DatagramProtocol` callbacks and the
//! `DatagramTransport` they send through.

use crate::loom::sync::{Arc, Mutex};
use crate::UdpSocket;
use hive_runtime::Task;
use std::collections::VecDeque;
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;
use std::task::{Poll, Waker};

/// A UDP endpoint's callbacks (asyncio's `asyncio.DatagramProtocol`),
/// run on the socket's loop: `connection_made` first, `connection_lost`
/// exactly once, last.
///
/// ```
/// struct Echo(Option<hive::net::DatagramTransport>);
/// impl hive::net::DatagramProtocol for Echo {
///     fn connection_made(&mut self, t: hive::net::DatagramTransport) { self.0 = Some(t); }
///     fn datagram_received(&mut self, data: &[u8], from: std::net::SocketAddr) {
///         self.0.as_ref().unwrap().sendto(data, Some(from));
///     }
/// }
/// # hive::run(async {
/// let local = "127.0.0.1:0".parse().unwrap();
/// let (t, _task) = hive::net::create_datagram_endpoint(|| Echo(None), Some(local), None).await.unwrap();
/// let client = hive::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
/// client.send_to(b"ping", t.local_addr().unwrap()).await.unwrap();
/// let mut buf = [0; 8];
/// assert_eq!(client.recv(&mut buf).await.unwrap(), 4);
/// t.close();
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.DatagramProtocol")]
pub trait DatagramProtocol: 'static {
    /// The endpoint is ready; keep the transport to send.
    ///
    /// ```
    /// struct Hello;
    /// impl hive::net::DatagramProtocol for Hello {
    ///     fn connection_made(&mut self, t: hive::net::DatagramTransport) { t.sendto(b"hello", None); }
    ///     fn datagram_received(&mut self, _: &[u8], _: std::net::SocketAddr) {}
    /// }
    /// # hive::run(async {
    /// let peer = hive::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// let remote = Some(peer.local_addr().unwrap());
    /// let (t, _task) = hive::net::create_datagram_endpoint(|| Hello, None, remote).await.unwrap();
    /// let mut buf = [0; 16];
    /// assert_eq!(peer.recv(&mut buf).await.unwrap(), 5);
    /// t.close();
    /// # }).unwrap();
    /// ```
    #[doc(alias = "BaseProtocol.connection_made")]
    fn connection_made(&mut self, transport: DatagramTransport) {
        let _ = transport;
    }
    /// A datagram arrived from `addr`.
    ///
    /// ```
    /// struct Upper(Option<hive::net::DatagramTransport>);
    /// impl hive::net::DatagramProtocol for Upper {
    ///     fn connection_made(&mut self, t: hive::net::DatagramTransport) { self.0 = Some(t); }
    ///     fn datagram_received(&mut self, data: &[u8], from: std::net::SocketAddr) {
    ///         self.0.as_ref().unwrap().sendto(&data.to_ascii_uppercase(), Some(from));
    ///     }
    /// }
    /// # hive::run(async {
    /// let local = Some("127.0.0.1:0".parse().unwrap());
    /// let (t, _task) = hive::net::create_datagram_endpoint(|| Upper(None), local, None).await.unwrap();
    /// let client = hive::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// client.send_to(b"ping", t.local_addr().unwrap()).await.unwrap();
    /// let mut buf = [0; 8];
    /// let n = client.recv(&mut buf).await.unwrap();
    /// assert_eq!(&buf[..n], b"PING");
    /// # t.close();
    /// # }).unwrap();
    /// ```
    #[doc(alias = "DatagramProtocol.datagram_received")]
    fn datagram_received(&mut self, data: &[u8], addr: SocketAddr);
    /// A send or receive failed (e.g. `ConnectionRefused` from an ICMP
    /// error on a connected socket); the endpoint stays open.
    ///
    /// ```
    /// struct Refused(Option<hive::net::DatagramTransport>, Option<std::io::ErrorKind>);
    /// impl hive::net::DatagramProtocol for Refused {
    ///     fn connection_made(&mut self, t: hive::net::DatagramTransport) { self.0 = Some(t); }
    ///     fn datagram_received(&mut self, _: &[u8], _: std::net::SocketAddr) {}
    ///     fn error_received(&mut self, error: std::io::Error) {
    ///         self.1 = Some(error.kind());
    ///         self.0.as_ref().unwrap().close();
    ///     }
    /// }
    /// # hive::run(async {
    /// // A port nothing listens on: the kernel answers with ICMP "port unreachable".
    /// let closed = std::net::UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    /// let (t, done) = hive::net::create_datagram_endpoint(|| Refused(None, None), None, Some(closed)).await.unwrap();
    /// t.sendto(b"anyone?", None);
    /// assert_eq!(done.await.unwrap().1, Some(std::io::ErrorKind::ConnectionRefused));
    /// # }).unwrap();
    /// ```
    #[doc(alias = "DatagramProtocol.error_received")]
    fn error_received(&mut self, error: io::Error) {
        let _ = error;
    }
    /// The endpoint is closed.
    ///
    /// ```
    /// #[derive(Default)]
    /// struct Track(bool);
    /// impl hive::net::DatagramProtocol for Track {
    ///     fn datagram_received(&mut self, _: &[u8], _: std::net::SocketAddr) {}
    ///     fn connection_lost(&mut self, error: Option<std::io::Error>) {
    ///         self.0 = error.is_none();
    ///     }
    /// }
    /// # hive::run(async {
    /// let local = Some("127.0.0.1:0".parse().unwrap());
    /// let (t, done) = hive::net::create_datagram_endpoint(Track::default, local, None).await.unwrap();
    /// t.close();
    /// assert!(done.await.unwrap().0); // lost, cleanly
    /// # }).unwrap();
    /// ```
    #[doc(alias = "BaseProtocol.connection_lost")]
    fn connection_lost(&mut self, error: Option<io::Error>) {
        let _ = error;
    }
}

/// Sends datagrams for a [`DatagramProtocol`] (asyncio's `DatagramTransport`).
///
/// ```
/// struct Nop;
/// impl hive::net::DatagramProtocol for Nop { fn datagram_received(&mut self, _: &[u8], _: std::net::SocketAddr) {} }
/// # hive::run(async {
/// let peer = hive::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
/// let (t, done) = hive::net::create_datagram_endpoint(|| Nop, None, Some(peer.local_addr().unwrap())).await.unwrap();
/// t.sendto(b"hi", None);
/// assert_eq!(peer.recv(&mut [0; 4]).await.unwrap(), 2);
/// t.close();
/// done.await.unwrap();
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.DatagramTransport")]
#[derive(Clone)]
pub struct DatagramTransport {
    inner: Arc<Inner>,
}

struct Inner {
    socket: UdpSocket,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    queue: VecDeque<(Vec<u8>, Option<SocketAddr>)>,
    queued_bytes: usize,
    errors: Vec<io::Error>,
    closing: bool,
    aborted: bool,
    owner: Option<Waker>,
}

impl State {
    fn wake(&self) {
        if let Some(w) = &self.owner {
            w.wake_by_ref();
        }
    }
}

impl DatagramTransport {
    /// Sends `data` to `addr` (or the connected peer with `None`); queued
    /// if the socket is full. Errors go to `error_received`.
    ///
    /// ```
    /// # struct P;
    /// # impl hive::net::DatagramProtocol for P { fn datagram_received(&mut self, _: &[u8], _: std::net::SocketAddr) {} }
    /// # hive::run(async {
    /// let (t, _task) = hive::net::create_datagram_endpoint(|| P, Some("127.0.0.1:0".parse().unwrap()), None).await.unwrap();
    /// t.sendto(b"x", Some(t.local_addr().unwrap()));
    /// # }).unwrap();
    /// ```
    #[doc(alias = "DatagramTransport.sendto")]
    pub fn sendto(&self, data: &[u8], addr: Option<SocketAddr>) {
        let mut st = self.inner.state.lock();
        if st.closing || st.aborted {
            return;
        }
        if st.queue.is_empty() {
            let sock = self.inner.socket.io.get_ref();
            let sent = match addr {
                Some(a) => sock.send_to(data, a),
                None => sock.send(data),
            };
            match sent {
                Ok(_) => return,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => {
                    st.errors.push(e);
                    st.wake();
                    return;
                }
            }
        }
        st.queued_bytes += data.len();
        st.queue.push_back((data.to_vec(), addr));
        st.wake();
    }

    /// Closes after the queued datagrams are sent.
    ///
    /// ```
    /// # struct P;
    /// # impl hive::net::DatagramProtocol for P { fn datagram_received(&mut self, _: &[u8], _: std::net::SocketAddr) {} }
    /// # hive::run(async {
    /// let (t, _task) = hive::net::create_datagram_endpoint(|| P, Some("127.0.0.1:0".parse().unwrap()), None).await.unwrap();
    /// t.close();
    /// _task.await.unwrap();
    /// # }).unwrap();
    /// ```
    #[doc(alias = "BaseTransport.close")]
    pub fn close(&self) {
        let mut st = self.inner.state.lock();
        st.closing = true;
        st.wake();
    }

    /// Closes at once, dropping queued datagrams.
    ///
    /// ```
    /// # struct P;
    /// # impl hive::net::DatagramProtocol for P { fn datagram_received(&mut self, _: &[u8], _: std::net::SocketAddr) {} }
    /// # hive::run(async {
    /// let (t, _task) = hive::net::create_datagram_endpoint(|| P, Some("127.0.0.1:0".parse().unwrap()), None).await.unwrap();
    /// t.abort();
    /// _task.await.unwrap();
    /// # }).unwrap();
    /// ```
    #[doc(alias = "DatagramTransport.abort")]
    pub fn abort(&self) {
        let mut st = self.inner.state.lock();
        st.aborted = true;
        st.queue.clear();
        st.queued_bytes = 0;
        st.wake();
    }

    /// True once closing or closed.
    ///
    /// ```
    /// # struct P;
    /// # impl hive::net::DatagramProtocol for P { fn datagram_received(&mut self, _: &[u8], _: std::net::SocketAddr) {} }
    /// # hive::run(async {
    /// let (t, _task) = hive::net::create_datagram_endpoint(|| P, Some("127.0.0.1:0".parse().unwrap()), None).await.unwrap();
    /// assert!(!t.is_closing());
    /// # }).unwrap();
    /// ```
    #[doc(alias = "BaseTransport.is_closing")]
    pub fn is_closing(&self) -> bool {
        let st = self.inner.state.lock();
        st.closing || st.aborted
    }

    /// Bytes queued and not yet sent.
    ///
    /// ```
    /// # struct P;
    /// # impl hive::net::DatagramProtocol for P { fn datagram_received(&mut self, _: &[u8], _: std::net::SocketAddr) {} }
    /// # hive::run(async {
    /// let (t, _task) = hive::net::create_datagram_endpoint(|| P, Some("127.0.0.1:0".parse().unwrap()), None).await.unwrap();
    /// assert_eq!(t.get_write_buffer_size(), 0);
    /// # }).unwrap();
    /// ```
    #[doc(alias = "WriteTransport.get_write_buffer_size")]
    pub fn get_write_buffer_size(&self) -> usize {
        self.inner.state.lock().queued_bytes
    }

    /// The bound address.
    ///
    /// ```
    /// # struct P;
    /// # impl hive::net::DatagramProtocol for P { fn datagram_received(&mut self, _: &[u8], _: std::net::SocketAddr) {} }
    /// # hive::run(async {
    /// let (t, _task) = hive::net::create_datagram_endpoint(|| P, Some("127.0.0.1:0".parse().unwrap()), None).await.unwrap();
    /// assert!(t.local_addr().unwrap().port() > 0);
    /// # }).unwrap();
    /// ```
    #[doc(alias = "sockname")]
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.socket.local_addr()
    }

    /// The connected peer, if any.
    ///
    /// ```
    /// # struct P;
    /// # impl hive::net::DatagramProtocol for P { fn datagram_received(&mut self, _: &[u8], _: std::net::SocketAddr) {} }
    /// # hive::run(async {
    /// let (t, _task) = hive::net::create_datagram_endpoint(|| P, Some("127.0.0.1:0".parse().unwrap()), None).await.unwrap();
    /// assert!(t.peer_addr().is_err());
    /// # }).unwrap();
    /// ```
    #[doc(alias = "peername")]
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.socket.peer_addr()
    }
}

impl fmt::Debug for DatagramTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatagramTransport")
            .field("local", &self.local_addr().ok())
            .finish()
    }
}

/// Opens a UDP endpoint bound to `local` (or an ephemeral port of the
/// remote's family), connected to `remote` if given, and drives the
/// protocol on the socket's loop (asyncio's `loop.create_datagram_endpoint`).
/// The task gives the protocol back after `connection_lost`.
///
/// # Errors
/// Bind or connect errors; `InvalidInput` if neither address is given.
///
/// ```
/// struct Nop;
/// impl hive::net::DatagramProtocol for Nop { fn datagram_received(&mut self, _: &[u8], _: std::net::SocketAddr) {} }
/// # hive::run(async {
/// let (t, done) = hive::net::create_datagram_endpoint(|| Nop, Some("127.0.0.1:0".parse().unwrap()), None).await.unwrap();
/// t.close();
/// done.await.unwrap();
/// # }).unwrap();
/// ```
#[doc(alias = "loop.create_datagram_endpoint")]
pub async fn create_datagram_endpoint<P, F>(
    factory: F,
    local: Option<SocketAddr>,
    remote: Option<SocketAddr>,
) -> io::Result<(DatagramTransport, Task<P>)>
where
    F: FnOnce() -> P,
    P: DatagramProtocol + Send,
{
    let bind = match (local, remote) {
        (Some(l), _) => l,
        (None, Some(r)) if r.is_ipv4() => "0.0.0.0:0".parse().expect("literal"),
        (None, Some(_)) => "[::]:0".parse().expect("literal"),
        (None, None) => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "create_datagram_endpoint needs a local or a remote address",
            ))
        }
    };
    let socket = UdpSocket::bind(bind).await?;
    if let Some(r) = remote {
        socket.connect(r).await?;
    }
    let loop_id = socket.io.loop_id();
    let transport = DatagramTransport {
        inner: Arc::new(Inner {
            socket,
            state: Mutex::new(State::default()),
        }),
    };
    let proto = factory();
    let t = transport.clone();
    let task = hive_runtime::spawn_on_loop(loop_id, async move {
        let mut proto = proto;
        drive(&mut proto, t).await;
        proto
    })
    .map_err(io::Error::other)?;
    Ok((transport, task))
}

async fn drive<P: DatagramProtocol>(proto: &mut P, transport: DatagramTransport) {
    proto.connection_made(transport.clone());
    let inner = &transport.inner;
    let mut buf = vec![0u8; 65_536];
    poll_fn(|cx| loop {
        let errors = {
            let mut st = inner.state.lock();
            st.owner = Some(cx.waker().clone());
            if st.aborted {
                return Poll::Ready(());
            }
            // Flush queued datagrams.
            while let Some((data, addr)) = st.queue.front() {
                match inner.socket.poll_send_to(cx, data, *addr) {
                    Poll::Ready(result) => {
                        let len = data.len();
                        st.queue.pop_front();
                        st.queued_bytes -= len;
                        if let Err(e) = result {
                            st.errors.push(e);
                        }
                    }
                    Poll::Pending => break,
                }
            }
            if st.closing && st.queue.is_empty() && st.errors.is_empty() {
                return Poll::Ready(());
            }
            std::mem::take(&mut st.errors)
        };
        for e in errors {
            proto.error_received(e);
        }
        if transport.is_closing() {
            if transport.inner.state.lock().queue.is_empty() {
                continue;
            }
            return Poll::Pending;
        }
        match inner.socket.poll_recv_from(cx, &mut buf) {
            Poll::Ready(Ok((n, from))) => proto.datagram_received(&buf[..n], from),
            Poll::Ready(Err(e)) => proto.error_received(e),
            Poll::Pending => return Poll::Pending,
        }
    })
    .await;
    proto.connection_lost(None);
}
