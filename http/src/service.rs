//! [`TowerService`]: a tower `Service` (an axum `Router`, a tower stack)
//! as the hyper `Service` hive's servers take.

use std::future::{poll_fn, Future};
use std::pin::Pin;

/// Serves a tower `Service` where a hyper one is wanted: each request
/// calls a clone of it once `poll_ready` says so. Made by
/// [`serve_tower`](crate::serve_tower); use it directly with
/// [`serve`](crate::serve) or hyper's own connection builders.
///
/// The response future is boxed: tower's futures are seldom `Unpin`, and
/// one allocation per request is small beside hyper's own.
///
/// ```
/// use hyper::service::Service as _;
/// #[derive(Clone)]
/// struct Hello;
/// impl tower_service::Service<u32> for Hello {
///     type Response = u32;
///     type Error = std::convert::Infallible;
///     type Future = std::future::Ready<Result<u32, Self::Error>>;
///     fn poll_ready(&mut self, _: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), Self::Error>> {
///         std::task::Poll::Ready(Ok(()))
///     }
///     fn call(&mut self, n: u32) -> Self::Future { std::future::ready(Ok(n + 1)) }
/// }
/// # hive::run(async {
/// let svc = hive::http::TowerService::new(Hello);
/// assert_eq!(svc.call(1).await.unwrap(), 2);
/// # }).unwrap();
/// ```
#[derive(Clone, Debug)]
pub struct TowerService<S> {
    inner: S,
}

impl<S> TowerService<S> {
    /// Wraps a tower service.
    ///
    /// ```
    /// # #[derive(Clone)] struct Svc;
    /// let _svc = hive::http::TowerService::new(Svc);
    /// ```
    pub fn new(inner: S) -> TowerService<S> {
        TowerService { inner }
    }
}

/// The response future of a [`TowerService`].
///
/// ```
/// use hyper::service::Service as _;
/// # #[derive(Clone)]
/// # struct Double;
/// # impl tower_service::Service<u32> for Double {
/// #     type Response = u32;
/// #     type Error = std::convert::Infallible;
/// #     type Future = std::future::Ready<Result<u32, Self::Error>>;
/// #     fn poll_ready(&mut self, _: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), Self::Error>> {
/// #         std::task::Poll::Ready(Ok(()))
/// #     }
/// #     fn call(&mut self, n: u32) -> Self::Future { std::future::ready(Ok(n * 2)) }
/// # }
/// # hive::run(async {
/// let svc = hive::http::TowerService::new(Double);
/// let calls: Vec<hive::http::TowerFuture<u32, std::convert::Infallible>> =
///     (1..=3).map(|n| svc.call(n)).collect();
/// let mut doubled = Vec::new();
/// for call in calls {
///     doubled.push(call.await.unwrap());
/// }
/// assert_eq!(doubled, [2, 4, 6]);
/// # }).unwrap();
/// ```
pub type TowerFuture<T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send>>;

impl<S, R> hyper::service::Service<R> for TowerService<S>
where
    S: tower_service::Service<R> + Clone + Send + 'static,
    S::Future: Send + 'static,
    R: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = TowerFuture<S::Response, S::Error>;

    fn call(&self, req: R) -> Self::Future {
        // tower's contract: `call` only after `poll_ready` on the same
        // clone, so each request readies its own clone.
        let mut svc = self.inner.clone();
        Box::pin(async move {
            poll_fn(|cx| svc.poll_ready(cx)).await?;
            svc.call(req).await
        })
    }
}
