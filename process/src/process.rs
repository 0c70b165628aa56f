//! `Process`: a running child, its pipes, and its exit.

use crate::error::reaped_elsewhere;
use crate::gate::Gate;
use crate::loom::sync::Arc;
use crate::reaper::{self, Orphan};
use crate::watch::{Watch, Watcher};
use hive_net::{StreamReader, StreamWriter};
use hive_runtime::signal::SignalKind;
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, ExitStatus};
use std::task::{Context, Poll};

/// A child process started by [`Command::spawn`](crate::Command::spawn)
/// or `create_subprocess_*` (asyncio's `asyncio.subprocess.Process`).
///
/// Its piped streams are public fields, as in asyncio: take them to read
/// and write concurrently, or let [`communicate`](Process::communicate)
/// drive them all. Waiting with [`wait`](Process::wait) while the child
/// fills a pipe nobody reads deadlocks, as in asyncio: read the pipes, or
/// use `communicate`.
///
/// Dropping a `Process` neither waits nor (unless
/// [`kill_on_drop`](crate::Command::kill_on_drop)) kills: the child goes on
/// and is reaped in the background once it exits, so it never stays a
/// zombie.
///
/// ```
/// use hive::process::{Command, Stdio};
/// # hive::run(async {
/// let mut p = Command::new("cat").stdin(Stdio::Piped).stdout(Stdio::Piped).spawn().unwrap();
/// let stdin = p.stdin.take().unwrap();
/// stdin.write(b"echo\n");
/// stdin.close();
/// let mut stdout = p.stdout.take().unwrap();
/// assert_eq!(stdout.readline().await.unwrap(), b"echo\n");
/// assert!(p.wait().await.unwrap().success());
/// assert_eq!(p.returncode(), Some(0));
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.subprocess.Process")]
pub struct Process {
    /// The child's stdin, when spawned with `stdin(Stdio::Piped)`: a
    /// buffered writer; `close` (or `write_eof`) sends EOF.
    pub stdin: Option<StreamWriter>,
    /// The child's stdout (with stderr, for `stderr(Stdio::Stdout)`), when
    /// piped.
    pub stdout: Option<StreamReader>,
    /// The child's stderr, when piped.
    pub stderr: Option<StreamReader>,
    pid: u32,
    /// `Some` until `drop` hands it to the reaper.
    inner: Option<Inner>,
    status: Option<ExitStatus>,
    kill_on_drop: bool,
    /// Shared with `KillHandle`s and, once dropped, the reaper.
    gate: Arc<Gate>,
}

struct Inner {
    child: Child,
    watch: Watch,
}

impl Process {
    pub(crate) fn new(
        child: Child,
        watch: Watch,
        (stdin, stdout, stderr): (
            Option<StreamWriter>,
            Option<StreamReader>,
            Option<StreamReader>,
        ),
        kill_on_drop: bool,
    ) -> Process {
        let gate = Gate::new(child.id(), watch.pidfd());
        Process {
            stdin,
            stdout,
            stderr,
            pid: child.id(),
            inner: Some(Inner { child, watch }),
            status: None,
            kill_on_drop,
            gate,
        }
    }

    pub(crate) fn gate(&self) -> &Arc<Gate> {
        &self.gate
    }

    /// The child's process id.
    ///
    /// ```
    /// # hive::run(async {
    /// let p = hive::process::Command::new("true").spawn().unwrap();
    /// assert!(p.pid() > 0);
    /// # }).unwrap();
    /// ```
    #[doc(alias = "Process.pid")]
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// How the child ended, once [`wait`](Process::wait),
    /// [`try_wait`](Process::try_wait) or [`communicate`](Process::communicate)
    /// saw it: its exit code, or minus the signal that killed it (asyncio's
    /// `returncode`). `None` while running or not yet waited for.
    ///
    /// ```
    /// # hive::run(async {
    /// let mut p = hive::process::Command::new("sleep").arg("10").spawn().unwrap();
    /// assert_eq!(p.returncode(), None);
    /// p.kill().unwrap();
    /// p.wait().await.unwrap();
    /// assert_eq!(p.returncode(), Some(-libc::SIGKILL));
    /// # }).unwrap();
    /// ```
    #[doc(alias = "Process.returncode")]
    pub fn returncode(&self) -> Option<i32> {
        self.status.map(returncode)
    }

    /// Waits for the child to exit and reaps it (asyncio's `wait`).
    /// Cancel-safe; after the first success it returns the same status.
    ///
    /// # Errors
    /// The OS error of watching or reaping; an error saying so if something
    /// else in the program reaped the child first.
    ///
    /// ```
    /// # hive::run(async {
    /// let mut p = hive::process::create_subprocess_exec("sh", ["-c", "exit 4"]).await.unwrap();
    /// assert_eq!(p.wait().await.unwrap().code(), Some(4));
    /// # }).unwrap();
    /// ```
    #[doc(alias = "Process.wait")]
    pub async fn wait(&mut self) -> io::Result<std::process::ExitStatus> {
        poll_fn(|cx| self.poll_wait(cx)).await
    }

    fn poll_wait(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<ExitStatus>> {
        if let Some(status) = self.status {
            return Poll::Ready(Ok(status));
        }
        let pid = self.pid;
        let inner = self
            .inner
            .as_mut()
            .expect("a Process holds its child until dropped");
        let status = std::task::ready!(inner.watch.poll_exit(cx, &mut inner.child, &self.gate))
            .map_err(|e| map_wait_error(e, pid))?;
        self.status = Some(status);
        Poll::Ready(Ok(status))
    }

    /// The exit status if the child has exited (reaping it), `None` while
    /// it runs. Never waits.
    ///
    /// # Errors
    /// As [`wait`](Process::wait).
    ///
    /// ```
    /// # hive::run(async {
    /// let mut p = hive::process::Command::new("sleep").arg("10").kill_on_drop(true).spawn().unwrap();
    /// assert!(p.try_wait().unwrap().is_none());
    /// # }).unwrap();
    /// ```
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        if self.status.is_none() {
            let pid = self.pid;
            let inner = self
                .inner
                .as_mut()
                .expect("a Process holds its child until dropped");
            self.status = self
                .gate
                .try_reap(&mut inner.child)
                .map_err(|e| map_wait_error(e, pid))?;
        }
        Ok(self.status)
    }

    /// Sends `signal` to the child (asyncio's `send_signal`). It cannot
    /// reach another process that reused the pid: it goes through the pidfd
    /// where there is one, and is serialized with the child's reap. To
    /// signal while `wait` or `communicate` is pending, use a
    /// [`kill_handle`](Process::kill_handle).
    ///
    /// # Errors
    /// [`ProcessLookup`](crate::ProcessLookup) (kind `NotFound`) once the
    /// child was waited for; `InvalidInput` for a signal number the OS does
    /// not know.
    ///
    /// ```
    /// use hive::signal::SignalKind;
    /// # hive::run(async {
    /// let mut p = hive::process::Command::new("sleep").arg("10").spawn().unwrap();
    /// p.send_signal(SignalKind::interrupt()).unwrap();
    /// assert_eq!(p.wait().await.unwrap().signal(), Some(libc::SIGINT));
    /// # use std::os::unix::process::ExitStatusExt;
    /// # }).unwrap();
    /// ```
    #[doc(alias = "Process.send_signal")]
    pub fn send_signal(&self, signal: SignalKind) -> io::Result<()> {
        self.gate.signal(signal)
    }

    /// Asks the child to stop: SIGTERM (asyncio's `terminate`).
    ///
    /// # Errors
    /// As [`send_signal`](Process::send_signal).
    ///
    /// ```
    /// # hive::run(async {
    /// let mut p = hive::process::Command::new("sleep").arg("10").spawn().unwrap();
    /// p.terminate().unwrap();
    /// assert_eq!(p.wait().await.unwrap().signal(), Some(libc::SIGTERM));
    /// # use std::os::unix::process::ExitStatusExt;
    /// # }).unwrap();
    /// ```
    #[doc(alias = "Process.terminate")]
    pub fn terminate(&self) -> io::Result<()> {
        self.send_signal(SignalKind::terminate())
    }

    /// Kills the child: SIGKILL (asyncio's `kill`). It is reaped by the
    /// next [`wait`](Process::wait), or in the background if dropped.
    ///
    /// # Errors
    /// As [`send_signal`](Process::send_signal).
    ///
    /// ```
    /// # hive::run(async {
    /// let mut p = hive::process::Command::new("sleep").arg("10").spawn().unwrap();
    /// p.kill().unwrap();
    /// assert_eq!(p.wait().await.unwrap().signal(), Some(libc::SIGKILL));
    /// # use std::os::unix::process::ExitStatusExt;
    /// # }).unwrap();
    /// ```
    #[doc(alias = "Process.kill")]
    pub fn kill(&self) -> io::Result<()> {
        self.send_signal(SignalKind::from_raw(libc::SIGKILL))
    }

    /// Which mechanism notices this child's exit: a pidfd on the reactor,
    /// or the SIGCHLD fallback.
    ///
    /// ```
    /// # hive::run(async {
    /// let p = hive::process::Command::new("true").spawn().unwrap();
    /// let _ = p.watcher();
    /// # }).unwrap();
    /// ```
    pub fn watcher(&self) -> Watcher {
        match &self.inner {
            Some(inner) => inner.watch.kind(),
            None => Watcher::Sigchld,
        }
    }
}

pub(crate) fn returncode(status: ExitStatus) -> i32 {
    match (status.code(), status.signal()) {
        (Some(code), _) => code,
        (None, Some(signal)) => -signal,
        // Stopped/continued: waitpid without WUNTRACED never reports these.
        (None, None) => i32::MIN,
    }
}

fn map_wait_error(err: io::Error, pid: u32) -> io::Error {
    if err.raw_os_error() == Some(libc::ECHILD) {
        reaped_elsewhere(pid)
    } else {
        err
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let Some(Inner { child, watch }) = self.inner.take() else {
            return;
        };
        // Off this loop's reactor; the pidfd itself lives on in the gate.
        drop(watch);
        if self.status.is_some() {
            return; // reaped already
        }
        if self.kill_on_drop {
            let _ = self.gate.send_raw(libc::SIGKILL);
        }
        reaper::adopt(Orphan {
            child,
            gate: self.gate.clone(),
        });
    }
}

impl fmt::Debug for Process {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Process")
            .field("pid", &self.pid)
            .field("returncode", &self.returncode())
            .field("stdin", &self.stdin.is_some())
            .field("stdout", &self.stdout.is_some())
            .field("stderr", &self.stderr.is_some())
            .finish()
    }
}
