//! Task identifiers.

use std::fmt;

/// A task's identifier, unique within its runtime; names default to `Task-<id>`.
///
/// Ids increase in spawn order on each loop; loops reserve them in blocks,
/// so ids of tasks spawned on different loops interleave by block.
///
/// ```
/// # hive::run(async {
/// let a = hive::spawn(async {});
/// let b = hive::spawn(async {});
/// assert_ne!(a.id(), b.id());
/// # }).unwrap();
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct TaskId(pub(crate) u64);

impl TaskId {
    /// The id as a number.
    ///
    /// ```
    /// # hive::run(async {
    /// assert!(hive::spawn(async {}).id().as_u64() > 0);
    /// # }).unwrap();
    /// ```
    pub fn as_u64(self) -> u64 {
        self.0
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}
