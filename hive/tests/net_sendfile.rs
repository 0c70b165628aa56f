//! sendfile over TCP: zero-copy path, offsets and counts, byte-exact.

use hive::net::{open_connection, sendfile};
use std::io::Write;

#[test]
fn sendfile_sends_the_requested_range_byte_exact_after_buffered_data() {
    hive::run(async {
        let path = std::env::temp_dir().join(format!("hive-net-sendfile-{}", std::process::id()));
        let body: Vec<u8> = (0..3_000_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
            .collect();
        std::fs::File::create(&path)
            .unwrap()
            .write_all(&body)
            .unwrap();
        // Receiver: a plain listener that collects everything.
        let l = hive::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let collector = hive::spawn(async move {
            let (s, _) = l.accept().await.unwrap();
            let mut r = hive::net::StreamReader::from_tcp(s).0;
            r.read_to_end().await.unwrap()
        });
        let (_r, w) = open_connection(addr).await.unwrap();
        w.write(b"HEADER");
        let file = std::fs::File::open(&path).unwrap();
        let n = sendfile(&file, &w, 0, None).await.unwrap();
        assert_eq!(n, body.len() as u64);
        let n = sendfile(&file, &w, 100, Some(1000)).await.unwrap();
        assert_eq!(n, 1000);
        w.close();
        w.wait_closed().await.unwrap();
        let got = collector.await.unwrap();
        let mut want = b"HEADER".to_vec();
        want.extend_from_slice(&body);
        want.extend_from_slice(&body[100..1100]);
        assert_eq!(got.len(), want.len());
        assert!(got == want, "bytes differ");
        std::fs::remove_file(&path).unwrap();
    })
    .unwrap();
}
