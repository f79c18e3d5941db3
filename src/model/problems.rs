//! What looks wrong on a node: each finding has a short code, a severity, a sentence and a hint.
//! Pure: reads the node's labels and the computed resources.

use crate::mig::strategy::{self, Source, Strategy, GPU_RESOURCE};
use crate::model::node::NodeInfo;
use crate::model::report::ResourceReport;

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

/// All findings for a node, most severe first.
pub fn diagnose(
    node: &NodeInfo,
    strategy: Strategy,
    source: Source,
    resources: &[ResourceReport],
) -> Vec<Problem> {
    let mut out = Vec::new();
    node_state(node, &mut out);
    let product = node.labels.get(strategy::PRODUCT_LABEL).map(String::as_str);
    let exposes_mig = resources
        .iter()
        .any(|r| strategy::profile_of_resource(&r.name).is_some() && r.allocatable > 0);
    let gpu_alloc = allocatable(resources, GPU_RESOURCE).unwrap_or(0);

    if let Some(p) = product.filter(|p| strategy::profile_of_product(p) == Some(strategy::INVALID))
    {
        out.push(problem(
            "MIG_INVALID",
            Severity::Error,
            format!("GFD reports product {p}: this node's MIG layout cannot be served by the single strategy (GPUs cut into different profiles, or MIG-enabled GPUs without instances)"),
            "give every GPU of the node the same profile (on AKS one --gpu-instance-profile per pool; with the GPU Operator an all-<profile> nvidia.com/mig.config), or switch to the mixed strategy: kubectl mig install --strategy mixed".into(),
        ));
    }

    if source == Source::Label {
        strategy_mismatch(node, strategy, exposes_mig, gpu_alloc, &mut out);
    }
    advertised_but_missing(node, product, resources, exposes_mig, gpu_alloc, &mut out);
    count_mismatch(node, strategy, product, resources, &mut out);

    for r in resources.iter().filter(|r| r.requested > r.allocatable) {
        out.push(problem(
            "OVERCOMMITTED",
            Severity::Error,
            format!("{} has {} requested but only {} allocatable", r.name, r.requested, r.allocatable),
            "the devices shrank after pods were placed (MIG layout changed, or device plugin restarted): see the pods with -o wide and move or delete the extra ones".into(),
        ));
    }

    plan_mismatch(node, strategy, resources, &mut out);

    let capable = node.labels.get(strategy::CAPABLE_LABEL).map(String::as_str) == Some("true");
    let product_mig = product.and_then(strategy::profile_of_product).is_some();
    if capable
        && !exposes_mig
        && !product_mig
        && crate::model::strategy::labelled_profiles(node).is_empty()
    {
        out.push(problem(
            "MIG_NOT_ENABLED",
            Severity::Info,
            "the GPUs support MIG (nvidia.com/mig.capable=true) but are exposed whole".into(),
            "to share them, pick a layout with kubectl mig plan / kubectl mig profiles, then enable it (AKS: --gpu-instance-profile; GPU Operator: label nvidia.com/mig.config)".into(),
        ));
    }
    out.sort_by_key(|p| p.severity);
    out
}

fn node_state(node: &NodeInfo, out: &mut Vec<Problem>) {
    if node.ready == Some(false) {
        out.push(problem(
            "NODE_NOT_READY",
            Severity::Error,
            "the node is NotReady: no new pod will start on it".into(),
            format!("see why with kubectl describe node {}", node.name),
        ));
    }
    if node.unschedulable {
        out.push(problem(
            "NODE_CORDONED",
            Severity::Warning,
            "the node is cordoned: its free devices take no new pods".into(),
            format!("when maintenance is over: kubectl uncordon {}", node.name),
        ));
    }
}

fn strategy_mismatch(
    node: &NodeInfo,
    strategy: Strategy,
    exposes_mig: bool,
    gpu_alloc: i64,
    out: &mut Vec<Problem>,
) {
    let labelled_mig = crate::model::strategy::labelled_profiles(node)
        .iter()
        .any(|(_, c)| *c > 0);
    let message = match strategy {
        Strategy::Single | Strategy::None if exposes_mig => format!(
            "GFD labels the node {strategy} but the device plugin advertises nvidia.com/mig-* resources, as the mixed strategy does"
        ),
        Strategy::Mixed if labelled_mig && !exposes_mig && gpu_alloc > 0 => {
            "GFD labels the node mixed but the device plugin advertises its MIG devices as nvidia.com/gpu, as the single strategy does".to_string()
        }
        _ => return,
    };
    out.push(problem(
        "STRATEGY_MISMATCH",
        Severity::Error,
        message,
        "GFD and the device plugin must run with the same MIG strategy: reinstall both with one, e.g. kubectl mig install --strategy mixed".into(),
    ));
}

fn advertised_but_missing(
    node: &NodeInfo,
    product: Option<&str>,
    resources: &[ResourceReport],
    exposes_mig: bool,
    gpu_alloc: i64,
    out: &mut Vec<Problem>,
) {
    for (profile, count) in crate::model::strategy::labelled_profiles(node) {
        let resource = strategy::mig_resource(profile);
        if count > 0 && allocatable(resources, &resource).unwrap_or(0) == 0 {
            if !exposes_mig && gpu_alloc > 0 && out.iter().any(|p| p.code == "STRATEGY_MISMATCH") {
                continue;
            }
            out.push(problem(
                "DEVICES_NOT_ADVERTISED",
                Severity::Error,
                format!("GFD labels advertise {count} × {profile} but the node has no allocatable {resource}"),
                plugin_hint(&node.name),
            ));
        }
    }
    let single_profile = product.and_then(strategy::single_profile);
    let labelled_count = node
        .labels
        .get(strategy::COUNT_LABEL)
        .and_then(|v| crate::k8s::quantity::parse(v));
    if let Some(profile) = single_profile {
        if labelled_count != Some(0) && gpu_alloc == 0 && !exposes_mig {
            out.push(problem(
                "DEVICES_NOT_ADVERTISED",
                Severity::Error,
                format!("GFD reports {profile} MIG devices ({}) but the node has no allocatable {GPU_RESOURCE}", product.unwrap_or_default()),
                plugin_hint(&node.name),
            ));
        }
    }
    let has_gpus = node
        .labels
        .get(crate::mig::aks::ACCELERATOR_LABEL)
        .is_some_and(|v| v == "nvidia")
        || node
            .labels
            .get("nvidia.com/gpu.present")
            .is_some_and(|v| v == "true");
    let specific = out.iter().any(|p| p.code == "DEVICES_NOT_ADVERTISED");
    if has_gpus && resources.is_empty() && !specific {
        out.push(problem(
            "DEVICES_NOT_ADVERTISED",
            Severity::Error,
            "the node has NVIDIA GPUs but advertises no nvidia.com/gpu or nvidia.com/mig-* resource".into(),
            format!(
                "install the device plugin (kubectl mig install --strategy single|mixed), or {}",
                plugin_hint(&node.name)
            ),
        ));
    }
}

fn count_mismatch(
    node: &NodeInfo,
    strategy: Strategy,
    product: Option<&str>,
    resources: &[ResourceReport],
    out: &mut Vec<Problem>,
) {
    let hint = || {
        format!(
            "GFD and the device plugin disagree: a MIG layout change may be in progress (check nvidia.com/mig.config.state) or one of them is stale; restart them on {}",
            node.name
        )
    };
    for (profile, count) in crate::model::strategy::labelled_profiles(node) {
        let resource = strategy::mig_resource(profile);
        match allocatable(resources, &resource) {
            Some(alloc) if alloc > 0 && alloc != count => out.push(problem(
                "COUNT_MISMATCH",
                Severity::Warning,
                format!(
                    "GFD labels say {count} × {profile} but {resource} has {alloc} allocatable"
                ),
                hint(),
            )),
            _ => {}
        }
    }
    let is_single_mig =
        strategy == Strategy::Single && product.and_then(strategy::single_profile).is_some();
    if is_single_mig {
        let labelled = node
            .labels
            .get(strategy::COUNT_LABEL)
            .and_then(|v| crate::k8s::quantity::parse(v));
        let alloc = allocatable(resources, GPU_RESOURCE).unwrap_or(0);
        if let Some(count) = labelled.filter(|c| alloc > 0 && *c != alloc) {
            out.push(problem(
                "COUNT_MISMATCH",
                Severity::Warning,
                format!("GFD labels say {count} MIG devices (nvidia.com/gpu.count) but {GPU_RESOURCE} has {alloc} allocatable"),
                hint(),
            ));
        }
    }
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
#[path = "problems_tests.rs"]
mod tests;
