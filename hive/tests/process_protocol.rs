//! asyncio's low-level subprocess API: a SubprocessProtocol's callbacks in
//! order, all of a child's output, stdin through the transport, close and
//! signals, and typed errors for what cannot start.

mod process_support;

use hive::process::{
    subprocess_exec, subprocess_shell, SpawnError, SubprocessProtocol, SubprocessTransport,
};
use process_support::bounded;

/// Records every callback; counts output bytes per stream.
#[derive(Default)]
struct Recorder {
    events: Vec<String>,
    out: Vec<u8>,
    err_bytes: usize,
    transport: Option<SubprocessTransport>,
}

impl SubprocessProtocol for Recorder {
    fn connection_made(&mut self, t: SubprocessTransport) {
        self.events.push("made".into());
        self.transport = Some(t);
    }
    fn pipe_data_received(&mut self, fd: i32, data: &[u8]) {
        assert!(!data.is_empty());
        match fd {
            1 => self.out.extend_from_slice(data),
            2 => self.err_bytes += data.len(),
            other => panic!("output on fd {other}"),
        }
    }
    fn pipe_connection_lost(&mut self, fd: i32, error: Option<std::io::Error>) {
        assert!(error.is_none(), "{error:?}");
        self.events.push(format!("pipe_lost:{fd}"));
    }
    fn process_exited(&mut self) {
        let code = self.transport.as_ref().unwrap().returncode();
        self.events.push(format!("exited:{code:?}"));
    }
    fn connection_lost(&mut self, error: Option<std::io::Error>) {
        assert!(error.is_none(), "{error:?}");
        self.events.push("lost".into());
    }
}

#[test]
fn callbacks_come_in_asyncio_order_with_all_the_output() {
    hive::run(async {
        let script = "head -c 1000000 /dev/zero; echo oops >&2; exit 3";
        let (t, done) = subprocess_shell(Recorder::default, script).await.unwrap();
        let got = bounded("the protocol's task", done).await.unwrap();
        assert_eq!(got.out.len(), 1_000_000, "every byte of stdout");
        assert_eq!(got.err_bytes, 5);
        let e = &got.events;
        assert_eq!(e.first().map(String::as_str), Some("made"), "{e:?}");
        assert_eq!(e.last().map(String::as_str), Some("lost"), "{e:?}");
        let mut middle = e[1..e.len() - 1].to_vec();
        middle.sort();
        assert_eq!(middle, ["exited:Some(3)", "pipe_lost:1", "pipe_lost:2"]);
        assert_eq!(t.returncode(), Some(3));
    })
    .unwrap();
}

#[test]
fn stdin_written_through_the_transport_reaches_the_child() {
    hive::run(async {
        let (t, done) = subprocess_exec(Recorder::default, "cat", [""; 0])
            .await
            .unwrap();
        // More than a pipe holds: the transport's writer flushes the rest
        // in the background while cat's output is read.
        let input: Vec<u8> = (0..2_000_000u32).map(|i| (i % 251) as u8).collect();
        t.write(&input).unwrap();
        t.write_eof();
        let got = bounded("cat", done).await.unwrap();
        assert!(got.out == input, "cat gave back {} bytes", got.out.len());
        assert_eq!(t.returncode(), Some(0));
        let err = t.write(b"after eof").unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe);
    })
    .unwrap();
}

#[test]
fn close_kills_a_running_child_and_the_protocol_still_hears_the_end() {
    hive::run(async {
        let (t, done) = subprocess_exec(Recorder::default, "sleep", ["60"])
            .await
            .unwrap();
        assert_eq!(t.returncode(), None);
        t.close();
        t.close(); // again: nothing
        let got = bounded("the killed child", done).await.unwrap();
        assert_eq!(t.returncode(), Some(-libc::SIGKILL));
        assert_eq!(got.events.last().map(String::as_str), Some("lost"));
        assert!(got
            .events
            .contains(&format!("exited:Some({})", -libc::SIGKILL)));
        // Reaped: signalling it now is ProcessLookup, as in asyncio.
        assert!(t.kill().is_err());
    })
    .unwrap();
}

#[test]
fn a_missing_program_is_a_typed_error_and_no_protocol_is_made() {
    hive::run(async {
        let mut made = false;
        let result = subprocess_exec(
            || {
                made = true;
                Recorder::default()
            },
            "/nonexistent/hive-no-such-program",
            [""; 0],
        )
        .await;
        assert!(matches!(result, Err(SpawnError::ProgramNotFound { .. })));
        assert!(!made, "the factory ran for a child that never started");
    })
    .unwrap();
}
