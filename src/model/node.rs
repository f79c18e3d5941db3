//! The few fields of Nodes and Pods that MIG capacity needs, decoded straight from the API's JSON
//! (or a capture) without building whole `Node`/`Pod` objects: big clusters stay cheap to read.

use crate::k8s::quantity;
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
    /// `status.capacity` of `nvidia.com/*` and other GPU-like resources, as integers.
    pub capacity: BTreeMap<String, i64>,
    /// `status.allocatable` of `nvidia.com/*` and other GPU-like resources, as integers.
    pub allocatable: BTreeMap<String, i64>,
    /// `spec.unschedulable` (cordoned).
    pub unschedulable: bool,
    /// The `Ready` condition: `Some(true)` ready, `Some(false)` not ready, `None` unknown.
    pub ready: Option<bool>,
    /// `spec.taints` with effect NoSchedule or NoExecute.
    pub taints: Vec<Taint>,
    /// GPU conditions other than Ready that report trouble (AKS's `UnhealthyNvidiaDevicePlugin`
    /// and the like, when `True`), as `(type, message)`.
    pub gpu_conditions: Vec<(String, String)>,
    /// NVIDIA quantities that are no device count (negative, too big, not a quantity), as
    /// `status.allocatable nvidia.com/gpu="-4"`: left out of the counts, and reported.
    pub malformed: Vec<String>,
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
    /// Requests or limits that are no device count, as `limits nvidia.com/gpu="x"`.
    pub malformed: Vec<String>,
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
    message: Option<String>,
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
        let mut malformed = Vec::new();
        let capacity = nvidia_quantities(&raw.status.capacity, "status.capacity", &mut malformed);
        let allocatable = nvidia_quantities(
            &raw.status.allocatable,
            "status.allocatable",
            &mut malformed,
        );
        let gpu_conditions = raw
            .status
            .conditions
            .iter()
            .filter(|c| {
                c.status == "True"
                    && crate::mig::labels::AKS_GPU_CONDITIONS.contains(&c.kind.as_str())
            })
            .map(|c| {
                (
                    clean(c.kind.clone()),
                    clean(c.message.clone().unwrap_or_default()),
                )
            })
            .collect();
        NodeInfo {
            gpu_conditions,
            name: clean(raw.metadata.name),
            labels: raw
                .metadata
                .labels
                .into_iter()
                .map(|(k, v)| (clean(k), clean(v)))
                .collect(),
            capacity,
            allocatable,
            malformed,
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

/// Whether a resource name looks like a GPU device: NVIDIA's, and others' that describe reports
/// as unmodelled (`instaslice.redhat.com/mig-1g.5gb`, `mig.das.com/1g.5gb`, `amd.com/gpu`).
pub fn is_gpu_like(name: &str) -> bool {
    if name.starts_with(NVIDIA_PREFIX) {
        return true;
    }
    let Some((domain, resource)) = name.split_once('/') else {
        return false;
    };
    domain.split('.').any(|part| part == "gpu" || part == "mig")
        || resource == "gpu"
        || resource.starts_with("gpu")
        || resource.starts_with("mig-")
}

/// The `nvidia.com/*` (and other GPU-like) quantities of a map; those that are no count are noted in `malformed`.
fn nvidia_quantities(
    map: &BTreeMap<String, serde_json::Value>,
    field: &str,
    malformed: &mut Vec<String>,
) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    for (k, v) in map.iter().filter(|(k, _)| is_gpu_like(k)) {
        match quantity::parse_value(v) {
            Some(n) => {
                out.insert(k.clone(), n);
            }
            None => malformed.push(format!("{field} {k}={}", shown(v))),
        }
    }
    out
}

/// Names and labels from a capture are printed: control characters (which no API server
/// accepts in them, but a hand-made capture may hold) become visible escapes.
fn clean(text: String) -> String {
    match crate::output::sanitize(&text) {
        std::borrow::Cow::Borrowed(_) => text,
        std::borrow::Cow::Owned(clean) => clean,
    }
}

fn shown(v: &serde_json::Value) -> String {
    let text = v.to_string();
    let text = crate::output::sanitize(&text);
    if text.chars().count() > 40 {
        format!("{}…", text.chars().take(40).collect::<String>())
    } else {
        text.into_owned()
    }
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
        let mut malformed = Vec::new();
        let app: Vec<BTreeMap<String, i64>> = raw
            .spec
            .containers
            .iter()
            .map(|c| container_requests(c, &mut malformed))
            .collect();
        let init: Vec<(BTreeMap<String, i64>, bool)> = raw
            .spec
            .init_containers
            .iter()
            .map(|c| {
                (
                    container_requests(c, &mut malformed),
                    c.restart_policy.as_deref() == Some("Always"),
                )
            })
            .collect();
        PodUsage {
            namespace: clean(raw.metadata.namespace),
            name: clean(raw.metadata.name),
            node_name: clean(raw.spec.node_name),
            phase: raw.status.phase,
            requests: crate::k8s::requests::effective_requests(&app, &init),
            malformed,
        }
    }
}

/// A container's request of each NVIDIA resource; a limit alone counts as the request, as the
/// API server defaults requests of extended resources to their limits.
fn container_requests(c: &Container, malformed: &mut Vec<String>) -> BTreeMap<String, i64> {
    let mut out = nvidia_quantities(&c.resources.limits, "limits", malformed);
    out.extend(nvidia_quantities(
        &c.resources.requests,
        "requests",
        malformed,
    ));
    out.retain(|_, v| *v != 0);
    out
}
