//! # hive
//!
//! asyncio's programming model as a multi-core Rust runtime: a pool of
//! per-thread event loops ("the hive") sharing a work-stealing injector.
//!
//! * [`spawn`] gives a task any loop may run or steal (asyncio's
//!   `create_task`, spread over every core);
//! * [`spawn_local`] and [`spawn_on_loop`] give tasks pinned to one loop for
//!   life, with asyncio's one-thread-one-loop semantics: FIFO
//!   [`Loop::call_soon`], [`get_running_loop`], `!Send` futures allowed.
//!
//! ```
//! #[hive::main]
//! async fn main() {
//!     println!("Hello ...");
//!     hive::sleep(std::time::Duration::from_millis(10)).await;
//!     println!("... World!");
//! }
//! ```
//!
//! Errors for misuse are typed and say what to do: [`run`] inside a running
//! loop gives [`RunError::Nested`]; [`spawn_local`] off a loop gives
//! [`SpawnError::NotOnLoop`]. Cancellation drops the future at its await
//! point (its destructors run on its own loop): there is no `CancelledError`
//! to catch, and scoped forms ([`timeout`]) replace asyncio's `uncancel`.

pub use hive_macros::{main, test};
pub use hive_runtime::*;

/// asyncio's synchronization primitives and queues (`hive-sync`): fair,
/// cancel-safe, thread-safe, usable under any executor.
pub mod sync {
    pub use hive_sync::*;
}

/// Sockets, streams, servers, transports and protocols on the loops'
/// reactors (`hive-net`): asyncio's networking, spread over every core.
pub mod net {
    pub use hive_net::*;
}

/// Subprocesses (`hive-process`): asyncio's `create_subprocess_exec` /
/// `create_subprocess_shell`, with the child's pipes as `hive::net` streams
/// and its exit watched on the loop's reactor.
pub mod process {
    pub use hive_process::*;
}

/// HTTP on hyper 1.x (`hive-http`, cargo feature `http`): serve a hyper
/// `Service` or an axum `Router` on hive's servers (HTTP/1.1 and HTTP/2,
/// TLS with the `tls` feature), fetch URLs with a small pooled client, and
/// the `hyper::rt` adapters (I/O, executor, timer) for anything else built
/// on hyper.
#[cfg(feature = "http")]
pub mod http {
    pub use hive_http::*;
}
