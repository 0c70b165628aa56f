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
//! `cfg(loom)` as `hive_runtime::__loom`); `sync_*` models drive hive-sync.
