//! Accept loops survive running out of file descriptors: a child process
//! (this test binary, re-run with an env var) lowers RLIMIT_NOFILE and
//! serves; the parent connects more clients than it has descriptors for.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

const CHILD_ENV: &str = "HIVE_NET_EMFILE_CHILD";
const CLIENTS: usize = 12;

/// The child's part: runs only when re-executed by the parent test.
#[test]
fn emfile_child_server() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    let rt = hive::Runtime::builder().loops(1).build().unwrap();
    rt.run(async {
        let server = hive::net::start_server(
            |mut r, w| async move {
                while let Ok(d) = r.read(64).await {
                    if d.is_empty() {
                        break;
                    }
                    w.write(&d);
                    if w.drain().await.is_err() {
                        break;
                    }
                }
            },
            "127.0.0.1:0",
        )
        .await
        .unwrap();
        // Linux lists open fds in /proc, macOS in /dev/fd (FreeBSD too,
        // with fdescfs mounted).
        let fd_dir = if cfg!(target_os = "linux") {
            "/proc/self/fd"
        } else {
            "/dev/fd"
        };
        // rlim_t is u64 on Linux and macOS, i64 on FreeBSD.
        let open_fds = std::fs::read_dir(fd_dir).unwrap().count() as libc::rlim_t;
        // Room for 3 connections (readdir's own fd is counted above).
        let limit = libc::rlimit {
            rlim_cur: open_fds + 2,
            rlim_max: open_fds + 64,
        };
        // SAFETY: setrlimit reads the struct we pass; lowering our own soft
        // limit affects only this child process.
        assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) }, 0);
        let addr = server.local_addrs()[0].as_inet().unwrap();
        println!("PORT {}", addr.port());
        std::io::stdout().flush().unwrap();
        // Serve until every client was echoed, and report the errors survived.
        let mut line = String::new();
        let stdin = hive::to_thread(move || {
            std::io::stdin().read_line(&mut line).unwrap();
            line
        });
        stdin.await.unwrap();
        println!("ACCEPT_ERRORS {}", server.accept_errors());
        std::io::stdout().flush().unwrap();
    })
    .unwrap();
}

#[test]
fn accept_survives_fd_exhaustion_in_a_child_process() {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "emfile_child_server",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let port = loop {
        let mut line = String::new();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "the child exited early"
        );
        // The harness may print "test name ... " before it on the same line.
        if let Some(p) = line.split("PORT ").nth(1) {
            break p.trim().parse::<u16>().unwrap();
        }
    };
    // Open every connection first: the backlog holds those the server
    // cannot accept yet (it is out of descriptors).
    let mut clients: Vec<_> = (0..CLIENTS)
        .map(|_| std::net::TcpStream::connect(("127.0.0.1", port)).unwrap())
        .collect();
    for (i, c) in clients.iter_mut().enumerate() {
        c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let msg = format!("client {i:02}");
        c.write_all(msg.as_bytes()).unwrap();
        let mut got = vec![0u8; msg.len()];
        c.read_exact(&mut got)
            .unwrap_or_else(|e| panic!("client {i} got no echo: {e}"));
        assert_eq!(got, msg.as_bytes());
        // Closing frees the server's descriptor for the next accept.
        c.shutdown(std::net::Shutdown::Both).unwrap();
    }
    drop(clients);
    child.stdin.take().unwrap().write_all(b"done\n").unwrap();
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "child failed: {rest}");
    let errors: u64 = rest
        .lines()
        .find_map(|l| l.split("ACCEPT_ERRORS ").nth(1))
        .expect("the child reports its accept errors")
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        errors > 0,
        "the server never ran out of descriptors: the test proved nothing"
    );
}
