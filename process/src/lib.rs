//! # hive-process
//!
//! asyncio's subprocesses on hive's loops: [`create_subprocess_exec`],
//! [`create_subprocess_shell`] and the [`Command`] builder start a child
//! whose pipes are hive-net streams (stdin a `StreamWriter`, stdout and
//! stderr `StreamReader`s) and whose exit is an awaitable event on the
//! loop's reactor. Use it as `hive::process`.
//!
//! ```
//! use hive::process::{Command, Stdio};
//! # hive::run(async {
//! let mut sort = Command::new("sort")
//!     .stdin(Stdio::Piped)
//!     .stdout(Stdio::Piped)
//!     .spawn()
//!     .unwrap();
//! let out = sort.communicate(Some(b"b\nc\na\n")).await.unwrap();
//! assert_eq!(out.stdout, b"a\nb\nc\n");
//! assert_eq!(sort.returncode(), Some(0));
//! # }).unwrap();
//! ```
//!
//! asyncio's low-level form is here too: [`subprocess_exec`] and
//! [`subprocess_shell`] drive a [`SubprocessProtocol`]'s callbacks with
//! the child's output and exit, and hand out a [`SubprocessTransport`].
//!
//! ## Watching children
//!
//! Each child's exit is watched on the loop that spawned it, by a pidfd
//! (`pidfd_open(2)`, Linux 5.3+) registered with that loop's reactor: no
//! process-wide SIGCHLD handler, and hive only ever reaps its own children
//! (`waitpid` on their pid), so it coexists with other code that spawns.
//! Where pidfds are missing (older kernels, seccomp policies) it falls
//! back to a `hive::signal` subscription to SIGCHLD plus `waitpid(pid,
//! WNOHANG)` on each delivery; `HIVE_PROCESS_WATCH=sigchld` forces that.
//! [`Process::watcher`] says which one a child uses.
//!
//! ## No zombies
//!
//! [`Process::wait`] (and `communicate`, `try_wait` once exited) reaps the
//! child. A `Process` dropped before that hands its child to a background
//! reaper thread (killing it first if spawned with
//! [`Command::kill_on_drop`]), which reaps it when it exits, also after the
//! runtime has shut down. [`orphans_pending`] counts those not reaped yet.
//!
//! ## Differences from asyncio
//!
//! * `returncode()` is what `wait`/`try_wait`/`communicate` saw; asyncio
//!   updates it in the background.
//! * `communicate` takes the piped streams out of the `Process`.
//! * `wait` and `communicate` hold the `Process` mutably, so another task
//!   signals it through a [`KillHandle`] ([`Process::kill_handle`]); after
//!   the child was reaped it fails with [`ProcessLookup`], as asyncio
//!   raises `ProcessLookupError`.
//! * `Command::spawn` is synchronous (fork/exec does not wait for the
//!   child); the `create_subprocess_*` shortcuts are `async` as in asyncio.

mod command;
mod communicate;
mod error;
mod gate;
mod kill_handle;
mod loom;
mod orphan;
mod pidfd;
mod process;
mod protocol;
mod reaper;
mod stdio;
mod watch;

pub use command::{create_subprocess_exec, create_subprocess_shell, Command};
pub use error::{ProcessLookup, SpawnError};
pub use kill_handle::KillHandle;
pub use process::Process;
pub use protocol::{subprocess_exec, subprocess_shell, SubprocessProtocol, SubprocessTransport};
pub use reaper::orphans_pending;
pub use stdio::Stdio;
pub use watch::Watcher;
