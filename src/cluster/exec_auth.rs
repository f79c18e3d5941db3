//! The exec plugin's token on every request, refreshed by the plugin when it nears expiry.

use super::credentials::ExecSource;
use http::{HeaderValue, Request};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// A tower layer that puts the exec plugin's current token on every request.
#[derive(Clone)]
pub struct ExecAuthLayer(pub Arc<ExecSource>);

impl<S> tower::Layer<S> for ExecAuthLayer {
    type Service = ExecAuth<S>;
    fn layer(&self, inner: S) -> Self::Service {
        ExecAuth {
            inner,
            source: self.0.clone(),
        }
    }
}

/// The service of [`ExecAuthLayer`].
#[derive(Clone)]
pub struct ExecAuth<S> {
    inner: S,
    source: Arc<ExecSource>,
}

impl<S, B> tower::Service<Request<B>> for ExecAuth<S>
where
    S: tower::Service<Request<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<tower::BoxError>,
    B: Send + 'static,
{
    type Response = S::Response;
    type Error = tower::BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, tower::BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        // The ready service goes into the future; a fresh clone waits for the next call.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let source = self.source.clone();
        Box::pin(async move {
            let token = source.token().await.map_err(tower::BoxError::from)?;
            let value = HeaderValue::try_from(format!("Bearer {token}")).map_err(|_| {
                tower::BoxError::from("the exec plugin's token is not a valid HTTP header value")
            })?;
            req.headers_mut().insert(http::header::AUTHORIZATION, value);
            inner.call(req).await.map_err(Into::into)
        })
    }
}
