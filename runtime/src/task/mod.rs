//! Tasks: the cell, its handle, its id, errors and introspection.
//!
//! This folder is the ground floor: nothing in it imports the loop
//! (`event_loop`), the runtime's shared state (`shared`) or the scheduler.
//! The cell reaches its runtime only through the narrow
//! `Schedule` (`raw::Schedule`) trait; spawning, which decides where a new
//! task goes, lives in `crate::scheduler::spawn` and is re-exported here so
//! the public paths (`hive::task::spawn`, `hive::task::Builder`) stay.

pub(crate) mod age_clock;
pub(crate) mod await_kind;
pub(crate) mod cancel_scope;
pub(crate) mod cell_cache;
#[cfg(all(test, not(loom)))]
mod cell_tests;
pub(crate) mod context_slot;
pub(crate) mod current;
pub(crate) mod error;
pub(crate) mod handle;
pub(crate) mod id;
pub(crate) mod info;
pub(crate) mod raw;
pub(crate) mod state;
pub(crate) mod waker;

pub use crate::call_graph::all_tasks;
pub use crate::scheduler::builder::Builder;
pub use crate::scheduler::spawn::{spawn, spawn_local, spawn_on_loop, spawn_on_loop_with};
pub use error::TaskError;
pub use handle::{BlockingJoinError, Task};
pub use id::TaskId;
pub use info::{current_task, TaskInfo};
