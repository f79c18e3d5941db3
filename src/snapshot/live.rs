//! Reading what describe and run need from the cluster: the GPU nodes in one paged list, then
//! only the pods that can hold their devices, folded page by page into per-node usage.

use crate::cluster::{fold_list, Cluster, Op};
use crate::error::Result;
use crate::model::capacity::Usage;
use crate::model::node::{NodeInfo, PodUsage, RawNode, RawPod, NVIDIA_PREFIX};
use futures::{StreamExt, TryStreamExt};
use kube::api::ListParams;

/// Page size for lists, as kubectl uses.
const PAGE: u32 = 500;
/// Per-node pod lists running at once.
const CONCURRENCY: usize = 8;
/// Below one GPU node in this many, asking per node beats listing every pod: measured on
/// 5,000 nodes and 50,000 pods (BENCHMARKS.md), per-node lists win up to about one in four
/// with 5 ms per request and up to one in two on loopback.
const PER_NODE_RATIO: usize = 5;
/// Pods that can hold devices: the scheduler ignores terminated ones.
pub const LIVE_PODS: &str = "status.phase!=Succeeded,status.phase!=Failed";
/// Overrides the choice between per-node and cluster-wide pod lists (`per-node` or `cluster`),
/// for benchmarks that compare the two on the same cluster.
const LISTING_ENV: &str = "KUBECTL_MIG_POD_LISTING";

/// The nodes of interest and what their pods hold.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// Selected nodes (GPU nodes unless `all` or named).
    pub nodes: Vec<NodeInfo>,
    /// Requests of live pods bound to them.
    pub usage: Usage,
    /// Named nodes that do not exist.
    pub missing: Vec<String>,
    /// DRA slices and claims.
    pub dra: crate::model::dra::Inventory,
    /// The scheduler's reason for pods waiting on a DRA claim (`namespace/name`).
    pub reasons: std::collections::HashMap<String, String>,
}

impl Snapshot {
    /// The report of these nodes, pods and DRA devices.
    pub fn report(&self) -> crate::model::capacity::Report {
        crate::model::capacity::report_with_dra(&self.nodes, &self.usage, &self.dra, &self.reasons)
    }
}

/// Whether describe or run reads a node label: GFD's `nvidia.com/*` labels except CUDA versions
/// and per-profile attributes other than the count and sharing, the clouds' GPU labels and the
/// VM size. The rest are dropped as nodes are listed: on a MIG node they are most of its memory.
fn label_read(key: &str) -> bool {
    use crate::mig::labels;
    match key.strip_prefix(NVIDIA_PREFIX) {
        Some(rest) => match rest.strip_prefix("mig-") {
            Some(profile_attr) => [".count", ".replicas", ".sharing-strategy"]
                .iter()
                .any(|attr| profile_attr.ends_with(attr)),
            None => !rest.starts_with("cuda."),
        },
        None => [
            crate::mig::aks::ACCELERATOR_LABEL,
            INSTANCE_TYPE_LABEL,
            labels::GKE_PARTITION_SIZE,
            labels::GKE_ACCELERATOR,
            labels::GKE_MAX_SHARED_CLIENTS,
            labels::GKE_SHARING_STRATEGY,
            labels::AKS_DCGM_EXPORTER,
        ]
        .contains(&key),
    }
}

/// The VM size label, shown by describe.
const INSTANCE_TYPE_LABEL: &str = "node.kubernetes.io/instance-type";

/// A node as describe keeps it: only the labels it reads.
fn keep_labels(mut node: NodeInfo) -> NodeInfo {
    node.labels.retain(|k, _| label_read(k));
    node
}

/// Whether a node has NVIDIA GPU resources, GFD labels, or AKS's GPU label.
pub fn is_gpu_node(node: &NodeInfo) -> bool {
    node.labels
        .get(crate::mig::aks::ACCELERATOR_LABEL)
        .map(String::as_str)
        == Some("nvidia")
        || node
            .capacity
            .keys()
            .chain(node.allocatable.keys())
            .any(|k| crate::mig::strategy::is_gpu_resource(k))
        || node.labels.keys().any(|k| {
            k.starts_with(NVIDIA_PREFIX)
                && (k.starts_with("nvidia.com/gpu.") || k.starts_with("nvidia.com/mig"))
        })
}

/// Reads the nodes (named ones, or all matching `selector`) and the usage of their devices.
pub async fn snapshot(
    cluster: &Cluster,
    names: &[String],
    selector: Option<&str>,
    all: bool,
) -> Result<Snapshot> {
    // DRA first: its nodes count as GPU nodes even without NVIDIA labels or resources.
    let dra = super::dra::read(cluster).await;
    let dra_nodes = crate::model::dra::dra_nodes(&dra);
    let (nodes, missing, listed) = if names.is_empty() {
        let (nodes, total) = list_nodes(cluster, selector, all, &dra_nodes).await?;
        (nodes, Vec::new(), total)
    } else {
        let (nodes, missing) = get_nodes(cluster, names).await?;
        (nodes, missing, usize::MAX)
    };
    // Pods hold device-plugin resources only on nodes that have them; a DRA-only node's devices
    // are counted from claims, so its pods need not be listed.
    let plugin_nodes: Vec<NodeInfo> = nodes.iter().filter(|n| is_gpu_node(n)).cloned().collect();
    let mut usage = usage(cluster, &plugin_nodes, listed).await?;
    usage.watch_nodes(nodes.iter().map(|n| n.name.as_str()));
    let reasons = super::dra::pending_reasons(cluster, &dra.claims).await;
    Ok(Snapshot {
        nodes,
        usage,
        missing,
        dra,
        reasons,
    })
}

/// The GPU nodes (matching `selector`), without looking at pods, and how many nodes were listed.
pub async fn gpu_nodes(
    cluster: &Cluster,
    selector: Option<&str>,
) -> Result<(Vec<NodeInfo>, usize)> {
    list_nodes(cluster, selector, false, &[]).await
}

async fn list_nodes(
    cluster: &Cluster,
    selector: Option<&str>,
    all: bool,
    dra_nodes: &[String],
) -> Result<(Vec<NodeInfo>, usize)> {
    let mut params = ListParams::default().limit(PAGE);
    if let Some(s) = selector {
        params = params.labels(s);
    }
    fold_list::<RawNode, _>(
        cluster,
        "/api/v1/nodes",
        &params,
        Op::new("list", "nodes"),
        || (Vec::new(), 0usize),
        |(nodes, total), raw| {
            *total += 1;
            let node = NodeInfo::from(raw);
            if all || is_gpu_node(&node) || dra_nodes.binary_search(&node.name).is_ok() {
                nodes.push(keep_labels(node));
            }
        },
    )
    .await
}

async fn get_nodes(cluster: &Cluster, names: &[String]) -> Result<(Vec<NodeInfo>, Vec<String>)> {
    let results: Vec<(String, Option<NodeInfo>)> = futures::stream::iter(names.iter().cloned())
        .map(|name| async move {
            let request = kube::core::Request::new("/api/v1/nodes")
                .get(&name, &Default::default())
                .map_err(|e| crate::error::Error::failed(format!("cannot build a request: {e}")))?;
            match cluster.client.request::<RawNode>(request).await {
                Ok(raw) => Ok((name, Some(keep_labels(NodeInfo::from(raw))))),
                Err(kube::Error::Api(s)) if s.code == 404 => Ok((name, None)),
                Err(err) => Err(cluster.error(err, Op::new("get", "nodes"))),
            }
        })
        .buffered(CONCURRENCY)
        .try_collect()
        .await?;
    let mut nodes = Vec::new();
    let mut missing = Vec::new();
    for (name, node) in results {
        match node {
            Some(n) => nodes.push(n),
            None => missing.push(name),
        }
    }
    Ok((nodes, missing))
}

/// Whether to list pods per node: when the nodes of interest are few among many.
fn per_node(nodes: usize, listed: usize) -> bool {
    match std::env::var(LISTING_ENV).as_deref() {
        Ok("per-node") => true,
        Ok("cluster") => false,
        _ => nodes.saturating_mul(PER_NODE_RATIO) < listed,
    }
}

/// Folds the requests of live pods on `nodes`: per node when they are few among many
/// (`listed` nodes in all), else one paged list of every live pod.
pub async fn usage(cluster: &Cluster, nodes: &[NodeInfo], listed: usize) -> Result<Usage> {
    let names = || nodes.iter().map(|n| n.name.as_str());
    let mut usage = Usage::for_nodes(names());
    if nodes.is_empty() {
        return Ok(usage);
    }
    let op = Op::new("list", "pods");
    if per_node(nodes.len(), listed) {
        let per_node: Vec<Vec<PodUsage>> = futures::stream::iter(names())
            .map(|node| {
                let params = ListParams::default()
                    .limit(PAGE)
                    .fields(&format!("spec.nodeName={node},{LIVE_PODS}"));
                async move {
                    fold_list::<RawPod, _>(
                        cluster,
                        "/api/v1/pods",
                        &params,
                        op,
                        Vec::new,
                        |acc, raw| {
                            let pod = PodUsage::from(raw);
                            if !pod.requests.is_empty() {
                                acc.push(pod);
                            }
                        },
                    )
                    .await
                }
            })
            .buffer_unordered(CONCURRENCY)
            .try_collect()
            .await?;
        for pod in per_node.into_iter().flatten() {
            usage.add(pod);
        }
        return Ok(usage);
    }
    let params = ListParams::default().limit(PAGE).fields(LIVE_PODS);
    fold_list::<RawPod, _>(
        cluster,
        "/api/v1/pods",
        &params,
        op,
        || Usage::for_nodes(names()),
        |usage, raw| usage.add(PodUsage::from(raw)),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::label_read;

    #[test]
    fn keeps_only_the_labels_describe_reads() {
        for key in [
            "nvidia.com/mig.strategy",
            "nvidia.com/gpu.product",
            "nvidia.com/gpu.count",
            "nvidia.com/gpu.present",
            "nvidia.com/mig.capable",
            "nvidia.com/mig.config.state",
            "nvidia.com/mig-1g.5gb.count",
            "kubernetes.azure.com/accelerator",
            "node.kubernetes.io/instance-type",
        ] {
            assert!(label_read(key), "{key} must be kept");
        }
        for key in [
            "nvidia.com/cuda.driver.major",
            "nvidia.com/mig-1g.5gb.memory",
            "nvidia.com/mig-3g.20gb.engines.copy",
            "kubernetes.io/hostname",
            "agentpool",
        ] {
            assert!(!label_read(key), "{key} is not read");
        }
    }
}
