//! `Builder`: how many loops, and the runtime's tunables.

use crate::blocking::BlockingPool;
use crate::event_loop::core::LoopCore;

use crate::exception::{default_exception_handler, ExceptionContext, ExceptionHandler};
use crate::loom::sync::atomic::AtomicU64;
use crate::loom::sync::{Arc, Mutex};
use crate::metrics::LoopCounters;
use crate::reactor::{ReactorShared, RescueHandle, Watch, WAKE_TOKEN};
use crate::runtime::Runtime;
use crate::scheduler::bell::Bell;
use crate::scheduler::inbox::Inbox;
use crate::scheduler::parker::Parker;
use crate::scheduler::queue::Local;
use crate::shared::{Config, LoopShared, LoopWaker, Shared};
use crate::time::store::Timers;
use std::io;
use std::time::Duration;

/// Configures and builds a [`Runtime`].
///
/// ```
/// let rt = hive::Runtime::builder()
///     .loops(2)
///     .debug(true)
///     .slow_callback_duration(std::time::Duration::from_millis(50))
///     .build()
///     .unwrap();
/// assert_eq!(rt.loop_ids().len(), 2);
/// ```
#[must_use = "a Builder does nothing until build() is called"]
pub struct Builder {
    loops: Option<usize>,
    config: Config,
    max_blocking_threads: usize,
    blocking_keep_alive: Duration,
    shutdown_timeout: Duration,
    exception_handler: ExceptionHandler,
    thread_stack_size: Option<usize>,
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

impl Builder {
    /// The defaults: one loop per CPU, debug off, fairness constants as in DESIGN.md.
    ///
    /// ```
    /// let _b = hive::Builder::new();
    /// ```
    pub fn new() -> Self {
        Builder {
            loops: None,
            config: Config {
                debug: false,
                slow_callback_duration: Duration::from_millis(100),
                global_queue_interval: 61,
                event_interval: 61,
                coop_budget: 128,
                max_stealable_per_tick: 61,
                lifo_polls_in_a_row: 3,
                idle_watcher: true,
                yield_before_park: true,
                start_paused: false,
            },
            max_blocking_threads: 512,
            blocking_keep_alive: Duration::from_secs(10),
            shutdown_timeout: Duration::from_secs(10),
            exception_handler: std::sync::Arc::new(default_exception_handler),
            thread_stack_size: None,
        }
    }

    /// Number of loops (threads); defaults to the number of CPUs. At least 1.
    ///
    /// ```
    /// let rt = hive::Builder::new().loops(1).build().unwrap();
    /// assert_eq!(rt.loop_ids().len(), 1);
    /// ```
    pub fn loops(mut self, loops: usize) -> Self {
        self.loops = Some(loops.max(1));
        self
    }

    /// asyncio's debug mode: log every task poll or callback slower than
    /// [`slow_callback_duration`](Builder::slow_callback_duration).
    ///
    /// ```
    /// let _rt = hive::Builder::new().loops(1).debug(true).build().unwrap();
    /// ```
    #[doc(alias = "set_debug")]
    pub fn debug(mut self, debug: bool) -> Self {
        self.config.debug = debug;
        self
    }

    /// The threshold for debug mode's slow-poll warning (default 100 ms).
    ///
    /// ```
    /// let _b = hive::Builder::new().slow_callback_duration(std::time::Duration::from_millis(10));
    /// ```
    #[doc(alias = "loop.slow_callback_duration")]
    pub fn slow_callback_duration(mut self, threshold: Duration) -> Self {
        self.config.slow_callback_duration = threshold;
        self
    }

    /// How often (in task polls) a busy loop takes from the shared injector
    /// before its own queue, so injected work is never starved (default 61).
    ///
    /// ```
    /// let _b = hive::Builder::new().global_queue_interval(31);
    /// ```
    pub fn global_queue_interval(mut self, polls: u32) -> Self {
        self.config.global_queue_interval = polls.max(1);
        self
    }

    /// How often (in task polls) a busy loop polls its reactor (default 61).
    ///
    /// ```
    /// let _b = hive::Builder::new().event_interval(31);
    /// ```
    pub fn event_interval(mut self, polls: u32) -> Self {
        self.config.event_interval = polls.max(1);
        self
    }

    /// Ready operations a task may perform in one poll before it must yield
    /// (default 128).
    ///
    /// ```
    /// let _b = hive::Builder::new().coop_budget(64);
    /// ```
    pub fn coop_budget(mut self, operations: u32) -> Self {
        self.config.coop_budget = operations.max(1);
        self
    }

    /// How many tasks in a row a loop may run from its LIFO slot, where a
    /// stealable task woken or spawned by the running task waits to run next
    /// (default 3: enough for a request/response pair to bounce on hot
    /// caches, few enough that two tasks waking each other cannot starve the
    /// queue). After that many, the slot's task goes to the back of the
    /// queue. 0 turns the slot off: every stealable task then queues FIFO
    /// behind the loop's local queue, as in asyncio, at some cost to
    /// request/response patterns (`ping_pong` runs about 25% slower).
    ///
    /// ```
    /// let _rt = hive::Builder::new().loops(1).lifo_polls_in_a_row(0).build().unwrap();
    /// ```
    pub fn lifo_polls_in_a_row(mut self, polls: u32) -> Self {
        self.config.lifo_polls_in_a_row = polls;
        self
    }

    /// Whether idle loops elect one of them to watch every loop's reactor
    /// while the others sleep where I/O cannot wake them (default `true`,
    /// Linux only; elsewhere, and with `false`, each idle loop sleeps in its
    /// own reactor).
    ///
    /// With a watcher, a trickle of readiness wakes one thread, which runs
    /// the woken tasks and wakes a sibling only when work queues behind it,
    /// as tokio's shared driver does; busy loops still poll their own
    /// reactors, so the I/O stays spread under load. Turn it off for
    /// thread-per-core serving, where every connection's task is pinned to
    /// the loop whose reactor it is registered with (hive-net's per-loop
    /// listeners): there each loop is best woken by its own sockets, not
    /// through the watcher.
    ///
    /// The cost, as with tokio's shared driver: a watcher that wakes gives
    /// the role up while it runs what it found, and siblings already asleep
    /// on their bells stay asleep; if that loop then runs a task that does
    /// not yield for a long time and no other loop is awake, their sockets
    /// wait for it (any loop that goes idle, or reaches its
    /// `event_interval`, looks at every reactor for them).
    ///
    /// ```
    /// let _rt = hive::Builder::new().loops(2).idle_watcher(false).build().unwrap();
    /// ```
    pub fn idle_watcher(mut self, enabled: bool) -> Self {
        self.config.idle_watcher = enabled;
        self
    }

    /// Whether a loop that runs out of work while it is being woken often
    /// (its last sleep lasted under 200 µs) first gives its core away once
    /// (`sched_yield`) and polls its reactor again before it sleeps
    /// (default `true`).
    ///
    /// Under a steady stream of requests this trades a sleep and a wake
    /// (the dearest thing a loop does: tens of microseconds on a VM) for two
    /// cheap syscalls; a loop under light load, whose sleeps are longer,
    /// parks straight away and pays nothing, and a loop whose yields mostly
    /// find nothing (fewer than two in three) stops yielding until they
    /// might pay again. Turn it off to keep a loop's
    /// CPU time to the strict minimum when that matters more than latency
    /// and throughput under load.
    ///
    /// ```
    /// let _rt = hive::Builder::new().loops(2).yield_before_park(false).build().unwrap();
    /// ```
    pub fn yield_before_park(mut self, enabled: bool) -> Self {
        self.config.yield_before_park = enabled;
        self
    }

    /// Starts the runtime's clock paused, for tests of timing logic
    /// (tokio's `start_paused`): sleeps and timeouts end when
    /// [`time::advance`](crate::time::advance) moves the clock, or at once
    /// in order when every loop is idle (the clock jumps to the earliest
    /// timer). See [`time::pause`](crate::time::pause).
    ///
    /// ```
    /// let rt = hive::Builder::new().loops(2).start_paused(true).build().unwrap();
    /// rt.run(async {
    ///     let lp = hive::get_running_loop().unwrap();
    ///     let start = lp.time();
    ///     hive::sleep(std::time::Duration::from_secs(86_400)).await;
    ///     assert!(lp.time() - start >= std::time::Duration::from_secs(86_400));
    /// }).unwrap();
    /// ```
    pub fn start_paused(mut self, paused: bool) -> Self {
        self.config.start_paused = paused;
        self
    }

    /// Upper bound on blocking-pool threads (default 512): the pool that
    /// `to_thread` and `run_in_executor` use, so this is where asyncio's
    /// `loop.set_default_executor(ThreadPoolExecutor(max_workers=n))` goes.
    ///
    /// ```
    /// let _b = hive::Builder::new().max_blocking_threads(16);
    /// ```
    #[doc(alias = "set_default_executor")]
    #[doc(alias = "loop.set_default_executor")]
    pub fn max_blocking_threads(mut self, threads: usize) -> Self {
        self.max_blocking_threads = threads.max(1);
        self
    }

    /// How long an idle blocking thread waits for work before exiting (default 10 s).
    ///
    /// ```
    /// let _b = hive::Builder::new().blocking_keep_alive(std::time::Duration::from_secs(1));
    /// ```
    pub fn blocking_keep_alive(mut self, keep_alive: Duration) -> Self {
        self.blocking_keep_alive = keep_alive;
        self
    }

    /// How long dropping the runtime waits for cancelled tasks and blocking
    /// jobs before giving up on them (default 10 s).
    ///
    /// ```
    /// let _b = hive::Builder::new().shutdown_timeout(std::time::Duration::from_secs(1));
    /// ```
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = timeout;
        self
    }

    /// Stack size of each loop thread.
    ///
    /// ```
    /// let _b = hive::Builder::new().thread_stack_size(4 << 20);
    /// ```
    pub fn thread_stack_size(mut self, bytes: usize) -> Self {
        self.thread_stack_size = Some(bytes);
        self
    }

    /// Where errors nobody retrieved go (asyncio's `set_exception_handler`);
    /// the default is [`default_exception_handler`](crate::default_exception_handler).
    ///
    /// ```
    /// let _b = hive::Builder::new().exception_handler(|ctx: hive::ExceptionContext| eprintln!("{}", ctx.error));
    /// ```
    #[doc(alias = "set_exception_handler")]
    pub fn exception_handler(
        mut self,
        handler: impl Fn(ExceptionContext) + Send + Sync + 'static,
    ) -> Self {
        self.exception_handler = std::sync::Arc::new(handler);
        self
    }

    /// Starts the loops.
    ///
    /// # Errors
    /// When a reactor or a thread cannot be created.
    ///
    /// ```
    /// let rt = hive::Builder::new().loops(2).build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn build(self) -> io::Result<Runtime> {
        let loops = self.loops.unwrap_or_else(num_cpus::get).max(1);
        let mut states = Vec::with_capacity(loops);
        let mut parts = Vec::with_capacity(loops);
        // Timer deadlines are published as nanoseconds after this; a
        // deadline before it counts as due.
        let epoch = std::time::Instant::now();
        for _ in 0..loops {
            let poll = mio::Poll::new()?;
            let waker = mio::Waker::new(poll.registry(), WAKE_TOKEN)?;
            let registry = poll.registry().try_clone()?;
            let (local, stealer) = Local::new();
            states.push(LoopShared {
                stealer,
                inbox: Inbox::default(),
                parker: Parker::new(LoopWaker {
                    reactor: waker,
                    bell: Bell::default(),
                }),
                timers: Timers::new(epoch),
                reactor: ReactorShared::new(registry),
                rescue: RescueHandle::new(&poll)?,
                io_polls: AtomicU64::new(0),
                counters: LoopCounters::default(),
                thread: Mutex::new(None),
            });
            parts.push((poll, local));
        }
        let watched: Vec<&mio::Poll> = if self.config.idle_watcher {
            parts.iter().map(|(poll, _)| poll).collect()
        } else {
            Vec::new()
        };
        let watch = Watch::new(&watched)?;
        let blocking = BlockingPool::new(self.max_blocking_threads, self.blocking_keep_alive);
        let shared = Arc::new(Shared::new(
            states.into_boxed_slice(),
            watch,
            self.config,
            blocking,
            self.exception_handler,
        ));
        let mut threads = Vec::with_capacity(loops);
        for (index, (poll, local)) in parts.into_iter().enumerate() {
            let mut builder = std::thread::Builder::new().name(format!("hive-loop-{index}"));
            if let Some(size) = self.thread_stack_size {
                builder = builder.stack_size(size);
            }
            let loop_shared = shared.clone();
            let spawned =
                builder.spawn(move || LoopCore::new(index, loop_shared, local, poll).run());
            match spawned {
                Ok(handle) => threads.push(handle),
                Err(err) => {
                    shared.stop_loops();
                    for handle in threads {
                        let _ = handle.join();
                    }
                    return Err(err);
                }
            }
        }
        Ok(Runtime::from_parts(shared, threads, self.shutdown_timeout))
    }
}
