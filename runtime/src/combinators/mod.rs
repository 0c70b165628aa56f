//! asyncio's task combinators and structured concurrency: `gather`, `wait`,
//! `as_completed`, `shield`, `TaskGroup`, and `Promise` (asyncio's `Future`).
//!
//! They all work on [`Task`](crate::Task) handles (asyncio wraps coroutines
//! in tasks; in hive, spawn them first), so the children run concurrently
//! wherever the runtime puts them, and every edge shows up in call graphs.

pub(crate) mod as_completed;
pub(crate) mod gather;
pub(crate) mod group_state;
pub(crate) mod promise;
mod ready;
pub(crate) mod shield;
pub(crate) mod task_group;
pub(crate) mod wait;
