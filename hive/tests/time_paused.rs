//! A paused clock for tests (tokio's `start_paused`, asyncio's virtual-time
//! test loops): timers end in order without real waiting, `advance` moves
//! the clock, auto-advance happens only when every loop is idle.

use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const HOUR: Duration = Duration::from_secs(3600);

#[hive::test(start_paused = true)]
async fn long_sleeps_end_at_once_and_in_order() {
    let real = Instant::now();
    let lp = hive::get_running_loop().unwrap();
    let start = lp.time();
    let order = Arc::new(Mutex::new(Vec::new()));
    let tasks: Vec<_> = [3u64, 1, 2]
        .into_iter()
        .map(|hours| {
            let order = order.clone();
            hive::spawn(async move {
                hive::sleep(HOUR * hours as u32).await;
                order.lock().unwrap().push(hours);
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(*order.lock().unwrap(), [1, 2, 3]);
    let virtual_elapsed = lp.time() - start;
    assert!(virtual_elapsed >= HOUR * 3, "{virtual_elapsed:?}");
    // Three hours of virtual time took no such real time (a generous bound
    // that only catches real sleeping).
    assert!(real.elapsed() < Duration::from_secs(600));
}

#[test]
fn auto_advance_waits_while_the_blocking_pool_works() {
    let rt = Arc::new(
        hive::Runtime::builder()
            .loops(2)
            .start_paused(true)
            .build()
            .unwrap(),
    );
    let expired = Arc::new(AtomicBool::new(false));
    let (release, gate) = std::sync::mpsc::channel::<()>();
    let (started_tx, started) = std::sync::mpsc::channel::<()>();
    // From outside: once the job runs, give a wrong auto-advance a moment
    // to happen (the loops are idle by then: the main task awaits the job,
    // the other waits on its timer; the pause can only hide a bug, never
    // fail a correct runtime), check the hour-long timeout has not
    // expired, then let the job go.
    let watcher = {
        let expired = expired.clone();
        std::thread::spawn(move || {
            started.recv().unwrap();
            std::thread::sleep(Duration::from_millis(100));
            let early = expired.load(SeqCst);
            release.send(()).unwrap();
            early
        })
    };
    rt.run({
        let expired = expired.clone();
        async move {
            let lp = hive::get_running_loop().unwrap();
            let start = lp.time();
            let timed = hive::spawn(async move {
                let out = hive::timeout(HOUR, std::future::pending::<()>()).await;
                expired.store(true, SeqCst);
                out
            });
            hive::to_thread(move || {
                started_tx.send(()).unwrap();
                gate.recv().unwrap()
            })
            .await
            .unwrap();
            assert!(
                timed.await.unwrap().is_err(),
                "the timeout expired, virtually"
            );
            assert!(lp.time() - start >= HOUR);
        }
    })
    .unwrap();
    assert!(!watcher.join().unwrap(), "the clock jumped while a job ran");
}

#[hive::test(start_paused = true, loops = 2)]
async fn advance_moves_the_clock_and_wakes_due_timers_on_any_loop() {
    let other = hive::loop_ids()[1];
    let fired = hive::spawn_on_loop(other, async {
        hive::sleep(Duration::from_secs(10)).await;
        hive::current_loop_id()
    })
    .unwrap();
    hive::yield_now().await;
    hive::time::advance(Duration::from_secs(10)).await.unwrap();
    assert_eq!(fired.await.unwrap(), Some(other));
}

#[hive::test]
async fn pause_resume_and_their_errors() {
    assert!(!hive::time::is_paused());
    assert_eq!(
        hive::time::advance(Duration::from_secs(1)).await,
        Err(hive::time::TimeError::NotPaused)
    );
    hive::time::pause().unwrap();
    assert!(hive::time::is_paused());
    assert_eq!(
        hive::time::pause(),
        Err(hive::time::TimeError::AlreadyPaused)
    );
    let lp = hive::get_running_loop().unwrap();
    let at = lp.time();
    hive::time::advance(HOUR).await.unwrap();
    assert!(lp.time() - at >= HOUR);
    hive::time::resume().unwrap();
    assert!(!hive::time::is_paused());
    // Running again, from where it stood (never backwards).
    assert!(lp.time() >= at + HOUR);
    let err = hive::time::resume().unwrap_err();
    assert!(err.to_string().contains("pause"), "{err}");
}

#[test]
fn the_clock_belongs_to_a_runtime() {
    assert_eq!(hive::time::pause(), Err(hive::time::TimeError::NoRuntime));
    assert!(!hive::time::is_paused());
}

#[hive::test(start_paused = true)]
async fn call_later_and_timeouts_follow_the_paused_clock() {
    let lp = hive::get_running_loop().unwrap();
    let done = hive::Promise::new();
    {
        let done = done.clone();
        lp.call_later(HOUR, move || done.set_result(()).unwrap());
    }
    done.await.unwrap();
    let slow = hive::timeout(Duration::from_secs(5), hive::sleep(HOUR)).await;
    assert!(slow.is_err());
    let fast = hive::timeout(HOUR, hive::sleep(Duration::from_secs(5))).await;
    assert!(fast.is_ok());
}

/// A registered sleep moved later keeps its stored entry (no store work per
/// move); reaching the old deadline must not end it: it ends at the new one,
/// also when it is moved again after the old entry fired.
#[hive::test(start_paused = true)]
async fn a_sleep_moved_later_ends_at_its_new_deadline() {
    let lp = hive::get_running_loop().unwrap();
    let start = lp.time();
    let mut nap = Box::pin(hive::sleep(HOUR));
    // Poll once so the first deadline is stored.
    assert!(futures_poll_once(nap.as_mut()).await.is_pending());
    nap.as_mut().reset(lp.time() + HOUR * 2);
    ends(nap.as_mut()).await;
    let slept = lp.time() - start;
    assert!(
        slept >= HOUR * 2,
        "ended at {slept:?}, before its new deadline"
    );
    // Fired and moved again: re-armed, at the newest deadline.
    nap.as_mut().reset(lp.time() + HOUR);
    assert!(futures_poll_once(nap.as_mut()).await.is_pending());
    nap.as_mut().reset(lp.time() + HOUR * 3);
    ends(nap.as_mut()).await;
    let slept = lp.time() - start;
    assert!(
        slept >= HOUR * 5,
        "ended at {slept:?}, before its newest deadline"
    );
    // Moved earlier: ends at the earlier deadline.
    nap.as_mut().reset(lp.time() + HOUR * 4);
    assert!(futures_poll_once(nap.as_mut()).await.is_pending());
    nap.as_mut().reset(lp.time() + HOUR);
    ends(nap.as_mut()).await;
    let slept = lp.time() - start;
    assert!(slept >= HOUR * 6 && slept < HOUR * 9, "ended at {slept:?}");
}

/// Awaits `nap`, failing (on the paused clock, at once) if it never ends.
async fn ends(nap: std::pin::Pin<&mut hive::Sleep>) {
    hive::timeout(HOUR * 24, nap)
        .await
        .expect("the sleep never ended: its moved deadline was lost");
}

/// Polls `fut` once from inside a task.
async fn futures_poll_once<F: std::future::Future + Unpin>(fut: F) -> std::task::Poll<F::Output> {
    let mut fut = fut;
    std::future::poll_fn(|cx| std::task::Poll::Ready(std::pin::Pin::new(&mut fut).poll(cx))).await
}
