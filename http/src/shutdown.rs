//! [`Shutdown`]: a server's graceful-shutdown signal, delivered to each
//! connection through an event of its own.
//!
//! One shared `Event` would be simpler, but every connection polls its
//! signal on every wake, and one lock polled by every connection on every
//! core bounces its cache line between cores on every request. Here the
//! shared registry is touched once when a connection starts and once when
//! it ends; the per-request check is on the connection's own event, which
//! only its own task and `close` ever lock.

use hive_sync::Event;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::Arc;

/// The signal; `close` reaches every registered connection.
#[derive(Default)]
pub(crate) struct Shutdown {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    closed: bool,
    next: u64,
    conns: HashMap<u64, Arc<Event>>,
}

impl Shutdown {
    /// Signals every connection, now and later.
    pub(crate) fn close(&self) {
        let mut st = self.state.lock();
        st.closed = true;
        for event in st.conns.values() {
            event.set();
        }
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.state.lock().closed
    }

    /// The signal for one connection, set already if the server closed
    /// before this connection got to start.
    pub(crate) fn register(&self) -> ConnShutdown<'_> {
        let event = Arc::new(Event::new());
        let mut st = self.state.lock();
        if st.closed {
            event.set();
        }
        let key = st.next;
        st.next += 1;
        st.conns.insert(key, event.clone());
        ConnShutdown {
            owner: self,
            key,
            event,
        }
    }
}

/// One connection's view of the signal; leaves the registry on drop.
pub(crate) struct ConnShutdown<'a> {
    owner: &'a Shutdown,
    key: u64,
    event: Arc<Event>,
}

impl ConnShutdown<'_> {
    pub(crate) fn event(&self) -> &Event {
        &self.event
    }
}

impl Drop for ConnShutdown<'_> {
    fn drop(&mut self) {
        self.owner.state.lock().conns.remove(&self.key);
    }
}
