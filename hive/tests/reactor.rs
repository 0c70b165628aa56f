//! IoSource on socket pairs and pipes.

use std::io::{Read, Write};

fn pair() -> (
    hive::IoSource<mio::net::UnixStream>,
    std::os::unix::net::UnixStream,
) {
    let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
    a.set_nonblocking(true).unwrap();
    (
        hive::IoSource::new(mio::net::UnixStream::from_std(a)).unwrap(),
        b,
    )
}

#[test]
fn read_with_waits_for_data_written_later_from_another_thread() {
    hive::run(async {
        let (a, b) = pair();
        let writer = std::thread::spawn(move || {
            // Likely makes the read wait; the assertion holds either way.
            std::thread::sleep(std::time::Duration::from_millis(20));
            (&b).write_all(b"hello").unwrap();
            b
        });
        let mut buf = [0u8; 16];
        let n = a.read_with(|s| (&*s).read(&mut buf)).await.unwrap();
        assert_eq!(&buf[..n], b"hello");
        drop(writer.join().unwrap());
    })
    .unwrap();
}

#[test]
fn a_full_socket_becomes_writable_again_once_the_peer_reads() {
    hive::run(async {
        let (a, b) = pair();
        let chunk = [7u8; 64 * 1024];
        let mut written = 0usize;
        // Fill the socket buffer until the write would block.
        loop {
            match (a.get_ref()).write(&chunk) {
                Ok(n) => written += n,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) => panic!("{e}"),
            }
        }
        let reader = std::thread::spawn(move || {
            let mut total = 0usize;
            let mut buf = vec![0u8; 64 * 1024];
            b.set_read_timeout(Some(std::time::Duration::from_secs(10)))
                .unwrap();
            while total < written + 1 {
                let n = (&b).read(&mut buf).unwrap();
                assert!(n > 0);
                total += n;
            }
            total
        });
        let n = a.write_with(|s| (&*s).write(&[1u8])).await.unwrap();
        assert_eq!(n, 1);
        assert_eq!(reader.join().unwrap(), written + 1);
    })
    .unwrap();
}

#[test]
fn a_pipe_reports_eof_as_readable() {
    hive::run(async {
        // mio's pipe: non-blocking and close-on-exec on every Unix (pipe2
        // where there is one, pipe and fcntl on macOS).
        let (tx, rx) = mio::unix::pipe::new().unwrap();
        let rx = hive::IoSource::new(rx).unwrap();
        (&tx).write_all(b"abc").unwrap();
        drop(tx);
        let mut out = Vec::new();
        loop {
            let mut buf = [0u8; 8];
            let n = rx.read_with(|r| (&*r).read(&mut buf)).await.unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        assert_eq!(out, b"abc");
    })
    .unwrap();
}

#[test]
fn sources_can_be_placed_on_a_chosen_loop_and_wake_tasks_there() {
    let rt = hive::Runtime::builder().loops(2).build().unwrap();
    rt.run(async {
        let target = hive::loop_ids()[1];
        let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        a.set_nonblocking(true).unwrap();
        let a = hive::IoSource::new_on_loop(mio::net::UnixStream::from_std(a), target).unwrap();
        assert_eq!(a.loop_id(), target);
        let task = hive::spawn_on_loop(target, async move {
            let mut buf = [0u8; 4];
            let n = a.read_with(|s| (&*s).read(&mut buf)).await.unwrap();
            (n, hive::current_loop_id())
        })
        .unwrap();
        hive::sleep(std::time::Duration::from_millis(5)).await;
        (&b).write_all(b"ping").unwrap();
        assert_eq!(task.await.unwrap(), (4, Some(target)));
        assert!(hive::IoSource::new_on_loop(
            mio::net::UnixStream::from_std(b),
            hive::LoopId::clone(&target)
        )
        .is_ok());
    })
    .unwrap();
    assert!(rt.metrics().loops[1].io_events > 0);
}

#[test]
fn a_sibling_runs_the_io_of_a_loop_stuck_in_a_long_task() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{mpsc, Arc};
    use std::time::Duration;
    let rt = hive::Runtime::builder().loops(2).build().unwrap();
    let done = Arc::new(AtomicBool::new(false));
    let (release, released) = mpsc::channel::<()>();
    let (started, is_stuck) = mpsc::channel::<()>();
    let (n, reader_loop, other) = rt
        .run(async move {
            let (stuck, other) = (hive::loop_ids()[0], hive::loop_ids()[1]);
            let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
            a.set_nonblocking(true).unwrap();
            let a = hive::IoSource::new_on_loop(mio::net::UnixStream::from_std(a), stuck).unwrap();
            // A stealable reader, waiting on a socket of the loop about to get stuck.
            let reader = hive::spawn(async move {
                let mut buf = [0u8; 4];
                let n = a.read_with(|s| (&*s).read(&mut buf)).await.unwrap();
                let _ = release.send(());
                (n, hive::current_loop_id().unwrap())
            });
            hive::sleep(Duration::from_millis(20)).await;
            // The sibling has work of its own, so it wakes up now and then.
            let ticking = done.clone();
            drop(
                hive::spawn_on_loop(other, async move {
                    for _ in 0..20_000 {
                        if ticking.load(Ordering::Relaxed) {
                            break;
                        }
                        hive::sleep(Duration::from_millis(1)).await;
                    }
                })
                .unwrap(),
            );
            // Blocks its loop until the reader has read (or 10 s pass).
            drop(
                hive::spawn_on_loop(stuck, async move {
                    started.send(()).unwrap();
                    let _ = released.recv_timeout(Duration::from_secs(10));
                })
                .unwrap(),
            );
            let writer = std::thread::spawn(move || {
                is_stuck.recv().unwrap();
                (&b).write_all(b"ping").unwrap();
                b
            });
            let out = reader.await.unwrap();
            done.store(true, Ordering::Relaxed);
            drop(writer.join().unwrap());
            (out.0, out.1, other)
        })
        .unwrap();
    assert_eq!(n, 4);
    assert_eq!(reader_loop, other, "the reader ran on the stuck loop");
    assert!(rt.metrics().loops[1].rescued_events > 0);
}
