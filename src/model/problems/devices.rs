//! Findings about the devices themselves: the node's state, devices GFD describes that the
//! device plugin does not advertise, strategies and counts that disagree, label names that
//! differ from resource names.

use super::matching::resource_for_label;
use super::{plugin_hint, problem, Problem, Seen, Severity};
use crate::mig::strategy::{self, Strategy, GPU_RESOURCE};
use crate::model::node::NodeInfo;
use crate::model::report::{OtherResource, ResourceReport};
use crate::model::strategy::labelled_profiles;

pub(super) fn node_state(node: &NodeInfo, out: &mut Vec<Problem>) {
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

/// GFD's strategy label against what the device plugin advertises. An error only when pods
/// cannot get the devices because of it; when devices are advertised it is a warning.
pub(super) fn strategy_mismatch(seen: &Seen<'_>, out: &mut Vec<Problem>) {
    let labelled_mig = labelled_profiles(seen.node).iter().any(|(_, c)| *c > 0);
    let strategy = seen.strategy;
    let message = match strategy {
        Strategy::Single | Strategy::None if seen.exposes_mig => format!(
            "GFD labels the node {strategy} but the device plugin advertises nvidia.com/mig-* resources, as the mixed strategy does"
        ),
        Strategy::Mixed if labelled_mig && !seen.exposes_mig && seen.gpu_alloc > 0 => {
            "GFD labels the node mixed but the device plugin advertises its MIG devices as nvidia.com/gpu, as the single strategy does".to_string()
        }
        _ => return,
    };
    let usable = seen.exposes_mig || seen.gpu_alloc > 0;
    out.push(problem(
        "STRATEGY_MISMATCH",
        if usable { Severity::Warning } else { Severity::Error },
        message,
        "GFD and the device plugin must run with the same MIG strategy: reinstall both with one, e.g. kubectl mig install --strategy mixed".into(),
    ));
}

/// The resource a GFD label family describes: its profile matched by name or by slices and
/// memory, the advertised one first when both plain and `.shared` resources exist.
fn resource_for<'a>(seen: &'a Seen<'_>, label: &str) -> Option<&'a ResourceReport> {
    let profiles: Vec<&str> = seen
        .resources
        .iter()
        .filter_map(|r| strategy::profile_of_resource(&r.name))
        .collect();
    let matched = resource_for_label(label, &profiles)?;
    let mut candidates: Vec<&ResourceReport> = seen
        .resources
        .iter()
        .filter(|r| strategy::profile_of_resource(&r.name) == Some(matched))
        .collect();
    candidates.sort_by_key(|r| r.allocatable == 0);
    candidates.first().copied()
}

/// Devices behind a resource's units: shared slots divided by their replicas.
fn devices(r: &ResourceReport) -> i64 {
    r.sharing
        .as_ref()
        .and_then(|s| s.devices)
        .unwrap_or(r.allocatable)
}

/// Devices GFD (or the node's GPU labels) describe that the node does not advertise.
pub(super) fn advertised_but_missing(
    seen: &Seen<'_>,
    others: &[OtherResource],
    out: &mut Vec<Problem>,
) {
    let node = seen.node;
    for (label, count) in labelled_profiles(node) {
        let found = resource_for(seen, label);
        let resource = found.map_or_else(|| strategy::mig_resource(label), |r| r.name.clone());
        if count > 0 && found.map_or(0, |r| r.allocatable) == 0 {
            if !seen.exposes_mig
                && seen.gpu_alloc > 0
                && out.iter().any(|p| p.code == "STRATEGY_MISMATCH")
            {
                continue;
            }
            out.push(problem(
                "DEVICES_NOT_ADVERTISED",
                Severity::Error,
                format!("GFD labels advertise {count} × {label} but the node has no allocatable {resource}"),
                plugin_hint(&node.name),
            ));
        }
    }
    let single_profile = seen.product.and_then(strategy::single_profile);
    let labelled_count = node
        .labels
        .get(strategy::COUNT_LABEL)
        .and_then(|v| crate::k8s::quantity::parse(v));
    if let Some(profile) = single_profile {
        if labelled_count != Some(0) && seen.gpu_alloc == 0 && !seen.exposes_mig {
            out.push(problem(
                "DEVICES_NOT_ADVERTISED",
                Severity::Error,
                format!(
                    "GFD reports {profile} MIG devices ({}) but the node has no allocatable {GPU_RESOURCE}",
                    seen.product.unwrap_or_default()
                ),
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
            .get(crate::mig::labels::GPU_PRESENT)
            .is_some_and(|v| v == "true");
    let specific = out.iter().any(|p| p.code == "DEVICES_NOT_ADVERTISED");
    let served_otherwise = others.iter().any(|o| o.allocatable > 0);
    if has_gpus && seen.resources.is_empty() && !specific && !served_otherwise {
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

/// GFD's per-profile counts against the devices advertised, and GFD profile names that differ
/// from the device plugin's (the same devices under another memory figure).
pub(super) fn label_families(seen: &Seen<'_>, out: &mut Vec<Problem>) {
    let node = seen.node;
    let hint = || {
        format!(
            "GFD and the device plugin disagree: a MIG layout change may be in progress (check nvidia.com/mig.config.state) or one of them is stale; restart them on {}",
            node.name
        )
    };
    for (label, count) in labelled_profiles(node) {
        let Some(found) = resource_for(seen, label) else {
            continue;
        };
        let resource = &found.name;
        let matched = strategy::profile_of_resource(resource).unwrap_or(label);
        if matched != label {
            out.push(problem(
                "PROFILE_NAME_MISMATCH",
                Severity::Info,
                format!("GFD names the profile {label} (nvidia.com/mig-{label}.* labels) where the device plugin advertises {resource}: the same devices under another memory figure, as older GFD releases wrote them"),
                format!("request {resource}; label selectors must use GFD's name {label} until GFD is upgraded to the device plugin's release"),
            ));
        }
        let alloc = devices(found);
        if found.allocatable > 0 && alloc != count {
            out.push(problem(
                "COUNT_MISMATCH",
                Severity::Warning,
                format!("GFD labels say {count} × {label} but {resource} has {alloc} allocatable"),
                hint(),
            ));
        }
    }
    let single_mig = seen.strategy == Strategy::Single
        && seen.product.and_then(strategy::single_profile).is_some();
    if single_mig {
        let labelled = node
            .labels
            .get(strategy::COUNT_LABEL)
            .and_then(|v| crate::k8s::quantity::parse(v));
        let alloc = seen
            .resources
            .iter()
            .find(|r| r.name == GPU_RESOURCE)
            .map_or(0, devices);
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
