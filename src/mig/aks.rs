//! AKS facts as data: GPU VM sizes, their GPUs, whether AKS can cut them with
//! `--gpu-instance-profile`, and what each `MIG<n>g` value becomes on those GPUs.
//!
//! Sources: Azure "Create a multi-instance GPU node pool in Azure Kubernetes Service (AKS)"
//! (MIG1g..MIG7g, Standard_ND96asr_v4 table, "supported on NVIDIA A100, H100, and H200 series GPU
//! VM sizes on AKS", api-version 2021-08-01 or later); the Azure VM size pages NDasrA100_v4,
//! NDm_A100_v4, NC_A100_v4, NCads_H100_v5, ND_H100_v5, ND_H200_v5, NCv3 and NCasT4_v3 (GPU model
//! and count per size); AKS "Manage system node pools" (pool name rules).

pub mod managed;

use crate::mig::catalog::{self, Gpu, Profile, Variant};

/// The node label AKS puts on GPU nodes (`nvidia` for NVIDIA GPUs).
pub const ACCELERATOR_LABEL: &str = "kubernetes.azure.com/accelerator";

/// An Azure VM size that has NVIDIA GPUs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VmSize {
    /// The size as Azure spells it, e.g. `Standard_ND96asr_v4`.
    pub name: &'static str,
    /// The Azure size series, e.g. `NDasrA100_v4`.
    pub series: &'static str,
    /// GPUs per VM.
    pub gpu_count: u32,
    /// The GPU as Azure describes it, e.g. `NVIDIA A100 40GB (SXM4)`.
    pub gpu_name: &'static str,
    /// The catalog model when AKS supports `--gpu-instance-profile` on this size, else `None`.
    pub mig_model: Option<&'static str>,
}

impl VmSize {
    /// True when AKS can create a MIG node pool of this size.
    pub fn mig_supported(&self) -> bool {
        self.mig_model.is_some()
    }

    /// The catalog GPU of a MIG-capable size.
    pub fn gpu(&self) -> Option<&'static Gpu> {
        self.mig_model.and_then(catalog::find_gpu)
    }

    /// Where the GPU model and count of this size come from: the Azure size series page, and an
    /// AKS page that confirms it where one does.
    pub fn source(&self) -> &'static str {
        match self.series {
            "NDasrA100_v4" => {
                "Azure NDasrA100_v4 size page; AKS multi-instance GPU guide (Standard_ND96asr_v4 table)"
            }
            "NC_A100_v4" => {
                "Azure NC_A100_v4 size page; AKS managed GPU docs (Standard_NC24ads_A100_v4, A100 80GB)"
            }
            "NCads_H100_v5" => {
                "Azure NCads_H100_v5 size page; AKS GPU autoscaling docs (Standard_NC40ads_H100_v5)"
            }
            "ND_H200_v5" => "Azure ND_H200_v5 size page; AKS NVMe storage docs (8 x H200)",
            "NDm_A100_v4" => "Azure NDm_A100_v4 size page",
            "ND_H100_v5" => "Azure ND_H100_v5 size page",
            "NCv3" => "Azure NCv3 size page",
            _ => "Azure NCasT4_v3 size page",
        }
    }
}

const fn size(
    name: &'static str,
    series: &'static str,
    gpu_count: u32,
    gpu_name: &'static str,
    mig_model: Option<&'static str>,
) -> VmSize {
    VmSize {
        name,
        series,
        gpu_count,
        gpu_name,
        mig_model,
    }
}

static SIZES: &[VmSize] = &[
    // MIG on AKS: the A100, H100 and H200 sizes.
    size(
        "Standard_ND96asr_v4",
        "NDasrA100_v4",
        8,
        "NVIDIA A100 40GB (SXM4)",
        Some("A100-40GB"),
    ),
    size(
        "Standard_ND96amsr_A100_v4",
        "NDm_A100_v4",
        8,
        "NVIDIA A100 80GB (SXM4)",
        Some("A100-80GB"),
    ),
    size(
        "Standard_NC24ads_A100_v4",
        "NC_A100_v4",
        1,
        "NVIDIA A100 80GB PCIe",
        Some("A100-80GB"),
    ),
    size(
        "Standard_NC48ads_A100_v4",
        "NC_A100_v4",
        2,
        "NVIDIA A100 80GB PCIe",
        Some("A100-80GB"),
    ),
    size(
        "Standard_NC96ads_A100_v4",
        "NC_A100_v4",
        4,
        "NVIDIA A100 80GB PCIe",
        Some("A100-80GB"),
    ),
    size(
        "Standard_NC40ads_H100_v5",
        "NCads_H100_v5",
        1,
        "NVIDIA H100 NVL 94GB",
        Some("H100-NVL"),
    ),
    size(
        "Standard_NC80adis_H100_v5",
        "NCads_H100_v5",
        2,
        "NVIDIA H100 NVL 94GB",
        Some("H100-NVL"),
    ),
    size(
        "Standard_ND96isr_H100_v5",
        "ND_H100_v5",
        8,
        "NVIDIA H100 80GB (SXM5)",
        Some("H100-80GB"),
    ),
    size(
        "Standard_ND96isr_H200_v5",
        "ND_H200_v5",
        8,
        "NVIDIA H200 141GB",
        Some("H200"),
    ),
    // GPU sizes whose GPUs have no MIG at all, so a plan for them gets a clear answer.
    size("Standard_NC6s_v3", "NCv3", 1, "NVIDIA V100 16GB", None),
    size("Standard_NC12s_v3", "NCv3", 2, "NVIDIA V100 16GB", None),
    size("Standard_NC24s_v3", "NCv3", 4, "NVIDIA V100 16GB", None),
    size("Standard_NC24rs_v3", "NCv3", 4, "NVIDIA V100 16GB", None),
    size(
        "Standard_NC4as_T4_v3",
        "NCasT4_v3",
        1,
        "NVIDIA T4 16GB",
        None,
    ),
    size(
        "Standard_NC8as_T4_v3",
        "NCasT4_v3",
        1,
        "NVIDIA T4 16GB",
        None,
    ),
    size(
        "Standard_NC16as_T4_v3",
        "NCasT4_v3",
        1,
        "NVIDIA T4 16GB",
        None,
    ),
    size(
        "Standard_NC64as_T4_v3",
        "NCasT4_v3",
        4,
        "NVIDIA T4 16GB",
        None,
    ),
];

/// Every GPU VM size kubectl-mig knows, MIG-capable ones first.
pub fn vm_sizes() -> &'static [VmSize] {
    SIZES
}

/// The VM size named `name`, any case, with or without the `Standard_` prefix.
pub fn vm_size(name: &str) -> Option<&'static VmSize> {
    let name = name.trim();
    let bare = |s: &'static str| s.strip_prefix("Standard_").unwrap_or(s);
    let wanted = match name.get(..9) {
        Some(prefix) if prefix.eq_ignore_ascii_case("Standard_") => &name[9..],
        _ => name,
    };
    SIZES
        .iter()
        .find(|s| bare(s.name).eq_ignore_ascii_case(wanted))
}

/// AKS's `gpuInstanceProfile` values: every GPU of the pool is cut into one profile size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum GpuInstanceProfile {
    /// `MIG1g`.
    Mig1g,
    /// `MIG2g`.
    Mig2g,
    /// `MIG3g`.
    Mig3g,
    /// `MIG4g`.
    Mig4g,
    /// `MIG7g`.
    Mig7g,
}

impl GpuInstanceProfile {
    /// All values, in order.
    pub const ALL: [GpuInstanceProfile; 5] = [
        GpuInstanceProfile::Mig1g,
        GpuInstanceProfile::Mig2g,
        GpuInstanceProfile::Mig3g,
        GpuInstanceProfile::Mig4g,
        GpuInstanceProfile::Mig7g,
    ];

    /// Parses `MIG1g`..`MIG7g`, any case.
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(value.trim()))
    }

    /// The value as the AKS API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            GpuInstanceProfile::Mig1g => "MIG1g",
            GpuInstanceProfile::Mig2g => "MIG2g",
            GpuInstanceProfile::Mig3g => "MIG3g",
            GpuInstanceProfile::Mig4g => "MIG4g",
            GpuInstanceProfile::Mig7g => "MIG7g",
        }
    }

    /// Compute slices per instance.
    pub fn slices(self) -> u32 {
        match self {
            GpuInstanceProfile::Mig1g => 1,
            GpuInstanceProfile::Mig2g => 2,
            GpuInstanceProfile::Mig3g => 3,
            GpuInstanceProfile::Mig4g => 4,
            GpuInstanceProfile::Mig7g => 7,
        }
    }

    /// The MIG profile this value becomes on `gpu`: the smallest-memory profile without an
    /// attribute suffix with this many compute slices (MIG1g is `1g.5gb` on A100 40GB, `1g.10gb`
    /// on A100 80GB).
    pub fn profile_on(self, gpu: &Gpu) -> Option<&'static Profile> {
        gpu.profiles
            .iter()
            .filter(|p| p.compute_slices == self.slices() && p.variant() == Variant::Plain)
            .min_by_key(|p| p.memory_slices)
    }
}

/// The profiles AKS can create on `gpu`, e.g. all five on A100, no MIG3g/MIG7g on A30.
pub fn profiles_for(gpu: &Gpu) -> Vec<GpuInstanceProfile> {
    GpuInstanceProfile::ALL
        .into_iter()
        .filter(|p| p.profile_on(gpu).is_some())
        .collect()
}

/// Instances per node when every GPU of `vm_size` is cut into `profile`, which may be an AKS
/// value (`MIG1g`) or a MIG profile name (`1g.5gb`); `None` for unknown or non-MIG sizes and
/// profiles the GPU lacks.
pub fn expected_instances(vm_size: &str, profile: &str) -> Option<u32> {
    let size = self::vm_size(vm_size)?;
    let gpu = size.gpu()?;
    let profile = match GpuInstanceProfile::parse(profile) {
        Some(aks) => aks.profile_on(gpu)?,
        None => gpu.profile(profile)?,
    };
    Some(profile.max_instances? * size.gpu_count)
}

/// Checks a node pool name against AKS's rule for Linux pools: a lowercase letter, then lowercase
/// letters or digits, 12 characters at most. The error is a sentence saying what is wrong.
pub fn validate_pool_name(name: &str) -> Result<(), String> {
    let starts_with_letter = name.bytes().next().is_some_and(|b| b.is_ascii_lowercase());
    let allowed = name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if name.is_empty() || name.len() > 12 || !starts_with_letter || !allowed {
        return Err(format!(
            "node pool name {name:?} is not valid on AKS: use 1 to 12 lowercase letters and digits, \
             starting with a letter (e.g. mig1g)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_sizes_any_case_with_or_without_prefix() {
        for name in [
            "Standard_ND96asr_v4",
            "standard_nd96asr_v4",
            "ND96asr_v4",
            "nd96ASR_v4",
            " Standard_ND96asr_v4 ",
        ] {
            assert_eq!(vm_size(name).unwrap().name, "Standard_ND96asr_v4", "{name}");
        }
        assert!(vm_size("Standard_D4s_v5").is_none());
        assert!(vm_size("").is_none());
    }

    #[test]
    fn mig_sizes_map_to_catalog_gpus() {
        for size in vm_sizes() {
            assert!(size.name.starts_with("Standard_"));
            assert_eq!(size.mig_supported(), size.gpu().is_some(), "{}", size.name);
            assert!(size.source().contains(size.series), "{}", size.name);
            if let Some(gpu) = size.gpu() {
                assert_eq!(profiles_for(gpu), GpuInstanceProfile::ALL, "{}", size.name);
                // Plans multiply these: every AKS MIG GPU has published counts.
                assert!(gpu.profiles.iter().all(|p| p.max_instances.is_some()));
            }
        }
        assert!(!vm_size("Standard_NC6s_v3").unwrap().mig_supported());
    }

    #[test]
    fn parses_gpu_instance_profiles() {
        assert_eq!(
            GpuInstanceProfile::parse("MIG1g"),
            Some(GpuInstanceProfile::Mig1g)
        );
        assert_eq!(
            GpuInstanceProfile::parse("mig7G"),
            Some(GpuInstanceProfile::Mig7g)
        );
        assert_eq!(GpuInstanceProfile::parse("MIG5g"), None);
        assert_eq!(GpuInstanceProfile::parse("1g.5gb"), None);
    }

    #[test]
    fn aks_profiles_become_gpu_specific_mig_profiles() {
        let name = |size: &str, p: GpuInstanceProfile| {
            let gpu = vm_size(size).unwrap().gpu().unwrap();
            p.profile_on(gpu).unwrap().name
        };
        use GpuInstanceProfile::*;
        assert_eq!(name("Standard_ND96asr_v4", Mig1g), "1g.5gb");
        assert_eq!(name("Standard_ND96amsr_A100_v4", Mig1g), "1g.10gb");
        assert_eq!(name("Standard_NC24ads_A100_v4", Mig4g), "4g.40gb");
        assert_eq!(name("Standard_NC40ads_H100_v5", Mig3g), "3g.47gb");
        assert_eq!(name("Standard_ND96isr_H200_v5", Mig7g), "7g.141gb");
        let a30 = catalog::find_gpu("A30").unwrap();
        assert_eq!(profiles_for(a30), [Mig1g, Mig2g, Mig4g]);
    }

    #[test]
    fn expected_instances_per_node() {
        assert_eq!(expected_instances("Standard_ND96asr_v4", "MIG1g"), Some(56));
        assert_eq!(expected_instances("ND96asr_v4", "1g.5gb"), Some(56));
        assert_eq!(
            expected_instances("Standard_ND96asr_v4", "1g.10gb"),
            Some(32)
        );
        assert_eq!(
            expected_instances("Standard_NC48ads_A100_v4", "MIG2g"),
            Some(6)
        );
        assert_eq!(expected_instances("Standard_NC6s_v3", "MIG1g"), None);
        assert_eq!(expected_instances("Standard_ND96asr_v4", "1g.12gb"), None);
        assert_eq!(expected_instances("nope", "MIG1g"), None);
    }

    #[test]
    fn validates_pool_names() {
        for ok in ["mig1g", "a", "gpupool12345"] {
            assert!(validate_pool_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "aksMigNode",
            "1pool",
            "mig-pool",
            "gpupool123456",
            "pool_1",
        ] {
            let err = validate_pool_name(bad).unwrap_err();
            assert!(err.contains("lowercase"), "{bad}: {err}");
        }
    }
}
