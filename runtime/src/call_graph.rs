//! Who awaits whom: asyncio 3.14's `capture_call_graph` / `print_call_graph`,
//! and the listings of every live task: `dump_tasks` and `all_tasks`.
//!
//! Each task header records the task that awaits it (one relaxed store when
//! a [`Task`](crate::Task) handle is polled inside a running task, or when a
//! [`TaskGroup`](crate::TaskGroup) spawns a child). A graph is built from a
//! snapshot of the registry: following those links upward gives the chain of
//! tasks awaiting a task, and inverting them gives the tasks it awaits. The
//! links are diagnostics, read without synchronisation: a graph is a
//! best-effort picture of a running program, as asyncio's is.

use crate::context;
use crate::loop_id::LoopId;
use crate::shared::Shared;
use crate::task::info::TaskInfo;
use crate::task::raw::{Header, TaskRef};
use crate::task::TaskId;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::time::Duration;

pub use crate::task::await_kind::AwaitKind;

/// One task in a [`CallGraph`]: who it is, and how its parent awaits it.
///
/// ```
/// # hive::run(async {
/// let graph = hive::capture_call_graph(None).unwrap();
/// assert_eq!(graph.root().name, "main");
/// # }).unwrap();
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallGraphNode {
    /// The task's id.
    pub id: TaskId,
    /// The task's name.
    pub name: String,
    /// The loop a pinned task belongs to; `None` for stealable tasks.
    pub loop_id: Option<LoopId>,
    /// How the parent node awaits this task; `None` for the root.
    pub via: Option<AwaitKind>,
    /// The tasks this one awaits (only below the captured task; the nodes
    /// above it list only the next link of the chain).
    pub awaits: Vec<CallGraphNode>,
}

/// The call graph of one task: the chain of tasks awaiting it, up to one
/// nobody awaits, and the tree of tasks it awaits (asyncio's
/// `capture_call_graph`). `Display` prints it as a tree.
///
/// ```
/// # hive::run(async {
/// let child = hive::task::Builder::new().name("child").spawn(std::future::pending::<()>());
/// let child_id = child.id();
/// let waiter = hive::task::Builder::new().name("waiter").spawn(async move { let _ = child.await; });
/// // Let both run until they wait.
/// while hive::capture_call_graph(Some(child_id)).unwrap().root().name != "waiter" {
///     hive::yield_now().await;
/// }
/// println!("{}", hive::capture_call_graph(Some(child_id)).unwrap());
/// waiter.cancel();
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.capture_call_graph")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallGraph {
    root: CallGraphNode,
    /// Depth of the captured task below the root (0: it is the root).
    depth: usize,
}

impl CallGraph {
    /// The outermost task of the chain (the captured task itself if nobody awaits it).
    ///
    /// ```
    /// # hive::run(async {
    /// assert_eq!(hive::capture_call_graph(None).unwrap().root().name, "main");
    /// # }).unwrap();
    /// ```
    pub fn root(&self) -> &CallGraphNode {
        &self.root
    }

    /// The captured task's node (with the tree of tasks it awaits).
    ///
    /// ```
    /// # hive::run(async {
    /// let g = hive::capture_call_graph(None).unwrap();
    /// assert_eq!(g.task().id, hive::current_task().unwrap().id());
    /// # }).unwrap();
    /// ```
    pub fn task(&self) -> &CallGraphNode {
        let mut node = &self.root;
        for _ in 0..self.depth {
            node = &node.awaits[0];
        }
        node
    }

    /// The tasks awaiting the captured one, nearest first.
    ///
    /// ```
    /// # hive::run(async {
    /// assert!(hive::capture_call_graph(None).unwrap().awaited_by().is_empty());
    /// # }).unwrap();
    /// ```
    pub fn awaited_by(&self) -> Vec<&CallGraphNode> {
        let mut chain = Vec::with_capacity(self.depth);
        let mut node = &self.root;
        for _ in 0..self.depth {
            chain.push(node);
            node = &node.awaits[0];
        }
        chain.reverse();
        chain
    }
}

impl fmt::Display for CallGraphNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(via) = self.via {
            write!(f, "[{via}] ")?;
        }
        write!(f, "{} (id {}", self.name, self.id)?;
        match self.loop_id {
            Some(id) => write!(f, ", {id})"),
            None => f.write_str(")"),
        }
    }
}

impl fmt::Display for CallGraph {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn line(
            f: &mut fmt::Formatter<'_>,
            node: &CallGraphNode,
            prefix: &str,
            last: bool,
            is_root: bool,
            marked: bool,
        ) -> fmt::Result {
            let connector = match (is_root, last) {
                (true, _) => "",
                (false, true) => "└── ",
                (false, false) => "├── ",
            };
            let mark = if marked { "  <- this task" } else { "" };
            writeln!(f, "{prefix}{connector}{node}{mark}")
        }
        fn tree(
            f: &mut fmt::Formatter<'_>,
            node: &CallGraphNode,
            prefix: &str,
            last: bool,
            is_root: bool,
            depth_to_mark: Option<usize>,
        ) -> fmt::Result {
            line(f, node, prefix, last, is_root, depth_to_mark == Some(0)).and_then(|()| {
                let child_prefix = match (is_root, last) {
                    (true, _) => String::new(),
                    (false, true) => format!("{prefix}    "),
                    (false, false) => format!("{prefix}│   "),
                };
                let n = node.awaits.len();
                for (i, child) in node.awaits.iter().enumerate() {
                    let mark = depth_to_mark.and_then(|d| d.checked_sub(1));
                    tree(f, child, &child_prefix, i + 1 == n, false, mark)?;
                }
                Ok(())
            })
        }
        tree(f, &self.root, "", true, true, Some(self.depth))
    }
}

struct Entry {
    name: String,
    loop_id: Option<LoopId>,
    awaiter: Option<(TaskId, AwaitKind)>,
}

fn entry(header: &Header) -> Entry {
    Entry {
        name: header.name(),
        loop_id: header.owner.map(LoopId),
        awaiter: header.awaiter(),
    }
}

/// Captures the call graph of task `id`, or of the current task for `None`
/// (asyncio's `capture_call_graph`). `None` if there is no such live task
/// (or no runtime).
///
/// ```
/// # hive::run(async {
/// let graph = hive::capture_call_graph(None).unwrap();
/// assert_eq!(graph.task().name, "main");
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.capture_call_graph")]
pub fn capture_call_graph(id: Option<TaskId>) -> Option<CallGraph> {
    let target = match id {
        Some(id) => id,
        None => crate::current_task()?.id(),
    };
    let shared = context::current_shared()?;
    let tasks: HashMap<TaskId, Entry> = shared
        .registry
        .snapshot()
        .iter()
        .filter(|t| !t.is_done())
        .map(|t| (t.header().id, entry(t.header())))
        .collect();
    build(&tasks, target)
}

fn build(tasks: &HashMap<TaskId, Entry>, target: TaskId) -> Option<CallGraph> {
    tasks.get(&target)?;
    let mut children: HashMap<TaskId, Vec<(TaskId, AwaitKind)>> = HashMap::new();
    for (&id, e) in tasks {
        if let Some((parent, kind)) = e.awaiter {
            if tasks.contains_key(&parent) {
                children.entry(parent).or_default().push((id, kind));
            }
        }
    }
    for list in children.values_mut() {
        list.sort_by_key(|(id, _)| *id);
    }
    let mut seen = HashSet::new();
    seen.insert(target);
    let mut node = subtree(tasks, &children, target, None, &mut seen);
    // Walk up the chain of awaiters, stopping at a cycle or a dead link.
    let mut depth = 0;
    let mut current = target;
    while let Some((parent, kind)) = tasks[&current].awaiter {
        if !seen.insert(parent) || !tasks.contains_key(&parent) {
            break;
        }
        node.via = Some(kind);
        let e = &tasks[&parent];
        node = CallGraphNode {
            id: parent,
            name: e.name.clone(),
            loop_id: e.loop_id,
            via: None,
            awaits: vec![node],
        };
        depth += 1;
        current = parent;
    }
    Some(CallGraph { root: node, depth })
}

fn subtree(
    tasks: &HashMap<TaskId, Entry>,
    children: &HashMap<TaskId, Vec<(TaskId, AwaitKind)>>,
    id: TaskId,
    via: Option<AwaitKind>,
    seen: &mut HashSet<TaskId>,
) -> CallGraphNode {
    let e = &tasks[&id];
    let mut awaits = Vec::new();
    for &(child, kind) in children.get(&id).map(Vec::as_slice).unwrap_or(&[]) {
        if seen.insert(child) {
            awaits.push(subtree(tasks, children, child, Some(kind), seen));
        }
    }
    CallGraphNode {
        id,
        name: e.name.clone(),
        loop_id: e.loop_id,
        via,
        awaits,
    }
}

/// The call graph of task `id` (or the current task) as text; empty if
/// there is no such task (asyncio's `format_call_graph`).
///
/// ```
/// # hive::run(async {
/// let text = hive::format_call_graph(None);
/// assert!(text.starts_with("main (id ") && text.ends_with(", loop 0)  <- this task\n"));
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.format_call_graph")]
pub fn format_call_graph(id: Option<TaskId>) -> String {
    capture_call_graph(id)
        .map(|g| g.to_string())
        .unwrap_or_default()
}

/// Prints the call graph of task `id` (or the current task) to stdout
/// (asyncio's `print_call_graph`).
///
/// ```
/// # hive::run(async {
/// hive::print_call_graph(None);
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.print_call_graph")]
pub fn print_call_graph(id: Option<TaskId>) {
    print!("{}", format_call_graph(id));
}

/// The call graph around a task given its header, for debug-mode reports:
/// unlike [`capture_call_graph`] it includes the task itself even when it
/// has just completed (a slow final poll, an error nobody retrieved), so the
/// report still shows who awaited it and what it was awaiting.
pub(crate) fn describe(shared: &Shared, header: &Header) -> String {
    let mut tasks: HashMap<TaskId, Entry> = shared
        .registry
        .snapshot()
        .iter()
        .filter(|t| !t.is_done())
        .map(|t| (t.header().id, entry(t.header())))
        .collect();
    tasks.insert(header.id, entry(header));
    build(&tasks, header.id)
        .map(|g| g.to_string())
        .unwrap_or_default()
}

/// What a task is doing, as seen by [`dump_tasks`].
///
/// ```
/// # hive::run(async {
/// let me = hive::dump_tasks().into_iter().find(|t| t.name == "main").unwrap();
/// assert_eq!(me.state, hive::TaskState::Running);
/// # }).unwrap();
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TaskState {
    /// In a run queue, waiting for a loop.
    Scheduled,
    /// Being polled right now, or queued again by its own yield
    /// ([`yield_now`](crate::yield_now), a spent budget): it keeps its turn.
    Running,
    /// Waiting for a wake-up (I/O, a timer, another task...).
    Waiting,
    /// Cancellation was requested; the task has not run since.
    Cancelling,
}

impl fmt::Display for TaskState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TaskState::Scheduled => "scheduled",
            TaskState::Running => "running",
            TaskState::Waiting => "waiting",
            TaskState::Cancelling => "cancelling",
        })
    }
}

/// One line of [`dump_tasks`]: a live task, its loop, state and age.
///
/// ```
/// # hive::run(async {
/// for task in hive::dump_tasks() {
///     println!("{task}");
/// }
/// # }).unwrap();
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct TaskDump {
    /// The task's id.
    pub id: TaskId,
    /// The task's name.
    pub name: String,
    /// The loop a pinned task belongs to; `None` for stealable tasks.
    pub loop_id: Option<LoopId>,
    /// What it is doing.
    pub state: TaskState,
    /// Time since it was spawned. The spawn is stamped from a cheap clock
    /// that ticks every 1 to 10 ms (Linux), so an age may read up to one tick long.
    pub age: Duration,
    /// The task awaiting it, and how, if any.
    pub awaited_by: Option<(TaskId, AwaitKind)>,
}

impl fmt::Display for TaskDump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (id {}) ", self.name, self.id)?;
        match self.loop_id {
            Some(id) => write!(f, "{id}")?,
            None => f.write_str("stealable")?,
        }
        write!(f, ", {}, age {:.3}s", self.state, self.age.as_secs_f64())?;
        if let Some((by, kind)) = self.awaited_by {
            write!(f, ", awaited by {by} via {kind}")?;
        }
        Ok(())
    }
}

/// `task`'s line of the dump, its age taken at `now` (one instant for the
/// whole dump, so that older tasks never show younger).
fn dump(task: &TaskRef, now: u64) -> Option<TaskDump> {
    let header = task.header();
    let s = header.state.load();
    if s.is_complete() {
        return None;
    }
    let state = if s.is_running() {
        TaskState::Running
    } else if s.is_cancel_requested() {
        TaskState::Cancelling
    } else if s.is_scheduled() {
        TaskState::Scheduled
    } else {
        TaskState::Waiting
    };
    Some(TaskDump {
        id: header.id,
        name: header.name(),
        loop_id: header.owner.map(LoopId),
        state,
        age: Duration::from_nanos(now.saturating_sub(header.spawned_at)),
        awaited_by: header.awaiter(),
    })
}

/// Every task of the current runtime that is not done yet (asyncio's
/// `all_tasks`), in task id order (spawn order on each loop); empty
/// outside a runtime. The runtime's own tasks (signal readers, such as the
/// Ctrl-C watcher of `hive::run`, and `add_signal_handler` callbacks) are
/// not listed, as asyncio's are not.
///
/// Every task spawned on this thread, and every stealable task, is listed
/// at once. A task pinned to another loop and spawned there is listed once
/// that loop publishes its spawns: before it next sleeps, and at least every
/// 61 ticks while it is busy (its registry journal saves a lock per task).
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
            let internal = shared.internal_tasks();
            shared
                .task_snapshot()
                .into_iter()
                .filter(|t| !t.is_done() && !internal.contains(&t.header().id))
                .map(TaskInfo)
                .collect()
        }
        None => Vec::new(),
    }
}

/// Every live task of the current runtime, in task id order (spawn order
/// on each loop), with its loop, state and age; empty outside a runtime. Like [`all_tasks`](crate::all_tasks)
/// it leaves out the runtime's own signal tasks.
///
/// ```
/// # hive::run(async {
/// let _bg = hive::task::Builder::new().name("bg").spawn(std::future::pending::<()>());
/// let dump = hive::dump_tasks();
/// assert!(dump.iter().any(|t| t.name == "bg"));
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.all_tasks")]
pub fn dump_tasks() -> Vec<TaskDump> {
    match context::current_shared() {
        Some(shared) => {
            let now = crate::task::age_clock::now_nanos();
            let internal = shared.internal_tasks();
            let tasks = shared.task_snapshot();
            tasks
                .iter()
                .filter(|task| !internal.contains(&task.header().id))
                .filter_map(|task| dump(task, now))
                .collect()
        }
        None => Vec::new(),
    }
}
