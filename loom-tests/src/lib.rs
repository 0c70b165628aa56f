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
//! `net_server`, `net_write_buffer` and `process_orphans` compile the
//! shipped file they check on its own (`#[path]`: `server_life.rs`,
//! `write_buffer.rs`, `orphan.rs`, which need only `std` and the shim), so
//! neither hive-net nor hive-process is built under loom at all;
//! `net_start_tls_handover` restates an order of statements it cannot
//! compile alone (its docs say why). Every crate takes its atomics, locks
//! and threads from `hive-loom-shim`, so under `--cfg loom` the shipped
//! code runs on loom's primitives unchanged.
