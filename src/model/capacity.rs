//! The capacity model: nodes + pods → per node and MIG resource, what is allocatable, requested
//! and free, who holds it, and (in `problems`) what looks wrong. Pure: no I/O, no printing.

use crate::mig::strategy::{self, Strategy, GPU_RESOURCE};
use crate::model::dra::Inventory;
use crate::model::node::{NodeInfo, PodUsage};
use crate::model::problems::{self};
use std::collections::{BTreeMap, HashMap};

pub use super::report::{NodeReport, OtherResource, PodClaim, Report, ResourceReport, SummaryRow};

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

    /// Adds nodes of interest (with nothing held yet).
    pub fn watch_nodes<'a>(&mut self, names: impl IntoIterator<Item = &'a str>) {
        for n in names {
            self.per_node.entry(n.to_string()).or_default();
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
    report_with_dra(nodes, usage, &Inventory::default(), &HashMap::new())
}

/// Builds the report with the devices DRA publishes beside the device plugin's resources;
/// `reasons` has the scheduler's word for pods waiting on a claim.
pub fn report_with_dra(
    nodes: &[NodeInfo],
    usage: &Usage,
    dra: &Inventory,
    reasons: &HashMap<String, String>,
) -> Report {
    let empty = BTreeMap::new();
    let dra_rows = crate::model::dra_rows::rows_by_node(dra);
    let mut reports: Vec<NodeReport> = nodes
        .iter()
        .map(|n| {
            let mut report = node_report(n, usage.per_node.get(&n.name).unwrap_or(&empty));
            if let Some(rows) = dra_rows.get(&n.name) {
                add_dra(&mut report, n, dra, rows);
            }
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
        pending_claims: crate::model::dra_report::pending(dra, reasons),
        dra_unavailable: dra.unavailable.clone(),
    }
}

/// Adds a node's DRA rows, their problems, and drops the device-plugin findings that only meant
/// "no devices" when DRA serves them.
fn add_dra(
    report: &mut NodeReport,
    node: &NodeInfo,
    dra: &Inventory,
    rows: &[crate::model::dra_rows::ProfileRow],
) {
    use crate::model::dra_report;
    let found = dra_report::problems(&node.name, dra, &report.resources, rows);
    if rows.iter().any(|r| r.listed > 0) {
        report
            .problems
            .retain(|p| !matches!(p.code, "DEVICES_NOT_ADVERTISED" | "MIG_NOT_ENABLED"));
    }
    report.resources.extend(dra_report::resources(rows));
    report.problems.extend(found);
    report.problems.sort_by_key(|p| p.severity);
}

fn node_report(node: &NodeInfo, used: &BTreeMap<String, (i64, Vec<PodClaim>)>) -> NodeReport {
    let (strategy, source) = crate::model::strategy::detect(node);
    let resources = resources(node, strategy, used);
    let other_gpu_resources = other_resources(node);
    let problems = problems::diagnose(node, strategy, source, &resources, &other_gpu_resources);
    NodeReport {
        name: node.name.clone(),
        strategy,
        strategy_source: source,
        gpu_product: node.labels.get(strategy::PRODUCT_LABEL).cloned(),
        gpu_model: crate::model::strategy::gpu_model(node),
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
        other_gpu_resources,
        problems,
        gpus: None,
    }
}

/// Every NVIDIA resource the node has or its pods ask for, in display order.
fn resources(
    node: &NodeInfo,
    strategy: Strategy,
    used: &BTreeMap<String, (i64, Vec<PodClaim>)>,
) -> Vec<ResourceReport> {
    let single_profile = (strategy == Strategy::Single)
        .then(|| crate::model::strategy::single_profile(node))
        .flatten();
    let mut names: Vec<&String> = node
        .capacity
        .keys()
        .chain(node.allocatable.keys())
        .chain(used.keys())
        .filter(|r| strategy::is_gpu_resource(r))
        .collect();
    names.sort_by_key(|r| resource_order(r));
    names.dedup();
    names
        .into_iter()
        .map(|name| {
            let (requested, mut pods) = used.get(name).cloned().unwrap_or_default();
            pods.sort();
            let allocatable = node.allocatable.get(name).copied().unwrap_or(0);
            let profile = match strategy::profile_of_resource(name) {
                Some(p) => Some(p.to_string()),
                None => single_profile.clone(),
            };
            ResourceReport {
                name: name.clone(),
                profile,
                capacity: node.capacity.get(name).copied().unwrap_or(0),
                allocatable,
                requested,
                free: allocatable.saturating_sub(requested).max(0),
                pods,
                sharing: crate::model::sharing::sharing(node, name, allocatable),
                source: Default::default(),
                dra: None,
            }
        })
        .collect()
}

/// GPU-like resources that are not the NVIDIA device plugin's.
fn other_resources(node: &NodeInfo) -> Vec<OtherResource> {
    let mut names: Vec<&String> = node
        .capacity
        .keys()
        .chain(node.allocatable.keys())
        .filter(|r| !strategy::is_gpu_resource(r))
        .collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .map(|name| OtherResource {
            name: name.clone(),
            allocatable: node.allocatable.get(name).copied().unwrap_or(0),
        })
        .collect()
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
