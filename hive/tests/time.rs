//! sleep, timeout, timeout_at, reschedulable Timeout.

use std::time::{Duration, Instant};

#[test]
fn sleep_waits_at_least_its_duration() {
    hive::run(async {
        let start = Instant::now();
        hive::sleep(Duration::from_millis(30)).await;
        assert!(start.elapsed() >= Duration::from_millis(30));
    })
    .unwrap();
}

#[test]
fn many_concurrent_sleeps_all_fire() {
    let rt = hive::Runtime::builder().loops(2).build().unwrap();
    let fired = rt
        .run(async {
            let tasks: Vec<_> = (0..1000u64)
                .map(|i| {
                    hive::spawn(async move {
                        hive::sleep(Duration::from_micros(i * 10)).await;
                        1u32
                    })
                })
                .collect();
            let mut n = 0;
            for t in tasks {
                n += t.await.unwrap();
            }
            n
        })
        .unwrap();
    assert_eq!(fired, 1000);
    assert!(
        rt.metrics()
            .loops
            .iter()
            .map(|l| l.timers_fired)
            .sum::<u64>()
            >= 1000
    );
}

#[test]
fn timeout_returns_the_value_or_elapsed() {
    hive::run(async {
        assert_eq!(
            hive::timeout(Duration::from_secs(5), async { 7 }).await,
            Ok(7)
        );
        let slow = hive::timeout(
            Duration::from_millis(10),
            hive::sleep(Duration::from_secs(3600)),
        )
        .await;
        let err = slow.unwrap_err();
        assert!(err.to_string().contains("deadline elapsed"));
    })
    .unwrap();
}

#[test]
fn timeout_cancels_the_inner_future_running_its_destructors() {
    struct Flag(std::sync::mpsc::Sender<()>);
    impl Drop for Flag {
        fn drop(&mut self) {
            let _ = self.0.send(());
        }
    }
    let (tx, rx) = std::sync::mpsc::channel();
    hive::run(async move {
        let r = hive::timeout(Duration::from_millis(5), async move {
            let _flag = Flag(tx);
            hive::sleep(Duration::from_secs(3600)).await;
        })
        .await;
        assert!(r.is_err());
    })
    .unwrap();
    rx.try_recv().expect("the inner future was dropped");
}

#[test]
fn a_timeout_can_be_rescheduled_from_inside_its_body() {
    hive::run(async {
        let guarded = hive::timeout(Duration::from_millis(10), async {});
        let handle = guarded.handle();
        drop(guarded);
        let body = {
            let handle = handle.clone();
            async move {
                handle.reschedule(Instant::now() + Duration::from_secs(60));
                hive::sleep(Duration::from_millis(30)).await;
                "survived"
            }
        };
        let t = hive::timeout(Duration::from_millis(10), body);
        let h = t.handle();
        let inner = async move {
            // Extend from inside, as asyncio's cm.reschedule(...) does.
            h.reschedule(Instant::now() + Duration::from_secs(60));
        };
        inner.await;
        assert_eq!(t.await, Ok("survived"));
        // And shorten: expires early.
        let t = hive::timeout(
            Duration::from_secs(60),
            hive::sleep(Duration::from_secs(60)),
        );
        let h = t.handle();
        h.reschedule(Instant::now() + Duration::from_millis(5));
        assert!(t.await.is_err());
        assert!(h.expired());
    })
    .unwrap();
}

#[test]
fn nested_timeouts_each_fire_for_their_own_deadline() {
    hive::run(async {
        // The outer deadline is far off: were both past when the loop next
        // looked (a loaded machine), the outer one would rightly claim it.
        let outer = hive::timeout(Duration::from_secs(60), async {
            hive::timeout(
                Duration::from_millis(5),
                hive::sleep(Duration::from_secs(10)),
            )
            .await
        })
        .await;
        // The inner one expired; the outer one did not.
        assert!(matches!(outer, Ok(Err(_))));
    })
    .unwrap();
}

#[test]
fn sleep_reset_moves_the_deadline() {
    hive::run(async {
        let start = Instant::now();
        let mut nap = Box::pin(hive::sleep(Duration::from_secs(3600)));
        nap.as_mut()
            .reset(Instant::now() + Duration::from_millis(10));
        nap.await;
        assert!(start.elapsed() < Duration::from_secs(60));
    })
    .unwrap();
}

#[test]
fn sleep_inside_block_on_works_off_loop() {
    let rt = hive::Runtime::builder().loops(1).build().unwrap();
    rt.block_on(async {
        let start = Instant::now();
        hive::sleep(Duration::from_millis(10)).await;
        assert!(start.elapsed() >= Duration::from_millis(10));
    })
    .unwrap();
}

#[test]
fn cancelled_timers_are_freed_at_once() {
    let rt = hive::Runtime::builder().loops(1).build().unwrap();
    let pending = |rt: &hive::Runtime| rt.metrics().loops[0].pending_timers;
    rt.run(async {
        let sleeps: Vec<_> = (0..10_000)
            .map(|_| Box::pin(hive::sleep(Duration::from_secs(3600))))
            .collect();
        let mut sleeps = sleeps;
        for s in sleeps.iter_mut() {
            // Register each with the loop's timer store.
            assert!(futures_poll_once(s.as_mut()).is_pending());
        }
        let lp = hive::get_running_loop().unwrap();
        let timers: Vec<_> = (0..1000)
            .map(|_| lp.call_later(Duration::from_secs(3600), || ()))
            .collect();
        (sleeps, timers)
    })
    .map(|(sleeps, timers)| {
        assert_eq!(pending(&rt), 11_000);
        drop(sleeps);
        assert_eq!(pending(&rt), 1000);
        timers.iter().for_each(|t| t.cancel());
        assert_eq!(pending(&rt), 0);
    })
    .unwrap();
}

fn futures_poll_once<F: std::future::Future>(
    f: std::pin::Pin<&mut F>,
) -> std::task::Poll<F::Output> {
    let waker = std::task::Waker::noop();
    f.poll(&mut std::task::Context::from_waker(waker))
}
