//! The HTTP layer: accepting connections, authentication, fault injection, request logging and
//! routing of Kubernetes API paths to the handlers.

use crate::api::{FakeApi, RequestRecord};
use crate::resources::{self, Resource};
use crate::status::{ApiError, ApiResult};
use crate::{delete, discovery, handlers, logs, special, table, util, watch};
use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt, Full};
use hyper::body::Incoming;
use hyper::{HeaderMap, Method, Request, Response};
use serde_json::Value;
use std::convert::Infallible;
use std::future::Future;
use tokio::net::TcpListener;

/// Response body type: full or streamed.
pub(crate) type Body = BoxBody<Bytes, std::io::Error>;

/// Parsed query parameters.
#[derive(Debug, Default, Clone)]
pub(crate) struct Query(pub Vec<(String, String)>);

impl Query {
    /// The first value of a parameter.
    pub fn get(&self, k: &str) -> Option<&str> {
        self.0.iter().find(|(x, _)| x == k).map(|(_, v)| v.as_str())
    }

    /// A boolean flag (`1`/`true`).
    pub fn flag(&self, k: &str) -> bool {
        matches!(self.get(k), Some("1" | "true" | "True"))
    }
}

/// What a request addresses below `/api/v1` or `/apis/<group>/<version>`.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub res: &'static Resource,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub sub: Option<String>,
}

/// A parsed request.
pub(crate) struct Req {
    pub method: Method,
    pub path: String,
    pub query: Query,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Req {
    /// A request header as text.
    pub fn header(&self, k: &str) -> Option<&str> {
        self.headers.get(k).and_then(|v| v.to_str().ok())
    }

    /// The field manager for writes: `fieldManager`, else derived from the User-Agent.
    pub fn manager(&self) -> String {
        if let Some(m) = self.query.get("fieldManager").filter(|m| !m.is_empty()) {
            return m.to_string();
        }
        let ua = self.header("user-agent").unwrap_or("unknown");
        ua.split('/').next().unwrap_or("unknown").to_string()
    }

    /// Whether the client asked for a server-side Table.
    pub fn wants_table(&self) -> bool {
        self.header("accept")
            .is_some_and(|a| a.contains("as=Table"))
    }
}

/// A handler's answer.
pub(crate) enum Reply {
    /// A JSON document with a status code.
    Json(u16, Value),
    /// A JSON document already serialized (big lists), answered 200.
    JsonBytes(Bytes),
    /// Plain text (pod logs).
    Text(String),
    /// A streamed body (watches, followed logs).
    Stream(&'static str, Body),
}

/// A full body.
pub(crate) fn full(data: impl Into<Bytes>) -> Body {
    Full::new(data.into())
        .map_err(|never: Infallible| match never {})
        .boxed()
}

fn json_body(code: u16, v: &Value) -> (u16, Bytes) {
    let mut text = serde_json::to_vec(v).unwrap_or_default();
    text.push(b'\n');
    (code, Bytes::from(text))
}

fn json_response_with(code: u16, body: Body, retry_after: Option<u32>) -> Response<Body> {
    let mut r = Response::builder()
        .status(code)
        .header("content-type", "application/json")
        .header("cache-control", "no-cache, private")
        .body(body)
        .expect("response");
    if let Some(s) = retry_after {
        r.headers_mut()
            .insert("retry-after", s.to_string().parse().expect("header"));
    }
    r
}

/// A body sent through the shared link of `per_second` bytes per second, 64 KiB at a time:
/// each piece leaves when the link has carried it, after whatever other answers hold the link.
fn paced(api: &FakeApi, data: Bytes, per_second: u64) -> Body {
    use futures::StreamExt;
    const PIECE: usize = 64 * 1024;
    let api = api.clone();
    let pieces: Vec<Bytes> = (0..data.len())
        .step_by(PIECE)
        .map(|at| data.slice(at..(at + PIECE).min(data.len())))
        .collect();
    let stream = futures::stream::iter(pieces).then(move |piece| {
        let done = api.link_slot(piece.len(), per_second);
        async move {
            tokio::time::sleep_until(done.into()).await;
            Ok::<_, std::io::Error>(hyper::body::Frame::data(piece))
        }
    });
    BodyExt::boxed(http_body_util::StreamBody::new(stream))
}

/// A body sent 16 bytes at a time with a pause between pieces.
fn trickled(data: Bytes, pause: std::time::Duration) -> Body {
    use futures::StreamExt;
    let pieces: Vec<Bytes> = data.chunks(16).map(Bytes::copy_from_slice).collect();
    let stream = futures::stream::iter(pieces).then(move |piece| async move {
        tokio::time::sleep(pause).await;
        Ok::<_, std::io::Error>(hyper::body::Frame::data(piece))
    });
    BodyExt::boxed(http_body_util::StreamBody::new(stream))
}

/// Serves the API on `listener` until the future is dropped; also starts the fake scheduler
/// and kubelet (once per `FakeApi`).
pub async fn serve(api: FakeApi, listener: TcpListener) -> std::io::Result<()> {
    serve_until(api, listener, std::future::pending()).await
}

/// Like `serve`, returning when `shutdown` completes.
pub(crate) async fn serve_until(
    api: FakeApi,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    crate::scheduler::start_controllers(&api);
    tokio::pin!(shutdown);
    loop {
        let (stream, _) = tokio::select! {
            r = listener.accept() => r?,
            _ = &mut shutdown => return Ok(()),
        };
        let api = api.clone();
        tokio::spawn(async move {
            let io = hyper_util::rt::TokioIo::new(stream);
            let svc = hyper::service::service_fn(move |req| {
                let api = api.clone();
                async move { Ok::<_, Infallible>(handle(api, req).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(io, svc)
                .await;
        });
    }
}

async fn handle(api: FakeApi, req: Request<Incoming>) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let raw_query = parts.uri.query().unwrap_or("").to_string();
    let req = Req {
        method: parts.method,
        path: parts.uri.path().to_string(),
        query: Query(util::parse_query(&raw_query)),
        headers: parts.headers,
        body,
    };
    let latency = api.faults().faults.latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let faults = api.faults().faults.clone();
    let mut bytes = None;
    // Lists are trickled (as before); every full answer goes through the paced link.
    let mut body = |data: Bytes, list: bool| {
        bytes = Some(data.len() as u64);
        match (faults.trickle.filter(|_| list), faults.bandwidth) {
            (Some(pause), _) => trickled(data, pause),
            (None, Some(rate)) => paced(&api, data, rate),
            (None, None) => full(data),
        }
    };
    let response = match dispatch(&api, &req).await {
        Ok(Reply::Json(code, v)) => {
            let (status, text) = json_body(code, &v);
            json_response_with(status, body(text, false), None)
        }
        Ok(Reply::JsonBytes(b)) => Response::builder()
            .header("content-type", "application/json")
            .header("cache-control", "no-cache, private")
            .body(body(b, true))
            .expect("response"),
        Ok(Reply::Text(t)) => Response::builder()
            .header("content-type", "text/plain")
            .body(body(Bytes::from(t), false))
            .expect("response"),
        Ok(Reply::Stream(ct, body)) => Response::builder()
            .header("content-type", ct)
            .header("cache-control", "no-cache, private")
            .body(body)
            .expect("response"),
        Err(e) => {
            let (status, text) = json_body(e.code, &e.to_status());
            json_response_with(status, body(text, false), e.retry_after)
        }
    };
    api.record(RequestRecord {
        method: req.method.to_string(),
        path: req.path.clone(),
        query: raw_query,
        status: response.status().as_u16(),
        content_type: req.header("content-type").map(String::from),
        user_agent: req.header("user-agent").map(String::from),
        bytes,
    });
    response
}

fn check_auth(api: &FakeApi, req: &Req) -> ApiResult<()> {
    if let Some(token) = api.auth_token() {
        let want = format!("Bearer {token}");
        if req.header("authorization") != Some(want.as_str()) {
            return Err(ApiError::unauthorized());
        }
    }
    Ok(())
}

/// Resolves `/api/v1/...` and `/apis/<g>/<v>/...` resource paths.
fn parse_target(segs: &[&str]) -> Option<ApiResult<Target>> {
    let (group, version, rest) = match segs {
        ["api", v, rest @ ..] if !rest.is_empty() => ("", *v, rest),
        ["apis", g, v, rest @ ..] if !rest.is_empty() => (*g, *v, rest),
        _ => return None,
    };
    let lookup = |p: &str| resources::find(group, version, p);
    let s = |x: &&str| Some(x.to_string());
    let t = match rest {
        ["namespaces", ns, plural, tail @ ..] if lookup(plural).is_some_and(|r| r.namespaced) => {
            Target {
                res: lookup(plural)?,
                namespace: s(ns),
                name: tail.first().map(|x| x.to_string()),
                sub: tail.get(1).map(|x| x.to_string()),
            }
        }
        [plural, tail @ ..] => {
            let res = lookup(plural)?;
            if res.namespaced && !tail.is_empty() {
                return Some(Err(ApiError::path_not_found()));
            }
            Target {
                res,
                namespace: None,
                name: tail.first().map(|x| x.to_string()),
                sub: tail.get(1).map(|x| x.to_string()),
            }
        }
        [] => return None,
    };
    if let Some(sub) = &t.sub {
        if !t.res.subresources.iter().any(|(n, _, _)| n == sub) {
            return Some(Err(ApiError::path_not_found()));
        }
    }
    Some(Ok(t))
}

fn check_faults(api: &FakeApi, req: &Req, t: &Target) -> ApiResult<()> {
    let mut st = api.faults();
    let is_watch = req.query.flag("watch");
    if !is_watch {
        let roll = st.prng.next_f64();
        let f = &st.faults;
        if roll < f.error_5xx_share {
            return Err(if roll < f.error_5xx_share / 2.0 {
                ApiError::internal("fake server fault injection")
            } else {
                ApiError::unavailable()
            });
        }
        if roll < f.error_5xx_share + f.error_429_share {
            return Err(ApiError::too_many_requests(f.retry_after_seconds));
        }
    }
    if st.faults.forbidden.iter().any(|p| p == t.res.plural) {
        let verb = verb_of(req, t);
        return Err(ApiError::forbidden(
            verb,
            crate::status::Target {
                plural: t.res.plural,
                group: t.res.group,
                name: t.name.as_deref().unwrap_or(""),
            },
            t.namespace.as_deref(),
            "fake-user",
        ));
    }
    Ok(())
}

/// The authorization verb of a request.
fn verb_of(req: &Req, t: &Target) -> &'static str {
    match (&req.method, t.name.is_some()) {
        (&Method::GET, _) if req.query.flag("watch") => "watch",
        (&Method::GET, true) => "get",
        (&Method::GET, false) => "list",
        (&Method::POST, _) => "create",
        (&Method::PUT, _) => "update",
        (&Method::PATCH, _) => "patch",
        (&Method::DELETE, true) => "delete",
        (&Method::DELETE, false) => "deletecollection",
        _ => "get",
    }
}

async fn dispatch(api: &FakeApi, req: &Req) -> ApiResult<Reply> {
    check_auth(api, req)?;
    let path = req.path.trim_end_matches('/');
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if let Some(r) = discovery::route(api, &segs, req) {
        return r;
    }
    let t = match parse_target(&segs) {
        Some(t) => t?,
        None => return Err(ApiError::path_not_found()),
    };
    if !crate::dra::served(api, t.res) {
        return Err(ApiError::path_not_found());
    }
    check_faults(api, req, &t)?;
    let reply = match (&req.method, t.name.is_some(), t.sub.as_deref()) {
        (&Method::GET, false, None) if req.query.flag("watch") => watch::watch(api, &t, req)?,
        (&Method::GET, false, None) if !req.wants_table() => {
            Reply::JsonBytes(crate::paging::list_bytes(api, &t, &req.query)?)
        }
        (&Method::GET, false, None) => {
            let list = handlers::list(api, &t, &req.query)?;
            Reply::Json(200, table::maybe_table(req, &t, list, true))
        }
        (&Method::GET, true, Some("log")) => logs::logs(api, &t, &req.query).await?,
        (&Method::GET, true, _) => {
            let obj = handlers::get(api, &t)?;
            Reply::Json(200, table::maybe_table(req, &t, obj, false))
        }
        (&Method::POST, false, None) => handlers::create(api, &t, req)?,
        (&Method::POST, true, Some("binding")) => special::bind(api, &t, req)?,
        (&Method::POST, true, Some("eviction")) => crate::eviction::evict(api, &t, req)?,
        (&Method::PUT, true, _) => handlers::update(api, &t, req)?,
        (&Method::PATCH, true, _) => handlers::patch(api, &t, req)?,
        (&Method::DELETE, true, None) => delete::delete(api, &t, req)?,
        (&Method::DELETE, false, None) => delete::delete_collection(api, &t, req)?,
        (m, _, _) => return Err(ApiError::method_not_allowed(m.as_str())),
    };
    Ok(reply)
}
