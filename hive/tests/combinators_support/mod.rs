//! Helpers shared by the combinator tests.
#![allow(dead_code)] // each test binary uses its own subset

use hive::Promise;

/// Settles a promise when dropped: tells the test a child's future is gone.
pub struct SignalOnDrop(pub Promise<()>);

impl Drop for SignalOnDrop {
    fn drop(&mut self) {
        let _ = self.0.set_result(());
    }
}

/// The runtime every combinator test runs on: two loops, so children
/// really run beside their parent.
pub fn rt() -> hive::Runtime {
    hive::Runtime::builder().loops(2).build().unwrap()
}
