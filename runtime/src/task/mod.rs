//! Tasks: the cell, its handle, its errors, and how tasks are spawned.

pub(crate) mod age_clock;
pub(crate) mod builder;
pub(crate) mod cancel_scope;
#[cfg(all(test, not(loom)))]
mod cell_tests;
pub(crate) mod error;
pub(crate) mod handle;
pub(crate) mod id;
pub(crate) mod info;
pub(crate) mod raw;
pub(crate) mod spawn;
pub(crate) mod state;
pub(crate) mod waker;

pub use builder::Builder;
pub use error::TaskError;
pub use handle::{BlockingJoinError, Task};
pub use id::TaskId;
pub use info::{all_tasks, current_task, TaskInfo};
pub use spawn::{spawn, spawn_local, spawn_on_loop, spawn_on_loop_with};
