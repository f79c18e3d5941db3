//! MIG strategies and resource names: how a node advertises MIG devices, and what a pod must ask
//! for. `single`: every device is `nvidia.com/gpu` and the product label ends in `-MIG-<profile>`;
//! `mixed`: each profile is its own `nvidia.com/mig-<profile>`.

use serde::Serialize;
use std::fmt;

/// The whole-GPU resource (and every MIG device under `single`).
pub const GPU_RESOURCE: &str = "nvidia.com/gpu";
/// GFD's strategy label.
pub const STRATEGY_LABEL: &str = "nvidia.com/mig.strategy";
/// GFD's product label.
pub const PRODUCT_LABEL: &str = "nvidia.com/gpu.product";
/// GFD's GPU count label.
pub const COUNT_LABEL: &str = "nvidia.com/gpu.count";
/// GFD's MIG capability label.
pub const CAPABLE_LABEL: &str = "nvidia.com/mig.capable";
/// The GPU Operator MIG manager's desired layout label.
pub const MIG_CONFIG_LABEL: &str = "nvidia.com/mig.config";
/// The MIG manager's progress label.
pub const MIG_CONFIG_STATE_LABEL: &str = "nvidia.com/mig.config.state";

pub const MIG_RESOURCE_PREFIX: &str = "nvidia.com/mig-";

/// How a node's device plugin advertises MIG devices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Strategy {
    /// Every MIG device is advertised as nvidia.com/gpu (one profile per node).
    Single,
    /// Each profile is its own resource, nvidia.com/mig-<profile>.
    Mixed,
    /// MIG devices are not advertised.
    None,
}

impl Strategy {
    /// Parses GFD's label value.
    pub fn from_label(value: &str) -> Option<Strategy> {
        match value {
            "single" => Some(Strategy::Single),
            "mixed" => Some(Strategy::Mixed),
            "none" => Some(Strategy::None),
            _ => None,
        }
    }

    /// The lowercase name, as the label and flags spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::Single => "single",
            Strategy::Mixed => "mixed",
            Strategy::None => "none",
        }
    }

    /// The resource a pod requests for one device of `profile` under this strategy.
    pub fn resource_for(self, profile: &str) -> String {
        match self {
            Strategy::Mixed => mig_resource(profile),
            Strategy::Single | Strategy::None => GPU_RESOURCE.to_string(),
        }
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a node's strategy came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// GFD's `nvidia.com/mig.strategy` label.
    Label,
    /// Inferred from the resources and product the node exposes.
    Inferred,
}

/// `nvidia.com/mig-<profile>` for a profile name.
pub fn mig_resource(profile: &str) -> String {
    format!("{MIG_RESOURCE_PREFIX}{profile}")
}

/// The suffix the device plugin gives a resource whose devices are shared (time-slicing or MPS
/// with `renameByDefault`): `nvidia.com/gpu.shared`, `nvidia.com/mig-1g.10gb.shared`.
pub const SHARED_SUFFIX: &str = ".shared";

/// The whole-GPU resource renamed for sharing.
pub const GPU_SHARED_RESOURCE: &str = "nvidia.com/gpu.shared";

/// What an NVIDIA resource name stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResourceKind<'a> {
    /// `nvidia.com/gpu`: whole GPUs, or every MIG device under `single`.
    Gpu,
    /// `nvidia.com/mig-<profile>`: MIG devices of one profile (`mixed`).
    Mig(&'a str),
    /// `nvidia.com/gpu.shared`: shared slots of whole GPUs (or single-strategy MIG devices).
    GpuShared,
    /// `nvidia.com/mig-<profile>.shared`: shared slots of MIG devices.
    MigShared(&'a str),
}

impl<'a> ResourceKind<'a> {
    /// Reads a resource name; `None` for anything that is not one of the NVIDIA device plugin's.
    pub fn parse(resource: &'a str) -> Option<Self> {
        match resource {
            GPU_RESOURCE => return Some(ResourceKind::Gpu),
            GPU_SHARED_RESOURCE => return Some(ResourceKind::GpuShared),
            _ => {}
        }
        let rest = resource.strip_prefix(MIG_RESOURCE_PREFIX)?;
        let (profile, shared) = match rest.strip_suffix(SHARED_SUFFIX) {
            Some(p) => (p, true),
            None => (rest, false),
        };
        if profile.is_empty() {
            return None;
        }
        Some(if shared {
            ResourceKind::MigShared(profile)
        } else {
            ResourceKind::Mig(profile)
        })
    }

    /// The MIG profile, for `nvidia.com/mig-*` resources.
    pub fn profile(self) -> Option<&'a str> {
        match self {
            ResourceKind::Mig(p) | ResourceKind::MigShared(p) => Some(p),
            ResourceKind::Gpu | ResourceKind::GpuShared => None,
        }
    }

    /// Whether its devices are shared slots.
    pub fn is_shared(self) -> bool {
        matches!(self, ResourceKind::GpuShared | ResourceKind::MigShared(_))
    }
}

/// The profile of a `nvidia.com/mig-<profile>` (or `.shared`) resource name.
pub fn profile_of_resource(resource: &str) -> Option<&str> {
    ResourceKind::parse(resource).and_then(ResourceKind::profile)
}

/// Whether a resource is one of the NVIDIA GPU resources describe reports (shared ones too).
pub fn is_gpu_resource(resource: &str) -> bool {
    ResourceKind::parse(resource).is_some()
}

/// The profile in a single-strategy product label: `NVIDIA-A100-SXM4-40GB-MIG-1g.5gb` → `1g.5gb`
/// (and `INVALID` for a layout single cannot serve).
pub fn profile_of_product(product: &str) -> Option<&str> {
    product
        .rsplit_once("-MIG-")
        .map(|(_, p)| p)
        .filter(|p| !p.is_empty())
}

/// The profile every MIG device of a single-strategy node has, from its product label; `None`
/// for whole GPUs and for GFD's `-MIG-INVALID` (a layout single cannot serve).
pub fn single_profile(product: &str) -> Option<&str> {
    profile_of_product(product).filter(|p| *p != INVALID)
}

/// GFD's profile word for a MIG layout the single strategy cannot serve.
pub const INVALID: &str = "INVALID";

/// The GPU model of a product label, without the `-MIG-...` part, a `-SHARED` suffix and the
/// `NVIDIA-` prefix: `NVIDIA-H100-80GB-HBM3-MIG-1g.10gb` and `H100-80GB-HBM3` both read
/// `H100-80GB-HBM3`.
pub fn model_of_product(product: &str) -> &str {
    let base = product.strip_suffix("-SHARED").unwrap_or(product);
    let base = base.rsplit_once("-MIG-").map_or(base, |(m, _)| m);
    base.strip_prefix("NVIDIA-").unwrap_or(base)
}

/// Orders profile names smallest first: by compute slices, then memory, then name.
pub fn profile_order(profile: &str) -> (u32, u32, String) {
    // The catalog's parser orders `1g.5gb` < `1g.5gb+me` < `1g.10gb`; unknown names sort last.
    match crate::mig::catalog::parse_profile_name(profile) {
        Some(p) => (p.slices, p.memory_gb, profile.to_string()),
        None => (99, u32::MAX, profile.to_string()),
    }
}

/// The devices of a node's GPUs, whatever its device plugin makes of them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Devices {
    /// Physical GPUs.
    pub gpus: i64,
    /// GPUs with MIG off.
    pub whole: i64,
    /// MIG devices per profile, as the device plugin names profiles (`1g.5gb.me`).
    pub profiles: std::collections::BTreeMap<String, i64>,
    /// Whether a GPU has MIG on and no instance.
    pub empty_mig: bool,
}

/// What the device plugin advertises for `devices` under `strategy` (resource → count), and
/// whether `single` cannot serve them (GFD's `-MIG-INVALID`: several profiles, an empty MIG
/// GPU, or MIG and whole GPUs side by side; nothing is advertised then). Under `none` MIG
/// devices are not advertised: every GPU counts as one `nvidia.com/gpu`.
pub fn advertised(
    strategy: Strategy,
    devices: &Devices,
) -> (std::collections::BTreeMap<String, i64>, bool) {
    let mut out = std::collections::BTreeMap::new();
    let any_mig = !devices.profiles.is_empty() || devices.empty_mig;
    match strategy {
        Strategy::Mixed => {
            out.insert(GPU_RESOURCE.to_string(), devices.whole);
            for (p, n) in &devices.profiles {
                out.insert(mig_resource(p), *n);
            }
        }
        Strategy::Single if any_mig => {
            let valid = devices.whole == 0 && !devices.empty_mig && devices.profiles.len() == 1;
            let total = if valid {
                devices.profiles.values().sum()
            } else {
                0
            };
            out.insert(GPU_RESOURCE.to_string(), total);
            return (out, !valid);
        }
        Strategy::Single | Strategy::None => {
            out.insert(GPU_RESOURCE.to_string(), devices.gpus);
        }
    }
    (out, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            Strategy::Mixed.resource_for("1g.5gb"),
            "nvidia.com/mig-1g.5gb"
        );
        assert_eq!(Strategy::Single.resource_for("1g.5gb"), "nvidia.com/gpu");
        assert_eq!(
            profile_of_resource("nvidia.com/mig-2g.10gb"),
            Some("2g.10gb")
        );
        assert_eq!(profile_of_resource("nvidia.com/gpu"), None);
        assert_eq!(
            profile_of_resource("nvidia.com/mig-1g.10gb.shared"),
            Some("1g.10gb")
        );
        assert_eq!(
            ResourceKind::parse("nvidia.com/mig-1g.10gb.shared"),
            Some(ResourceKind::MigShared("1g.10gb"))
        );
        assert_eq!(
            ResourceKind::parse("nvidia.com/gpu.shared"),
            Some(ResourceKind::GpuShared)
        );
        assert_eq!(ResourceKind::parse("nvidia.com/gpu.mem"), None);
        assert_eq!(
            model_of_product("NVIDIA-A100-SXM4-40GB-MIG-1g.5gb-SHARED"),
            "A100-SXM4-40GB"
        );
        assert_eq!(
            profile_of_product("NVIDIA-A100-SXM4-40GB-MIG-1g.5gb"),
            Some("1g.5gb")
        );
        assert_eq!(
            profile_of_product("A100-SXM4-40GB-MIG-INVALID"),
            Some("INVALID")
        );
        assert_eq!(
            model_of_product("NVIDIA-A100-SXM4-40GB-MIG-1g.5gb"),
            "A100-SXM4-40GB"
        );
        assert_eq!(model_of_product("A100-SXM4-40GB"), "A100-SXM4-40GB");
    }

    #[test]
    fn orders_profiles_smallest_first() {
        let mut v = vec![
            "3g.20gb",
            "1g.10gb",
            "1g.5gb+me",
            "7g.40gb",
            "1g.5gb",
            "2g.10gb",
        ];
        v.sort_by_key(|p| profile_order(p));
        assert_eq!(
            v,
            [
                "1g.5gb",
                "1g.5gb+me",
                "1g.10gb",
                "2g.10gb",
                "3g.20gb",
                "7g.40gb"
            ]
        );
    }
}
