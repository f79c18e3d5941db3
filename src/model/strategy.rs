//! A node's MIG strategy as its labels and resources show it.

use crate::mig::strategy::{
    profile_of_product, profile_of_resource, Source, Strategy, GPU_RESOURCE, MIG_RESOURCE_PREFIX,
    PRODUCT_LABEL, STRATEGY_LABEL,
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

/// The node's strategy and where it came from: GFD's label when present, else inferred from
/// what it exposes (`nvidia.com/mig-*` resources → mixed; `nvidia.com/gpu` with a `-MIG-<p>`
/// product → single; otherwise none).
pub fn detect(node: &NodeInfo) -> (Strategy, Source) {
    if let Some(strategy) = node
        .labels
        .get(STRATEGY_LABEL)
        .and_then(|v| Strategy::from_label(v))
    {
        return (strategy, Source::Label);
    }
    let has_mig_resources = node
        .capacity
        .keys()
        .chain(node.allocatable.keys())
        .any(|r| profile_of_resource(r).is_some());
    let strategy = if has_mig_resources {
        Strategy::Mixed
    } else if node
        .labels
        .get(PRODUCT_LABEL)
        .and_then(|p| profile_of_product(p))
        .is_some()
        && node.allocatable.contains_key(GPU_RESOURCE)
    {
        Strategy::Single
    } else {
        Strategy::None
    };
    (strategy, Source::Inferred)
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
