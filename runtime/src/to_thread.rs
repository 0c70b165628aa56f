//! `hive::to_thread`: blocking work on the current runtime's pool.

use crate::blocking::Blocking;
use crate::context;

/// Runs blocking `f` on the runtime's blocking pool and awaits its result
/// (asyncio's `to_thread`). A panic in `f` becomes `Err(TaskError::Panicked)`.
///
/// # Panics
/// Outside a hive runtime.
///
/// ```
/// # hive::run(async {
/// let text = hive::to_thread(|| std::fs::read_to_string("/proc/self/status")).await.unwrap();
/// assert!(text.unwrap().contains("Name"));
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.to_thread")]
#[doc(alias = "run_in_executor")]
pub fn to_thread<T, F>(f: F) -> Blocking<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    match context::current_shared() {
        Some(shared) => shared.blocking.spawn(crate::contextvars::carry(f)),
        None => panic!("hive::to_thread called outside a hive runtime; call it inside hive::run"),
    }
}
