//! Names only the cluster knows: nodes, namespaces, and the MIG profiles on offer. Asked with
//! the kubeconfig flags already typed and a short timeout; any failure gives no candidates.

use super::complete::Candidate;
use crate::cluster::ConnectOptions;
use crate::cluster::{self, fold_list, Cluster, Op};
use crate::mig::strategy;
use crate::model::node::{NodeInfo, RawNode};
use crate::model::offers::{self, Offer};
use crate::snapshot::live::{self, is_gpu_node};
use kube::api::ListParams;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

/// Per request: a shell waits for completions, so a slow or absent server must not hang it.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(2);
/// For the whole lookup, retries included.
const TOTAL_TIMEOUT: Duration = Duration::from_secs(3);
const PAGE: u32 = 500;

/// What to ask the cluster for.
#[derive(Debug, Clone)]
pub enum Lookup {
    /// Node names; GPU nodes only unless `all`.
    Nodes {
        /// Offer nodes without NVIDIA GPUs too.
        all: bool,
    },
    /// Nodes that offer MIG devices, optionally of one profile.
    OfferingNodes {
        /// Only nodes offering this profile.
        profile: Option<String>,
    },
    /// MIG profiles offered, optionally on one node or with one strategy.
    Profiles {
        /// Only this node's.
        node: Option<String>,
        /// Only `single` or `mixed` offers.
        strategy: Option<String>,
    },
    /// Namespace names.
    Namespaces,
    /// The MIG manager's layouts (`reconfigure --config`): those that fit `node` under its
    /// strategy when one is named, each with what the node would advertise.
    Layouts {
        /// The node to be re-cut.
        node: Option<String>,
    },
}

/// Runs the lookup against the cluster `global` points at; `None` on any error or timeout.
pub fn lookup(global: &ConnectOptions, what: Lookup) -> Option<Vec<Candidate>> {
    let mut global = global.clone();
    global.request_timeout = Some(REQUEST_TIMEOUT);
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return None;
    };
    runtime.block_on(bounded(async move {
        let cluster = cluster::connect(&global).await.ok()?;
        match what {
            Lookup::Nodes { all } => nodes(&cluster, all).await,
            Lookup::OfferingNodes { profile } => offers(&cluster)
                .await
                .map(|o| offering_nodes(&o, profile.as_deref())),
            Lookup::Profiles { node, strategy } => offers(&cluster)
                .await
                .map(|o| offered_profiles(&o, node.as_deref(), strategy.as_deref())),
            Lookup::Namespaces => namespaces(&cluster).await,
            Lookup::Layouts { node } => layouts(&cluster, node.as_deref()).await,
        }
    }))
}

async fn bounded(work: impl Future<Output = Option<Vec<Candidate>>>) -> Option<Vec<Candidate>> {
    tokio::time::timeout(TOTAL_TIMEOUT, work)
        .await
        .ok()
        .flatten()
}

async fn nodes(cluster: &Cluster, all: bool) -> Option<Vec<Candidate>> {
    let params = ListParams::default().limit(PAGE);
    let nodes = fold_list::<RawNode, _>(
        cluster,
        "/api/v1/nodes",
        &params,
        Op::new("list", "nodes"),
        Vec::new,
        |acc, raw| acc.push(NodeInfo::from(raw)),
    )
    .await
    .ok()?;
    Some(
        nodes
            .iter()
            .filter(|n| all || is_gpu_node(n))
            .map(|n| Candidate::new(&n.name, node_help(n)))
            .collect(),
    )
}

fn node_help(node: &NodeInfo) -> String {
    if let Some(product) = node.labels.get(strategy::PRODUCT_LABEL) {
        return product.clone();
    }
    if is_gpu_node(node) {
        "NVIDIA GPU node".into()
    } else {
        "no NVIDIA GPU".into()
    }
}

async fn offers(cluster: &Cluster) -> Option<Vec<Offer>> {
    let snapshot = live::snapshot(cluster, &[], None, false).await.ok()?;
    let report = snapshot.report();
    Some(offers::offers(&report))
}

/// Nodes with MIG devices, described by what they offer.
pub fn offering_nodes(offers: &[Offer], profile: Option<&str>) -> Vec<Candidate> {
    let mut by_node: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for o in offers
        .iter()
        .filter(|o| profile.is_none_or(|p| o.profile == p))
    {
        by_node
            .entry(&o.node)
            .or_default()
            .push(format!("{} ({} free)", o.profile, o.free));
    }
    by_node
        .into_iter()
        .map(|(node, parts)| Candidate::new(node, parts.join(", ")))
        .collect()
}

/// Profiles on offer, smallest first, described by free devices and nodes.
pub fn offered_profiles(
    offers: &[Offer],
    node: Option<&str>,
    strategy: Option<&str>,
) -> Vec<Candidate> {
    let mut by_profile: BTreeMap<(u32, u32, String), (i64, Vec<&str>)> = BTreeMap::new();
    let wanted = offers.iter().filter(|o| {
        node.is_none_or(|n| o.node == n)
            && strategy.is_none_or(|s| s == "auto" || o.strategy.to_string() == s)
    });
    for o in wanted {
        let entry = by_profile
            .entry(strategy::profile_order(&o.profile))
            .or_default();
        entry.0 += o.free;
        if !entry.1.contains(&o.node.as_str()) {
            entry.1.push(&o.node);
        }
    }
    by_profile
        .into_iter()
        .map(|((_, _, profile), (free, nodes))| {
            let unit = if nodes.len() == 1 { "node" } else { "nodes" };
            Candidate::new(profile, format!("{free} free on {} {unit}", nodes.len()))
        })
        .collect()
}

#[derive(Deserialize)]
struct Named {
    metadata: Name,
}

#[derive(Deserialize)]
struct Name {
    name: String,
}

async fn namespaces(cluster: &Cluster) -> Option<Vec<Candidate>> {
    let params = ListParams::default().limit(PAGE);
    fold_list::<Named, _>(
        cluster,
        "/api/v1/namespaces",
        &params,
        Op::new("list", "namespaces"),
        Vec::new,
        |acc, item| acc.push(Candidate::new(item.metadata.name, "")),
    )
    .await
    .ok()
}

async fn layouts(cluster: &Cluster, node: Option<&str>) -> Option<Vec<Candidate>> {
    let operator = crate::snapshot::layouts::operator(cluster).await.ok()?;
    let mut reader = crate::snapshot::layouts::Reader::new(cluster, operator);
    let Some(name) = node else {
        let layouts = reader.for_node("").await.ok()?;
        return Some(
            layouts
                .config
                .layouts
                .keys()
                .map(|l| Candidate::new(l, ""))
                .collect(),
        );
    };
    let request = kube::core::Request::new("/api/v1/nodes")
        .get(name, &Default::default())
        .ok()?;
    let raw: RawNode = cluster.client.request(request).await.ok()?;
    let info = NodeInfo::from(raw);
    let layouts = reader.for_node(name).await.ok()?;
    Some(fitting_layouts(&info, &layouts.config))
}

/// The layouts of `config` that fit `node` under its strategy, described by what the node
/// would advertise (the current one marked).
pub fn fitting_layouts(node: &NodeInfo, config: &crate::mig::mig_parted::Config) -> Vec<Candidate> {
    let current = node.labels.get(strategy::MIG_CONFIG_LABEL);
    config
        .layouts
        .keys()
        .filter_map(|layout| {
            let eval = crate::model::layout_fit::evaluate(node, config, layout).ok()?;
            if eval.invalid {
                return None;
            }
            let parts: Vec<String> = eval
                .advertised
                .iter()
                .filter(|(_, n)| **n > 0)
                .map(|(r, n)| format!("{r}: {n}"))
                .collect();
            let mut help = if parts.is_empty() {
                "no GPU devices".to_string()
            } else {
                parts.join(", ")
            };
            if current == Some(layout) {
                help.push_str(" (current)");
            }
            Some(Candidate::new(layout, help))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mig::strategy::Strategy;

    fn offer(node: &str, profile: &str, strategy: Strategy, free: i64) -> Offer {
        Offer {
            shared: false,
            dra: false,
            node: node.into(),
            profile: profile.into(),
            strategy,
            resource: format!("nvidia.com/mig-{profile}"),
            allocatable: 7,
            requested: 7 - free,
            free,
            usable: true,
            product: None,
        }
    }

    #[test]
    fn profiles_are_summed_over_nodes_smallest_first() {
        let offers = [
            offer("b", "3g.20gb", Strategy::Mixed, 1),
            offer("a", "1g.5gb", Strategy::Mixed, 2),
            offer("b", "1g.5gb", Strategy::Single, 5),
        ];
        let all = offered_profiles(&offers, None, None);
        let lines: Vec<(&str, &str)> = all
            .iter()
            .map(|c| (c.value.as_str(), c.help.as_str()))
            .collect();
        assert_eq!(
            lines,
            [
                ("1g.5gb", "7 free on 2 nodes"),
                ("3g.20gb", "1 free on 1 node")
            ]
        );
        let single = offered_profiles(&offers, None, Some("single"));
        assert_eq!(single[0].help, "5 free on 1 node");
        assert_eq!(offered_profiles(&offers, Some("a"), None).len(), 1);
    }

    #[test]
    fn offering_nodes_name_their_profiles() {
        let offers = [
            offer("b", "3g.20gb", Strategy::Mixed, 1),
            offer("b", "1g.5gb", Strategy::Mixed, 2),
            offer("a", "1g.5gb", Strategy::Mixed, 0),
        ];
        let nodes = offering_nodes(&offers, None);
        assert_eq!(nodes[0].value, "a");
        assert_eq!(nodes[1].help, "3g.20gb (1 free), 1g.5gb (2 free)");
        assert_eq!(offering_nodes(&offers, Some("3g.20gb")).len(), 1);
    }
}
