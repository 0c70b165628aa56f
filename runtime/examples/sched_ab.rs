//! A fixed scheduler workload for instruction-count A/B runs:
//! `valgrind --tool=callgrind target/release/examples/sched_ab <loops>`.
//!
//! Spawn-many (10k tasks joined), a spawn chain (each task spawns the next:
//! the LIFO slot's path), and yield-heavy tasks (the requeue path). With
//! one loop the count is deterministic; with more, idle parks vary a little.

use hive_runtime::Runtime;

async fn workload() -> u64 {
    // Spawn-many: the spawn, first-queue and join paths.
    let tasks: Vec<_> = (0..10_000u64)
        .map(|i| hive_runtime::spawn(async move { i }))
        .collect();
    let mut sum = 0;
    for task in tasks {
        sum += task.await.unwrap_or(0);
    }
    // A chain: each task spawns the next and awaits it (LIFO slot).
    fn chain(depth: u32) -> std::pin::Pin<Box<dyn std::future::Future<Output = u64> + Send>> {
        Box::pin(async move {
            if depth == 0 {
                1
            } else {
                hive_runtime::spawn(chain(depth - 1)).await.unwrap_or(0) + 1
            }
        })
    }
    for _ in 0..20 {
        sum += chain(500).await;
    }
    // Yield-heavy: 100 tasks yielding 100 times each (requeue path).
    let yielders: Vec<_> = (0..100)
        .map(|_| {
            hive_runtime::spawn(async {
                for _ in 0..100 {
                    hive_runtime::yield_now().await;
                }
            })
        })
        .collect();
    for task in yielders {
        let _ = task.await;
    }
    sum
}

fn main() {
    let loops = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let rt = Runtime::builder()
        .loops(loops)
        .build()
        .expect("building the runtime");
    let sum = rt.run(workload()).expect("the workload ran");
    println!("{sum}");
}
