//! Idle loops elect one watcher of every reactor (`Builder::idle_watcher`);
//! the others sleep on their bells, which socket readiness never rings. I/O
//! registered with a loop asleep on its bell must still reach its tasks,
//! stealable or pinned.

mod wait_support;

use std::io::{Read, Write};
use std::time::Duration;
use wait_support::{wait_until, HANG};

fn runtime(watcher: bool) -> hive::Runtime {
    hive::Runtime::builder()
        .loops(2)
        .idle_watcher(watcher)
        .build()
        .unwrap()
}

/// A socket registered with `lp`'s reactor, and its blocking peer.
fn pair_on(
    lp: hive::LoopId,
) -> (
    hive::IoSource<mio::net::UnixStream>,
    std::os::unix::net::UnixStream,
) {
    let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
    a.set_nonblocking(true).unwrap();
    b.set_read_timeout(Some(HANG)).unwrap();
    let a = hive::IoSource::new_on_loop(mio::net::UnixStream::from_std(a), lp).unwrap();
    (a, b)
}

/// Leaves loop 0 watching and loop 1 asleep on its bell: loop 1 is kept
/// busy (it gives the role up if it held it) while loop 0 wakes for a timer
/// and, idle again, claims the role; loop 1 then finds it taken.
///
/// The two durations only arrange the likely case: on a machine too loaded
/// for it the role may end up with loop 1, the I/O below must reach its task
/// all the same, and no assertion depends on who holds it.
async fn hand_the_role_to_loop_0() {
    let ids = hive::loop_ids();
    let busy = hive::spawn_on_loop(ids[1], async {
        std::thread::sleep(Duration::from_millis(100));
    })
    .unwrap();
    let timer = hive::spawn_on_loop(ids[0], hive::sleep(Duration::from_millis(10))).unwrap();
    timer.await.unwrap();
    busy.await.unwrap();
}

/// Echoes `rounds` one-byte messages through a task on the far side of a
/// socket registered with loop 1, with a pause before each message so both
/// loops fall asleep in between (a pause no assertion depends on: the echo
/// must arrive whether or not they did); `pinned` pins the echo task to
/// loop 1.
fn echo_with_idle_gaps(rt: &hive::Runtime, pinned: bool, rounds: u8) {
    let loop1 = rt.loop_ids()[1];
    rt.block_on(async move {
        hand_the_role_to_loop_0().await;
        let (a, b) = pair_on(loop1);
        let echo = async move {
            let mut buf = [0u8; 1];
            for _ in 0..rounds {
                let n = a.read_with(|s| (&*s).read(&mut buf)).await.unwrap();
                assert_eq!(n, 1);
                a.write_with(|s| (&*s).write(&buf)).await.unwrap();
            }
        };
        let task = if pinned {
            hive::spawn_on_loop(loop1, echo).unwrap()
        } else {
            hive::spawn(echo)
        };
        let peer = std::thread::spawn(move || {
            for round in 0..rounds {
                std::thread::sleep(Duration::from_millis(2));
                (&b).write_all(&[round]).unwrap();
                let mut back = [0u8; 1];
                (&b).read_exact(&mut back).unwrap();
                assert_eq!(back, [round]);
            }
        });
        hive::timeout(HANG, task)
            .await
            .expect("the echo task never saw its socket's readiness")
            .unwrap();
        peer.join().unwrap();
    })
    .unwrap();
}

#[test]
fn io_reaches_a_stealable_task_while_its_loop_sleeps_on_the_bell() {
    let rt = runtime(true);
    echo_with_idle_gaps(&rt, false, 20);
}

#[test]
fn io_reaches_a_pinned_task_while_its_loop_sleeps_on_the_bell() {
    let rt = runtime(true);
    echo_with_idle_gaps(&rt, true, 20);
}

#[test]
fn with_a_watcher_some_idle_loop_sleeps_on_its_bell() {
    let rt = runtime(true);
    let loop0 = rt.loop_ids()[0];
    // Loop 0 sleeps on a timer while loop 1 has nothing to do: once both are
    // idle at once, one of them watches and the other sleeps on its bell.
    // Repeated until that happened, however the OS interleaves the loops.
    wait_until("an idle loop sleeps on its bell", || {
        rt.block_on(async move {
            hive::spawn_on_loop(loop0, hive::sleep(Duration::from_millis(2)))
                .unwrap()
                .await
                .unwrap();
        })
        .unwrap();
        let metrics = rt.metrics();
        metrics.loops.iter().map(|l| l.bell_parks).sum::<u64>() > 0
            && metrics.loops.iter().map(|l| l.watch_parks).sum::<u64>() > 0
    });
}

#[test]
fn without_a_watcher_every_idle_loop_sleeps_in_its_own_reactor() {
    let rt = runtime(false);
    echo_with_idle_gaps(&rt, false, 5);
    echo_with_idle_gaps(&rt, true, 5);
    // Idle now, the loops park (each in its own reactor) however late the
    // OS runs them; then no park may have been on a bell.
    wait_until("an idle loop parks", || {
        rt.metrics().loops.iter().any(|l| l.parks > 0)
    });
    let metrics = rt.metrics();
    assert!(
        metrics
            .loops
            .iter()
            .all(|l| l.bell_parks == 0 && l.watch_parks == 0),
        "{metrics:?}"
    );
}
