//! Devices shared by time-slicing or MPS: a resource whose units are slots of a device, as the
//! device plugin advertises them (`nvidia.com/gpu.shared`, `nvidia.com/mig-1g.10gb.shared`, or the
//! plain name with a `replicas` label above one), and GKE's shared GPUs.

use crate::mig::labels;
use crate::mig::strategy::ResourceKind;
use crate::model::node::NodeInfo;
use serde::Serialize;

/// How a resource's devices are shared.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Sharing {
    /// Slots per device (GFD's `replicas` label), when known.
    pub replicas: Option<i64>,
    /// `time-slicing` or `mps`, when known.
    pub strategy: Option<String>,
    /// Devices behind the slots: allocatable / replicas, when both are known.
    pub devices: Option<i64>,
}

/// The sharing of `resource` on `node` with `allocatable` slots, or `None` when each unit is a
/// device of its own.
pub fn sharing(node: &NodeInfo, resource: &str, allocatable: i64) -> Option<Sharing> {
    let kind = ResourceKind::parse(resource)?;
    let label = |name: &str| node.labels.get(name).map(String::as_str);
    let (replicas, strategy) = match kind.profile() {
        Some(p) => (
            label(&labels::profile_label(p, "replicas")),
            label(&labels::profile_label(p, "sharing-strategy")),
        ),
        None => (
            label(labels::GPU_REPLICAS).or(label(labels::GKE_MAX_SHARED_CLIENTS)),
            label(labels::GPU_SHARING).or(label(labels::GKE_SHARING_STRATEGY)),
        ),
    };
    let replicas = replicas.and_then(crate::k8s::quantity::parse);
    let strategy = strategy
        .filter(|s| !s.is_empty() && *s != "none")
        .map(str::to_string);
    let shared = kind.is_shared() || replicas.is_some_and(|r| r > 1) || strategy.is_some();
    if !shared {
        return None;
    }
    let devices = replicas.filter(|r| *r > 0).map(|r| allocatable / r);
    Some(Sharing {
        replicas,
        strategy,
        devices,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(labels: &[(&str, &str)]) -> NodeInfo {
        NodeInfo {
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn renamed_and_replicated_resources_are_shared() {
        let n = node(&[
            ("nvidia.com/mig-1g.10gb.replicas", "4"),
            ("nvidia.com/mig-1g.10gb.sharing-strategy", "time-slicing"),
        ]);
        let s = sharing(&n, "nvidia.com/mig-1g.10gb.shared", 28).unwrap();
        assert_eq!((s.replicas, s.devices), (Some(4), Some(7)));
        assert_eq!(s.strategy.as_deref(), Some("time-slicing"));
        let s = sharing(&n, "nvidia.com/mig-1g.10gb", 28).unwrap();
        assert_eq!(s.devices, Some(7));
        let whole = node(&[
            ("nvidia.com/gpu.replicas", "1"),
            ("nvidia.com/gpu.sharing-strategy", "none"),
        ]);
        assert_eq!(sharing(&whole, "nvidia.com/gpu", 8), None);
        let bottlerocket = node(&[]);
        let s = sharing(&bottlerocket, "nvidia.com/gpu.shared", 128).unwrap();
        assert_eq!((s.replicas, s.devices), (None, None));
    }
}
