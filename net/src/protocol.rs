//! asyncio's low-level API: `Protocol` callbacks driven by a connection
//! task, and the `Transport` handle they write through.

use crate::addr::ToSocketAddrs;
use crate::conn::{Addr, Conn};
use crate::dial::{CreateConnection, Endpoint};
use crate::loom::sync::atomic::{AtomicBool, Ordering};
use crate::loom::sync::Arc;
use crate::start::{Bind, StartServer};
use crate::write_core::{Closing, WriteCore};
use hive_runtime::{LoopId, Task};
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::path::Path;
use std::task::{ready, Poll};

/// How much a connection asks for per read: a [`Protocol`]'s receive
/// buffer, and the size hint a [`BufferedProtocol`](crate::BufferedProtocol)
/// gets (asyncio reads up to 256 KiB; 64 KiB is what one `recv` on
/// loopback returns at most with default socket buffers).
pub(crate) const READ_SIZE: usize = 64 * 1024;

/// What a connection's task drives: any [`Protocol`], or a
/// [`BufferedProtocol`](crate::BufferedProtocol) wrapped in
/// [`Buffered`](crate::Buffered). The calls that take a protocol factory
/// accept either; the trait is sealed (implement one of those two).
///
/// ```
/// fn serve_either<P: hive::net::AnyProtocol>(make: fn() -> P) -> hive::net::StartServer {
///     hive::net::create_server(make, "127.0.0.1:0")
/// }
/// struct Nop;
/// impl hive::net::Protocol for Nop { fn data_received(&mut self, _: &[u8]) {} }
/// # hive::run(async {
/// let server = serve_either(|| Nop).await.unwrap();
/// # server.close();
/// # }).unwrap();
/// ```
pub trait AnyProtocol: sealed::Callbacks {}

impl<T: sealed::Callbacks> AnyProtocol for T {}

pub(crate) mod sealed {
    use super::Transport;
    use std::io;
    use std::task::Poll;

    /// One read from the connection into the given buffer.
    pub type Read<'a, 'b> = &'a mut dyn FnMut(&mut [u8]) -> Poll<io::Result<usize>>;

    /// The callbacks `drive` makes, whichever kind of protocol runs.
    pub trait Callbacks: 'static {
        /// `connection_made`.
        fn made(&mut self, transport: Transport);
        /// Reads once with `read` and hands over what came; `Ok(0)` is EOF.
        /// `scratch` is the connection's receive buffer, for a protocol
        /// that has none of its own (empty until the first read).
        fn poll_receive(
            &mut self,
            read: Read<'_, '_>,
            scratch: &mut Vec<u8>,
        ) -> Poll<io::Result<usize>>;
        /// `eof_received`.
        fn eof(&mut self) -> bool;
        /// `connection_lost`.
        fn lost(&mut self, error: Option<io::Error>);
        /// `pause_writing`.
        fn pause(&mut self);
        /// `resume_writing`.
        fn resume(&mut self);
    }
}

impl<P: Protocol> sealed::Callbacks for P {
    fn made(&mut self, transport: Transport) {
        self.connection_made(transport);
    }
    fn poll_receive(
        &mut self,
        read: sealed::Read<'_, '_>,
        scratch: &mut Vec<u8>,
    ) -> Poll<io::Result<usize>> {
        if scratch.is_empty() {
            scratch.resize(READ_SIZE, 0);
        }
        let n = ready!(read(scratch))?;
        if n > 0 {
            self.data_received(&scratch[..n]);
        }
        Poll::Ready(Ok(n))
    }
    fn eof(&mut self) -> bool {
        self.eof_received()
    }
    fn lost(&mut self, error: Option<io::Error>) {
        self.connection_lost(error);
    }
    fn pause(&mut self) {
        self.pause_writing();
    }
    fn resume(&mut self) {
        self.resume_writing();
    }
}

/// A connection's callbacks (asyncio's `asyncio.Protocol`). They run on
/// the loop that owns the socket, in asyncio's order:
/// `connection_made` first, then `data_received`*, then `eof_received`
/// at most once, then `connection_lost` exactly once, last.
/// `pause_writing`/`resume_writing` bracket periods when the transport's
/// write buffer is above its high-water mark; they run right after the
/// callback whose `write` crossed the mark.
///
/// ```
/// struct Echo(Option<hive::net::Transport>);
/// impl hive::net::Protocol for Echo {
///     fn connection_made(&mut self, t: hive::net::Transport) { self.0 = Some(t); }
///     fn data_received(&mut self, data: &[u8]) { self.0.as_ref().unwrap().write(data); }
/// }
/// # hive::run(async {
/// let server = hive::net::create_server(|| Echo(None), "127.0.0.1:0").await.unwrap();
/// let addr = server.local_addrs()[0].as_inet().unwrap();
/// let (mut r, w) = hive::net::open_connection(addr).await.unwrap();
/// w.write(b"ping");
/// assert_eq!(r.read_exact(4).await.unwrap(), b"ping");
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.Protocol")]
pub trait Protocol: 'static {
    /// The connection is up; keep the transport to write.
    ///
    /// ```
    /// struct Greeter;
    /// impl hive::net::Protocol for Greeter {
    ///     fn connection_made(&mut self, t: hive::net::Transport) {
    ///         t.write(b"welcome\n");
    ///         t.close();
    ///     }
    ///     fn data_received(&mut self, _: &[u8]) {}
    /// }
    /// # hive::run(async {
    /// let server = hive::net::create_server(|| Greeter, "127.0.0.1:0").await.unwrap();
    /// let (mut r, _w) = hive::net::open_connection(&server.local_addrs()[0]).await.unwrap();
    /// assert_eq!(r.readline().await.unwrap(), b"welcome\n");
    /// # }).unwrap();
    /// ```
    #[doc(alias = "BaseProtocol.connection_made")]
    fn connection_made(&mut self, transport: Transport) {
        let _ = transport;
    }
    /// Bytes arrived.
    ///
    /// ```
    /// #[derive(Default)]
    /// struct Lines(Vec<u8>, usize);
    /// impl hive::net::Protocol for Lines {
    ///     fn data_received(&mut self, data: &[u8]) {
    ///         self.0.extend_from_slice(data);
    ///         self.1 += data.iter().filter(|&&b| b == b'\n').count();
    ///     }
    /// }
    /// # hive::run(async {
    /// let server = hive::net::start_server(|_r, w| async move { w.write(b"a\nb\n"); w.close(); }, "127.0.0.1:0").await.unwrap();
    /// let (_t, done) = hive::net::create_connection(Lines::default, &server.local_addrs()[0]).await.unwrap();
    /// let lines = done.await.unwrap();
    /// assert_eq!((lines.0.as_slice(), lines.1), (&b"a\nb\n"[..], 2));
    /// # }).unwrap();
    /// ```
    #[doc(alias = "Protocol.data_received")]
    fn data_received(&mut self, data: &[u8]);
    /// The peer sent EOF. Return `true` to keep the connection open for
    /// writing (then close it yourself); `false` closes it.
    ///
    /// ```
    /// struct LateReply(Option<hive::net::Transport>);
    /// impl hive::net::Protocol for LateReply {
    ///     fn connection_made(&mut self, t: hive::net::Transport) { self.0 = Some(t); }
    ///     fn data_received(&mut self, _: &[u8]) {}
    ///     fn eof_received(&mut self) -> bool {
    ///         let t = self.0.clone().unwrap();
    ///         hive::spawn(async move {
    ///             hive::sleep(std::time::Duration::from_millis(10)).await;
    ///             t.write(b"done");
    ///             t.close();
    ///         });
    ///         true // keep the write side open for the answer
    ///     }
    /// }
    /// # hive::run(async {
    /// let server = hive::net::create_server(|| LateReply(None), "127.0.0.1:0").await.unwrap();
    /// let (mut r, w) = hive::net::open_connection(&server.local_addrs()[0]).await.unwrap();
    /// w.write_eof();
    /// assert_eq!(r.read_to_end().await.unwrap(), b"done");
    /// # }).unwrap();
    /// ```
    #[doc(alias = "Protocol.eof_received")]
    fn eof_received(&mut self) -> bool {
        false
    }
    /// The connection is closed: `None` after a clean close, else the error.
    ///
    /// ```
    /// #[derive(Default)]
    /// struct Track(Option<Option<std::io::ErrorKind>>);
    /// impl hive::net::Protocol for Track {
    ///     fn data_received(&mut self, _: &[u8]) {}
    ///     fn connection_lost(&mut self, error: Option<std::io::Error>) {
    ///         self.0 = Some(error.map(|e| e.kind()));
    ///     }
    /// }
    /// # hive::run(async {
    /// # let server = hive::net::start_server(|_r, _w| async {}, "127.0.0.1:0").await.unwrap();
    /// let (t, done) = hive::net::create_connection(Track::default, &server.local_addrs()[0]).await.unwrap();
    /// t.close();
    /// assert_eq!(done.await.unwrap().0, Some(None)); // lost, cleanly
    /// # }).unwrap();
    /// ```
    #[doc(alias = "BaseProtocol.connection_lost")]
    fn connection_lost(&mut self, error: Option<io::Error>) {
        let _ = error;
    }
    /// The write buffer went above the high-water mark.
    ///
    /// ```
    /// #[derive(Default)]
    /// struct Flood(u32);
    /// impl hive::net::Protocol for Flood {
    ///     fn connection_made(&mut self, t: hive::net::Transport) {
    ///         t.write(&vec![0; 32 << 20]); // more than the socket takes at once
    ///         t.close();
    ///     }
    ///     fn data_received(&mut self, _: &[u8]) {}
    ///     fn pause_writing(&mut self) { self.0 += 1; } // a producer stops here
    /// }
    /// # hive::run(async {
    /// let sink = hive::net::start_server(|mut r, _w| async move { while !r.read(1 << 16).await.unwrap().is_empty() {} }, "127.0.0.1:0").await.unwrap();
    /// let (_t, done) = hive::net::create_connection(Flood::default, &sink.local_addrs()[0]).await.unwrap();
    /// assert_eq!(done.await.unwrap().0, 1);
    /// # }).unwrap();
    /// ```
    #[doc(alias = "BaseProtocol.pause_writing")]
    fn pause_writing(&mut self) {}
    /// The write buffer fell to the low-water mark.
    ///
    /// ```
    /// /// Sends three 32 MiB chunks, the next one each time the buffer drains.
    /// struct Producer(Option<hive::net::Transport>, u8);
    /// impl hive::net::Protocol for Producer {
    ///     fn connection_made(&mut self, t: hive::net::Transport) {
    ///         self.0 = Some(t);
    ///         self.resume_writing();
    ///     }
    ///     fn data_received(&mut self, _: &[u8]) {}
    ///     fn resume_writing(&mut self) {
    ///         let t = self.0.as_ref().unwrap();
    ///         self.1 += 1;
    ///         if self.1 > 3 { t.close() } else { t.write(&vec![self.1; 32 << 20]) }
    ///     }
    /// }
    /// # hive::run(async {
    /// # let sink = hive::net::start_server(|mut r, _w| async move { while !r.read(1 << 16).await.unwrap().is_empty() {} }, "127.0.0.1:0").await.unwrap();
    /// let (_t, done) = hive::net::create_connection(|| Producer(None, 0), &sink.local_addrs()[0]).await.unwrap();
    /// assert_eq!(done.await.unwrap().1, 4);
    /// # }).unwrap();
    /// ```
    #[doc(alias = "BaseProtocol.resume_writing")]
    fn resume_writing(&mut self) {}
}

/// A connection's handle for its protocol (asyncio's `Transport`):
/// writes buffer and never block; cheap to clone, usable from any thread.
///
/// ```
/// struct Hello;
/// impl hive::net::Protocol for Hello {
///     fn connection_made(&mut self, t: hive::net::Transport) {
///         t.write(b"hello");
///         t.close();
///     }
///     fn data_received(&mut self, _: &[u8]) {}
/// }
/// # hive::run(async {
/// let server = hive::net::create_server(|| Hello, "127.0.0.1:0").await.unwrap();
/// let (mut r, _w) = hive::net::open_connection(server.local_addrs()[0].as_inet().unwrap()).await.unwrap();
/// assert_eq!(r.read_to_end().await.unwrap(), b"hello");
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.Transport")]
#[derive(Clone)]
pub struct Transport {
    core: Arc<WriteCore>,
    reading_paused: Arc<AtomicBool>,
}

impl Transport {
    fn new(core: Arc<WriteCore>) -> Transport {
        Transport {
            core,
            reading_paused: Arc::new(AtomicBool::new(false)),
        }
    }

    /// The transport that carries on over `core` after `start_tls`:
    /// it shares this one's pause flag, so the protocol's reading state
    /// carries over too.
    #[cfg(feature = "tls")]
    pub(crate) fn successor(&self, core: Arc<WriteCore>) -> Transport {
        Transport {
            core,
            reading_paused: self.reading_paused.clone(),
        }
    }

    #[cfg(feature = "tls")]
    pub(crate) fn core(&self) -> &Arc<WriteCore> {
        &self.core
    }

    /// Queues `data`; sent at once if the socket has room.
    ///
    /// ```
    /// # struct P;
    /// # impl hive::net::Protocol for P { fn data_received(&mut self, _: &[u8]) {} }
    /// # hive::run(async {
    /// # let server = hive::net::start_server(|_r, _w| async {}, "127.0.0.1:0").await.unwrap();
    /// # let addr = server.local_addrs()[0].as_inet().unwrap();
    /// let (t, _task) = hive::net::create_connection(|| P, addr).await.unwrap();
    /// t.write(b"data");
    /// # }).unwrap();
    /// ```
    #[doc(alias = "WriteTransport.write")]
    pub fn write(&self, data: &[u8]) {
        self.core.write(data);
    }

    /// Queues each buffer in turn.
    ///
    /// ```
    /// # struct P;
    /// # impl hive::net::Protocol for P { fn data_received(&mut self, _: &[u8]) {} }
    /// # hive::run(async {
    /// # let server = hive::net::start_server(|_r, _w| async {}, "127.0.0.1:0").await.unwrap();
    /// # let addr = server.local_addrs()[0].as_inet().unwrap();
    /// let (t, _task) = hive::net::create_connection(|| P, addr).await.unwrap();
    /// t.writelines(["a", "b"]);
    /// # }).unwrap();
    /// ```
    #[doc(alias = "WriteTransport.writelines")]
    pub fn writelines<I: IntoIterator<Item = B>, B: AsRef<[u8]>>(&self, lines: I) {
        for l in lines {
            self.core.write(l.as_ref());
        }
    }

    /// Sends EOF after the buffered data; reading goes on.
    ///
    /// ```
    /// # struct P;
    /// # impl hive::net::Protocol for P { fn data_received(&mut self, _: &[u8]) {} }
    /// # hive::run(async {
    /// # let server = hive::net::start_server(|_r, _w| async {}, "127.0.0.1:0").await.unwrap();
    /// # let addr = server.local_addrs()[0].as_inet().unwrap();
    /// let (t, _task) = hive::net::create_connection(|| P, addr).await.unwrap();
    /// t.write_eof();
    /// assert!(t.is_closing());
    /// # }).unwrap();
    /// ```
    #[doc(alias = "WriteTransport.write_eof")]
    pub fn write_eof(&self) {
        self.core.close(Closing::Eof);
    }

    /// Always true for TCP and Unix streams.
    ///
    /// ```
    /// # struct P;
    /// # impl hive::net::Protocol for P { fn data_received(&mut self, _: &[u8]) {} }
    /// # hive::run(async {
    /// # let server = hive::net::start_server(|_r, _w| async {}, "127.0.0.1:0").await.unwrap();
    /// # let addr = server.local_addrs()[0].as_inet().unwrap();
    /// let (t, _task) = hive::net::create_connection(|| P, addr).await.unwrap();
    /// assert!(t.can_write_eof());
    /// # }).unwrap();
    /// ```
    #[doc(alias = "WriteTransport.can_write_eof")]
    pub fn can_write_eof(&self) -> bool {
        true
    }

    /// Closes after the buffered data is sent; reading stops now.
    /// `connection_lost(None)` follows.
    ///
    /// ```
    /// # struct P;
    /// # impl hive::net::Protocol for P { fn data_received(&mut self, _: &[u8]) {} }
    /// # hive::run(async {
    /// # let server = hive::net::start_server(|_r, _w| async {}, "127.0.0.1:0").await.unwrap();
    /// # let addr = server.local_addrs()[0].as_inet().unwrap();
    /// let (t, _task) = hive::net::create_connection(|| P, addr).await.unwrap();
    /// t.close();
    /// _task.await.unwrap();
    /// # }).unwrap();
    /// ```
    #[doc(alias = "BaseTransport.close")]
    pub fn close(&self) {
        self.core.close(Closing::Close);
    }

    /// Closes at once, discarding buffered data.
    ///
    /// ```
    /// # struct P;
    /// # impl hive::net::Protocol for P { fn data_received(&mut self, _: &[u8]) {} }
    /// # hive::run(async {
    /// # let server = hive::net::start_server(|_r, _w| async {}, "127.0.0.1:0").await.unwrap();
    /// # let addr = server.local_addrs()[0].as_inet().unwrap();
    /// let (t, _task) = hive::net::create_connection(|| P, addr).await.unwrap();
    /// t.abort();
    /// _task.await.unwrap();
    /// # }).unwrap();
    /// ```
    #[doc(alias = "WriteTransport.abort")]
    pub fn abort(&self) {
        self.core.abort();
    }

    /// True once closing or closed.
    ///
    /// ```
    /// # struct P;
    /// # impl hive::net::Protocol for P { fn data_received(&mut self, _: &[u8]) {} }
    /// # hive::run(async {
    /// # let server = hive::net::start_server(|_r, _w| async {}, "127.0.0.1:0").await.unwrap();
    /// # let addr = server.local_addrs()[0].as_inet().unwrap();
    /// let (t, _task) = hive::net::create_connection(|| P, addr).await.unwrap();
    /// assert!(!t.is_closing());
    /// # }).unwrap();
    /// ```
    #[doc(alias = "BaseTransport.is_closing")]
    pub fn is_closing(&self) -> bool {
        self.core.is_closing()
    }

    /// Stops calling `data_received` until [`resume_reading`](Transport::resume_reading).
    ///
    /// ```
    /// # struct P;
    /// # impl hive::net::Protocol for P { fn data_received(&mut self, _: &[u8]) {} }
    /// # hive::run(async {
    /// # let server = hive::net::start_server(|_r, _w| async {}, "127.0.0.1:0").await.unwrap();
    /// # let addr = server.local_addrs()[0].as_inet().unwrap();
    /// let (t, _task) = hive::net::create_connection(|| P, addr).await.unwrap();
    /// t.pause_reading();
    /// assert!(!t.is_reading());
    /// # }).unwrap();
    /// ```
    #[doc(alias = "ReadTransport.pause_reading")]
    pub fn pause_reading(&self) {
        self.reading_paused.store(true, Ordering::Release);
    }

    /// Resumes reading.
    ///
    /// ```
    /// # struct P;
    /// # impl hive::net::Protocol for P { fn data_received(&mut self, _: &[u8]) {} }
    /// # hive::run(async {
    /// # let server = hive::net::start_server(|_r, _w| async {}, "127.0.0.1:0").await.unwrap();
    /// # let addr = server.local_addrs()[0].as_inet().unwrap();
    /// let (t, _task) = hive::net::create_connection(|| P, addr).await.unwrap();
    /// t.pause_reading();
    /// t.resume_reading();
    /// assert!(t.is_reading());
    /// # }).unwrap();
    /// ```
    #[doc(alias = "ReadTransport.resume_reading")]
    pub fn resume_reading(&self) {
        self.reading_paused.store(false, Ordering::Release);
        self.core.wake_owner();
    }

    /// True unless reading is paused.
    ///
    /// ```
    /// # struct P;
    /// # impl hive::net::Protocol for P { fn data_received(&mut self, _: &[u8]) {} }
    /// # hive::run(async {
    /// # let server = hive::net::start_server(|_r, _w| async {}, "127.0.0.1:0").await.unwrap();
    /// # let addr = server.local_addrs()[0].as_inet().unwrap();
    /// let (t, _task) = hive::net::create_connection(|| P, addr).await.unwrap();
    /// assert!(t.is_reading());
    /// # }).unwrap();
    /// ```
    #[doc(alias = "ReadTransport.is_reading")]
    pub fn is_reading(&self) -> bool {
        !self.reading_paused.load(Ordering::Acquire)
    }

    /// Sets the high-water mark and the low one (default high / 4).
    ///
    /// ```
    /// # struct P;
    /// # impl hive::net::Protocol for P { fn data_received(&mut self, _: &[u8]) {} }
    /// # hive::run(async {
    /// # let server = hive::net::start_server(|_r, _w| async {}, "127.0.0.1:0").await.unwrap();
    /// # let addr = server.local_addrs()[0].as_inet().unwrap();
    /// let (t, _task) = hive::net::create_connection(|| P, addr).await.unwrap();
    /// t.set_write_buffer_limits(1 << 20, None);
    /// # }).unwrap();
    /// ```
    #[doc(alias = "WriteTransport.set_write_buffer_limits")]
    pub fn set_write_buffer_limits(&self, high: usize, low: Option<usize>) {
        self.core.set_limits(high, low);
    }

    /// Bytes buffered and not yet taken by the kernel.
    ///
    /// ```
    /// # struct P;
    /// # impl hive::net::Protocol for P { fn data_received(&mut self, _: &[u8]) {} }
    /// # hive::run(async {
    /// # let server = hive::net::start_server(|_r, _w| async {}, "127.0.0.1:0").await.unwrap();
    /// # let addr = server.local_addrs()[0].as_inet().unwrap();
    /// let (t, _task) = hive::net::create_connection(|| P, addr).await.unwrap();
    /// assert_eq!(t.get_write_buffer_size(), 0);
    /// # }).unwrap();
    /// ```
    #[doc(alias = "WriteTransport.get_write_buffer_size")]
    pub fn get_write_buffer_size(&self) -> usize {
        self.core.buffer_size()
    }

    /// The peer's address.
    ///
    /// ```
    /// # struct P;
    /// # impl hive::net::Protocol for P { fn data_received(&mut self, _: &[u8]) {} }
    /// # hive::run(async {
    /// # let server = hive::net::start_server(|_r, _w| async {}, "127.0.0.1:0").await.unwrap();
    /// # let addr = server.local_addrs()[0].as_inet().unwrap();
    /// let (t, _task) = hive::net::create_connection(|| P, addr).await.unwrap();
    /// assert!(t.peer_addr().unwrap().as_inet().is_some());
    /// # }).unwrap();
    /// ```
    #[doc(alias = "peername")]
    pub fn peer_addr(&self) -> io::Result<Addr> {
        self.core.conn.peer_addr()
    }

    /// What the TLS handshake agreed on (asyncio's
    /// `get_extra_info('ssl_object')`), or `None` over plain TCP.
    ///
    /// ```
    /// # struct P;
    /// # impl hive::net::Protocol for P { fn data_received(&mut self, _: &[u8]) {} }
    /// # hive::run(async {
    /// # let server = hive::net::start_server(|_r, _w| async {}, "127.0.0.1:0").await.unwrap();
    /// # let addr = server.local_addrs()[0].as_inet().unwrap();
    /// let (t, _task) = hive::net::create_connection(|| P, addr).await.unwrap();
    /// assert!(t.tls_info().is_none());
    /// # }).unwrap();
    /// ```
    #[cfg(feature = "tls")]
    #[doc(alias = "get_extra_info")]
    pub fn tls_info(&self) -> Option<crate::tls::TlsInfo> {
        match &self.core.conn {
            Conn::Tls(t) => Some(t.tls_info()),
            _ => None,
        }
    }

    /// The local address.
    ///
    /// ```
    /// # struct P;
    /// # impl hive::net::Protocol for P { fn data_received(&mut self, _: &[u8]) {} }
    /// # hive::run(async {
    /// # let server = hive::net::start_server(|_r, _w| async {}, "127.0.0.1:0").await.unwrap();
    /// # let addr = server.local_addrs()[0].as_inet().unwrap();
    /// let (t, _task) = hive::net::create_connection(|| P, addr).await.unwrap();
    /// assert!(t.local_addr().is_ok());
    /// # }).unwrap();
    /// ```
    #[doc(alias = "sockname")]
    pub fn local_addr(&self) -> io::Result<Addr> {
        self.core.conn.local_addr()
    }
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("buffered", &self.core.buffer_size())
            .field("closing", &self.is_closing())
            .finish()
    }
}

/// Runs `proto`'s callbacks for one connection until it is lost.
async fn drive<P: AnyProtocol>(proto: &mut P, transport: Transport) {
    #[cfg_attr(not(feature = "tls"), allow(unused_mut))]
    let mut core = transport.core.clone();
    proto.made(transport.clone());
    let mut reported_paused = false;
    let mut eof = false;
    // A `Protocol`'s receive buffer, made at its first read (a
    // `BufferedProtocol` reads into its own).
    let mut scratch = Vec::new();
    let mut lost: Option<io::Error> = None;
    poll_fn(|cx| {
        core.set_owner(cx.waker());
        loop {
            // The pause flag is read before the state: `start_tls` hands
            // the connection over (under the state lock) before it resumes
            // reading (Release), so a loop that sees reading resumed
            // (Acquire) also sees the successor below and never reads the
            // TLS session's records off the plain socket (loom model:
            // loom-tests/tests/net_start_tls_handover.rs).
            let reading = transport.is_reading();
            let (paused, done, error, closing) = {
                let st = core.state.lock();
                // After `start_tls` the connection reads and writes through
                // the TLS session's core; the old one only reports the upgrade.
                #[cfg(feature = "tls")]
                if let Some(next) = st.successor() {
                    drop(st);
                    core = next;
                    core.set_owner(cx.waker());
                    continue;
                }
                let done = st.aborted || (st.closing == Closing::Close && st.shut);
                (st.out.paused, done, st.error(), st.closing)
            };
            if paused != reported_paused {
                reported_paused = paused;
                if paused {
                    proto.pause();
                } else {
                    proto.resume();
                }
                continue;
            }
            if let Some(e) = error {
                lost = Some(e);
                return Poll::Ready(());
            }
            if done {
                return Poll::Ready(());
            }
            let _ = core.poll_flush(cx);
            if core.state.lock().closing == Closing::Close && core.state.lock().shut {
                continue;
            }
            if eof || closing == Closing::Close || !reading {
                return Poll::Pending;
            }
            let conn = &core.conn;
            match proto.poll_receive(&mut |buf| conn.poll_read(cx, buf), &mut scratch) {
                Poll::Ready(Ok(0)) => {
                    eof = true;
                    if !proto.eof() {
                        core.close(Closing::Close);
                    }
                }
                // Handed over inside `poll_receive`.
                Poll::Ready(Ok(_)) => {}
                Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
                Poll::Ready(Err(e)) => {
                    core.abort();
                    lost = Some(e);
                    return Poll::Ready(());
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    })
    .await;
    proto.lost(lost);
}

pub(crate) fn start_protocol<P: AnyProtocol + Send>(
    proto: P,
    conn: Conn,
) -> io::Result<(Transport, Task<P>)> {
    let loop_id = conn.loop_id();
    let transport = Transport::new(WriteCore::new(conn, true));
    let t = transport.clone();
    let task = hive_runtime::spawn_on_loop(loop_id, async move {
        let mut proto = proto;
        drive(&mut proto, t).await;
        proto
    })
    .map_err(io::Error::other)?;
    Ok((transport, task))
}

/// Connects over TCP (Happy Eyeballs, `TCP_NODELAY`) and drives the
/// protocol `factory` builds on the socket's loop (asyncio's
/// `loop.create_connection`). The task gives the protocol back after
/// `connection_lost`. Options (`ssl`, `server_hostname`, ...) go on the
/// returned [`CreateConnection`] before it is awaited.
///
/// # Errors
/// The connect error, listing the addresses tried.
///
/// ```
/// #[derive(Default)]
/// struct Collect(Vec<u8>);
/// impl hive::net::Protocol for Collect {
///     fn data_received(&mut self, d: &[u8]) { self.0.extend_from_slice(d); }
/// }
/// # hive::run(async {
/// let server = hive::net::start_server(|_r, w| async move { w.write(b"bye"); w.close(); }, "127.0.0.1:0").await.unwrap();
/// let addr = &server.local_addrs()[0];
/// let (_transport, done) = hive::net::create_connection(Collect::default, addr).await.unwrap();
/// assert_eq!(done.await.unwrap().0, b"bye");
/// # }).unwrap();
/// ```
#[doc(alias = "loop.create_connection")]
pub fn create_connection<P, F>(factory: F, addr: impl ToSocketAddrs) -> CreateConnection<F>
where
    F: FnOnce() -> P,
    P: AnyProtocol + Send,
{
    CreateConnection::new(Endpoint::stream(crate::addr::Sealed::target(addr)), factory)
}

/// [`create_connection`] over a Unix socket (asyncio's `create_unix_connection`).
///
/// # Errors
/// `ENOENT`/`ECONNREFUSED` when nothing listens at `path`.
///
/// ```
/// struct Nop;
/// impl hive::net::Protocol for Nop { fn data_received(&mut self, _: &[u8]) {} }
/// # hive::run(async {
/// let path = std::env::temp_dir().join(format!("hive-doc-cuc-{}.sock", std::process::id()));
/// let _ = std::fs::remove_file(&path);
/// let server = hive::net::create_unix_server(|| Nop, &path).await.unwrap();
/// let (t, done) = hive::net::create_unix_connection(|| Nop, &path).await.unwrap();
/// t.close();
/// done.await.unwrap();
/// server.close();
/// # }).unwrap();
/// ```
#[doc(alias = "loop.create_unix_connection")]
pub fn create_unix_connection<P, F>(factory: F, path: impl AsRef<Path>) -> CreateConnection<F>
where
    F: FnOnce() -> P,
    P: AnyProtocol + Send,
{
    CreateConnection::new(Endpoint::Unix(path.as_ref().to_path_buf()), factory)
}

/// Starts a TCP server that builds a protocol with `factory` for each
/// connection, on the loop that owns the connection's socket (asyncio's
/// `loop.create_server`); the protocol need not be `Send`. Options and
/// placement as for [`start_server`](crate::start_server).
///
/// ```
/// struct Upper(Option<hive::net::Transport>);
/// impl hive::net::Protocol for Upper {
///     fn connection_made(&mut self, t: hive::net::Transport) { self.0 = Some(t); }
///     fn data_received(&mut self, d: &[u8]) { self.0.as_ref().unwrap().write(&d.to_ascii_uppercase()); }
/// }
/// # hive::run(async {
/// let server = hive::net::create_server(|| Upper(None), "127.0.0.1:0").await.unwrap();
/// let (mut r, w) = hive::net::open_connection(server.local_addrs()[0].as_inet().unwrap()).await.unwrap();
/// w.write(b"abc");
/// assert_eq!(r.read_exact(3).await.unwrap(), b"ABC");
/// # }).unwrap();
/// ```
#[doc(alias = "loop.create_server")]
pub fn create_server<P, F>(factory: F, addr: impl ToSocketAddrs) -> StartServer
where
    F: Fn() -> P + Send + Sync + 'static,
    P: AnyProtocol,
{
    StartServer::new(
        protocol_spawner(factory),
        Bind::Tcp(crate::addr::Sealed::target(addr)),
    )
}

/// [`create_server`] on a Unix socket (asyncio's `create_unix_server`).
///
/// ```
/// struct Nop;
/// impl hive::net::Protocol for Nop { fn data_received(&mut self, _: &[u8]) {} }
/// # hive::run(async {
/// let path = std::env::temp_dir().join(format!("hive-doc-cus-{}.sock", std::process::id()));
/// let _ = std::fs::remove_file(&path);
/// let server = hive::net::create_unix_server(|| Nop, &path).await.unwrap();
/// server.close();
/// # }).unwrap();
/// ```
#[doc(alias = "loop.create_unix_server")]
pub fn create_unix_server<P, F>(factory: F, path: impl AsRef<Path>) -> StartServer
where
    F: Fn() -> P + Send + Sync + 'static,
    P: AnyProtocol,
{
    StartServer::new(
        protocol_spawner(factory),
        Bind::Unix(path.as_ref().to_path_buf()),
    )
}

fn protocol_spawner<P, F>(factory: F) -> crate::start::MakeSpawner
where
    F: Fn() -> P + Send + Sync + 'static,
    P: AnyProtocol,
{
    let factory = Arc::new(factory);
    Box::new(move |setup| {
        let factory = factory.clone();
        #[cfg(feature = "tls")]
        let tls = setup.tls.clone();
        #[cfg(not(feature = "tls"))]
        let _ = setup;
        Arc::new(
            move |conn: Conn, loop_id: LoopId, _pinned: bool, guard: crate::server::ClientGuard| {
                let factory = factory.clone();
                #[cfg(feature = "tls")]
                let tls = tls.clone();
                #[cfg(feature = "tls")]
                if tls.is_some() {
                    crate::tls::ServerTls::register_handshake(&conn, &guard);
                }
                // Protocols always run pinned to the socket's loop, as in asyncio.
                let spawned = hive_runtime::spawn_on_loop_with(loop_id, move || async move {
                    #[cfg(feature = "tls")]
                    let conn = match &tls {
                        // A failed handshake is logged once; no protocol
                        // is made for that client.
                        Some(tls) => match tls.accept(conn).await {
                            Some(c) => c,
                            None => return,
                        },
                        None => conn,
                    };
                    let transport = Transport::new(WriteCore::new(conn, true));
                    guard.register(transport.core.clone());
                    let _guard = guard;
                    let mut proto = factory();
                    drive(&mut proto, transport).await;
                });
                if let Err(e) = spawned {
                    tracing::error!("hive-net: could not start a protocol task: {e}");
                }
            },
        )
    })
}
