//! Watches: chunked streams of `{"type": …, "object": …}` lines, starting from the current state
//! or from a resourceVersion (replayed from the store's bounded history).

use crate::api::FakeApi;
use crate::handlers::present;
use crate::http::{Body, Reply, Req, Target};
use crate::paging::Selectors;
use crate::status::{ApiError, ApiResult};
use crate::store::{Change, ChangeType};
use bytes::Bytes;
use futures::stream;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use serde_json::{json, Value};
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};

type Chunk = Result<Frame<Bytes>, std::io::Error>;

fn line(kind: &str, object: Value) -> Bytes {
    let mut v = serde_json::to_vec(&json!({"type": kind, "object": object})).unwrap_or_default();
    v.push(b'\n');
    Bytes::from(v)
}

fn expired_event(rv: &str, current: u64) -> Bytes {
    let mut e = ApiError::expired(format!("too old resource version: {rv} ({current})"));
    e.details = None;
    line("ERROR", e.to_status())
}

/// Turns a body of chunks from a channel into a response body.
pub(crate) fn channel_body(rx: mpsc::Receiver<Chunk>) -> Body {
    let s = stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|c| (c, rx)) });
    StreamBody::new(s).boxed()
}

struct Filter {
    plural: &'static str,
    namespace: Option<String>,
    sel: Selectors,
}

impl Filter {
    fn matches(&self, obj: &Value) -> bool {
        let ns_ok = self.namespace.as_ref().is_none_or(|ns| {
            obj.pointer("/metadata/namespace").and_then(Value::as_str) == Some(ns)
        });
        ns_ok && self.sel.matches(obj)
    }

    /// The event type a change shows as through this filter (objects entering or leaving the
    /// selection appear as ADDED / DELETED), or `None` when invisible.
    fn translate(&self, c: &Change) -> Option<&'static str> {
        if c.plural != self.plural {
            return None;
        }
        let now = self.matches(&c.object);
        let before = c.old.as_ref().map(|o| self.matches(o));
        match (c.kind, now, before) {
            (ChangeType::Added, true, _) => Some("ADDED"),
            (ChangeType::Deleted, true, _) => Some("DELETED"),
            (ChangeType::Modified, true, Some(false)) => Some("ADDED"),
            (ChangeType::Modified, true, _) => Some("MODIFIED"),
            (ChangeType::Modified, false, Some(true)) => Some("DELETED"),
            _ => None,
        }
    }
}

/// Cuts the stream abruptly (after giving the frames already queued time to be written).
async fn cut(tx: &mpsc::Sender<Chunk>) {
    tokio::time::sleep(Duration::from_millis(50)).await;
    let _ = tx
        .send(Err(std::io::Error::other(
            "watch dropped (fault injection)",
        )))
        .await;
}

/// Starts a watch and answers with its stream.
pub(crate) fn watch(api: &FakeApi, t: &Target, req: &Req) -> ApiResult<Reply> {
    let q = &req.query;
    let filter = Filter {
        plural: t.res.plural,
        namespace: t.namespace.clone(),
        sel: Selectors::parse(q, t.res.plural)?,
    };
    let rv_param = q.get("resourceVersion").unwrap_or("").to_string();
    let send_initial = q.flag("sendInitialEvents") || rv_param.is_empty() || rv_param == "0";
    let timeout = q
        .get("timeoutSeconds")
        .and_then(|s| s.parse::<u64>().ok())
        .filter(|s| *s > 0)
        .map(Duration::from_secs)
        .unwrap_or(Duration::from_secs(1800));
    let bookmarks = q.flag("allowWatchBookmarks");
    let include = req
        .wants_table()
        .then(|| q.get("includeObject").unwrap_or("Metadata").to_string());
    let render = move |t: &Target, obj: &Value| {
        let o = present(t, obj, false);
        match &include {
            Some(inc) => crate::table::to_table(t, o, false, inc),
            None => o,
        }
    };
    let drop_after = api.faults().faults.drop_watch_after_events;
    let (tx, rx) = mpsc::channel::<Chunk>(256);

    let mut initial: Vec<Bytes> = Vec::new();
    let store = api.store();
    let current = store.rv();
    let live = if send_initial {
        for (_, obj) in store.list(t.res.plural, t.namespace.as_deref()) {
            if filter.matches(obj) {
                initial.push(line("ADDED", render(t, obj)));
            }
        }
        if q.flag("sendInitialEvents") {
            let (_, av) = crate::paging::list_header(t);
            initial.push(line(
                "BOOKMARK",
                json!({"kind": t.res.kind, "apiVersion": av, "metadata": {"resourceVersion": current.to_string(),
                    "annotations": {"k8s.io/initial-events-end": "true"}}}),
            ));
        }
        Some(store.subscribe())
    } else {
        let rv: u64 = rv_param
            .parse()
            .map_err(|_| ApiError::bad_request(format!("invalid resource version: {rv_param}")))?;
        match store.changes_since(rv) {
            Some((past, rx)) => {
                for c in &past {
                    if let Some(kind) = filter.translate(c) {
                        initial.push(line(kind, render(t, &c.object)));
                    }
                }
                Some(rx)
            }
            None => {
                initial.push(expired_event(&rv_param, current));
                None
            }
        }
    };
    drop(store);
    let t = t.clone();
    tokio::spawn(async move {
        let mut sent = 0usize;
        let send = |b: Bytes| tx.send(Ok(Frame::data(b)));
        for b in initial {
            if drop_after.is_some_and(|n| sent >= n) {
                cut(&tx).await;
                return;
            }
            if send(b).await.is_err() {
                return;
            }
            sent += 1;
        }
        let Some(mut live) = live else { return };
        let deadline = tokio::time::Instant::now() + timeout;
        let mut last_rv = current;
        loop {
            let next = tokio::time::timeout_at(deadline, live.recv());
            let ev = tokio::select! {
                r = next => r,
                _ = tx.closed() => return,
                _ = tokio::time::sleep(Duration::from_secs(5)), if bookmarks => {
                    let (_, av) = crate::paging::list_header(&t);
                    let bm = json!({"kind": t.res.kind, "apiVersion": av, "metadata": {"resourceVersion": last_rv.to_string()}});
                    if send(line("BOOKMARK", bm)).await.is_err() { return; }
                    continue;
                }
            };
            let change = match ev {
                Err(_) => return,
                Ok(Err(broadcast::error::RecvError::Lagged(_))) => {
                    let _ = send(expired_event(&last_rv.to_string(), last_rv)).await;
                    return;
                }
                Ok(Err(broadcast::error::RecvError::Closed)) => return,
                Ok(Ok(c)) => c,
            };
            last_rv = change.rv;
            let Some(kind) = filter.translate(&change) else {
                continue;
            };
            if drop_after.is_some_and(|n| sent >= n) {
                cut(&tx).await;
                return;
            }
            if send(line(kind, render(&t, &change.object))).await.is_err() {
                return;
            }
            sent += 1;
        }
    });
    Ok(Reply::Stream("application/json", channel_body(rx)))
}
