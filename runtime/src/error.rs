//! Errors for misusing the runtime: each message says what to do instead.

use crate::loop_id::LoopId;
use std::fmt;
use std::io;

/// Why [`run`](crate::run) or [`Runtime::block_on`](crate::Runtime::block_on) gave no value.
///
/// ```
/// # hive::run(async {
/// // Calling run from inside a running loop is refused, not deadlocked:
/// let nested = hive::run(async {});
/// assert!(matches!(nested, Err(hive::RunError::Nested)));
/// # }).unwrap();
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum RunError {
    /// `run`/`block_on` was called from a thread already inside a hive runtime.
    Nested,
    /// The runtime's threads or reactors could not be created.
    Build(io::Error),
    /// The main task was cancelled before it finished.
    Cancelled,
    /// Ctrl-C (`SIGINT`) arrived while `run` was active on the main thread:
    /// the main task was cancelled and cleaned up, as `asyncio.run` does
    /// before raising `KeyboardInterrupt`. End the process with
    /// [`hive::signal::exit_as_if`](crate::signal::exit_as_if) to report it
    /// the usual way (`#[hive::main]` does).
    Interrupted,
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Nested => f.write_str(
                "hive::run cannot be called from inside a running loop; \
                 await the future instead (or hive::spawn it)",
            ),
            RunError::Build(err) => write!(f, "could not start the hive runtime: {err}"),
            RunError::Cancelled => f.write_str(
                "the main task was cancelled before it finished (was the runtime shut down?)",
            ),
            RunError::Interrupted => {
                f.write_str("interrupted by Ctrl-C: the main task was cancelled and cleaned up")
            }
        }
    }
}

impl std::error::Error for RunError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RunError::Build(err) => Some(err),
            _ => None,
        }
    }
}

/// Why a task could not be spawned where it was asked to go.
///
/// ```
/// // Off a loop thread there is no "current loop" to pin a task to:
/// let err = hive::spawn_local(async {}).unwrap_err();
/// assert!(matches!(err, hive::SpawnError::NotOnLoop));
/// println!("{err}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SpawnError {
    /// `spawn_local` was called on a thread that is not a hive loop.
    NotOnLoop,
    /// No hive runtime is running on this thread.
    NoRuntime,
    /// The `LoopId` does not name a loop of this runtime.
    NoSuchLoop {
        /// The id that was asked for.
        id: LoopId,
        /// How many loops the runtime has.
        loops: usize,
    },
}

impl fmt::Display for SpawnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpawnError::NotOnLoop => f.write_str(
                "spawn_local must be called from a task running on a hive loop; use \
                 hive::spawn_on_loop(loop_id, ..) from other threads, or hive::spawn for Send futures \
                 (Runtime::block_on polls on the calling thread, not on a loop: use Runtime::run_local \
                 to run a future on a loop)",
            ),
            SpawnError::NoRuntime => f.write_str(
                "no hive runtime is running on this thread; call this from inside hive::run, \
                 or use the Runtime's own spawn methods",
            ),
            SpawnError::NoSuchLoop { id, loops } => write!(
                f,
                "{id} is not a loop of this runtime (it has {loops}); take ids from hive::loop_ids()"
            ),
        }
    }
}

impl std::error::Error for SpawnError {}

/// `get_running_loop` was called off a loop thread.
///
/// ```
/// assert!(hive::get_running_loop().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoRunningLoop;

impl fmt::Display for NoRunningLoop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "no running event loop on this thread; call get_running_loop from a task \
             (inside hive::run), or keep a Loop handle and pass it here (Runtime::block_on \
             polls on the calling thread, not on a loop: use Runtime::run or Runtime::run_local \
             to run a future on a loop)",
        )
    }
}

impl std::error::Error for NoRunningLoop {}
