//! The loop handle: FIFO call_soon, next-tick semantics, call_later, cancel.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod wait_support;
use wait_support::{wait_until_every_loop_parks, HANG};

type Log = Arc<Mutex<Vec<&'static str>>>;
type Callback = Box<dyn FnOnce() + Send>;

fn log() -> (Log, impl Fn(&'static str) -> Callback) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let l = log.clone();
    (log, move |entry| {
        let l = l.clone();
        Box::new(move || l.lock().unwrap().push(entry))
    })
}

#[test]
fn call_soon_runs_callbacks_in_fifo_order_on_the_loop() {
    hive::run(async {
        let lp = hive::get_running_loop().unwrap();
        let (log, push) = log();
        for name in ["a", "b", "c", "d"] {
            lp.call_soon(push(name));
        }
        hive::yield_now().await;
        assert_eq!(*log.lock().unwrap(), ["a", "b", "c", "d"]);
    })
    .unwrap();
}

#[test]
fn a_callback_queued_during_a_tick_runs_on_the_next_tick() {
    hive::run(async {
        let lp = hive::get_running_loop().unwrap();
        let (log, push) = log();
        let lp2 = lp.clone();
        let later = push("queued-by-callback");
        lp.call_soon({
            let first = push("first");
            move || {
                first();
                lp2.call_soon(later);
            }
        });
        lp.call_soon(push("second"));
        hive::yield_now().await; // one tick: first, second, then us
        assert_eq!(*log.lock().unwrap(), ["first", "second"]);
        hive::yield_now().await;
        assert_eq!(
            *log.lock().unwrap(),
            ["first", "second", "queued-by-callback"]
        );
    })
    .unwrap();
}

#[test]
fn cancelled_handles_do_not_run() {
    hive::run(async {
        let lp = hive::get_running_loop().unwrap();
        let (log, push) = log();
        let a = lp.call_soon(push("a"));
        lp.call_soon(push("b"));
        a.cancel();
        let t = lp.call_later(Duration::from_millis(1), push("timer"));
        t.cancel();
        assert!(t.is_cancelled());
        hive::sleep(Duration::from_millis(10)).await;
        assert_eq!(*log.lock().unwrap(), ["b"]);
    })
    .unwrap();
}

#[test]
fn call_later_fires_in_deadline_order_and_not_early() {
    hive::run(async {
        let lp = hive::get_running_loop().unwrap();
        let (log, push) = log();
        let start = lp.time();
        let fired_at = Arc::new(Mutex::new(None));
        let last_fired = Arc::new(hive::sync::Event::new());
        let (f, done) = (fired_at.clone(), last_fired.clone());
        lp.call_later(Duration::from_millis(20), move || {
            *f.lock().unwrap() = Some(Instant::now());
            done.set();
        });
        lp.call_later(Duration::from_millis(15), push("15ms"));
        lp.call_later(Duration::from_millis(5), push("5ms"));
        let same = lp.time() + Duration::from_millis(10);
        lp.call_at(same, push("10ms-a"));
        lp.call_at(same, push("10ms-b"));
        // The latest callback ran: in deadline order, so did all the others.
        hive::timeout(HANG, last_fired.wait())
            .await
            .expect("the 20 ms callback never ran");
        assert_eq!(*log.lock().unwrap(), ["5ms", "10ms-a", "10ms-b", "15ms"]);
        assert!(fired_at.lock().unwrap().unwrap() >= start + Duration::from_millis(20));
    })
    .unwrap();
}

#[test]
fn call_soon_threadsafe_wakes_an_idle_loop_from_another_thread() {
    let rt = hive::Runtime::builder().loops(1).build().unwrap();
    let lp = rt.get_loop(rt.loop_ids()[0]).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    wait_until_every_loop_parks(&rt, &[0]); // idle: the call must wake it
    lp.call_soon_threadsafe(move || {
        tx.send(std::thread::current().name().map(str::to_owned))
            .unwrap()
    });
    let name = rx.recv_timeout(HANG).unwrap();
    assert_eq!(name.as_deref(), Some("hive-loop-0"));
}

#[test]
fn get_running_loop_off_a_loop_is_an_error_with_advice() {
    let err = hive::get_running_loop().unwrap_err();
    assert!(err.to_string().contains("hive::run"));
}

#[test]
fn a_loop_busy_with_callbacks_alone_still_polls_its_reactor() {
    use std::io::{Read, Write};
    hive::run(async {
        let lp = hive::get_running_loop().unwrap();
        // A callback that re-queues itself forever keeps the loop busy.
        fn again(lp: hive::Loop, stop: Arc<std::sync::atomic::AtomicBool>) {
            if !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let next = lp.clone();
                lp.call_soon(move || again(next, stop));
            }
        }
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        again(lp.clone(), stop.clone());
        let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        a.set_nonblocking(true).unwrap();
        let a = hive::IoSource::new(hive::mio::net::UnixStream::from_std(a)).unwrap();
        (&b).write_all(b"x").unwrap();
        let mut buf = [0u8; 1];
        let read = hive::timeout(
            Duration::from_secs(10),
            a.read_with(|s| (&*s).read(&mut buf)),
        )
        .await;
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        assert_eq!(
            read.expect("the reactor was starved by callbacks").unwrap(),
            1
        );
    })
    .unwrap();
}
