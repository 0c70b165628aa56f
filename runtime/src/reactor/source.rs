//! `IoSource<T>`: a mio source registered with one loop's reactor.

use super::readiness::{ReadyEvent, ScheduledIo, READ_SIDE, WRITE_SIDE};
use crate::context;
use crate::loom::sync::Arc;
use crate::loop_id::LoopId;
use crate::shared::Shared;
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::task::{Context, Poll};

/// A non-blocking I/O object registered with a loop's reactor (like smol's
/// `Async<T>` or tokio's `AsyncFd<T>`): wait for readiness, then do the I/O.
///
/// The source must already be non-blocking. Readiness is edge-triggered:
/// use [`read_with`](IoSource::read_with) / [`write_with`](IoSource::write_with),
/// which clear it when the operation would block, or pair
/// [`poll_read_ready`](IoSource::poll_read_ready) with
/// [`clear_ready`](IoSource::clear_ready) yourself.
///
/// ```
/// use std::io::{Read, Write};
/// # hive::run(async {
/// let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
/// a.set_nonblocking(true).unwrap();
/// b.set_nonblocking(true).unwrap();
/// let a = hive::IoSource::new(mio::net::UnixStream::from_std(a)).unwrap();
/// let b = hive::IoSource::new(mio::net::UnixStream::from_std(b)).unwrap();
/// a.write_with(|s| (&*s).write(b"ping")).await.unwrap();
/// let mut buf = [0; 4];
/// let n = b.read_with(|s| (&*s).read(&mut buf)).await.unwrap();
/// assert_eq!(&buf[..n], b"ping");
/// # }).unwrap();
/// ```
pub struct IoSource<T: mio::event::Source> {
    io: Option<T>,
    state: Arc<ScheduledIo>,
    token: mio::Token,
    shared: Arc<Shared>,
    index: usize,
}

impl<T: mio::event::Source> IoSource<T> {
    /// Registers `io` with the current loop's reactor (off a loop, inside
    /// `block_on`, with the runtime's loops in turn).
    ///
    /// # Errors
    /// The registration's OS error; `NotFound` outside a hive runtime.
    ///
    /// ```
    /// # hive::run(async {
    /// let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// a.set_nonblocking(true).unwrap();
    /// let a = hive::IoSource::new(mio::net::UnixStream::from_std(a)).unwrap();
    /// assert_eq!(Some(a.loop_id()), hive::current_loop_id());
    /// # }).unwrap();
    /// ```
    pub fn new(io: T) -> io::Result<Self> {
        let (shared, index) =
            context::with_worker(|core| core.map(|c| (c.shared.clone(), c.index)))
                .or_else(|| {
                    context::current_shared().map(|s| {
                        let index = s.next_io_loop();
                        (s, index)
                    })
                })
                .ok_or_else(no_runtime)?;
        Self::register(io, shared, index)
    }

    /// Registers `io` with the reactor of loop `id`: its readiness wakes
    /// tasks there, so a stealable task using it tends to run there.
    ///
    /// # Errors
    /// The registration's OS error; `NotFound` outside a runtime or for a
    /// loop id this runtime does not have.
    ///
    /// ```
    /// # hive::run(async {
    /// let last = *hive::loop_ids().last().unwrap();
    /// let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// a.set_nonblocking(true).unwrap();
    /// let a = hive::IoSource::new_on_loop(mio::net::UnixStream::from_std(a), last).unwrap();
    /// assert_eq!(a.loop_id(), last);
    /// # }).unwrap();
    /// ```
    pub fn new_on_loop(io: T, id: LoopId) -> io::Result<Self> {
        let shared = context::current_shared().ok_or_else(no_runtime)?;
        if id.0 >= shared.loops.len() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("{id} is not a loop of this runtime"),
            ));
        }
        Self::register(io, shared, id.0)
    }

    fn register(mut io: T, shared: Arc<Shared>, index: usize) -> io::Result<Self> {
        let (token, state) = shared.loops[index].reactor.add(&mut io)?;
        Ok(IoSource {
            io: Some(io),
            state,
            token,
            shared,
            index,
        })
    }

    /// The loop whose reactor watches this source.
    ///
    /// ```
    /// # hive::run(async {
    /// # let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// # a.set_nonblocking(true).unwrap();
    /// let a = hive::IoSource::new(mio::net::UnixStream::from_std(a)).unwrap();
    /// println!("registered on {}", a.loop_id());
    /// # }).unwrap();
    /// ```
    pub fn loop_id(&self) -> LoopId {
        LoopId(self.index)
    }

    /// The I/O object.
    ///
    /// ```
    /// # hive::run(async {
    /// # let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// # a.set_nonblocking(true).unwrap();
    /// let a = hive::IoSource::new(mio::net::UnixStream::from_std(a)).unwrap();
    /// assert!(a.get_ref().peer_addr().is_ok());
    /// # }).unwrap();
    /// ```
    pub fn get_ref(&self) -> &T {
        self.io
            .as_ref()
            .expect("IoSource holds its I/O object until dropped or unwrapped")
    }

    /// The I/O object, mutably.
    ///
    /// ```
    /// # hive::run(async {
    /// # let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// # a.set_nonblocking(true).unwrap();
    /// let mut a = hive::IoSource::new(mio::net::UnixStream::from_std(a)).unwrap();
    /// let _inner: &mut mio::net::UnixStream = a.get_mut();
    /// # }).unwrap();
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.io
            .as_mut()
            .expect("IoSource holds its I/O object until dropped or unwrapped")
    }

    /// Deregisters and gives the I/O object back.
    ///
    /// ```
    /// # hive::run(async {
    /// # let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// # a.set_nonblocking(true).unwrap();
    /// let a = hive::IoSource::new(mio::net::UnixStream::from_std(a)).unwrap();
    /// let _plain: mio::net::UnixStream = a.into_inner();
    /// # }).unwrap();
    /// ```
    pub fn into_inner(mut self) -> T {
        let mut io = self
            .io
            .take()
            .expect("IoSource holds its I/O object until dropped or unwrapped");
        self.shared.loops[self.index]
            .reactor
            .remove(self.token, &mut io);
        io
    }

    /// Polls for read readiness (or read-side close, or error).
    ///
    /// ```
    /// # hive::run(async {
    /// # let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// # a.set_nonblocking(true).unwrap();
    /// let a = hive::IoSource::new(mio::net::UnixStream::from_std(a)).unwrap();
    /// drop(b); // the peer hangs up: a becomes readable (EOF)
    /// let ev = std::future::poll_fn(|cx| a.poll_read_ready(cx)).await.unwrap();
    /// assert!(ev.is_readable());
    /// # }).unwrap();
    /// ```
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<ReadyEvent>> {
        self.poll_side(cx, READ_SIDE)
    }

    /// Polls for write readiness (or write-side close, or error).
    ///
    /// ```
    /// # hive::run(async {
    /// # let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// # a.set_nonblocking(true).unwrap();
    /// let a = hive::IoSource::new(mio::net::UnixStream::from_std(a)).unwrap();
    /// assert!(std::future::poll_fn(|cx| a.poll_write_ready(cx)).await.unwrap().is_writable());
    /// # }).unwrap();
    /// ```
    pub fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<ReadyEvent>> {
        self.poll_side(cx, WRITE_SIDE)
    }

    fn poll_side(&self, cx: &mut Context<'_>, side: usize) -> Poll<io::Result<ReadyEvent>> {
        let coop = std::task::ready!(crate::coop::poll_proceed(cx));
        match self.state.poll_ready(cx, side) {
            Poll::Ready(event) => {
                coop.made_progress();
                Poll::Ready(Ok(event))
            }
            Poll::Pending => Poll::Pending,
        }
    }

    /// Forgets the readiness `event` reported, because the operation it
    /// allowed returned `WouldBlock`. A newer event is kept.
    ///
    /// ```
    /// # hive::run(async {
    /// # let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// # a.set_nonblocking(true).unwrap();
    /// let a = hive::IoSource::new(mio::net::UnixStream::from_std(a)).unwrap();
    /// let ev = std::future::poll_fn(|cx| a.poll_write_ready(cx)).await.unwrap();
    /// a.clear_ready(ev);
    /// # }).unwrap();
    /// ```
    pub fn clear_ready(&self, event: ReadyEvent) {
        self.state.clear(event);
    }

    /// Waits until the source is readable.
    ///
    /// ```
    /// # hive::run(async {
    /// # let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// # a.set_nonblocking(true).unwrap();
    /// let a = hive::IoSource::new(mio::net::UnixStream::from_std(a)).unwrap();
    /// std::io::Write::write_all(&mut &b, b"x").unwrap();
    /// a.readable().await.unwrap();
    /// # }).unwrap();
    /// ```
    pub async fn readable(&self) -> io::Result<()> {
        poll_fn(|cx| self.poll_read_ready(cx)).await.map(drop)
    }

    /// Waits until the source is writable.
    ///
    /// ```
    /// # hive::run(async {
    /// # let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// # a.set_nonblocking(true).unwrap();
    /// let a = hive::IoSource::new(mio::net::UnixStream::from_std(a)).unwrap();
    /// a.writable().await.unwrap();
    /// # }).unwrap();
    /// ```
    pub async fn writable(&self) -> io::Result<()> {
        poll_fn(|cx| self.poll_write_ready(cx)).await.map(drop)
    }

    /// Polls `op` as a read: retried on each readiness, until it stops
    /// returning `WouldBlock`. The building block for `AsyncRead`.
    ///
    /// ```
    /// use std::io::Read;
    /// # hive::run(async {
    /// # let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// # a.set_nonblocking(true).unwrap();
    /// let a = hive::IoSource::new(mio::net::UnixStream::from_std(a)).unwrap();
    /// std::io::Write::write_all(&mut &b, b"hi").unwrap();
    /// let mut buf = [0; 2];
    /// let n = std::future::poll_fn(|cx| a.poll_read_with(cx, |s| (&*s).read(&mut buf))).await.unwrap();
    /// assert_eq!(n, 2);
    /// # }).unwrap();
    /// ```
    pub fn poll_read_with<R>(
        &self,
        cx: &mut Context<'_>,
        op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.poll_with(cx, READ_SIDE, op)
    }

    /// Polls `op` as a write; see [`poll_read_with`](IoSource::poll_read_with).
    ///
    /// ```
    /// use std::io::Write;
    /// # hive::run(async {
    /// # let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// # a.set_nonblocking(true).unwrap();
    /// let a = hive::IoSource::new(mio::net::UnixStream::from_std(a)).unwrap();
    /// let n = std::future::poll_fn(|cx| a.poll_write_with(cx, |s| (&*s).write(b"x"))).await.unwrap();
    /// assert_eq!(n, 1);
    /// # }).unwrap();
    /// ```
    pub fn poll_write_with<R>(
        &self,
        cx: &mut Context<'_>,
        op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.poll_with(cx, WRITE_SIDE, op)
    }

    fn poll_with<R>(
        &self,
        cx: &mut Context<'_>,
        side: usize,
        mut op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        loop {
            let event = std::task::ready!(self.poll_side(cx, side))?;
            match op(self.get_ref()) {
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => self.clear_ready(event),
                result => return Poll::Ready(result),
            }
        }
    }

    /// Runs `op` as a read until it stops returning `WouldBlock`.
    ///
    /// ```
    /// use std::io::Read;
    /// # hive::run(async {
    /// # let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// # a.set_nonblocking(true).unwrap();
    /// let a = hive::IoSource::new(mio::net::UnixStream::from_std(a)).unwrap();
    /// std::io::Write::write_all(&mut &b, b"hey").unwrap();
    /// let mut buf = [0; 8];
    /// assert_eq!(a.read_with(|s| (&*s).read(&mut buf)).await.unwrap(), 3);
    /// # }).unwrap();
    /// ```
    pub async fn read_with<R>(&self, mut op: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        poll_fn(|cx| self.poll_read_with(cx, &mut op)).await
    }

    /// Runs `op` as a write until it stops returning `WouldBlock`.
    ///
    /// ```
    /// use std::io::Write;
    /// # hive::run(async {
    /// # let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// # a.set_nonblocking(true).unwrap();
    /// let a = hive::IoSource::new(mio::net::UnixStream::from_std(a)).unwrap();
    /// assert_eq!(a.write_with(|s| (&*s).write(b"abc")).await.unwrap(), 3);
    /// # }).unwrap();
    /// ```
    pub async fn write_with<R>(&self, mut op: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        poll_fn(|cx| self.poll_write_with(cx, &mut op)).await
    }
}

fn no_runtime() -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        "no hive runtime on this thread: create I/O sources inside hive::run or Runtime::block_on",
    )
}

impl<T: mio::event::Source> Drop for IoSource<T> {
    fn drop(&mut self) {
        if let Some(mut io) = self.io.take() {
            self.shared.loops[self.index]
                .reactor
                .remove(self.token, &mut io);
        }
    }
}

impl<T: mio::event::Source + fmt::Debug> fmt::Debug for IoSource<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IoSource")
            .field("io", &self.io)
            .field("loop", &self.index)
            .finish()
    }
}
