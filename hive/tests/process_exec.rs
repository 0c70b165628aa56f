//! Starting real programs: exit codes, captured streams, environment and
//! working directory, the shell, and typed errors for what cannot start.

mod process_support;

use hive::net::ReadError;
use hive::process::{
    create_subprocess_exec, create_subprocess_shell, Command, SpawnError, Stdio, Watcher,
};
use process_support::{bounded, kernel_has_pidfd};

#[test]
fn exit_codes_and_returncode() {
    hive::run(async {
        for (script, code) in [("exit 0", 0), ("exit 3", 3), ("exit 255", 255)] {
            let mut p = create_subprocess_exec("sh", ["-c", script]).await.unwrap();
            assert_eq!(p.returncode(), None);
            let status = bounded("wait", p.wait()).await.unwrap();
            assert_eq!(status.code(), Some(code), "{script}");
            assert_eq!(p.returncode(), Some(code));
            // Waiting again gives the same status.
            assert_eq!(p.wait().await.unwrap().code(), Some(code));
        }
        let mut f = Command::new("false").spawn().unwrap();
        assert!(!bounded("false", f.wait()).await.unwrap().success());
    })
    .unwrap();
}

#[test]
fn the_shell_runs_a_command_line() {
    hive::run(async {
        let mut p = create_subprocess_shell("test \"$(echo a b | wc -w)\" -eq 2")
            .await
            .unwrap();
        assert!(bounded("shell", p.wait()).await.unwrap().success());
        let out = Command::shell("yes | head -n 1000")
            .stdout(Stdio::Piped)
            .output()
            .await
            .unwrap();
        assert_eq!(out.stdout, b"y\n".repeat(1000));
        assert!(out.status.success());
    })
    .unwrap();
}

#[test]
fn stdout_and_stderr_are_captured_apart_or_together() {
    hive::run(async {
        let script = "echo out; echo err >&2; exit 5";
        let apart = Command::new("sh")
            .args(["-c", script])
            .stdout(Stdio::Piped)
            .stderr(Stdio::Piped)
            .output();
        let apart = bounded("apart", apart).await.unwrap();
        assert_eq!(
            (apart.status.code(), &apart.stdout[..], &apart.stderr[..]),
            (Some(5), &b"out\n"[..], &b"err\n"[..])
        );

        let mut together = Command::new("sh")
            .args(["-c", script])
            .stdout(Stdio::Piped)
            .stderr(Stdio::Stdout)
            .spawn()
            .unwrap();
        assert!(together.stderr.is_none());
        let out = bounded("together", together.communicate(None))
            .await
            .unwrap();
        assert_eq!(out.stdout, b"out\nerr\n");

        let quiet = Command::new("sh")
            .args(["-c", script])
            .stdout(Stdio::Null)
            .stderr(Stdio::Stdout)
            .output();
        let quiet = bounded("quiet", quiet).await.unwrap();
        assert_eq!(quiet.status.code(), Some(5));
        assert!(quiet.stdout.is_empty() && quiet.stderr.is_empty());
    })
    .unwrap();
}

#[test]
fn stdin_and_stdout_stream_line_by_line() {
    hive::run(async {
        let mut cat = Command::new("cat")
            .stdin(Stdio::Piped)
            .stdout(Stdio::Piped)
            .spawn()
            .unwrap();
        let stdin = cat.stdin.take().unwrap();
        let mut stdout = cat.stdout.take().unwrap();
        for i in 0..100 {
            let line = format!("line {i}\n");
            stdin.write(line.as_bytes());
            stdin.drain().await.unwrap();
            let got = bounded("readline", stdout.readline()).await.unwrap();
            assert_eq!(got, line.as_bytes());
        }
        stdin.write_eof();
        assert!(bounded("eof", stdout.read_to_end())
            .await
            .unwrap()
            .is_empty());
        assert!(bounded("wait", cat.wait()).await.unwrap().success());
    })
    .unwrap();
}

#[test]
fn the_reader_limit_applies_as_in_net() {
    hive::run(async {
        let mut p = Command::new("sh")
            .args(["-c", "printf 'a very long line\\n'"])
            .stdout(Stdio::Piped)
            .limit(4)
            .spawn()
            .unwrap();
        let mut out = p.stdout.take().unwrap();
        assert_eq!(out.limit(), 4);
        let err = bounded("readline", out.readline()).await.unwrap_err();
        assert!(matches!(err, ReadError::LimitOverrun(_)), "{err:?}");
        // The data stays: it can still be read in pieces.
        assert_eq!(out.read(6).await.unwrap(), b"a very");
        bounded("wait", p.wait()).await.unwrap();
    })
    .unwrap();
}

#[test]
fn environment_and_working_directory() {
    hive::run(async {
        let out = Command::new("sh")
            .args(["-c", "echo \"$ONE-$TWO-${GONE:-unset}\"; pwd"])
            .env_clear()
            .envs([("ONE", "1"), ("TWO", "2")])
            .env("GONE", "here")
            .env_remove("GONE")
            .current_dir("/")
            .stdout(Stdio::Piped)
            .output();
        let out = bounded("env", out).await.unwrap();
        assert_eq!(out.stdout, b"1-2-unset\n/\n");
    })
    .unwrap();
}

#[test]
fn a_new_process_group_is_led_by_the_child() {
    hive::run(async {
        let mut p = Command::new("sleep")
            .arg("30")
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let pid = p.pid() as libc::pid_t;
        // SAFETY: getpgid only reads the process group of a pid we own.
        let pgid = unsafe { libc::getpgid(pid) };
        assert_eq!(pgid, pid);
        p.kill().unwrap();
        bounded("wait", p.wait()).await.unwrap();
    })
    .unwrap();
}

#[test]
fn a_missing_program_is_a_typed_error_that_says_what_to_do() {
    hive::run(async {
        let err = create_subprocess_exec("hive-no-such-program", ["--flag"])
            .await
            .unwrap_err();
        let SpawnError::ProgramNotFound { program } = &err else {
            panic!("{err:?}");
        };
        assert_eq!(program, "hive-no-such-program");
        let msg = err.to_string();
        assert!(msg.contains("not found") && msg.contains("PATH"), "{msg}");
        let io: std::io::Error = err.into();
        assert_eq!(io.kind(), std::io::ErrorKind::NotFound);

        let err = Command::new("/dev/null").spawn().unwrap_err();
        assert!(
            matches!(err, SpawnError::PermissionDenied { .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("chmod"));

        let err = Command::new("true")
            .current_dir("/hive/no/such/dir")
            .spawn()
            .unwrap_err();
        assert!(matches!(err, SpawnError::CwdNotFound { .. }), "{err:?}");

        for stream in ["stdin", "stdout"] {
            let mut cmd = Command::new("true");
            if stream == "stdin" {
                cmd.stdin(Stdio::Stdout);
            } else {
                cmd.stdout(Stdio::Stdout);
            }
            let err = cmd.spawn().unwrap_err();
            assert!(matches!(err, SpawnError::StdoutMisused { .. }), "{err:?}");
            assert!(err.to_string().contains(stream));
        }
    })
    .unwrap();
}

#[test]
fn spawning_outside_a_runtime_is_a_typed_error() {
    let err = Command::new("true").spawn().unwrap_err();
    assert!(matches!(err, SpawnError::NoRuntime), "{err:?}");
    assert!(err.to_string().contains("hive::run"));
}

#[test]
fn children_are_watched_by_pidfd_where_the_kernel_has_it() {
    hive::run(async {
        let mut p = Command::new("true").spawn().unwrap();
        let expected = if kernel_has_pidfd() {
            Watcher::Pidfd
        } else {
            Watcher::Sigchld
        };
        assert_eq!(p.watcher(), expected);
        bounded("wait", p.wait()).await.unwrap();
    })
    .unwrap();
}
