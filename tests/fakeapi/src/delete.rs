//! Deletes: single objects (with propagation and dry run) and collections with selectors.

use crate::api::{delete_cascading, FakeApi};
use crate::handlers::{dry_run, load_old, present};
use crate::http::{Reply, Req, Target};
use crate::paging::{self, Selectors};
use crate::status::{ApiError, ApiResult};
use crate::util;
use serde_json::{json, Value};

fn propagation(req: &Req) -> ApiResult<String> {
    let from_body = serde_json::from_slice::<Value>(&req.body)
        .ok()
        .and_then(|b| {
            b.get("propagationPolicy")
                .and_then(Value::as_str)
                .map(String::from)
        });
    let p = req
        .query
        .get("propagationPolicy")
        .map(String::from)
        .or(from_body)
        .unwrap_or_else(|| "Background".into());
    if !matches!(p.as_str(), "Orphan" | "Background" | "Foreground") {
        return Err(ApiError::invalid("DeleteOptions", "", "", &[(
            "FieldValueNotSupported".into(),
            "propagationPolicy".into(),
            format!("Unsupported value: \"{p}\": supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\""),
        )]));
    }
    Ok(p)
}

fn body_dry_run(req: &Req) -> bool {
    serde_json::from_slice::<Value>(&req.body)
        .ok()
        .and_then(|b| b.get("dryRun").cloned())
        .is_some_and(|d| d == json!(["All"]))
}

/// Answers a delete; returns the deleted object's last state.
pub(crate) fn delete(api: &FakeApi, t: &Target, req: &Req) -> ApiResult<Reply> {
    let dry = dry_run(req)? || body_dry_run(req);
    let policy = propagation(req)?;
    let mut store = api.store();
    let old = load_old(&store, t)?;
    if dry {
        return Ok(Reply::Json(200, present(t, &old, false)));
    }
    let (ns, name) = crate::store::key_of(&old);
    let removed = if policy == "Orphan" {
        store.remove(t.res.plural, &ns, &name)
    } else {
        delete_cascading(&mut store, t.res.plural, &ns, &name)
    };
    let mut out = removed.unwrap_or(old);
    if t.res.plural == "namespaces" {
        out["status"] = json!({"phase": "Terminating"});
    }
    out["metadata"]["deletionTimestamp"] = json!(util::now());
    Ok(Reply::Json(200, present(t, &out, false)))
}

/// Answers a delete collection (with selectors); returns the deleted objects as a list.
pub(crate) fn delete_collection(api: &FakeApi, t: &Target, req: &Req) -> ApiResult<Reply> {
    let dry = dry_run(req)? || body_dry_run(req);
    propagation(req)?;
    let sel = Selectors::parse(&req.query, t.res.plural)?;
    let mut store = api.store();
    let keys: Vec<(String, String)> = store
        .list(t.res.plural, t.namespace.as_deref())
        .filter(|(_, o)| sel.matches(o))
        .map(|(k, _)| k.clone())
        .collect();
    let mut items = Vec::new();
    for (ns, name) in keys {
        let obj = if dry {
            store.get(t.res.plural, &ns, &name).cloned()
        } else {
            delete_cascading(&mut store, t.res.plural, &ns, &name)
        };
        items.extend(obj.map(|o| present(t, &o, true)));
    }
    let (kind, api_version) = paging::list_header(t);
    Ok(Reply::Json(
        200,
        json!({"kind": kind, "apiVersion": api_version, "metadata": {"resourceVersion": store.rv().to_string()}, "items": items}),
    ))
}
