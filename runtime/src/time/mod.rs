//! Time: sleeping, timeouts, each loop's timer store, and the runtime's
//! clock (which tests may pause).

pub(crate) mod clock;
pub(crate) mod current;
pub(crate) mod sleep;
pub(crate) mod store;
pub(crate) mod timeout;

pub use clock::TimeError;
pub use current::{advance, is_paused, pause, resume};
pub use sleep::{sleep, sleep_until, Sleep};
pub use timeout::{timeout, timeout_at, Elapsed, Timeout, TimeoutHandle};
