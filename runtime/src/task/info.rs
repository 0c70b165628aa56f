//! `current_task`, `all_tasks` and `TaskInfo`.

use super::id::TaskId;
use super::raw::TaskRef;
use crate::context;
use crate::event_loop::LoopId;
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
    context::current_task().map(|ptr| TaskInfo(unsafe { TaskRef::clone_from_ptr(ptr) }))
}

/// Every task of the current runtime that is not done yet (asyncio's
/// `all_tasks`), in spawn order; empty outside a runtime. The runtime's own
/// tasks (signal readers, such as the Ctrl-C watcher of `hive::run`, and
/// `add_signal_handler` callbacks) are not listed, as asyncio's are not.
///
/// ```
/// # hive::run(async {
/// let _t = hive::spawn(std::future::pending::<()>());
/// assert!(hive::all_tasks().len() >= 2); // main and _t
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.all_tasks")]
pub fn all_tasks() -> Vec<TaskInfo> {
    match context::current_shared() {
        Some(shared) => {
            let internal = internal_tasks(&shared);
            shared
                .registry
                .snapshot()
                .into_iter()
                .filter(|t| !t.is_done() && !internal.contains(&t.header().id))
                .map(TaskInfo)
                .collect()
        }
        None => Vec::new(),
    }
}

/// The runtime's own tasks, which the listings leave out (none under loom,
/// whose builds have no signals).
pub(crate) fn internal_tasks(shared: &crate::shared::Shared) -> Vec<TaskId> {
    #[cfg(not(loom))]
    return shared.signals.internal_tasks();
    #[cfg(loom)]
    {
        let _ = shared;
        Vec::new()
    }
}
