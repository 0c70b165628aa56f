//! Context variables, from asyncio's documented behaviour: each task runs
//! in a copy of its spawner's context, callbacks and thread work carry the
//! caller's, `reset` restores, and what a task sets stays its own.

use hive::contextvars::{Context, ContextVar, ResetError};
use std::time::Duration;

static REQUEST: ContextVar<u64> = ContextVar::new("request");
static ATTEMPT: ContextVar<u64> = ContextVar::new("attempt");
static USER: ContextVar<String> = ContextVar::with_default("user", String::new());

fn runtime() -> hive::Runtime {
    hive::Runtime::builder().loops(2).build().unwrap()
}

#[test]
fn a_task_starts_with_a_copy_of_its_spawners_context() {
    runtime()
        .run(async {
            REQUEST.set(1);
            let child = hive::spawn(async {
                let seen = REQUEST.get();
                REQUEST.set(2);
                hive::yield_now().await;
                (seen, REQUEST.get())
            });
            // Set after the spawn: the child's copy does not see it.
            REQUEST.set(3);
            assert_eq!(child.await.unwrap(), (Some(1), Some(2)));
            assert_eq!(
                REQUEST.get(),
                Some(3),
                "the child's set stayed in the child"
            );
        })
        .unwrap();
}

#[test]
fn pinned_and_cross_loop_tasks_inherit_too() {
    runtime()
        .run(async {
            REQUEST.set(10);
            let local = hive::spawn_local(async { REQUEST.get() }).unwrap();
            let other = *hive::loop_ids().last().unwrap();
            let remote = hive::spawn_on_loop(other, async { REQUEST.get() }).unwrap();
            let built = hive::spawn_on_loop_with(other, || async { REQUEST.get() }).unwrap();
            assert_eq!(local.await.unwrap(), Some(10));
            assert_eq!(remote.await.unwrap(), Some(10));
            assert_eq!(built.await.unwrap(), Some(10));
        })
        .unwrap();
}

#[test]
fn a_task_keeps_its_values_across_polls_and_loops() {
    runtime()
        .run(async {
            let tasks: Vec<_> = (0..16u64)
                .map(|i| {
                    hive::spawn(async move {
                        REQUEST.set(i);
                        for _ in 0..50 {
                            hive::yield_now().await;
                            assert_eq!(REQUEST.get(), Some(i));
                        }
                        REQUEST.get()
                    })
                })
                .collect();
            for (i, task) in tasks.into_iter().enumerate() {
                assert_eq!(task.await.unwrap(), Some(i as u64));
            }
            assert_eq!(
                REQUEST.get(),
                None,
                "no child's value leaked into the parent"
            );
        })
        .unwrap();
}

#[test]
fn callbacks_and_thread_work_run_in_the_callers_context() {
    runtime()
        .run(async {
            REQUEST.set(7);
            let lp = hive::get_running_loop().unwrap();
            let soon = hive::Promise::new();
            let later = hive::Promise::new();
            {
                let soon = soon.clone();
                lp.call_soon(move || soon.set_result(REQUEST.get()).unwrap());
                let later = later.clone();
                lp.call_later(Duration::from_millis(1), move || {
                    later.set_result(REQUEST.get()).unwrap()
                });
            }
            REQUEST.set(8); // after scheduling: the callbacks keep their copy
            assert_eq!(soon.await.unwrap(), Some(7));
            assert_eq!(later.await.unwrap(), Some(7));
            assert_eq!(hive::to_thread(|| REQUEST.get()).await.unwrap(), Some(8));
            assert_eq!(lp.run_in_executor(|| REQUEST.get()).await.unwrap(), Some(8));
        })
        .unwrap();
}

#[test]
fn a_task_can_be_given_a_context_explicitly() {
    runtime()
        .run(async {
            let mut ctx = Context::new();
            ctx.run(|| drop(USER.set("ada".into())));
            let task = hive::task::Builder::new()
                .context(ctx.clone())
                .spawn(async { USER.get() });
            assert_eq!(task.await.unwrap().as_deref(), Some("ada"));
            assert_eq!(USER.get().as_deref(), Some(""), "the default, here");
            assert_eq!(ctx.get(&USER).as_deref(), Some("ada"));
        })
        .unwrap();
}

#[test]
fn reset_restores_and_refuses_foreign_tokens() {
    runtime()
        .run(async {
            let token = REQUEST.set(5);
            assert_eq!(token.old_value(), None);
            let inner = REQUEST.set(6);
            assert_eq!(inner.old_value(), Some(5));
            REQUEST.reset(inner).unwrap();
            assert_eq!(REQUEST.get(), Some(5));

            // A token made in another task is refused, and changes nothing.
            let foreign = hive::spawn(async { REQUEST.set(99) }).await.unwrap();
            assert!(matches!(
                REQUEST.reset(foreign),
                Err(ResetError::OtherContext { .. })
            ));
            assert_eq!(REQUEST.get(), Some(5));

            // So is another variable's (of the same type: tokens are typed).
            let other = ATTEMPT.set(1);
            let err = REQUEST.reset(other).unwrap_err();
            assert!(matches!(err, ResetError::OtherVariable { .. }), "{err}");
            assert!(err.to_string().contains("attempt"));
            assert_eq!(ATTEMPT.get(), Some(1));

            REQUEST.reset(token).unwrap();
            assert_eq!(REQUEST.get(), None);
        })
        .unwrap();
}

#[test]
fn an_eager_child_keeps_its_own_context_inside_its_spawners_run() {
    runtime()
        .run(async {
            let mut ctx = Context::new();
            let child = ctx.run(|| {
                REQUEST.set(1);
                hive::task::Builder::new().eager(true).spawn(async {
                    REQUEST.set(2); // the child's own copy, not `ctx`
                    hive::yield_now().await;
                    REQUEST.get()
                })
            });
            assert_eq!(ctx.get(&REQUEST), Some(1));
            assert_eq!(child.await.unwrap(), Some(2));
        })
        .unwrap();
}

#[test]
fn the_main_task_copies_the_threads_context() {
    let token = REQUEST.set(42);
    let seen = runtime().run(async { REQUEST.get() }).unwrap();
    assert_eq!(seen, Some(42));
    REQUEST.reset(token).unwrap();
    assert_eq!(REQUEST.get(), None);
}

#[test]
fn a_runner_or_a_callback_can_be_given_a_context_by_running_in_it() {
    // asyncio's Runner(context=ctx) and call_soon(cb, context=ctx): hive
    // copies the current context, so running the call inside ctx.run gives it.
    let mut ctx = Context::new();
    ctx.run(|| drop(REQUEST.set(5)));
    let seen = ctx
        .run(|| {
            runtime().run(async {
                let lp = hive::get_running_loop().unwrap();
                let mut other = Context::new();
                other.run(|| drop(REQUEST.set(6)));
                let from_callback = hive::Promise::new();
                let promise = from_callback.clone();
                other.run(|| lp.call_soon(move || promise.set_result(REQUEST.get()).unwrap()));
                (REQUEST.get(), from_callback.await.unwrap())
            })
        })
        .unwrap();
    assert_eq!(seen, (Some(5), Some(6)));
    assert_eq!(
        REQUEST.get(),
        None,
        "the test thread's own context is untouched"
    );
}
