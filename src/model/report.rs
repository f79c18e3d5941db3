//! The describe report's data, in the documented JSON/YAML schema: per node, per resource, and
//! cluster totals. Plain data shared by the model's rules and the renderers.

use crate::mig::strategy::{Source, Strategy};
use crate::model::sharing::Sharing;
use serde::Serialize;

/// The whole report, in the documented JSON/YAML schema.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// One entry per node, by name.
    pub nodes: Vec<NodeReport>,
    /// Cluster totals per resource (and profile).
    pub summary: Vec<SummaryRow>,
    /// DRA claims for NVIDIA devices that no device was allocated to.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pending_claims: Vec<PendingClaim>,
    /// Why DRA devices are not shown, when they could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dra_unavailable: Option<String>,
}

/// A DRA claim still waiting for a device.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct PendingClaim {
    /// `namespace/name`.
    pub claim: String,
    /// The pod waiting for it, if known.
    pub pod: Option<String>,
    /// The device classes it asks for.
    pub classes: Vec<String>,
    /// The scheduler's reason, when it gave one.
    pub reason: Option<String>,
}

/// Where a resource's devices are published.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum DeviceSource {
    /// A device plugin's extended resource in the node's allocatable.
    #[default]
    DevicePlugin,
    /// Dynamic Resource Allocation: devices in ResourceSlices, handed out by claims.
    Dra,
}

/// What a DRA resource row adds.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct DraDetail {
    /// Devices carved on demand from shared counters (dynamic MIG): `free` is how many more of
    /// this profile the free counters allow at once.
    pub partitionable: bool,
    /// The devices claims hold: device, UUID, parent GPU, claim and pods.
    pub devices: Vec<crate::model::dra::Held>,
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
    /// The GPU model, the same for every strategy (`A100-SXM4-40GB`, `H100-PCIe`).
    pub gpu_model: Option<String>,
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
    /// GPU resources kubectl mig does not model (other device plugins, dynamic MIG), as advertised.
    pub other_gpu_resources: Vec<OtherResource>,
    /// What looks wrong, most severe first.
    pub problems: Vec<Problem>,
    /// The per-GPU picture (`describe --gpus`): its fields join the node's.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub gpus: Option<crate::model::gpu_view::NodeGpus>,
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
    /// How its devices are shared (time-slicing, MPS); absent for devices of their own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sharing: Option<Sharing>,
    /// `device-plugin` or `dra`.
    pub source: DeviceSource,
    /// DRA details (devices held, partitionable); absent for device-plugin resources.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dra: Option<DraDetail>,
}

/// A GPU resource describe does not model, with what the node advertises of it.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct OtherResource {
    /// The resource name, e.g. `instaslice.redhat.com/mig-1g.5gb`.
    pub name: String,
    /// `status.allocatable`.
    pub allocatable: i64,
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

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Pods cannot get the devices the node should offer.
    Error,
    /// Something is off but devices are usable.
    Warning,
    /// Worth knowing.
    Info,
}

impl Severity {
    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// One finding.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Problem {
    /// Stable short code, e.g. `DEVICES_NOT_ADVERTISED`.
    pub code: &'static str,
    /// How bad it is.
    pub severity: Severity,
    /// What is wrong, one sentence.
    pub message: String,
    /// What to do about it.
    pub hint: String,
}

/// A finding (shorthand for the struct literal).
pub fn problem(code: &'static str, severity: Severity, message: String, hint: String) -> Problem {
    Problem {
        code,
        severity,
        message,
        hint,
    }
}
