//! The concurrency primitives this crate uses: `hive-loom-shim`'s, the one
//! definition every hive crate shares (std and `parking_lot` normally,
//! loom under `--cfg loom`). Call sites import `crate::loom::...`; nothing
//! else in the crate imports atomics, locks or threads directly (CI greps).

pub(crate) use hive_loom_shim::*;
