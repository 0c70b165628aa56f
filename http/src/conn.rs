//! One served connection: hyper's connection future, driven beside the
//! server's shutdown signal and the connection's idle timer.

use crate::shutdown::Shutdown;
use crate::{HiveExecutor, HiveIo, Streams};
use bytes::Bytes;
use http::{header, Request, Response, StatusCode};
use http_body_util::Empty;
use hyper::body::Incoming;
use hyper_util::server::conn::auto;
use std::convert::Infallible;
use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::task::Poll;
use std::time::{Duration, Instant};

/// What every connection of one HTTP server shares, fixed when it starts.
pub(crate) struct ConnSettings {
    /// hyper-util's version-sniffing server, with hive's timer and executor.
    pub(crate) builder: auto::Builder<HiveExecutor>,
    /// The same without keep-alive, for the one `503` an over-limit
    /// connection gets.
    pub(crate) refusal: auto::Builder<HiveExecutor>,
    /// Set by `HttpServer::close`: every connection shuts down gracefully.
    pub(crate) shutdown: Shutdown,
    pub(crate) idle_timeout: Option<Duration>,
    /// Also the limit on the wait for a connection's first request.
    pub(crate) header_read_timeout: Option<Duration>,
    pub(crate) limit: Option<hive_sync::Semaphore>,
}

/// hyper's served connection, whatever the service.
pub(crate) trait GracefulConnection: Future {
    fn graceful_shutdown(self: Pin<&mut Self>);
}

impl<S, B> GracefulConnection for auto::Connection<'_, HiveIo<Streams>, S, HiveExecutor>
where
    S: hyper::service::Service<Request<Incoming>, Response = Response<B>>,
    S::Future: 'static,
    S::Error: Into<crate::BoxError>,
    B: http_body::Body + 'static,
    B::Error: Into<crate::BoxError>,
    HiveExecutor: hyper::rt::bounds::Http2ServerConnExec<S::Future, B>,
{
    fn graceful_shutdown(self: Pin<&mut Self>) {
        auto::Connection::graceful_shutdown(self)
    }
}

/// A service that notes its first call: until then the connection is
/// still being sniffed for its HTTP version (or its preface is still
/// arriving), which hyper's own header timeout does not cover.
pub(crate) struct FirstRequest<S> {
    inner: S,
    seen: std::sync::Arc<hive_sync::Event>,
    /// Whether `seen` was set: checked per request instead of its lock.
    noted: std::cell::Cell<bool>,
}

impl<S> FirstRequest<S> {
    pub(crate) fn new(inner: S, seen: std::sync::Arc<hive_sync::Event>) -> FirstRequest<S> {
        FirstRequest {
            inner,
            seen,
            noted: std::cell::Cell::new(false),
        }
    }
}

impl<S, R> hyper::service::Service<R> for FirstRequest<S>
where
    S: hyper::service::Service<R>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn call(&self, req: R) -> S::Future {
        if !self.noted.get() {
            self.noted.set(true);
            self.seen.set();
        }
        self.inner.call(req)
    }
}

/// Runs `conn` to its end: on the server's shutdown signal, or once the
/// connection has been idle for the idle timeout, it is told to finish
/// what is in flight and close; a client that has not completed its first
/// request's head within the header-read timeout is dropped. Errors end
/// only this connection; they are logged at debug level (clients vanish
/// mid-request all the time).
pub(crate) async fn drive<C, E>(conn: C, settings: &ConnSettings, first_request: &hive_sync::Event)
where
    C: GracefulConnection<Output = Result<(), E>>,
    E: std::fmt::Display,
{
    let mut conn = pin!(conn);
    let mut first_deadline = settings.header_read_timeout.map(hive_runtime::sleep);
    let signal = settings.shutdown.register();
    let mut shutdown = pin!(signal.event().wait());
    let mut idle = settings
        .idle_timeout
        .map(|limit| (limit, hive_runtime::sleep(limit)));
    // The runtime's clock, which the timers it is compared with run on:
    // under a paused clock (tests) std's real time would make a fired
    // timer's wake look early, and the timeouts would never end anything.
    let clock = hive_runtime::get_running_loop().ok();
    let clock_now = || clock.as_ref().map_or_else(Instant::now, |lp| lp.time());
    let mut last_woken = clock_now();
    let mut closing = false;
    let mut first_poll = true;
    let result = poll_fn(|cx| {
        // The timers are polled only on the first poll (to register them)
        // and once due: the task's waker does not change between polls, so
        // a timer registered once will wake it, and a wake before a
        // deadline need not touch the timers at all.
        let now = clock_now();
        let first = std::mem::take(&mut first_poll);
        if let Some(deadline) = &mut first_deadline {
            if first_request.is_set() {
                first_deadline = None;
            } else if (first || now >= deadline.deadline())
                && Pin::new(deadline).poll(cx).is_ready()
            {
                return Poll::Ready(Err(StalledBeforeFirstRequest));
            }
        }
        if !closing {
            // Polled (taking the event's lock) only to register, on the
            // first poll, and once the lock-free flag says it fired: a
            // `set` wakes the waker registered then, which is this task's.
            let fired = (first || signal.event().is_set()) && shutdown.as_mut().poll(cx).is_ready();
            if fired {
                closing = true;
                conn.as_mut().graceful_shutdown();
            } else if let Some((limit, timer)) = &mut idle {
                // Re-armed lazily: a wake by the connection only notes the
                // time; when the timer is due it is checked against the
                // last such wake.
                if first {
                    let _ = Pin::new(&mut *timer).poll(cx);
                } else if now >= timer.deadline() {
                    let quiet_until = last_woken + *limit;
                    if now >= quiet_until {
                        closing = true;
                        conn.as_mut().graceful_shutdown();
                    } else {
                        // A fresh timer, not `reset`: a sleep reset to a
                        // later deadline before its stored entry fired
                        // keeps that entry (it re-stores itself when
                        // polled after it fires), and this loop polls the
                        // timer only once `deadline()` is reached, so the
                        // old entry's wake passed for a connection's and
                        // the timer was lost: a connection that never
                        // idled out (1 run in about 200 of
                        // `http_client`'s pooled-close test under load).
                        // Once per idle period, so the store operations
                        // cost nothing that matters.
                        *timer = hive_runtime::sleep_until(quiet_until);
                        // Registers the re-armed timer with this waker.
                        let _ = Pin::new(&mut *timer).poll(cx);
                    }
                } else {
                    last_woken = now;
                }
            }
        }
        conn.as_mut().poll(cx).map_err(|e| Ended(e.to_string()))
    })
    .await;
    if let Err(e) = result {
        tracing::debug!("hive-http: connection ended: {e}");
    }
}

/// Why a served connection ended early (for the debug log).
#[derive(Debug)]
enum ConnEnd {
    StalledBeforeFirstRequest,
    Ended(String),
}
use ConnEnd::{Ended, StalledBeforeFirstRequest};

impl std::fmt::Display for ConnEnd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StalledBeforeFirstRequest => {
                f.write_str("no complete request head within the header-read timeout")
            }
            Ended(e) => f.write_str(e),
        }
    }
}

/// How long an over-limit connection may take to be told `503`: it holds
/// a socket the limit is meant to spare, so briefly.
const REFUSAL_TIME_LIMIT: Duration = Duration::from_secs(5);

/// Answers an over-limit connection's first request with `503` and closes
/// it: a real HTTP answer (`Retry-After: 1`) instead of a reset. The
/// connection is told to shut down gracefully once that request is in, so
/// an HTTP/1.1 client sees `Connection: close` and an HTTP/2 one `GOAWAY`
/// (and retries elsewhere) rather than a torn stream.
pub(crate) async fn refuse(io: HiveIo<Streams>, settings: &ConnSettings) {
    let asked = std::sync::Arc::new(hive_sync::Event::new());
    let busy = {
        let asked = asked.clone();
        hyper::service::service_fn(move |_req: Request<Incoming>| {
            asked.set();
            async {
                let mut res = Response::new(Empty::<Bytes>::new());
                *res.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
                res.headers_mut()
                    .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
                Ok::<_, Infallible>(res)
            }
        })
    };
    let mut conn = pin!(settings.refusal.serve_connection(io, busy));
    let mut asked_wait = pin!(asked.wait());
    let mut closing = false;
    let finished = poll_fn(|cx| {
        if !closing && asked_wait.as_mut().poll(cx).is_ready() {
            closing = true;
            conn.as_mut().graceful_shutdown();
        }
        conn.as_mut().poll(cx)
    });
    // The time limit covers a client that never asks.
    if let Ok(Err(e)) = hive_runtime::timeout(REFUSAL_TIME_LIMIT, finished).await {
        tracing::debug!("hive-http: refused connection ended: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HiveExecutor;
    use std::task::Context;

    fn settings(idle: Duration) -> ConnSettings {
        ConnSettings {
            builder: auto::Builder::new(HiveExecutor::new()),
            refusal: auto::Builder::new(HiveExecutor::new()),
            shutdown: Shutdown::default(),
            idle_timeout: Some(idle),
            header_read_timeout: None,
            limit: None,
        }
    }

    #[test]
    fn the_idle_timeout_runs_on_the_runtimes_clock() {
        // Paused, the clock jumps to the idle deadline once the loop is
        // idle; the connection must then be told to close. (On std's
        // clock the timer's wake looked early and was taken for the
        // connection's: nothing ended it, and the paused clock jumped on
        // to the bound below instead.)
        let rt = hive_runtime::Runtime::builder().loops(1).build().unwrap();
        let ended = rt
            .run(async {
                hive_runtime::time::pause().unwrap();
                let settings = settings(Duration::from_secs(30));
                let first_request = hive_sync::Event::new();
                let conn = WakeableIdle {
                    told: false,
                    waker: Default::default(),
                };
                let bound = Duration::from_secs(3600);
                hive_runtime::timeout(bound, drive(conn, &settings, &first_request))
                    .await
                    .is_ok()
            })
            .unwrap();
        assert!(ended, "the idle connection was never told to close");
    }

    /// A connection with nothing to do: pending until told to shut down;
    /// keeps its waker so a test can wake it.
    struct WakeableIdle {
        told: bool,
        waker: std::sync::Arc<std::sync::Mutex<Option<std::task::Waker>>>,
    }

    impl Future for WakeableIdle {
        type Output = Result<(), Infallible>;
        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
            *self.waker.lock().unwrap() = Some(cx.waker().clone());
            if self.told {
                Poll::Ready(Ok(()))
            } else {
                Poll::Pending
            }
        }
    }

    impl GracefulConnection for WakeableIdle {
        fn graceful_shutdown(mut self: Pin<&mut Self>) {
            self.told = true;
        }
    }

    #[test]
    fn a_wake_at_the_idle_deadline_before_the_timer_fires_does_not_lose_it() {
        // The race stress found (1 run in about 200): the connection is
        // woken after its idle deadline but before the loop fires the
        // timer, having been woken once since it was armed. Re-arming by
        // `Sleep::reset` kept the stored entry; its wake then passed for
        // the connection's and the timer was gone: never closed.
        let rt = hive_runtime::Runtime::builder().loops(1).build().unwrap();
        let ended = rt
            .run(async {
                use hive_runtime::time::{advance, pause};
                pause().unwrap();
                let waker = std::sync::Arc::new(std::sync::Mutex::new(None::<std::task::Waker>));
                let wake = {
                    let waker = waker.clone();
                    move || {
                        if let Some(w) = waker.lock().unwrap().as_ref() {
                            w.wake_by_ref();
                        }
                    }
                };
                let conn = WakeableIdle { told: false, waker };
                // Stealable, as a default server's connection: woken from
                // this (pinned) task, it runs in the same tick.
                let served = hive_runtime::spawn(async move {
                    let settings = settings(Duration::from_secs(30));
                    let first_request = hive_sync::Event::new();
                    drive(conn, &settings, &first_request).await
                });
                hive_runtime::yield_now().await; // armed for t0 + 30 s
                advance(Duration::from_secs(10)).await.unwrap();
                wake(); // a connection wake at t0 + 10 s
                hive_runtime::yield_now().await;
                wake(); // and one at the deadline, polled before the timer fires
                advance(Duration::from_secs(20)).await.unwrap();
                let bound = Duration::from_secs(3600);
                hive_runtime::timeout(bound, served).await.is_ok()
            })
            .unwrap();
        assert!(ended, "the idle connection was never told to close");
    }
}
