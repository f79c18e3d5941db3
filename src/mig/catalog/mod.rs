//! The MIG GPU instance profile catalog: every MIG-capable GPU model kubectl-mig knows, as data.
//!
//! Sources, named in each entry:
//! - "NVIDIA MIG User Guide, Supported MIG Profiles": profile names, fractions of SMs and memory,
//!   media engines, copy engines and instance counts per GPU (A30, A100, H100 80GB / 94GB / 96GB,
//!   H200 141GB, B200 180GB).
//! - `nvidia-smi mig -lgip` / `-lgipp` captures (profile IDs, memory GiB, SM and engine counts,
//!   placements): the project's own H100 80GB HBM3 and H200 captures in shared/fixtures, and public
//!   captures quoted where used. Memory GiB is what nvidia-smi prints; it moves by ±0.25 GiB between
//!   driver branches (A100 40GB 7g.40gb reads 39.25, 39.38 or 39.50), so treat it as approximate.
//! - NVIDIA GPU Operator `default-mig-parted-config` (`all-1g.5gb`, `all-balanced`, ...): which
//!   product families share a profile set.

mod data;

use data::GPUS;

/// Copy, decoder, encoder, JPEG and optical-flow engines of one GPU instance, as `-lgip` prints them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Engines {
    /// Copy engines (CE).
    pub copy: u32,
    /// Video decoders (DEC / NVDEC).
    pub decoders: u32,
    /// Video encoders (ENC); `None` where NVIDIA publishes no number.
    pub encoders: Option<u32>,
    /// JPEG decoders (NVJPG).
    pub jpeg: u32,
    /// Optical flow accelerators (OFA).
    pub ofa: u32,
}

/// One GPU instance profile of one GPU model (a row of `nvidia-smi mig -lgip`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Profile {
    /// The profile name without the `MIG ` prefix, e.g. `1g.5gb` or `1g.10gb+me`.
    pub name: &'static str,
    /// The GPU instance profile ID (`nvidia-smi mig -cgi <ID>`); `None` where unpublished.
    pub id: Option<u32>,
    /// Compute slices (the `<n>g` of the name), out of [`Gpu::compute_slices`].
    pub compute_slices: u32,
    /// Memory slices, out of [`Gpu::memory_slices`]; also the placement size `-lgipp` prints.
    pub memory_slices: u32,
    /// Memory in GiB as nvidia-smi reports it; `None` where no capture was available.
    pub memory_gib: Option<f64>,
    /// Streaming multiprocessors; `None` where no capture was available.
    pub multiprocessors: Option<u32>,
    /// How many instances of this profile alone fit on one GPU.
    pub max_instances: u32,
    /// Valid start slots (`-lgipp`'s `{0,2,4}` part); `None` where unpublished.
    pub placements: Option<&'static [u32]>,
    /// Engine counts.
    pub engines: Engines,
}

impl Profile {
    /// True for `+me` profiles, which take the GPU's only media-extension slot.
    pub fn media_extensions(&self) -> bool {
        self.name.ends_with("+me")
    }
}

/// A MIG-capable GPU model and its profiles.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gpu {
    /// Short model key for `--gpu` and output, e.g. `A100-40GB`.
    pub model: &'static str,
    /// Human name, e.g. `NVIDIA A100 40GB (SXM4, PCIe)`.
    pub name: &'static str,
    /// `nvidia.com/gpu.product` values (NVML names, spaces as `-`) without the `NVIDIA-` prefix.
    pub products: &'static [&'static str],
    /// Other names accepted by `--gpu`.
    pub aliases: &'static [&'static str],
    /// Compute slices of the whole GPU (7, or 4 on A30).
    pub compute_slices: u32,
    /// Memory slices of the whole GPU (8, or 4 on A30).
    pub memory_slices: u32,
    /// Where the numbers come from.
    pub sources: &'static str,
    /// Profiles in `nvidia-smi mig -lgip` order (smallest first).
    pub profiles: &'static [Profile],
}

impl Gpu {
    /// The profile with this name (`1g.5gb`, with or without a `MIG ` prefix), if the GPU has it.
    pub fn profile(&self, name: &str) -> Option<&'static Profile> {
        let name = name.trim();
        let name = name.strip_prefix("MIG ").unwrap_or(name);
        self.profiles
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    }
}

/// A parsed profile name such as `1g.5gb+me`; orders smallest first (slices, memory, `+me` last).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProfileName {
    /// Compute slices (`1` in `1g.5gb`).
    pub slices: u32,
    /// Nominal memory in GB (`5` in `1g.5gb`).
    pub memory_gb: u32,
    /// True for the `+me` (media extensions) variant.
    pub media_extensions: bool,
}

/// Parses a MIG profile name (`1g.5gb`, `1g.5gb+me`, `MIG 7g.80gb`); `None` if it is not one.
///
/// Compute-instance names (`1c.3g.40gb`) and the RTX PRO `+gfx`/`-me` variants are not profiles
/// kubectl-mig plans for, so they give `None`.
pub fn parse_profile_name(name: &str) -> Option<ProfileName> {
    let name = name.trim();
    let name = name.strip_prefix("MIG ").unwrap_or(name);
    let (base, media_extensions) = match name.strip_suffix("+me") {
        Some(base) => (base, true),
        None => (name, false),
    };
    let (slices, memory) = base.split_once("g.")?;
    let memory = memory.strip_suffix("gb")?;
    let digits = |s: &str| !s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(slices) || !digits(memory) {
        return None;
    }
    let slices: u32 = slices.parse().ok()?;
    if !(1..=8).contains(&slices) {
        return None;
    }
    Some(ProfileName {
        slices,
        memory_gb: memory.parse().ok()?,
        media_extensions,
    })
}

/// Every GPU model in the catalog, oldest first.
pub fn gpus() -> &'static [Gpu] {
    GPUS
}

/// The catalog GPU for a `--gpu` value: a model key, an alias or a product label, any case.
pub fn find_gpu(model: &str) -> Option<&'static Gpu> {
    let wanted = model.trim();
    GPUS.iter()
        .find(|g| {
            g.model.eq_ignore_ascii_case(wanted)
                || g.aliases.iter().any(|a| a.eq_ignore_ascii_case(wanted))
        })
        .or_else(|| gpu_for_product(wanted))
}

/// Maps an `nvidia.com/gpu.product` label value (or an NVML name like `NVIDIA H100 80GB HBM3`) to
/// its catalog GPU.
///
/// Accepts the `NVIDIA-` prefix or not (older drivers omit it), the single-strategy form
/// `<model>-MIG-<profile>` (e.g. `NVIDIA-A100-SXM4-40GB-MIG-1g.5gb`) and GFD's `-SHARED` suffix.
pub fn gpu_for_product(label: &str) -> Option<&'static Gpu> {
    let mut product = label.trim().replace(' ', "-");
    if let Some(at) = find_ignore_case(&product, "-MIG-") {
        product.truncate(at);
    }
    if product.len() > 7 && product[product.len() - 7..].eq_ignore_ascii_case("-SHARED") {
        product.truncate(product.len() - 7);
    }
    let product = match product.get(..7) {
        Some(prefix) if prefix.eq_ignore_ascii_case("NVIDIA-") => &product[7..],
        _ => &product[..],
    };
    GPUS.iter()
        .find(|g| g.products.iter().any(|p| p.eq_ignore_ascii_case(product)))
}

fn find_ignore_case(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .to_ascii_uppercase()
        .find(&needle.to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_profile_names() {
        let p = |s| parse_profile_name(s);
        let name = |slices, memory_gb, media_extensions| {
            Some(ProfileName {
                slices,
                memory_gb,
                media_extensions,
            })
        };
        assert_eq!(p("1g.5gb"), name(1, 5, false));
        assert_eq!(p("1g.5gb+me"), name(1, 5, true));
        assert_eq!(p("MIG 7g.141gb"), name(7, 141, false));
        assert_eq!(p(" 3g.47gb "), name(3, 47, false));
        for bad in [
            "",
            "1g",
            "1g.5",
            "g.5gb",
            "1g.gb",
            "1c.3g.40gb",
            "1g.24gb+gfx",
            "9g.5gb",
            "x",
        ] {
            assert_eq!(p(bad), None, "{bad}");
        }
    }

    #[test]
    fn profile_names_order_smallest_first() {
        let mut names: Vec<_> = ["7g.40gb", "1g.10gb", "1g.5gb+me", "2g.10gb", "1g.5gb"]
            .iter()
            .map(|n| parse_profile_name(n).unwrap())
            .collect();
        names.sort();
        let order: Vec<_> = names.iter().map(|n| (n.slices, n.memory_gb)).collect();
        assert_eq!(order, [(1, 5), (1, 5), (1, 10), (2, 10), (7, 40)]);
        assert!(!names[0].media_extensions && names[1].media_extensions);
    }

    #[test]
    fn maps_product_labels_to_gpus() {
        let model = |label: &str| gpu_for_product(label).map(|g| g.model);
        assert_eq!(model("NVIDIA-A100-SXM4-40GB"), Some("A100-40GB"));
        assert_eq!(model("A100-SXM4-40GB"), Some("A100-40GB"));
        assert_eq!(model("NVIDIA-A100-SXM4-40GB-MIG-1g.5gb"), Some("A100-40GB"));
        assert_eq!(model("NVIDIA-A100-PCIE-40GB"), Some("A100-40GB"));
        assert_eq!(model("NVIDIA-A100-80GB-PCIe"), Some("A100-80GB"));
        assert_eq!(
            model("NVIDIA-A100-SXM4-80GB-MIG-INVALID"),
            Some("A100-80GB")
        );
        assert_eq!(model("NVIDIA-H100-80GB-HBM3"), Some("H100-80GB"));
        assert_eq!(model("NVIDIA H100 80GB HBM3"), Some("H100-80GB"));
        assert_eq!(model("NVIDIA-H100-NVL"), Some("H100-NVL"));
        assert_eq!(
            model("NVIDIA-H100-NVL-MIG-1g.12gb-SHARED"),
            Some("H100-NVL")
        );
        assert_eq!(model("NVIDIA-H100-PCIe"), Some("H100-PCIE"));
        assert_eq!(model("NVIDIA-H200"), Some("H200"));
        assert_eq!(model("NVIDIA-A30"), Some("A30"));
        assert_eq!(model("NVIDIA-B200"), Some("B200"));
        assert_eq!(model("Tesla-T4"), None);
        assert_eq!(model("NVIDIA-A10"), None);
        assert_eq!(model(""), None);
    }

    #[test]
    fn finds_gpus_by_model_alias_or_product() {
        assert_eq!(find_gpu("h100-80gb").unwrap().model, "H100-80GB");
        assert_eq!(find_gpu("A100").unwrap().model, "A100-40GB");
        assert_eq!(find_gpu("H100-94GB").unwrap().model, "H100-NVL");
        assert_eq!(find_gpu("NVIDIA-H200").unwrap().model, "H200");
        assert!(find_gpu("V100").is_none());
    }

    /// The classic A100 40GB table (NVIDIA MIG User Guide; AKS "Create a multi-instance GPU node
    /// pool"): instances per GPU and fractions of SMs and memory.
    #[test]
    fn a100_40gb_classic_table() {
        let gpu = find_gpu("A100-40GB").unwrap();
        let expected = [
            ("1g.5gb", 7, 1, 1),
            ("2g.10gb", 3, 2, 2),
            ("3g.20gb", 2, 3, 4),
            ("4g.20gb", 1, 4, 4),
            ("7g.40gb", 1, 7, 8),
        ];
        for (name, max, sm_sevenths, memory_eighths) in expected {
            let p = gpu.profile(name).unwrap();
            assert_eq!(p.max_instances, max, "{name}");
            assert_eq!(
                (p.compute_slices, gpu.compute_slices),
                (sm_sevenths, 7),
                "{name}"
            );
            assert_eq!(
                (p.memory_slices, gpu.memory_slices),
                (memory_eighths, 8),
                "{name}"
            );
        }
    }

    #[test]
    fn catalog_is_consistent() {
        for gpu in gpus() {
            assert!(!gpu.profiles.is_empty(), "{}", gpu.model);
            for p in gpu.profiles {
                let parsed = parse_profile_name(p.name).unwrap();
                assert_eq!(parsed.slices, p.compute_slices, "{} {}", gpu.model, p.name);
                assert_eq!(parsed.media_extensions, p.media_extensions());
                assert!(p.compute_slices <= gpu.compute_slices);
                assert!(p.memory_slices <= gpu.memory_slices);
                // Without +me, every start slot is one instance that fits; +me is one per GPU.
                if let Some(starts) = p.placements {
                    let fit = if p.media_extensions() {
                        1
                    } else {
                        starts.len() as u32
                    };
                    assert_eq!(p.max_instances, fit, "{} {}", gpu.model, p.name);
                    assert!(starts
                        .iter()
                        .all(|s| s + p.memory_slices <= gpu.memory_slices));
                }
                assert!(gpu.profile(&format!("MIG {}", p.name)).is_some());
            }
            assert!(gpu.products.iter().all(|p| gpu_for_product(p) == Some(gpu)));
        }
    }
}
