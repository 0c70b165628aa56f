//! Time: sleeping, timeouts, and each loop's timer store.

pub(crate) mod sleep;
pub(crate) mod store;
pub(crate) mod timeout;

pub use sleep::{sleep, sleep_until, Sleep};
pub use timeout::{timeout, timeout_at, Elapsed, Timeout, TimeoutHandle};
