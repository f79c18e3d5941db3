//! The node labels and conditions NVIDIA's software and the clouds' GPU stacks write, as they
//! spell them (sources: NVIDIA/k8s-device-plugin `internal/lm`, NVIDIA/mig-parted
//! `cmd/nvidia-mig-manager`, GoogleCloudPlatform/container-engine-accelerators, AKS managed GPU
//! node pools' documentation).

/// GFD's per-GPU memory label, in MiB (a MIG device's under `single`).
pub const GPU_MEMORY: &str = "nvidia.com/gpu.memory";
/// GFD's replicas label of `nvidia.com/gpu` (time-slicing or MPS).
pub const GPU_REPLICAS: &str = "nvidia.com/gpu.replicas";
/// GFD's sharing strategy of `nvidia.com/gpu`: `none`, `time-slicing`, `mps`.
pub const GPU_SHARING: &str = "nvidia.com/gpu.sharing-strategy";
/// `nvidia.com/gpu.present`, set by NFD rules of the GPU Operator on GPU nodes.
pub const GPU_PRESENT: &str = "nvidia.com/gpu.present";

/// The GPU Operator's per-component deploy labels.
pub const DEPLOY_PREFIX: &str = "nvidia.com/gpu.deploy.";
/// What the MIG manager sets the deploy labels of GPU clients to while it re-cuts the GPUs.
pub const PAUSED_FOR_MIG_CHANGE: &str = "paused-for-mig-change";
/// The components the MIG manager pauses (`maybeSetPaused` in mig-parted).
pub const PAUSED_COMPONENTS: &[&str] = &[
    "device-plugin",
    "gpu-feature-discovery",
    "dcgm-exporter",
    "dcgm",
    "nvsm",
    "client",
];
/// The MIG manager's layout value that turns MIG off.
pub const MIG_DISABLED_LAYOUT: &str = "all-disabled";

/// GFD's per-profile label of a MIG resource: `nvidia.com/mig-<profile>.<attribute>`.
pub fn profile_label(profile: &str, attribute: &str) -> String {
    format!("nvidia.com/mig-{profile}.{attribute}")
}

/// GKE: the MIG partition size a node pool was created with (`1g.5gb`); MIG devices are then
/// `nvidia.com/gpu`, as under `single`.
pub const GKE_PARTITION_SIZE: &str = "cloud.google.com/gke-gpu-partition-size";
/// GKE: the accelerator type (`nvidia-tesla-a100`, `nvidia-h100-80gb`).
pub const GKE_ACCELERATOR: &str = "cloud.google.com/gke-accelerator";
/// GKE: clients per GPU when GPUs are shared.
pub const GKE_MAX_SHARED_CLIENTS: &str = "cloud.google.com/gke-max-shared-clients-per-gpu";
/// GKE: `time-sharing` or `mps`.
pub const GKE_SHARING_STRATEGY: &str = "cloud.google.com/gke-gpu-sharing-strategy";

/// AKS managed GPU pools: the DCGM exporter label AKS sets on their nodes.
pub const AKS_DCGM_EXPORTER: &str = "kubernetes.azure.com/dcgm-exporter";
/// Node conditions AKS's node problem detector sets on managed GPU nodes.
pub const AKS_GPU_CONDITIONS: &[&str] = &[
    "UnhealthyNvidiaDevicePlugin",
    "UnhealthyNvidiaDCGMServices",
    "GPUMissing",
];

/// The GPU model a GKE accelerator type stands for, as GFD would name it.
pub fn gke_model(accelerator: &str) -> Option<&'static str> {
    Some(match accelerator {
        "nvidia-tesla-a100" => "A100-SXM4-40GB",
        "nvidia-a100-80gb" => "A100-SXM4-80GB",
        "nvidia-h100-80gb" => "H100-80GB-HBM3",
        "nvidia-h100-mega-80gb" => "H100-80GB-HBM3",
        "nvidia-h200-141gb" => "H200",
        "nvidia-b200" => "B200",
        _ => return None,
    })
}
