//! `Builder::yield_before_park`: a loop woken again soon after each sleep
//! yields its core once before it parks; an idle loop does not keep
//! yielding; turned off, no loop ever yields.

mod wait_support;

use std::io::{Read, Write};
use std::time::Duration;
use wait_support::{wait_until, HANG};

fn runtime(yield_before_park: bool) -> hive::Runtime {
    hive::Runtime::builder()
        .loops(2)
        .yield_before_park(yield_before_park)
        .build()
        .unwrap()
}

/// `rounds` one-byte round trips, back to back, between a task pinned to
/// loop 1 (echoing on a socket registered there) and a peer thread: the
/// loop runs out of work after every echo and is woken by the next byte
/// microseconds later.
fn ping_pong(rt: &hive::Runtime, rounds: u32) {
    let loop1 = rt.loop_ids()[1];
    rt.block_on(async move {
        let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        a.set_nonblocking(true).unwrap();
        b.set_read_timeout(Some(HANG)).unwrap();
        let a = hive::IoSource::new_on_loop(mio::net::UnixStream::from_std(a), loop1).unwrap();
        let echo = hive::spawn_on_loop(loop1, async move {
            let mut buf = [0u8; 1];
            for _ in 0..rounds {
                let n = a.read_with(|s| (&*s).read(&mut buf)).await.unwrap();
                assert_eq!(n, 1);
                a.write_with(|s| (&*s).write(&buf)).await.unwrap();
            }
        })
        .unwrap();
        let peer = std::thread::spawn(move || {
            for round in 0..rounds {
                (&b).write_all(&[round as u8]).unwrap();
                let mut back = [0u8; 1];
                (&b).read_exact(&mut back).unwrap();
                assert_eq!(back, [round as u8]);
            }
        });
        hive::timeout(HANG, echo).await.unwrap().unwrap();
        peer.join().unwrap();
    })
    .unwrap();
}

fn yields(rt: &hive::Runtime) -> Vec<u64> {
    rt.metrics().loops.iter().map(|l| l.park_yields).collect()
}

#[test]
fn a_loop_woken_often_yields_and_an_idle_one_stops() {
    let rt = runtime(true);
    // Whether a given sleep was short is up to the OS; over rounds of back
    // to back messages some is, and then the loop yields.
    wait_until("a loop yields before parking", || {
        ping_pong(&rt, 200);
        yields(&rt).iter().sum::<u64>() > 0
    });
    for l in rt.metrics().loops {
        assert!(l.park_yields_found_work <= l.park_yields, "{l:?}");
    }
    // Idle now: a loop yields at most once (finding nothing) before its
    // next sleep, which is long, and after that it does not yield at all.
    // A loop that kept yielding while idle would do so thousands of times
    // in this pause (the pause bounds nothing the test relies on).
    let before = yields(&rt);
    std::thread::sleep(Duration::from_millis(100));
    let after = yields(&rt);
    for (b, a) in before.iter().zip(&after) {
        assert!(
            a - b <= 2,
            "an idle loop kept yielding: {before:?} -> {after:?}"
        );
    }
}

#[test]
fn turned_off_no_loop_yields() {
    let rt = runtime(false);
    ping_pong(&rt, 500);
    assert_eq!(yields(&rt), [0, 0], "{:?}", rt.metrics());
}
