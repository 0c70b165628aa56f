//! `KillHandle`: signalling a child from anywhere while another task is
//! inside `wait` or `communicate` (which hold the `Process` mutably).

use crate::gate::Gate;
use crate::loom::sync::Arc;
use crate::process::Process;
use hive_runtime::signal::SignalKind;
use std::fmt;
use std::io;

/// A cloneable, `Send + Sync` handle that signals one child: asyncio's
/// `proc.kill()` from another task while `await proc.communicate()` (or
/// `wait()`) is pending, which in Rust holds the `Process` by `&mut`.
///
/// It can never hit another process that reused the child's pid: signals
/// go through the child's pidfd where the kernel has them, and in any case
/// are serialized with the reap of the child (see [`Process::kill_handle`]).
/// Once the child has been reaped, every method fails with
/// [`ProcessLookup`](crate::ProcessLookup) inside an `io::Error` of kind
/// `NotFound`, as asyncio raises `ProcessLookupError`; a child that has
/// exited but is not reaped yet takes the signal as a no-op.
///
/// ```
/// use hive::process::{Command, Stdio};
/// # hive::run(async {
/// let mut p = Command::new("sleep").arg("30").stdout(Stdio::Piped).spawn().unwrap();
/// let killer = p.kill_handle();
/// // Ends the pending communicate below (it waits for the child to exit).
/// hive::spawn(async move { killer.kill().unwrap() });
/// let out = p.communicate(None).await.unwrap();
/// assert_eq!(p.returncode(), Some(-libc::SIGKILL));
/// # drop(out);
/// # }).unwrap();
/// ```
#[doc(alias = "Process.kill")]
#[derive(Clone)]
pub struct KillHandle {
    gate: Arc<Gate>,
}

impl Process {
    /// A handle that can signal this child while `wait` or `communicate`
    /// holds the `Process` (asyncio calls `proc.kill()` from another task
    /// meanwhile). Cheap: it shares the child's pidfd, opening nothing.
    ///
    /// ```
    /// # hive::run(async {
    /// let mut p = hive::process::Command::new("sleep").arg("30").spawn().unwrap();
    /// let killer = p.kill_handle();
    /// let waiting = p.wait();
    /// killer.kill().unwrap();
    /// assert_eq!(waiting.await.unwrap().code(), None);
    /// # }).unwrap();
    /// ```
    pub fn kill_handle(&self) -> KillHandle {
        KillHandle {
            gate: self.gate().clone(),
        }
    }
}

impl KillHandle {
    /// The child's process id.
    ///
    /// ```
    /// # hive::run(async {
    /// let p = hive::process::Command::new("true").spawn().unwrap();
    /// assert_eq!(p.kill_handle().pid(), p.pid());
    /// # }).unwrap();
    /// ```
    pub fn pid(&self) -> u32 {
        self.gate.pid()
    }

    /// Sends `signal` to the child (asyncio's `send_signal`).
    ///
    /// # Errors
    /// [`ProcessLookup`](crate::ProcessLookup) (kind `NotFound`) once the
    /// child was reaped; `InvalidInput` for a signal number the OS does not
    /// know.
    ///
    /// ```
    /// use hive::signal::SignalKind;
    /// use std::os::unix::process::ExitStatusExt;
    /// # hive::run(async {
    /// let mut p = hive::process::Command::new("sleep").arg("30").spawn().unwrap();
    /// p.kill_handle().send_signal(SignalKind::interrupt()).unwrap();
    /// assert_eq!(p.wait().await.unwrap().signal(), Some(libc::SIGINT));
    /// # }).unwrap();
    /// ```
    #[doc(alias = "Process.send_signal")]
    pub fn send_signal(&self, signal: SignalKind) -> io::Result<()> {
        self.gate.signal(signal)
    }

    /// Asks the child to stop: SIGTERM (asyncio's `terminate`).
    ///
    /// # Errors
    /// As [`send_signal`](KillHandle::send_signal).
    ///
    /// ```
    /// use std::os::unix::process::ExitStatusExt;
    /// # hive::run(async {
    /// let mut p = hive::process::Command::new("sleep").arg("30").spawn().unwrap();
    /// p.kill_handle().terminate().unwrap();
    /// assert_eq!(p.wait().await.unwrap().signal(), Some(libc::SIGTERM));
    /// # }).unwrap();
    /// ```
    #[doc(alias = "Process.terminate")]
    pub fn terminate(&self) -> io::Result<()> {
        self.send_signal(SignalKind::terminate())
    }

    /// Kills the child: SIGKILL (asyncio's `kill`).
    ///
    /// # Errors
    /// As [`send_signal`](KillHandle::send_signal): after the child was
    /// reaped, [`ProcessLookup`](crate::ProcessLookup).
    ///
    /// ```
    /// # hive::run(async {
    /// let mut p = hive::process::Command::new("true").spawn().unwrap();
    /// let killer = p.kill_handle();
    /// p.wait().await.unwrap();
    /// let err = killer.kill().unwrap_err();
    /// assert!(err.get_ref().unwrap().is::<hive::process::ProcessLookup>());
    /// # }).unwrap();
    /// ```
    #[doc(alias = "Process.kill")]
    pub fn kill(&self) -> io::Result<()> {
        self.send_signal(SignalKind::from_raw(libc::SIGKILL))
    }
}

impl fmt::Debug for KillHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KillHandle")
            .field("pid", &self.pid())
            .finish()
    }
}
