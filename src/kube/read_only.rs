//! The read-only guard: a layer on the kube client's HTTP stack that refuses every request
//! but GET (get, list, watch) before it leaves the process. Watch mode builds its client with
//! it, so no code path, present or future, can write from a wall display.

use http::{Method, Request};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use tower::{Layer, Service};

/// The error a refused request fails with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOnlyRefusal {
    pub method: Method,
    pub path: String,
}

impl fmt::Display for ReadOnlyRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "read-only: gpufleet refused to send {} {} (only get, list and watch are allowed)",
            self.method, self.path
        )
    }
}

impl std::error::Error for ReadOnlyRefusal {}

/// Whether a request only reads. GET covers get, list and watch.
pub fn is_read(method: &Method) -> bool {
    method == Method::GET
}

#[derive(Clone, Copy, Debug, Default)]
pub struct ReadOnlyLayer;

impl<S> Layer<S> for ReadOnlyLayer {
    type Service = ReadOnly<S>;
    fn layer(&self, inner: S) -> Self::Service {
        ReadOnly { inner }
    }
}

#[derive(Clone, Debug)]
pub struct ReadOnly<S> {
    inner: S,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl<S, B> Service<Request<B>> for ReadOnly<S>
where
    S: Service<Request<B>>,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        if !is_read(request.method()) {
            let refusal = ReadOnlyRefusal {
                method: request.method().clone(),
                path: request.uri().path().to_string(),
            };
            return Box::pin(async move { Err(Box::new(refusal) as BoxError) });
        }
        let future = self.inner.call(request);
        Box::pin(async move { future.await.map_err(Into::into) })
    }
}

/// Whether a kube error is the guard's refusal.
pub fn is_refusal(error: &kube::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        if e.downcast_ref::<ReadOnlyRefusal>().is_some() {
            return true;
        }
        source = e.source();
    }
    false
}
