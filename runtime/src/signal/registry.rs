//! How a signal reaches tasks: per runtime and signal, one self-pipe.
//!
//! The first subscription to a signal in a runtime makes a non-blocking
//! socket pair, registers its write end with signal-hook (the handler only
//! `write`s a byte: async-signal-safe), and has the caller start a reader
//! task (pinned to loop 0, `signal::read_signals`) that drains the read end
//! and wakes every subscriber's mailbox. The registry itself only keeps the
//! routes: it is part of the runtime's state (`Shared::signals`), below the
//! scheduler, so it does not spawn.
//! The write end belongs to signal-hook, which closes it only when the action
//! is unregistered at shutdown, after which no handler can run: a late
//! signal can never write into a reused descriptor.
//!
//! signal-hook never restores a signal's default action by itself, so for
//! each signal hive also registers, once per process, a conditional default:
//! while no `Signal` is alive anywhere in the process, the signal does what
//! it would without hive (Ctrl-C still ends a program that stopped
//! listening, as asyncio restores the handler when `run` returns).

use super::kind::SignalKind;
use crate::loom::sync::atomic::{AtomicBool, Ordering};
use crate::loom::sync::{Arc, Mutex};
use crate::task::Task;
use std::collections::HashMap;
use std::io;
use std::os::unix::net::UnixStream;
use std::sync::{OnceLock, Weak};
use std::task::Waker;

/// A subscriber's inbox: set by the reader task, taken by `Signal::recv`.
#[derive(Default)]
pub(crate) struct Mailbox {
    pub(crate) pending: AtomicBool,
    pub(crate) waker: Mutex<Option<Waker>>,
    /// Set when the runtime's reader stopped: `recv` returns `None`.
    pub(crate) closed: AtomicBool,
}

impl Mailbox {
    pub(crate) fn deliver(&self) {
        self.pending.store(true, Ordering::Release);
        if let Some(waker) = self.waker.lock().take() {
            waker.wake();
        }
    }
    fn close(&self) {
        self.closed.store(true, Ordering::Release);
        if let Some(waker) = self.waker.lock().take() {
            waker.wake();
        }
    }
}

pub(crate) type Subscribers = Arc<Mutex<Vec<Weak<Mailbox>>>>;

struct Route {
    action: signal_hook::SigId,
    subscribers: Subscribers,
    reader: Task<()>,
}

/// One runtime's signal routes.
#[derive(Default)]
pub(crate) struct RuntimeSignals {
    routes: Mutex<HashMap<i32, Route>>,
    /// `Loop::add_signal_handler` tasks, by (loop, signal).
    pub(crate) handlers: Mutex<HashMap<(usize, i32), Task<()>>>,
}

/// For one signal number: how many `Signal`s listen, and the flag that
/// makes signal-hook run the default action while none does.
struct Listeners {
    unheard: Arc<AtomicBool>,
    count: usize,
}

fn defaults() -> &'static Mutex<HashMap<i32, Listeners>> {
    static DEFAULTS: OnceLock<Mutex<HashMap<i32, Listeners>>> = OnceLock::new();
    DEFAULTS.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Counts live subscriptions to `signal` across the process.
pub(crate) fn listening(signal: i32, delta: isize) -> io::Result<()> {
    let mut table = defaults().lock();
    let entry = match table.entry(signal) {
        std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
        std::collections::hash_map::Entry::Vacant(slot) => {
            let unheard = Arc::new(AtomicBool::new(true));
            signal_hook::flag::register_conditional_default(signal, unheard.clone())?;
            slot.insert(Listeners { unheard, count: 0 })
        }
    };
    entry.count = entry.count.saturating_add_signed(delta);
    entry.unheard.store(entry.count == 0, Ordering::SeqCst);
    Ok(())
}

impl RuntimeSignals {
    /// The ids of the tasks this runtime runs for its own signal machinery
    /// (each signal's reader, each `add_signal_handler` callback), which
    /// `all_tasks`/`dump_tasks` leave out as asyncio does. Asked only by
    /// those listings, so spawning a user task pays nothing for it.
    pub(crate) fn internal_tasks(&self) -> Vec<crate::task::TaskId> {
        let mut ids: Vec<_> = self.routes.lock().values().map(|r| r.reader.id()).collect();
        ids.extend(self.handlers.lock().values().map(Task::id));
        ids
    }

    /// Subscribes a new mailbox to `kind`, setting up the route if needed:
    /// then `start_reader` starts the task that reads the route's self-pipe
    /// and delivers to its subscribers.
    pub(crate) fn subscribe(
        &self,
        kind: SignalKind,
        start_reader: impl FnOnce(UnixStream, Subscribers) -> Task<()>,
    ) -> io::Result<Arc<Mailbox>> {
        let signal = kind.0;
        if signal_hook::consts::FORBIDDEN.contains(&signal) || !(1..=64).contains(&signal) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{kind} cannot be handled by a program (the OS reserves it); pick another signal"),
            ));
        }
        listening(signal, 1)?;
        let mailbox = Arc::new(Mailbox::default());
        let mut routes = self.routes.lock();
        if let Some(route) = routes.get(&signal) {
            route.subscribers.lock().push(Arc::downgrade(&mailbox));
            return Ok(mailbox);
        }
        let pair = UnixStream::pair().and_then(|(r, w)| {
            r.set_nonblocking(true)?;
            w.set_nonblocking(true)?;
            Ok((r, w))
        });
        let (read_end, write_end) = match pair {
            Ok(pair) => pair,
            Err(err) => {
                let _ = listening(signal, -1);
                return Err(err);
            }
        };
        let subscribers: Subscribers = Arc::new(Mutex::new(vec![Arc::downgrade(&mailbox)]));
        let reader = start_reader(read_end, subscribers.clone());
        // signal-hook takes the write end and closes it when the action is
        // unregistered, after which no handler can touch it.
        let action = match signal_hook::low_level::pipe::register(signal, write_end) {
            Ok(action) => action,
            Err(err) => {
                reader.cancel();
                let _ = listening(signal, -1);
                return Err(err);
            }
        };
        routes.insert(
            signal,
            Route {
                action,
                subscribers,
                reader,
            },
        );
        Ok(mailbox)
    }

    /// Unhooks every signal of this runtime; called at shutdown.
    pub(crate) fn close(&self) {
        self.handlers.lock().clear();
        for (_, route) in self.routes.lock().drain() {
            // Afterwards no handler runs, and signal-hook closes the write end.
            signal_hook::low_level::unregister(route.action);
            route.reader.cancel();
            for mailbox in route.subscribers.lock().iter().filter_map(Weak::upgrade) {
                mailbox.close();
            }
        }
    }
}
