//! Nothing outlives a runtime: threads, file descriptors, tasks.
//! One test in its own binary, so no other test's threads blur the counts.

use std::time::Duration;

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").unwrap().count()
}

fn fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

#[test]
fn no_thread_fd_or_task_outlives_the_runtime() {
    let (threads_before, fds_before) = (threads(), fds());
    for _ in 0..3 {
        let rt = hive::Runtime::builder()
            .loops(4)
            .blocking_keep_alive(Duration::from_secs(60))
            .build()
            .unwrap();
        rt.run(async {
            for _ in 0..8 {
                // A blocking workload; no count depends on its length.
                drop(hive::to_thread(|| {
                    std::thread::sleep(Duration::from_millis(5))
                }));
            }
            for _ in 0..100 {
                drop(hive::spawn(async {
                    hive::sleep(Duration::from_secs(3600)).await
                }));
            }
            let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
            a.set_nonblocking(true).unwrap();
            let a = hive::IoSource::new(mio::net::UnixStream::from_std(a)).unwrap();
            drop(hive::spawn(async move {
                let _ = a.readable().await;
            }));
            drop(b);
        })
        .unwrap();
        assert!(rt.metrics().blocking_threads > 0);
        let report = rt.shutdown_timeout(Duration::from_secs(10));
        assert!(report.is_clean(), "{report:?}");
    }
    hive::run(async {}).unwrap();
    assert_eq!(threads(), threads_before, "a thread outlived its runtime");
    assert_eq!(fds(), fds_before, "a file descriptor outlived its runtime");
}
