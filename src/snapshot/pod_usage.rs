//! The live pods that hold GPU devices, folded into per-node usage: per GPU node, or from one
//! list of every live pod.

use super::read_plan::{concurrency, page, per_node};
use crate::cluster::{fold_list, Cluster, Op};
use crate::error::Result;
use crate::model::capacity::Usage;
use crate::model::node::{NodeInfo, PodUsage, RawPod};
use futures::{StreamExt, TryStreamExt};
use kube::api::ListParams;

/// Pods that can hold devices: the scheduler ignores terminated ones.
pub const LIVE_PODS: &str = "status.phase!=Succeeded,status.phase!=Failed";

/// The live pods bound to `node` that request GPU resources. Asked with `resourceVersion=0`
/// (and so without paging: a node holds at most a few hundred pods): the API server answers
/// from its watch cache, by its `spec.nodeName` index, on every version; a consistent read
/// (no resourceVersion) with a limit is read from etcd, every pod of the cluster for each node,
/// on servers before 1.31 (or without consistent reads from cache). The data may be as old as
/// the cache (normally milliseconds).
pub(super) async fn node_pods(cluster: &Cluster, node: &str) -> Result<Vec<PodUsage>> {
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
pub(super) async fn cluster_usage<'a, I: Iterator<Item = &'a str>>(
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
