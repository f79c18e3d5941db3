//! How a cluster is read, chosen by measurement (BENCHMARKS.md, "Over a real network"): page
//! sizes, requests in flight (shared across a fleet), and per-node pod lists against one
//! cluster-wide list. The environment overrides exist for the benchmarks that compare them.

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
/// Overrides the choice between per-node and cluster-wide pod lists (`per-node` or `cluster`),
/// for benchmarks that compare the two on the same cluster.
const LISTING_ENV: &str = "KUBECTL_MIG_POD_LISTING";
/// Overrides `PAGE` (benchmarks only).
const PAGE_ENV: &str = "KUBECTL_MIG_PAGE_SIZE";
/// Overrides `CONCURRENCY` (benchmarks only).
const CONCURRENCY_ENV: &str = "KUBECTL_MIG_CONCURRENCY";

/// The page size of node and pod lists.
pub(super) fn page() -> u32 {
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
pub(super) fn concurrency() -> usize {
    let clusters = CLUSTERS.load(std::sync::atomic::Ordering::Relaxed);
    let share = (FLEET_CONCURRENCY / clusters).clamp(MIN_SHARE, CONCURRENCY);
    std::env::var(CONCURRENCY_ENV)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|c| *c > 0)
        .unwrap_or(share)
}

/// How the live pods are listed.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Listing {
    PerNode,
    Cluster,
    /// Decided by the share of GPU nodes.
    Auto,
}

pub(super) fn listing() -> Listing {
    match std::env::var(LISTING_ENV).as_deref() {
        Ok("per-node") => Listing::PerNode,
        Ok("cluster") => Listing::Cluster,
        _ => Listing::Auto,
    }
}

/// Whether to list pods per node: when the nodes of interest are few among many.
pub(super) fn per_node(nodes: usize, listed: usize) -> bool {
    match listing() {
        Listing::PerNode => true,
        Listing::Cluster => false,
        Listing::Auto => nodes.saturating_mul(PER_NODE_RATIO) < listed,
    }
}
