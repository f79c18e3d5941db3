//! Retries of transient API failures, as client-go does them: 429 (honouring Retry-After) for any
//! request, and 5xx or a dropped connection only for reads, whose repetition is harmless.

use http::{Method, Request, Response, StatusCode};
use kube::client::Body;
use std::time::Duration;
use tower::retry::Policy;
use tower::BoxError;

/// Bounded exponential backoff: 200 ms, 400 ms, … capped at 5 s; five retries of failures,
/// ten of throttling.
#[derive(Clone, Debug)]
pub struct Retry {
    attempt: u32,
    max_retries: u32,
    /// Throttling (429) is the server asking to come back later, not failing: client-go
    /// retries it up to ten times.
    max_throttle_retries: u32,
    base: Duration,
    cap: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            attempt: 0,
            max_retries: 5,
            max_throttle_retries: 10,
            base: Duration::from_millis(200),
            cap: Duration::from_secs(5),
        }
    }
}

/// The longest Retry-After we honour; a server asking for more gets the error reported instead.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

impl Retry {
    fn backoff(&self) -> Duration {
        let factor = 1u32 << self.attempt.min(10);
        (self.base * factor).min(self.cap)
    }

    /// How long to wait before trying again, or `None` when the result is final.
    fn delay_for<Res>(
        &self,
        method: &Method,
        result: &Result<Response<Res>, BoxError>,
    ) -> Option<Duration> {
        let read = matches!(*method, Method::GET | Method::HEAD);
        match result {
            Ok(response) => {
                let status = response.status();
                let retry_after = retry_after(response);
                let retryable = status == StatusCode::TOO_MANY_REQUESTS
                    || (status == StatusCode::SERVICE_UNAVAILABLE && retry_after.is_some())
                    || (read && is_transient_status(status));
                if !retryable {
                    return None;
                }
                match retry_after {
                    Some(wait) if wait > MAX_RETRY_AFTER => None,
                    Some(wait) => Some(wait),
                    None => Some(self.backoff()),
                }
            }
            Err(err) if read && is_dropped_connection(err.as_ref()) => Some(self.backoff()),
            Err(_) => None,
        }
    }
}

fn is_transient_status(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::INTERNAL_SERVER_ERROR
            | StatusCode::BAD_GATEWAY
            | StatusCode::SERVICE_UNAVAILABLE
            | StatusCode::GATEWAY_TIMEOUT
    )
}

fn retry_after<Res>(response: &Response<Res>) -> Option<Duration> {
    let value = response.headers().get(http::header::RETRY_AFTER)?;
    value
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// A connection the server (or a proxy) dropped mid-request; refused connections and
/// timeouts are not retried: they would only make the user wait longer for the same answer.
fn is_dropped_connection(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::*;
            if matches!(
                io.kind(),
                ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof
            ) {
                return true;
            }
        }
        let text = e.to_string().to_ascii_lowercase();
        if text.contains("connection reset")
            || text.contains("connection closed before message completed")
            || text.contains("broken pipe")
        {
            return true;
        }
        current = e.source();
    }
    false
}

impl<Res> Policy<Request<Body>, Response<Res>, BoxError> for Retry {
    type Future = tokio::time::Sleep;

    fn retry(
        &mut self,
        req: &mut Request<Body>,
        result: &mut Result<Response<Res>, BoxError>,
    ) -> Option<Self::Future> {
        let throttled = matches!(result, Ok(r) if r.status() == StatusCode::TOO_MANY_REQUESTS);
        let limit = if throttled {
            self.max_throttle_retries
        } else {
            self.max_retries
        };
        if self.attempt >= limit {
            return None;
        }
        let delay = self.delay_for(req.method(), result)?;
        self.attempt += 1;
        tracing::info!(
            method = %req.method(),
            uri = %req.uri(),
            attempt = self.attempt,
            ?delay,
            "retrying a transient API failure"
        );
        Some(tokio::time::sleep(delay))
    }

    fn clone_request(&mut self, req: &Request<Body>) -> Option<Request<Body>> {
        let body = req.body().try_clone()?;
        let mut builder = Request::builder()
            .method(req.method().clone())
            .uri(req.uri().clone())
            .version(req.version());
        if let Some(headers) = builder.headers_mut() {
            headers.extend(req.headers().clone());
        }
        let mut clone = builder.body(body).ok()?;
        *clone.extensions_mut() = req.extensions().clone();
        Some(clone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, retry_after: Option<&str>) -> Result<Response<()>, BoxError> {
        let mut b = Response::builder().status(status);
        if let Some(v) = retry_after {
            b = b.header("Retry-After", v);
        }
        Ok(b.body(()).unwrap())
    }

    #[test]
    fn retries_throttling_for_every_verb_honouring_retry_after() {
        let r = Retry::default();
        assert_eq!(
            r.delay_for(&Method::POST, &response(429, Some("2"))),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            r.delay_for(&Method::GET, &response(429, None)),
            Some(Duration::from_millis(200))
        );
    }

    #[test]
    fn retries_server_errors_only_for_reads() {
        let r = Retry::default();
        assert!(r.delay_for(&Method::GET, &response(500, None)).is_some());
        assert!(r.delay_for(&Method::GET, &response(503, None)).is_some());
        assert!(r.delay_for(&Method::POST, &response(500, None)).is_none());
        assert!(r.delay_for(&Method::GET, &response(404, None)).is_none());
        assert!(r.delay_for(&Method::GET, &response(403, None)).is_none());
    }

    #[test]
    fn gives_up_on_very_long_retry_after() {
        let r = Retry::default();
        assert!(r
            .delay_for(&Method::GET, &response(429, Some("600")))
            .is_none());
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let mut r = Retry::default();
        let mut last = Duration::ZERO;
        for _ in 0..8 {
            let d = r.backoff();
            assert!(d >= last && d <= Duration::from_secs(5));
            last = d;
            r.attempt += 1;
        }
        assert_eq!(last, Duration::from_secs(5));
    }

    #[test]
    fn only_dropped_connections_are_retried() {
        let reset = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset");
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert!(is_dropped_connection(&reset));
        assert!(!is_dropped_connection(&refused));
    }
}
