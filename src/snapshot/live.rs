//! Reading what describe and run need from the cluster: the GPU nodes in one paged list, then
//! only the pods that can hold their devices, folded page by page into per-node usage.

use super::pod_usage::{cluster_usage, node_pods};
use super::read_plan::{concurrency, listing, page, per_node, Listing};
use crate::cluster::{fold_list, fold_list_paged, Cluster, Op};
use crate::error::Result;
use crate::model::capacity::Usage;
use crate::model::node::{NodeInfo, PodUsage, RawNode, NVIDIA_PREFIX};
use futures::{StreamExt, TryStreamExt};
use kube::api::ListParams;

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

/// A node as listed, kept as describe keeps it.
pub fn kept_node(raw: RawNode) -> NodeInfo {
    keep_labels(NodeInfo::from(raw))
}

/// A node as describe keeps it: only the labels it reads.
pub fn keep_labels(mut node: NodeInfo) -> NodeInfo {
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
/// DRA objects are read beside the nodes; per-node pod lists start while nodes are still being
/// listed (see [`nodes_and_usage`]).
pub async fn snapshot(
    cluster: &Cluster,
    names: &[String],
    selector: Option<&str>,
    all: bool,
) -> Result<Snapshot> {
    let (dra, read) = futures::join!(super::dra::read(cluster), async {
        if names.is_empty() {
            nodes_and_usage(cluster, selector).await
        } else {
            let (nodes, missing) = get_nodes(cluster, names).await?;
            // Pods hold device-plugin resources only on nodes that have them; a DRA-only
            // node's devices are counted from claims, so its pods need not be listed.
            let plugin: Vec<NodeInfo> = nodes.iter().filter(|n| is_gpu_node(n)).cloned().collect();
            let usage = super::pod_usage::usage(cluster, &plugin, usize::MAX).await?;
            Ok((nodes, usage, missing))
        }
    });
    let (mut nodes, mut usage, missing) = read?;
    // DRA nodes count as GPU nodes even without NVIDIA labels or resources.
    let dra_nodes = crate::model::dra::dra_nodes(&dra);
    if names.is_empty() && !all {
        nodes.retain(|n| is_gpu_node(n) || dra_nodes.binary_search(&n.name).is_ok());
    }
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

/// Lists the nodes (the GPU nodes, and the others only trimmed to what describe reads, for the
/// caller to keep those DRA names) and the usage of the GPU nodes' devices. Per-node pod lists
/// start as soon as a page of nodes shows that they will be used: when the server says how many
/// nodes there are (`remainingItemCount`) and the GPU nodes so far stay under one in
/// `PER_NODE_RATIO` of them, the GPU nodes of each page are handed to the pod lists at once, so
/// the round trips of both overlap. Otherwise the choice waits for the last page.
async fn nodes_and_usage(
    cluster: &Cluster,
    selector: Option<&str>,
) -> Result<(Vec<NodeInfo>, Usage, Vec<String>)> {
    use std::cell::{Cell, RefCell};
    // GPU node names read but not yet handed to the pod lists, and those handed (a list that
    // expires mid-way starts over, and its nodes come again).
    let held: RefCell<Vec<String>> = RefCell::default();
    let handed: RefCell<std::collections::HashSet<String>> = RefCell::default();
    // Set when the pod lists are not wanted after all: queued lists are skipped.
    let abandoned = Cell::new(false);
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let hand = |tx: &tokio::sync::mpsc::UnboundedSender<String>| {
        for name in held.borrow_mut().drain(..) {
            if handed.borrow_mut().insert(name.clone()) {
                let _ = tx.send(name);
            }
        }
    };
    let producer = async {
        let tx = tx; // dropped when the nodes are read: the pod lists then end
        let mut params = ListParams::default().limit(page());
        if let Some(s) = selector {
            params = params.labels(s);
        }
        let ((nodes, listed, gpu), _) = fold_list_paged::<RawNode, _>(
            cluster,
            "/api/v1/nodes",
            &params,
            Op::new("list", "nodes"),
            || (Vec::new(), 0usize, 0usize),
            |(nodes, listed, gpu), raw| {
                *listed += 1;
                let node = kept_node(raw);
                if is_gpu_node(&node) {
                    *gpu += 1;
                    held.borrow_mut().push(node.name.clone());
                }
                // Other nodes are kept too, trimmed: DRA names those it serves later.
                nodes.push(node);
            },
            |(_, listed, gpu), remaining| {
                // Without the count of what is left, only a forced choice is known early.
                let early = match remaining {
                    Some(left) => per_node(
                        *gpu,
                        listed.saturating_add(usize::try_from(left).unwrap_or(usize::MAX)),
                    ),
                    None => listing() == Listing::PerNode,
                };
                if early {
                    hand(&tx);
                }
            },
        )
        .await?;
        let by_node = per_node(gpu, listed);
        if by_node {
            hand(&tx);
        } else {
            abandoned.set(true);
        }
        Ok::<_, crate::error::Error>((nodes, by_node))
    };
    let rx = futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|n| (n, rx)) });
    let consumer = rx
        .map(|node| {
            let abandoned = &abandoned;
            async move {
                if abandoned.get() {
                    return Ok(Vec::new());
                }
                node_pods(cluster, &node).await
            }
        })
        .buffer_unordered(concurrency())
        .try_collect::<Vec<Vec<PodUsage>>>();
    let (listed, pods) = futures::join!(producer, consumer);
    let (nodes, by_node) = listed?;
    let gpu_names = || {
        nodes
            .iter()
            .filter(|n| is_gpu_node(n))
            .map(|n| n.name.as_str())
    };
    if by_node {
        let mut usage = Usage::for_nodes(gpu_names());
        for pod in pods?.into_iter().flatten() {
            usage.add(pod);
        }
        return Ok((nodes, usage, Vec::new()));
    }
    let usage = cluster_usage(cluster, gpu_names).await?;
    Ok((nodes, usage, Vec::new()))
}

/// The GPU nodes (matching `selector`), without looking at pods, and how many nodes were listed.
pub async fn gpu_nodes(
    cluster: &Cluster,
    selector: Option<&str>,
) -> Result<(Vec<NodeInfo>, usize)> {
    let mut params = ListParams::default().limit(page());
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
            if is_gpu_node(&node) {
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
                Ok(raw) => Ok((name, Some(kept_node(raw)))),
                Err(kube::Error::Api(s)) if s.code == 404 => Ok((name, None)),
                Err(err) => Err(cluster.error(err, Op::new("get", "nodes"))),
            }
        })
        .buffered(concurrency())
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
