//! `StreamWriter` as a `futures_io::AsyncWrite`: backpressure at the
//! high-water mark, nothing accepted is lost, vectored writes, flush and
//! close, over TCP, a pipe (a child's stdin) and TLS.

mod tls_support;

use hive::net::futures_io::AsyncWrite;
use hive::net::StreamWriter;
use std::future::poll_fn;
use std::io::IoSlice;
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;
use tls_support::{run, Pki};

async fn write_all(w: &mut StreamWriter, mut buf: &[u8]) -> std::io::Result<()> {
    while !buf.is_empty() {
        let n = poll_fn(|cx| Pin::new(&mut *w).poll_write(cx, buf)).await?;
        assert!(n > 0);
        buf = &buf[n..];
    }
    Ok(())
}

async fn flush(w: &mut StreamWriter) -> std::io::Result<()> {
    poll_fn(|cx| Pin::new(&mut *w).poll_flush(cx)).await
}

async fn close(w: &mut StreamWriter) -> std::io::Result<()> {
    poll_fn(|cx| Pin::new(&mut *w).poll_close(cx)).await
}

#[test]
fn poll_write_waits_at_the_high_water_mark_and_loses_nothing() {
    run(2, async {
        let (a, b) = hive::net::UnixStream::pair().unwrap();
        a.set_send_buffer_size(4096).unwrap();
        b.set_recv_buffer_size(4096).unwrap();
        let (_ra, mut w) = hive::net::StreamReader::from_unix(a);
        w.set_write_buffer_limits(16 * 1024, None);

        // With nobody reading, poll_write accepts until the kernel buffers
        // and the writer's 16 KiB are full, then stays Pending.
        let chunk = [5u8; 1000];
        let mut accepted = 0usize;
        loop {
            let step = poll_fn(|cx| match Pin::new(&mut w).poll_write(cx, &chunk) {
                Poll::Ready(r) => Poll::Ready(Some(r)),
                Poll::Pending => Poll::Ready(None),
            })
            .await;
            match step {
                Some(Ok(n)) => accepted += n,
                Some(Err(e)) => panic!("write failed: {e}"),
                None => break,
            }
            assert!(accepted < 10 << 20, "poll_write never pushed back");
        }
        assert!(
            w.write_buffer_size() <= 16 * 1024,
            "buffer grew past the mark"
        );
        assert!(w.write_buffer_size() > 0);

        // A reader drains it; the pending writer resumes and every byte
        // accepted arrives, in order.
        let reader = hive::spawn(async move {
            let mut r = hive::net::StreamReader::new(b);
            r.read_to_end().await.unwrap()
        });
        write_all(&mut w, &[6u8; 50_000]).await.unwrap();
        flush(&mut w).await.unwrap();
        assert_eq!(w.write_buffer_size(), 0);
        close(&mut w).await.unwrap();
        let got = hive::timeout(Duration::from_secs(10), reader)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got.len(), accepted + 50_000);
        assert!(got[..accepted].iter().all(|&x| x == 5));
        assert!(got[accepted..].iter().all(|&x| x == 6));
    });
}

#[test]
fn vectored_writes_keep_order_and_close_sends_eof_only() {
    run(2, async {
        let server = hive::net::start_server(
            |mut r, w| async move {
                let all = r.read_to_end().await.unwrap();
                w.write(&all);
                w.close();
            },
            "127.0.0.1:0",
        )
        .await
        .unwrap();
        let addr = server.local_addrs()[0].as_inet().unwrap();
        let (mut r, mut w) = hive::net::open_connection(addr).await.unwrap();
        let parts: [&[u8]; 3] = [b"head ", b"", b"body"];
        let slices: Vec<IoSlice<'_>> = parts.iter().map(|p| IoSlice::new(p)).collect();
        let n = poll_fn(|cx| Pin::new(&mut w).poll_write_vectored(cx, &slices))
            .await
            .unwrap();
        assert_eq!(n, 9);
        w.writelines([&b" and"[..], b" lines"]);
        // poll_close sends EOF; the read side stays open for the answer.
        close(&mut w).await.unwrap();
        assert_eq!(r.read_to_end().await.unwrap(), b"head body and lines");
        // Writing after close is an error, not a silent drop.
        let err = poll_fn(|cx| Pin::new(&mut w).poll_write(cx, b"late"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe);
    });
}

#[test]
fn a_child_stdin_is_an_async_write() {
    run(2, async {
        let mut child = hive::process::Command::new("cat")
            .stdin(hive::process::Stdio::Piped)
            .stdout(hive::process::Stdio::Piped)
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let reader = hive::spawn(async move { stdout.read_to_end().await.unwrap() });
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        write_all(&mut stdin, &data).await.unwrap();
        close(&mut stdin).await.unwrap();
        assert_eq!(reader.await.unwrap(), data);
        assert!(child.wait().await.unwrap().success());
    });
}

#[test]
fn async_write_over_tls_round_trips_a_megabyte() {
    let pki = Pki::new(&["localhost"]);
    run(2, async move {
        let server = hive::net::start_server(
            |mut r, w| async move {
                let all = r.read_to_end().await.unwrap();
                w.write(
                    format!(
                        "{}:{}\n",
                        all.len(),
                        all.iter().map(|&b| b as u64).sum::<u64>()
                    )
                    .as_bytes(),
                );
                w.close();
            },
            "127.0.0.1:0",
        )
        .ssl(pki.acceptor())
        .await
        .unwrap();
        let port = server.local_addrs()[0].as_inet().unwrap().port();
        let (mut r, mut w) = hive::net::open_connection(("localhost", port))
            .ssl(pki.connector())
            .await
            .unwrap();
        let data: Vec<u8> = (0..1_000_000u32).map(|i| (i % 253) as u8).collect();
        let sum: u64 = data.iter().map(|&b| b as u64).sum();
        write_all(&mut w, &data).await.unwrap();
        flush(&mut w).await.unwrap();
        close(&mut w).await.unwrap();
        let line = r.readline().await.unwrap();
        assert_eq!(line, format!("1000000:{sum}\n").as_bytes());
    });
}
