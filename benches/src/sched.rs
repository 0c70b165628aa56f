//! Where the CPU went during a benchmark run, per thread, from Linux's
//! `/proc/self/task/*/{schedstat,status}`.
//!
//! On a 2-core box with the load generator in the same process, latency
//! tails come from the OS scheduler: a thread that is runnable but waits for
//! a core. These counters say how much of that each side saw, and how much
//! CPU and how many context switches the server spent per message, figures
//! that (unlike wall-clock time) barely move with the machine's noise.
//!
//! ```
//! let before = hive_benches::sched::Snapshot::take();
//! let after = hive_benches::sched::Snapshot::take();
//! let spent = after.since(&before);
//! assert!(spent.generator.run_ns <= 1_000_000_000);
//! ```

use std::collections::HashMap;

/// One thread's counters (or several threads' summed).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ThreadTimes {
    /// Time on a CPU, nanoseconds.
    pub run_ns: u64,
    /// Time runnable but waiting for a CPU, nanoseconds.
    pub wait_ns: u64,
    /// Context switches the thread asked for (it blocked).
    pub voluntary: u64,
    /// Context switches forced on it (preempted).
    pub involuntary: u64,
}

impl ThreadTimes {
    fn add(&mut self, other: &ThreadTimes) {
        self.run_ns += other.run_ns;
        self.wait_ns += other.wait_ns;
        self.voluntary += other.voluntary;
        self.involuntary += other.involuntary;
    }

    fn minus(&self, earlier: &ThreadTimes) -> ThreadTimes {
        ThreadTimes {
            run_ns: self.run_ns.saturating_sub(earlier.run_ns),
            wait_ns: self.wait_ns.saturating_sub(earlier.wait_ns),
            voluntary: self.voluntary.saturating_sub(earlier.voluntary),
            involuntary: self.involuntary.saturating_sub(earlier.involuntary),
        }
    }
}

/// Every thread of this process at one instant, by thread id.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    threads: HashMap<u32, ThreadTimes>,
    /// The thread that took the snapshot: the load generator's.
    me: u32,
}

/// What changed between two snapshots: the calling (generator) thread, and
/// every other thread of the process (the server) summed.
#[derive(Clone, Copy, Debug, Default)]
pub struct Spent {
    /// The thread that took the snapshots.
    pub generator: ThreadTimes,
    /// Every other thread, including ones that started in between.
    pub server: ThreadTimes,
}

impl Snapshot {
    /// Reads every thread's counters; empty where `/proc` is not Linux's.
    pub fn take() -> Snapshot {
        let me = std::fs::read_link("/proc/thread-self")
            .ok()
            .and_then(|p| p.file_name()?.to_str()?.parse().ok())
            .unwrap_or(0);
        let mut threads = HashMap::new();
        if let Ok(dir) = std::fs::read_dir("/proc/self/task") {
            for entry in dir.flatten() {
                let Some(tid) = entry.file_name().to_str().and_then(|s| s.parse().ok()) else {
                    continue;
                };
                if let Some(times) = read_thread(&entry.path()) {
                    threads.insert(tid, times);
                }
            }
        }
        Snapshot { threads, me }
    }

    /// The counters accumulated since `earlier`.
    pub fn since(&self, earlier: &Snapshot) -> Spent {
        let mut spent = Spent::default();
        for (tid, now) in &self.threads {
            let before = earlier.threads.get(tid).copied().unwrap_or_default();
            let delta = now.minus(&before);
            if *tid == self.me {
                spent.generator.add(&delta);
            } else {
                spent.server.add(&delta);
            }
        }
        spent
    }
}

fn read_thread(dir: &std::path::Path) -> Option<ThreadTimes> {
    let schedstat = std::fs::read_to_string(dir.join("schedstat")).ok()?;
    let mut fields = schedstat.split_whitespace().map(|f| f.parse::<u64>().ok());
    let run_ns = fields.next()??;
    let wait_ns = fields.next()??;
    let status = std::fs::read_to_string(dir.join("status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().parse().ok())
            .unwrap_or(0)
    };
    Some(ThreadTimes {
        run_ns,
        wait_ns,
        voluntary: field("voluntary_ctxt_switches:"),
        involuntary: field("nonvoluntary_ctxt_switches:"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_thread_shows_up_as_server_time() {
        let before = Snapshot::take();
        let (release, released) = std::sync::mpsc::channel::<()>();
        let worker = std::thread::spawn(move || {
            let mut x = 0u64;
            for i in 0..2_000_000u64 {
                x = x.wrapping_mul(31).wrapping_add(i);
            }
            std::hint::black_box(x);
            // Stay alive until the second snapshot has read this thread.
            let _ = released.recv();
        });
        std::thread::sleep(std::time::Duration::from_millis(50));
        let after = Snapshot::take();
        release.send(()).unwrap();
        worker.join().unwrap();
        if before.threads.is_empty() {
            return; // not Linux: nothing to check
        }
        let spent = after.since(&before);
        assert!(spent.server.run_ns > 0, "{spent:?}");
        assert!(
            spent.generator.voluntary >= 1,
            "the sleep blocks: {spent:?}"
        );
    }
}
