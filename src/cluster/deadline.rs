//! `--request-timeout` as a bound on the whole answer: kube's read timeout restarts at every byte,
//! so a server (or proxy) that trickles its body could hold a command for minutes. Watches and
//! followed logs are meant to stay open and are not bounded.

use bytes::Bytes;
use http::{Request, Response};
use http_body::{Body, Frame};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::{Instant, Sleep};

/// Which part of an answer did not arrive in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TimedOut {
    /// No response headers before the deadline.
    #[error("the API server did not answer within {0:?}")]
    Answer(Duration),
    /// Headers came, the whole body did not.
    #[error("the API server did not finish its answer within {0:?}")]
    Body(Duration),
}

/// Bounds every non-streaming request by the timeout, when there is one.
#[derive(Clone, Copy)]
pub struct DeadlineLayer(pub Option<Duration>);

impl<S> tower::Layer<S> for DeadlineLayer {
    type Service = Deadline<S>;
    fn layer(&self, inner: S) -> Self::Service {
        Deadline {
            inner,
            timeout: self.0,
        }
    }
}

/// The service of [`DeadlineLayer`].
#[derive(Clone)]
pub struct Deadline<S> {
    inner: S,
    timeout: Option<Duration>,
}

/// Watches and followed logs stream for as long as they are read.
fn is_streaming<B>(req: &Request<B>) -> bool {
    let query = req.uri().query().unwrap_or_default();
    query
        .split('&')
        .any(|kv| matches!(kv, "watch=true" | "watch=1" | "follow=true" | "follow=1"))
}

impl<S, B, RB> tower::Service<Request<B>> for Deadline<S>
where
    S: tower::Service<Request<B>, Response = Response<RB>>,
    S::Future: Send + 'static,
    S::Error: Into<tower::BoxError>,
    RB: Body<Data = Bytes> + Send + 'static,
    RB::Error: Into<tower::BoxError>,
{
    type Response = Response<DeadlineBody<RB>>;
    type Error = tower::BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, tower::BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let timeout = self.timeout.filter(|_| !is_streaming(&req));
        let future = self.inner.call(req);
        Box::pin(async move {
            let Some(timeout) = timeout else {
                let response = future.await.map_err(Into::into)?;
                return Ok(response.map(|b| DeadlineBody::new(b, None, Duration::ZERO)));
            };
            let deadline = Instant::now() + timeout;
            let response = tokio::time::timeout_at(deadline, future)
                .await
                .map_err(|_| tower::BoxError::from(TimedOut::Answer(timeout)))?
                .map_err(Into::into)?;
            Ok(response.map(|b| DeadlineBody::new(b, Some(deadline), timeout)))
        })
    }
}

/// A response body that fails once its deadline passes.
pub struct DeadlineBody<B> {
    inner: Pin<Box<B>>,
    sleep: Option<Pin<Box<Sleep>>>,
    timeout: Duration,
}

impl<B> DeadlineBody<B> {
    fn new(inner: B, deadline: Option<Instant>, timeout: Duration) -> Self {
        DeadlineBody {
            inner: Box::pin(inner),
            sleep: deadline.map(|d| Box::pin(tokio::time::sleep_until(d))),
            timeout,
        }
    }
}

impl<B> Body for DeadlineBody<B>
where
    B: Body<Data = Bytes>,
    B::Error: Into<tower::BoxError>,
{
    type Data = Bytes;
    type Error = tower::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let timeout = self.timeout;
        if let Some(sleep) = self.sleep.as_mut() {
            if sleep.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Some(Err(TimedOut::Body(timeout).into())));
            }
        }
        self.inner.as_mut().poll_frame(cx).map_err(Into::into)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_watches_and_followed_logs_stream() {
        let req = |uri: &str| Request::get(uri).body(()).unwrap();
        assert!(is_streaming(&req(
            "/api/v1/pods?watch=true&fieldSelector=x"
        )));
        assert!(is_streaming(&req(
            "/api/v1/namespaces/d/pods/p/log?follow=true"
        )));
        assert!(!is_streaming(&req("/api/v1/pods?limit=500")));
        assert!(!is_streaming(&req(
            "/api/v1/pods?labelSelector=watch%3Dtrue"
        )));
    }
}
