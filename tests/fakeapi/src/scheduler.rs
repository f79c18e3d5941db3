//! A tiny default-scheduler: binds pending pods to nodes that pass the unschedulable, taint,
//! node affinity/selector and resource filters, and explains failures like the real one.

use crate::api::FakeApi;
use crate::events::{self, Source};
use crate::store::{key_of, Store};
use crate::util::{self, quantity_of};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::Ordering;
use std::time::Duration;

/// Starts the scheduler/kubelet loop on the current runtime (once per `FakeApi`).
pub(crate) fn start_controllers(api: &FakeApi) {
    if api.inner.controllers_started.swap(true, Ordering::SeqCst) {
        return;
    }
    crate::eviction::start(api);
    crate::migmanager::start(api);
    let api = api.clone();
    tokio::spawn(async move {
        let mut started = HashSet::new();
        loop {
            tokio::select! {
                _ = api.inner.wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_millis(500)) => {}
            }
            if !api.scheduler_enabled() {
                continue;
            }
            crate::dra::controller::sync(&mut api.store());
            schedule_pending(&mut api.store());
            crate::kubelet::sync(&api, &mut started);
        }
    });
}

/// Sets (or replaces) a pod condition.
pub(crate) fn set_condition(
    pod: &mut Value,
    type_: &str,
    status: &str,
    reason: Option<&str>,
    message: Option<&str>,
) {
    let now = util::now();
    if !pod.get("status").is_some_and(Value::is_object) {
        pod["status"] = json!({});
    }
    let conds = pod["status"]
        .as_object_mut()
        .expect("object")
        .entry("conditions")
        .or_insert_with(|| json!([]));
    let Some(list) = conds.as_array_mut() else {
        return;
    };
    let mut c =
        json!({"type": type_, "status": status, "lastProbeTime": null, "lastTransitionTime": now});
    if let Some(r) = reason {
        c["reason"] = json!(r);
    }
    if let Some(m) = message {
        c["message"] = json!(m);
    }
    match list.iter_mut().find(|x| x["type"] == type_) {
        Some(x) => {
            if x["status"] == status {
                c["lastTransitionTime"] = x["lastTransitionTime"].clone();
            }
            *x = c;
        }
        None => list.push(c),
    }
}

/// Requests of one container: requests, else limits (per resource).
pub(crate) fn container_requests(c: &Value) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for field in ["limits", "requests"] {
        if let Some(m) = c
            .pointer(&format!("/resources/{field}"))
            .and_then(Value::as_object)
        {
            for (k, v) in m {
                if let Some(q) = quantity_of(v) {
                    out.insert(k.clone(), q);
                }
            }
        }
    }
    out
}

/// The effective request of a pod: max(sum of app + sidecar containers, each plain init container).
pub(crate) fn pod_requests(pod: &Value) -> BTreeMap<String, f64> {
    let spec = &pod["spec"];
    let mut sum: BTreeMap<String, f64> = BTreeMap::new();
    let add = |c: &Value, sum: &mut BTreeMap<String, f64>| {
        for (k, v) in container_requests(c) {
            *sum.entry(k).or_default() += v;
        }
    };
    let inits = spec["initContainers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for c in spec["containers"].as_array().into_iter().flatten() {
        add(c, &mut sum);
    }
    for c in inits.iter().filter(|c| c["restartPolicy"] == "Always") {
        add(c, &mut sum);
    }
    for c in inits.iter().filter(|c| c["restartPolicy"] != "Always") {
        for (k, v) in container_requests(c) {
            let e = sum.entry(k).or_default();
            *e = e.max(v);
        }
    }
    sum
}

fn is_terminated(pod: &Value) -> bool {
    matches!(
        pod.pointer("/status/phase").and_then(Value::as_str),
        Some("Succeeded" | "Failed")
    )
}

struct NodeInfo {
    name: String,
    node: Value,
    allocatable: HashMap<String, f64>,
    used: HashMap<String, f64>,
    pods: f64,
}

fn node_infos(store: &Store) -> Vec<NodeInfo> {
    let mut infos: Vec<NodeInfo> = store
        .list("nodes", None)
        .map(|(_, n)| NodeInfo {
            name: n["metadata"]["name"].as_str().unwrap_or("").to_string(),
            node: n.clone(),
            allocatable: n["status"]["allocatable"]
                .as_object()
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, v)| Some((k.clone(), quantity_of(v)?)))
                        .collect()
                })
                .unwrap_or_default(),
            used: HashMap::new(),
            pods: 0.0,
        })
        .collect();
    for (_, p) in store.list("pods", None) {
        let Some(node) = p.pointer("/spec/nodeName").and_then(Value::as_str) else {
            continue;
        };
        if is_terminated(p) {
            continue;
        }
        if let Some(info) = infos.iter_mut().find(|i| i.name == node) {
            info.pods += 1.0;
            for (k, v) in pod_requests(p) {
                *info.used.entry(k).or_default() += v;
            }
        }
    }
    infos
}

fn tolerates(tolerations: &[Value], taint: &Value) -> bool {
    tolerations.iter().any(|t| {
        let op = t["operator"].as_str().unwrap_or("Equal");
        let key = t["key"].as_str().unwrap_or("");
        let effect = t["effect"].as_str().unwrap_or("");
        let effect_ok = effect.is_empty() || taint["effect"] == effect;
        let key_ok = (key.is_empty() && op == "Exists") || taint["key"] == key;
        let value_ok = op == "Exists"
            || taint["value"].as_str().unwrap_or("") == t["value"].as_str().unwrap_or("");
        effect_ok && key_ok && value_ok
    })
}

fn expr_matches(e: &Value, value: Option<&str>) -> bool {
    let values: Vec<&str> = e["values"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let num = |s: &str| s.parse::<i64>().ok();
    match e["operator"].as_str().unwrap_or("") {
        "In" => value.is_some_and(|v| values.contains(&v)),
        "NotIn" => !value.is_some_and(|v| values.contains(&v)),
        "Exists" => value.is_some(),
        "DoesNotExist" => value.is_none(),
        "Gt" => {
            matches!((value.and_then(num), values.first().and_then(|v| num(v))), (Some(a), Some(b)) if a > b)
        }
        "Lt" => {
            matches!((value.and_then(num), values.first().and_then(|v| num(v))), (Some(a), Some(b)) if a < b)
        }
        _ => false,
    }
}

fn matches_affinity(pod: &Value, node: &Value) -> bool {
    let labels = &node["metadata"]["labels"];
    let label = |k: &str| labels.get(k).and_then(Value::as_str);
    if let Some(sel) = pod["spec"]["nodeSelector"].as_object() {
        if !sel.iter().all(|(k, v)| label(k) == v.as_str()) {
            return false;
        }
    }
    let Some(terms) = pod
        .pointer("/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms")
        .and_then(Value::as_array)
    else {
        return true;
    };
    let name = node["metadata"]["name"].as_str();
    terms.iter().any(|term| {
        let exprs = term["matchExpressions"].as_array().into_iter().flatten();
        let fields = term["matchFields"].as_array().into_iter().flatten();
        let has_any = term["matchExpressions"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
            || term["matchFields"]
                .as_array()
                .is_some_and(|a| !a.is_empty());
        has_any
            && exprs
                .clone()
                .all(|e| expr_matches(e, label(e["key"].as_str().unwrap_or(""))))
            && fields
                .clone()
                .all(|e| e["key"] == "metadata.name" && expr_matches(e, name))
    })
}

/// Why a node cannot take a pod: reasons, and whether preemption could help.
fn filter(
    pod: &Value,
    info: &NodeInfo,
    req: &BTreeMap<String, f64>,
) -> Result<(), (Vec<String>, bool)> {
    let tolerations = pod["spec"]["tolerations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let node = &info.node;
    if node["spec"]["unschedulable"] == true
        && !tolerates(
            &tolerations,
            &json!({"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}),
        )
    {
        return Err((vec!["node(s) were unschedulable".into()], false));
    }
    for taint in node["spec"]["taints"].as_array().into_iter().flatten() {
        let hard = matches!(taint["effect"].as_str(), Some("NoSchedule" | "NoExecute"));
        if hard && !tolerates(&tolerations, taint) {
            let (k, v) = (
                taint["key"].as_str().unwrap_or(""),
                taint["value"].as_str().unwrap_or(""),
            );
            return Err((
                vec![format!("node(s) had untolerated taint {{{k}: {v}}}")],
                false,
            ));
        }
    }
    if !matches_affinity(pod, node) {
        return Err((
            vec!["node(s) didn't match Pod's node affinity/selector".into()],
            false,
        ));
    }
    let mut reasons = Vec::new();
    if info.pods + 1.0 > info.allocatable.get("pods").copied().unwrap_or(110.0) {
        reasons.push("Too many pods".to_string());
    }
    for (r, amount) in req.iter().filter(|(_, a)| **a > 0.0) {
        let free = info.allocatable.get(r).copied().unwrap_or(0.0)
            - info.used.get(r).copied().unwrap_or(0.0);
        if free + 1e-9 < *amount {
            reasons.push(format!("Insufficient {r}"));
        }
    }
    if reasons.is_empty() {
        Ok(())
    } else {
        Err((reasons, true))
    }
}

fn score(info: &NodeInfo, req: &BTreeMap<String, f64>) -> f64 {
    let mut s = 0.0;
    let mut n = 0;
    for (r, amount) in req.iter().filter(|(_, a)| **a > 0.0) {
        if let Some(alloc) = info.allocatable.get(r).filter(|a| **a > 0.0) {
            s += (alloc - info.used.get(r).copied().unwrap_or(0.0) - amount) / alloc;
            n += 1;
        }
    }
    if n == 0 {
        let alloc = info.allocatable.get("pods").copied().unwrap_or(110.0);
        return (alloc - info.pods) / alloc;
    }
    s / n as f64
}

fn histogram(reasons: impl Iterator<Item = String>) -> String {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for r in reasons {
        *counts.entry(r).or_default() += 1;
    }
    let mut parts: Vec<String> = counts.iter().map(|(r, c)| format!("{c} {r}")).collect();
    parts.sort();
    parts.join(", ")
}

/// The FailedScheduling message for per-node failures.
fn fit_error(total: usize, failures: &[(Vec<String>, bool)]) -> String {
    if total == 0 {
        return "no nodes available to schedule pods".into();
    }
    let reasons = histogram(failures.iter().flat_map(|(r, _)| r.clone()));
    let preempt = histogram(failures.iter().map(|(_, resolvable)| {
        if *resolvable {
            "No preemption victims found for incoming pod".to_string()
        } else {
            "Preemption is not helpful for scheduling".to_string()
        }
    }));
    format!("0/{total} nodes are available: {reasons}. preemption: 0/{total} nodes are available: {preempt}.")
}

fn pending(store: &Store) -> Vec<Value> {
    let mut pods: Vec<Value> = store
        .list("pods", None)
        .map(|(_, p)| p)
        .filter(|p| {
            p.pointer("/spec/nodeName")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
                && p.pointer("/metadata/deletionTimestamp").is_none()
                && p.pointer("/status/phase")
                    .and_then(Value::as_str)
                    .is_none_or(|s| s == "Pending")
                && p.pointer("/spec/schedulerName")
                    .and_then(Value::as_str)
                    .is_none_or(|s| s == "default-scheduler")
        })
        .cloned()
        .collect();
    pods.sort_by_key(|p| {
        (
            -p.pointer("/spec/priority")
                .and_then(Value::as_i64)
                .unwrap_or(0),
            p.pointer("/metadata/creationTimestamp")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            key_of(p),
        )
    });
    pods
}

/// One scheduling pass over every pending pod.
pub(crate) fn schedule_pending(store: &mut Store) {
    let pods = pending(store);
    if pods.is_empty() {
        return;
    }
    let mut infos = node_infos(store);
    for mut pod in pods {
        let req = pod_requests(&pod);
        let mut failures = Vec::new();
        let mut best: Option<(f64, usize)> = None;
        // DynamicResources: PreFilter once per pod, Filter per node (after the fit checks).
        let dra = match crate::dra::alloc::prefilter(store, &pod) {
            Ok(d) => d,
            Err(msg) => {
                let msg = format!("0/{} nodes are available: {msg}. preemption: 0/{} nodes are available: {} Preemption is not helpful for scheduling.", infos.len(), infos.len(), infos.len());
                mark_unschedulable(store, pod, &msg, "Unschedulable");
                continue;
            }
        };
        let mut plans = HashMap::new();
        let mut fatal = None;
        for (i, info) in infos.iter().enumerate() {
            let mut dra_filter = || match &dra {
                None => Ok(()),
                Some(d) => match d.filter(&info.node) {
                    Ok(plan) => {
                        plans.insert(i, plan);
                        Ok(())
                    }
                    Err(crate::dra::alloc::Failure::Unschedulable(r)) => Err((vec![r], false)),
                    Err(crate::dra::alloc::Failure::Error(e)) => {
                        fatal = Some(e);
                        Err((Vec::new(), false))
                    }
                },
            };
            match filter(&pod, info, &req).and_then(|()| dra_filter()) {
                Ok(()) => {
                    let s = score(info, &req);
                    if best.is_none_or(|(b, _)| s > b + 1e-12) {
                        best = Some((s, i));
                    }
                }
                Err(f) => failures.push(f),
            }
            if fatal.is_some() {
                break;
            }
        }
        if let Some(e) = fatal {
            mark_unschedulable(store, pod, &e, "SchedulerError");
            continue;
        }
        let pod_ref = format!(
            "{}/{}",
            pod["metadata"]["namespace"].as_str().unwrap_or(""),
            pod["metadata"]["name"].as_str().unwrap_or("")
        );
        match best {
            Some((_, i)) => {
                let info = &mut infos[i];
                info.pods += 1.0;
                for (k, v) in &req {
                    *info.used.entry(k.clone()).or_default() += v;
                }
                if let (Some(d), Some(plan)) = (&dra, plans.remove(&i)) {
                    d.commit(store, &pod, plan);
                }
                pod["spec"]["nodeName"] = json!(info.name);
                set_condition(&mut pod, "PodScheduled", "True", None, None);
                let msg = format!("Successfully assigned {pod_ref} to {}", info.name);
                let stored = store.put("pods", pod);
                let src = Source {
                    component: "default-scheduler",
                    host: None,
                };
                events::record(
                    store,
                    events::reference(&stored, None),
                    "Normal",
                    "Scheduled",
                    &msg,
                    src,
                );
            }
            None => {
                let msg = fit_error(infos.len(), &failures);
                mark_unschedulable(store, pod, &msg, "Unschedulable");
            }
        }
    }
}

/// PodScheduled=False with a FailedScheduling event (once per distinct message).
fn mark_unschedulable(store: &mut Store, mut pod: Value, msg: &str, reason: &str) {
    let current = pod
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .and_then(|cs| cs.iter().find(|c| c["type"] == "PodScheduled"))
        .and_then(|c| c["message"].as_str())
        .map(String::from);
    if current.as_deref() == Some(msg) {
        return;
    }
    set_condition(&mut pod, "PodScheduled", "False", Some(reason), Some(msg));
    let stored = store.put("pods", pod);
    let src = Source {
        component: "default-scheduler",
        host: None,
    };
    events::record(
        store,
        events::reference(&stored, None),
        "Warning",
        "FailedScheduling",
        msg,
        src,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn effective_requests() {
        let pod = json!({"spec": {
            "initContainers": [
                {"name": "i", "resources": {"requests": {"nvidia.com/gpu": "3"}}},
                {"name": "s", "restartPolicy": "Always", "resources": {"limits": {"nvidia.com/gpu": "1"}}}],
            "containers": [{"name": "a", "resources": {"requests": {"nvidia.com/gpu": "1"}}}]}});
        assert_eq!(pod_requests(&pod)["nvidia.com/gpu"], 3.0);
        let msg = fit_error(
            3,
            &[
                (vec!["Insufficient x".into()], true),
                (
                    vec!["node(s) had untolerated taint {sku: gpu}".into()],
                    false,
                ),
                (vec!["Insufficient x".into()], true),
            ],
        );
        assert_eq!(msg, "0/3 nodes are available: 1 node(s) had untolerated taint {sku: gpu}, 2 Insufficient x. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.");
    }
}
