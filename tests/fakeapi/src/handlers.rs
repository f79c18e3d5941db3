//! CRUD handlers: get, create, update, patch (merge, strategic, JSON, apply), delete,
//! delete collection, pod binding and self subject access reviews.

use crate::api::{yaml_to_json, FakeApi};
use crate::apply::{self, ApplyRequest};
use crate::http::{Reply, Req, Target};
use crate::objects;
use crate::paging;
use crate::patch;
use crate::status::{self, ApiError, ApiResult};
use crate::store::Store;
use crate::{events, util};
use serde_json::{json, Value};

pub(crate) fn st<'a>(t: &'a Target, name: &'a str) -> status::Target<'a> {
    status::Target {
        plural: t.res.plural,
        group: t.res.group,
        name,
    }
}

/// How an object is shown to the client: events converted for events.k8s.io, list items
/// without apiVersion/kind for built-in types.
pub(crate) fn present(t: &Target, obj: &Value, in_list: bool) -> Value {
    let mut o = if t.res.group == "events.k8s.io" {
        events::to_events_v1(obj)
    } else {
        obj.clone()
    };
    crate::dra::at_version(t.res, &mut o);
    if in_list && !crate::resources::is_custom_group(t.res.group) {
        if let Some(m) = o.as_object_mut() {
            m.remove("apiVersion");
            m.remove("kind");
        }
    }
    o
}

/// Whether this is a dry run (`dryRun=All`); other values are rejected.
pub(crate) fn dry_run(req: &Req) -> ApiResult<bool> {
    let values: Vec<&str> = req
        .query
        .0
        .iter()
        .filter(|(k, _)| k == "dryRun")
        .map(|(_, v)| v.as_str())
        .collect();
    for v in &values {
        if *v != "All" {
            return Err(ApiError::bad_request(format!(
                "dryRun: Unsupported value: \"{v}\": supported values: \"All\""
            )));
        }
    }
    Ok(!values.is_empty())
}

/// Parses a JSON or YAML request body.
pub(crate) fn parse_body(req: &Req) -> ApiResult<Value> {
    if let Ok(v) = serde_json::from_slice::<Value>(&req.body) {
        return Ok(v);
    }
    let text = std::str::from_utf8(&req.body)
        .map_err(|_| ApiError::bad_request("request body is not UTF-8"))?;
    serde_yaml::from_str::<serde_yaml::Value>(text)
        .ok()
        .and_then(yaml_to_json)
        .filter(Value::is_object)
        .ok_or_else(|| ApiError::bad_request("the body of the request was in an unknown format - accepted media types include: application/json, application/yaml"))
}

/// Checks apiVersion/kind and namespace of an incoming object against the URL, filling gaps.
fn normalize(t: &Target, mut obj: Value) -> ApiResult<Value> {
    if !obj.is_object() {
        return Err(ApiError::bad_request(
            "the body of the request must be an object",
        ));
    }
    if t.res.group == "events.k8s.io" {
        obj = events::to_core(&obj);
    }
    let (want_av, want_kind) = if t.res.group == "events.k8s.io" {
        ("v1".to_string(), "Event")
    } else {
        (t.res.api_version(), t.res.kind)
    };
    match obj.get("apiVersion").and_then(Value::as_str) {
        None | Some("") => obj["apiVersion"] = json!(want_av),
        Some(av) if av != want_av => {
            return Err(ApiError::bad_request(format!(
                "the API version in the data ({av}) does not match the expected API version ({want_av})"
            )))
        }
        _ => {}
    }
    match obj.get("kind").and_then(Value::as_str) {
        None | Some("") => obj["kind"] = json!(want_kind),
        Some(k) if k != want_kind => {
            return Err(ApiError::bad_request(format!(
                "the kind in the data ({k}) does not match the expected kind ({want_kind})"
            )))
        }
        _ => {}
    }
    if !obj.get("metadata").is_some_and(Value::is_object) {
        obj["metadata"] = json!({});
    }
    let meta = obj["metadata"].as_object_mut().expect("object");
    if t.res.namespaced {
        let url_ns = t.namespace.clone().unwrap_or_default();
        match meta.get("namespace").and_then(Value::as_str) {
            Some(ns) if !ns.is_empty() && ns != url_ns => {
                return Err(ApiError::bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request",
                ))
            }
            _ => {
                meta.insert("namespace".into(), json!(url_ns));
            }
        }
    } else {
        meta.remove("namespace");
    }
    crate::dra::to_storage(t.res, &mut obj);
    Ok(obj)
}

fn check_url_name(t: &Target, obj: &Value) -> ApiResult<()> {
    let url = t.name.as_deref().unwrap_or("");
    let body = obj
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    if body != url {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({body}) does not match the name on the URL ({url})"
        )));
    }
    Ok(())
}

/// Answers a get.
pub(crate) fn get(api: &FakeApi, t: &Target) -> ApiResult<Value> {
    let name = t.name.as_deref().unwrap_or("");
    let store = api.store();
    let obj = store
        .get(t.res.plural, t.namespace.as_deref().unwrap_or(""), name)
        .ok_or_else(|| ApiError::not_found(st(t, name)))?;
    Ok(present(t, obj, false))
}

/// Answers a list.
pub(crate) fn list(api: &FakeApi, t: &Target, q: &crate::http::Query) -> ApiResult<Value> {
    paging::list(api, t, q)
}

/// Everything a new object gets before it is stored: defaults, validation, namespace and
/// conflict checks, initial status, generation, managedFields (`manager: None` = already set).
fn prepare_create(
    store: &mut Store,
    t: &Target,
    mut obj: Value,
    manager: Option<&str>,
) -> ApiResult<Value> {
    let meta = obj["metadata"].as_object_mut().expect("object");
    let has_name = meta
        .get("name")
        .and_then(Value::as_str)
        .is_some_and(|n| !n.is_empty());
    if !has_name {
        if let Some(prefix) = meta
            .get("generateName")
            .and_then(Value::as_str)
            .filter(|p| !p.is_empty())
        {
            let suffix = store.prng.string(b"bcdfghjklmnpqrstvwxz2456789", 5);
            meta.insert("name".into(), json!(format!("{prefix}{suffix}")));
        }
    }
    for k in [
        "uid",
        "resourceVersion",
        "creationTimestamp",
        "deletionTimestamp",
        "generation",
    ] {
        meta.remove(k);
    }
    objects::apply_defaults(t.res, &mut obj);
    objects::validate(t.res, &obj)?;
    let name = obj["metadata"]["name"].as_str().unwrap_or("").to_string();
    let ns = obj
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if t.res.namespaced && store.get("namespaces", "", &ns).is_none() {
        return Err(ApiError::not_found(status::Target {
            plural: "namespaces",
            group: "",
            name: &ns,
        }));
    }
    if store.get(t.res.plural, &ns, &name).is_some() {
        return Err(ApiError::already_exists(st(t, &name)));
    }
    if let Some(s) = objects::initial_status(t.res, &obj) {
        obj["status"] = s;
    }
    if t.res.has_generation() {
        obj["metadata"]["generation"] = json!(1);
    }
    if let Some(m) = manager {
        apply::record_update(None, &mut obj, m, &t.res.api_version(), None);
    }
    Ok(obj)
}

/// Stores (or, for a dry run, only completes) a prepared new object.
fn store_new(store: &mut Store, t: &Target, obj: Value, dry: bool) -> Value {
    if dry {
        let mut obj = obj;
        obj["metadata"]["uid"] = json!(store.prng.uuid());
        obj["metadata"]["creationTimestamp"] = json!(util::now());
        obj
    } else {
        store.put(t.res.plural, obj)
    }
}

/// Answers a create (POST on a collection).
pub(crate) fn create(api: &FakeApi, t: &Target, req: &Req) -> ApiResult<Reply> {
    if t.res.plural == "selfsubjectaccessreviews" {
        return Ok(crate::special::access_review(api, req));
    }
    let dry = dry_run(req)?;
    if t.res.namespaced && t.namespace.is_none() {
        return Err(ApiError::method_not_allowed("POST"));
    }
    let obj = normalize(t, parse_body(req)?)?;
    let manager = req.manager();
    let mut store = api.store();
    let obj = prepare_create(&mut store, t, obj, Some(&manager))?;
    let obj = store_new(&mut store, t, obj, dry);
    Ok(Reply::Json(201, present(t, &obj, false)))
}

/// How managedFields are maintained for a write.
enum Mode<'a> {
    Update(&'a str),
    Apply,
}

/// Everything an updated object goes through before it is stored; returns the code and object.
fn finish_update(
    store: &mut Store,
    t: &Target,
    old: &Value,
    new: Value,
    mode: Mode<'_>,
    dry: bool,
) -> ApiResult<Value> {
    let sub = t.sub.as_deref();
    let mut new = if sub == Some("status") {
        let mut o = old.clone();
        o["status"] = new.get("status").cloned().unwrap_or(Value::Null);
        if let (Mode::Apply, Some(mf)) = (&mode, new.pointer("/metadata/managedFields")) {
            o["metadata"]["managedFields"] = mf.clone();
        }
        o
    } else {
        let mut n = new;
        if t.res.has_status() || t.res.plural == "pods" {
            match old.get("status") {
                Some(s) => n["status"] = s.clone(),
                None => {
                    if let Some(m) = n.as_object_mut() {
                        m.remove("status");
                    }
                }
            }
        }
        n
    };
    for k in [
        "uid",
        "creationTimestamp",
        "generation",
        "deletionTimestamp",
        "namespace",
        "name",
    ] {
        match old.pointer(&format!("/metadata/{k}")) {
            Some(v) => new["metadata"][k] = v.clone(),
            None => {
                if let Some(m) = new["metadata"].as_object_mut() {
                    m.remove(k);
                }
            }
        }
    }
    objects::apply_defaults(t.res, &mut new);
    objects::validate(t.res, &new)?;
    if t.res.has_generation() && sub.is_none() && new.get("spec") != old.get("spec") {
        let g = old
            .pointer("/metadata/generation")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        new["metadata"]["generation"] = json!(g + 1);
    }
    let strip = |v: &Value| {
        let mut v = apply::without_managed(v);
        v["metadata"]["resourceVersion"] = Value::Null;
        v
    };
    match mode {
        Mode::Update(m) => {
            if strip(old) == strip(&new) {
                return Ok(old.clone());
            }
            apply::record_update(Some(old), &mut new, m, &t.res.api_version(), sub);
        }
        Mode::Apply => {}
    }
    if dry {
        new["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"].clone();
        return Ok(new);
    }
    Ok(store.put(t.res.plural, new))
}

pub(crate) fn load_old(store: &Store, t: &Target) -> ApiResult<Value> {
    let name = t.name.as_deref().unwrap_or("");
    store
        .get(t.res.plural, t.namespace.as_deref().unwrap_or(""), name)
        .cloned()
        .ok_or_else(|| ApiError::not_found(st(t, name)))
}

/// Answers an update (PUT).
pub(crate) fn update(api: &FakeApi, t: &Target, req: &Req) -> ApiResult<Reply> {
    let dry = dry_run(req)?;
    let obj = normalize(t, parse_body(req)?)?;
    check_url_name(t, &obj)?;
    let manager = req.manager();
    let mut store = api.store();
    let old = load_old(&store, t)?;
    if let Some(rv) = obj
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .filter(|r| !r.is_empty())
    {
        if Some(rv)
            != old
                .pointer("/metadata/resourceVersion")
                .and_then(Value::as_str)
        {
            return Err(ApiError::conflict_modified(st(
                t,
                t.name.as_deref().unwrap_or(""),
            )));
        }
    }
    let out = finish_update(&mut store, t, &old, obj, Mode::Update(&manager), dry)?;
    Ok(Reply::Json(200, present(t, &out, false)))
}

/// Answers a patch of any supported type.
pub(crate) fn patch(api: &FakeApi, t: &Target, req: &Req) -> ApiResult<Reply> {
    let dry = dry_run(req)?;
    let ct = req
        .header("content-type")
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_string();
    if ct == "application/apply-patch+yaml" || ct == "application/apply-patch+cbor" {
        return apply_patch(api, t, req, dry);
    }
    if req.query.get("force").is_some() {
        return Err(ApiError::bad_request(
            "force: Invalid value: true: may not be specified for non-apply patch",
        ));
    }
    let body = parse_body(req)?;
    let manager = req.manager();
    let mut store = api.store();
    let old = load_old(&store, t)?;
    let mut new = if t.res.group == "events.k8s.io" {
        events::to_events_v1(&old)
    } else {
        old.clone()
    };
    crate::dra::at_version(t.res, &mut new);
    match ct.as_str() {
        "application/merge-patch+json" => patch::merge_patch(&mut new, &body),
        "application/strategic-merge-patch+json" => patch::strategic_merge_patch(&mut new, &body)?,
        "application/json-patch+json" => patch::json_patch(&mut new, &body)?,
        other => {
            return Err(ApiError::new(
                415,
                "UnsupportedMediaType",
                format!("the body of the request was in an unknown format ({other}) - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json"),
            ))
        }
    }
    let new = normalize(t, new)?;
    check_url_name(t, &new)?;
    let out = finish_update(&mut store, t, &old, new, Mode::Update(&manager), dry)?;
    Ok(Reply::Json(200, present(t, &out, false)))
}

fn apply_patch(api: &FakeApi, t: &Target, req: &Req, dry: bool) -> ApiResult<Reply> {
    let manager = req
        .query
        .get("fieldManager")
        .filter(|m| !m.is_empty())
        .ok_or_else(|| ApiError::bad_request("PATCH requests with apply patch type require a fieldManager query parameter: fieldManager is required for apply requests"))?
        .to_string();
    let config = normalize(t, parse_body(req)?)?;
    check_url_name(t, &config)?;
    let mut store = api.store();
    let existing = store
        .get(
            t.res.plural,
            t.namespace.as_deref().unwrap_or(""),
            t.name.as_deref().unwrap_or(""),
        )
        .cloned();
    let sub = t.sub.as_deref();
    let areq = ApplyRequest {
        manager: &manager,
        force: req.query.flag("force"),
        api_version: &t.res.api_version(),
        subresource: sub,
    };
    let result = apply::apply(existing.as_ref(), &config, &areq)?;
    let (code, out) = match (existing, result) {
        (Some(old), None) => (200, old),
        (Some(old), Some(new)) => (
            200,
            finish_update(&mut store, t, &old, new, Mode::Apply, dry)?,
        ),
        (None, Some(new)) => {
            if sub.is_some() {
                return Err(ApiError::not_found(st(t, t.name.as_deref().unwrap_or(""))));
            }
            let obj = prepare_create(&mut store, t, new, None)?;
            (201, store_new(&mut store, t, obj, dry))
        }
        (None, None) => unreachable!("apply on a missing object always creates"),
    };
    Ok(Reply::Json(code, present(t, &out, false)))
}
