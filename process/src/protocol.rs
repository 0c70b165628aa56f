//! asyncio's low-level subprocess API (`loop.subprocess_exec` /
//! `subprocess_shell`): a [`SubprocessProtocol`]'s callbacks, driven by a
//! task pinned to the loop that spawned the child, and the
//! [`SubprocessTransport`] that writes to its stdin and signals it.
//!
//! Built on [`Process`]: the driver takes the child's stdout and stderr
//! and reads both while it waits for the exit, so the callbacks come in
//! asyncio's order, one at a time, on one loop.

use crate::command::Command;
use crate::error::SpawnError;
use crate::kill_handle::KillHandle;
use crate::loom::sync::{Arc, Mutex};
use crate::process::Process;
use crate::stdio::Stdio;
use futures_io::AsyncRead;
use hive_net::StreamWriter;
use hive_runtime::Task;
use std::ffi::OsStr;
use std::future::{poll_fn, Future};
use std::io;
use std::pin::{pin, Pin};
use std::task::Poll;

/// Reads a driver makes in a row before it lets the loop run others: a
/// child writing without pause must not keep the loop to itself.
const READS_PER_TURN: usize = 32;
/// Bytes per read from the child's stdout or stderr.
const READ_SIZE: usize = 64 * 1024;

/// A child process's callbacks (asyncio's `asyncio.SubprocessProtocol`),
/// run on the loop that spawned it, in asyncio's order:
/// `connection_made` first, then `pipe_data_received` as output arrives
/// (`fd` 1 for stdout, 2 for stderr), `pipe_connection_lost` once per
/// piped stream at its end, `process_exited` once the child has exited
/// (possibly before its pipes end: a grandchild may hold them), and
/// `connection_lost` exactly once, last, when both have happened. Start
/// one with [`subprocess_exec`], [`subprocess_shell`] or
/// [`Command::spawn_protocol`]; the task they return gives the protocol
/// back after `connection_lost`.
///
/// ```
/// #[derive(Default)]
/// struct Collect { out: Vec<u8>, code: Option<i32> }
/// impl hive::process::SubprocessProtocol for Collect {
///     fn pipe_data_received(&mut self, fd: i32, data: &[u8]) {
///         if fd == 1 { self.out.extend_from_slice(data); }
///     }
/// }
/// # hive::run(async {
/// let (t, done) = hive::process::subprocess_exec(Collect::default, "echo", ["hi"]).await.unwrap();
/// let got = done.await.unwrap();
/// assert_eq!(got.out, b"hi\n");
/// assert_eq!(t.returncode(), Some(0));
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.SubprocessProtocol")]
pub trait SubprocessProtocol: 'static {
    /// The child is running; keep the transport to write to its stdin or
    /// signal it.
    ///
    /// ```
    /// #[derive(Default)]
    /// struct Feed(Vec<u8>);
    /// impl hive::process::SubprocessProtocol for Feed {
    ///     fn connection_made(&mut self, t: hive::process::SubprocessTransport) {
    ///         t.write(b"b\na\n").unwrap();
    ///         t.write_eof();
    ///     }
    ///     fn pipe_data_received(&mut self, _: i32, data: &[u8]) { self.0.extend_from_slice(data); }
    /// }
    /// # hive::run(async {
    /// let (_t, done) = hive::process::subprocess_exec(Feed::default, "sort", [""; 0]).await.unwrap();
    /// assert_eq!(done.await.unwrap().0, b"a\nb\n");
    /// # }).unwrap();
    /// ```
    #[doc(alias = "BaseProtocol.connection_made")]
    fn connection_made(&mut self, transport: SubprocessTransport) {
        let _ = transport;
    }

    /// Output arrived on the child's stdout (`fd` 1) or stderr (`fd` 2).
    ///
    /// ```
    /// #[derive(Default)]
    /// struct Split { out: Vec<u8>, err: Vec<u8> }
    /// impl hive::process::SubprocessProtocol for Split {
    ///     fn pipe_data_received(&mut self, fd: i32, data: &[u8]) {
    ///         match fd { 1 => self.out.extend_from_slice(data), _ => self.err.extend_from_slice(data) }
    ///     }
    /// }
    /// # hive::run(async {
    /// let (_t, done) = hive::process::subprocess_shell(Split::default, "echo out; echo err >&2").await.unwrap();
    /// let got = done.await.unwrap();
    /// assert_eq!((got.out.as_slice(), got.err.as_slice()), (&b"out\n"[..], &b"err\n"[..]));
    /// # }).unwrap();
    /// ```
    #[doc(alias = "SubprocessProtocol.pipe_data_received")]
    fn pipe_data_received(&mut self, fd: i32, data: &[u8]) {
        let _ = (fd, data);
    }

    /// The child's stdout (`fd` 1) or stderr (`fd` 2) ended: `None` at
    /// EOF, else the read error.
    ///
    /// ```
    /// #[derive(Default)]
    /// struct Ends(Vec<i32>);
    /// impl hive::process::SubprocessProtocol for Ends {
    ///     fn pipe_connection_lost(&mut self, fd: i32, error: Option<std::io::Error>) {
    ///         assert!(error.is_none());
    ///         self.0.push(fd);
    ///     }
    /// }
    /// # hive::run(async {
    /// let (_t, done) = hive::process::subprocess_exec(Ends::default, "true", [""; 0]).await.unwrap();
    /// let mut ends = done.await.unwrap().0;
    /// ends.sort();
    /// assert_eq!(ends, [1, 2]);
    /// # }).unwrap();
    /// ```
    #[doc(alias = "SubprocessProtocol.pipe_connection_lost")]
    fn pipe_connection_lost(&mut self, fd: i32, error: Option<io::Error>) {
        let _ = (fd, error);
    }

    /// The child exited (and was reaped); its status is
    /// [`SubprocessTransport::returncode`].
    ///
    /// ```
    /// #[derive(Default)]
    /// struct Exit(Option<hive::process::SubprocessTransport>, Option<i32>);
    /// impl hive::process::SubprocessProtocol for Exit {
    ///     fn connection_made(&mut self, t: hive::process::SubprocessTransport) { self.0 = Some(t); }
    ///     fn process_exited(&mut self) { self.1 = self.0.as_ref().unwrap().returncode(); }
    /// }
    /// # hive::run(async {
    /// let (_t, done) = hive::process::subprocess_shell(Exit::default, "exit 4").await.unwrap();
    /// assert_eq!(done.await.unwrap().1, Some(4));
    /// # }).unwrap();
    /// ```
    #[doc(alias = "SubprocessProtocol.process_exited")]
    fn process_exited(&mut self) {}

    /// The child has exited and every piped stream has ended: the last
    /// callback. `Some` if waiting for the child failed.
    ///
    /// ```
    /// #[derive(Default)]
    /// struct Done(bool);
    /// impl hive::process::SubprocessProtocol for Done {
    ///     fn connection_lost(&mut self, error: Option<std::io::Error>) { self.0 = error.is_none(); }
    /// }
    /// # hive::run(async {
    /// let (_t, done) = hive::process::subprocess_exec(Done::default, "true", [""; 0]).await.unwrap();
    /// assert!(done.await.unwrap().0);
    /// # }).unwrap();
    /// ```
    #[doc(alias = "BaseProtocol.connection_lost")]
    fn connection_lost(&mut self, error: Option<io::Error>) {
        let _ = error;
    }
}

/// The handle a [`SubprocessProtocol`] gets (asyncio's
/// `asyncio.SubprocessTransport`): the child's pid and exit status, its
/// stdin, and signals. Clones share the child; any thread may use them.
///
/// ```
/// struct Quiet;
/// impl hive::process::SubprocessProtocol for Quiet {}
/// # hive::run(async {
/// let (t, done) = hive::process::subprocess_exec(|| Quiet, "sleep", ["30"]).await.unwrap();
/// assert!(t.pid() > 0 && t.returncode().is_none());
/// t.close(); // kills a child still running, as asyncio's close does
/// done.await.unwrap();
/// assert_eq!(t.returncode(), Some(-9));
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.SubprocessTransport")]
#[derive(Clone)]
pub struct SubprocessTransport {
    shared: Arc<TransportShared>,
}

struct TransportShared {
    kill: KillHandle,
    stdin: Mutex<Option<StreamWriter>>,
    returncode: Mutex<Option<i32>>,
}

impl SubprocessTransport {
    /// The child's process id (asyncio's `get_pid`).
    ///
    /// ```
    /// # struct Quiet;
    /// # impl hive::process::SubprocessProtocol for Quiet {}
    /// # hive::run(async {
    /// let (t, done) = hive::process::subprocess_exec(|| Quiet, "true", [""; 0]).await.unwrap();
    /// assert!(t.pid() > 0);
    /// # done.await.unwrap();
    /// # }).unwrap();
    /// ```
    #[doc(alias = "get_pid")]
    #[doc(alias = "SubprocessTransport.get_pid")]
    pub fn pid(&self) -> u32 {
        self.shared.kill.pid()
    }

    /// The exit status once the child has exited (asyncio's
    /// `get_returncode`): its exit code, or minus the signal that killed
    /// it; `None` while it runs.
    ///
    /// ```
    /// # struct Quiet;
    /// # impl hive::process::SubprocessProtocol for Quiet {}
    /// # hive::run(async {
    /// let (t, done) = hive::process::subprocess_shell(|| Quiet, "exit 2").await.unwrap();
    /// done.await.unwrap();
    /// assert_eq!(t.returncode(), Some(2));
    /// # }).unwrap();
    /// ```
    #[doc(alias = "get_returncode")]
    #[doc(alias = "SubprocessTransport.get_returncode")]
    pub fn returncode(&self) -> Option<i32> {
        *self.shared.returncode.lock()
    }

    /// Queues `data` for the child's stdin (asyncio's
    /// `get_pipe_transport(0).write`); a background task sends it.
    ///
    /// # Errors
    /// `BrokenPipe` when stdin is not piped or was closed
    /// ([`write_eof`](Self::write_eof), [`close`](Self::close)).
    ///
    /// ```
    /// # #[derive(Default)]
    /// # struct Out(Vec<u8>);
    /// # impl hive::process::SubprocessProtocol for Out {
    /// #     fn pipe_data_received(&mut self, _: i32, d: &[u8]) { self.0.extend_from_slice(d); }
    /// # }
    /// # hive::run(async {
    /// let (t, done) = hive::process::subprocess_exec(Out::default, "cat", [""; 0]).await.unwrap();
    /// t.write(b"through cat").unwrap();
    /// t.write_eof();
    /// assert_eq!(done.await.unwrap().0, b"through cat");
    /// assert!(t.write(b"late").is_err());
    /// # }).unwrap();
    /// ```
    #[doc(alias = "get_pipe_transport")]
    pub fn write(&self, data: &[u8]) -> io::Result<()> {
        match &*self.shared.stdin.lock() {
            Some(stdin) => {
                stdin.write(data);
                Ok(())
            }
            None => Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "the child's stdin is closed, or was never piped (subprocess_exec pipes it; \
                 with Command::spawn_protocol, set .stdin(Stdio::Piped))",
            )),
        }
    }

    /// Closes the child's stdin once what was written has gone out: the
    /// child reads EOF (asyncio's `get_pipe_transport(0).close()`).
    ///
    /// ```
    /// # #[derive(Default)]
    /// # struct Out(Vec<u8>);
    /// # impl hive::process::SubprocessProtocol for Out {
    /// #     fn pipe_data_received(&mut self, _: i32, d: &[u8]) { self.0.extend_from_slice(d); }
    /// # }
    /// # hive::run(async {
    /// let (t, done) = hive::process::subprocess_exec(Out::default, "wc", ["-c"]).await.unwrap();
    /// t.write(b"12345").unwrap();
    /// t.write_eof(); // wc counts once its input ends
    /// assert_eq!(String::from_utf8(done.await.unwrap().0).unwrap().trim(), "5");
    /// # }).unwrap();
    /// ```
    #[doc(alias = "WriteTransport.write_eof")]
    pub fn write_eof(&self) {
        if let Some(stdin) = self.shared.stdin.lock().take() {
            stdin.close();
        }
    }

    /// Sends `signal` to the child (asyncio's `send_signal`); see
    /// [`KillHandle::send_signal`].
    ///
    /// # Errors
    /// [`ProcessLookup`](crate::ProcessLookup) once the child was reaped.
    ///
    /// ```
    /// # struct Quiet;
    /// # impl hive::process::SubprocessProtocol for Quiet {}
    /// # hive::run(async {
    /// let (t, done) = hive::process::subprocess_exec(|| Quiet, "sleep", ["30"]).await.unwrap();
    /// t.send_signal(hive::signal::SignalKind::interrupt()).unwrap();
    /// done.await.unwrap();
    /// assert_eq!(t.returncode(), Some(-libc::SIGINT));
    /// # }).unwrap();
    /// ```
    #[doc(alias = "SubprocessTransport.send_signal")]
    pub fn send_signal(&self, signal: hive_runtime::signal::SignalKind) -> io::Result<()> {
        self.shared.kill.send_signal(signal)
    }

    /// `SIGTERM` (asyncio's `terminate`).
    ///
    /// # Errors
    /// As [`send_signal`](Self::send_signal).
    ///
    /// ```
    /// # struct Quiet;
    /// # impl hive::process::SubprocessProtocol for Quiet {}
    /// # hive::run(async {
    /// let (t, done) = hive::process::subprocess_exec(|| Quiet, "sleep", ["30"]).await.unwrap();
    /// t.terminate().unwrap();
    /// done.await.unwrap();
    /// assert_eq!(t.returncode(), Some(-libc::SIGTERM));
    /// # }).unwrap();
    /// ```
    #[doc(alias = "SubprocessTransport.terminate")]
    pub fn terminate(&self) -> io::Result<()> {
        self.shared.kill.terminate()
    }

    /// `SIGKILL` (asyncio's `kill`).
    ///
    /// # Errors
    /// As [`send_signal`](Self::send_signal).
    ///
    /// ```
    /// # struct Quiet;
    /// # impl hive::process::SubprocessProtocol for Quiet {}
    /// # hive::run(async {
    /// let (t, done) = hive::process::subprocess_exec(|| Quiet, "sleep", ["30"]).await.unwrap();
    /// t.kill().unwrap();
    /// done.await.unwrap();
    /// assert_eq!(t.returncode(), Some(-libc::SIGKILL));
    /// # }).unwrap();
    /// ```
    #[doc(alias = "SubprocessTransport.kill")]
    pub fn kill(&self) -> io::Result<()> {
        self.shared.kill.kill()
    }

    /// Closes stdin and kills the child if it is still running (asyncio's
    /// `close`); the protocol still hears the end of its output and the
    /// exit. Closing again does nothing.
    ///
    /// ```
    /// # struct Quiet;
    /// # impl hive::process::SubprocessProtocol for Quiet {}
    /// # hive::run(async {
    /// let (t, done) = hive::process::subprocess_exec(|| Quiet, "cat", [""; 0]).await.unwrap();
    /// t.close();
    /// done.await.unwrap();
    /// assert!(t.returncode().is_some());
    /// # }).unwrap();
    /// ```
    #[doc(alias = "SubprocessTransport.close")]
    pub fn close(&self) {
        self.write_eof();
        if self.returncode().is_none() {
            // An error here means the child was reaped after the look
            // above: nothing is left to kill.
            let _ = self.shared.kill.kill();
        }
    }
}

impl std::fmt::Debug for SubprocessTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SubprocessTransport")
            .field("pid", &self.pid())
            .field("returncode", &self.returncode())
            .finish()
    }
}

/// Runs `program` with `args`, stdin, stdout and stderr piped (asyncio's
/// `loop.subprocess_exec`, whose streams default to pipes), and drives
/// the protocol `factory` builds for it on this loop. The task gives the
/// protocol back after `connection_lost`.
///
/// # Errors
/// [`SpawnError`], as for [`Command::spawn`].
///
/// ```
/// #[derive(Default)]
/// struct Lines(usize);
/// impl hive::process::SubprocessProtocol for Lines {
///     fn pipe_data_received(&mut self, _: i32, data: &[u8]) {
///         self.0 += data.iter().filter(|&&b| b == b'\n').count();
///     }
/// }
/// # hive::run(async {
/// let (_t, done) = hive::process::subprocess_exec(Lines::default, "seq", ["1", "100"]).await.unwrap();
/// assert_eq!(done.await.unwrap().0, 100);
/// # }).unwrap();
/// ```
#[doc(alias = "loop.subprocess_exec")]
pub async fn subprocess_exec<P, F, I, S>(
    factory: F,
    program: impl AsRef<OsStr>,
    args: I,
) -> Result<(SubprocessTransport, Task<P>), SpawnError>
where
    F: FnOnce() -> P,
    P: SubprocessProtocol,
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    Command::new(program)
        .args(args)
        .stdin(Stdio::Piped)
        .stdout(Stdio::Piped)
        .stderr(Stdio::Piped)
        .spawn_protocol(factory)
}

/// [`subprocess_exec`] of `/bin/sh -c cmd` (asyncio's
/// `loop.subprocess_shell`). The shell parses `cmd`: quote anything that
/// comes from users.
///
/// # Errors
/// As [`subprocess_exec`].
///
/// ```
/// #[derive(Default)]
/// struct Out(Vec<u8>);
/// impl hive::process::SubprocessProtocol for Out {
///     fn pipe_data_received(&mut self, _: i32, d: &[u8]) { self.0.extend_from_slice(d); }
/// }
/// # hive::run(async {
/// let (_t, done) = hive::process::subprocess_shell(Out::default, "echo $((6 * 7))").await.unwrap();
/// assert_eq!(done.await.unwrap().0, b"42\n");
/// # }).unwrap();
/// ```
#[doc(alias = "loop.subprocess_shell")]
pub async fn subprocess_shell<P, F>(
    factory: F,
    cmd: impl AsRef<OsStr>,
) -> Result<(SubprocessTransport, Task<P>), SpawnError>
where
    F: FnOnce() -> P,
    P: SubprocessProtocol,
{
    Command::shell(cmd)
        .stdin(Stdio::Piped)
        .stdout(Stdio::Piped)
        .stderr(Stdio::Piped)
        .spawn_protocol(factory)
}

impl Command {
    /// Spawns the child with this command's settings (streams not piped
    /// are not seen by the protocol) and drives the protocol `factory`
    /// builds on this loop; [`subprocess_exec`] with full control.
    ///
    /// # Errors
    /// As [`Command::spawn`]; `NoRuntime` off a loop thread.
    ///
    /// ```
    /// use hive::process::{Command, Stdio};
    /// #[derive(Default)]
    /// struct Out(Vec<u8>);
    /// impl hive::process::SubprocessProtocol for Out {
    ///     fn pipe_data_received(&mut self, _: i32, d: &[u8]) { self.0.extend_from_slice(d); }
    /// }
    /// # hive::run(async {
    /// let (_t, done) = Command::new("sh").args(["-c", "echo $GREETING"]).env("GREETING", "hey")
    ///     .stdout(Stdio::Piped)
    ///     .spawn_protocol(Out::default).unwrap();
    /// assert_eq!(done.await.unwrap().0, b"hey\n");
    /// # }).unwrap();
    /// ```
    pub fn spawn_protocol<P, F>(
        &mut self,
        factory: F,
    ) -> Result<(SubprocessTransport, Task<P>), SpawnError>
    where
        F: FnOnce() -> P,
        P: SubprocessProtocol,
    {
        let mut process = self.spawn()?;
        let transport = SubprocessTransport {
            shared: Arc::new(TransportShared {
                kill: process.kill_handle(),
                stdin: Mutex::new(process.stdin.take()),
                returncode: Mutex::new(None),
            }),
        };
        let proto = factory();
        let t = transport.clone();
        let spawned = hive_runtime::spawn_local(async move {
            let mut proto = proto;
            drive(&mut proto, process, t).await;
            proto
        });
        match spawned {
            Ok(task) => Ok((transport, task)),
            Err(e) => {
                // The driver never ran: nobody would hear this child.
                let _ = transport.kill();
                Err(SpawnError::Io(io::Error::other(format!(
                    "could not start the protocol's task on this loop: {e}"
                ))))
            }
        }
    }
}

/// Reads the child's stdout and stderr and waits for its exit, making the
/// protocol's callbacks in asyncio's order.
async fn drive<P: SubprocessProtocol>(
    proto: &mut P,
    mut process: Process,
    transport: SubprocessTransport,
) {
    proto.connection_made(transport.clone());
    let mut pipes = [(1, process.stdout.take()), (2, process.stderr.take())];
    let mut buf = vec![0u8; READ_SIZE];
    let mut exited = false;
    let mut lost = None;
    let mut wait = pin!(process.wait());
    poll_fn(|cx| {
        for _ in 0..READS_PER_TURN {
            let mut progressed = false;
            for (fd, pipe) in pipes.iter_mut() {
                let Some(reader) = pipe else { continue };
                match Pin::new(reader).poll_read(cx, &mut buf) {
                    Poll::Ready(Ok(0)) => {
                        *pipe = None;
                        proto.pipe_connection_lost(*fd, None);
                    }
                    Poll::Ready(Ok(n)) => proto.pipe_data_received(*fd, &buf[..n]),
                    Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
                    Poll::Ready(Err(e)) => {
                        *pipe = None;
                        proto.pipe_connection_lost(*fd, Some(e));
                    }
                    Poll::Pending => continue,
                }
                progressed = true;
            }
            if !exited {
                if let Poll::Ready(status) = wait.as_mut().poll(cx) {
                    exited = true;
                    progressed = true;
                    match status {
                        Ok(status) => {
                            *transport.shared.returncode.lock() =
                                Some(crate::process::returncode(status));
                        }
                        Err(e) => lost = Some(e),
                    }
                    proto.process_exited();
                }
            }
            if exited && pipes.iter().all(|(_, pipe)| pipe.is_none()) {
                return Poll::Ready(());
            }
            if !progressed {
                return Poll::Pending;
            }
        }
        // Still busy: let the loop run others, then go on.
        cx.waker().wake_by_ref();
        Poll::Pending
    })
    .await;
    proto.connection_lost(lost);
}
