//! What looks wrong on a node: each finding has a short code, a severity, a sentence and a hint.
//! Pure: reads the node's labels and the computed resources.

use crate::mig::strategy::{self, Source, Strategy, GPU_RESOURCE, GPU_SHARED_RESOURCE};
use crate::model::node::NodeInfo;
use crate::model::report::{OtherResource, ResourceReport};

mod devices;
pub mod manager;
mod matching;

use devices::{advertised_but_missing, label_families, node_state, strategy_mismatch};

pub use super::report::{problem, Problem, Severity};

/// Quantities of the node or of its pods that are no device count: they are left out of every
/// count, so the numbers shown may be short; say which.
pub fn malformed_quantities(node: &[String], pods: &[String]) -> Option<Problem> {
    let all: Vec<&String> = node.iter().chain(pods).collect();
    if all.is_empty() {
        return None;
    }
    let shown: Vec<&str> = all.iter().take(3).map(|s| s.as_str()).collect();
    let more = all.len().saturating_sub(3);
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    Some(problem(
        "MALFORMED_QUANTITY",
        Severity::Warning,
        format!(
            "quantities that are no device count were left out of the counts: {}{more}",
            shown.join("; ")
        ),
        "a device count is a whole number from 0 up; check what wrote them (a capture edited by hand, or a broken device plugin)".into(),
    ))
}

fn allocatable(resources: &[ResourceReport], name: &str) -> Option<i64> {
    resources
        .iter()
        .find(|r| r.name == name)
        .map(|r| r.allocatable)
}

fn plugin_hint(node: &str) -> String {
    format!(
        "check the device plugin: kubectl mig status, and its pod on this node (kubectl get pods -A -o wide --field-selector spec.nodeName={node})"
    )
}

/// What the rules read of a node besides its labels.
struct Seen<'a> {
    node: &'a NodeInfo,
    strategy: Strategy,
    resources: &'a [ResourceReport],
    product: Option<&'a str>,
    /// Advertised `nvidia.com/mig-*` devices (or shared slots of them).
    exposes_mig: bool,
    /// Allocatable `nvidia.com/gpu` plus `nvidia.com/gpu.shared`.
    gpu_alloc: i64,
    manager: manager::Manager<'a>,
}

/// All findings for a node, most severe first.
pub fn diagnose(
    node: &NodeInfo,
    strategy: Strategy,
    source: Source,
    resources: &[ResourceReport],
    others: &[OtherResource],
) -> Vec<Problem> {
    let seen = Seen {
        node,
        strategy,
        resources,
        product: node.labels.get(strategy::PRODUCT_LABEL).map(String::as_str),
        exposes_mig: resources
            .iter()
            .any(|r| strategy::profile_of_resource(&r.name).is_some() && r.allocatable > 0),
        gpu_alloc: allocatable(resources, GPU_RESOURCE)
            .unwrap_or(0)
            .saturating_add(allocatable(resources, GPU_SHARED_RESOURCE).unwrap_or(0)),
        manager: manager::Manager::read(node),
    };
    let mut out = Vec::new();
    node_state(node, &mut out);
    cloud_conditions(node, &mut out);
    manager::problems(node, &seen.manager, &mut out);
    let changing = seen.manager.explains_missing_devices();
    if let Some(p) = seen
        .product
        .filter(|p| strategy::profile_of_product(p) == Some(strategy::INVALID))
    {
        if !changing {
            out.push(problem(
                "MIG_INVALID",
                Severity::Error,
                format!("GFD reports product {p}: this node's MIG layout cannot be served by the single strategy (GPUs cut into different profiles, or MIG-enabled GPUs without instances)"),
                "give every GPU of the node the same profile (on AKS one --gpu-instance-profile per pool; with the GPU Operator an all-<profile> nvidia.com/mig.config), or switch to the mixed strategy: kubectl mig install --strategy mixed".into(),
            ));
        }
    }
    if source == Source::Label {
        strategy_mismatch(&seen, &mut out);
    }
    if !changing {
        advertised_but_missing(&seen, others, &mut out);
    }
    label_families(&seen, &mut out);
    overcommitted(resources, &mut out);
    plan_mismatch(node, strategy, resources, &mut out);
    mig_not_enabled(&seen, others, &mut out);
    other_resources(&seen, others, &mut out);
    out.sort_by_key(|p| p.severity);
    out
}

fn overcommitted(resources: &[ResourceReport], out: &mut Vec<Problem>) {
    for r in resources.iter().filter(|r| r.requested > r.allocatable) {
        out.push(problem(
            "OVERCOMMITTED",
            Severity::Error,
            format!("{} has {} requested but only {} allocatable", r.name, r.requested, r.allocatable),
            "the devices shrank after pods were placed (MIG layout changed, or device plugin restarted): see the pods with -o wide and move or delete the extra ones".into(),
        ));
    }
}

/// MIG-capable GPUs exposed whole, unless the MIG manager is asked for a MIG layout (then it
/// is on its way, or failed, which other findings say).
fn mig_not_enabled(seen: &Seen<'_>, others: &[OtherResource], out: &mut Vec<Problem>) {
    let node = seen.node;
    let capable = node.labels.get(strategy::CAPABLE_LABEL).map(String::as_str) == Some("true");
    let product_mig = seen
        .product
        .and_then(strategy::profile_of_product)
        .is_some();
    let layout = crate::model::strategy::mig_layout(node).is_some();
    // Another plugin (InstaSlice, the DAS operator) carving MIG devices on demand.
    let dynamic_mig = others.iter().any(|o| o.name.contains("mig"));
    if capable
        && !seen.exposes_mig
        && !product_mig
        && !layout
        && !dynamic_mig
        && seen.strategy != Strategy::Single
        && crate::model::strategy::labelled_profiles(node).is_empty()
    {
        out.push(problem(
            "MIG_NOT_ENABLED",
            Severity::Info,
            "the GPUs support MIG (nvidia.com/mig.capable=true) but are exposed whole".into(),
            "to share them, pick a layout with kubectl mig plan / kubectl mig profiles, then enable it (AKS: --gpu-instance-profile; GPU Operator: label nvidia.com/mig.config)".into(),
        ));
    }
}

/// Conditions a cloud's GPU health checks set on the node (AKS managed GPU pools).
fn cloud_conditions(node: &NodeInfo, out: &mut Vec<Problem>) {
    for (kind, message) in &node.gpu_conditions {
        let said = if message.is_empty() {
            String::new()
        } else {
            format!(": {message}")
        };
        out.push(problem(
            "GPU_UNHEALTHY",
            Severity::Error,
            format!("the node reports condition {kind}=True{said}"),
            format!("the cloud's GPU health check flags this node; see kubectl describe node {} and the provider's GPU node pool health (on AKS: the managed GPU components are AKS's to repair; reimage or replace the node if it persists)", node.name),
        ));
    }
}

/// GPU resources describe does not model: said, so a GPU node never looks like it has none.
fn other_resources(seen: &Seen<'_>, others: &[OtherResource], out: &mut Vec<Problem>) {
    let listed: Vec<String> = others
        .iter()
        .map(|o| format!("{} ({})", o.name, o.allocatable))
        .collect();
    if listed.is_empty() {
        return;
    }
    let dynamic = others
        .iter()
        .any(|o| o.name.starts_with("instaslice.") || o.name.starts_with("mig.das.com/"));
    let why = if dynamic {
        " (dynamic MIG by InstaSlice / the DAS operator: each count is how many of that profile could still be carved from the same GPUs, not devices to add up)"
    } else {
        ""
    };
    let none_modelled = seen.resources.iter().all(|r| r.allocatable == 0);
    out.push(problem(
        "OTHER_GPU_RESOURCES",
        Severity::Info,
        format!(
            "the node {}advertises GPU resources kubectl mig does not model: {}{why}",
            if none_modelled { "only " } else { "also " },
            listed.join(", ")
        ),
        "request them by those names; describe counts only NVIDIA's device plugin resources (and DRA devices)".into(),
    ));
}

/// The AKS VM size label.
const INSTANCE_TYPE_LABEL: &str = "node.kubernetes.io/instance-type";

/// A node whose GPUs are all cut into one profile advertises as many devices as the plan for its
/// VM size predicts (`kubectl mig plan`); fewer means some GPUs failed their MIG setup.
fn plan_mismatch(
    node: &NodeInfo,
    strategy: Strategy,
    resources: &[ResourceReport],
    out: &mut Vec<Problem>,
) {
    let Some(vm_size) = node.labels.get(INSTANCE_TYPE_LABEL) else {
        return;
    };
    let advertised: Vec<&ResourceReport> = resources.iter().filter(|r| r.allocatable > 0).collect();
    let (profile, alloc) = match (strategy, advertised.as_slice()) {
        (Strategy::Single, [gpu]) if gpu.name == GPU_RESOURCE => match gpu.profile.as_deref() {
            Some(p) => (p, gpu.allocatable),
            None => return,
        },
        (Strategy::Mixed, [one]) => match strategy::profile_of_resource(&one.name) {
            Some(p) => (p, one.allocatable),
            None => return,
        },
        _ => return,
    };
    let Some(expected) = crate::mig::aks::expected_instances(vm_size, profile) else {
        return;
    };
    if i64::from(expected) != alloc {
        out.push(problem(
            "PLAN_MISMATCH",
            Severity::Warning,
            format!("a {vm_size} with every GPU cut into {profile} should offer {expected} devices, but the node advertises {alloc}"),
            format!("some GPUs may have failed their MIG setup or use another layout: check nvidia-smi mig -lgi on the node and compare with kubectl mig plan --vm-size {vm_size}"),
        ));
    }
}

#[cfg(test)]
mod tests;
