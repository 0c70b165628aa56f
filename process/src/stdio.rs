//! `Stdio`: where a child's standard streams go (asyncio's `PIPE`,
//! `DEVNULL`, `STDOUT`, and `None` for inherit).

use crate::error::SpawnError;
use std::os::fd::OwnedFd;
use std::process::Stdio as StdStdio;

/// Where one of a child's standard streams goes. The default, as in
/// asyncio, is [`Inherit`](Stdio::Inherit).
///
/// ```
/// use hive::process::{Command, Stdio};
/// # hive::run(async {
/// let out = Command::new("sh")
///     .args(["-c", "echo out; echo err >&2"])
///     .stdout(Stdio::Piped)
///     .stderr(Stdio::Stdout) // asyncio's stderr=STDOUT
///     .output()
///     .await
///     .unwrap();
/// assert_eq!(out.stdout, b"out\nerr\n");
/// # }).unwrap();
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Stdio {
    /// The parent's own stream (asyncio's `None`).
    #[default]
    Inherit,
    /// A pipe to the parent: `Process::stdin` / `stdout` / `stderr`
    /// (asyncio's `PIPE`).
    #[doc(alias = "PIPE")]
    Piped,
    /// `/dev/null` (asyncio's `DEVNULL`).
    #[doc(alias = "DEVNULL")]
    Null,
    /// For stderr only: wherever stdout goes (asyncio's `STDOUT`).
    #[doc(alias = "STDOUT")]
    Stdout,
}

/// The three streams as std wants them, plus the parent's read end when
/// stderr shares stdout's pipe.
pub(crate) struct Plan {
    pub(crate) stdin: StdStdio,
    pub(crate) stdout: StdStdio,
    pub(crate) stderr: StdStdio,
    /// The read end of the stdout+stderr pipe hive made itself.
    pub(crate) merged: Option<OwnedFd>,
}

fn simple(s: Stdio, stream: &'static str) -> Result<StdStdio, SpawnError> {
    Ok(match s {
        Stdio::Inherit => StdStdio::inherit(),
        Stdio::Piped => StdStdio::piped(),
        Stdio::Null => StdStdio::null(),
        Stdio::Stdout => return Err(SpawnError::StdoutMisused { stream }),
    })
}

/// Decides each stream; for `stderr: Stdout` both streams get the same
/// target (one pipe, `/dev/null`, or the parent's stdout).
pub(crate) fn plan(stdin: Stdio, stdout: Stdio, stderr: Stdio) -> Result<Plan, SpawnError> {
    let stdin = simple(stdin, "stdin")?;
    if stderr != Stdio::Stdout {
        return Ok(Plan {
            stdin,
            stdout: simple(stdout, "stdout")?,
            stderr: simple(stderr, "stderr")?,
            merged: None,
        });
    }
    let (stdout, stderr, merged) = match stdout {
        Stdio::Inherit => (StdStdio::inherit(), StdStdio::from(std::io::stdout()), None),
        Stdio::Null => (StdStdio::null(), StdStdio::null(), None),
        Stdio::Piped => {
            // std's own pipe would hide its write end; make one with both
            // ends close-on-exec (std dup2s the child's copy onto 1 and 2).
            let (tx, rx) = mio::unix::pipe::new().map_err(SpawnError::Io)?;
            // The child's end must block, as a program expects of stdout.
            tx.set_nonblocking(false).map_err(SpawnError::Io)?;
            let tx = OwnedFd::from(tx);
            let tx2 = tx.try_clone().map_err(SpawnError::Io)?;
            (
                StdStdio::from(tx),
                StdStdio::from(tx2),
                Some(OwnedFd::from(rx)),
            )
        }
        Stdio::Stdout => return Err(SpawnError::StdoutMisused { stream: "stdout" }),
    };
    Ok(Plan {
        stdin,
        stdout,
        stderr,
        merged,
    })
}
