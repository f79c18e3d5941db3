//! Evictions (`POST pods/{name}/eviction`) with PodDisruptionBudgets, as the API server's
//! eviction REST (kubernetes `pkg/registry/core/pod/storage/eviction.go`) does them, and the
//! part of the disruption controller (`pkg/controller/disruption`) that keeps each PDB's status
//! (`currentHealthy`, `desiredHealthy`, `disruptionsAllowed`, `expectedPods`, the
//! `DisruptionAllowed` condition, `disruptedPods`) in step with its pods.

use crate::api::{delete_cascading, FakeApi};
use crate::handlers::parse_body;
use crate::http::{Reply, Req, Target};
use crate::status::{self, ApiError, ApiResult};
use crate::store::{key_of, Store};
use crate::util;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// The message of every 429 an eviction gets from a PodDisruptionBudget.
pub const VIOLATION: &str = "Cannot evict pod as it would violate the pod's disruption budget.";
/// The message of the 500 for a pod covered by several PodDisruptionBudgets.
pub const MULTIPLE_PDBS: &str =
    "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.";
/// How long an eviction stays in `status.disruptedPods` before the controller forgets it
/// (`DeletionTimeout` of the disruption controller).
const DELETION_TIMEOUT_SECS: i64 = 120;

/// `metav1.LabelSelector` (matchLabels + matchExpressions) against a label map. An absent or
/// empty selector matches nothing, as the eviction REST and the disruption controller treat it.
pub(crate) fn selector_matches(sel: &Value, labels: &Value) -> bool {
    let label = |k: &str| labels.get(k).and_then(Value::as_str);
    let ml = sel.get("matchLabels").and_then(Value::as_object);
    let me = sel.get("matchExpressions").and_then(Value::as_array);
    if ml.is_none_or(|m| m.is_empty()) && me.is_none_or(|e| e.is_empty()) {
        return false;
    }
    let labels_ok = ml
        .into_iter()
        .flatten()
        .all(|(k, v)| label(k) == v.as_str());
    let exprs_ok = me.into_iter().flatten().all(|e| {
        let key = e["key"].as_str().unwrap_or("");
        let values: Vec<&str> = e["values"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        match e["operator"].as_str().unwrap_or("") {
            "In" => label(key).is_some_and(|v| values.contains(&v)),
            "NotIn" => !label(key).is_some_and(|v| values.contains(&v)),
            "Exists" => label(key).is_some(),
            "DoesNotExist" => label(key).is_none(),
            _ => false,
        }
    });
    labels_ok && exprs_ok
}

/// `podutil.IsPodReady`: the Ready condition is True.
pub(crate) fn is_ready(pod: &Value) -> bool {
    pod.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|cs| {
            cs.iter()
                .any(|c| c["type"] == "Ready" && c["status"] == "True")
        })
}

fn phase(pod: &Value) -> &str {
    pod.pointer("/status/phase")
        .and_then(Value::as_str)
        .unwrap_or("Pending")
}

/// `canIgnorePDB`: terminal, pending and already terminating pods are deleted without a PDB check.
fn can_ignore_pdb(pod: &Value) -> bool {
    matches!(phase(pod), "Succeeded" | "Failed" | "Pending")
        || pod.pointer("/metadata/deletionTimestamp").is_some()
}

/// The PDBs in the pod's namespace whose selector matches the pod.
fn pdbs_of(store: &Store, pod: &Value) -> Vec<Value> {
    let ns = pod
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or("");
    let labels = pod
        .pointer("/metadata/labels")
        .cloned()
        .unwrap_or(json!({}));
    store
        .list("poddisruptionbudgets", Some(ns))
        .filter(|(_, pdb)| selector_matches(&pdb["spec"]["selector"], &labels))
        .map(|(_, pdb)| pdb.clone())
        .collect()
}

fn too_many(cause: String) -> ApiError {
    let mut e = ApiError::new(429, "TooManyRequests", VIOLATION);
    e.details = Some(json!({"causes": [{"reason": "DisruptionBudget", "message": cause}]}));
    e
}

fn conflict(name: &str, why: String) -> ApiError {
    let mut e = ApiError::new(
        409,
        "Conflict",
        format!("Operation cannot be fulfilled on pods \"{name}\": {why}"),
    );
    e.details = Some(json!({"name": name, "kind": "pods"}));
    e
}

/// The delete options an eviction runs with: `deleteOptions` of the body, with the request's
/// `dryRun` merged in (`propagateDryRun`).
fn delete_options(body: &Value, req: &Req) -> ApiResult<Value> {
    let query: Vec<Value> = req
        .query
        .0
        .iter()
        .filter(|(k, _)| k == "dryRun")
        .map(|(_, v)| json!(v))
        .collect();
    for v in &query {
        if v != "All" {
            return Err(ApiError::bad_request(format!(
                "dryRun: Unsupported value: {v}: supported values: \"All\""
            )));
        }
    }
    let mut opts = match body.get("deleteOptions") {
        Some(o) if o.is_object() => o.clone(),
        _ => return Ok(json!({"dryRun": query})),
    };
    let body_dry = opts
        .get("dryRun")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if body_dry.is_empty() {
        opts["dryRun"] = json!(query);
    } else if !query.is_empty() && body_dry != query {
        return Err(ApiError::internal(
            "dryRun in eviction and deleteOptions must match",
        ));
    }
    Ok(opts)
}

fn is_dry(opts: &Value) -> bool {
    opts.get("dryRun")
        .and_then(Value::as_array)
        .is_some_and(|d| d.iter().any(|x| x == "All"))
}

/// Checks `deleteOptions.preconditions` (uid, resourceVersion) against the pod.
fn check_preconditions(pod: &Value, opts: &Value, name: &str) -> ApiResult<()> {
    let pre = &opts["preconditions"];
    if let Some(uid) = pre.get("uid").and_then(Value::as_str) {
        let have = pod["metadata"]["uid"].as_str().unwrap_or("");
        if uid != have {
            return Err(conflict(
                name,
                format!(
                    "Precondition failed: UID in precondition: {uid}, UID in object meta: {have}"
                ),
            ));
        }
    }
    if let Some(rv) = pre.get("resourceVersion").and_then(Value::as_str) {
        let have = pod["metadata"]["resourceVersion"].as_str().unwrap_or("");
        if rv != have {
            return Err(conflict(
                name,
                format!("Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in meta: {have}"),
            ));
        }
    }
    Ok(())
}

fn success() -> Reply {
    Reply::Json(
        201,
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}),
    )
}

/// Deletes the pod (unless dry run) after its preconditions hold.
fn delete_pod(store: &mut Store, pod: &Value, opts: &Value, name: &str) -> ApiResult<()> {
    check_preconditions(pod, opts, name)?;
    if !is_dry(opts) {
        let (ns, n) = key_of(pod);
        delete_cascading(store, "pods", &ns, &n);
    }
    Ok(())
}

/// Answers `POST /api/v1/namespaces/{ns}/pods/{name}/eviction`.
pub(crate) fn evict(api: &FakeApi, t: &Target, req: &Req) -> ApiResult<Reply> {
    let body = parse_body(req)?;
    let name = t.name.clone().unwrap_or_default();
    let ns = t.namespace.clone().unwrap_or_default();
    match body.get("apiVersion").and_then(Value::as_str) {
        None | Some("policy/v1" | "policy/v1beta1") => {}
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "the API version in the data ({other}) does not match the expected API version (policy/v1)"
            )))
        }
    }
    if let Some(k) = body.get("kind").and_then(Value::as_str) {
        if k != "Eviction" {
            return Err(ApiError::bad_request(format!(
                "the kind in the data ({k}) does not match the expected kind (Eviction)"
            )));
        }
    }
    if let Some(bns) = body
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
    {
        if bns != ns {
            return Err(ApiError::bad_request(
                "the namespace of the provided object does not match the namespace sent on the request",
            ));
        }
    }
    let body_name = body
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    if body_name != name {
        return Err(ApiError::bad_request(
            "name in URL does not match name in Eviction object",
        ));
    }
    let opts = delete_options(&body, req)?;
    let dry = is_dry(&opts);
    let mut store = api.store();
    // The disruption controller is assumed to have caught up with every change so far.
    sync_all(&mut store);
    let pod = store.get("pods", &ns, &name).cloned().ok_or_else(|| {
        ApiError::not_found(status::Target {
            plural: "pods",
            group: "",
            name: &name,
        })
    })?;
    if can_ignore_pdb(&pod) {
        delete_pod(&mut store, &pod, &opts, &name)?;
        return Ok(success());
    }
    let pdbs = pdbs_of(&store, &pod);
    if pdbs.len() > 1 {
        return Ok(Reply::Json(
            500,
            json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": MULTIPLE_PDBS, "code": 500}),
        ));
    }
    let Some(mut pdb) = pdbs.into_iter().next() else {
        delete_pod(&mut store, &pod, &opts, &name)?;
        return Ok(success());
    };
    let pdb_name = pdb["metadata"]["name"].as_str().unwrap_or("").to_string();
    let st = |k: &str| {
        pdb.pointer(&format!("/status/{k}"))
            .and_then(Value::as_i64)
            .unwrap_or(0)
    };
    if !is_ready(&pod) {
        let always = pdb["spec"]["unhealthyPodEvictionPolicy"] == "AlwaysAllow";
        let healthy_enough =
            st("currentHealthy") >= st("desiredHealthy") && st("desiredHealthy") > 0;
        if always || healthy_enough {
            // An unready pod does not count: delete it without touching the budget.
            delete_pod(&mut store, &pod, &opts, &name)?;
            return Ok(success());
        }
    }
    let generation = pdb
        .pointer("/metadata/generation")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    if st("observedGeneration") < generation {
        return Err(too_many(format!(
            "The disruption budget {pdb_name} is still being processed by the server."
        )));
    }
    let allowed = st("disruptionsAllowed");
    if allowed < 0 {
        return Err(ApiError::new(
            403,
            "Forbidden",
            format!("poddisruptionbudgets.policy \"{pdb_name}\" is forbidden: pdb disruptions allowed is negative"),
        ));
    }
    if allowed == 0 {
        return Err(too_many(format!(
            "The disruption budget {pdb_name} needs {} healthy pods and has {} currently",
            st("desiredHealthy"),
            st("currentHealthy")
        )));
    }
    check_preconditions(&pod, &opts, &name)?;
    if dry {
        return Ok(success());
    }
    pdb["status"]["disruptionsAllowed"] = json!(allowed - 1);
    if allowed - 1 == 0 {
        set_condition(&mut pdb, false);
    }
    pdb["status"]["disruptedPods"][&name] = json!(util::now());
    store.put("poddisruptionbudgets", pdb);
    delete_pod(&mut store, &pod, &opts, &name)?;
    Ok(success())
}

fn set_condition(pdb: &mut Value, allowed: bool) {
    let (status, reason) = if allowed {
        ("True", "SufficientPods")
    } else {
        ("False", "InsufficientPods")
    };
    let observed = pdb
        .pointer("/metadata/generation")
        .cloned()
        .unwrap_or(json!(1));
    let mut cond = json!({"type": "DisruptionAllowed", "status": status, "reason": reason, "message": "",
        "observedGeneration": observed, "lastTransitionTime": util::now()});
    let conds = pdb["status"]["conditions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if let Some(old) = conds.iter().find(|c| c["type"] == "DisruptionAllowed") {
        if old["status"] == status {
            cond["lastTransitionTime"] = old["lastTransitionTime"].clone();
        }
    }
    let mut rest: Vec<Value> = conds
        .into_iter()
        .filter(|c| c["type"] != "DisruptionAllowed")
        .collect();
    rest.push(cond);
    pdb["status"]["conditions"] = json!(rest);
}

/// `intstr` scaled against `total` (`GetScaledValueFromIntOrPercent`, rounding up).
fn scaled(v: &Value, total: i64) -> Option<i64> {
    if let Some(n) = v.as_i64() {
        return Some(n);
    }
    let s = v.as_str()?;
    match s.strip_suffix('%') {
        Some(p) => {
            let p: i64 = p.parse().ok()?;
            Some((p * total + 99) / 100)
        }
        None => s.parse().ok(),
    }
}

/// The scale of the controller owning a pod (`getExpectedScale`): a ReplicaSet (or the
/// Deployment above it), a StatefulSet or a ReplicationController. `Err` when it is missing.
fn controller_scale(store: &Store, pod: &Value) -> Result<Option<(String, i64)>, ()> {
    let ns = pod["metadata"]["namespace"].as_str().unwrap_or("");
    let Some(owner) = pod["metadata"]["ownerReferences"]
        .as_array()
        .and_then(|refs| refs.iter().find(|r| r["controller"] == true))
    else {
        return Ok(None);
    };
    let kind = owner["kind"].as_str().unwrap_or("");
    let name = owner["name"].as_str().unwrap_or("");
    let plural = match kind {
        "ReplicaSet" => "replicasets",
        "StatefulSet" => "statefulsets",
        "ReplicationController" => "replicationcontrollers",
        "Deployment" => "deployments",
        _ => return Err(()),
    };
    let obj = store.get(plural, ns, name).ok_or(())?;
    if kind == "ReplicaSet" {
        if let Some(dep) = obj["metadata"]["ownerReferences"]
            .as_array()
            .and_then(|refs| {
                refs.iter()
                    .find(|r| r["controller"] == true && r["kind"] == "Deployment")
            })
        {
            let dname = dep["name"].as_str().unwrap_or("");
            let d = store.get("deployments", ns, dname).ok_or(())?;
            let replicas = d["spec"]["replicas"].as_i64().unwrap_or(1);
            return Ok(Some((format!("Deployment/{dname}"), replicas)));
        }
    }
    let replicas = obj["spec"]["replicas"].as_i64().unwrap_or(1);
    Ok(Some((format!("{kind}/{name}"), replicas)))
}

/// The status the disruption controller computes for a PDB, or `None` when it cannot (it then
/// fails safe: no disruptions allowed).
fn compute(store: &Store, pdb: &Value, now: i64) -> Value {
    let ns = pdb["metadata"]["namespace"].as_str().unwrap_or("");
    let selector = &pdb["spec"]["selector"];
    let pods: Vec<&Value> = store
        .list("pods", Some(ns))
        .map(|(_, p)| p)
        .filter(|p| selector_matches(selector, &p["metadata"]["labels"]))
        .collect();
    let generation = pdb["metadata"]["generation"].as_i64().unwrap_or(1);
    let expected_scale = || -> Result<i64, ()> {
        let mut seen = BTreeMap::new();
        for p in &pods {
            if let Some((k, n)) = controller_scale(store, p)? {
                seen.insert(k, n);
            }
        }
        Ok(seen.values().sum())
    };
    let spec = &pdb["spec"];
    let counts: Result<(i64, i64), ()> = if let Some(mu) =
        spec.get("maxUnavailable").filter(|v| !v.is_null())
    {
        expected_scale().and_then(|expected| {
            let max = scaled(mu, expected).ok_or(())?;
            Ok((expected, (expected - max).max(0)))
        })
    } else if let Some(ma) = spec.get("minAvailable").filter(|v| !v.is_null()) {
        if ma.is_i64() {
            Ok((pods.len() as i64, ma.as_i64().unwrap_or(0)))
        } else {
            expected_scale().and_then(|expected| Ok((expected, scaled(ma, expected).ok_or(())?)))
        }
    } else {
        Ok((0, 0))
    };
    let old = &pdb["status"];
    let mut disrupted = serde_json::Map::new();
    if let Some(m) = old["disruptedPods"].as_object() {
        for (name, ts) in m {
            let alive = pods.iter().any(|p| {
                p["metadata"]["name"] == name.as_str()
                    && p.pointer("/metadata/deletionTimestamp").is_none()
            });
            let fresh = ts
                .as_str()
                .and_then(util::parse_time)
                .is_some_and(|t| now - t < DELETION_TIMEOUT_SECS);
            if alive && fresh {
                disrupted.insert(name.clone(), ts.clone());
            }
        }
    }
    let current_healthy = pods
        .iter()
        .filter(|p| {
            p.pointer("/metadata/deletionTimestamp").is_none()
                && !disrupted.contains_key(p["metadata"]["name"].as_str().unwrap_or(""))
                && is_ready(p)
        })
        .count() as i64;
    let mut out = json!({"observedGeneration": generation, "currentHealthy": current_healthy});
    let mut wrapper = json!({"metadata": pdb["metadata"], "status": old.clone()});
    match counts {
        Ok((expected, desired)) => {
            let allowed = (current_healthy - desired).max(0);
            out["desiredHealthy"] = json!(desired);
            out["expectedPods"] = json!(expected);
            out["disruptionsAllowed"] = json!(allowed);
            set_condition(&mut wrapper, allowed > 0);
        }
        Err(()) => {
            out["desiredHealthy"] = old["desiredHealthy"].clone();
            out["expectedPods"] = old["expectedPods"].clone();
            out["disruptionsAllowed"] = json!(0);
            let mut w = wrapper.clone();
            set_condition(&mut w, false);
            if let Some(c) = w["status"]["conditions"]
                .as_array_mut()
                .and_then(|cs| cs.iter_mut().find(|c| c["type"] == "DisruptionAllowed"))
            {
                c["reason"] = json!("SyncFailed");
            }
            wrapper = w;
        }
    }
    if !disrupted.is_empty() {
        out["disruptedPods"] = Value::Object(disrupted);
    }
    out["conditions"] = wrapper["status"]["conditions"].clone();
    out
}

/// One pass of the disruption controller: every PDB whose status changed is written.
pub(crate) fn sync_all(store: &mut Store) {
    let now = util::parse_time(&util::now()).unwrap_or(0);
    let pdbs: Vec<Value> = store
        .list("poddisruptionbudgets", None)
        .map(|(_, p)| p.clone())
        .collect();
    for mut pdb in pdbs {
        let status = compute(store, &pdb, now);
        let same = |a: &Value, b: &Value| {
            let strip = |v: &Value| {
                let mut v = v.clone();
                if let Some(cs) = v["conditions"].as_array_mut() {
                    for c in cs {
                        if let Some(m) = c.as_object_mut() {
                            m.remove("lastTransitionTime");
                        }
                    }
                }
                v
            };
            strip(a) == strip(b)
        };
        if !same(&pdb["status"], &status) {
            pdb["status"] = status;
            store.put("poddisruptionbudgets", pdb);
        }
    }
}

/// Starts the disruption controller: it reacts to every pod and PDB change.
pub(crate) fn start(api: &FakeApi) {
    let api = api.clone();
    tokio::spawn(async move {
        let mut rx = api.store().subscribe();
        loop {
            let relevant = tokio::select! {
                r = rx.recv() => match r {
                    Ok(c) => c.plural == "pods" || c.plural == "poddisruptionbudgets"
                        || c.plural == "replicasets" || c.plural == "deployments" || c.plural == "statefulsets",
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => true,
                    Err(_) => return,
                },
                _ = tokio::time::sleep(Duration::from_secs(5)) => true,
            };
            if relevant && api.inner.controllers_started.load(Ordering::SeqCst) {
                sync_all(&mut api.store());
            }
        }
    });
}

/// Validation of a PDB (part of `ValidatePodDisruptionBudgetSpec`).
pub(crate) fn validate_pdb(obj: &Value, causes: &mut Vec<(String, String, String)>) {
    let spec = &obj["spec"];
    let set = |k: &str| spec.get(k).is_some_and(|v| !v.is_null());
    if set("minAvailable") && set("maxUnavailable") {
        causes.push((
            "FieldValueInvalid".into(),
            "spec".into(),
            format!(
                "Invalid value: {}: minAvailable and maxUnavailable cannot be both set",
                serde_json::to_string(spec).unwrap_or_default()
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_and_scaling() {
        let labels = json!({"app": "a", "tier": "web"});
        assert!(selector_matches(
            &json!({"matchLabels": {"app": "a"}}),
            &labels
        ));
        assert!(!selector_matches(&json!({}), &labels));
        assert!(!selector_matches(&Value::Null, &labels));
        assert!(selector_matches(
            &json!({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["web", "db"]}]}),
            &labels
        ));
        assert!(!selector_matches(
            &json!({"matchExpressions": [{"key": "x", "operator": "Exists"}]}),
            &labels
        ));
        assert_eq!(scaled(&json!("50%"), 3), Some(2));
        assert_eq!(scaled(&json!(2), 3), Some(2));
        assert_eq!(scaled(&json!("10%"), 0), Some(0));
    }
}
