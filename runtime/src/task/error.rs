//! Why a task produced no value.

use std::any::Any;
use std::fmt;

/// Why awaiting a [`Task`](crate::Task) gave no value: it was cancelled, or it panicked.
///
/// ```
/// # hive::run(async {
/// let task = hive::spawn(async { panic!("boom") });
/// let err = task.await.unwrap_err();
/// assert!(err.is_panic());
/// assert_eq!(err.panic_message(), Some("boom"));
/// # }).unwrap();
/// ```
#[doc(alias = "CancelledError")]
pub enum TaskError {
    /// The task was cancelled before it finished (asyncio's `CancelledError`).
    Cancelled,
    /// The task panicked; the payload is kept so it can be inspected or resumed.
    Panicked(Box<dyn Any + Send + 'static>),
}

impl TaskError {
    /// `true` for [`TaskError::Cancelled`].
    ///
    /// ```
    /// assert!(hive::TaskError::Cancelled.is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self, TaskError::Cancelled)
    }

    /// `true` for [`TaskError::Panicked`].
    ///
    /// ```
    /// assert!(!hive::TaskError::Cancelled.is_panic());
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self, TaskError::Panicked(_))
    }

    /// The panic message, when the payload is a string (as `panic!` makes it).
    ///
    /// ```
    /// let err = hive::TaskError::Panicked(Box::new("oops"));
    /// assert_eq!(err.panic_message(), Some("oops"));
    /// ```
    pub fn panic_message(&self) -> Option<&str> {
        match self {
            TaskError::Panicked(payload) => payload_message(payload.as_ref()),
            TaskError::Cancelled => None,
        }
    }

    /// Gives back the panic payload, e.g. for `std::panic::resume_unwind`.
    ///
    /// ```
    /// let err = hive::TaskError::Panicked(Box::new(7_u32));
    /// assert_eq!(*err.into_panic().unwrap().downcast::<u32>().unwrap(), 7);
    /// ```
    pub fn into_panic(self) -> Result<Box<dyn Any + Send + 'static>, TaskError> {
        match self {
            TaskError::Panicked(payload) => Ok(payload),
            other => Err(other),
        }
    }
}

pub(crate) fn payload_message(payload: &(dyn Any + Send)) -> Option<&str> {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        Some(s)
    } else {
        payload.downcast_ref::<String>().map(String::as_str)
    }
}

impl fmt::Debug for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskError::Cancelled => f.write_str("Cancelled"),
            TaskError::Panicked(_) => match self.panic_message() {
                Some(msg) => write!(f, "Panicked({msg:?})"),
                None => f.write_str("Panicked(..)"),
            },
        }
    }
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskError::Cancelled => f.write_str("task was cancelled before it finished"),
            TaskError::Panicked(_) => match self.panic_message() {
                Some(msg) => write!(f, "task panicked: {msg}"),
                None => f.write_str("task panicked (non-string payload; see into_panic)"),
            },
        }
    }
}

impl std::error::Error for TaskError {}
