//! Pipes as streams: `StreamWriter::from_pipe` / `StreamReader::from_pipe`
//! (asyncio's `connect_write_pipe` / `connect_read_pipe`).

use hive::net::{pipe, StreamReader, StreamWriter};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(20);

#[test]
fn a_large_write_flows_through_a_pipe_with_backpressure() {
    hive::run(async {
        let (r, w) = pipe().unwrap();
        let w = StreamWriter::from_pipe(w);
        let data: Vec<u8> = (0..4 << 20).map(|i| (i % 251) as u8).collect();
        let expected = data.clone();
        let reader = hive::spawn(async move { StreamReader::from_pipe(r).read_to_end().await });
        for chunk in data.chunks(64 * 1024) {
            w.write(chunk);
            w.drain().await.unwrap();
        }
        w.close();
        hive::timeout(LIMIT, w.wait_closed())
            .await
            .unwrap()
            .unwrap();
        let got = hive::timeout(LIMIT, reader)
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!(got.len(), expected.len());
        assert!(got == expected);
    })
    .unwrap();
}

#[test]
fn write_eof_closes_the_pipe_after_the_buffer() {
    hive::run(async {
        let (r, w) = pipe().unwrap();
        let w = StreamWriter::from_pipe(w);
        assert!(w.can_write_eof());
        w.write(b"last words");
        w.write_eof();
        let mut r = StreamReader::from_pipe(r);
        let got = hive::timeout(LIMIT, r.read_to_end())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got, b"last words");
        assert!(r.at_eof());
    })
    .unwrap();
}

#[test]
fn a_pipe_writer_reports_a_closed_reader_and_has_no_address() {
    hive::run(async {
        let (r, w) = pipe().unwrap();
        drop(r);
        let w = StreamWriter::from_pipe(w);
        assert!(w.peer_addr().is_err());
        assert!(w.local_addr().is_err());
        assert!(w.tcp_stream().is_none() && w.unix_stream().is_none());
        w.write(&[7; 1 << 20]);
        let err = hive::timeout(LIMIT, w.drain()).await.unwrap().unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe);
    })
    .unwrap();
}

#[test]
fn writing_after_close_is_a_broken_pipe_naming_the_misuse() {
    hive::run(async {
        let (_r, w) = pipe().unwrap();
        w.close();
        let err = w.write(b"x").await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe);
        assert!(err.to_string().contains("closed"), "{err}");
    })
    .unwrap();
}

#[test]
fn pipes_outside_a_runtime_are_a_typed_error() {
    let err = pipe().unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
}
