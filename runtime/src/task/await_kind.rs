//! How one task awaits another, as the cell records it.
//!
//! Defined here, with the cell that stores it, so that the cell needs
//! nothing from `call_graph` (which reads it back) and `task/` stays the
//! ground floor; `call_graph` re-exports it as public API.

use std::fmt;

/// How one task awaits another: the edge of a call graph.
///
/// ```
/// assert_eq!(hive::AwaitKind::Gather.to_string(), "gather");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AwaitKind {
    /// `task.await` on a [`Task`](crate::Task) handle.
    Await = 1,
    /// Through [`gather!`](crate::gather) or [`gather_all`](crate::gather_all).
    Gather = 2,
    /// As a child of a [`TaskGroup`](crate::TaskGroup).
    TaskGroup = 3,
    /// Through [`shield`](crate::shield).
    Shield = 4,
    /// Through [`wait`](crate::wait).
    Wait = 5,
    /// Through [`as_completed`](crate::as_completed).
    AsCompleted = 6,
}

impl AwaitKind {
    pub(crate) fn from_bits(bits: u64) -> Option<AwaitKind> {
        Some(match bits {
            1 => AwaitKind::Await,
            2 => AwaitKind::Gather,
            3 => AwaitKind::TaskGroup,
            4 => AwaitKind::Shield,
            5 => AwaitKind::Wait,
            6 => AwaitKind::AsCompleted,
            _ => return None,
        })
    }
}

impl fmt::Display for AwaitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AwaitKind::Await => "await",
            AwaitKind::Gather => "gather",
            AwaitKind::TaskGroup => "task group",
            AwaitKind::Shield => "shield",
            AwaitKind::Wait => "wait",
            AwaitKind::AsCompleted => "as_completed",
        })
    }
}
