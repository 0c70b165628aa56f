//! [`HiveExecutor`]: hyper's `Executor` (HTTP/2 streams, client
//! connections) on hive's loops.

use std::future::Future;

/// Runs hyper's background futures as hive tasks: stealable by default,
/// or pinned to the loop that asks ([`HiveExecutor::pinned`]), which is
/// what a `per_loop` server uses so an HTTP/2 connection's streams never
/// leave its core. hyper-util's `TokioExecutor`, for hive.
///
/// Off hive's loops there is nowhere to run the future: it is dropped
/// and the error is logged (hyper then reports the connection as closed).
///
/// ```
/// use hyper::rt::Executor;
/// # hive::run(async {
/// let done = std::sync::Arc::new(hive::sync::Event::new());
/// let flag = done.clone();
/// hive::http::HiveExecutor::new().execute(async move { flag.set() });
/// done.wait().await;
/// # }).unwrap();
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct HiveExecutor {
    pinned: bool,
}

impl HiveExecutor {
    /// Spawns stealable tasks (`hive::spawn`).
    ///
    /// ```
    /// let _exec = hive::http::HiveExecutor::new();
    /// ```
    pub fn new() -> HiveExecutor {
        HiveExecutor { pinned: false }
    }

    /// Spawns each future pinned to the loop that calls `execute`
    /// (stealable when called off a loop).
    ///
    /// ```
    /// let _exec = hive::http::HiveExecutor::pinned();
    /// ```
    pub fn pinned() -> HiveExecutor {
        HiveExecutor { pinned: true }
    }
}

impl<F> hyper::rt::Executor<F> for HiveExecutor
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, fut: F) {
        // hyper calls this while polling a connection, which hive does
        // on a loop; off one, `hive::spawn` would panic, so refuse instead.
        let Some(here) = hive_runtime::current_loop_id() else {
            tracing::error!(
                "hive-http: hyper wanted a background task off hive's loops; \
                 drive hyper connections from hive tasks"
            );
            return;
        };
        if self.pinned {
            if let Err(e) = hive_runtime::spawn_on_loop(here, fut) {
                tracing::error!("hive-http: could not start hyper's background task: {e}");
            }
        } else {
            // Dropping the handle detaches the task; hyper watches it
            // through its own channels.
            drop(hive_runtime::spawn(fut));
        }
    }
}
