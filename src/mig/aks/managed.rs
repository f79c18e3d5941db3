//! AKS's managed GPU experience (preview) and the `gpuProfile.nvidia` agent pool fields, as
//! documented; plus which MIG profile each `MIG<n>g` value is documented to become.
//!
//! Sources: AKS docs "Create a fully managed GPU node pool on AKS (preview)"
//! (MicrosoftDocs/azure-aks-docs `articles/aks/aks-managed-gpu-nodes.md` @ fb060ab, ms.date
//! 07/02/2026): the `az aks nodepool add` flags, requirements and limits. The agent pool REST API
//! 2026-07-02-preview (Azure/azure-rest-api-specs `managedClusters.json` @ 0266014, definitions
//! `GPUProfile` and `NvidiaGPUProfile`, example `AgentPoolsCreate_SingleMIG.json`). The `az` flags
//! were read in the docs only, not in the azure-cli-extensions source.

use super::GpuInstanceProfile;
use crate::mig::catalog::Gpu;

/// The agent pool API version whose `gpuProfile.nvidia` carries `managementMode`, `migStrategy`
/// and `migProfiles` (the newest preview read; earlier previews were not checked).
pub const PREVIEW_API_VERSION: &str = "2026-07-02-preview";
/// The subscription feature flag the preview needs.
pub const FEATURE_FLAG: &str = "ManagedGPUExperiencePreview";
/// The oldest Azure CLI the docs name.
pub const MIN_AZURE_CLI: &str = "2.85.0";
/// The oldest aks-preview extension the docs name.
pub const MIN_AKS_PREVIEW: &str = "19.0.0b29";
/// Where the preview's flags, requirements and limits come from.
pub const SOURCE: &str =
    "AKS docs, \"Create a fully managed GPU node pool on AKS (preview)\" (07/02/2026)";
/// The documented limits that matter for a MIG pool, in the docs' words where short.
pub const LIMITS: &[&str] = &[
    "the cluster autoscaler is not supported on managed GPU node pools during the preview",
    "managementMode, migStrategy and the driver cannot be changed after the pool is created",
    "existing MIG node pools cannot be migrated to it",
    "NVIDIA GPU VM sizes only, Linux only",
];

/// The MIG profile `gip` is documented to become on `gpu`: AKS's multi-instance GPU guide gives
/// the whole table for Standard_ND96asr_v4 (A100 40GB); its managed GPU page shows MIG1g as
/// `nvidia.com/mig-1g.10gb: 7` on Standard_NC24ads_A100_v4 (A100 80GB). Nothing else is documented.
pub fn documented_profile(gpu: &Gpu, gip: GpuInstanceProfile) -> Option<&'static str> {
    use GpuInstanceProfile::*;
    match (gpu.model, gip) {
        ("A100-40GB", Mig1g) => Some("1g.5gb"),
        ("A100-40GB", Mig2g) => Some("2g.10gb"),
        ("A100-40GB", Mig3g) => Some("3g.20gb"),
        ("A100-40GB", Mig4g) => Some("4g.20gb"),
        ("A100-40GB", Mig7g) => Some("7g.40gb"),
        ("A100-80GB", Mig1g) => Some("1g.10gb"),
        _ => None,
    }
}

/// The `MIG<n>g` value documented to become `profile` on `gpu`, if any.
pub fn documented_value(gpu: &Gpu, profile: &str) -> Option<GpuInstanceProfile> {
    let canonical = gpu.profile(profile)?.name;
    GpuInstanceProfile::ALL
        .into_iter()
        .find(|gip| documented_profile(gpu, *gip) == Some(canonical))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mig::catalog::find_gpu;

    #[test]
    fn documented_values_agree_with_the_inferred_rule() {
        for gpu in ["A100-40GB", "A100-80GB"].map(|m| find_gpu(m).unwrap()) {
            for gip in GpuInstanceProfile::ALL {
                if let Some(name) = documented_profile(gpu, gip) {
                    assert_eq!(gip.profile_on(gpu).unwrap().name, name);
                }
            }
        }
        let a100 = find_gpu("A100-40GB").unwrap();
        assert_eq!(
            documented_value(a100, "3g.21gb"),
            Some(GpuInstanceProfile::Mig3g)
        );
        assert_eq!(documented_value(a100, "1g.10gb"), None);
        let h100 = find_gpu("H100-80GB").unwrap();
        assert_eq!(documented_value(h100, "1g.10gb"), None);
    }
}
