//! The few fields of Nodes and Pods that MIG capacity needs, decoded straight from the API's JSON
//! (or a capture) without building whole `Node`/`Pod` objects: big clusters stay cheap to read.

use crate::quantity;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The prefix of every NVIDIA extended resource and GFD label.
pub const NVIDIA_PREFIX: &str = "nvidia.com/";

/// A node as describe sees it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NodeInfo {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.labels`.
    pub labels: BTreeMap<String, String>,
    /// `status.capacity` of `nvidia.com/*` resources, as integers.
    pub capacity: BTreeMap<String, i64>,
    /// `status.allocatable` of `nvidia.com/*` resources, as integers.
    pub allocatable: BTreeMap<String, i64>,
    /// `spec.unschedulable` (cordoned).
    pub unschedulable: bool,
    /// The `Ready` condition: `Some(true)` ready, `Some(false)` not ready, `None` unknown.
    pub ready: Option<bool>,
    /// `spec.taints` with effect NoSchedule or NoExecute.
    pub taints: Vec<Taint>,
}

/// A node taint that keeps pods away unless tolerated.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Taint {
    /// The taint key.
    pub key: String,
    /// The taint value (may be empty).
    #[serde(default)]
    pub value: Option<String>,
    /// NoSchedule, PreferNoSchedule or NoExecute.
    pub effect: String,
}

/// A pod's claim on a node's NVIDIA resources, already reduced by the scheduler's rules.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PodUsage {
    /// `metadata.namespace`.
    pub namespace: String,
    /// `metadata.name`.
    pub name: String,
    /// `spec.nodeName` (empty when not bound).
    pub node_name: String,
    /// `status.phase`.
    pub phase: String,
    /// The pod's effective request of each `nvidia.com/*` resource (non-zero only).
    pub requests: BTreeMap<String, i64>,
}

impl PodUsage {
    /// Whether the scheduler counts this pod against its node: bound and not terminated.
    pub fn holds_resources(&self) -> bool {
        !self.node_name.is_empty() && self.phase != "Succeeded" && self.phase != "Failed"
    }
}

// ---- wire shapes: only what we read ----

/// A node's name and labels.
#[derive(Deserialize, Default)]
#[serde(default)]
struct NodeMeta {
    name: String,
    labels: BTreeMap<String, String>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct NodeSpec {
    unschedulable: bool,
    taints: Vec<Taint>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NodeStatus {
    capacity: BTreeMap<String, serde_json::Value>,
    allocatable: BTreeMap<String, serde_json::Value>,
    conditions: Vec<Condition>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Condition {
    #[serde(rename = "type")]
    kind: String,
    status: String,
}

/// The wire form of a Node, reduced to what [`NodeInfo`] keeps.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RawNode {
    metadata: NodeMeta,
    spec: NodeSpec,
    status: NodeStatus,
}

impl From<RawNode> for NodeInfo {
    fn from(raw: RawNode) -> Self {
        let ready = raw
            .status
            .conditions
            .iter()
            .find(|c| c.kind == "Ready")
            .map(|c| c.status == "True");
        NodeInfo {
            name: raw.metadata.name,
            labels: raw.metadata.labels,
            capacity: nvidia_quantities(&raw.status.capacity),
            allocatable: nvidia_quantities(&raw.status.allocatable),
            unschedulable: raw.spec.unschedulable,
            ready,
            taints: raw
                .spec
                .taints
                .into_iter()
                .filter(|t| t.effect == "NoSchedule" || t.effect == "NoExecute")
                .collect(),
        }
    }
}

fn nvidia_quantities(map: &BTreeMap<String, serde_json::Value>) -> BTreeMap<String, i64> {
    map.iter()
        .filter(|(k, _)| k.starts_with(NVIDIA_PREFIX))
        .filter_map(|(k, v)| quantity::parse_value(v).map(|n| (k.clone(), n)))
        .collect()
}

/// A pod's name and namespace; its labels are skipped unread (most of a page's metadata).
#[derive(Deserialize, Default)]
#[serde(default)]
struct PodMeta {
    name: String,
    namespace: String,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct PodSpec {
    node_name: String,
    containers: Vec<Container>,
    init_containers: Vec<Container>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Container {
    resources: Resources,
    restart_policy: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Resources {
    requests: BTreeMap<String, serde_json::Value>,
    limits: BTreeMap<String, serde_json::Value>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PodStatus {
    phase: String,
}

/// The wire form of a Pod, reduced to what [`PodUsage`] keeps.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RawPod {
    metadata: PodMeta,
    spec: PodSpec,
    status: PodStatus,
}

impl From<RawPod> for PodUsage {
    fn from(raw: RawPod) -> Self {
        let app: Vec<BTreeMap<String, i64>> =
            raw.spec.containers.iter().map(container_requests).collect();
        let init: Vec<(BTreeMap<String, i64>, bool)> = raw
            .spec
            .init_containers
            .iter()
            .map(|c| {
                (
                    container_requests(c),
                    c.restart_policy.as_deref() == Some("Always"),
                )
            })
            .collect();
        PodUsage {
            namespace: raw.metadata.namespace,
            name: raw.metadata.name,
            node_name: raw.spec.node_name,
            phase: raw.status.phase,
            requests: crate::capacity::effective_requests(&app, &init),
        }
    }
}

/// A container's request of each NVIDIA resource; a limit alone counts as the request, as the
/// API server defaults requests of extended resources to their limits.
fn container_requests(c: &Container) -> BTreeMap<String, i64> {
    let mut out = nvidia_quantities(&c.resources.limits);
    out.extend(nvidia_quantities(&c.resources.requests));
    out.retain(|_, v| *v != 0);
    out
}
