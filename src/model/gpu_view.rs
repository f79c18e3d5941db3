//! The per-GPU picture's data (`describe --gpus`), in the documented JSON schema: per GPU its
//! instances by start slot and free slices, per node the source, stranded slices and largest free
//! profile. Plain data; `model::gpus` fills it in.

use serde::Serialize;

/// Where a node's GPU layout was read from, best first.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum LayoutSource {
    /// NVIDIA's DRA driver's ResourceSlices: exact placements and allocations.
    Dra,
    /// The GPU Operator MIG manager's layout (`nvidia.com/mig.config` and its ConfigMap).
    MigManager,
    /// An AKS MIG pool: every GPU cut into the pool's one profile.
    Aks,
    /// GFD's and the device plugin's counts only: placement unknown.
    Gfd,
}

impl LayoutSource {
    /// As JSON spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            LayoutSource::Dra => "dra",
            LayoutSource::MigManager => "mig-manager",
            LayoutSource::Aks => "aks",
            LayoutSource::Gfd => "gfd",
        }
    }
}

/// One MIG instance on a GPU.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Instance {
    /// The profile (`1g.5gb`).
    pub profile: String,
    /// Its first memory slice (the placement start).
    pub start: u32,
    /// Memory slices it covers from `start`.
    pub size: u32,
    /// Whether a pod holds it; `null` when the source cannot say which instance a pod got.
    pub used: Option<bool>,
    /// The pods holding it (DRA only), as `namespace/name`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pods: Vec<String>,
}

/// One physical GPU.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct GpuView {
    /// The GPU's index (minor number) on the node.
    pub index: u32,
    /// The catalog model (`A100-40GB`).
    pub model: String,
    /// Where its layout was read from.
    pub layout_source: LayoutSource,
    /// False for a whole GPU (MIG off): no instances, no slices.
    pub mig_enabled: bool,
    /// Memory slices of the GPU.
    pub memory_slices: u32,
    /// Its MIG instances, by start.
    pub instances: Vec<Instance>,
    /// Memory slices no instance in use holds (idle instances' slices count as free: they can
    /// be re-cut, or are carved on demand with dynamic MIG); `null` when unknown.
    pub free_slices: Option<Vec<u32>>,
    /// The largest profile with a placement inside the free slices; `null` when none or unknown.
    pub largest_free_profile: Option<String>,
}

/// Instances of one profile on a node, and how many are in use.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ProfileUse {
    /// The profile.
    pub profile: String,
    /// Instances on the node.
    pub total: i64,
    /// Instances pods hold.
    pub used: i64,
}

/// The per-GPU picture of a node, added to its describe report.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct NodeGpus {
    /// The best source the node had.
    pub layout_source: LayoutSource,
    /// Why a better source could not be used, or what the source leaves unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layout_note: Option<String>,
    /// The GPUs; empty when placements are unknown (`gfd`).
    pub gpus: Vec<GpuView>,
    /// Instances per profile on the node and how many are in use.
    pub profile_use: Vec<ProfileUse>,
    /// Free slices no placement of a wanted profile can use (see README); `null` when unknown.
    pub stranded_slices: Option<u32>,
    /// The largest profile the free slices of one of its GPUs still hold; `null` when none or
    /// unknown.
    pub largest_free_profile: Option<String>,
    /// Physical GPUs as the labels tell them (for the table; JSON has `gpuCount`).
    #[serde(skip)]
    pub physical_gpus: Option<u32>,
    /// The catalog model of the node's GPUs, if known (for the table).
    #[serde(skip)]
    pub model: Option<&'static str>,
}
