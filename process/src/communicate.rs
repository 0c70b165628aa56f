//! `Process::communicate`: feed stdin while draining stdout and stderr,
//! all at once, so that no pipe filling up can deadlock the exchange.

use crate::process::Process;
use hive_net::{StreamReader, StreamWriter};
use std::future::{poll_fn, Future};
use std::io;
use std::pin::pin;
use std::process::Output;
use std::task::Poll;

impl Process {
    /// Writes `input` to stdin and closes it, reads stdout and stderr to
    /// the end, all concurrently, then waits for the child (asyncio's
    /// `communicate`). A child that exits without reading all its input is
    /// fine (the broken pipe is ignored, as in asyncio). Streams that are
    /// not piped give empty output; the piped ones are taken from `self`.
    ///
    /// Everything is kept in memory: for output without bound, read
    /// `stdout` yourself. Not cancel-safe: the streams taken are dropped
    /// with the future (the child sees its pipes close).
    ///
    /// # Errors
    /// `InvalidInput` if `input` is given but stdin is not piped (spawn
    /// with `stdin(Stdio::Piped)`); the pipes' and `wait`'s errors.
    ///
    /// ```
    /// use hive::process::{Command, Stdio};
    /// # hive::run(async {
    /// let mut p = Command::new("tr").arg("a-z").arg("A-Z")
    ///     .stdin(Stdio::Piped).stdout(Stdio::Piped).stderr(Stdio::Piped)
    ///     .spawn().unwrap();
    /// let out = p.communicate(Some(b"shout")).await.unwrap();
    /// assert_eq!(out.stdout, b"SHOUT");
    /// assert!(out.stderr.is_empty() && out.status.success());
    /// # }).unwrap();
    /// ```
    #[doc(alias = "Process.communicate")]
    pub async fn communicate(&mut self, input: Option<&[u8]>) -> io::Result<Output> {
        if input.is_some() && self.stdin.is_none() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "communicate was given input but the child's stdin is not piped: \
                 spawn it with .stdin(Stdio::Piped) (or pass None)",
            ));
        }
        let feed = pin!(feed(self.stdin.take(), input));
        let out = pin!(drain(self.stdout.take()));
        let err = pin!(drain(self.stderr.take()));
        let (fed, stdout, stderr) = join3(feed, out, err).await;
        fed?;
        let (stdout, stderr) = (stdout?, stderr?);
        let status = self.wait().await?;
        Ok(Output {
            status,
            stdout,
            stderr,
        })
    }
}

/// Writes `input` (if any) and closes stdin; a child that stopped reading
/// is not an error.
async fn feed(stdin: Option<StreamWriter>, input: Option<&[u8]>) -> io::Result<()> {
    let Some(stdin) = stdin else {
        return Ok(());
    };
    if let Some(input) = input {
        stdin.write(input);
        match stdin.drain().await {
            Err(e) if !gone(&e) => return Err(e),
            _ => {}
        }
    }
    stdin.close();
    match stdin.wait_closed().await {
        Err(e) if !gone(&e) => Err(e),
        _ => Ok(()),
    }
}

fn gone(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset
    )
}

async fn drain(reader: Option<StreamReader>) -> io::Result<Vec<u8>> {
    match reader {
        Some(mut r) => r.read_to_end().await,
        None => Ok(Vec::new()),
    }
}

/// Polls three futures in one task until all are done.
async fn join3<A, B, C>(
    mut a: std::pin::Pin<&mut A>,
    mut b: std::pin::Pin<&mut B>,
    mut c: std::pin::Pin<&mut C>,
) -> (A::Output, B::Output, C::Output)
where
    A: Future,
    B: Future,
    C: Future,
{
    let (mut ra, mut rb, mut rc) = (None, None, None);
    poll_fn(|cx| {
        if ra.is_none() {
            if let Poll::Ready(v) = a.as_mut().poll(cx) {
                ra = Some(v);
            }
        }
        if rb.is_none() {
            if let Poll::Ready(v) = b.as_mut().poll(cx) {
                rb = Some(v);
            }
        }
        if rc.is_none() {
            if let Poll::Ready(v) = c.as_mut().poll(cx) {
                rc = Some(v);
            }
        }
        match (ra.take(), rb.take(), rc.take()) {
            (Some(a), Some(b), Some(c)) => Poll::Ready((a, b, c)),
            (a, b, c) => {
                (ra, rb, rc) = (a, b, c);
                Poll::Pending
            }
        }
    })
    .await
}
