//! Context variables: asyncio's `contextvars`, carried by tasks.
//!
//! A [`Context`] is an immutable map from [`ContextVar`]s to values, shared
//! by reference: copying one is an `Arc` clone (or nothing, for the empty
//! context every program starts with). `ContextVar::set` replaces the
//! current context with a new map holding the new value (copy on write), so
//! a copy taken earlier never sees later changes, as in asyncio.
//!
//! Where "the current context" lives:
//! * inside [`Context::run`], in that context (the innermost `run` wins);
//! * in a task, in the task's own slot (a field of its header, only touched
//!   by the thread polling it): filled at spawn with the spawner's context,
//!   or with the one given to [`Builder::context`](crate::task::Builder::context);
//! * anywhere else, in a per-thread slot (the thread's own context).
//!
//! Cost for programs that never set a variable: one relaxed load of a
//! process-wide flag per spawn and per scheduled callback (`EVER_SET`);
//! polling does nothing. Once any variable was set, a spawn copies the
//! spawner's slot (an `Arc` count, or nothing for an empty context).

// `THREAD_SLOT` has no `const` initializer (`Slot::default` is not const).
#![allow(clippy::missing_const_for_thread_local)]

use crate::loom::sync::Arc;
use crate::loom::{const_thread_local, thread_local, StickyFlag};
use crate::task::context_slot::{downcast, Slot, Value, Vars};
use crate::task::raw::Header;
use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;
use std::ptr::NonNull;

/// A variable whose value depends on the task (or [`Context::run`]) reading
/// it (asyncio's `contextvars.ContextVar`).
///
/// Declare one as a `static`; a spawned task starts with a copy of its
/// spawner's values, and what it sets stays its own.
///
/// ```
/// use hive::contextvars::ContextVar;
/// static REQUEST_ID: ContextVar<u64> = ContextVar::new("request_id");
///
/// # hive::run(async {
/// REQUEST_ID.set(7);
/// let child = hive::spawn(async {
///     let inherited = REQUEST_ID.get();
///     REQUEST_ID.set(8); // the child's own copy
///     inherited
/// });
/// assert_eq!(child.await.unwrap(), Some(7));
/// assert_eq!(REQUEST_ID.get(), Some(7));
/// # }).unwrap();
/// ```
#[doc(alias = "contextvars.ContextVar")]
pub struct ContextVar<T> {
    name: &'static str,
    default: Option<T>,
}

impl<T> ContextVar<T> {
    /// A variable with no default: [`get`](ContextVar::get) gives `None`
    /// until it is set.
    ///
    /// ```
    /// static USER: hive::contextvars::ContextVar<String> = hive::contextvars::ContextVar::new("user");
    /// assert_eq!(USER.get(), None);
    /// ```
    pub const fn new(name: &'static str) -> Self {
        ContextVar {
            name,
            default: None,
        }
    }

    /// A variable whose value is `default` until it is set (asyncio's
    /// `ContextVar(name, default=...)`).
    ///
    /// ```
    /// static LEVEL: hive::contextvars::ContextVar<u8> =
    ///     hive::contextvars::ContextVar::with_default("level", 3);
    /// assert_eq!(LEVEL.get(), Some(3));
    /// ```
    pub const fn with_default(name: &'static str, default: T) -> Self {
        ContextVar {
            name,
            default: Some(default),
        }
    }

    /// The name it was declared with (asyncio's `ContextVar.name`).
    ///
    /// ```
    /// static V: hive::contextvars::ContextVar<u8> = hive::contextvars::ContextVar::new("v");
    /// assert_eq!(V.name(), "v");
    /// ```
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// What identifies this variable in a context: its address (a `static`
    /// never moves nor dies, which the `&'static self` receivers ensure).
    fn key(&'static self) -> usize {
        self as *const Self as usize
    }
}

impl<T: Clone + Send + Sync + 'static> ContextVar<T> {
    /// The value in the current context, else the default, else `None`
    /// (asyncio's `ContextVar.get`).
    ///
    /// ```
    /// static V: hive::contextvars::ContextVar<&str> = hive::contextvars::ContextVar::new("v");
    /// V.set("here");
    /// assert_eq!(V.get(), Some("here"));
    /// ```
    #[doc(alias = "ContextVar.get")]
    pub fn get(&'static self) -> Option<T> {
        with_current(|slot| slot.lookup::<T>(self.key())).or_else(|| self.default.clone())
    }

    /// Sets the value in the current context, giving a [`Token`] that can
    /// restore the previous one (asyncio's `ContextVar.set`).
    ///
    /// ```
    /// static V: hive::contextvars::ContextVar<u32> = hive::contextvars::ContextVar::new("v");
    /// let token = V.set(1);
    /// assert_eq!(V.get(), Some(1));
    /// V.reset(token).unwrap();
    /// assert_eq!(V.get(), None);
    /// ```
    #[doc(alias = "ContextVar.set")]
    pub fn set(&'static self, value: T) -> Token<T> {
        // Before the value can reach any other task (module docs).
        EVER_SET.set();
        let value: Value = Arc::new(Box::new(value));
        let (previous, owner) = with_current(|slot| {
            let previous = slot.replace(self.key(), Some(value));
            (previous, slot.owner())
        });
        Token {
            var: self,
            previous,
            owner,
            _value: PhantomData,
        }
    }

    /// Puts back the value the variable had before the `set` that gave
    /// `token` (asyncio's `ContextVar.reset`).
    ///
    /// # Errors
    /// [`ResetError`] when the token came from another variable or was made
    /// in another context (another task, another [`Context::run`]); nothing
    /// changes then.
    ///
    /// ```
    /// static V: hive::contextvars::ContextVar<u32> = hive::contextvars::ContextVar::with_default("v", 0);
    /// let token = V.set(5);
    /// V.reset(token).unwrap();
    /// assert_eq!(V.get(), Some(0));
    /// ```
    #[doc(alias = "ContextVar.reset")]
    pub fn reset(&'static self, token: Token<T>) -> Result<(), ResetError> {
        if !std::ptr::eq(token.var, self) {
            return Err(ResetError::OtherVariable {
                token_var: token.var.name,
                var: self.name,
            });
        }
        with_current(|slot| {
            if slot.owner() != token.owner {
                return Err(ResetError::OtherContext { var: self.name });
            }
            slot.replace(self.key(), token.previous);
            Ok(())
        })
    }
}

impl<T> fmt::Debug for ContextVar<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ContextVar")
            .field("name", &self.name)
            .finish()
    }
}

/// What [`ContextVar::set`] returns: the way back to the previous value
/// (asyncio's `contextvars.Token`).
///
/// ```
/// static V: hive::contextvars::ContextVar<u8> = hive::contextvars::ContextVar::new("v");
/// let first = V.set(1);
/// let second = V.set(2);
/// assert_eq!(second.old_value(), Some(1));
/// assert_eq!(first.old_value(), None);
/// ```
#[doc(alias = "contextvars.Token")]
pub struct Token<T: 'static> {
    var: &'static ContextVar<T>,
    previous: Option<Value>,
    owner: usize,
    _value: PhantomData<fn() -> T>,
}

impl<T: Clone + 'static> Token<T> {
    /// The variable it belongs to (asyncio's `Token.var`).
    ///
    /// ```
    /// static V: hive::contextvars::ContextVar<u8> = hive::contextvars::ContextVar::new("v");
    /// assert_eq!(V.set(1).var().name(), "v");
    /// ```
    pub fn var(&self) -> &'static ContextVar<T> {
        self.var
    }

    /// The value before the `set`, `None` if it was unset (asyncio's
    /// `Token.old_value`, `Token.MISSING`).
    ///
    /// ```
    /// static V: hive::contextvars::ContextVar<u8> = hive::contextvars::ContextVar::new("v");
    /// assert_eq!(V.set(1).old_value(), None);
    /// ```
    pub fn old_value(&self) -> Option<T> {
        self.previous.as_ref().and_then(downcast::<T>).cloned()
    }
}

impl<T> fmt::Debug for Token<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("var", &self.var.name)
            .finish()
    }
}

/// Why [`ContextVar::reset`] refused a token (asyncio's `ValueError`).
///
/// ```
/// static A: hive::contextvars::ContextVar<u8> = hive::contextvars::ContextVar::new("a");
/// static B: hive::contextvars::ContextVar<u8> = hive::contextvars::ContextVar::new("b");
/// let err = B.reset(A.set(1)).unwrap_err();
/// println!("{err}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResetError {
    /// The token was made by another variable's `set`.
    OtherVariable {
        /// The variable that made the token.
        token_var: &'static str,
        /// The variable asked to reset.
        var: &'static str,
    },
    /// The token was made in another context (another task or `Context::run`).
    OtherContext {
        /// The variable asked to reset.
        var: &'static str,
    },
}

impl fmt::Display for ResetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResetError::OtherVariable { token_var, var } => write!(
                f,
                "this token was made by ContextVar {token_var:?}, not {var:?}; \
                 reset it with the variable that set it"
            ),
            ResetError::OtherContext { var } => write!(
                f,
                "this token for ContextVar {var:?} was made in another context (another task \
                 or Context::run); reset it where it was set, or just set the value again"
            ),
        }
    }
}

impl std::error::Error for ResetError {}

/// A snapshot of context variables (asyncio's `contextvars.Context`).
///
/// ```
/// use hive::contextvars::{Context, ContextVar};
/// static V: ContextVar<u8> = ContextVar::new("v");
///
/// V.set(1);
/// let mut snapshot = Context::copy_current();
/// V.set(2);
/// assert_eq!(snapshot.get(&V), Some(1));
/// // Code run in the snapshot sees and changes the snapshot:
/// snapshot.run(|| drop(V.set(3)));
/// assert_eq!(snapshot.get(&V), Some(3));
/// assert_eq!(V.get(), Some(2));
/// ```
#[doc(alias = "contextvars.Context")]
#[derive(Clone, Default)]
pub struct Context {
    vars: Option<Arc<Vars>>,
}

impl Context {
    /// An empty context (asyncio's `Context()`).
    ///
    /// ```
    /// let empty = hive::contextvars::Context::new();
    /// # drop(empty);
    /// ```
    pub fn new() -> Self {
        Context::default()
    }

    /// A copy of the current context (asyncio's `copy_context()`); cheap:
    /// one reference count.
    ///
    /// ```
    /// let here = hive::contextvars::Context::copy_current();
    /// # drop(here);
    /// ```
    #[doc(alias = "copy_context")]
    pub fn copy_current() -> Self {
        Context {
            vars: with_current(|slot| slot.snapshot()),
        }
    }

    /// Runs `f` with this context as the current one; what `f` sets stays
    /// in this context (asyncio's `Context.run`).
    ///
    /// ```
    /// use hive::contextvars::{Context, ContextVar};
    /// static V: ContextVar<u8> = ContextVar::new("v");
    /// let mut ctx = Context::new();
    /// ctx.run(|| drop(V.set(9)));
    /// assert_eq!(ctx.get(&V), Some(9));
    /// assert_eq!(V.get(), None);
    /// ```
    #[doc(alias = "Context.run")]
    pub fn run<R>(&mut self, f: impl FnOnce() -> R) -> R {
        let slot = Slot::new(self.vars.take());
        let frame = RunFrame::enter(&slot);
        let out = f();
        drop(frame);
        self.vars = slot.vars.take();
        out
    }

    /// The value `var` has in this context (asyncio's `ctx[var]` /
    /// `ctx.get(var)`), without its default.
    ///
    /// ```
    /// use hive::contextvars::{Context, ContextVar};
    /// static V: ContextVar<u8> = ContextVar::with_default("v", 1);
    /// assert_eq!(Context::new().get(&V), None);
    /// ```
    pub fn get<T: Clone + Send + Sync + 'static>(&self, var: &'static ContextVar<T>) -> Option<T> {
        self.vars
            .as_ref()
            .and_then(|vars| vars.lookup::<T>(var.key()))
    }

    /// Whether no variable is set in it.
    ///
    /// ```
    /// assert!(hive::contextvars::Context::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.vars.is_none()
    }

    /// Installs this context as the one a new task starts with.
    pub(crate) fn into_slot_value(self) -> Option<Arc<Vars>> {
        self.vars
    }
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let len = self.vars.as_ref().map_or(0, |vars| vars.entries.len());
        f.debug_struct("Context").field("vars", &len).finish()
    }
}

/// A `Context::run` frame: its slot, and the task it was entered in (a task
/// polled inside the frame, as an eager child is, keeps its own context).
type Frame = (NonNull<Slot>, Option<NonNull<Header>>);

const_thread_local! {
    /// The innermost `Context::run` frame on this thread, if any.
    static RUN_FRAME: Cell<Option<Frame>> = Cell::new(None);
}

thread_local! {
    /// The thread's own context, for code outside tasks and `run` frames.
    static THREAD_SLOT: Slot = Slot::default();
}

/// Marks `slot` as the current context until dropped.
struct RunFrame {
    previous: Option<Frame>,
}

impl RunFrame {
    fn enter(slot: &Slot) -> Self {
        let frame = (NonNull::from(slot), crate::task::current::current_task());
        RunFrame {
            previous: RUN_FRAME.with(|current| current.replace(Some(frame))),
        }
    }
}

impl Drop for RunFrame {
    fn drop(&mut self) {
        RUN_FRAME.with(|frame| frame.set(self.previous));
    }
}

/// Runs `f` on the current context's slot.
fn with_current<R>(f: impl FnOnce(&Slot) -> R) -> R {
    let task = crate::task::current::current_task();
    if let Some((slot, entered_in)) = RUN_FRAME.with(Cell::get) {
        if entered_in == task {
            // SAFETY: a frame is registered only while `Context::run` holds
            // its slot on the stack below us, and unregistered before it
            // returns.
            return f(unsafe { slot.as_ref() });
        }
    }
    if let Some(task) = task {
        // SAFETY: the current task's header is alive while it is polled,
        // which is when `current_task` returns it; its slot is only touched
        // by the thread polling it.
        return f(&unsafe { task.as_ref() }.context);
    }
    THREAD_SLOT.with(|slot| f(slot))
}

/// Set by the first `ContextVar::set` in the process: until then every
/// context is empty, and spawning (or scheduling a callback) skips the copy
/// with one load. Seen from any thread that could hold a non-empty context,
/// since that context came to it after the set (`StickyFlag`'s docs).
static EVER_SET: StickyFlag = StickyFlag::new();

/// Gives a new task (not yet queued) the spawner's context.
pub(crate) fn inherit(task: &Header) {
    if !EVER_SET.is_set() {
        return;
    }
    let context = Context::copy_current();
    if !context.is_empty() {
        task.context.install(context.into_slot_value());
    }
}

/// Wraps a callback or blocking function so it runs in a copy of the
/// caller's context (asyncio's `call_soon(cb, context=None)` and
/// `to_thread`); for the empty context it only costs a `None`.
pub(crate) fn carry<R>(
    f: impl FnOnce() -> R + Send + 'static,
) -> impl FnOnce() -> R + Send + 'static {
    let context = if EVER_SET.is_set() {
        Some(Context::copy_current()).filter(|context| !context.is_empty())
    } else {
        None
    };
    move || match context {
        Some(mut context) => context.run(f),
        None => f(),
    }
}
