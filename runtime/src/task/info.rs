//! `current_task`, `all_tasks` and `TaskInfo`.

use super::current;
use super::id::TaskId;
use super::raw::TaskRef;
use crate::loop_id::LoopId;
use std::fmt;

/// A type-erased view of a live task: its identity, and a way to cancel it.
///
/// ```
/// # hive::run(async {
/// let me = hive::current_task().unwrap();
/// assert!(!me.is_done());
/// println!("{} runs on {:?}", me.name(), me.loop_id());
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct TaskInfo(pub(crate) TaskRef);

impl TaskInfo {
    /// The task's id.
    ///
    /// ```
    /// # hive::run(async {
    /// let t = hive::spawn(std::future::pending::<()>());
    /// assert!(hive::all_tasks().iter().any(|i| i.id() == t.id()));
    /// t.cancel();
    /// # }).unwrap();
    /// ```
    pub fn id(&self) -> TaskId {
        self.0.header().id
    }

    /// The task's name.
    ///
    /// ```
    /// # hive::run(async {
    /// assert_eq!(hive::current_task().unwrap().name(), "main");
    /// let child = hive::spawn(async { hive::current_task().unwrap().name() });
    /// assert!(child.await.unwrap().starts_with("Task-"));
    /// # }).unwrap();
    /// ```
    #[doc(alias = "get_name")]
    pub fn name(&self) -> String {
        self.0.header().name()
    }

    /// The loop a pinned task is bound to; `None` for stealable tasks.
    ///
    /// ```
    /// # hive::run(async {
    /// // run() pins the main task to loop 0.
    /// assert_eq!(hive::current_task().unwrap().loop_id(), Some(hive::loop_ids()[0]));
    /// # }).unwrap();
    /// ```
    pub fn loop_id(&self) -> Option<LoopId> {
        self.0.header().owner.map(LoopId)
    }

    /// Whether the task has completed.
    ///
    /// ```
    /// # hive::run(async {
    /// assert!(!hive::current_task().unwrap().is_done());
    /// # }).unwrap();
    /// ```
    #[doc(alias = "done")]
    pub fn is_done(&self) -> bool {
        self.0.is_done()
    }

    /// Requests cancellation; `false` if already complete.
    ///
    /// ```
    /// # hive::run(async {
    /// let t = hive::spawn(std::future::pending::<()>());
    /// let info = hive::all_tasks().into_iter().find(|i| i.id() == t.id()).unwrap();
    /// assert!(info.cancel());
    /// assert!(t.await.unwrap_err().is_cancelled());
    /// # }).unwrap();
    /// ```
    pub fn cancel(&self) -> bool {
        self.0.cancel()
    }
}

impl fmt::Debug for TaskInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskInfo")
            .field("id", &self.id())
            .field("name", &self.name())
            .field("loop", &self.loop_id())
            .field("done", &self.is_done())
            .finish()
    }
}

/// The task being polled on this thread (asyncio's `current_task`).
///
/// ```
/// # hive::run(async {
/// let t = hive::spawn(async { hive::current_task().unwrap().id() });
/// let id = t.id();
/// assert_eq!(t.await.unwrap(), id);
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.current_task")]
pub fn current_task() -> Option<TaskInfo> {
    // SAFETY: the pointer is set only while its task is being polled on this
    // thread (the poll's queue entry keeps the cell alive), and it is the
    // entry's own pointer, with the allocation's provenance.
    current::current_task().map(|ptr| TaskInfo(unsafe { TaskRef::clone_from_ptr(ptr) }))
}
