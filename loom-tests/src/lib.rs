//! loom models of hive's scheduler, task cell and sync primitives.
//!
//! Every model lives in `tests/` and only builds with `--cfg loom`:
//!
//! ```text
//! RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=3 \
//!     CARGO_TARGET_DIR=target/loom cargo test --release -p hive-loom-tests
//! ```
//!
//! `runtime_*` models drive hive-runtime's real internals (exposed under
//! `cfg(loom)` as `hive_runtime::__loom`); `sync_*` models drive hive-sync;
//! `net_*` models drive hive-net's (`hive_net::__loom`). `process_orphans`
//! compiles hive-process's `orphan.rs` on its own (`#[path]`), so
//! hive-process is not built under loom at all. Every crate takes its
//! atomics, locks and threads from `hive-loom-shim`, so under `--cfg loom`
//! the shipped code runs on loom's primitives unchanged.
