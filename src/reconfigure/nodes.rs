//! The node and its GPU pods as reconfigure reads and writes them: the node's labels and the
//! annotations kubectl mig owns, JSON merge patches of only the fields it changes (field manager
//! `kubectl-mig`), and the pods holding its GPU or MIG devices.

use crate::cluster::{Cluster, Op};
use crate::error::{Error, Result};
use crate::model::node::{NodeInfo, PodUsage, RawNode, RawPod};
use k8s_openapi::api::core::v1::{Node, Pod};
use kube::api::{Api, ListParams, Patch, PatchParams};
use std::collections::BTreeMap;

/// The annotation kubectl mig keeps the layout a node had before it changed it in (for
/// `--rollback`).
pub const PREVIOUS_ANNOTATION: &str = "kubectl-mig.io/previous-mig-config";
/// The annotation saying kubectl mig cordoned the node (so it, and only it, uncordons it).
pub const CORDONED_ANNOTATION: &str = "kubectl-mig.io/cordoned-for-reconfigure";
/// The field manager of every write.
const FIELD_MANAGER: &str = "kubectl-mig";

/// A node as reconfigure reads it.
#[derive(Debug, Clone)]
pub struct NodeState {
    /// Labels, resources, cordon.
    pub info: NodeInfo,
    /// `metadata.annotations`.
    pub annotations: BTreeMap<String, String>,
    /// `metadata.resourceVersion`, to watch from.
    pub resource_version: String,
}

impl NodeState {
    /// A label's value.
    pub fn label(&self, key: &str) -> Option<&str> {
        self.info.labels.get(key).map(String::as_str)
    }

    /// Reads a Node object.
    pub fn from_node(node: &Node) -> Result<Self> {
        let value = serde_json::to_value(node)
            .map_err(|e| Error::failed(format!("cannot read the node: {e}")))?;
        let raw: RawNode = serde_json::from_value(value)
            .map_err(|e| Error::failed(format!("cannot read the node: {e}")))?;
        Ok(NodeState {
            info: NodeInfo::from(raw),
            annotations: node.metadata.annotations.clone().unwrap_or_default(),
            resource_version: node.metadata.resource_version.clone().unwrap_or_default(),
        })
    }
}

/// The node, or `None` when it does not exist.
pub async fn get(cluster: &Cluster, name: &str) -> Result<Option<NodeState>> {
    let api: Api<Node> = Api::all(cluster.client.clone());
    let node = api
        .get_opt(name)
        .await
        .map_err(|e| cluster.error(e, Op::new("get", "nodes")))?;
    node.as_ref().map(NodeState::from_node).transpose()
}

/// Applies a JSON merge patch to the node.
pub async fn patch(cluster: &Cluster, name: &str, body: serde_json::Value) -> Result<NodeState> {
    let api: Api<Node> = Api::all(cluster.client.clone());
    let params = PatchParams {
        field_manager: Some(FIELD_MANAGER.into()),
        ..Default::default()
    };
    let node = api
        .patch(name, &params, &Patch::Merge(&body))
        .await
        .map_err(|e| cluster.error(e, Op::new("patch", "nodes")))?;
    NodeState::from_node(&node)
}

/// A pod holding GPU or MIG devices of the node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GpuPod {
    /// `metadata.namespace`.
    pub namespace: String,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.uid`.
    pub uid: String,
    /// The controlling owner as `Kind/name`, or `-` for a bare pod.
    pub owner: String,
    /// Its NVIDIA device requests.
    pub requests: BTreeMap<String, i64>,
}

impl GpuPod {
    /// `ns/name`.
    pub fn key(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
}

/// The live pods on `node` that request GPU or MIG devices.
pub async fn gpu_pods(cluster: &Cluster, node: &str) -> Result<Vec<GpuPod>> {
    let api: Api<Pod> = Api::all(cluster.client.clone());
    let params = ListParams::default().fields(&format!(
        "spec.nodeName={node},status.phase!=Succeeded,status.phase!=Failed"
    ));
    let pods = api
        .list(&params)
        .await
        .map_err(|e| cluster.error(e, Op::new("list", "pods")))?;
    let mut out: Vec<GpuPod> = pods.items.iter().filter_map(gpu_pod).collect();
    out.sort_by_key(GpuPod::key);
    Ok(out)
}

fn gpu_pod(pod: &Pod) -> Option<GpuPod> {
    let raw: RawPod = serde_json::to_value(pod)
        .ok()
        .and_then(|v| serde_json::from_value(v).ok())?;
    let usage = PodUsage::from(raw);
    let requests: BTreeMap<String, i64> = usage
        .requests
        .into_iter()
        .filter(|(k, v)| *v > 0 && crate::mig::strategy::is_gpu_resource(k))
        .collect();
    if requests.is_empty() {
        return None;
    }
    let owner = pod
        .metadata
        .owner_references
        .iter()
        .flatten()
        .find(|o| o.controller == Some(true))
        .map_or_else(|| "-".to_string(), |o| format!("{}/{}", o.kind, o.name));
    Some(GpuPod {
        namespace: usage.namespace,
        name: usage.name,
        uid: pod.metadata.uid.clone().unwrap_or_default(),
        owner,
        requests,
    })
}
