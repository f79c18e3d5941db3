//! Reading what describe and run need from the cluster: the GPU nodes in one paged list, then
//! only the pods that can hold their devices, folded page by page into per-node usage.

use crate::cluster::{fold_list, fold_list_paged, Cluster, Op};
use crate::error::Result;
use crate::model::capacity::Usage;
use crate::model::node::{NodeInfo, PodUsage, RawNode, RawPod, NVIDIA_PREFIX};
use futures::{StreamExt, TryStreamExt};
use kube::api::ListParams;

/// Page size of node lists and of the cluster-wide pod list: twice kubectl's 500, which saves
/// half the round trips for a few MB more (BENCHMARKS.md, "Over a real network").
const PAGE: u32 = 1000;
/// Per-node pod lists (or node gets) in flight at once against one cluster: with 25 ms per
/// request, 500 GPU nodes take 8 rounds instead of 63 at 8 (BENCHMARKS.md). Each is a small
/// list the API server answers from its watch cache (`resourceVersion=0`), by its
/// `spec.nodeName` index.
const CONCURRENCY: usize = 64;
/// Requests in flight at once across a fleet (`describe --all-contexts`): each cluster gets its
/// share, at least `MIN_SHARE`, so that connections (one per request in flight: kube speaks
/// HTTP/1.1) stay well under the usual limit of 1,024 open files.
const FLEET_CONCURRENCY: usize = 256;
/// The least concurrency one cluster of a fleet gets.
const MIN_SHARE: usize = 4;
/// Below one GPU node in this many, asking per node beats listing every pod: measured on
/// 5,000 nodes and 50,000 pods (BENCHMARKS.md), per-node lists win up to about one in four
/// with 5 ms per request and up to one in two on loopback.
const PER_NODE_RATIO: usize = 5;
/// Pods that can hold devices: the scheduler ignores terminated ones.
pub const LIVE_PODS: &str = "status.phase!=Succeeded,status.phase!=Failed";
/// Overrides the choice between per-node and cluster-wide pod lists (`per-node` or `cluster`),
/// for benchmarks that compare the two on the same cluster.
const LISTING_ENV: &str = "KUBECTL_MIG_POD_LISTING";
/// Overrides `PAGE` (benchmarks only).
const PAGE_ENV: &str = "KUBECTL_MIG_PAGE_SIZE";
/// Overrides `CONCURRENCY` (benchmarks only).
const CONCURRENCY_ENV: &str = "KUBECTL_MIG_CONCURRENCY";

/// The page size of node and pod lists.
fn page() -> u32 {
    std::env::var(PAGE_ENV)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|p| *p > 0)
        .unwrap_or(PAGE)
}

/// The clusters read at once by this process (set by `describe --all-contexts`).
static CLUSTERS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);

/// Says how many clusters this process reads at once, to share `FLEET_CONCURRENCY`.
pub fn reading_clusters(n: usize) {
    CLUSTERS.store(n.max(1), std::sync::atomic::Ordering::Relaxed);
}

/// How many per-node pod lists (or node gets) run at once against one cluster.
fn concurrency() -> usize {
    let clusters = CLUSTERS.load(std::sync::atomic::Ordering::Relaxed);
    let share = (FLEET_CONCURRENCY / clusters).clamp(MIN_SHARE, CONCURRENCY);
    std::env::var(CONCURRENCY_ENV)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|c| *c > 0)
        .unwrap_or(share)
}

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
            let usage = usage(cluster, &plugin, usize::MAX).await?;
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

/// How the live pods are listed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Listing {
    PerNode,
    Cluster,
    /// Decided by the share of GPU nodes.
    Auto,
}

fn listing() -> Listing {
    match std::env::var(LISTING_ENV).as_deref() {
        Ok("per-node") => Listing::PerNode,
        Ok("cluster") => Listing::Cluster,
        _ => Listing::Auto,
    }
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
    let mode = listing();
    // GPU node names read but not yet handed to the pod lists, and those handed.
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
                let node = keep_labels(NodeInfo::from(raw));
                if is_gpu_node(&node) {
                    *gpu += 1;
                    held.borrow_mut().push(node.name.clone());
                }
                // Other nodes are kept too, trimmed: DRA names those it serves later.
                nodes.push(node);
            },
            |(_, listed, gpu), remaining| {
                let early = match (mode, remaining) {
                    (Listing::PerNode, _) => true,
                    (Listing::Auto, Some(left)) => {
                        let total =
                            listed.saturating_add(usize::try_from(left).unwrap_or(usize::MAX));
                        gpu.saturating_mul(PER_NODE_RATIO) < total
                    }
                    _ => false,
                };
                if early {
                    hand(&tx);
                }
            },
        )
        .await?;
        let per_node = match mode {
            Listing::PerNode => true,
            Listing::Cluster => false,
            Listing::Auto => gpu.saturating_mul(PER_NODE_RATIO) < listed,
        };
        if per_node {
            hand(&tx);
        } else {
            abandoned.set(true);
        }
        Ok::<_, crate::error::Error>((nodes, per_node))
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
    let (nodes, per_node) = listed?;
    let gpu_names = || {
        nodes
            .iter()
            .filter(|n| is_gpu_node(n))
            .map(|n| n.name.as_str())
    };
    if per_node {
        let mut usage = Usage::for_nodes(gpu_names());
        for pod in pods?.into_iter().flatten() {
            usage.add(pod);
        }
        return Ok((nodes, usage, Vec::new()));
    }
    let usage = cluster_usage(cluster, gpu_names).await?;
    Ok((nodes, usage, Vec::new()))
}

/// The live pods bound to `node` that request GPU resources. Asked with `resourceVersion=0`
/// (and so without paging: a node holds at most a few hundred pods): the API server answers
/// from its watch cache, by its `spec.nodeName` index, on every version; a consistent read
/// (no resourceVersion) with a limit is read from etcd, every pod of the cluster for each node,
/// on servers before 1.31 (or without consistent reads from cache). The data may be as old as
/// the cache (normally milliseconds).
async fn node_pods(cluster: &Cluster, node: &str) -> Result<Vec<PodUsage>> {
    let params = ListParams::default()
        .fields(&format!("spec.nodeName={node},{LIVE_PODS}"))
        .match_any();
    fold_list::<RawPod, _>(
        cluster,
        "/api/v1/pods",
        &params,
        Op::new("list", "pods"),
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

/// The usage of `names`' devices from one paged list of every live pod.
async fn cluster_usage<'a, I: Iterator<Item = &'a str>>(
    cluster: &Cluster,
    names: impl Fn() -> I,
) -> Result<Usage> {
    let params = ListParams::default().limit(page()).fields(LIVE_PODS);
    fold_list::<RawPod, _>(
        cluster,
        "/api/v1/pods",
        &params,
        Op::new("list", "pods"),
        || Usage::for_nodes(names()),
        |usage, raw| usage.add(PodUsage::from(raw)),
    )
    .await
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

/// Whether to list pods per node: when the nodes of interest are few among many.
fn per_node(nodes: usize, listed: usize) -> bool {
    match listing() {
        Listing::PerNode => true,
        Listing::Cluster => false,
        Listing::Auto => nodes.saturating_mul(PER_NODE_RATIO) < listed,
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
    if per_node(nodes.len(), listed) {
        let per_node: Vec<Vec<PodUsage>> = futures::stream::iter(names())
            .map(|node| node_pods(cluster, node))
            .buffer_unordered(concurrency())
            .try_collect()
            .await?;
        for pod in per_node.into_iter().flatten() {
            usage.add(pod);
        }
        return Ok(usage);
    }
    cluster_usage(cluster, names).await
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
