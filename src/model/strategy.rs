//! A node's MIG strategy as its labels and resources show it.

use crate::mig::labels;
use crate::mig::strategy::{
    model_of_product, profile_of_product, profile_of_resource, Source, Strategy, GPU_RESOURCE,
    GPU_SHARED_RESOURCE, INVALID, MIG_CONFIG_LABEL, MIG_RESOURCE_PREFIX, PRODUCT_LABEL,
    STRATEGY_LABEL,
};
use crate::model::node::NodeInfo;

/// The profiles a mixed-strategy node's GFD labels describe (`nvidia.com/mig-<p>.count`), with
/// their counts.
pub fn labelled_profiles(node: &NodeInfo) -> Vec<(&str, i64)> {
    node.labels
        .iter()
        .filter_map(|(k, v)| {
            let profile = k
                .strip_prefix(MIG_RESOURCE_PREFIX)?
                .strip_suffix(".count")?;
            Some((profile, crate::k8s::quantity::parse(v)?))
        })
        .collect()
}

/// Whether the node advertises any device of a `nvidia.com/mig-*` resource (leftovers at zero,
/// which kubelet keeps after a device plugin stops advertising them, do not count).
fn advertises_mig(node: &NodeInfo) -> bool {
    node.capacity
        .iter()
        .chain(node.allocatable.iter())
        .any(|(r, n)| *n > 0 && profile_of_resource(r).is_some())
}

/// Whether the node has any `nvidia.com/mig-*` resource at all, even at zero.
fn lists_mig(node: &NodeInfo) -> bool {
    node.capacity
        .keys()
        .chain(node.allocatable.keys())
        .any(|r| profile_of_resource(r).is_some())
}

fn allocatable_of(node: &NodeInfo, resource: &str) -> i64 {
    node.allocatable.get(resource).copied().unwrap_or(0)
}

/// The MIG layout the GPU Operator's MIG manager is asked for, unless it is `all-disabled`.
pub fn mig_layout(node: &NodeInfo) -> Option<&str> {
    node.labels
        .get(MIG_CONFIG_LABEL)
        .map(String::as_str)
        .filter(|c| !c.is_empty() && *c != labels::MIG_DISABLED_LAYOUT)
}

/// The node's strategy and where it came from: GFD's label when present, else inferred from
/// what it exposes. Inferred: advertised `nvidia.com/mig-*` devices → mixed; GKE's partition
/// size, a `-MIG-<p>` product, or `nvidia.com/gpu` on a node the MIG manager cut into one
/// profile → single; `nvidia.com/mig-*` resources all at zero and nothing else → mixed (its
/// device plugin is gone); otherwise none. Zero-count leftovers never decide against what the
/// node advertises.
pub fn detect(node: &NodeInfo) -> (Strategy, Source) {
    if let Some(strategy) = node
        .labels
        .get(STRATEGY_LABEL)
        .and_then(|v| Strategy::from_label(v))
    {
        return (strategy, Source::Label);
    }
    let gpus = allocatable_of(node, GPU_RESOURCE) + allocatable_of(node, GPU_SHARED_RESOURCE);
    let strategy = if advertises_mig(node) {
        Strategy::Mixed
    } else if node.labels.contains_key(labels::GKE_PARTITION_SIZE)
        || (gpus > 0 && single_profile(node).is_some())
    {
        Strategy::Single
    } else if gpus == 0 && lists_mig(node) {
        Strategy::Mixed
    } else {
        Strategy::None
    };
    (strategy, Source::Inferred)
}

/// The profile every `nvidia.com/gpu` device of a single-strategy node is, and what says so:
/// GFD's `-MIG-<p>` product, GKE's partition size, the MIG manager's `all-<p>` layout, or GFD's
/// per-device memory matched against the catalog. `None` for whole GPUs and `-MIG-INVALID`.
pub fn single_profile(node: &NodeInfo) -> Option<String> {
    let product = node.labels.get(PRODUCT_LABEL).map(String::as_str);
    if let Some(p) = product.and_then(profile_of_product) {
        return (p != INVALID).then(|| p.to_string());
    }
    if let Some(size) = node.labels.get(labels::GKE_PARTITION_SIZE) {
        return Some(size.clone());
    }
    if let Some(profile) = mig_layout(node)
        .and_then(|c| c.strip_prefix("all-"))
        .filter(|p| crate::mig::catalog::parse_profile_name(p).is_some())
    {
        return Some(profile.to_string());
    }
    // GFD writes one device's memory: a MIG profile's figure when the devices are MIG devices.
    let memory = node
        .labels
        .get(labels::GPU_MEMORY)
        .and_then(|m| m.parse::<f64>().ok())?;
    let gpu = crate::mig::catalog::gpu_for_product(product?)?;
    let whole = gpu.profiles.last().and_then(|p| p.memory_gib)?;
    let mib = |gib: f64| gib * 1024.0;
    if (memory - mib(whole)).abs() < 512.0 || memory > mib(whole) {
        return None;
    }
    gpu.profiles
        .iter()
        .filter(|p| !p.media_extensions())
        .find(|p| {
            p.memory_gib
                .is_some_and(|g| (mib(g) - memory).abs() <= 64.0)
        })
        .map(|p| p.name.to_string())
}

/// The GPU model, normalised: GFD's product without `NVIDIA-`, `-MIG-<p>` and `-SHARED`
/// (`A100-SXM4-40GB`), or GKE's accelerator as GFD would name it.
pub fn gpu_model(node: &NodeInfo) -> Option<String> {
    if let Some(product) = node.labels.get(PRODUCT_LABEL) {
        return Some(model_of_product(product).to_string());
    }
    node.labels
        .get(labels::GKE_ACCELERATOR)
        .and_then(|a| labels::gke_model(a))
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(labels: &[(&str, &str)], alloc: &[(&str, i64)]) -> NodeInfo {
        NodeInfo {
            name: "n".into(),
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            allocatable: alloc.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            capacity: alloc.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn label_wins() {
        let n = node(
            &[(STRATEGY_LABEL, "single")],
            &[("nvidia.com/mig-1g.5gb", 7)],
        );
        assert_eq!(detect(&n), (Strategy::Single, Source::Label));
    }

    #[test]
    fn infers_mixed_from_mig_resources_even_at_zero() {
        let n = node(&[], &[("nvidia.com/gpu", 0), ("nvidia.com/mig-3g.47gb", 1)]);
        assert_eq!(detect(&n), (Strategy::Mixed, Source::Inferred));
    }

    #[test]
    fn infers_single_from_product() {
        let n = node(
            &[(PRODUCT_LABEL, "NVIDIA-A100-SXM4-40GB-MIG-1g.5gb")],
            &[("nvidia.com/gpu", 56)],
        );
        assert_eq!(detect(&n), (Strategy::Single, Source::Inferred));
    }

    #[test]
    fn infers_none_for_whole_gpus() {
        let n = node(
            &[(PRODUCT_LABEL, "NVIDIA-H100-80GB-HBM3")],
            &[("nvidia.com/gpu", 8)],
        );
        assert_eq!(detect(&n), (Strategy::None, Source::Inferred));
    }
}
