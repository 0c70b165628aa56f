//! Idle loops elect one watcher of every reactor; the others sleep on their
//! bells, which I/O never rings. The models check that readiness on the
//! reactor of a loop asleep on its bell is still taken, whichever loop
//! claims the role and whenever the event and a spurious notification land,
//! and that a busy loop stands in for the watcher when none is elected.
//!
//! The root epoll instance is modelled as a list of loops whose instance
//! gained events (edge-triggered: each edge is reported to one waiter), each
//! loop's instance as a list of events. A loop's reactor wake posts a wake
//! event to its instance, which (as in the kernel) makes the root report it.
#![cfg(loom)]

use hive_runtime::__loom::{Bell, DriverWaker, Idle, Parker, SearchState, WatchRole};
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
    root: Root,
    bells: [Bell; LOOPS],
}

impl Reactors {
    fn post(&self, index: usize, event: u32) {
        self.instances[index].lock().unwrap().push(event);
        self.root.post(index);
    }

    fn harvest(&self, index: usize) -> Vec<u32> {
        std::mem::take(&mut *self.instances[index].lock().unwrap())
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
    taken: AtomicUsize,
    done: AtomicBool,
}

impl World {
    fn new() -> Arc<Self> {
        let reactors = Arc::new(Reactors {
            instances: Default::default(),
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
            taken: AtomicUsize::new(0),
            done: AtomicBool::new(false),
        })
    }

    /// Takes the events of the loops the root reported, as the watcher
    /// (or a busy loop standing in for it) does; the I/O event's task ends
    /// the model by waking every loop to exit.
    fn take(&self, ready: Vec<usize>) {
        for index in ready {
            for event in self.reactors.harvest(index) {
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
    }

    /// One loop with nothing to run: the real park sequence, with the real
    /// election, until the I/O has been taken.
    fn idle_loop(&self, me: usize) {
        let mut search = SearchState::default();
        while !self.done.load(Ordering::SeqCst) {
            let mut ready = None;
            self.idle.park_or_retry(
                me,
                &mut search,
                |_| self.done.load(Ordering::SeqCst),
                || {
                    if self.role.try_claim(me) {
                        self.parkers[me].park(|| ready = Some(self.reactors.root.wait()));
                        self.role.release(me);
                    } else {
                        self.parkers[me].park_on_bell(|| self.reactors.bells[me].sleep(None));
                    }
                },
            );
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
        // Loop 0 watches, so loop 1 falls asleep on its bell; then loop 0
        // wakes with work, gives the role back and stays busy: it never
        // parks, and between tasks it looks at the root when loops sleep
        // and none watches (`watch_for_sleepers`).
        assert!(world.role.try_claim(0));
        let sleeper = {
            let world = world.clone();
            thread::spawn(move || world.idle_loop(1))
        };
        world.reactors.post(1, IO);
        world.role.release(0);
        while !world.done.load(Ordering::SeqCst) {
            if !world.role.is_held() && world.idle.has_sleepers() {
                world.take(world.reactors.root.poll());
            }
            thread::yield_now();
        }
        sleeper.join().unwrap();
        assert_eq!(world.taken.load(Ordering::SeqCst), 1);
    });
}
