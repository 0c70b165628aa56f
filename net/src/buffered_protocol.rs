//! asyncio's `BufferedProtocol`: a protocol that lends the transport its
//! own memory to read into, so received bytes land where the protocol
//! keeps them instead of being copied out of the transport's buffer.
//!
//! It runs through the same calls as a [`Protocol`](crate::Protocol)
//! (`create_connection`, `create_server` and their Unix forms), wrapped in
//! [`Buffered`]: Rust has no duck typing to tell the two kinds apart, and
//! one wrapper keeps one set of functions.

use crate::protocol::sealed::{Callbacks, Read};
use crate::protocol::Transport;
use std::io;
use std::task::{ready, Poll};

/// A connection's callbacks when the protocol owns the receive buffer
/// (asyncio's `asyncio.BufferedProtocol`). Before each read the transport
/// asks [`get_buffer`](BufferedProtocol::get_buffer) where to put the
/// bytes, reads into it, and reports how many came with
/// [`buffer_updated`](BufferedProtocol::buffer_updated). The other
/// callbacks and their order are [`Protocol`](crate::Protocol)'s:
/// `connection_made` first, `eof_received` at most once,
/// `connection_lost` exactly once, last. Run it wrapped in [`Buffered`].
///
/// ```
/// use hive::net::{Buffered, BufferedProtocol};
/// /// Keeps everything the peer sends, read straight into its own Vec
/// /// (`len` bytes of it are data; the rest is room for the next read).
/// #[derive(Default)]
/// struct Collect { data: Vec<u8>, len: usize }
/// impl BufferedProtocol for Collect {
///     fn get_buffer(&mut self, size_hint: usize) -> &mut [u8] {
///         self.data.resize(self.len + size_hint, 0);
///         &mut self.data[self.len..]
///     }
///     fn buffer_updated(&mut self, nbytes: usize) {
///         self.len += nbytes;
///     }
/// }
/// # hive::run(async {
/// let server = hive::net::start_server(|_r, w| async move { w.write(b"bytes"); w.close(); }, "127.0.0.1:0").await.unwrap();
/// let (_t, done) = hive::net::create_connection(|| Buffered(Collect::default()), &server.local_addrs()[0]).await.unwrap();
/// let Buffered(collected) = done.await.unwrap();
/// assert_eq!(&collected.data[..collected.len], b"bytes");
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.BufferedProtocol")]
pub trait BufferedProtocol: 'static {
    /// The connection is up; keep the transport to write.
    ///
    /// ```
    /// struct Hello([u8; 64]);
    /// impl hive::net::BufferedProtocol for Hello {
    ///     fn connection_made(&mut self, t: hive::net::Transport) {
    ///         t.write(b"hello\n");
    ///         t.close();
    ///     }
    ///     fn get_buffer(&mut self, _: usize) -> &mut [u8] { &mut self.0 }
    ///     fn buffer_updated(&mut self, _: usize) {}
    /// }
    /// # hive::run(async {
    /// let server = hive::net::create_server(|| hive::net::Buffered(Hello([0; 64])), "127.0.0.1:0").await.unwrap();
    /// let (mut r, _w) = hive::net::open_connection(&server.local_addrs()[0]).await.unwrap();
    /// assert_eq!(r.readline().await.unwrap(), b"hello\n");
    /// # }).unwrap();
    /// ```
    #[doc(alias = "BaseProtocol.connection_made")]
    fn connection_made(&mut self, transport: Transport) {
        let _ = transport;
    }

    /// Where the next read goes. `size_hint` is what the transport would
    /// read at most (64 KiB); a smaller buffer just means smaller reads. It
    /// must not be empty: an empty buffer ends the connection with an
    /// `InvalidInput` error in `connection_lost`. As in asyncio, it may be
    /// called again without a `buffer_updated` in between (a read that
    /// found nothing yet); the bytes of a read always go into the buffer of
    /// the call just before it.
    ///
    /// ```
    /// /// Reads at most 4 bytes at a time, always into the same array.
    /// struct Small { buf: [u8; 4], reads: Vec<Vec<u8>> }
    /// impl hive::net::BufferedProtocol for Small {
    ///     fn get_buffer(&mut self, _size_hint: usize) -> &mut [u8] { &mut self.buf }
    ///     fn buffer_updated(&mut self, n: usize) { self.reads.push(self.buf[..n].to_vec()); }
    /// }
    /// # hive::run(async {
    /// let server = hive::net::start_server(|_r, w| async move { w.write(b"0123456789"); w.close(); }, "127.0.0.1:0").await.unwrap();
    /// let proto = Small { buf: [0; 4], reads: Vec::new() };
    /// let (_t, done) = hive::net::create_connection(|| hive::net::Buffered(proto), &server.local_addrs()[0]).await.unwrap();
    /// let reads = done.await.unwrap().0.reads;
    /// assert!(reads.iter().all(|r| r.len() <= 4));
    /// assert_eq!(reads.concat(), b"0123456789");
    /// # }).unwrap();
    /// ```
    #[doc(alias = "BufferedProtocol.get_buffer")]
    fn get_buffer(&mut self, size_hint: usize) -> &mut [u8];

    /// The last read put `nbytes` bytes (at least one) at the start of the
    /// buffer `get_buffer` returned just before it.
    ///
    /// ```
    /// /// Counts the bytes received, reading into one reused array.
    /// struct Count { buf: Vec<u8>, total: usize }
    /// impl hive::net::BufferedProtocol for Count {
    ///     fn get_buffer(&mut self, _: usize) -> &mut [u8] { &mut self.buf }
    ///     fn buffer_updated(&mut self, nbytes: usize) { self.total += nbytes; }
    /// }
    /// # hive::run(async {
    /// let server = hive::net::start_server(|_r, w| async move { w.write(&[7; 100_000]); w.close(); }, "127.0.0.1:0").await.unwrap();
    /// let proto = Count { buf: vec![0; 4096], total: 0 };
    /// let (_t, done) = hive::net::create_connection(|| hive::net::Buffered(proto), &server.local_addrs()[0]).await.unwrap();
    /// assert_eq!(done.await.unwrap().0.total, 100_000);
    /// # }).unwrap();
    /// ```
    #[doc(alias = "BufferedProtocol.buffer_updated")]
    fn buffer_updated(&mut self, nbytes: usize);

    /// The peer sent EOF. Return `true` to keep the connection open for
    /// writing (then close it yourself); `false` closes it.
    ///
    /// ```
    /// struct Reply([u8; 64], Option<hive::net::Transport>);
    /// impl hive::net::BufferedProtocol for Reply {
    ///     fn connection_made(&mut self, t: hive::net::Transport) { self.1 = Some(t); }
    ///     fn get_buffer(&mut self, _: usize) -> &mut [u8] { &mut self.0 }
    ///     fn buffer_updated(&mut self, _: usize) {}
    ///     fn eof_received(&mut self) -> bool {
    ///         let t = self.1.as_ref().unwrap();
    ///         t.write(b"got your EOF");
    ///         t.close();
    ///         true // close ourselves, after the reply
    ///     }
    /// }
    /// # hive::run(async {
    /// let server = hive::net::create_server(|| hive::net::Buffered(Reply([0; 64], None)), "127.0.0.1:0").await.unwrap();
    /// let (mut r, w) = hive::net::open_connection(&server.local_addrs()[0]).await.unwrap();
    /// w.write_eof();
    /// assert_eq!(r.read_to_end().await.unwrap(), b"got your EOF");
    /// # }).unwrap();
    /// ```
    #[doc(alias = "Protocol.eof_received")]
    fn eof_received(&mut self) -> bool {
        false
    }

    /// The connection is closed: `None` after a clean close, else the error.
    ///
    /// ```
    /// /// Gives an empty buffer: the transport ends the connection.
    /// #[derive(Default)]
    /// struct NoRoom(Option<std::io::ErrorKind>);
    /// impl hive::net::BufferedProtocol for NoRoom {
    ///     fn get_buffer(&mut self, _: usize) -> &mut [u8] { &mut [] }
    ///     fn buffer_updated(&mut self, _: usize) {}
    ///     fn connection_lost(&mut self, error: Option<std::io::Error>) {
    ///         self.0 = error.map(|e| e.kind());
    ///     }
    /// }
    /// # hive::run(async {
    /// # let server = hive::net::start_server(|_r, w| async move { w.write(b"x"); }, "127.0.0.1:0").await.unwrap();
    /// let (_t, done) = hive::net::create_connection(|| hive::net::Buffered(NoRoom::default()), &server.local_addrs()[0]).await.unwrap();
    /// let hive::net::Buffered(proto) = done.await.unwrap();
    /// assert_eq!(proto.0, Some(std::io::ErrorKind::InvalidInput));
    /// # }).unwrap();
    /// ```
    #[doc(alias = "BaseProtocol.connection_lost")]
    fn connection_lost(&mut self, error: Option<io::Error>) {
        let _ = error;
    }

    /// The write buffer went above the high-water mark; see
    /// [`Protocol::pause_writing`](crate::Protocol::pause_writing).
    ///
    /// ```
    /// #[derive(Default)]
    /// struct Flood([u8; 16], u32);
    /// impl hive::net::BufferedProtocol for Flood {
    ///     fn connection_made(&mut self, t: hive::net::Transport) {
    ///         t.write(&vec![0; 32 << 20]); // more than the socket takes at once
    ///         t.close();
    ///     }
    ///     fn get_buffer(&mut self, _: usize) -> &mut [u8] { &mut self.0 }
    ///     fn buffer_updated(&mut self, _: usize) {}
    ///     fn pause_writing(&mut self) { self.1 += 1; }
    /// }
    /// # hive::run(async {
    /// let sink = hive::net::start_server(|mut r, _w| async move { while !r.read(1 << 16).await.unwrap().is_empty() {} }, "127.0.0.1:0").await.unwrap();
    /// let (_t, done) = hive::net::create_connection(|| hive::net::Buffered(Flood::default()), &sink.local_addrs()[0]).await.unwrap();
    /// let hive::net::Buffered(proto) = done.await.unwrap();
    /// assert_eq!(proto.1, 1);
    /// # }).unwrap();
    /// ```
    #[doc(alias = "BaseProtocol.pause_writing")]
    fn pause_writing(&mut self) {}

    /// The write buffer fell to the low-water mark; see
    /// [`Protocol::resume_writing`](crate::Protocol::resume_writing).
    ///
    /// ```
    /// #[derive(Default)]
    /// struct Flood([u8; 16], u32);
    /// impl hive::net::BufferedProtocol for Flood {
    ///     fn connection_made(&mut self, t: hive::net::Transport) {
    ///         t.write(&vec![0; 32 << 20]);
    ///         t.close();
    ///     }
    ///     fn get_buffer(&mut self, _: usize) -> &mut [u8] { &mut self.0 }
    ///     fn buffer_updated(&mut self, _: usize) {}
    ///     fn resume_writing(&mut self) { self.1 += 1; } // the buffer drained
    /// }
    /// # hive::run(async {
    /// # let sink = hive::net::start_server(|mut r, _w| async move { while !r.read(1 << 16).await.unwrap().is_empty() {} }, "127.0.0.1:0").await.unwrap();
    /// let (_t, done) = hive::net::create_connection(|| hive::net::Buffered(Flood::default()), &sink.local_addrs()[0]).await.unwrap();
    /// let hive::net::Buffered(proto) = done.await.unwrap();
    /// assert_eq!(proto.1, 1);
    /// # }).unwrap();
    /// ```
    #[doc(alias = "BaseProtocol.resume_writing")]
    fn resume_writing(&mut self) {}
}

/// Runs a [`BufferedProtocol`] through the calls that take a protocol
/// factory ([`create_connection`](crate::create_connection),
/// [`create_server`](crate::create_server) and their Unix forms); the
/// connection's task gives it back, still wrapped, after
/// `connection_lost`.
///
/// ```
/// struct Discard([u8; 1024]);
/// impl hive::net::BufferedProtocol for Discard {
///     fn get_buffer(&mut self, _: usize) -> &mut [u8] { &mut self.0 }
///     fn buffer_updated(&mut self, _: usize) {}
/// }
/// # hive::run(async {
/// let server = hive::net::create_server(|| hive::net::Buffered(Discard([0; 1024])), "127.0.0.1:0").await.unwrap();
/// # server.close();
/// # }).unwrap();
/// ```
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Buffered<P>(pub P);

/// What `get_buffer` returned nothing to read into: the connection ends
/// with this error, naming the fix.
fn empty_buffer() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        "BufferedProtocol::get_buffer returned an empty buffer; return at least one byte to read into",
    )
}

impl<P: BufferedProtocol> Callbacks for Buffered<P> {
    fn made(&mut self, transport: Transport) {
        self.0.connection_made(transport);
    }
    fn poll_receive(
        &mut self,
        read: Read<'_, '_>,
        _scratch: &mut Vec<u8>,
    ) -> Poll<io::Result<usize>> {
        let buf = self.0.get_buffer(crate::protocol::READ_SIZE);
        if buf.is_empty() {
            return Poll::Ready(Err(empty_buffer()));
        }
        let n = ready!(read(buf))?;
        if n > 0 {
            self.0.buffer_updated(n);
        }
        Poll::Ready(Ok(n))
    }
    fn eof(&mut self) -> bool {
        self.0.eof_received()
    }
    fn lost(&mut self, error: Option<io::Error>) {
        self.0.connection_lost(error);
    }
    fn pause(&mut self) {
        self.0.pause_writing();
    }
    fn resume(&mut self) {
        self.0.resume_writing();
    }
}
