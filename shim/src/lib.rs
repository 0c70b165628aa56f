//! # hive-loom-shim
//!
//! The one place hive imports its concurrency primitives from. Each crate
//! re-exports this crate as its `crate::loom` module, so call sites read
//! `use crate::loom::sync::Mutex` everywhere and CI's guard allows atomics
//! and `parking_lot` in this crate only.
//!
//! Normally these are `std`'s atomics, `Arc` and threads and
//! `parking_lot`'s locks. Under `--cfg loom` they are loom's, so the code
//! that ships is the code the models in `hive-loom-tests` check. Both
//! builds expose the same API: where loom's differs from `parking_lot`'s
//! (poisoning, the `Condvar` wait signature, `UnsafeCell` access through
//! closures), the wrappers here take loom's shape or `parking_lot`'s and
//! give it to both.
//!
//! ```
//! use hive_loom_shim::sync::{Arc, Mutex};
//! let counter = Arc::new(Mutex::new(0));
//! *counter.lock() += 1;
//! assert_eq!(*counter.lock(), 1);
//! ```

#[cfg(not(loom))]
mod std_impl;
#[cfg(not(loom))]
pub use std_impl::*;

#[cfg(loom)]
mod loom_impl;
#[cfg(loom)]
pub use loom_impl::*;

mod sticky_flag;
pub use sticky_flag::StickyFlag;

/// `thread_local!` with a `const` initializer: normally std's, whose
/// `const { }` form makes each access a plain thread-relative load (no
/// "initialised yet?" check, and no destructor registration for types
/// without drop glue); under `--cfg loom` loom's, which has no `const`
/// form, so the same declaration is lazily initialised there. Use it for
/// thread-locals on hot paths whose initializer is a constant expression.
///
/// ```
/// hive_loom_shim::const_thread_local! {
///     /// How deep this thread is nested.
///     static DEPTH: std::cell::Cell<u32> = std::cell::Cell::new(0);
/// }
/// DEPTH.with(|d| d.set(d.get() + 1));
/// assert_eq!(DEPTH.with(|d| d.get()), 1);
/// ```
#[cfg(not(loom))]
#[macro_export]
macro_rules! const_thread_local {
    ($($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = $init:expr;)+) => {
        ::std::thread_local! {
            $($(#[$attr])* $vis static $name: $t = const { $init };)+
        }
    };
}

/// Loom's `thread_local!`, which has no `const` form (see the std build).
#[cfg(loom)]
#[macro_export]
macro_rules! const_thread_local {
    ($($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = $init:expr;)+) => {
        $crate::thread_local! {
            $($(#[$attr])* $vis static $name: $t = $init;)+
        }
    };
}
