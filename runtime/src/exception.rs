//! The loop's exception handler: where errors nobody retrieved end up.

use crate::loop_id::LoopId;
use crate::task::{TaskError, TaskId};

/// What went wrong, passed to the exception handler (asyncio's `context` dict).
///
/// ```
/// let rt = hive::Runtime::builder()
///     .exception_handler(|ctx: hive::ExceptionContext| eprintln!("{}: {}", ctx.message, ctx.error))
///     .build()
///     .unwrap();
/// # drop(rt);
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct ExceptionContext {
    /// A short description, e.g. "Task exception was never retrieved".
    pub message: String,
    /// The failed task's id, if a task failed (not a callback).
    pub task_id: Option<TaskId>,
    /// The failed task's name.
    pub task_name: Option<String>,
    /// The loop it happened on, when known.
    pub loop_id: Option<LoopId>,
    /// The error itself; a panic keeps its payload.
    pub error: TaskError,
    /// In debug mode, the call graph around the failed task (who awaited
    /// it, what it awaited), as [`format_call_graph`](crate::format_call_graph)
    /// prints it; `None` otherwise.
    pub call_graph: Option<String>,
}

/// A shared exception handler. A plain `std` `Arc`: loom's cannot hold an
/// unsized `dyn Fn`, and the handler is never part of a loom model.
pub(crate) type ExceptionHandler = std::sync::Arc<dyn Fn(ExceptionContext) + Send + Sync + 'static>;

/// The default handler (asyncio's `default_exception_handler`): a `tracing`
/// error naming the task.
///
/// ```
/// hive::default_exception_handler(hive::ExceptionContext::for_test("demo"));
/// ```
#[doc(alias = "loop.default_exception_handler")]
pub fn default_exception_handler(context: ExceptionContext) {
    tracing::error!(
        task.id = context.task_id.map(|id| id.as_u64()),
        task.name = context.task_name.as_deref(),
        loop_id = context.loop_id.map(|l| l.index()),
        call_graph = context.call_graph.as_deref(),
        "{}: {} (task {})",
        context.message,
        context.error,
        context.task_name.as_deref().unwrap_or("-"),
    );
}

impl ExceptionContext {
    /// A context for exercising a handler in tests: a panic with `message`.
    ///
    /// ```
    /// let ctx = hive::ExceptionContext::for_test("boom");
    /// assert_eq!(ctx.error.panic_message(), Some("boom"));
    /// ```
    pub fn for_test(message: &'static str) -> Self {
        ExceptionContext {
            message: "test".into(),
            task_id: None,
            task_name: None,
            loop_id: None,
            error: TaskError::Panicked(Box::new(message)),
            call_graph: None,
        }
    }
}
