//! Idle loops elect one watcher of every reactor; the others sleep on their
//! bells, which I/O never rings, and a loop that is the only one idle (every
//! sibling busy) sleeps in its own reactor without claiming the role. The
//! models check that readiness on the reactor of a sleeping loop is still
//! taken, whichever place each loop chose (`WatchRole::choose`, the real
//! rule) and whenever the event and a spurious notification land, and that
//! a busy loop stands in for the watcher when none is elected.
//!
//! The root epoll instance is modelled as a list of loops whose instance
//! gained events (edge-triggered: each edge is reported to one waiter), each
//! loop's instance as a list of events. A loop's reactor wake posts a wake
//! event to its instance, which (as in the kernel) makes the root report it.
#![cfg(loom)]

use hive_runtime::__loom::{
    Bell, DriverWaker, Idle, OwnSleep, Parker, SearchState, SleepIn, WatchRole,
};
use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use loom::sync::{Arc, Condvar, Mutex};
use loom::thread;

const WAKE: u32 = 0;
const IO: u32 = 1;
const LOOPS: usize = 2;

#[derive(Default)]
struct Root {
    edges: Mutex<Vec<usize>>,
    condvar: Condvar,
}

impl Root {
    fn post(&self, index: usize) {
        self.edges.lock().unwrap().push(index);
        self.condvar.notify_all();
    }

    /// The watcher's `epoll_wait` on the root, with no timeout.
    fn wait(&self) -> Vec<usize> {
        let mut edges = self.edges.lock().unwrap();
        while edges.is_empty() {
            edges = self.condvar.wait(edges).unwrap();
        }
        std::mem::take(&mut *edges)
    }

    /// A busy loop's look at the root, with a zero timeout.
    fn poll(&self) -> Vec<usize> {
        std::mem::take(&mut *self.edges.lock().unwrap())
    }
}

/// Every loop's instance, the root over them, and the bells.
struct Reactors {
    instances: [Mutex<Vec<u32>>; LOOPS],
    /// Signalled when an instance gains events: a loop asleep in its own.
    gained: Condvar,
    root: Root,
    bells: [Bell; LOOPS],
}

impl Reactors {
    fn post(&self, index: usize, event: u32) {
        self.instances[index].lock().unwrap().push(event);
        self.gained.notify_all();
        self.root.post(index);
    }

    fn harvest(&self, index: usize) -> Vec<u32> {
        std::mem::take(&mut *self.instances[index].lock().unwrap())
    }

    /// A loop's `epoll_wait` on its own instance, with no timeout: its
    /// events (the root still saw the edge, and may report it to a watcher
    /// who then finds the instance empty).
    fn wait_own(&self, index: usize) -> Vec<u32> {
        let mut events = self.instances[index].lock().unwrap();
        while events.is_empty() {
            events = self.gained.wait(events).unwrap();
        }
        std::mem::take(&mut *events)
    }
}

struct LoopWaker {
    reactors: Arc<Reactors>,
    index: usize,
}

impl DriverWaker for LoopWaker {
    fn wake(&self) {
        self.reactors.post(self.index, WAKE);
    }

    fn ring_bell(&self) {
        self.reactors.bells[self.index].ring();
    }
}

struct World {
    reactors: Arc<Reactors>,
    parkers: Vec<Parker<LoopWaker>>,
    idle: Idle,
    role: WatchRole,
    own_sleeps: [OwnSleep; LOOPS],
    taken: AtomicUsize,
    done: AtomicBool,
}

impl World {
    fn new() -> Arc<Self> {
        let reactors = Arc::new(Reactors {
            instances: Default::default(),
            gained: Condvar::new(),
            root: Root::default(),
            bells: Default::default(),
        });
        let parkers = (0..LOOPS)
            .map(|index| {
                Parker::new(LoopWaker {
                    reactors: reactors.clone(),
                    index,
                })
            })
            .collect();
        Arc::new(World {
            reactors,
            parkers,
            idle: Idle::new(LOOPS),
            role: WatchRole::default(),
            own_sleeps: Default::default(),
            taken: AtomicUsize::new(0),
            done: AtomicBool::new(false),
        })
    }

    /// Takes the events of the loops the root reported, as the watcher
    /// (or a busy loop standing in for it) does; the I/O event's task ends
    /// the model by waking every loop to exit.
    /// (A loop asleep in its own reactor is left to take its own.)
    fn take(&self, ready: Vec<usize>) {
        for index in ready {
            if !self.own_sleeps[index].leave_to_owner() {
                let events = self.reactors.harvest(index);
                self.handle(index, events);
            }
        }
    }

    /// The stand-in of `watch_for_sleepers`, for a loop that never parks.
    fn stand_in_until_done(&self) {
        while !self.done.load(Ordering::SeqCst) {
            if self.role.needs_stand_in() {
                self.take(self.reactors.root.poll());
            }
            thread::yield_now();
        }
    }

    /// Handles events taken from loop `index`'s instance.
    fn handle(&self, index: usize, events: Vec<u32>) {
        for event in events {
            if event == WAKE {
                self.parkers[index].redeliver_wake();
            } else {
                self.taken.fetch_add(1, Ordering::SeqCst);
                self.done.store(true, Ordering::SeqCst);
                for parker in &self.parkers {
                    parker.unpark();
                }
            }
        }
    }

    /// One loop with nothing to run: the real park sequence, with the real
    /// election, until the I/O has been taken.
    fn idle_loop(&self, me: usize) {
        let mut search = SearchState::default();
        while !self.done.load(Ordering::SeqCst) {
            let (mut ready, mut own) = (None, None);
            self.idle.park_or_retry(
                me,
                &mut search,
                |_| self.done.load(Ordering::SeqCst),
                || {
                    if self.own_sleeps[me].take_skipped() {
                        // A watcher left events here: look before sleeping.
                        let events = self.reactors.harvest(me);
                        if !events.is_empty() {
                            own = Some(events);
                            return;
                        }
                    }
                    match self.role.choose(me, self.idle.sleepers()) {
                        SleepIn::Own => {
                            // Its own wake is among its events, as in the
                            // runtime: the parker's unpark posts it there.
                            self.own_sleeps[me].begin();
                            self.parkers[me].park(|| own = Some(self.reactors.wait_own(me)));
                            self.own_sleeps[me].end();
                        }
                        SleepIn::Root => {
                            self.parkers[me].park(|| ready = Some(self.reactors.root.wait()));
                            self.role.release(me);
                        }
                        SleepIn::Bell => {
                            self.role.on_bell(|| {
                                self.parkers[me]
                                    .park_on_bell(|| self.reactors.bells[me].sleep(None))
                            });
                        }
                    }
                },
            );
            if let Some(events) = own {
                // Its own wake just ended its own sleep: nothing to pass on.
                self.handle(me, events.into_iter().filter(|&e| e != WAKE).collect());
            }
            if let Some(ready) = ready {
                self.take(ready);
            }
        }
    }
}

/// Runs every loop idle while `act` posts events from the main thread;
/// checks that the one I/O event was taken once every loop has exited.
fn with_idle_loops(act: impl FnOnce(&World)) {
    let world = World::new();
    let loops: Vec<_> = (0..LOOPS)
        .map(|me| {
            let world = world.clone();
            thread::spawn(move || world.idle_loop(me))
        })
        .collect();
    act(&world);
    for handle in loops {
        handle.join().unwrap();
    }
    assert_eq!(world.taken.load(Ordering::SeqCst), 1);
}

#[test]
fn io_for_a_loop_asleep_on_its_bell_reaches_the_watcher() {
    loom::model(|| {
        with_idle_loops(|world| world.reactors.post(1, IO));
    });
}

#[test]
fn a_watcher_woken_for_nothing_hands_the_role_back() {
    loom::model(|| {
        with_idle_loops(|world| {
            // A spurious notification (a spawn another loop took first) may
            // reach the watcher before, during or after its wait.
            world.parkers[0].unpark();
            world.reactors.post(0, IO);
        });
    });
}

#[test]
fn a_busy_loop_stands_in_for_a_missing_watcher() {
    loom::model(|| {
        let world = World::new();
        // Loop 0 is idle and watches: loop 1, parking meanwhile, falls
        // asleep on its bell (or, parking once loop 0 has left the idle
        // set, in its own reactor). Then loop 0 wakes with work, gives the
        // role back and stays busy: it never parks, and between tasks it
        // looks at the root when loops sleep and none watches
        // (`watch_for_sleepers`).
        let mut sleeper = None;
        world.idle.park_or_retry(
            0,
            &mut SearchState::default(),
            |_| false,
            || {
                assert!(world.role.try_claim(0));
                sleeper = Some({
                    let world = world.clone();
                    thread::spawn(move || world.idle_loop(1))
                });
                world.reactors.post(1, IO);
                world.role.release(0);
            },
        );
        world.stand_in_until_done();
        sleeper.unwrap().join().unwrap();
        assert_eq!(world.taken.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn a_loop_alone_in_the_idle_set_sleeps_in_its_own_reactor() {
    loom::model(|| {
        let world = World::new();
        // Loop 0 is busy (never in the idle set): loop 1 sleeps in its own
        // reactor, and its I/O wakes it there, while loop 0 may stand in at
        // the root meanwhile; either way the event is taken once.
        let sleeper = {
            let world = world.clone();
            thread::spawn(move || world.idle_loop(1))
        };
        world.reactors.post(1, IO);
        world.stand_in_until_done();
        sleeper.join().unwrap();
        assert_eq!(world.taken.load(Ordering::SeqCst), 1);
        assert!(!world.role.is_held());
    });
}
