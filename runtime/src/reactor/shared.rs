//! The part of a loop's reactor any thread may use: the mio registry
//! sources register with, and the slab from tokens to readiness state that
//! all three readiness routes deliver through (see the module docs).
//!
//! Part of the runtime's state (each loop's `LoopShared`), so it depends on
//! nothing above it; `IoSource` (`source.rs`), which finds the current
//! loop's reactor, sits above the scheduler.

use super::readiness::{self, ScheduledIo};
use super::rescue::Harvest;
use crate::loom::sync::{Arc, Mutex};
use std::io;
use std::mem::MaybeUninit;

/// The token of each loop's `mio::Waker`.
pub(crate) const WAKE_TOKEN: mio::Token = mio::Token(usize::MAX);

/// The part of a loop's reactor any thread may use.
pub(crate) struct ReactorShared {
    pub(crate) registry: mio::Registry,
    sources: Mutex<Slab>,
}

#[derive(Default)]
struct Slab {
    entries: Vec<Entry>,
    free: Vec<usize>,
}

#[derive(Default)]
struct Entry {
    generation: u32,
    io: Option<Arc<ScheduledIo>>,
}

fn token(index: usize, generation: u32) -> mio::Token {
    mio::Token(((generation as usize) << 32) | index)
}

/// How many targets one slab-lock hold collects (an epoll batch rarely has
/// more ready sources; more just take another round).
const DELIVER_BATCH: usize = 32;

fn split(token: mio::Token) -> (usize, u32) {
    (token.0 & 0xFFFF_FFFF, (token.0 >> 32) as u32)
}

impl ReactorShared {
    pub(crate) fn new(registry: mio::Registry) -> Self {
        ReactorShared {
            registry,
            sources: Mutex::new(Slab::default()),
        }
    }

    /// Registers `source` for both directions (edge-triggered).
    pub(crate) fn add(
        &self,
        source: &mut impl mio::event::Source,
    ) -> io::Result<(mio::Token, Arc<ScheduledIo>)> {
        let io = Arc::new(ScheduledIo::default());
        let token = {
            let mut slab = self.sources.lock();
            let index = match slab.free.pop() {
                Some(index) => index,
                None => {
                    slab.entries.push(Entry::default());
                    slab.entries.len() - 1
                }
            };
            let entry = &mut slab.entries[index];
            entry.generation = entry.generation.wrapping_add(1);
            entry.io = Some(io.clone());
            token(index, entry.generation)
        };
        let interest = mio::Interest::READABLE | mio::Interest::WRITABLE;
        if let Err(err) = self.registry.register(source, token, interest) {
            self.forget(token);
            return Err(err);
        }
        Ok((token, io))
    }

    /// Deregisters `source` and frees its token.
    pub(crate) fn remove(&self, token: mio::Token, source: &mut impl mio::event::Source) {
        // The fd may already be closed by the OS side; nothing to undo then.
        let _ = self.registry.deregister(source);
        self.forget(token);
    }

    fn forget(&self, token: mio::Token) {
        let (index, generation) = split(token);
        let mut slab = self.sources.lock();
        if let Some(entry) = slab.entries.get_mut(index) {
            if entry.generation == generation && entry.io.take().is_some() {
                slab.free.push(index);
            }
        }
    }

    /// Delivers a batch of events the owning loop polled; returns how many
    /// reached a live source.
    pub(crate) fn dispatch(&self, events: &mio::Events) -> usize {
        self.deliver(
            events
                .iter()
                .filter(|event| event.token() != WAKE_TOKEN)
                .map(|event| (event.token(), readiness::bits_of(event))),
        )
    }

    /// Delivers events a sibling took from this loop's instance.
    pub(crate) fn dispatch_harvest(&self, harvest: &Harvest) -> usize {
        self.deliver(harvest.iter().copied())
    }

    /// Where all three readiness routes meet (see the module docs).
    fn deliver(&self, events: impl Iterator<Item = (mio::Token, usize)>) -> usize {
        // Wakers run after the slab lock is released (a woken task may
        // register or drop a source), so targets are collected first: in a
        // stack batch, refilled while events remain, which keeps dispatch
        // free of allocation (a `Vec` here cost one per epoll batch: one
        // per echoed message).
        let mut events = events;
        // Uninitialised (no 512-byte fill per dispatch): slots `..len` are
        // written below and each is read exactly once after the lock. If a
        // waker panicked midway, the targets not yet woken would leak their
        // reference (never a double drop).
        let mut batch =
            [const { MaybeUninit::<(Arc<ScheduledIo>, usize)>::uninit() }; DELIVER_BATCH];
        let mut delivered = 0;
        loop {
            let mut len = 0;
            {
                let slab = self.sources.lock();
                while len < DELIVER_BATCH {
                    let Some((token, bits)) = events.next() else {
                        break;
                    };
                    let (index, generation) = split(token);
                    if let Some(Entry {
                        generation: g,
                        io: Some(io),
                    }) = slab.entries.get(index)
                    {
                        if *g == generation {
                            batch[len].write((io.clone(), bits));
                            len += 1;
                        }
                    }
                }
            }
            for slot in &batch[..len] {
                // SAFETY: slots `..len` were written in this round, and each
                // is read once (the next round overwrites them).
                let (io, bits) = unsafe { slot.assume_init_read() };
                io.add_bits(bits);
            }
            delivered += len;
            // A batch that is not full means the events ran out.
            if len < DELIVER_BATCH {
                return delivered;
            }
        }
    }
}
