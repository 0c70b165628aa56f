//! hive-process's typed errors.

use std::ffi::OsString;
use std::fmt;
use std::io;
use std::path::PathBuf;
use std::process::ExitStatus;

/// Why a child could not be started. Each message says what to do.
///
/// Converts into `io::Error` (with the matching `ErrorKind`, and this
/// error inside) for code that wants one error type.
///
/// ```
/// # hive::run(async {
/// let err = hive::process::create_subprocess_exec("no-such-program-hive", ["x"])
///     .await
///     .unwrap_err();
/// assert!(matches!(err, hive::process::SpawnError::ProgramNotFound { .. }));
/// assert!(err.to_string().contains("PATH"));
/// # }).unwrap();
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum SpawnError {
    /// Not inside a hive runtime: the child's pipes and exit need a loop.
    NoRuntime,
    /// No such program (asyncio raises `FileNotFoundError`).
    ProgramNotFound {
        /// The program as given.
        program: OsString,
    },
    /// The program exists but may not be executed (asyncio's `PermissionError`).
    PermissionDenied {
        /// The program as given.
        program: OsString,
    },
    /// The working directory given with `current_dir` does not exist.
    CwdNotFound {
        /// The directory as given.
        cwd: PathBuf,
    },
    /// `Stdio::Stdout` was given for stdin or stdout: only stderr can be
    /// sent into stdout.
    StdoutMisused {
        /// `"stdin"` or `"stdout"`.
        stream: &'static str,
    },
    /// Any other OS error (`fork` failed, out of descriptors, ...).
    Io(io::Error),
}

impl fmt::Display for SpawnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpawnError::NoRuntime => f.write_str(
                "no hive runtime on this thread: spawn processes inside hive::run or Runtime::block_on",
            ),
            SpawnError::ProgramNotFound { program } => write!(
                f,
                "program {program:?} not found: check its spelling, give a full path, or add its directory to PATH"
            ),
            SpawnError::PermissionDenied { program } => write!(
                f,
                "program {program:?} cannot be executed (permission denied): make it executable (chmod +x) or run it through a shell"
            ),
            SpawnError::CwdNotFound { cwd } => write!(
                f,
                "working directory {} does not exist: create it or pass an existing one to current_dir",
                cwd.display()
            ),
            SpawnError::StdoutMisused { stream } => write!(
                f,
                "Stdio::Stdout was given for {stream}: it only means \"stderr into stdout\"; use it with .stderr(..)"
            ),
            SpawnError::Io(err) => write!(f, "cannot start the child process: {err}"),
        }
    }
}

impl std::error::Error for SpawnError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SpawnError::Io(err) => Some(err),
            _ => None,
        }
    }
}

impl From<SpawnError> for io::Error {
    fn from(err: SpawnError) -> io::Error {
        let kind = match &err {
            SpawnError::NoRuntime
            | SpawnError::ProgramNotFound { .. }
            | SpawnError::CwdNotFound { .. } => io::ErrorKind::NotFound,
            SpawnError::PermissionDenied { .. } => io::ErrorKind::PermissionDenied,
            SpawnError::StdoutMisused { .. } => io::ErrorKind::InvalidInput,
            SpawnError::Io(e) => e.kind(),
        };
        io::Error::new(kind, err)
    }
}

/// Signalling a process that has already exited and been waited for
/// (asyncio's `ProcessLookupError`). Returned inside an `io::Error` of
/// kind `NotFound`.
///
/// ```
/// # hive::run(async {
/// let mut p = hive::process::Command::new("true").spawn().unwrap();
/// p.wait().await.unwrap();
/// let err = p.kill().unwrap_err();
/// assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
/// assert!(err.get_ref().unwrap().is::<hive::process::ProcessLookup>());
/// # }).unwrap();
/// ```
#[doc(alias = "ProcessLookupError")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessLookup {
    /// The process id it had.
    pub pid: u32,
    /// How it ended.
    pub status: ExitStatus,
}

impl fmt::Display for ProcessLookup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "process {} already exited ({}); there is nothing left to signal (check returncode() first)",
            self.pid, self.status
        )
    }
}

impl std::error::Error for ProcessLookup {}

/// The process had already been reaped by someone else (a `waitpid(-1)`
/// elsewhere in the program, or SIGCHLD set to be ignored): its exit
/// status is lost. Returned inside an `io::Error`.
pub(crate) fn reaped_elsewhere(pid: u32) -> io::Error {
    io::Error::other(format!(
        "process {pid} was reaped by someone else (a waitpid(-1) elsewhere, or SIGCHLD ignored); \
         its exit status is lost: leave hive's children to hive"
    ))
}
