//! Open-loop latency: the generator offers a fixed message rate instead of
//! sending as fast as replies come back.
//!
//! A closed loop of 64 or more connections driven by one generator thread
//! saturates that thread: replies wait in its sockets while it works through
//! the others, so the p99 measures the generator's own queue as much as the
//! server. At a fixed offered load below saturation the generator keeps up,
//! and a round trip's latency is the server's.

use crate::net::{join_all, Generator};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// How often the pacer releases messages. tokio's timer has a 1 ms grain, so
/// the offered load arrives in bursts of `rate / 1000` messages every tick.
pub const TICK: Duration = Duration::from_millis(1);

/// One paced run: every message's latency, and how it went.
#[derive(Debug)]
pub struct PacedRun {
    /// From the tick that released each message to its echo's last byte.
    pub latencies: Vec<Duration>,
    /// Messages released while their connection still waited for the
    /// previous echo: each then also waited for that one.
    pub queued: usize,
    /// The whole run.
    pub wall: Duration,
}

impl Generator {
    /// Sends `rounds` messages of `size` bytes on each connection, released
    /// round-robin over the connections at `rate` messages per second in
    /// total (bursts every [`TICK`]), and times each from its release.
    ///
    /// ```no_run
    /// # let gen = hive_benches::net::Generator::new();
    /// # let mut conns = gen.connect("127.0.0.1:7".parse().unwrap(), 4);
    /// let run = gen.paced_latencies(&mut conns, 100, 10, 2_000.0);
    /// assert_eq!(run.latencies.len(), 40);
    /// ```
    pub fn paced_latencies(
        &self,
        conns: &mut Vec<tokio::net::TcpStream>,
        size: usize,
        rounds: usize,
        rate: f64,
    ) -> PacedRun {
        assert!(rate > 0.0, "the offered rate must be positive");
        self.runtime().block_on(async {
            let start = Instant::now();
            let mut releases = Vec::with_capacity(conns.len());
            let mut set = tokio::task::JoinSet::new();
            for mut s in conns.drain(..) {
                let (release, mut released) = tokio::sync::mpsc::unbounded_channel::<Instant>();
                releases.push(release);
                set.spawn(async move {
                    let msg = vec![0x5a_u8; size];
                    let mut back = vec![0u8; size];
                    let mut times = Vec::with_capacity(rounds);
                    let mut queued = 0;
                    for _ in 0..rounds {
                        let at = released.recv().await.expect("the pacer stopped early");
                        if at.elapsed() > TICK {
                            queued += 1;
                        }
                        s.write_all(&msg).await.unwrap();
                        s.read_exact(&mut back).await.unwrap();
                        times.push(at.elapsed());
                    }
                    (s, times, queued)
                });
            }
            let total = releases.len() * rounds;
            let per_tick = rate * TICK.as_secs_f64();
            let mut ticks = tokio::time::interval(TICK);
            let (mut credit, mut sent) = (0.0, 0);
            while sent < total {
                ticks.tick().await;
                let now = Instant::now();
                credit += per_tick;
                while credit >= 1.0 && sent < total {
                    let _ = releases[sent % releases.len()].send(now);
                    sent += 1;
                    credit -= 1.0;
                }
            }
            let joined = join_all(set, Duration::from_secs(120), "paced round trips").await;
            let wall = start.elapsed();
            let mut run = PacedRun {
                latencies: Vec::with_capacity(total),
                queued: 0,
                wall,
            };
            for (s, times, queued) in joined {
                conns.push(s);
                run.latencies.extend(times);
                run.queued += queued;
            }
            run
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::net::{tokio_server, Generator};
    use std::time::Duration;

    #[test]
    fn every_message_is_released_timed_and_echoed_at_the_offered_pace() {
        let (_server, addr) = tokio_server(false);
        let gen = Generator::new();
        let mut conns = gen.connect(addr, 4);
        // 40 messages at 2000/s: 2 per 1 ms tick, so at least 19 ticks.
        let run = gen.paced_latencies(&mut conns, 100, 10, 2_000.0);
        assert_eq!(run.latencies.len(), 40);
        assert_eq!(conns.len(), 4, "the connections come back for reuse");
        assert!(
            run.wall >= Duration::from_millis(19),
            "the pacer released 40 messages in {:?}",
            run.wall
        );
        assert!(run.latencies.iter().all(|l| *l > Duration::ZERO));
    }
}
