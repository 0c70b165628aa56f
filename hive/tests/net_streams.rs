//! asyncio's streams API: StreamReader's reads and errors, StreamWriter's
//! buffering, drain backpressure and closing.

use hive::net::{open_connection, start_server, ReadError, StreamReader, UnixStream};
use std::time::Duration;

#[test]
fn read_exact_on_early_eof_gives_the_partial_data() {
    hive::run(async {
        let (a, b) = UnixStream::pair().unwrap();
        let mut r = StreamReader::new(a);
        b.write_all(b"12345").await.unwrap();
        drop(b);
        assert_eq!(r.read_exact(2).await.unwrap(), b"12");
        match r.read_exact(10).await {
            Err(ReadError::Incomplete(inc)) => {
                assert_eq!(inc.partial, b"345");
                assert_eq!(inc.expected, Some(10));
                assert!(inc.to_string().contains("3 of 10"));
            }
            other => panic!("expected IncompleteRead, got {other:?}"),
        }
        assert!(r.at_eof());
    })
    .unwrap();
}

#[test]
fn read_until_past_the_limit_keeps_the_data_and_recovers() {
    hive::run(async {
        let (a, b) = UnixStream::pair().unwrap();
        let mut r = StreamReader::new(a).with_limit(8);
        b.write_all(b"0123456789ABCDEF;tail;").await.unwrap();
        match r.read_until(b";").await {
            Err(ReadError::LimitOverrun(e)) => {
                assert!(e.consumed > 8, "consumed {}", e.consumed);
                assert!(e.to_string().contains("raise the limit"));
            }
            other => panic!("expected LimitOverrun, got {other:?}"),
        }
        // Nothing was lost: read past the long part, then go on normally.
        assert_eq!(r.read_exact(17).await.unwrap(), b"0123456789ABCDEF;");
        assert_eq!(r.read_until(b";").await.unwrap(), b"tail;");
    })
    .unwrap();
}

#[test]
fn read_until_with_several_separators_takes_the_first_found() {
    hive::run(async {
        let (a, b) = UnixStream::pair().unwrap();
        let mut r = StreamReader::new(a);
        b.write_all(b"one\r\ntwo\nthree").await.unwrap();
        drop(b);
        let seps: [&[u8]; 2] = [b"\n", b"\r\n"];
        assert_eq!(r.read_until(seps).await.unwrap(), b"one\r\n");
        assert_eq!(r.read_until(seps).await.unwrap(), b"two\n");
        match r.read_until(seps).await {
            Err(ReadError::Incomplete(inc)) => assert_eq!(inc.partial, b"three"),
            other => panic!("{other:?}"),
        }
    })
    .unwrap();
}

#[test]
fn a_separator_split_across_reads_is_found() {
    hive::run(async {
        let (a, b) = UnixStream::pair().unwrap();
        let mut r = StreamReader::new(a);
        let writer = hive::spawn(async move {
            b.write_all(b"abc\r").await.unwrap();
            hive::sleep(Duration::from_millis(20)).await;
            b.write_all(b"\nrest").await.unwrap();
            b
        });
        assert_eq!(r.read_until(b"\r\n").await.unwrap(), b"abc\r\n");
        drop(writer.await.unwrap());
        assert_eq!(r.read_to_end().await.unwrap(), b"rest");
    })
    .unwrap();
}

#[test]
fn readline_returns_the_rest_at_eof_and_async_buf_read_works() {
    use hive::net::futures_io::AsyncBufRead;
    use std::pin::Pin;
    hive::run(async {
        let (a, b) = UnixStream::pair().unwrap();
        let mut r = StreamReader::new(a);
        b.write_all(b"x\nyz").await.unwrap();
        drop(b);
        let buffered =
            std::future::poll_fn(|cx| Pin::new(&mut r).poll_fill_buf(cx).map_ok(|b| b.to_vec()))
                .await
                .unwrap();
        assert_eq!(buffered, b"x\nyz");
        Pin::new(&mut r).consume(2);
        assert_eq!(r.readline().await.unwrap(), b"yz");
        assert_eq!(r.readline().await.unwrap(), b"");
        assert!(r.at_eof());
    })
    .unwrap();
}

#[test]
fn drain_blocks_until_the_peer_reads() {
    hive::run(async {
        let (a, b) = UnixStream::pair().unwrap();
        b.set_recv_buffer_size(4096).unwrap();
        let (_r, w) = StreamReader::from_unix(a);
        w.set_write_buffer_limits(64 * 1024, None);
        // Far more than the socket buffers plus the high-water mark.
        let chunk = vec![7u8; 64 * 1024];
        for _ in 0..32 {
            w.write(&chunk);
        }
        assert!(
            w.write_buffer_size() > 64 * 1024,
            "the kernel cannot take 2 MiB at once"
        );
        let draining = hive::spawn({
            let w = w.clone();
            async move { w.drain().await }
        });
        // Nobody reads: drain must still be waiting.
        hive::sleep(Duration::from_millis(50)).await;
        assert!(
            !draining.is_done(),
            "drain returned while the peer read nothing"
        );
        // The peer reads to EOF in its own task: a read loop here that
        // checked `draining` between reads could block in a read once the
        // writer had sent everything and drain had already returned.
        let reading =
            hive::spawn(async move { StreamReader::new(b).read_to_end().await.unwrap().len() });
        draining.await.unwrap().unwrap();
        assert!(
            w.write_buffer_size() <= 16 * 1024,
            "drain returns at the low-water mark"
        );
        w.close();
        let total = reading.await.unwrap();
        assert_eq!(total, 32 * 64 * 1024, "every byte arrives");
        w.wait_closed().await.unwrap();
    })
    .unwrap();
}

#[test]
fn drain_reports_a_peer_that_went_away() {
    hive::run(async {
        let (a, b) = UnixStream::pair().unwrap();
        let (_r, w) = StreamReader::from_unix(a);
        drop(b);
        let mut result = Ok(());
        for _ in 0..100 {
            w.write(&[1u8; 1024]);
            result = w.drain().await;
            if result.is_err() {
                break;
            }
        }
        let err = result.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe);
    })
    .unwrap();
}

#[test]
fn writing_after_close_makes_drain_fail_with_advice() {
    hive::run(async {
        let (a, _b) = UnixStream::pair().unwrap();
        let (_r, w) = StreamReader::from_unix(a);
        w.close();
        w.write(b"late");
        let err = w.drain().await.unwrap_err();
        assert!(err.to_string().contains("closed"), "{err}");
    })
    .unwrap();
}

#[test]
fn write_eof_flushes_then_half_closes_and_the_reply_still_arrives() {
    hive::run(async {
        let server = start_server(
            |mut r, w| async move {
                let all = r.read_to_end().await.unwrap();
                w.write(format!("got {} bytes", all.len()).as_bytes());
                w.close();
                w.wait_closed().await.unwrap();
            },
            "127.0.0.1:0",
        )
        .await
        .unwrap();
        let addr = server.local_addrs()[0].as_inet().unwrap();
        let (mut r, w) = open_connection(addr).await.unwrap();
        assert_eq!(w.peer_addr().unwrap().as_inet(), Some(addr));
        w.write(&vec![b'z'; 300_000]);
        w.write_eof();
        assert!(w.is_closing());
        assert_eq!(r.read_to_end().await.unwrap(), b"got 300000 bytes");
        server.close();
        server.wait_closed().await;
    })
    .unwrap();
}

#[test]
fn the_into_forms_append_to_the_callers_buffer_and_keep_the_same_rules() {
    hive::run(async {
        let (a, b) = UnixStream::pair().unwrap();
        let mut r = StreamReader::new(a).with_limit(16);
        b.write_all(b"one\r\ntwo\nthree;12345678").await.unwrap();
        let mut out = Vec::new();
        // Several separators, split reads, appended in order.
        let n = r
            .read_until_into([&b"\r\n"[..], b"\n"], &mut out)
            .await
            .unwrap();
        assert_eq!((n, out.as_slice()), (5, &b"one\r\n"[..]));
        assert_eq!(r.readline_into(&mut out).await.unwrap(), 4);
        assert_eq!(r.read_until_into(b';', &mut out).await.unwrap(), 6);
        assert_eq!(out, b"one\r\ntwo\nthree;");
        let mut digits = [0u8; 4];
        r.read_exact_into(&mut digits).await.unwrap();
        assert_eq!(&digits, b"1234");

        // Past the limit without a separator: nothing appended, data kept.
        b.write_all(b"abcdefghijklmnopqrstu").await.unwrap();
        out.clear();
        assert!(matches!(
            r.read_until_into(b"!", &mut out).await,
            Err(ReadError::LimitOverrun(_))
        ));
        assert!(out.is_empty());
        let mut rest = [0u8; 25];
        r.read_exact_into(&mut rest).await.unwrap();
        assert_eq!(&rest, b"5678abcdefghijklmnopqrstu");

        // At EOF: readline_into appends the rest then reports 0;
        // read_until_into appends the rest and says it was incomplete;
        // read_exact_into hands back what arrived.
        b.write_all(b"tail").await.unwrap();
        drop(b);
        assert_eq!(r.readline_into(&mut out).await.unwrap(), 4);
        assert_eq!(out, b"tail");
        assert_eq!(r.readline_into(&mut out).await.unwrap(), 0);
        assert!(matches!(
            r.read_until_into(b"\n", &mut out).await,
            Err(ReadError::Incomplete(_))
        ));
        let mut more = [0u8; 2];
        match r.read_exact_into(&mut more).await {
            Err(ReadError::Incomplete(inc)) => assert!(inc.partial.is_empty()),
            other => panic!("expected Incomplete, got {other:?}"),
        }
    })
    .unwrap();
}
