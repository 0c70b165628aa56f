//! `Command`: a child process to start, and asyncio's two shortcuts,
//! `create_subprocess_exec` and `create_subprocess_shell`.

use crate::error::SpawnError;
use crate::gate::Gate;
use crate::process::Process;
use crate::reaper::{self, Orphan};
use crate::stdio::{self, Stdio};
use crate::watch::{self, Watch};
use hive_net::{PipeReader, PipeWriter, StreamReader, StreamWriter, DEFAULT_LIMIT};
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::future::Future;
use std::io;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Output;

/// Starts `program` with `args`, its streams inherited from this process
/// (asyncio's `create_subprocess_exec` with the default streams). For
/// pipes and other options use [`Command`].
///
/// # Errors
/// [`SpawnError`]: the program is missing or not executable, no runtime, ...
///
/// ```
/// # hive::run(async {
/// let mut p = hive::process::create_subprocess_exec("sh", ["-c", "exit 3"]).await.unwrap();
/// assert_eq!(p.wait().await.unwrap().code(), Some(3));
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.create_subprocess_exec")]
pub async fn create_subprocess_exec<I, S>(
    program: impl AsRef<OsStr>,
    args: I,
) -> Result<Process, SpawnError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    Command::new(program).args(args).spawn()
}

/// Runs `cmd` with `/bin/sh -c`, its streams inherited (asyncio's
/// `create_subprocess_shell`). The shell parses `cmd`: quote anything
/// that comes from users.
///
/// # Errors
/// As [`create_subprocess_exec`]; a command the shell cannot find is the
/// shell's exit status 127, not an error.
///
/// ```
/// # hive::run(async {
/// let mut p = hive::process::create_subprocess_shell("exit 7").await.unwrap();
/// assert_eq!(p.wait().await.unwrap().code(), Some(7));
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.create_subprocess_shell")]
pub async fn create_subprocess_shell(cmd: impl AsRef<OsStr>) -> Result<Process, SpawnError> {
    Command::shell(cmd).spawn()
}

/// A child process to start: program, arguments, environment, working
/// directory, process group, and where its streams go. Reusable: each
/// [`spawn`](Command::spawn) starts a new child.
///
/// ```
/// use hive::process::{Command, Stdio};
/// # hive::run(async {
/// let mut child = Command::new("sh")
///     .args(["-c", "echo \"$GREETING from $(pwd)\""])
///     .env("GREETING", "hello")
///     .current_dir("/")
///     .stdout(Stdio::Piped)
///     .kill_on_drop(true)
///     .spawn()
///     .unwrap();
/// let out = child.communicate(None).await.unwrap();
/// assert_eq!(out.stdout, b"hello from /\n");
/// # }).unwrap();
/// ```
pub struct Command {
    inner: std::process::Command,
    program: OsString,
    cwd: Option<PathBuf>,
    stdin: Stdio,
    stdout: Stdio,
    stderr: Stdio,
    kill_on_drop: bool,
    limit: usize,
}

impl Command {
    /// A command running `program` (looked up in `PATH` unless it
    /// contains a `/`), with no arguments and inherited streams.
    ///
    /// ```
    /// let cmd = hive::process::Command::new("ls");
    /// ```
    pub fn new(program: impl AsRef<OsStr>) -> Command {
        let program = program.as_ref().to_owned();
        Command {
            inner: std::process::Command::new(&program),
            program,
            cwd: None,
            stdin: Stdio::Inherit,
            stdout: Stdio::Inherit,
            stderr: Stdio::Inherit,
            kill_on_drop: false,
            limit: DEFAULT_LIMIT,
        }
    }

    /// A command running `cmd` with `/bin/sh -c` (asyncio's `shell=True`).
    ///
    /// ```
    /// # hive::run(async {
    /// let out = hive::process::Command::shell("seq 3 | wc -l")
    ///     .stdout(hive::process::Stdio::Piped)
    ///     .output().await.unwrap();
    /// assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), "3");
    /// # }).unwrap();
    /// ```
    pub fn shell(cmd: impl AsRef<OsStr>) -> Command {
        let mut c = Command::new("/bin/sh");
        c.arg("-c").arg(cmd);
        c
    }

    /// Adds one argument.
    ///
    /// ```
    /// let mut cmd = hive::process::Command::new("echo");
    /// cmd.arg("hello");
    /// ```
    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut Command {
        self.inner.arg(arg);
        self
    }

    /// Adds arguments.
    ///
    /// ```
    /// let mut cmd = hive::process::Command::new("echo");
    /// cmd.args(["a", "b"]);
    /// ```
    pub fn args<I, S>(&mut self, args: I) -> &mut Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.inner.args(args);
        self
    }

    /// Sets an environment variable for the child.
    ///
    /// ```
    /// let mut cmd = hive::process::Command::new("env");
    /// cmd.env("LANG", "C");
    /// ```
    pub fn env(&mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> &mut Command {
        self.inner.env(key, value);
        self
    }

    /// Sets several environment variables.
    ///
    /// ```
    /// let mut cmd = hive::process::Command::new("env");
    /// cmd.envs([("A", "1"), ("B", "2")]);
    /// ```
    pub fn envs<I, K, V>(&mut self, vars: I) -> &mut Command
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        self.inner.envs(vars);
        self
    }

    /// Removes a variable from the child's environment.
    ///
    /// ```
    /// let mut cmd = hive::process::Command::new("env");
    /// cmd.env_remove("HOME");
    /// ```
    pub fn env_remove(&mut self, key: impl AsRef<OsStr>) -> &mut Command {
        self.inner.env_remove(key);
        self
    }

    /// Starts the child with an empty environment (plus what `env` adds).
    ///
    /// ```
    /// let mut cmd = hive::process::Command::new("/usr/bin/env");
    /// cmd.env_clear().env("ONLY", "this");
    /// ```
    pub fn env_clear(&mut self) -> &mut Command {
        self.inner.env_clear();
        self
    }

    /// The child's working directory (asyncio's `cwd=`).
    ///
    /// ```
    /// let mut cmd = hive::process::Command::new("pwd");
    /// cmd.current_dir("/tmp");
    /// ```
    #[doc(alias = "cwd")]
    pub fn current_dir(&mut self, dir: impl AsRef<Path>) -> &mut Command {
        self.cwd = Some(dir.as_ref().to_owned());
        self.inner.current_dir(dir);
        self
    }

    /// Where the child's stdin comes from.
    ///
    /// ```
    /// let mut cmd = hive::process::Command::new("cat");
    /// cmd.stdin(hive::process::Stdio::Piped);
    /// ```
    pub fn stdin(&mut self, stdin: Stdio) -> &mut Command {
        self.stdin = stdin;
        self
    }

    /// Where the child's stdout goes.
    ///
    /// ```
    /// let mut cmd = hive::process::Command::new("ls");
    /// cmd.stdout(hive::process::Stdio::Piped);
    /// ```
    pub fn stdout(&mut self, stdout: Stdio) -> &mut Command {
        self.stdout = stdout;
        self
    }

    /// Where the child's stderr goes ([`Stdio::Stdout`]: with stdout).
    ///
    /// ```
    /// let mut cmd = hive::process::Command::new("ls");
    /// cmd.stdout(hive::process::Stdio::Piped).stderr(hive::process::Stdio::Stdout);
    /// ```
    pub fn stderr(&mut self, stderr: Stdio) -> &mut Command {
        self.stderr = stderr;
        self
    }

    /// Puts the child in process group `pgid`; 0 makes a new group led by
    /// the child (asyncio's `process_group=`), so a terminal's Ctrl-C does
    /// not reach it and `kill(-pid, sig)` reaches its whole tree.
    ///
    /// ```
    /// let mut cmd = hive::process::Command::new("sleep");
    /// cmd.arg("1").process_group(0);
    /// ```
    pub fn process_group(&mut self, pgid: i32) -> &mut Command {
        self.inner.process_group(pgid);
        self
    }

    /// Kills the child (SIGKILL) if its [`Process`] is dropped before the
    /// child was reaped. Either way a dropped child is reaped once it exits.
    ///
    /// ```
    /// # hive::run(async {
    /// let p = hive::process::Command::new("sleep").arg("60").kill_on_drop(true).spawn().unwrap();
    /// drop(p); // killed now, reaped in the background
    /// # }).unwrap();
    /// ```
    pub fn kill_on_drop(&mut self, kill: bool) -> &mut Command {
        self.kill_on_drop = kill;
        self
    }

    /// The buffer limit of the stdout/stderr `StreamReader`s (asyncio's
    /// `limit=`, default 64 KiB): `readline` fails with `LimitOverrun`
    /// past it.
    ///
    /// ```
    /// let mut cmd = hive::process::Command::new("cat");
    /// cmd.limit(1 << 20);
    /// ```
    pub fn limit(&mut self, limit: usize) -> &mut Command {
        self.limit = limit;
        self
    }

    /// Starts the child. Its pipes and exit watcher are registered with
    /// the current loop.
    ///
    /// # Errors
    /// [`SpawnError`]: the program is missing ([`SpawnError::ProgramNotFound`])
    /// or not executable, the working directory is missing, `Stdio::Stdout`
    /// was given for stdin/stdout, no runtime, or an OS error.
    ///
    /// ```
    /// # hive::run(async {
    /// let mut p = hive::process::Command::new("true").spawn().unwrap();
    /// assert!(p.wait().await.unwrap().success());
    /// # }).unwrap();
    /// ```
    pub fn spawn(&mut self) -> Result<Process, SpawnError> {
        if hive_runtime::loop_ids().is_empty() {
            return Err(SpawnError::NoRuntime);
        }
        let plan = stdio::plan(self.stdin, self.stdout, self.stderr)?;
        let prepared = watch::prepare().map_err(SpawnError::Io)?;
        self.inner
            .stdin(plan.stdin)
            .stdout(plan.stdout)
            .stderr(plan.stderr);
        let spawned = self.inner.spawn();
        // Drop the Command's copies of our pipe ends now: a write end left
        // here would keep the child's stdout from ever reaching EOF.
        self.inner
            .stdin(std::process::Stdio::inherit())
            .stdout(std::process::Stdio::inherit())
            .stderr(std::process::Stdio::inherit());
        let mut child = spawned.map_err(|e| self.spawn_error(e))?;
        let pid = child.id();
        let wired = (|| -> io::Result<_> {
            let watch = Watch::start(pid, prepared)?;
            let stdin = match child.stdin.take() {
                Some(fd) => Some(StreamWriter::from_pipe(PipeWriter::from_fd(fd)?)),
                None => None,
            };
            let stdout = match (child.stdout.take(), plan.merged) {
                (Some(fd), _) => Some(self.reader(fd)?),
                (None, Some(fd)) => Some(self.reader(fd)?),
                (None, None) => None,
            };
            let stderr = match child.stderr.take() {
                Some(fd) => Some(self.reader(fd)?),
                None => None,
            };
            Ok((watch, stdin, stdout, stderr))
        })();
        match wired {
            Ok((watch, stdin, stdout, stderr)) => Ok(Process::new(
                child,
                watch,
                (stdin, stdout, stderr),
                self.kill_on_drop,
            )),
            Err(err) => {
                // Nobody will ever get a handle to this child: end it.
                let _ = child.kill();
                let gate = Gate::new(pid, None);
                reaper::adopt(Orphan { child, gate });
                Err(SpawnError::Io(err))
            }
        }
    }

    fn reader(&self, fd: impl Into<std::os::fd::OwnedFd>) -> io::Result<StreamReader> {
        Ok(StreamReader::from_pipe(PipeReader::from_fd(fd)?).with_limit(self.limit))
    }

    fn spawn_error(&self, err: io::Error) -> SpawnError {
        match err.kind() {
            io::ErrorKind::NotFound => match &self.cwd {
                Some(cwd) if !cwd.is_dir() => SpawnError::CwdNotFound { cwd: cwd.clone() },
                _ => SpawnError::ProgramNotFound {
                    program: self.program.clone(),
                },
            },
            io::ErrorKind::PermissionDenied => SpawnError::PermissionDenied {
                program: self.program.clone(),
            },
            _ => SpawnError::Io(err),
        }
    }

    /// Runs the child to completion and collects what it wrote to piped
    /// streams (std's `Command::output`; asyncio's `communicate()` after
    /// `create_subprocess_exec`). Streams left at `Inherit` stay inherited:
    /// set them to [`Stdio::Piped`] to capture them. The child starts when
    /// `output` is called; the future owns it (and does not borrow `self`).
    ///
    /// # Errors
    /// [`SpawnError`] (as an `io::Error`) or the pipes' errors.
    ///
    /// ```
    /// # hive::run(async {
    /// let out = hive::process::Command::new("sh")
    ///     .args(["-c", "echo hi; exit 2"])
    ///     .stdout(hive::process::Stdio::Piped)
    ///     .output().await.unwrap();
    /// assert_eq!((out.status.code(), &out.stdout[..]), (Some(2), &b"hi\n"[..]));
    /// # }).unwrap();
    /// ```
    pub fn output(&mut self) -> impl Future<Output = io::Result<Output>> + Send + 'static {
        // Spawned now, so the future does not borrow the Command.
        let spawned = self.spawn();
        async move { spawned?.communicate(None).await }
    }
}

impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Command")
            .field("command", &self.inner)
            .field("stdin", &self.stdin)
            .field("stdout", &self.stdout)
            .field("stderr", &self.stderr)
            .field("kill_on_drop", &self.kill_on_drop)
            .finish()
    }
}
