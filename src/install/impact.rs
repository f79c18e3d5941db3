//! What a strategy change breaks, said before it is applied: switching strategy renames every
//! MIG resource (`single`: `nvidia.com/gpu`; `mixed`: `nvidia.com/mig-<profile>`), so nodes whose
//! layout the new strategy cannot serve (several profiles under `single`: MIG-INVALID) and
//! workloads whose pods request a name that vanishes on the nodes they target are listed.

use crate::cluster::{fold_list, Cluster, Op};
use crate::error::{Error, Result};
use crate::k8s::selector::Selector;
use crate::mig::strategy::{self, Devices, Strategy, COUNT_LABEL, GPU_RESOURCE, PRODUCT_LABEL};
use crate::model::node::{NodeInfo, RawNode};
use crate::output::messages::Messages;
use kube::api::ListParams;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// A workload's pods as far as placement and GPU requests go.
#[derive(Debug, Clone, PartialEq)]
pub struct Workload {
    /// `Deployment`, `StatefulSet`, `DaemonSet`, `Job`, `CronJob` or `Pod`.
    pub kind: &'static str,
    /// `namespace/name`.
    pub name: String,
    /// NVIDIA resources its pods request.
    pub requests: BTreeSet<String>,
    /// A bare pod's node.
    pub node_name: Option<String>,
    /// `nodeSelector`.
    pub node_selector: BTreeMap<String, String>,
    /// Required node affinity: any term, every expression.
    pub affinity: Vec<Selector>,
}

impl Workload {
    fn targets(&self, node: &NodeInfo) -> bool {
        if let Some(name) = &self.node_name {
            return *name == node.name;
        }
        self.node_selector
            .iter()
            .all(|(k, v)| node.labels.get(k) == Some(v))
            && (self.affinity.is_empty() || self.affinity.iter().any(|s| s.matches(&node.labels)))
    }
}

/// Reads a workload object of `kind` (its pod template) or a bare pod; `None` when its pods
/// request no NVIDIA resource, or for a pod a controller owns.
pub fn workload(kind: &'static str, obj: &Value) -> Option<Workload> {
    let spec = match kind {
        "Pod" => {
            let owned = obj["metadata"]["ownerReferences"]
                .as_array()
                .is_some_and(|o| o.iter().any(|r| r["controller"] == true));
            if owned {
                return None;
            }
            &obj["spec"]
        }
        "CronJob" => &obj["spec"]["jobTemplate"]["spec"]["template"]["spec"],
        _ => &obj["spec"]["template"]["spec"],
    };
    let mut requests = BTreeSet::new();
    for c in ["containers", "initContainers"]
        .iter()
        .flat_map(|f| spec[*f].as_array().into_iter().flatten())
    {
        for field in ["limits", "requests"] {
            for (r, q) in c["resources"][field].as_object().into_iter().flatten() {
                let count = crate::k8s::quantity::parse_value(q).unwrap_or(0);
                if count > 0 && strategy::ResourceKind::parse(r).is_some_and(|k| !k.is_shared()) {
                    requests.insert(r.clone());
                }
            }
        }
    }
    if requests.is_empty() {
        return None;
    }
    let text = |v: &Value| v.as_str().unwrap_or("").to_string();
    Some(Workload {
        kind,
        name: format!(
            "{}/{}",
            text(&obj["metadata"]["namespace"]),
            text(&obj["metadata"]["name"])
        ),
        requests,
        node_name: spec["nodeName"]
            .as_str()
            .filter(|n| !n.is_empty())
            .map(String::from),
        node_selector: spec["nodeSelector"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), text(v)))
            .collect(),
        affinity: affinity_terms(spec),
    })
}

/// Required node affinity terms as label selectors (`Gt`/`Lt` are left out: they only narrow).
fn affinity_terms(spec: &Value) -> Vec<Selector> {
    let terms = &spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
        ["nodeSelectorTerms"];
    terms
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|term| {
            let parts: Vec<String> = term["matchExpressions"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|e| {
                    let key = e["key"].as_str()?;
                    let values: Vec<&str> = e["values"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .collect();
                    match e["operator"].as_str()? {
                        "In" => Some(format!("{key} in ({})", values.join(","))),
                        "NotIn" => Some(format!("{key} notin ({})", values.join(","))),
                        "Exists" => Some(key.to_string()),
                        "DoesNotExist" => Some(format!("!{key}")),
                        _ => None,
                    }
                })
                .collect();
            Selector::parse(&parts.join(",")).ok()
        })
        .collect()
}

/// The node's devices as its device plugin advertises them now.
pub fn devices_now(node: &NodeInfo) -> Devices {
    let alloc = |r: &str| node.allocatable.get(r).copied().unwrap_or(0);
    let product = node
        .labels
        .get(PRODUCT_LABEL)
        .map(String::as_str)
        .unwrap_or("");
    let gpu = alloc(GPU_RESOURCE);
    let mut devices = Devices {
        whole: gpu,
        gpus: node
            .labels
            .get(COUNT_LABEL)
            .and_then(|c| c.parse().ok())
            .unwrap_or(gpu),
        ..Default::default()
    };
    let single = crate::model::strategy::detect(node).0 == Strategy::Single;
    match strategy::single_profile(product).filter(|_| single && gpu > 0) {
        Some(profile) => {
            devices.profiles.insert(profile.to_string(), gpu);
            devices.whole = 0;
            devices.gpus = 0;
        }
        None => {
            for (r, n) in node.allocatable.iter().filter(|(_, n)| **n > 0) {
                if let Some(strategy::ResourceKind::Mig(p)) = strategy::ResourceKind::parse(r) {
                    devices.profiles.insert(p.to_string(), *n);
                }
            }
        }
    }
    devices
}

/// The lines that say what `new` breaks on `nodes` and for `workloads`, and how many of each.
pub fn assess(
    nodes: &[NodeInfo],
    workloads: &[Workload],
    new: Strategy,
) -> (Vec<String>, usize, usize) {
    let mut lines = Vec::new();
    let mut vanishing: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for node in nodes {
        let devices = devices_now(node);
        let (after, invalid) = strategy::advertised(new, &devices);
        let profiles: Vec<String> = devices
            .profiles
            .iter()
            .map(|(p, n)| format!("{n} x {p}"))
            .collect();
        if invalid {
            let whole = if devices.whole > 0 {
                format!(" and {} whole GPU(s)", devices.whole)
            } else {
                String::new()
            };
            lines.push(format!("node {}: its layout ({}{whole}) cannot be served by {new}: GFD labels it MIG-INVALID and it advertises no GPU; re-cut it into one profile first (kubectl mig reconfigure {} --config all-<profile>)", node.name, profiles.join(", "), node.name));
        } else if new == Strategy::None && !devices.profiles.is_empty() {
            lines.push(format!(
                "node {}: its MIG devices ({}) are not advertised under none",
                node.name,
                profiles.join(", ")
            ));
        }
        let gone: BTreeSet<String> = node
            .allocatable
            .iter()
            .filter(|(r, n)| {
                **n > 0 && strategy::ResourceKind::parse(r).is_some_and(|k| !k.is_shared())
            })
            .filter(|(r, _)| after.get(*r).copied().unwrap_or(0) == 0)
            .map(|(r, _)| r.clone())
            .collect();
        vanishing.insert(node.name.as_str(), gone);
    }
    let broken_nodes = lines.len();
    for w in workloads {
        for r in &w.requests {
            let hit: Vec<&str> = nodes
                .iter()
                .filter(|n| {
                    w.targets(n)
                        && vanishing
                            .get(n.name.as_str())
                            .is_some_and(|g| g.contains(r))
                })
                .map(|n| n.name.as_str())
                .collect();
            if let Some(first) = hit.first() {
                let more = if hit.len() > 1 {
                    format!(" and {} more", hit.len() - 1)
                } else {
                    String::new()
                };
                lines.push(format!("{} {} requests {r}, which vanishes under {new} on node {first}{more} it targets", w.kind, w.name));
            }
        }
    }
    let broken_workloads = lines.len() - broken_nodes;
    (lines, broken_nodes, broken_workloads)
}

/// The kinds read, with their list paths.
const KINDS: &[(&str, &str)] = &[
    ("Deployment", "/apis/apps/v1/deployments"),
    ("StatefulSet", "/apis/apps/v1/statefulsets"),
    ("DaemonSet", "/apis/apps/v1/daemonsets"),
    ("Job", "/apis/batch/v1/jobs"),
    ("CronJob", "/apis/batch/v1/cronjobs"),
    ("Pod", "/api/v1/pods"),
];

/// Reads the cluster and says what switching to `new` breaks: refused unless `force` (or a
/// server dry run, which only says it).
pub async fn check(
    cluster: &Cluster,
    new: Strategy,
    node_selector: &BTreeMap<String, String>,
    force: bool,
    dry_run: bool,
    msgs: &Messages,
) -> Result<()> {
    let params = ListParams::default().limit(500);
    let nodes: Vec<NodeInfo> = fold_list::<RawNode, _>(
        cluster,
        "/api/v1/nodes",
        &params,
        Op::new("list", "nodes"),
        Vec::new,
        |acc, raw| {
            let node = NodeInfo::from(raw);
            if crate::snapshot::live::is_gpu_node(&node)
                && node_selector
                    .iter()
                    .all(|(k, v)| node.labels.get(k) == Some(v))
            {
                acc.push(node);
            }
        },
    )
    .await?;
    let mut workloads = Vec::new();
    for (kind, path) in KINDS {
        let resource = path.rsplit('/').next().unwrap_or(path);
        let read = fold_list::<Value, _>(
            cluster,
            path,
            &params,
            Op::new("list", resource),
            Vec::new,
            |acc, obj| acc.extend(workload(kind, &obj)),
        )
        .await;
        match read {
            Ok(found) => workloads.extend(found),
            // A cluster that does not serve the kind has none of it.
            Err(e) if not_served(&e) => {}
            Err(e) => msgs.warn(format_args!(
                "cannot check the {resource} that would break ({e})"
            )),
        }
    }
    let (lines, nodes_hit, workloads_hit) = assess(&nodes, &workloads, new);
    if lines.is_empty() {
        return Ok(());
    }
    msgs.warn(format_args!(
        "the {new} strategy renames MIG resources; this breaks:"
    ));
    for line in &lines {
        msgs.say(format_args!("  {line}"));
    }
    if force || dry_run {
        return Ok(());
    }
    Err(Error::failed(format!(
        "switching to the {new} strategy would break {nodes_hit} node(s) and {workloads_hit} workload(s) (listed above); re-cut those nodes and change the workloads' resource names first, or pass --force; nothing was changed"
    )))
}

/// Whether a failed list was answered 404: the kind is not served.
fn not_served(err: &Error) -> bool {
    let mut cause = std::error::Error::source(err);
    while let Some(e) = cause {
        if let Some(kube::Error::Api(status)) = e.downcast_ref::<kube::Error>() {
            return status.code == 404;
        }
        cause = e.source();
    }
    false
}

#[cfg(test)]
#[path = "impact_tests.rs"]
mod tests;
