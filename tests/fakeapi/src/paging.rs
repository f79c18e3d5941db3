//! Lists with selectors and paging (`limit`, `continue`, `remainingItemCount`).

use crate::api::FakeApi;
use crate::http::{Query, Target};
use crate::selectors::{FieldSelector, LabelSelector};
use crate::status::{ApiError, ApiResult};
use crate::store::{Entry, Key, Store};
use crate::util;
use bytes::Bytes;
use serde_json::{json, Value};

const EXPIRED_MSG: &str = "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.";

/// Builds an opaque continue token (base64 JSON, like the real server's).
fn encode_token(rv: u64, start: &str) -> String {
    let doc = json!({"v": "meta.k8s.io/v1", "rv": rv, "start": format!("{start}\u{0}")});
    util::base64_encode(doc.to_string().as_bytes())
}

fn decode_token(token: &str) -> ApiResult<String> {
    let bad = || ApiError::bad_request(format!("continue key is not valid: {token}"));
    let bytes = util::base64_decode(token).ok_or_else(bad)?;
    let doc: Value = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    let start = doc.get("start").and_then(Value::as_str).ok_or_else(bad)?;
    Ok(start.trim_end_matches('\u{0}').to_string())
}

/// Selectors of a list or watch request.
pub(crate) struct Selectors {
    pub labels: LabelSelector,
    pub fields: FieldSelector,
}

impl Selectors {
    /// Parses `labelSelector` and `fieldSelector`.
    pub fn parse(q: &Query, plural: &str) -> ApiResult<Self> {
        Ok(Selectors {
            labels: LabelSelector::parse(q.get("labelSelector").unwrap_or(""))?,
            fields: FieldSelector::parse(q.get("fieldSelector").unwrap_or(""), plural)?,
        })
    }

    /// Whether an object matches both selectors.
    pub fn matches(&self, obj: &Value) -> bool {
        self.labels.matches(obj) && self.fields.matches(obj)
    }

    /// True when neither selector has a requirement.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty() && self.fields.is_empty()
    }
}

/// The list kind and apiVersion for a target.
pub(crate) fn list_header(t: &Target) -> (String, String) {
    (format!("{}List", t.res.kind), t.res.api_version())
}

/// One page of a list: the entries shown and what the list metadata says.
struct Page<'a> {
    items: Vec<&'a Entry>,
    rv: u64,
    continue_token: Option<String>,
    remaining: Option<usize>,
}

/// Parses the continue token (or fails it, when fault injection expires it).
fn continue_point(api: &FakeApi, q: &Query) -> ApiResult<Option<Key>> {
    let Some(token) = q.get("continue").filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    let mut st = api.faults();
    if st.faults.expire_continue_tokens && st.expired_tokens.insert(token.to_string()) {
        let mut e = ApiError::expired(EXPIRED_MSG);
        e.details = Some(json!({}));
        return Err(e);
    }
    drop(st);
    let start = decode_token(token)?;
    let (ns, name) = start.split_once('/').unwrap_or(("", &start));
    Ok(Some((ns.to_string(), name.to_string())))
}

/// The page size asked for, capped by fault injection.
fn page_limit(api: &FakeApi, q: &Query) -> Option<usize> {
    let limit: Option<usize> = q
        .get("limit")
        .and_then(|l| l.parse().ok())
        .filter(|l| *l > 0);
    let faults = &api.faults().faults;
    match (limit, faults.max_page_size) {
        (Some(l), Some(cap)) => Some(l.min(cap.max(1))),
        // A server that pages whatever the client asks (some aggregated APIs and proxies do).
        (None, cap) if faults.endless_paging => Some(cap.unwrap_or(1).max(1)),
        (l, _) => l,
    }
}

/// Selects one page: the matching objects after the continue point, up to the limit. Pods
/// asked for by `spec.nodeName=` are read from the node index instead of a full scan.
fn select<'a>(
    store: &'a Store,
    t: &'a Target,
    sel: &'a Selectors,
    after: Option<&Key>,
    limit: Option<usize>,
) -> Page<'a> {
    let ns = t.namespace.as_deref();
    let candidates: Box<dyn Iterator<Item = (&'a Key, &'a Entry)> + 'a> =
        match (t.res.plural, sel.fields.required("spec.nodeName")) {
            ("pods", Some(node)) => Box::new(store.pods_on_node(node, ns, after)),
            _ => Box::new(store.entries_after(t.res.plural, ns, after)),
        };
    let mut matching = candidates.filter(|(_, e)| sel.matches(&e.obj));
    let mut items = Vec::new();
    let mut last = None;
    for (key, entry) in matching.by_ref() {
        items.push(entry);
        last = Some(key);
        if limit.is_some_and(|l| items.len() >= l) {
            break;
        }
    }
    let rv = store.rv();
    let more = limit.is_some_and(|l| items.len() >= l);
    let (continue_token, remaining) = match last {
        Some((kns, kname)) if more => {
            // Without selectors every further object counts; with them, one match is enough
            // to know the list goes on (the real server does not count them either).
            let remaining = if sel.is_empty() {
                matching.count()
            } else {
                usize::from(matching.next().is_some())
            };
            let token = (remaining > 0).then(|| encode_token(rv, &format!("{kns}/{kname}")));
            (
                token,
                (remaining > 0 && sel.is_empty()).then_some(remaining),
            )
        }
        _ => (None, None),
    };
    Page {
        items,
        rv,
        continue_token,
        remaining,
    }
}

fn list_meta(page: &Page<'_>) -> Value {
    let mut meta = json!({"resourceVersion": page.rv.to_string()});
    if let Some(token) = &page.continue_token {
        meta["continue"] = json!(token);
    }
    if let Some(n) = page.remaining {
        meta["remainingItemCount"] = json!(n);
    }
    meta
}

/// Answers a list request as a JSON value (for Tables and in-process callers).
pub(crate) fn list(api: &FakeApi, t: &Target, q: &Query) -> ApiResult<Value> {
    let sel = Selectors::parse(q, t.res.plural)?;
    let after = continue_point(api, q)?;
    let limit = page_limit(api, q);
    let store = api.store();
    let page = select(&store, t, &sel, after.as_ref(), limit);
    let items: Vec<Value> = page
        .items
        .iter()
        .map(|e| crate::handlers::present(t, &e.obj, true))
        .collect();
    let (kind, api_version) = list_header(t);
    Ok(
        json!({"kind": kind, "apiVersion": api_version, "metadata": list_meta(&page), "items": items}),
    )
}

/// Answers a list request as response bytes, copying each item's cached JSON: the same
/// document as [`list`], built without cloning or re-serializing the objects.
pub(crate) fn list_bytes(api: &FakeApi, t: &Target, q: &Query) -> ApiResult<Bytes> {
    let sel = Selectors::parse(q, t.res.plural)?;
    let after = continue_point(api, q)?;
    let limit = page_limit(api, q);
    let store = api.store();
    let page = select(&store, t, &sel, after.as_ref(), limit);
    let (kind, api_version) = list_header(t);
    let head = json!({"kind": kind, "apiVersion": api_version, "metadata": list_meta(&page)});
    let head = serde_json::to_vec(&head).unwrap_or_default();
    // Cached item JSON is only valid where `present` merely drops apiVersion and kind.
    let plain = t.res.group != "events.k8s.io" && !crate::resources::is_custom_group(t.res.group);
    let size: usize = if plain {
        page.items.iter().map(|e| e.item_json().len() + 1).sum()
    } else {
        0
    };
    let mut out = Vec::with_capacity(head.len() + size + 16);
    out.extend_from_slice(&head[..head.len() - 1]);
    out.extend_from_slice(b",\"items\":[");
    for (i, entry) in page.items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        if plain {
            out.extend_from_slice(entry.item_json());
        } else {
            let item = crate::handlers::present(t, &entry.obj, true);
            out.extend_from_slice(&serde_json::to_vec(&item).unwrap_or_default());
        }
    }
    out.extend_from_slice(b"]}\n");
    Ok(Bytes::from(out))
}

#[cfg(test)]
mod tests {
    #[test]
    fn token_roundtrip() {
        let t = super::encode_token(7, "ns/name");
        assert_eq!(super::decode_token(&t).unwrap(), "ns/name");
        assert!(super::decode_token("!!!").is_err());
    }
}
