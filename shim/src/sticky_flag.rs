//! A process-wide flag that only ever goes from unset to set: a `static`
//! fast path ("has anyone ever used this feature?") for code that costs
//! something only once the feature is in use.
//!
//! The same `std` atomic in both builds, deliberately: a `static` needs a
//! `const` constructor, which loom's atomics lack, and loom objects may not
//! outlive one model run anyway. What it guards needs no modelling: it is
//! set before the state it announces is published, and that state reaches
//! other threads only through synchronisation the models do check (a
//! task's queue hand-off), which makes the set visible there too; a reader
//! that sees it unset can only have an empty state to skip.

use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

/// Unset until [`set`](StickyFlag::set); never unset again.
///
/// ```
/// static USED: hive_loom_shim::StickyFlag = hive_loom_shim::StickyFlag::new();
/// assert!(!USED.is_set());
/// USED.set();
/// assert!(USED.is_set());
/// ```
pub struct StickyFlag(AtomicBool);

impl StickyFlag {
    /// An unset flag (usable in a `static`).
    pub const fn new() -> Self {
        StickyFlag(AtomicBool::new(false))
    }

    /// Sets it. Relaxed: readers rely on the happens-before of whatever
    /// carried the guarded state to them, not on this store (module docs).
    pub fn set(&self) {
        if !self.0.load(Relaxed) {
            self.0.store(true, Relaxed);
        }
    }

    /// Whether it was ever set (as seen by this thread; see `set`).
    pub fn is_set(&self) -> bool {
        self.0.load(Relaxed)
    }
}

impl Default for StickyFlag {
    fn default() -> Self {
        StickyFlag::new()
    }
}
