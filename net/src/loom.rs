//! The concurrency primitives this crate uses: `hive-loom-shim`'s, the one
//! definition every hive crate shares (std and `parking_lot` normally,
//! loom under `--cfg loom`). Call sites import `crate::loom::sync::...`;
//! nothing else in the crate imports atomics or locks directly (CI greps).

/// The shim's `sync`, except `Arc`, which is std's in both builds:
/// hive-net uses `self: &Arc<Self>` receivers and `Arc<dyn Fn>` handlers,
/// which loom's `Arc` cannot express. It is only a reference count; the
/// atomics and locks that order the shared state stay loom's under loom.
pub(crate) mod sync {
    pub(crate) use hive_loom_shim::sync::*;
    pub(crate) use std::sync::Arc;
}
