//! `AsyncReadUninit`: every socket stream reads into memory that was never
//! initialised, writes exactly the bytes it reports, and agrees with
//! `poll_read` on end of stream.

mod tls_support;

use hive::net::{AsyncReadUninit, StreamReader, TcpListener, TcpStream, UnixStream};
use std::future::poll_fn;
use std::mem::MaybeUninit;
use std::pin::Pin;

/// Reads once into a buffer filled with a marker byte (standing in for
/// garbage) and returns what was read; checks nothing past `n` changed.
async fn read_once<T: AsyncReadUninit + Unpin>(r: &mut T, cap: usize) -> Vec<u8> {
    let mut buf = vec![MaybeUninit::new(0xA5u8); cap];
    let n = poll_fn(|cx| Pin::new(&mut *r).poll_read_uninit(cx, &mut buf))
        .await
        .unwrap();
    assert!(n <= cap);
    // SAFETY: every element was initialised to the marker above, and the
    // read initialised the first `n`.
    let all: Vec<u8> = buf.iter().map(|b| unsafe { b.assume_init() }).collect();
    assert!(
        all[n..].iter().all(|&b| b == 0xA5),
        "bytes past n were written"
    );
    all[..n].to_vec()
}

/// Reads until `want` bytes arrived (a stream may split them).
async fn read_exactly<T: AsyncReadUninit + Unpin>(r: &mut T, want: usize) -> Vec<u8> {
    let mut got = Vec::new();
    for _ in 0..1000 {
        if got.len() >= want {
            break;
        }
        let chunk = read_once(r, want - got.len()).await;
        assert!(!chunk.is_empty(), "early end of stream");
        got.extend_from_slice(&chunk);
    }
    got
}

#[hive::test]
async fn tcp_reads_into_uninitialised_memory_and_sees_eof() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let a = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (mut b, _) = listener.accept().await.unwrap();
    a.write_all(b"hello, uninit").await.unwrap();
    assert_eq!(read_exactly(&mut b, 13).await, b"hello, uninit");
    drop(a);
    assert!(read_once(&mut b, 16).await.is_empty());
}

#[hive::test]
async fn unix_reads_into_uninitialised_memory() {
    let (a, mut b) = UnixStream::pair().unwrap();
    a.write_all(&[7u8; 3000]).await.unwrap();
    assert_eq!(read_exactly(&mut b, 3000).await, vec![7u8; 3000]);
}

#[hive::test]
async fn stream_reader_gives_buffered_bytes_first_then_reads_the_socket() {
    let (a, b) = UnixStream::pair().unwrap();
    let (mut reader, _writer) = StreamReader::from_unix(b);
    a.write_all(b"line\nrest").await.unwrap();
    assert_eq!(reader.readline().await.unwrap(), b"line\n");
    // "rest" sits in the reader's buffer: it comes first, whole or in part.
    assert_eq!(read_exactly(&mut reader, 4).await, b"rest");
    a.write_all(b"direct").await.unwrap();
    assert_eq!(read_exactly(&mut reader, 6).await, b"direct");
    drop(a);
    assert!(read_once(&mut reader, 8).await.is_empty());
}

#[hive::test]
async fn wrapped_reader_falls_back_to_zeroing() {
    // A reader hive does not know (here a pipe's read end, boxed through
    // `StreamReader::new`) is read through `poll_read` on a zeroed buffer.
    let (rx, tx) = hive::net::pipe().unwrap();
    let mut reader = StreamReader::new(rx);
    tx.write_all(b"piped").await.unwrap();
    assert_eq!(read_exactly(&mut reader, 5).await, b"piped");
}

#[hive::test]
async fn tls_copies_plaintext_into_uninitialised_memory() {
    let pki = tls_support::Pki::new(&["localhost"]);
    let acceptor = pki.acceptor();
    let connector = hive::net::tls::TlsConnector::from_root_pem(pki.ca_pem.as_bytes()).unwrap();
    let (a, b) = UnixStream::pair().unwrap();
    let client = hive::spawn(async move {
        let tls = hive::net::tls::TlsStream::connect(&connector, "localhost", b)
            .await
            .unwrap();
        tls.write_all(&[42u8; 20_000]).await.unwrap();
        tls.shutdown().await.unwrap();
        tls
    });
    let mut tls = hive::net::tls::TlsStream::accept(&acceptor, a)
        .await
        .unwrap();
    assert_eq!(read_exactly(&mut tls, 20_000).await, vec![42u8; 20_000]);
    assert!(
        read_once(&mut tls, 64).await.is_empty(),
        "close_notify reads as EOF"
    );
    drop(client.await.unwrap());
}
