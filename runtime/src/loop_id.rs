//! [`LoopId`], a leaf: the task cell's introspection (`task::info`) names
//! loops without depending on the loop itself.

use std::fmt;

/// Names one loop of a runtime; loops are numbered from 0.
///
/// ```
/// # hive::run(async {
/// let ids = hive::loop_ids();
/// assert_eq!(ids[0].index(), 0);
/// assert_eq!(hive::current_loop_id(), Some(ids[0])); // run() starts main on loop 0
/// # }).unwrap();
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct LoopId(pub(crate) usize);

impl LoopId {
    /// The loop's number, `0..loops`.
    ///
    /// ```
    /// # hive::run(async {
    /// assert_eq!(hive::current_loop_id().unwrap().index(), 0);
    /// # }).unwrap();
    /// ```
    pub fn index(self) -> usize {
        self.0
    }
}

impl fmt::Display for LoopId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "loop {}", self.0)
    }
}
