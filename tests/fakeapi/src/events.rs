//! Events: recording (with the real aggregation of repeats) and conversion between the core
//! `v1` Event stored here and the `events.k8s.io/v1` form.

use crate::store::Store;
use crate::util;
use serde_json::{json, Value};

/// Who reports an event.
pub(crate) struct Source<'a> {
    /// `source.component` / `reportingComponent`, e.g. `default-scheduler`, `kubelet`.
    pub component: &'a str,
    /// `source.host` (kubelet events).
    pub host: Option<&'a str>,
}

/// The `involvedObject` reference of an object; `field_path` e.g. `spec.containers{c}`.
pub(crate) fn reference(obj: &Value, field_path: Option<&str>) -> Value {
    let mut r = json!({
        "kind": obj["kind"], "namespace": obj.pointer("/metadata/namespace").cloned().unwrap_or(json!("")),
        "name": obj["metadata"]["name"], "uid": obj["metadata"]["uid"],
        "apiVersion": obj["apiVersion"], "resourceVersion": obj["metadata"]["resourceVersion"],
    });
    if let Some(fp) = field_path {
        r["fieldPath"] = json!(fp);
    }
    r
}

/// Records an event about `involved` (namespace `default` for cluster-scoped objects); repeats of
/// the same (object, reason, message, source) bump `count` and `lastTimestamp`.
pub(crate) fn record(
    store: &mut Store,
    involved: Value,
    type_: &str,
    reason: &str,
    message: &str,
    src: Source<'_>,
) {
    let ns = involved
        .get("namespace")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .unwrap_or("default")
        .to_string();
    let now = util::now();
    let existing = store
        .list("events", Some(&ns))
        .find(|(_, e)| {
            e.pointer("/involvedObject/uid") == involved.get("uid")
                && e.pointer("/involvedObject/fieldPath") == involved.get("fieldPath")
                && e["reason"] == reason
                && e["message"] == message
                && e.pointer("/source/component").and_then(Value::as_str) == Some(src.component)
        })
        .map(|(_, e)| e.clone());
    if let Some(mut e) = existing {
        let count = e.get("count").and_then(Value::as_i64).unwrap_or(1);
        e["count"] = json!(count + 1);
        e["lastTimestamp"] = json!(now);
        store.put("events", e);
        return;
    }
    let name = format!(
        "{}.{:016x}",
        involved["name"].as_str().unwrap_or("object"),
        store.prng.next_u64() >> 4
    );
    let mut source = json!({"component": src.component});
    if let Some(h) = src.host {
        source["host"] = json!(h);
    }
    let event = json!({
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": name, "namespace": ns},
        "involvedObject": involved, "reason": reason, "message": message, "source": source,
        "firstTimestamp": now, "lastTimestamp": now, "count": 1, "type": type_,
        "eventTime": null, "reportingComponent": src.component,
        "reportingInstance": src.host.map(|h| format!("{}-{h}", src.component)).unwrap_or_default(),
    });
    store.put("events", event);
}

/// A core event shown as `events.k8s.io/v1`.
pub(crate) fn to_events_v1(core: &Value) -> Value {
    if core.get("apiVersion").and_then(Value::as_str) == Some("events.k8s.io/v1") {
        return core.clone();
    }
    let g = |k: &str| core.get(k).cloned().unwrap_or(Value::Null);
    let mut e = json!({
        "apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": g("metadata"),
        "regarding": g("involvedObject"), "reason": g("reason"), "note": g("message"), "type": g("type"),
        "reportingController": core.pointer("/source/component").cloned().unwrap_or(g("reportingComponent")),
        "reportingInstance": g("reportingInstance"),
        "deprecatedSource": g("source"), "deprecatedFirstTimestamp": g("firstTimestamp"),
        "deprecatedLastTimestamp": g("lastTimestamp"), "deprecatedCount": g("count"),
        "eventTime": g("eventTime"), "action": g("action"),
    });
    if let Some(m) = e.as_object_mut() {
        m.retain(|_, v| !v.is_null());
    }
    e
}

/// An `events.k8s.io/v1` event converted to the stored core form.
pub(crate) fn to_core(ev: &Value) -> Value {
    if ev.get("apiVersion").and_then(Value::as_str) != Some("events.k8s.io/v1") {
        return ev.clone();
    }
    let g = |k: &str| ev.get(k).cloned().unwrap_or(Value::Null);
    let mut e = json!({
        "apiVersion": "v1", "kind": "Event", "metadata": g("metadata"),
        "involvedObject": g("regarding"), "reason": g("reason"), "message": g("note"), "type": g("type"),
        "source": ev.get("deprecatedSource").cloned().unwrap_or_else(|| json!({"component": g("reportingController")})),
        "reportingComponent": g("reportingController"), "reportingInstance": g("reportingInstance"),
        "firstTimestamp": g("deprecatedFirstTimestamp"), "lastTimestamp": g("deprecatedLastTimestamp"),
        "count": g("deprecatedCount"), "eventTime": g("eventTime"), "action": g("action"),
    });
    if let Some(m) = e.as_object_mut() {
        m.retain(|k, v| !v.is_null() || k == "eventTime");
    }
    e
}
