//! Where a task keeps its context variables: the storage half of
//! `crate::contextvars`, a leaf so the task header can hold a [`Slot`]
//! without the task folder importing anything above it.

use crate::loom::sync::Arc;
use std::any::Any;
use std::cell::Cell;

/// A type-erased value (boxed so the runtime's `Arc` shim, which cannot
/// hold unsized types, can share it).
pub(crate) type Value = Arc<Box<dyn Any + Send + Sync>>;

/// An immutable map from variable keys to values; small, so a vector.
pub(crate) struct Vars {
    pub(crate) entries: Vec<(usize, Value)>,
}

impl Vars {
    pub(crate) fn lookup<T: Clone + 'static>(&self, key: usize) -> Option<T> {
        self.entries
            .iter()
            .find(|(k, _)| *k == key)
            .and_then(|(_, v)| downcast::<T>(v))
            .cloned()
    }
}

pub(crate) fn downcast<T: 'static>(value: &Value) -> Option<&T> {
    let boxed: &Box<dyn Any + Send + Sync> = value;
    (**boxed).downcast_ref::<T>()
}

/// Where a context lives: a task's header, a thread, or a `Context::run`
/// frame. Only the thread running that task, thread or frame touches it.
#[derive(Default)]
pub(crate) struct Slot {
    pub(crate) vars: Cell<Option<Arc<Vars>>>,
}

impl Slot {
    pub(crate) fn new(vars: Option<Arc<Vars>>) -> Self {
        Slot {
            vars: Cell::new(vars),
        }
    }

    /// Fills a new task's slot before it first runs.
    pub(crate) fn install(&self, vars: Option<Arc<Vars>>) {
        self.vars.set(vars);
    }

    /// The current map (a reference count, or nothing).
    pub(crate) fn snapshot(&self) -> Option<Arc<Vars>> {
        let vars = self.vars.take();
        let copy = vars.clone();
        self.vars.set(vars);
        copy
    }

    /// What identifies this slot to a token: its address.
    pub(crate) fn owner(&self) -> usize {
        self as *const Slot as usize
    }

    pub(crate) fn lookup<T: Clone + 'static>(&self, key: usize) -> Option<T> {
        let vars = self.vars.take();
        let found = vars.as_ref().and_then(|v| v.lookup::<T>(key));
        self.vars.set(vars);
        found
    }

    /// Sets (or with `None`, removes) `key`, copying the map; returns the
    /// previous value.
    pub(crate) fn replace(&self, key: usize, value: Option<Value>) -> Option<Value> {
        let vars = self.vars.take();
        let mut entries = vars.as_ref().map_or_else(Vec::new, |v| v.entries.clone());
        let at = entries.iter().position(|(k, _)| *k == key);
        let previous = match (at, value) {
            (Some(i), Some(value)) => Some(std::mem::replace(&mut entries[i].1, value)),
            (Some(i), None) => Some(entries.swap_remove(i).1),
            (None, Some(value)) => {
                entries.push((key, value));
                None
            }
            (None, None) => None,
        };
        self.vars.set(if entries.is_empty() {
            None
        } else {
            Some(Arc::new(Vars { entries }))
        });
        previous
    }
}
