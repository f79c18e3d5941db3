//! Lists with selectors and paging (`limit`, `continue`, `remainingItemCount`).

use crate::api::FakeApi;
use crate::http::{Query, Target};
use crate::selectors::{FieldSelector, LabelSelector};
use crate::status::{ApiError, ApiResult};
use crate::util;
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

/// Answers a list request.
pub(crate) fn list(api: &FakeApi, t: &Target, q: &Query) -> ApiResult<Value> {
    let sel = Selectors::parse(q, t.res.plural)?;
    let start = match q.get("continue").filter(|c| !c.is_empty()) {
        Some(token) => {
            let mut st = api.faults();
            if st.faults.expire_continue_tokens && st.expired_tokens.insert(token.to_string()) {
                let mut e = ApiError::expired(EXPIRED_MSG);
                e.details = Some(json!({}));
                return Err(e);
            }
            drop(st);
            Some(decode_token(token)?)
        }
        None => None,
    };
    let mut limit: Option<usize> = q
        .get("limit")
        .and_then(|l| l.parse().ok())
        .filter(|l| *l > 0);
    if let (Some(l), Some(cap)) = (limit, api.faults().faults.max_page_size) {
        limit = Some(l.min(cap.max(1)));
    }
    let store = api.store();
    let rv = store.rv();
    let ns = t.namespace.as_deref();
    let matching = store
        .list(t.res.plural, ns)
        .filter(|((kns, kname), _)| {
            start.as_ref().is_none_or(|s| {
                let (sns, sname) = s.split_once('/').unwrap_or(("", s));
                (kns.as_str(), kname.as_str()) > (sns, sname)
            })
        })
        .filter(|(_, obj)| sel.matches(obj));
    let mut items = Vec::new();
    let mut last_key = String::new();
    let mut remaining = 0usize;
    for ((kns, kname), obj) in matching {
        if limit.is_some_and(|l| items.len() >= l) {
            remaining += 1;
            continue;
        }
        last_key = format!("{kns}/{kname}");
        items.push(crate::handlers::present(t, obj, true));
    }
    let (kind, api_version) = list_header(t);
    let mut meta = json!({"resourceVersion": rv.to_string()});
    if remaining > 0 {
        meta["continue"] = json!(encode_token(rv, &last_key));
        if sel.is_empty() {
            meta["remainingItemCount"] = json!(remaining);
        }
    }
    Ok(json!({"kind": kind, "apiVersion": api_version, "metadata": meta, "items": items}))
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
