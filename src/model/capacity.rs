//! The capacity model: nodes + pods → per node and MIG resource, what is allocatable, requested
//! and free, who holds it, and (in `problems`) what looks wrong. Pure: no I/O, no printing.

use crate::mig::strategy::{self, Source, Strategy, GPU_RESOURCE};
use crate::model::node::{NodeInfo, PodUsage};
use crate::model::problems::{self, Problem};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// The whole report, in the documented JSON/YAML schema.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Report {
    /// One entry per node, by name.
    pub nodes: Vec<NodeReport>,
    /// Cluster totals per resource (and profile).
    pub summary: Vec<SummaryRow>,
}

/// A node's MIG picture.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct NodeReport {
    /// Node name.
    pub name: String,
    /// How MIG devices are advertised.
    pub strategy: Strategy,
    /// Whether the strategy came from GFD's label or was inferred.
    pub strategy_source: Source,
    /// `nvidia.com/gpu.product` as GFD wrote it.
    pub gpu_product: Option<String>,
    /// `nvidia.com/gpu.count` as GFD wrote it.
    pub gpu_count: Option<i64>,
    /// The GPU Operator MIG manager's `nvidia.com/mig.config`.
    pub mig_config: Option<String>,
    /// Its `nvidia.com/mig.config.state` (pending, success, failed).
    pub mig_config_state: Option<String>,
    /// `node.kubernetes.io/instance-type` (the AKS VM size).
    pub instance_type: Option<String>,
    /// The Ready condition, when reported.
    pub ready: Option<bool>,
    /// False when cordoned.
    pub schedulable: bool,
    /// `nvidia.com/gpu` and every `nvidia.com/mig-<profile>` the node has or is asked for.
    pub resources: Vec<ResourceReport>,
    /// What looks wrong, most severe first.
    pub problems: Vec<Problem>,
}

/// One NVIDIA resource of one node.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ResourceReport {
    /// `nvidia.com/gpu` or `nvidia.com/mig-<profile>`.
    pub name: String,
    /// The MIG profile behind it; `None` for whole GPUs.
    pub profile: Option<String>,
    /// `status.capacity`.
    pub capacity: i64,
    /// `status.allocatable`.
    pub allocatable: i64,
    /// Sum of the effective requests of the pods holding it.
    pub requested: i64,
    /// `allocatable - requested`, never below zero.
    pub free: i64,
    /// The pods holding it.
    pub pods: Vec<PodClaim>,
}

/// A pod's hold on a resource.
#[derive(Clone, Debug, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct PodClaim {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// How many devices.
    pub count: i64,
}

/// Cluster totals of one resource (and profile, so `nvidia.com/gpu` of whole GPUs and of
/// single-strategy `1g.5gb` devices stay apart).
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct SummaryRow {
    /// Resource name.
    pub name: String,
    /// MIG profile, `None` for whole GPUs.
    pub profile: Option<String>,
    /// Nodes with allocatable > 0.
    pub nodes: usize,
    /// Total allocatable.
    pub allocatable: i64,
    /// Total requested.
    pub requested: i64,
    /// Total free.
    pub free: i64,
}

/// A pod's effective request per resource, by the scheduler's rule: the larger of (app
/// containers + restartable init containers, i.e. sidecars) and, for each plain init
/// container, its own request plus the sidecars started before it.
pub fn effective_requests(
    app: &[BTreeMap<String, i64>],
    init: &[(BTreeMap<String, i64>, bool)],
) -> BTreeMap<String, i64> {
    let mut running: BTreeMap<String, i64> = BTreeMap::new();
    let mut init_peak: BTreeMap<String, i64> = BTreeMap::new();
    for (requests, sidecar) in init {
        if *sidecar {
            add_into(&mut running, requests);
        } else {
            let mut during = running.clone();
            add_into(&mut during, requests);
            max_into(&mut init_peak, &during);
        }
    }
    for requests in app {
        add_into(&mut running, requests);
    }
    max_into(&mut running, &init_peak);
    running.retain(|_, v| *v != 0);
    running
}

fn add_into(acc: &mut BTreeMap<String, i64>, more: &BTreeMap<String, i64>) {
    for (k, v) in more {
        let total = acc.entry(k.clone()).or_default();
        *total = total.saturating_add(*v);
    }
}

fn max_into(acc: &mut BTreeMap<String, i64>, other: &BTreeMap<String, i64>) {
    for (k, v) in other {
        let e = acc.entry(k.clone()).or_default();
        *e = (*e).max(*v);
    }
}

/// Requests folded per node while pods stream in: only pods that hold NVIDIA resources on a
/// node of interest are kept, so memory follows the GPU pods, not the cluster.
#[derive(Debug, Default)]
pub struct Usage {
    per_node: HashMap<String, BTreeMap<String, (i64, Vec<PodClaim>)>>,
    /// Malformed quantities of pods on each node of interest, as `pod ns/name: limits ...`.
    malformed: HashMap<String, Vec<String>>,
}

impl Usage {
    /// Usage restricted to these nodes.
    pub fn for_nodes<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        Usage {
            per_node: names
                .into_iter()
                .map(|n| (n.to_string(), BTreeMap::new()))
                .collect(),
            malformed: HashMap::new(),
        }
    }

    /// Counts a pod if it holds GPU resources on a node of interest.
    pub fn add(&mut self, pod: PodUsage) {
        if !pod.holds_resources() {
            return;
        }
        let Some(node) = self.per_node.get_mut(&pod.node_name) else {
            return;
        };
        if !pod.malformed.is_empty() {
            let notes = self.malformed.entry(pod.node_name.clone()).or_default();
            for m in &pod.malformed {
                notes.push(format!("pod {}/{}: {m}", pod.namespace, pod.name));
            }
        }
        for (resource, count) in pod.requests {
            if !strategy::is_gpu_resource(&resource) {
                continue;
            }
            let entry = node.entry(resource).or_default();
            entry.0 = entry.0.saturating_add(count);
            entry.1.push(PodClaim {
                namespace: pod.namespace.clone(),
                name: pod.name.clone(),
                count,
            });
        }
    }
}

/// Builds the report for these nodes (in name order) from the folded usage.
pub fn report(nodes: &[NodeInfo], usage: &Usage) -> Report {
    let empty = BTreeMap::new();
    let mut reports: Vec<NodeReport> = nodes
        .iter()
        .map(|n| {
            let mut report = node_report(n, usage.per_node.get(&n.name).unwrap_or(&empty));
            let pods = usage
                .malformed
                .get(&n.name)
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            if let Some(p) = problems::malformed_quantities(&n.malformed, pods) {
                report.problems.push(p);
                report.problems.sort_by_key(|p| p.severity);
            }
            report
        })
        .collect();
    reports.sort_by(|a, b| a.name.cmp(&b.name));
    let summary = summarize(&reports);
    Report {
        nodes: reports,
        summary,
    }
}

fn node_report(node: &NodeInfo, used: &BTreeMap<String, (i64, Vec<PodClaim>)>) -> NodeReport {
    let (strategy, source) = crate::model::strategy::detect(node);
    let product = node.labels.get(strategy::PRODUCT_LABEL).cloned();
    let single_profile = product
        .as_deref()
        .and_then(strategy::single_profile)
        .map(str::to_string);
    let mut names: Vec<&String> = node
        .capacity
        .keys()
        .chain(node.allocatable.keys())
        .chain(used.keys())
        .filter(|r| strategy::is_gpu_resource(r))
        .collect();
    names.sort_by_key(|r| resource_order(r));
    names.dedup();
    let resources: Vec<ResourceReport> = names
        .into_iter()
        .map(|name| {
            let (requested, mut pods) = used.get(name).cloned().unwrap_or_default();
            pods.sort();
            let allocatable = node.allocatable.get(name).copied().unwrap_or(0);
            let profile = match strategy::profile_of_resource(name) {
                Some(p) => Some(p.to_string()),
                None if strategy == Strategy::Single => single_profile.clone(),
                None => None,
            };
            ResourceReport {
                name: name.clone(),
                profile,
                capacity: node.capacity.get(name).copied().unwrap_or(0),
                allocatable,
                requested,
                free: allocatable.saturating_sub(requested).max(0),
                pods,
            }
        })
        .collect();
    let problems = problems::diagnose(node, strategy, source, &resources);
    NodeReport {
        name: node.name.clone(),
        strategy,
        strategy_source: source,
        gpu_product: product,
        gpu_count: node
            .labels
            .get(strategy::COUNT_LABEL)
            .and_then(|v| crate::k8s::quantity::parse(v)),
        mig_config: node.labels.get(strategy::MIG_CONFIG_LABEL).cloned(),
        mig_config_state: node.labels.get(strategy::MIG_CONFIG_STATE_LABEL).cloned(),
        instance_type: node.labels.get("node.kubernetes.io/instance-type").cloned(),
        ready: node.ready,
        schedulable: !node.unschedulable,
        resources,
        problems,
    }
}

/// `nvidia.com/gpu` first, then MIG profiles smallest first.
pub fn resource_order(resource: &str) -> (u8, (u32, u32, String)) {
    match strategy::profile_of_resource(resource) {
        None if resource == GPU_RESOURCE => (0, (0, 0, String::new())),
        None => (2, (0, 0, resource.to_string())),
        Some(p) => (1, strategy::profile_order(p)),
    }
}

/// Summary rows sort like resources, then whole GPUs before MIG profiles of `nvidia.com/gpu`.
type SummaryKey = ((u8, (u32, u32, String)), Option<(u32, u32, String)>);

fn summarize(nodes: &[NodeReport]) -> Vec<SummaryRow> {
    let mut rows: BTreeMap<SummaryKey, SummaryRow> = BTreeMap::new();
    for r in nodes.iter().flat_map(|n| &n.resources) {
        let key = (
            resource_order(&r.name),
            r.profile.as_deref().map(strategy::profile_order),
        );
        let row = rows.entry(key).or_insert_with(|| SummaryRow {
            name: r.name.clone(),
            profile: r.profile.clone(),
            nodes: 0,
            allocatable: 0,
            requested: 0,
            free: 0,
        });
        row.nodes += usize::from(r.allocatable > 0);
        row.allocatable = row.allocatable.saturating_add(r.allocatable);
        row.requested = row.requested.saturating_add(r.requested);
        row.free = row.free.saturating_add(r.free);
    }
    rows.into_values().collect()
}
