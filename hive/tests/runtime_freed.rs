//! The runtime's shared state is freed once the runtime and everything
//! that still points into it (a task handle, a stored waker) are gone: task
//! cells count their references to it in blocks (`scheduler::cell_refs` in
//! hive-runtime), and a miscount would either leak it or free it early.
//! The probe is the exception handler, which the shared state owns.

use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::Waker;

/// Sets its flag when dropped, with the shared state that owns it.
struct Probe(Arc<AtomicBool>);
impl Drop for Probe {
    fn drop(&mut self) {
        self.0.store(true, SeqCst);
    }
}

fn runtime_with_probe() -> (hive::Runtime, Arc<AtomicBool>) {
    let rt = hive::Runtime::builder().loops(2).build().unwrap();
    let freed = Arc::new(AtomicBool::new(false));
    let probe = Probe(freed.clone());
    rt.set_exception_handler(move |_| {
        let _ = &probe;
    });
    (rt, freed)
}

#[test]
fn it_is_freed_with_the_runtime_after_tasks_of_every_kind() {
    let (rt, freed) = runtime_with_probe();
    rt.run(async {
        // More than a loop's block of references (256), pinned and
        // stealable, some finished on other loops than their spawner's.
        let mut tasks = Vec::new();
        for i in 0..1000u32 {
            tasks.push(hive::spawn(async move { i }));
            tasks.push(hive::spawn_local(async move { i }).unwrap());
        }
        for task in tasks {
            task.await.unwrap();
        }
    })
    .unwrap();
    // A spawn from a thread that is no loop: a reference of its own.
    std::thread::scope(|s| {
        s.spawn(|| drop(rt.spawn(async {})));
    });
    assert!(!freed.load(SeqCst));
    drop(rt);
    assert!(freed.load(SeqCst), "the runtime's shared state leaked");
}

#[test]
fn a_task_handle_keeps_it_until_the_handle_goes() {
    let (rt, freed) = runtime_with_probe();
    // In an Option: a task handle returned from an async block would read
    // as a future left unawaited.
    let task = rt
        .run(async { Some(hive::spawn(async { 7 })) })
        .unwrap()
        .unwrap();
    drop(rt);
    assert!(
        !freed.load(SeqCst),
        "freed while a task handle points into it"
    );
    assert!(task.is_done());
    drop(task);
    assert!(freed.load(SeqCst), "the runtime's shared state leaked");
}

#[test]
fn a_waker_held_elsewhere_keeps_it_until_the_waker_goes() {
    let (rt, freed) = runtime_with_probe();
    let stored: Arc<Mutex<Option<Waker>>> = Arc::default();
    let (slot, seen) = (stored.clone(), stored.clone());
    rt.run(async move {
        drop(hive::spawn(std::future::poll_fn(move |cx| {
            *slot.lock().unwrap() = Some(cx.waker().clone());
            std::task::Poll::<()>::Pending
        })));
        // Bounded: the task runs on the next tick of one of two loops.
        for _ in 0..10_000 {
            if seen.lock().unwrap().is_some() {
                break;
            }
            hive::yield_now().await;
        }
    })
    .unwrap();
    drop(rt);
    let waker = stored
        .lock()
        .unwrap()
        .take()
        .expect("the task stored its waker");
    assert!(!freed.load(SeqCst), "freed while a waker points into it");
    // Waking a task of a runtime that is gone does nothing, and is safe.
    waker.wake_by_ref();
    drop(waker);
    assert!(freed.load(SeqCst), "the runtime's shared state leaked");
}
